#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every test libiommu has, from a fresh Debian machine (as root):
#   host packages → kernels (cached) → host tier (make check, then again
#   under ASan/UBSan, and the concurrency tests under TSan) → VM tier
#   (tests/vm/run.sh, static programs, snoop off, kernel selftest
#   baseline, the module loops) → the
#   same static programs on Linux 6.12 LTS, the kernel distributions ship
#   (tests/vm/run.sh --version 6.12: the library's graceful degradation
#   where 6.12 lacks newer uAPI, and 6.12's own selftest baseline) → the
#   companion modules' and coherency programs on the debug kernel (KASAN,
#   lockdep, kmemleak: tests/vm/run.sh --kernel debug, snoop off) → the VM
#   tier's programs under ASan/UBSan (tests/vm/run.sh --sanitizers, snoop
#   on: with the static run, every program in both snoop modes) → the VM
#   runner's own self-tests.
# The VM runs and the runner's self-tests run in the background during the
# host tier (they need only the kernels); each tier is reported in order.
# CI (.ci/run) runs this, then `make distcheck` (a packaging check that
# builds and runs the host tier once more from the release tarball).
# Exit 0 only when every tier passed.  The last line counts all tests.
# Environment: JOBS (default nproc), LIBIOMMU_CACHE (default ~/.cache/libiommu).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
JOBS=${JOBS:-$(nproc)}
t0=$(date +%s)
stage() { echo; echo "=== $* ($(( $(date +%s) - t0 ))s)"; }
tp=0 tf=0 ts=0
add_counts() { # from automake's "# PASS: n" lines in a make check log
	local p f s x e
	p=$(sed -n 's/^# PASS: *//p' "$1" | tail -n1); f=$(sed -n 's/^# FAIL: *//p' "$1" | tail -n1)
	s=$(sed -n 's/^# SKIP: *//p' "$1" | tail -n1); x=$(sed -n 's/^# XPASS: *//p' "$1" | tail -n1)
	e=$(sed -n 's/^# ERROR: *//p' "$1" | tail -n1)
	tp=$((tp + ${p:-0})) tf=$((tf + ${f:-0} + ${x:-0} + ${e:-0})) ts=$((ts + ${s:-0}))
}

stage "host packages"
bash tests/vm/setup-host.sh

stage "kernels for the VM tier (7.3: normal, debug; 6.12 in its VM run)"
kdir=$(bash tests/vm/kernel.sh | tail -n1)
khdr=$kdir/headers/include
bash tests/vm/kernel.sh --debug > /dev/null

# The VM tier (static build, module, initramfs, two guests) and the VM
# runner's self-tests do not depend on the host tier: they run in the
# background while it builds and runs, and are reported after it.  The VM
# tier is the longest part, so it starts first.
mkdir -p build
# Regenerate the build system here, once, when it is older than its
# sources: the three builds started below (host, VM, debug VM) would each
# do it in the source tree at the same time, and trip over each other.
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	./autogen.sh
fi
# On an early exit (a failed host tier), stop them and their guests.
kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill "$1" 2>/dev/null || true; }
trap 'for p in ${vm_pid:-} ${vm612_pid:-} ${debug_pid:-} ${san_pid:-} ${runner_pid:-}; do kill_tree "$p"; done' EXIT
# (its guests' console logs kept in build/vm-logs: the JSON libiommu-ls
# printed there is checked against its schema below)
rm -rf build/vm-logs build/vm-san-logs
# bg OUT CMD...: run CMD in the background, its output in OUT; OUT.time
# gets its wall and CPU seconds (its children's user + system time), which
# the report shows: where a run's time goes
bg() {
	local out=$1; shift
	(
		s=$(date +%s)
		"$@" > "$out" 2>&1 && rc=0 || rc=$?
		times > "$out.times" # (in this shell: a pipe's subshell has no children)
		cpu=$(tail -n1 "$out.times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }')
		echo "$(( $(date +%s) - s )) $cpu" > "$out.time"
		exit "$rc"
	) &
}
# The 7.3 tier: every program, static, with the guest's VT-d snoop control
# off (the boot where KVM's non-coherent count is 1, which the module tests
# check more with), with the kernel's selftest and the module loops; the
# snoop-on side is the sanitizer run's below (the same programs built with
# ASan/UBSan) and the 6.12 run's (static)
bg build/vm.out bash tests/vm/run.sh --snoop off --keep build/vm-logs
vm_pid=$!
# the same programs on Linux 6.12 LTS, where the library must degrade to
# -EOPNOTSUPP naming each feature 6.12 lacks (run.sh waits for the run
# above to have built the programs, and builds only the modules for 6.12);
# on a cold run it builds the 6.12 kernel first, beside the host tier,
# where the build's single-threaded phases (unpacking, configuring,
# linking) overlap other work instead of adding to the wall time;
# one boot: the snoop mode is QEMU's, not the kernel's, and both modes
# run on 7.3 above; the modules' x100 reload and racing loops are left to
# 7.3's run (--no-loops: about half a boot), every other case of those
# programs runs, loading and unloading the modules on 6.12 too
bg build/vm-6.12.out bash tests/vm/run.sh --version 6.12 --snoop on --no-loops
vm612_pid=$!
# the modules' tests and the programs that drive them through the library,
# on the debug kernel: one boot; KASAN, lockdep and kmemleak see a path on
# its first run, and a run there costs about ten times as much, so the
# loops are short: racing loops 2 s, kmod-lifecycle 10 load/unload cycles
# per case, test-kmod's and test-sim's reload loops left to the VM tier
# above (which runs them x100)
# (the static programs of the 7.3 run's build dir, not a build of its
# own: the same programs, built once; the guest keeps run.sh's 2 GiB: with
# 1 GiB, 11 s of CPU less, one boot of five under a loaded host had KASAN
# report a wild access in the very first interrupt, cause not found)
bg build/vm-debug.out bash tests/vm/run.sh --kernel debug --snoop off --no-kselftest --quiet \
	--build-dir build/vm \
	test-kmod:LIBIOMMU_TEST_LIFECYCLE=0 test-sim:LIBIOMMU_TEST_LIFECYCLE=0 \
	sim-race:LIBIOMMU_TEST_RACE_SECS=2 coh-sim mig-sim dev-sim \
	kmod-lifecycle:LIBIOMMU_TEST_CYCLES=10
debug_pid=$!
# every program of the VM tier again, built with ASan and UBSan (and
# LeakSanitizer): on the host they skip what needs /dev/iommu, here they
# run the library's real paths; one boot with snoop on (the static run
# above has it off: together every program runs in both modes); one vCPU,
# like every other boot (a second cost 15% more CPU under TCG: races are
# the host tier's TSan build's, and ctx-threads' threads still interleave)
bg build/vm-san.out bash tests/vm/run.sh --sanitizers --snoop on --quiet --keep build/vm-san-logs
san_pid=$!
bg build/runner.out bash tests/vm/test-runner.sh
runner_pid=$!

configure_in() { # dir, configure args...
	local d=$1; shift
	mkdir -p "$d"
	if [ ! -f "$d/config.status" ] || [ configure -nt "$d/config.status" ] ||
	   ! grep -qF -- "$khdr" "$d/config.status"; then
		(cd "$d" && "$src/configure" -q --with-kernel-headers="$khdr" "$@")
	fi
}

stage "host tier: make check"
configure_in build/host
make -s -C build/host -j"$JOBS"
make -s -C build/host -j"$JOBS" check 2>&1 | tee build/host/check.out || {
	cat build/host/test-suite.log; exit 1; }
add_counts build/host/check.out

stage "host tier under -fsanitize=address,undefined"
configure_in build/asan --enable-sanitizers
make -s -C build/asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1 make -s -C build/asan -j"$JOBS" check 2>&1 | tee build/asan/check.out || {
	cat build/asan/test-suite.log; exit 1; }
add_counts build/asan/check.out

stage "host tier under -fsanitize=thread: the concurrency tests"
configure_in build/tsan --enable-sanitizers=thread
TSAN_TESTS="tests/mock-threads"
make -s -C build/tsan -j"$JOBS" check TESTS="$TSAN_TESTS" check_PROGRAMS="$TSAN_TESTS" 2>&1 | tee build/tsan/check.out || {
	cat build/tsan/test-suite.log; exit 1; }
add_counts build/tsan/check.out

took() { # OUT: the wall and CPU time bg() recorded
	local w c
	read -r w c < "$1.time" 2>/dev/null && echo "(took ${w}s, ${c}s of CPU)" || true
}
# vm_stage NAME PID OUT: report a background VM run, add its counts
vm_stage() {
	local rc p f s
	stage "$1 (ran in the background)"
	wait "$2" && rc=0 || rc=$?
	cat "$3"
	took "$3"
	[ "$rc" -eq 0 ] || { echo "$1 failed"; exit 1; }
	read -r p f s < <(tail -n1 "$3" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
}
vm_stage "VM tier" "$vm_pid" build/vm.out
vm_stage "VM tier on Linux 6.12" "$vm612_pid" build/vm-6.12.out
vm_stage "VM tier on the debug kernel" "$debug_pid" build/vm-debug.out
vm_stage "VM tier under ASan/UBSan" "$san_pid" build/vm-san.out
# libiommu-ls --json as the guests printed it (tests/tools-held), against
# the shipped schema: the guest has no python
for log in build/vm-logs/console-snoop-*.log build/vm-san-logs/console-snoop-*.log; do
	sed -n '/^--- libiommu-ls --json ---/,/^--- end ---/p' "$log" | tr -d '\r' |
		sed '1d;$d' > "${log%.log}.ls.json"
	if [ -s "${log%.log}.ls.json" ] && python3 tests/json-schema-check.py \
		tools/libiommu-ls.schema.json "${log%.log}.ls.json"; then
		echo "PASS: libiommu-ls --json of ${log##*/} follows its schema"; tp=$((tp + 1))
	else
		echo "FAIL: libiommu-ls --json of ${log##*/} (missing, or not following tools/libiommu-ls.schema.json)"; tf=$((tf + 1))
	fi
done

stage "VM runner self-tests (ran in the background)"
wait "$runner_pid" && rrc=0 || rrc=$?
cat build/runner.out
took build/runner.out
[ "$rrc" -eq 0 ] || { echo "VM runner self-test failed"; exit 1; }
read -r p f < <(tail -n1 build/runner.out | sed -E 's/^runner self-test: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
tp=$((tp + p)) tf=$((tf + f))

stage "done"
echo "all tiers: $(( $(date +%s) - t0 ))s"
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
