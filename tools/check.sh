#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: everything CI runs, in order of increasing cost.  Each stage
# prints "<stage>: N passed, N failed"; this script adds them up and ends with
# one "N passed, N failed, N skipped" line.  Exits non-zero if anything failed.
#
# CHECK_STAGES selects stages (default: all); SERIES selects kernels.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
export PTP_PURE_CACHE

stages=${CHECK_STAGES:-deps unit insn style matrix sparse vmtest kvmtest package}
logdir="${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/logs/check"
mkdir -p "$logdir"

# Every guest boot that is booted again (tools/vm/run.sh) adds a line here.
export PTP_PURE_RETRY_LOG="$logdir/retries"
: >"$PTP_PURE_RETRY_LOG"

total_pass=0
total_fail=0
total_skip=0
failed_stages=()

# stage NAME CMD...: run a stage, stream its output, add up its counts.
stage() {
	local name=$1 log="$logdir/$1.log" t0 rc p f s line
	shift
	echo "=== $name: $*"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=0 f=0 s=0
	# Check's summary ("Checks: N, Failures: N, Errors: N") or ours.
	while read -r line; do
		if [[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]; then
			p=$((p + BASH_REMATCH[1] - BASH_REMATCH[2] - BASH_REMATCH[3]))
			f=$((f + BASH_REMATCH[2] + BASH_REMATCH[3]))
		fi
	done <"$log"
	line=$(grep -E '^([a-z0-9]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
		p=$((p + BASH_REMATCH[1]))
		f=$((f + BASH_REMATCH[2]))
		s=$((s + ${BASH_REMATCH[4]:-0}))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# a stage that failed without saying what
	fi
	[ "$f" -gt 0 ] && failed_stages+=("$name")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	echo "=== $name: exit $rc, $p passed, $f failed, $s skipped ($(($(date +%s) - t0)) s; log $log)"
}

for st in $stages; do
	case $st in
	deps) stage deps tools/deps.sh ;;
	unit) stage unit make -s unit ;;
	insn) stage insn bench/insn/selftest.sh ;;
	style) stage style tools/style.sh ;;
	matrix) stage matrix tools/matrix.sh ${SERIES:-} ;;
	sparse) stage sparse tools/sparse.sh ;;
	vmtest) stage vmtest make -s vmtest ;;
	kvmtest) stage kvmtest make -s kvmtest ;;
	package) stage package make -s package-test ;;
	*) echo "check: unknown stage $st"; total_fail=$((total_fail + 1)) ;;
	esac
done

# Every SKIP of the run, counted by its reason (the text after the name, its
# numbers left out), so that a new kind of skip stands out.
# Each reason is held against the list of skips expected on this machine kind:
# an unknown reason, or more of a known one, is a failure (a suite that
# quietly became a SKIP must not pass).
expected=${PTP_PURE_EXPECTED_SKIPS:-$top/tests/expected-skips}
echo "check: skips by reason (expected: $expected):"
skips=$(cat "$logdir"/*.log 2>/dev/null | grep -E '^SKIP [^ ]+: ' |
	sed -E 's/^SKIP [^ ]+: //; s/[0-9]+/N/g' | sort | uniq -c | sort -rn |
	awk -v list="$expected" '
	BEGIN {
		while ((getline line < list) > 0) {
			if (line ~ /^#/ || split(line, f, "\t") != 2)
				continue
			max[f[2]] = f[1]
		}
	}
	{
		c = $1
		n = $0; sub(/^ *[0-9]+ /, "", n)
		if (!(n in max))
			note = "   <- UNEXPECTED: not in the list"
		else if (c > max[n] + 0)
			note = "   <- UNEXPECTED: at most " max[n]
		else
			note = ""
		printf "  %6d %s%s\n", c, n, note
	}')
[ -n "$skips" ] && echo "$skips"
unexpected=$(grep -c ' <- UNEXPECTED' <<<"$skips")
if [ "$unexpected" -gt 0 ]; then
	echo "check: $unexpected skip reason(s) not expected on this machine kind: FAIL"
	total_fail=$((total_fail + unexpected))
	failed_stages+=("expected-skips")
fi
# A retry is an exception to explain, not a way to pass: each one by reason.
retries=$(grep -c . "$PTP_PURE_RETRY_LOG")
echo "check: guest boots retried: $retries"
sed 's/^RETRY /  /' "$PTP_PURE_RETRY_LOG"
[ ${#failed_stages[@]} -gt 0 ] && echo "check: failed stages: ${failed_stages[*]}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
