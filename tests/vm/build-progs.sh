#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build libiommu, its test programs and examples for the VM tier, in
# BUILD/obj (a VPATH build of this source tree), and copy the programs to
# BUILD/progs/{tests,examples,bench}.  Incremental: a second run rebuilds
# only what changed.
#
# By default the programs are static: the initramfs has no libc.  With
# --sanitizers they are built with configure's --enable-sanitizers
# (-fsanitize=address,undefined) and linked dynamically, since the
# sanitizer runtimes cannot be linked statically (libiommu itself is still
# the static libiommu.a, linked into each program); the dynamic loader and
# every shared library the programs need (libc, libasan, libubsan, ...,
# as ldd resolves them on this host) are copied to BUILD/progs/root at the
# same paths, for initramfs.sh to copy into the guest's root.
# usage: build-progs.sh [--sanitizers] BUILD KERNEL_DIR
set -euo pipefail
san=0
[ "${1:-}" = --sanitizers ] && { san=1; shift; }
mkdir -p "$1/obj"
build=$(cd "$1" && pwd) kdir=$2
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
log() { echo "build-progs: $*" >&2; }
die() { echo "build-progs: error: $*" >&2; exit 1; }

[ -x "$srcdir/configure" ] || (cd "$srcdir" && ./autogen.sh >&2)
[ -f "$srcdir/config.status" ] &&
	die "$srcdir is configured in-tree; the VM tier needs a VPATH build: run 'make distclean' there"
conf=(--enable-static --disable-shared --with-kernel-headers="$kdir/headers/include" CFLAGS="-O2 -g")
link=(LDFLAGS=-all-static)
if [ "$san" = 1 ]; then
	conf+=(--enable-sanitizers)
	link=()
fi
cd "$build/obj"
# reconfigure when configure changed, or the build dir belongs to another
# source tree, or was configured otherwise (another kernel, the other kind)
if [ ! -f config.status ] || [ "$srcdir/configure" -nt config.status ] ||
   ! grep -qxF "srcdir='$srcdir'" config.status ||
   [ "$(cat vm-configure-args 2>/dev/null)" != "${conf[*]}" ]; then
	log "configuring a $([ "$san" = 1 ] && echo sanitizer || echo static) build in $build/obj"
	"$srcdir/configure" -q "${conf[@]}" >&2
	echo "${conf[*]}" > vm-configure-args
fi
make -s -j"$(nproc)" ${link[@]+"${link[@]}"} >&2
progs=$(make -s print-vm-programs)
make -s -j"$(nproc)" ${link[@]+"${link[@]}"} $progs >&2

rm -rf "$build/progs"
mkdir -p "$build/progs/tests" "$build/progs/examples" "$build/progs/bench"
for p in $progs; do
	case "$p" in
	tests/* | tools/*) cp "$p" "$build/progs/tests/" ;;
	examples/*) cp "$p" "$build/progs/examples/" ;;
	bench/*) cp "$p" "$build/progs/bench/" ;;
	esac
done

# The Rust bindings' test program (bindings/rust/libiommu/tests/vm.rs) as
# rust-libiommu: static (glibc's crt-static) against this build's
# libiommu.a, offline from Debian's crates (bindings/rust/.cargo/config.toml
# is read from that directory).  Not in the sanitizer build.
if [ "$san" = 0 ]; then
	if ! command -v cargo > /dev/null; then
		log "WARNING: no cargo: the Rust bindings' test (rust-libiommu) is not built (install cargo, then tests/vm/setup-host.sh)"
	else
		command -v "${BINDGEN:-bindgen}" > /dev/null ||
			die "the Rust bindings need bindgen: run tests/vm/setup-host.sh (Debian's bindgen, librust-libc-dev)"
		exe=$(cd "$srcdir/bindings/rust" &&
			CARGO_TARGET_DIR="$build/rust" LIBIOMMU_INCLUDE_DIR="$srcdir/include" \
			LIBIOMMU_LIB_DIR="$build/obj/lib/.libs" LIBIOMMU_STATIC=1 \
			RUSTFLAGS="-C target-feature=+crt-static" \
			cargo test -q --offline --no-run --test vm \
				--target x86_64-unknown-linux-gnu --message-format=json |
			sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
		[ -n "$exe" ] && [ -x "$exe" ] || die "cargo built no Rust test program (bindings/rust)"
		cp "$exe" "$build/progs/tests/rust-libiommu"
	fi
fi
log "$(ls "$build/progs/tests" | wc -l) test programs, $(ls "$build/progs/examples" | wc -l) examples"
[ "$san" = 1 ] || exit 0

# The loader and shared libraries, at the paths ldd resolves them to (the
# loader's path is the one written in each program, PT_INTERP), each
# file's content copied (cp -L: a symlink's target, under the link's name).
for p in $progs; do ldd "$p"; done > "$build/progs/ldd.out"
! grep -F 'not found' "$build/progs/ldd.out" || die "ldd cannot find a shared library of a program (above)"
libs=$(sed -nE 's/.*=> (\/[^ ]+) \(0x.*/\1/p; s/^[[:space:]]*(\/[^ ]+) \(0x.*/\1/p' "$build/progs/ldd.out" | sort -u)
[ -n "$libs" ] || die "ldd found no shared library in the sanitizer build"
for l in $libs; do
	mkdir -p "$build/progs/root${l%/*}"
	cp -L "$l" "$build/progs/root$l"
done
log "$(echo "$libs" | wc -l) shared objects for the guest: $(echo $libs | sed 's|[^ ]*/||g')"
