#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The VM tier: build the kernel (cached), a static build of libiommu's tests,
# the companion module and an initramfs; boot QEMU with VT-d snoop control on
# and off; run the tests in the guest; judge the results.  See README.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)

usage() {
	cat <<EOF
usage: tests/vm/run.sh [options] [TEST[:VAR=VAL,...]...]

Runs libiommu's test programs (default: all of them) in a QEMU guest on the
project's own kernel, plus the platform smoke tests and the kernel's iommufd
selftest (judged against tests/vm/selftest-baseline.txt, or
selftest-baseline-6.12.txt on 6.12).

  --version 7.3|6.12    the guest's Linux version (tests/vm/kernel.sh
                        --version): 7.3 (default), or 6.12 LTS, the kernel
                        distributions ship, which lacks newer iommufd uAPI;
                        the same static programs (built against 7.3's
                        headers, in the same build dir) run on both, and
                        the companion modules are built for each kernel
                        (in BUILD/linux-6.12/ for 6.12)

  --snoop on|off|both   VT-d snoop-control of the guest's IOMMU (default both)
  --kernel normal|debug the VM tier's kernel (default) or its debug build
                        (tests/vm/kernel-debug.config: KASAN, lockdep,
                        kmemleak; any report fails the boot; per-test
                        timeouts x4)
  --sanitizers          run a sanitizer build of the programs: ASan, UBSan
                        and LeakSanitizer (configure --enable-sanitizers,
                        linked dynamically; the loader and shared libraries
                        go into the initramfs); any report fails the test
                        whatever its exit code; per-test timeouts x3; the
                        kernel selftest and the module loops done once by
                        the normal run (see below) are left out
  --no-kselftest        do not run the kernel's iommufd selftest
  --no-loops            leave out the module and racing loops (test-kmod's,
                        test-sim's and kmod-lifecycle's x100 loops,
                        sim-race's racing loops): every boot runs those
                        programs as NAME:LIBIOMMU_TEST_LIFECYCLE=0, as the
                        boot without them does with both boots (a second
                        kernel's run beside a full one: test-all's 6.12)
  --platform-only       run only the platform smoke tests (no test programs)
  --show                print each test's output in the report (demo mode)
  --serial-boots        boot the guests one after another (default: side by side)
  --full-each-boot      with both boots, run the work that does not depend on
                        the snoop mode in each boot, not once (see below);
                        with --sanitizers, run that work there too
  --smp N               virtual CPUs per guest (default 1: under TCG a second
                        vCPU costs about a third more host CPU, and the tests
                        run one after another)
  --mem SIZE            guest memory, as QEMU's -m takes it (default 2G)
  --timeout SECS        per-test timeout in the guest (default 120)
  --boot-timeout SECS   whole-boot timeout (default 900)
  --build-dir DIR       build of the library and tests
                        (default build/vm in the source tree; build/vm-debug
                        with --kernel debug, build/vm-san with --sanitizers,
                        build/vm-debug-san with both)
  --keep DIR            keep the boot logs in DIR (default: a temp dir, removed)
  --break MODE[,MODE]   runner self-test only: guest init misbehaves
                        (panic, hang, silent, testhang, testfail, lostresult,
                        kernelbugs: load a libiommu.ko that commits a KASAN,
                        a lockdep and a kmemleak bug; sanreport, with
                        --sanitizers: two tests exit 0 and 77 after a
                        sanitizer report); the modes after silent may be
                        combined, e.g. testhang,testfail,lostresult
  --quiet               only the summary
With both boots, work that does not depend on the snoop mode runs once, in
two halves of about the same length: the kernel selftest and sim-race's
racing loops in the snoop-on boot; test-kmod's x100 reload loop (whose KVM
count of 1 checks more), test-sim's x100 lifecycle loop and kmod-lifecycle
in the snoop-off boot.  The other boot runs those programs as
NAME:LIBIOMMU_TEST_LIFECYCLE=0, so the report names what it left out.
The programs of tests/vm/snoop-free (which nothing of QEMU's VT-d can
change) run in one of the two boots, taking turns; --sanitizers leaves out
the pure user-space ones, which the host tier ran under ASan/UBSan, and
so does --version 6.12 (they make no call a kernel could answer
differently; 7.3's run has them).
Exit status: 0 when every test passed or skipped, 1 otherwise.
EOF
}

mem=2G empty_build= no_loops=0 version=7.3 snoop=both serial_boots=0 full_each=0 smp=1 platform_only=0 kselftest=1 show=0 timeout= boot_timeout=900 brk= keep= quiet=0 kernel=normal san=0
CACHE=${LIBIOMMU_CACHE:-$HOME/.cache/libiommu}
build=
tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--snoop) snoop=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--version) version=$2; shift ;;
	--no-kselftest) kselftest=0 ;;
	--no-loops) no_loops=1 ;;
	--sanitizers) san=1 ;;
	--platform-only) platform_only=1 ;;
	--show) show=1 ;;
	--serial-boots) serial_boots=1 ;;
	--full-each-boot) full_each=1 ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--boot-timeout) boot_timeout=$2; shift ;;
	--build-dir) build=$2; shift ;;
	--keep) keep=$2; shift ;;
	--break) brk=$2; shift ;;
	--quiet) quiet=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) tests+=("$1") ;;
	esac
	shift
done
case "$snoop" in on|off|both) ;; *) echo "run.sh: --snoop takes on, off or both" >&2; exit 2 ;; esac
case "$kernel" in normal|debug) ;; *) echo "run.sh: --kernel takes normal or debug" >&2; exit 2 ;; esac
case "$version" in 7.3|6.12) ;; *) echo "run.sh: --version takes 7.3 or 6.12" >&2; exit 2 ;; esac
if [ "$version" != 7.3 ] && { [ "$kernel" = debug ] || [ "$san" = 1 ]; }; then
	echo "run.sh: --version $version runs the normal kernel and static programs only (no --kernel debug, no --sanitizers)" >&2
	exit 2
fi
# the debug kernel is several times slower under TCG; a sanitizer build
# costs little in the kernel, but user-space work up to six times
# (coh-decide: 5 s -> 30 s); the two multiply
if [ -z "$timeout" ]; then
	timeout=120
	[ "$kernel" = debug ] && timeout=$((timeout * 4))
	[ "$san" = 1 ] && timeout=$((timeout * 3))
fi
# each kernel and kind of build its own build dir: a normal, a debug and a
# sanitizer run may run at once
if [ -z "$build" ]; then
	build=$srcdir/build/vm
	[ "$kernel" = debug ] && build=$build-debug
	[ "$san" = 1 ] && build=$build-san
fi
# (absolute: the module builds run make -C in the kernel's tree)
mkdir -p "$build" && build=$(cd "$build" && pwd)
sflag=; [ "$san" = 1 ] && sflag=--sanitizers
kflag=; [ "$kernel" = debug ] && kflag=--debug
case "$smp" in [1-9]|[1-9][0-9]) ;; *) echo "run.sh: --smp takes a number of vCPUs, 1 to 99" >&2; exit 2 ;; esac
case "$mem" in [1-9]*[MG]|[1-9]*) ;; *) echo "run.sh: --mem takes a size such as 1G or 768M" >&2; exit 2 ;; esac

say() { [ "$quiet" = 1 ] || echo "vm: $*"; }
die() { echo "vm: error: $*" >&2; exit 1; }

# --- 1. host packages and kernel (both cached / idempotent)
bash "$here/setup-host.sh"
kdir=$(bash "$here/kernel.sh" --version "$version" $kflag | tail -n1)
[ -f "$kdir/bzImage" ] || die "kernel.sh gave no bzImage in '$kdir'"
# The programs are built against the 7.3 kernel's headers whatever the
# guest, the debug build's included: one set of binaries must run on every
# kernel (the library probes features at run time), and runs that share a
# build dir must not configure it each their own way.  The modules are
# built against the guest's kernel (kdir), each in its own directory
# (kroot).
hdir=$kdir kroot=$build baseline=$here/selftest-baseline.txt label=
# (the debug kernel's modules apart from the normal kernel's, so that a
# debug run may share the normal run's build dir: test-all's does)
if [ "$kernel" = debug ]; then
	hdir=$(bash "$here/kernel.sh" --version 7.3 | tail -n1)
	kroot=$build/linux-debug
fi
if [ "$version" != 7.3 ]; then
	hdir=$(bash "$here/kernel.sh" --version 7.3 | tail -n1)
	kroot=$build/linux-$version baseline=$here/selftest-baseline-$version.txt label="$version "
fi

# --- 2. static build of the library, its tests and examples (not needed
#        when only the platform is tested, e.g. by test-runner.sh)
if [ "$platform_only" = 1 ]; then
	build=$(mktemp -d /tmp/libiommu-vm-empty.XXXXXX)
	empty_build=$build
	mkdir -p "$build/progs/tests" "$build/progs/examples" "$build/progs/bench"
else
	# Runs on two kernels side by side share the programs of one build
	# dir: one builds, the other waits for it and finds nothing to do;
	# the lock is held until the programs are in the initramfs (step 5).
	mkdir -p "$build"
	exec 7> "$build/.progs.lock"
	flock 7
	bash "$here/build-progs.sh" $sflag "$build" "$hdir" >&2
fi

# --- 3. the companion modules, when kmod/ has them: libiommu.ko (kmod/)
#        and the simulator libiommu_sim.ko (kmod/sim/), two Kbuild trees
kmods=() test_kmods=
# (also with --platform-only for --break kernelbugs, which needs a module)
case ",$brk," in *,kernelbugs,*) brk_kbugs=1 ;; *) brk_kbugs=0 ;; esac
if [ -f "$srcdir/kmod/Kbuild" ] && { [ "$platform_only" = 0 ] || [ "$brk_kbugs" = 1 ]; }; then
	kb=$kroot/kmod
	# rsync keeps the mtimes of unchanged files, so kbuild rebuilds only
	# what changed (the modules' uAPI header is in kmod/uapi)
	mkdir -p "$kb"
	rsync -a --delete-after --exclude='*.mod.c' --include='*/' --include='*.[ch]' --include=Kbuild --include=Makefile --exclude='*' \
		"$srcdir"/kmod/ "$kb"/
	for m in "$kb" "$kb/sim"; do
		[ -f "$m/Kbuild" ] || continue
		make -s -C "$kdir/build" M="$m" modules >&2 || die "building ${m#$build/} against $kdir/build failed"
		for ko in "$m"/*.ko; do [ -e "$ko" ] && kmods+=("$ko"); done
	done
	# Modules the tests load on purpose, never init (/kmod/test in the
	# guest), libiommu.ko built
	#  - foreign: as if for another build of the kernel
	#    (LIK_TEST_FOREIGN_BUILD): its KVM read-back must refuse;
	#  - headers-only: without the kernel's private headers
	#    (LIK_HEADERS_ONLY), as against a distribution's headers package;
	#  - bugs: a KASAN, a lockdep and a kmemleak bug at load
	#    (LIK_TEST_BUGS; init's libiommu.break=kernelbugs loads it).
	mkdir -p "$kroot/kmod-test"
	for v in foreign:LIK_TEST_FOREIGN_BUILD=1 headers-only:LIK_HEADERS_ONLY=1 bugs:LIK_TEST_BUGS=1; do
		kv=$kroot/kmod-${v%%:*}
		mkdir -p "$kv"
		rsync -a --delete-after --exclude='*.mod.c' --include='*/' --include='*.[ch]' --include=Kbuild --include=Makefile --exclude='*' \
			"$srcdir"/kmod/ "$kv"/
		make -s -C "$kdir/build" M="$kv" "${v#*:}" modules >&2 ||
			die "building the ${v%%:*} test module against $kdir/build failed"
		cp "$kv/libiommu.ko" "$kroot/kmod-test/libiommu-${v%%:*}.ko"
	done
	test_kmods=$kroot/kmod-test
fi

# --- 4. the test list
work=${keep:-$(mktemp -d /tmp/libiommu-vm.XXXXXX)}
mkdir -p "$work"
# (the empty build dir of --platform-only goes too, --keep or not)
if [ -n "$keep" ]; then trap 'rm -rf ${empty_build:+"$empty_build"}' EXIT
else trap 'rm -rf "$work" ${empty_build:+"$empty_build"}' EXIT; fi
if [ ${#tests[@]} -eq 0 ] && [ "$platform_only" = 0 ]; then
	# every test program, and every example (the demo's programs must not
	# break unnoticed); benchmarks (progs/bench) only when named
	mapfile -t tests < <(cd "$build/progs/tests" && ls; cd "$build/progs/examples" && ls)
	# and the variants: the same programs under other environments
	# (NAME:VAR=VAL lines of tests/vm/variants, e.g. the other backends)
	if [ -f "$here/variants" ]; then
		mapfile -t -O "${#tests[@]}" tests < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/variants" | grep -v '^$')
	fi
fi
kind=test; [ "$show" = 1 ] && kind=show
for t in ${tests[@]+"${tests[@]}"}; do
	p=${t%%:*} # NAME[:VAR=VAL,...] runs NAME with that environment
	[ -x "$build/progs/tests/$p" ] || [ -x "$build/progs/examples/$p" ] ||
		[ -x "$build/progs/bench/$p" ] || die "no test or example program named '$p' (see $build/progs)"
done
boots=(); case "$snoop" in both) boots=(on off) ;; *) boots=("$snoop") ;; esac
# One list per boot (tests.on, tests.off; the guest reads its own).  With
# both boots, the work that does not depend on the snoop mode runs once
# (see usage): the boot named here runs it, the other leaves it out.
# With --sanitizers no boot runs it (once_in "none"): that work tests the
# kernel and the modules (the kernel's own selftest, module reload and
# racing loops), which the normal run does; the sanitizers see a library
# path on its first pass.
declare -A once_in=([kselftest]=on [test-sim]=off [test-kmod]=off [kmod-lifecycle]=off [sim-race]=on)
split=0; [ "${#boots[@]}" -gt 1 ] && [ "$full_each" = 0 ] && split=1
if [ "$san" = 1 ] && [ "$full_each" = 0 ]; then
	split=1
	for k in "${!once_in[@]}"; do once_in[$k]=none; done
fi
# programs the snoop mode cannot change (tests/vm/snoop-free): with both
# boots each runs in one of them, the boots taking turns down the file;
# the sanitizer run leaves out the pure ones (the host tier's ASan build
# runs them)
declare -A free_kind=() free_boot=()
if [ -f "$here/snoop-free" ]; then
	turn=0
	while read -r n k; do
		case "$k" in pure|kernel) ;; *) die "tests/vm/snoop-free: $n: kind '$k' is not pure or kernel" ;; esac
		free_kind[$n]=$k free_boot[$n]=${boots[turn % ${#boots[@]}]}
		turn=$((turn + 1))
	done < <(sed -e 's/#.*//' "$here/snoop-free" | grep -v '^[[:space:]]*$')
fi
once_free=0; [ "${#boots[@]}" -gt 1 ] && [ "$full_each" = 0 ] && once_free=1
# (and another kernel's run leaves them out too: a program that makes no
# kernel call of the uAPI cannot tell 6.12 from 7.3; 7.3's run has them)
san_pure=0
[ "$full_each" = 0 ] && { [ "$san" = 1 ] || [ "$version" != 7.3 ]; } && san_pure=1
left_san= ; declare -A free_said=()
# the examples' options (tests/vm/example-args: they are read-only unless asked)
declare -A prog_args=()
if [ -f "$here/example-args" ]; then
	while read -r n a; do prog_args[$n]=$a; done < <(sed -e 's/#.*//' "$here/example-args" | grep -v '^[[:space:]]*$')
fi
for s in "${boots[@]}"; do
	l=$work/tests.$s
	: > "$l"
	for t in ${tests[@]+"${tests[@]}"}; do
		p=${t%%:*}
		if [ "$san_pure" = 1 ] && [ "${free_kind[$p]:-}" = pure ]; then
			[ "$s" = "${boots[0]}" ] && left_san="$left_san $t"
			continue
		fi
		if [ "$once_free" = 1 ] && [ -n "${free_boot[$p]:-}" ]; then
			[ "${free_boot[$p]}" = "$s" ] || continue
			free_said[$s]="${free_said[$s]:-} $t"
		fi
		if [ -n "${once_in[$t]:-}" ] && { [ "$no_loops" = 1 ] ||
			{ [ "$split" = 1 ] && [ "${once_in[$t]}" != "$s" ]; }; }; then
			echo "$kind $t:LIBIOMMU_TEST_LIFECYCLE=0" >> "$l"
		else
			echo "$kind $t${prog_args[$t]:+ ${prog_args[$t]}}" >> "$l"
		fi
	done
	if [ "$kselftest" = 1 ] && { [ "$split" = 0 ] || [ "${once_in[kselftest]}" = "$s" ]; }; then
		echo "kselftest iommufd" >> "$l"
	fi
	# runner self-test: a listed test whose result never comes back
	case ",$brk," in *,lostresult,*) echo "test vm-break-lost" >> "$l" ;; esac
done
if [ "$split" = 1 ] && [ "$san" = 1 ]; then
	say "sanitizer run: the kernel selftest and the module loops are left out, the normal run has them (--full-each-boot: here too)"
elif [ "$split" = 1 ]; then
	once=
	[ "$kselftest" = 1 ] && once="the kernel selftest with snoop ${once_in[kselftest]}; "
	for t in ${tests[@]+"${tests[@]}"}; do
		[ -n "${once_in[$t]:-}" ] && once="$once$t's snoop-independent loops with snoop ${once_in[$t]}; "
	done
	[ -z "$once" ] || say "snoop-independent work runs once: ${once%; } (--full-each-boot: in both)"
fi
for s in "${boots[@]}"; do
	[ -z "${free_said[$s]:-}" ] ||
		say "snoop-free programs (tests/vm/snoop-free) in the snoop-$s boot only:${free_said[$s]}"
done
if [ -n "$left_san" ] && [ "$san" = 1 ]; then
	say "sanitizer run: left out, pure user space that the host tier ran under ASan/UBSan:$left_san"
elif [ -n "$left_san" ]; then
	say "${label}run: left out, pure user space that makes no call a kernel could answer differently (7.3's run has them):$left_san"
fi


# --- 5. initramfs
LIBIOMMU_VM_TEST_KMODS=$test_kmods \
	bash "$here/initramfs.sh" "$work/initramfs.cpio.gz" "$work" "$build/progs" "$kdir" ${kmods[@]+"${kmods[@]}"} >&2
exec 7>&-	# the programs are in the initramfs: another run may rebuild them

# --- 6. boot(s) and judge
# Besides the edu on the root bus (the tests' device, vfio0), two edus share
# an IOMMU group behind one PCIe-to-PCI bridge and an edu shares one with a
# virtio device (bound to virtio-pci: not viable) behind another: the legacy
# VFIO group cases of tests/dev-legacy.c.
# One guest; writes "QEMU_RC SECONDS" to $work/boot-$1.rc.
boot_one() {
	local s=$1 log=$work/console-snoop-$1.log res=$work/results-snoop-$1.log
	local append start qrc
	# no_timer_check: the kernel's boot-time check that the timer interrupt
	# works through the interrupt-remapped IO-APIC counts ticks during a
	# short delay; a TCG guest starved by a busy host misses them and the
	# check panics ("timer doesn't work through Interrupt-remapped
	# IO-APIC").  QEMU's timer does work: skip the check.  nowatchdog: no
	# lockup detector that could judge a starved vCPU as a kernel bug.
	append="console=ttyS0 intel_iommu=on iommu=nopt panic=-1 quiet loglevel=4 no_timer_check nowatchdog libiommu.snoop=$s libiommu.timeout=$timeout libiommu.kernel=$kernel libiommu.san=$san libiommu.version=$version"
	[ -n "$brk" ] && append="$append libiommu.break=$brk"
	start=$(date +%s)
	timeout -s KILL "$boot_timeout" qemu-system-x86_64 \
		-M q35,kernel-irqchip=split -accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem" \
		-display none -monitor none -no-reboot -nodefaults \
		-serial "file:$log" -serial "file:$res" \
		-device intel-iommu,intremap=on,caching-mode=on,snoop-control=$s \
		-device edu \
		-device pcie-pci-bridge,id=lbr1,bus=pcie.0 \
		-device edu,bus=lbr1,addr=1.0 -device edu,bus=lbr1,addr=2.0 \
		-device pcie-pci-bridge,id=lbr2,bus=pcie.0 \
		-device edu,bus=lbr2,addr=1.0 -device virtio-rng-pci,bus=lbr2,addr=2.0 \
		-kernel "$kdir/bzImage" -initrd "$work/initramfs.cpio.gz" \
		-append "$append"
	qrc=$?
	touch "$log" "$res"
	echo "$qrc $(( $(date +%s) - start ))" > "$work/boot-$s.rc"
}

# The guests run side by side: each runs its tests one after another, so a
# guest keeps about one host core busy, and two guests on two cores take
# about the time of one (--serial-boots to run them one after another).
set +e
pids=()
for s in "${boots[@]}"; do
	say "booting ${label}guest (snoop-control=$s)"
	if [ "$serial_boots" = 1 ]; then boot_one "$s"; else boot_one "$s" & pids+=($!); fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
set -e

failed=0 npass=0 nfail=0 nskip=0
for s in "${boots[@]}"; do
	res=$work/results-snoop-$s.log
	read -r qrc secs < "$work/boot-$s.rc" || { qrc=1 secs=0; }
	if bash "$here/judge.sh" "${label}snoop-$s" "$work/console-snoop-$s.log" "$res" "$qrc" "$secs" \
		"$baseline" "$show" "$quiet" "$work/tests.$s"; then :; else failed=1; fi
	read -r p f k < "$res.counts" || true
	npass=$((npass + ${p:-0})) nfail=$((nfail + ${f:-0})) nskip=$((nskip + ${k:-0}))
done

echo "vm: ${label:-7.3 }${#boots[@]} boot(s): $npass passed, $nfail failed, $nskip skipped"
echo "$npass passed, $nfail failed, $nskip skipped"
exit "$failed"
