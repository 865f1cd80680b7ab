#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The libiommu demo, from a fresh Debian machine (as root): installs what is
# missing, builds the kernel (cached) and the library, boots a QEMU guest with
# a real iommufd, VFIO and KVM, and runs the example programs there, once with
# the guest IOMMU's snoop control on and once off.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
demos=(dev-info vfio-device coherency-matrix ioas-ranges viommu privsep live-update)
avail=()
bash tests/vm/setup-host.sh
for d in "${demos[@]}"; do
	[ -f "examples/$d.c" ] && avail+=("$d")
done
# libiommu against raw ioctls, side by side (bench/iommu-bench.c), short
[ -f bench/iommu-bench.c ] && avail+=("iommu-bench:IOMMU_BENCH_QUICK=1")
exec bash tests/vm/run.sh --show --no-kselftest "$@" "${avail[@]}"
