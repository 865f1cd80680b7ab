#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Judge one boot of the VM tier from its console log and results log.
# usage: judge.sh LABEL CONSOLE RESULTS QEMU_RC SECS BASELINE SHOW QUIET [TESTLIST]
# Writes "PASS FAIL SKIP" counts to RESULTS.counts; exit 1 on any failure.
# A boot is a failure when the guest panicked, hung past the boot timeout,
# produced no result at all, or stopped before the end of its test list.
set -uo pipefail
label=$1 con=$2 res=$3 qrc=$4 secs=$5 baseline=$6 show=${7:-0} quiet=${8:-0} list=${9:-}

fail=0 npass=0 nfail=0 nskip=0
bad() { echo "vm[$label]: FAIL: $*"; fail=1; }
say() { [ "$quiet" = 1 ] || echo "vm[$label]: $*"; }

# console section of one test, for failure reports
# (the guest's tty ends console lines with \r\n: strip the \r before matching)
section() { tr -d '\r' < "$con" | sed -n "/^=== RUN $1\$/,/^=== END $1 /p" | tail -n 60; }

tr -d '\r' < "$res" > "$res.clean"
res_clean=$res.clean

# A broken boot is the harness's failure, not a test's: say so first, with
# the line that tells why, so that nobody reads it as a library bug.
if grep -q 'Kernel panic' "$con"; then
	bad "HARNESS: the guest kernel panicked (${secs}s): $(tr -d '\r' < "$con" | grep -m1 -o 'Kernel panic.*')"
	if grep -q '^=== RUN ' "$con"; then
		echo "    during test $(tr -d '\r' < "$con" | sed -n 's/^=== RUN //p' | tail -n1); console before the panic:"
	else
		echo "    before any test ran (at boot); console before the panic:"
	fi
	grep -B20 -A5 'Kernel panic' "$con" | tr -d '\r' | sed 's/^/    /' | head -n 40
	nfail=$((nfail + 1))
elif [ "$qrc" = 137 ] || [ "$qrc" = 124 ]; then
	bad "HARNESS: the boot hung: killed by the boot timeout after ${secs}s; console tail:"
	tail -n 20 "$con" | tr -d '\r' | sed 's/^/    /'
	nfail=$((nfail + 1))
elif [ "$qrc" != 0 ]; then
	bad "HARNESS: qemu exited with status $qrc; console tail:"
	tail -n 20 "$con" | tr -d '\r' | sed 's/^/    /'
	nfail=$((nfail + 1))
fi

if ! grep -q '^LIBIOMMU-RESULT ' "$res_clean"; then
	bad "the guest produced no results at all (a silent boot is never a pass)"
	[ "$fail" = 1 ] && [ "$nfail" -gt 0 ] || nfail=$((nfail + 1))
elif ! grep -q '^LIBIOMMU-DONE ' "$res_clean"; then
	bad "the guest stopped before the end of its test list"
	nfail=$((nfail + 1))
fi

while read -r _ name st rest; do
	case "$st" in
	PASS) npass=$((npass + 1)); say "PASS $name ($rest)" ;;
	SKIP) nskip=$((nskip + 1)); say "SKIP $name: $(section "$name" | grep -m1 -i 'skip' || echo 'no reason printed')" ;;
	RAN) ;; # judged below (kernel selftest)
	*) nfail=$((nfail + 1)); bad "$name ($rest); its output:"; section "$name" | sed 's/^/    /' ;;
	esac
done < <(grep '^LIBIOMMU-RESULT ' "$res_clean")

# Every listed test must have reported: a missing result line is a failure,
# never a quiet gap in the counts.
if [ -n "$list" ] && grep -q '^LIBIOMMU-DONE ' "$res_clean"; then
	while read -r _ name _; do
		[ -n "$name" ] || continue
		grep -q "^LIBIOMMU-RESULT $name " "$res_clean" && continue
		bad "$name reported no result (its console section follows)"
		section "$name" | sed 's/^/    /'
		nfail=$((nfail + 1))
	done < "$list"
fi

if [ "$show" = 1 ]; then
	grep '^LIBIOMMU-OUT ' "$res_clean" | sed -E 's/^LIBIOMMU-OUT [^ ]+ ?//'
fi

# --- kernel selftest against the recorded baseline
if grep -q '^LIBIOMMU-RESULT iommufd RAN' "$res_clean"; then
	grep '^LIBIOMMU-KSELFTEST ' "$res_clean" | sed 's/^LIBIOMMU-KSELFTEST //' > "$res.kst"
	kp=$(grep -c '^ok .*' "$res.kst" | tr -d ' '); ks=$(grep -c '# SKIP' "$res.kst")
	kp=$((kp - ks)); kf=$(grep -c '^not ok ' "$res.kst")
	say "kernel iommufd selftest: $kp pass, $kf fail, $ks skip"
	if [ ! -f "$baseline" ]; then
		bad "no baseline file $baseline"
	else
		read -r bp bf bs < <(sed -n 's/^totals pass=\([0-9]*\) fail=\([0-9]*\) skip=\([0-9]*\)$/\1 \2 \3/p' "$baseline")
		regressed=$(grep '^ok ' "$baseline" | while read -r _ c; do
			grep -qxF "ok $c" "$res.kst" || echo "$c"; done)
		if [ -n "$regressed" ]; then
			bad "kernel selftest cases that pass in the baseline did not pass:"
			echo "$regressed" | sed 's/^/    /'
			nfail=$((nfail + $(echo "$regressed" | wc -l)))
		elif [ "$kp" -lt "${bp:-0}" ] || [ "$kf" -gt "${bf:-0}" ]; then
			bad "kernel selftest regressed: $kp pass/$kf fail vs baseline $bp/$bf"
			nfail=$((nfail + 1))
		else
			npass=$((npass + 1))
			say "PASS kernel iommufd selftest matches baseline ($bp pass, $bf fail, $bs skip)"
		fi
	fi
fi

echo "$npass $nfail $nskip" > "$res.counts"
say "boot ${secs}s: $npass passed, $nfail failed, $nskip skipped"
exit "$fail"
