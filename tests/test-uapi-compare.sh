#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Compare lib/uapi/{iommufd,vfio,kvm}.h with real kernel uAPI headers by
# compiling and running tests/test-uapi-compare.c against them:
#   - /usr/include, if it has linux/iommufd.h (distro headers; may be older
#     than lib/uapi, then only the stable subset is compared);
#   - $KERNEL_HEADERS (configure --with-kernel-headers=DIR, or the make/env
#     variable), which must contain linux/iommufd.h.
# A mismatch is a compile error naming the constant/struct/field: FAIL.
# Skips (77) only when neither header set is available.
#
# Environment (set by Makefile.am's AM_TESTS_ENVIRONMENT): top_srcdir, CC,
# KERNEL_HEADERS.  Can also be run by hand from anywhere.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${CC:=cc}"
src="$top_srcdir/tests/test-uapi-compare.c"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uapi-compare.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

compared=0
failed=0

# compare LABEL [INCLUDE_DIR]
compare() {
	label=$1
	inc=$2
	echo "== comparing lib/uapi with $label"
	# $CC may carry flags (e.g. "gcc -std=gnu11"), so it stays unquoted.
	# shellcheck disable=SC2086
	if ! $CC -std=c11 -Wall -Wextra ${inc:+-I"$inc"} -I"$top_srcdir/lib" \
		-o "$tmp/uapi-compare" "$src"; then
		echo "FAIL: lib/uapi differs from $label (see the errors above)"
		failed=1
		return
	fi
	if ! "$tmp/uapi-compare"; then
		echo "FAIL: comparison program failed for $label"
		failed=1
		return
	fi
	compared=$((compared + 1))
}

if [ -f /usr/include/linux/iommufd.h ]; then
	compare "system headers (/usr/include)" ""
else
	echo "note: /usr/include/linux/iommufd.h not found, system headers not compared"
fi

if [ -z "$KERNEL_HEADERS" ]; then
	reason="KERNEL_HEADERS is not set (configure --with-kernel-headers=DIR, or KERNEL_HEADERS=DIR make check)"
elif [ ! -f "$KERNEL_HEADERS/linux/iommufd.h" ]; then
	reason="KERNEL_HEADERS=$KERNEL_HEADERS has no linux/iommufd.h (want a 'make headers_install' include dir)"
else
	reason=
	compare "kernel headers in $KERNEL_HEADERS" "$KERNEL_HEADERS"
fi

[ "$failed" = 0 ] || exit 1
if [ "$compared" = 0 ]; then
	echo "SKIP: no kernel uAPI headers to compare against: $reason"
	exit 77
fi
[ -z "$reason" ] || echo "note: $reason"
exit 0
