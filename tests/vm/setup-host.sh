#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install the host packages libiommu needs to build, test and run its VM
# tier.  Idempotent: packages already present are not touched, and apt's
# package lists are refreshed only when something has to be installed.
#
# Usage: tests/vm/setup-host.sh [--build-only | --rust]
#   --build-only   only what building the library and its host tests needs
#   --rust         that, and what the Rust bindings (bindings/rust) need to
#                  build offline: Debian's bindgen, its crates as a
#                  directory registry, and cargo unless one is on PATH
#   (no option)    everything, the VM tier and the Rust bindings included
set -euo pipefail

build_pkgs=(build-essential autoconf automake libtool pkg-config check
            abigail-tools valgrind clang-format)
vm_pkgs=(qemu-system-x86 busybox-static cpio bc bison flex libelf-dev
         libssl-dev libcap-dev rsync xz-utils dwarves python3 kmod procps)

rust_pkgs=(bindgen librust-libc-dev)
command -v cargo > /dev/null || rust_pkgs+=(cargo)

pkgs=("${build_pkgs[@]}")
case "${1:-}" in
--build-only) ;;
--rust) pkgs+=("${rust_pkgs[@]}") ;;
*) pkgs+=("${vm_pkgs[@]}" "${rust_pkgs[@]}") ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup-host: all ${#pkgs[@]} host packages present"
	exit 0
fi

echo "setup-host: installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host: error: these packages are missing and installing them needs root:" >&2
	echo "    apt-get install ${missing[*]}" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "setup-host: error: no apt-get; install by hand: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || {
	echo "setup-host: error: 'apt-get update' failed (no network to Debian's mirrors?)" >&2
	exit 1
}
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
	echo "setup-host: error: 'apt-get install ${missing[*]}' failed" >&2
	exit 1
}
echo "setup-host: done"
