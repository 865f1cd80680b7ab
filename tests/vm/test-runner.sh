#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Tests of the VM tier's runner itself: break each thing it must catch, on
# purpose, and check that it fails loudly, with the right message.
#   1. a guest panic                       (init exits: "Attempted to kill init")
#   2. a whole boot hanging                (init sleeps forever; 15 s boot timeout)
#   3. a boot that reports no results      (init powers off at once)
#   4. in one boot: a test hanging past its timeout (sleep 3600 under a
#      5 s timeout), a failing test (prints a line, exits 1: the report
#      must show that line), a listed test that never reports (init
#      skips it): each named
#   5. KASAN, lockdep and kmemleak reports on the debug kernel (a
#      libiommu.ko built to commit one bug of each kind)
#   6. sanitizer reports in a sanitizer run (an ASan report file from a
#      test that exits 0, a UBSan line on stderr from one that exits 77)
#   7. a kernel config that lost an option (check-config.sh on the real .config)
# Each case must make run.sh / check-config.sh exit non-zero AND print the
# expected reason; a case that "passes" by accident fails this script.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=0 bad=0

# Each case runs in the background (they mostly wait on timeouts and
# boots); expect_fail starts one, check_all judges them all afterwards.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cases=()
expect_fail() { # name, pattern, command...
	local name=$1 pat=$2; shift 2
	cases+=("$name")
	printf '%s\n' "$pat" > "$tmp/$name.pat"
	( "$@" > "$tmp/$name.out" 2>&1; echo $? > "$tmp/$name.rc" ) &
}
check_all() { # a case's pattern may have several lines: each must match
	local name out rc pat p missing
	wait
	for name in "${cases[@]}"; do
		out=$(cat "$tmp/$name.out"); rc=$(cat "$tmp/$name.rc"); pat=$(head -n1 "$tmp/$name.pat")
		n=$((n + 1))
		missing=
		while IFS= read -r p; do
			grep -qE "$p" <<<"$out" || { missing=$p; break; }
		done < "$tmp/$name.pat"
		if [ "$rc" -eq 0 ]; then
			echo "FAIL runner-$name: exited 0, expected a failure"; bad=$((bad + 1))
		elif [ -n "$missing" ]; then
			echo "FAIL runner-$name: exit $rc but no message matching /$missing/; output:"
			sed 's/^/    /' <<<"$out" | tail -n 30; bad=$((bad + 1))
		else
			echo "PASS runner-$name: exit $rc, $(grep -m1 -oE "$pat" <<<"$out")"
		fi
	done
}

# no test programs: the platform smoke tests alone keep the boots short
run=(bash "$here/run.sh" --snoop on --no-kselftest --platform-only --quiet)
expect_fail guest-panic $'HARNESS: the guest kernel panicked .*Kernel panic\n    during test|before any test' "${run[@]}" --break panic
expect_fail boot-hang 'boot hung: killed by the boot timeout' "${run[@]}" --break hang --boot-timeout 15
expect_fail no-results 'produced no results at all' "${run[@]}" --break silent
# three ways a test goes wrong, in one boot: a test hanging past its
# timeout, a failing test (whose own output is shown) and a listed test
# that never reports; each must be named
expect_fail test-failures $'FAIL: vm-break-hang \\(rc=137\nFAIL: vm-break-fail\n    vm-break-fail: failing on purpose\nFAIL: vm-break-lost reported no result' \
	"${run[@]}" --break testhang,testfail,lostresult --timeout 5
# (the debug kernel's checks can fail: each of the three reports)
expect_fail debug-reports $'FAIL: debug-kasan\nFAIL: debug-lockdep\nFAIL: debug-kmemleak' \
	bash "$here/run.sh" --kernel debug --snoop on --no-kselftest --platform-only --quiet --break kernelbugs
# (a sanitizer report fails a test whatever its exit code)
expect_fail san-reports $'FAIL: vm-break-asan \\(rc=0\nSANITIZER: vm-break-asan: 1 report file\nFAIL: vm-break-ubsan \\(rc=77\nSANITIZER: vm-break-ubsan: 0 report file\\(s\\), 1 report' \
	"${run[@]}" --sanitizers --break sanreport

kdir=$(bash "$here/kernel.sh" 2>/dev/null | tail -n1)
frag=$(mktemp)
cat "$here/kernel.config" > "$frag"
echo "CONFIG_LIBIOMMU_RUNNER_SELFTEST_BOGUS=y" >> "$frag"
expect_fail config-dropped 'CONFIG_LIBIOMMU_RUNNER_SELFTEST_BOGUS=y was dropped' \
	bash "$here/check-config.sh" "$frag" "$kdir/build/.config"
check_all
rm -f "$frag"
# and the real fragment passes against the real .config (the check can pass)
n=$((n + 1))
if bash "$here/check-config.sh" "$here/kernel.config" "$kdir/build/.config"; then
	echo "PASS runner-config-intact"
else
	echo "FAIL runner-config-intact"; bad=$((bad + 1))
fi

echo "runner self-test: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
