#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install into a scratch DESTDIR and build a C and a C++ program against the
# installed header and library, found through the installed libiommu.pc, as
# a user would.  Works in a VPATH build with a read-only source tree
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
