#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build libiommu, its test programs and examples for the VM tier, in
# BUILD/obj (a VPATH build of this source tree), and copy the programs to
# BUILD/progs/{tests,examples,bench}.  Incremental: a second run rebuilds
# only what changed.  The programs are static: the initramfs has no libc.
# usage: build-progs.sh BUILD KERNEL_DIR
set -euo pipefail
build=$1 kdir=$2
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
log() { echo "build-progs: $*" >&2; }

[ -x "$srcdir/configure" ] || (cd "$srcdir" && ./autogen.sh >&2)
if [ -f "$srcdir/config.status" ]; then
	echo "build-progs: error: $srcdir is configured in-tree; the VM tier needs a VPATH build: run 'make distclean' there" >&2
	exit 1
fi
mkdir -p "$build/obj"
cd "$build/obj"
stamp=$kdir/headers/include
# reconfigure when configure changed, or the build dir belongs to another
# source tree or kernel
if [ ! -f config.status ] || [ "$srcdir/configure" -nt config.status ] ||
   ! grep -qxF "srcdir='$srcdir'" config.status || ! grep -qF "$stamp" config.status; then
	log "configuring a static build in $build/obj"
	"$srcdir/configure" -q --enable-static --disable-shared \
		--with-kernel-headers="$kdir/headers/include" CFLAGS="-O2 -g" >&2
fi
make -s -j"$(nproc)" LDFLAGS=-all-static >&2
progs=$(make -s print-vm-programs)
make -s -j"$(nproc)" LDFLAGS=-all-static $progs >&2

rm -rf "$build/progs"
mkdir -p "$build/progs/tests" "$build/progs/examples" "$build/progs/bench"
for p in $progs; do
	case "$p" in
	tests/*) cp "$p" "$build/progs/tests/" ;;
	examples/*) cp "$p" "$build/progs/examples/" ;;
	bench/*) cp "$p" "$build/progs/bench/" ;;
	esac
done
log "$(ls "$build/progs/tests" | wc -l) test programs, $(ls "$build/progs/examples" | wc -l) examples"
