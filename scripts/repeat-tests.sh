#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run the whole test command (scripts/test-all.sh) N times back to back and
# report every run whose result differs from the first: its exit status,
# its count line, or the outcome of any single test (host tier, sanitizer
# builds, each VM-tier test in each guest, the failures of the VM tier
# under ASan/UBSan, the runner self-tests).  A test suite that passes and
# fails by chance is a broken test suite; this is how to find out.
#
#   scripts/repeat-tests.sh [-n N] [--busy K] [--load 'CMD'] [-- test-all args]
#
#   -n N        runs (default 5)
#   --busy K    keep K CPU-bound busy loops running during every run
#   --load CMD  run CMD in the background during every run (e.g.
#               'make -C /path/to/linux -j4' or 'stress-ng --cpu 2');
#               it is restarted when it ends and stopped after the last run
#
# Results go to build/repeat/: run-<i>.log (the full output), run-<i>.results
# (one line per test outcome, sorted).  Exit 0 when all runs agree and
# passed, 1 when a run failed or two runs differ.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
n=5 busy=0 load=
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift ;;
	--busy) busy=$2; shift ;;
	--load) load=$2; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "repeat-tests: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
out=build/repeat
mkdir -p "$out"

bg=()
stop_bg() {
	local p c
	for p in "${bg[@]}"; do
		for c in $(pgrep -P "$p" 2>/dev/null); do kill "$c" 2>/dev/null; done
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap stop_bg EXIT
for ((i = 0; i < busy; i++)); do
	( while :; do :; done ) &
	bg+=($!)
done
if [ -n "$load" ]; then
	( while :; do bash -c "$load" > "$out/load.log" 2>&1; sleep 1; done ) &
	bg+=($!)
fi
[ ${#bg[@]} -gt 0 ] && echo "repeat-tests: background load: ${busy} busy loop(s)${load:+, '$load'}"

# One line per test outcome, from the logs test-all.sh leaves behind.
results() { # run log
	{
		for d in build/host build/asan build/tsan; do
			[ -f "$d/check.out" ] && sed -n -E "s/^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR): /$(basename "$d") \1: /p" "$d/check.out"
		done
		[ -f build/vm.out ] && sed -n -E 's/^(vm\[[^]]*\]): (PASS|FAIL|SKIP):? ([^ ]+).*/\1 \2 \3/p' build/vm.out
		[ -f build/vm-san.out ] && sed -n -E 's/^vm(\[[^]]*\]): (PASS|FAIL|SKIP):? ([^ ]+).*/vm-san\1 \2 \3/p' build/vm-san.out
		[ -f build/runner.out ] && sed -n -E 's/^(PASS|FAIL) ([^:]+):.*/runner \1 \2/p' build/runner.out
		grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n1 | sed 's/^/total: /'
	} | sort
}

status=0
for ((i = 1; i <= n; i++)); do
	t=$(date +%s)
	rm -f build/vm.out build/vm-san.out build/runner.out build/{host,asan,tsan}/check.out
	bash scripts/test-all.sh "$@" > "$out/run-$i.log" 2>&1
	rc=$?
	results "$out/run-$i.log" > "$out/run-$i.results"
	echo "exit: $rc" >> "$out/run-$i.results"
	echo "run $i: exit $rc, $(( $(date +%s) - t ))s: $(tail -n1 "$out/run-$i.log")"
	[ "$rc" -eq 0 ] || status=1
	if [ "$i" -gt 1 ] && ! diff -q "$out/run-1.results" "$out/run-$i.results" > /dev/null; then
		echo "run $i differs from run 1:"
		diff "$out/run-1.results" "$out/run-$i.results" | sed 's/^/    /'
		status=1
	fi
done
if [ "$status" -eq 0 ]; then
	echo "repeat-tests: $n runs, identical results, all passed"
else
	echo "repeat-tests: runs failed or differ (logs in $out/)"
fi
exit "$status"
