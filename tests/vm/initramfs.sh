#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Assemble the guest's initramfs: busybox-static, tests/vm/init, the test
# lists (LIST_DIR/tests.<boot>, one per boot: tests.on, tests.off), the
# test programs and examples (and, when PROGS_DIR/root exists, the files
# it holds at the same paths in the guest: the dynamic loader and shared
# libraries of a sanitizer build, see build-progs.sh), the kernel's
# iommufd selftests, and the companion module(s) (/kmod, loaded by init)
# and, from the directory $LIBIOMMU_VM_TEST_KMODS when set, the modules
# tests load themselves (/kmod/test).
# usage: initramfs.sh OUT.cpio.gz LIST_DIR PROGS_DIR KERNEL_DIR [MODULE.ko...]
set -euo pipefail
out=$1 lists=$2 progs=$3 kdir=$4; shift 4
here=$(cd "$(dirname "$0")" && pwd)

root=$(mktemp -d /tmp/libiommu-initramfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc/libiommu,tests,examples,selftests,kmod}
bb=$(command -v busybox)
readelf -l "$bb" 2>/dev/null | grep -q 'program interpreter' && {
	echo "initramfs: $bb is dynamically linked: install busybox-static" >&2; exit 1; }
cp "$bb" "$root/bin/busybox"
for app in $("$bb" --list); do
	[ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done
install -m 0755 "$here/init" "$root/init"
ls "$lists"/tests.* > /dev/null 2>&1 || { echo "initramfs: no test list $lists/tests.<boot>" >&2; exit 1; }
cp "$lists"/tests.* "$root/etc/libiommu/"
cp -a "$progs"/tests/. "$root/tests/" 2>/dev/null || true
cp -a "$progs"/examples/. "$root/tests/" 2>/dev/null || true
cp -a "$progs"/bench/. "$root/tests/" 2>/dev/null || true
[ ! -d "$progs/root" ] || cp -a "$progs"/root/. "$root/"
cp "$kdir"/selftests/iommufd* "$root/selftests/"
for ko in "$@"; do cp "$ko" "$root/kmod/"; done
if [ -n "${LIBIOMMU_VM_TEST_KMODS:-}" ]; then
	mkdir -p "$root/kmod/test"
	cp "$LIBIOMMU_VM_TEST_KMODS"/*.ko "$root/kmod/test/"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
echo "initramfs: $(du -h "$out" | cut -f1) with $(ls "$root/tests" | wc -l) programs, $# module(s)" >&2
