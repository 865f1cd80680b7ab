#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The exported functions of libiommu.so, the version script
# lib/libiommu.map and the LIBIOMMU_API declarations of the public header
# must name the same set: an export missing from the map or the header is an
# accident, a declaration without an export is a link error for users.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}" "${NM:=nm}" "${CC:=cc}"

so=$top_builddir/lib/.libs/libiommu.so
map=$top_srcdir/lib/libiommu.map
hdr=$top_srcdir/include/libiommu/libiommu.h

if [ ! -e "$so" ]; then
	echo "SKIP: $so not built (configured with --disable-shared?)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libiommu-symbols.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Defined dynamic symbols, minus the version nodes (type A).
$NM -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	sort -u > "$tmp/so"

# Symbols listed in the global: parts of the version script (a node
# without local: is global from its opening brace).
sed -e 's|/\*.*\*/||' -e 's|#.*||' "$map" |
	awk '/{/ { g = 1 } /global:/ { g = 1; next } /local:/ { g = 0 } /}/ { g = 0 }
	     g && /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*;/ {
		gsub(/[ \t;]/, ""); print }' | sort > "$tmp/map.all"
sort -u "$tmp/map.all" > "$tmp/map"
dups=$(uniq -d "$tmp/map.all")

# Functions declared LIBIOMMU_API: let the preprocessor drop comments and
# keep the marker, then take the identifier before each declaration's "(".
$CC -E -P -DLIBIOMMU_API=__libiommu_api_marker__ -I"$top_srcdir/include" \
	-x c "$hdr" | tr '\n' ' ' | tr ';' '\n' | grep __libiommu_api_marker__ |
	sed -e 's/(.*//' -e 's/.*[^A-Za-z0-9_]//' | sort -u > "$tmp/hdr"

fail=0
report() { # title file
	if [ -s "$2" ]; then
		echo "FAIL: $1:"
		sed 's/^/  /' "$2"
		fail=1
	fi
}
comm -23 "$tmp/so" "$tmp/map" > "$tmp/a"; report "exported by libiommu.so but not in lib/libiommu.map" "$tmp/a"
comm -13 "$tmp/so" "$tmp/map" > "$tmp/b"; report "in lib/libiommu.map but not exported (undefined?)" "$tmp/b"
comm -23 "$tmp/so" "$tmp/hdr" > "$tmp/c"; report "exported but not declared LIBIOMMU_API in libiommu.h" "$tmp/c"
comm -13 "$tmp/so" "$tmp/hdr" > "$tmp/d"; report "declared LIBIOMMU_API in libiommu.h but not exported" "$tmp/d"
grep -v '^libiommu_' "$tmp/so" > "$tmp/e" || true; report "exported without the libiommu_ prefix" "$tmp/e"
if [ -n "$dups" ]; then
	echo "FAIL: listed more than once in lib/libiommu.map:"; echo "$dups" | sed 's/^/  /'
	fail=1
fi
[ -s "$tmp/so" ] || { echo "FAIL: no symbols read from $so"; fail=1; }

# every exported function has its man page, installed (the page or a .so link)
for s in $(cat "$tmp/so"); do
	if [ ! -e "$top_srcdir/man/$s.3" ]; then
		echo "$s (no man/$s.3)"
	elif ! grep -q "man/$s\.3" "$top_srcdir/Makefile.am"; then
		echo "$s (man/$s.3 is not in Makefile.am's man pages)"
	fi
done > "$tmp/d"
report "exported functions without an installed man page" "$tmp/d"

echo "$(wc -l < "$tmp/so") exported functions checked against the map, the header and the man pages"
exit $fail
