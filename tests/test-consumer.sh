#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install into a scratch DESTDIR and build a C and a C++ program, and every
# example, against the installed header and library, found through the
# installed libiommu.pc, as a user would; check that the tools, their man
# pages and JSON schemas are installed.  Works in a VPATH build with a read-only source tree
# (make distcheck): everything is written under a temporary directory.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}" "${CC:=cc}" "${CXX:=c++}"
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
MAKE=${MAKE:-make}

if ! command -v "$PKG_CONFIG" > /dev/null 2>&1; then
	echo "SKIP: pkg-config not found"
	exit 77
fi
if [ ! -e "$top_builddir/lib/.libs/libiommu.so" ]; then
	echo "SKIP: no shared library built (configured with --disable-shared?)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libiommu-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

# A nested make: keep the parent's flags out (jobserver, check-only vars).
if ! (cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	"$MAKE" -s install DESTDIR="$dest") > "$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: make install DESTDIR=$dest"
	exit 1
fi

pc=$(find "$dest" -name libiommu.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no libiommu.pc installed under $dest"; exit 1; }
PKG_CONFIG_SYSROOT_DIR=$dest
PKG_CONFIG_LIBDIR=$(dirname "$pc") # only ours, never a system copy
PKG_CONFIG_PATH=$PKG_CONFIG_LIBDIR
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR PKG_CONFIG_PATH
cflags=$($PKG_CONFIG --cflags libiommu)
libs=$($PKG_CONFIG --libs libiommu)
libdir=$($PKG_CONFIG --variable=libdir libiommu)
echo "pkg-config: cflags '$cflags' libs '$libs'"
case "$cflags $libs" in
*"$dest"*) ;;
*) echo "FAIL: pkg-config flags do not point into DESTDIR $dest"; exit 1 ;;
esac
[ -e "$dest$libdir/libiommu.so" ] || [ -e "$libdir/libiommu.so" ] ||
	{ echo "FAIL: no libiommu.so in the installed libdir $libdir"; exit 1; }
case "$libdir" in "$dest"*) ;; *) libdir=$dest$libdir ;; esac

run() { # name
	LD_LIBRARY_PATH=$libdir "$tmp/$1" || { echo "FAIL: $1 exited $?"; exit 1; }
}

# shellcheck disable=SC2086 # flags are word lists
# A library built with sanitizers needs its consumers linked with the same
# runtime (ASan must come first in the link order); empty otherwise.
san=${SAN_CFLAGS:-}
$CC -std=c99 -Wall -Wextra -Werror -pedantic $san $cflags \
	-o "$tmp/consumer-c" "$top_srcdir/tests/consumer.c" $libs
run consumer-c

# The examples, built the way their header comments say, from the
# installed copy of their sources (docdir/examples) and pkg-config alone;
# the module's uAPI header the coherency example uses is installed next
# to libiommu.h.
incdir=$($PKG_CONFIG --variable=includedir libiommu)
case "$incdir" in "$dest"*) ;; *) incdir=$dest$incdir ;; esac
exdir=$(find "$dest" -type d -path '*/doc/*/examples' | head -n 1)
[ -n "$exdir" ] || { echo "FAIL: the examples' sources are not installed"; exit 1; }
[ -n "$(find "$dest" -name libiommu-examples.7)" ] || { echo "FAIL: libiommu-examples(7) not installed"; exit 1; }
cp -r "$exdir" "$tmp/examples"
for src in "$tmp"/examples/*.c; do
	ex=${src%.c}
	# shellcheck disable=SC2086
	$CC -std=gnu11 -Wall -Wextra -Werror $san $cflags -I"$incdir/libiommu" \
		-o "$ex" "$src" $libs || { echo "FAIL: ${src##*/} does not build against the installed libiommu"; exit 1; }
	LD_LIBRARY_PATH=$libdir "$ex" --help > "$tmp/help.out" ||
		{ echo "FAIL: ${ex##*/} --help exited $?"; exit 1; }
	grep -q '^Usage: ' "$tmp/help.out" || { echo "FAIL: ${ex##*/} --help prints no usage"; exit 1; }
done
echo "examples built against the installed libiommu: $(cd "$tmp/examples" && ls ./*.c | tr '\n' ' ')"

# The tools: installed with their man pages and JSON schemas.
bindir=$(find "$dest" -path '*/bin/libiommu-ls' | head -n 1)
[ -n "$bindir" ] || { echo "FAIL: libiommu-ls not installed"; exit 1; }
for f in bin/libiommu-validate man/man1/libiommu-ls.1 man/man1/libiommu-validate.1 \
	libiommu/libiommu-ls.schema.json libiommu/libiommu-validate.schema.json; do
	[ -n "$(find "$dest" -path "*/$f" | head -n 1)" ] || { echo "FAIL: $f not installed"; exit 1; }
done
LD_LIBRARY_PATH=$libdir "$bindir" --help | grep -q '^Usage: libiommu-ls' || { echo "FAIL: the installed libiommu-ls --help"; exit 1; }

if ! echo 'int main(){return 0;}' > "$tmp/t.cc" ||
   ! $CXX -o "$tmp/t" "$tmp/t.cc" > /dev/null 2>&1; then
	echo "SKIP: the C consumer passed, but there is no working C++ compiler ($CXX) to check the header from C++"
	exit 77
fi
# shellcheck disable=SC2086
$CXX -std=c++11 -Wall -Wextra -Werror -pedantic $san $cflags \
	-o "$tmp/consumer-cc" "$top_srcdir/tests/consumer.cc" $libs
run consumer-cc
echo "C and C++ consumers built against the installed libiommu and ran"
