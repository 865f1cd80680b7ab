#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Compare the built libiommu.so with the ABI baseline of the last release
# (abi/libiommu-0.1.abi, made by `make abi-baseline`).  New functions are
# fine; a removed or changed function, variable or public type fails.
# Options structs may grow at the end and LIBIOMMU_FEAT__COUNT may grow
# (abi/libiommu.suppr): that is their contract.  No --headers-dir2 here: with
# a location-free baseline it makes abidiff filter out every change.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}" "${ABIDIFF:=}"

so=$top_builddir/lib/.libs/libiommu.so
base=$top_srcdir/abi/libiommu-0.1.abi

if [ -z "$ABIDIFF" ] || ! command -v "$ABIDIFF" > /dev/null 2>&1; then
	echo "SKIP: abidiff not found (install abigail-tools and re-run configure)"
	exit 77
fi
if [ ! -e "$so" ]; then
	echo "SKIP: $so not built (configured with --disable-shared?)"
	exit 77
fi
if command -v readelf > /dev/null 2>&1 &&
   ! readelf -S "$so" | grep -q '\.debug_info'; then
	echo "SKIP: $so has no debug info (built without -g): abidiff cannot see its types"
	exit 77
fi

out=$("$ABIDIFF" --no-show-locs \
	--suppressions "$top_srcdir/abi/libiommu.suppr" \
	"$base" "$so" 2>&1)
rc=$?
echo "abidiff $base $so: exit status $rc"
[ -n "$out" ] && echo "$out"

# abidiff's exit status is a bit mask: 1 error, 2 usage error, 4 ABI
# change, 8 incompatible ABI change.
if [ $((rc & 3)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare (status $rc)"
	exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
	echo "FAIL: incompatible ABI change against the last release"
	exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
	# An ABI change that is not incompatible: allowed only if it is pure
	# additions.  Any "N Removed" or "N Changed" with N > 0 fails.
	if echo "$out" | grep -E 'summary:' |
	   grep -qE '(^|[^0-9])[1-9][0-9]* (Removed|Changed)'; then
		echo "FAIL: functions, variables or types changed or removed since the last release"
		exit 1
	fi
	echo "ABI additions only: fine (remember a new node in lib/libiommu.map)"
fi
exit 0
