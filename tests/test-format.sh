#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The library's C code follows .clang-format: the library, its public
# header, the tests, examples and benchmarks (the kernel modules and the
# kernel uAPI headers follow the kernel's style and checkpatch instead).
# Exit 77 when clang-format is not installed.
: "${top_srcdir:=$(dirname "$0")/..}"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	echo "SKIP: $CLANG_FORMAT is not installed (apt-get install clang-format)"
	exit 77
fi
cd "$top_srcdir" || exit 1
files=$(ls lib/*.c lib/*.h lib/backend/*.[ch] lib/coherency/*.[ch] lib/util/*.[ch] \
	include/libiommu/*.h tests/*.c tests/*.h examples/*.c examples/*.h bench/*.c \
	tools/*.c tools/*.h)
bad=0
for f in $files; do
	if ! "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (clang-format -i $f)"
		"$CLANG_FORMAT" "$f" | diff -u "$f" - | head -n 20
		bad=1
	fi
done
[ "$bad" = 0 ] && echo "$(echo "$files" | wc -w) files follow .clang-format"
exit "$bad"
