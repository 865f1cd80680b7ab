#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fetch Debian's linux-source package, patch it, build the VM tier's kernel
# (bzImage, modules, uAPI headers) and the kernel's own iommufd selftests.
#
# The result is cached under $LIBIOMMU_CACHE (default ~/.cache/libiommu) in a
# directory named after everything that determines it: the source package
# version, and a hash of the config fragment, the patches and RECIPE below.
# A second run with the same inputs does nothing but print the directory.
#
# Usage: tests/vm/kernel.sh [--version 7.3|6.12] [--debug]
#   prints, on its last line of stdout, the cache directory holding:
#     bzImage  build/ (the configured, built tree: KDIR for kmod/)
#     headers/include (make headers_install)  selftests/ (static binaries)
#   --version 7.3   the VM tier's main kernel (default): Debian's
#                   linux-source-7.3 from trixie-backports, kernel.config,
#                   patches/*.patch
#   --version 6.12  the LTS kernel that distributions ship (Debian 13
#                   "trixie" runs it): linux-source-6.12 from trixie,
#                   kernel.config then kernel-6.12.config (which unsets
#                   the options 6.12 does not have), patches/6.12/*.patch;
#                   cached under its own key
#   --debug  the debug kernel: the fragments above, then kernel-debug.config
#            (KASAN, lockdep, kmemleak), cached under its own key
#            (a directory named ...-debug-<hash>)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# Bump when the build steps below change in a way that changes the output.
# (It is part of every kernel's key: bumping it rebuilds all of them.)
RECIPE=3
version=7.3 debug=0
while [ $# -gt 0 ]; do
	case "$1" in
	--version) [ $# -ge 2 ] || { echo "kernel: --version needs 7.3 or 6.12" >&2; exit 2; }
		version=$2; shift ;;
	--version=*) version=${1#--version=} ;;
	--debug) debug=1 ;;
	*) echo "kernel: usage: kernel.sh [--version 7.3|6.12] [--debug]" >&2; exit 2 ;;
	esac
	shift
done
# Per kernel: the Debian source package, the suite that carries it, the
# config fragments (merged in this order, a later fragment's line wins) and
# the directory of patches.  7.3's inputs are those the cache key has always
# hashed, so that adding 6.12 did not rebuild 7.3.
case "$version" in
7.3)
	def_pkg=linux-source-7.3 def_suite=trixie-backports
	def_frags=("$here/kernel.config") patchdir=$here/patches ;;
6.12)
	# trixie, not bookworm-security (which has a 6.12 backport too): trixie
	# is the distribution whose own kernel 6.12 is, the one VMM hosts run,
	# and the main suite changes only at point releases, so the key (and
	# the cache) stays put between them.
	def_pkg=linux-source-6.12 def_suite=trixie
	def_frags=("$here/kernel.config" "$here/kernel-6.12.config") patchdir=$here/patches/6.12 ;;
*) echo "kernel: unknown --version '$version' (7.3 or 6.12)" >&2; exit 2 ;;
esac
SRC_PKG=${LIBIOMMU_KERNEL_PKG:-$def_pkg}
SUITE=${LIBIOMMU_KERNEL_SUITE:-$def_suite}
MIRROR=${LIBIOMMU_MIRROR:-http://deb.debian.org/debian}
CACHE=${LIBIOMMU_CACHE:-$HOME/.cache/libiommu}
JOBS=${JOBS:-$(nproc)}
if [ -n "${LIBIOMMU_KERNEL_FRAGMENT:-}" ]; then
	fragments=("$LIBIOMMU_KERNEL_FRAGMENT")
else
	fragments=("${def_frags[@]}")
fi
flavour=
[ "$debug" = 0 ] || { fragments+=("$here/kernel-debug.config"); flavour=debug-; }

log() { echo "kernel: $*" >&2; }
die() { echo "kernel: error: $*" >&2; exit 1; }

# --- apt against another suite, without touching the system's apt config
aptdir=$CACHE/apt/$SUITE
aptopts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
         -o "Dir::State=$aptdir" -o "Dir::State::Lists=$aptdir/lists"
         -o "Dir::State::status=$aptdir/status" -o "Dir::Cache=$aptdir/cache"
         -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
apt_setup() {
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	echo "deb $MIRROR $SUITE main" > "$aptdir/sources.list"
	touch "$aptdir/status"
	# Refresh the list at most once a day; the version found decides the key.
	if [ -z "$(find "$aptdir/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
		log "apt-get update ($SUITE)"
		apt-get -q "${aptopts[@]}" update >&2 || die "apt-get update for $SUITE failed"
	fi
}

pkg_version() {
	apt-cache "${aptopts[@]}" show "$SRC_PKG" 2>/dev/null |
		sed -n 's/^Version: //p' | sort -V | tail -n1
}

# Concurrent apt-cache runs race on apt's package cache: one kernel.sh at a
# time asks apt (a short lock on the cache).  Two builds of the same kernel
# would race on its output dir: a second lock per kernel, held for the
# build, so that a build of another kernel (another fragment) does not make
# every other kernel.sh wait.
mkdir -p "$CACHE/kernel"
exec 9> "$CACHE/.kernel.lock"
flock 9

apt_setup
ver=$(pkg_version) || die "apt-cache show $SRC_PKG failed (apt state in $aptdir)"
[ -n "$ver" ] || die "$SRC_PKG not found in $SUITE"

key=$( { echo "recipe=$RECIPE pkg=$SRC_PKG ver=$ver"; cat "${fragments[@]}";
         cat "$patchdir"/*.patch 2>/dev/null || true; } | sha256sum | cut -c1-16)
out=$CACHE/kernel/${SRC_PKG}_${ver//[~+:]/_}-$flavour$key

exec 8> "$out.lock"
flock -u 9
flock 8
if [ -f "$out/.complete" ]; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

log "building $SRC_PKG $ver into $out (about 10 min on 2 cores)"
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# a failed build leaves nothing behind (set LIBIOMMU_KEEP_FAILED=1 to debug it)
[ "${LIBIOMMU_KEEP_FAILED:-0}" = 1 ] || trap 'rm -rf "$out.tmp"' EXIT
cd "$out.tmp"

# --- fetch and unpack the source
debs=$aptdir/debs
mkdir -p "$debs"
flock 9	# apt's state again, for the download
deb=$(ls "$debs"/"${SRC_PKG}"_"${ver//:/%3a}"_all.deb 2>/dev/null || true)
if [ -z "$deb" ]; then
	(cd "$debs" && apt-get -q "${aptopts[@]}" download "$SRC_PKG=$ver" >&2) ||
		die "apt-get download $SRC_PKG=$ver failed"
	deb=$(ls "$debs"/"${SRC_PKG}"_*_all.deb | head -n1)
fi
flock -u 9
dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards './usr/src/linux-source-*.tar.xz' -O |
	tar -xJ
mv linux-source-* build
cd build

# --- our patches (see tests/vm/patches/README)
for p in "$patchdir"/*.patch; do
	[ -e "$p" ] || continue
	log "applying $(basename "$p")"
	patch -p1 --forward --quiet < "$p" || die "patch $(basename "$p") does not apply"
done

# --- configure: tinyconfig + fragment, then prove every option survived
make -s tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "${fragments[@]}" >/dev/null
make -s olddefconfig >&2
# kernel-6.12.config may only unset options the tree does not define at all
if [ "$version" = 6.12 ] && [ -z "${LIBIOMMU_KERNEL_FRAGMENT:-}" ]; then
	for opt in $(sed -n 's/^# CONFIG_\([A-Za-z0-9_]*\) is not set$/\1/p' "$here/kernel-6.12.config"); do
		! grep -rqx --include='Kconfig*' "\(menu\)\?config $opt" . ||
			die "kernel-6.12.config unsets CONFIG_$opt, but $SRC_PKG $ver defines it: set it in kernel.config's way, or fix its dependencies"
	done
fi
bash "$here/check-config.sh" "${fragments[@]}" .config ||
	die "the kernel config lost options of ${fragments[*]} (see above)"

# --- build
make -s -j"$JOBS" bzImage modules >&2
make -s headers_install INSTALL_HDR_PATH="$out.tmp/headers" >&2
make -s headers >&2   # usr/include in the tree, for the selftests
cp arch/x86/boot/bzImage "$out.tmp/bzImage"

# --- the kernel's own iommufd selftests, static so the initramfs needs no libc
mkdir -p "$out.tmp/selftests"
make -s -C tools/testing/selftests/iommu \
	CFLAGS="-O2 -static -D_GNU_SOURCE -pthread -isystem $PWD/usr/include -I$PWD/tools/include -I$PWD/tools/testing/selftests" \
	LDFLAGS="-static -pthread" OUTPUT="$out.tmp/selftests" >&2 ||
	die "building the iommufd selftests failed"

echo "pkg=$SRC_PKG version=$ver key=$key built=$(date -u +%FT%TZ)" > "$out.tmp/.complete"
rm -rf "$out"
mv "$out.tmp" "$out"
trap - EXIT
log "done: $out"
echo "$out"
