#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/insn.sh [N [ROUNDS]]: guest instructions per read, ptp_pure_vmclock
# against the in-tree ptp_vmclock, counted by a TCG plugin.
#
# One boot of the newest 7.x kernel with one vCPU, the two drivers on one
# emulated vmclock page (bench/guest/10-side-by-side, as bench/run.sh), and
# bench/insn/insn_count.so loaded into QEMU.  In the guest, `ptp_bench insn`
# brackets every read with the plugin's markers; the plugin logs the guest
# instructions (user and kernel) executed between them.  Per round (ROUNDS,
# default 5) it does blocks of N reads (default 200) of: an empty region
# (the baseline: the markers and the call of the read function), getppid()
# (a plain syscall, for reference), and per driver clock_gettime() on the
# PHC, PTP_SYS_OFFSET_EXTENDED (1 sample) and PTP_SYS_OFFSET_PRECISE.
#
# Noise: an interrupt (timer tick) or a page fault inside a marked region
# adds to that one read only, so each block is summarised by its median
# read, which is the undisturbed path; the table gives min/median/max of the
# block medians over the rounds (equal when the path is deterministic), the
# empty-region baseline subtracted, the kernel's share, and the ratio ours /
# in-tree of the medians.  "exact" is the share of reads equal to their
# block's median.  Counts are of the TCG-emulated CPU (-cpu max): they carry
# over to hardware better than TCG wall time, but mitigations, alternatives
# and the clocksource follow that CPU's features.
#
# `bench/insn.sh --report` prints the table of the last run again.
# --profile adds, per operation, the instructions per read by kernel symbol,
# in-tree beside ours (the plugin's profile=, bench/insn/profile.py): where
# the difference lies.  With --report: of the last --profile run.
# Needs the plugin header from Debian's QEMU source package
# (bench/insn/build.sh); if it cannot be had, one SKIP line and exit 0.
# Full log: $PTP_PURE_BUILD/logs/bench-insn.log, plugin lines in
# $PTP_PURE_BUILD/insn/counts.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
build=${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}
report=0 profile=0
while [[ ${1-} == --* ]]; do
	case $1 in
	--report) report=1 ;;
	--profile) profile=1 ;;
	*) echo "usage: bench/insn.sh [--report] [--profile] [N [ROUNDS]]" >&2; exit 2 ;;
	esac
	shift
done
n=${1:-200}
rounds=${2:-5}
log=$build/logs/bench-insn.log
counts=$build/insn/counts.txt
prof=$build/insn/profile.txt
mkdir -p "$build/insn" "$build/logs"
t0=$SECONDS

if ((report)); then
	: # the table of the last run again
elif ! so=$(bench/insn/build.sh 2>"$build/insn/build.err"); then
	echo "SKIP bench-insn: $(tail -n 1 "$build/insn/build.err" | sed 's/^insn: //')"
	exit 0
else
	rm -f "$counts" "$prof"
	args=$so,out=$counts
	extra=()
	if ((profile)); then
		args+=,profile=$prof,block=$n
		extra=(--append ptpbench.insnprof=1)
	fi
	rc=0
	tests/emu/run-vmclock.sh --series 7 --tests bench/guest --twin --smp 1 \
		--append "ptpbench.insn=$n,$rounds" "${extra[@]}" \
		--qemu-arg -plugin --qemu-arg "$args" --log "$log" || rc=$?
	if ((rc)) || [[ ! -s $counts ]]; then
		echo "bench-insn: the counted boot failed (status $rc); log: $log" >&2
		exit 1
	fi
fi

echo
echo "bench-insn: guest instructions per read, ours (ptp_pure_vmclock) / in-tree (ptp_vmclock),"
took=
((report)) || took=" ($((SECONDS - t0)) s)"
sed -n 's/.*ptpbench\.insn=\([0-9]*\),\([0-9]*\).*/\1 \2/p' "$log" | head -n 1 | {
	read -r n rounds
	echo "Debian 7.x, TCG -cpu max, 1 vCPU, same boot, same page; $n reads x $rounds rounds$took"
}
{ grep -ao 'INSNSKIP .*' "$log" || true; } | awk '{ print "not measured: " $2 " " $3 " (errno " $4 ")" }'
grep -ao 'INSN [0-9].*' "$log" | awk -v counts="$counts" '
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
# min/median/max of the n values v[1..n] into lo, med, hi
function stats(v, n,    i, a) {
	for (i = 1; i <= n; i++)
		a[i] = v[i]
	sort(a, n)
	lo = a[1]; med = a[int((n + 1) / 2)]; hi = a[n]
}
BEGIN {
	while ((getline line < counts) > 0) {
		split(line, f, " ")
		if (f[1] == "d") { ++nd; U[nd] = f[2]; K[nd] = f[3] }
		else if (f[1] == "summary") summary = line
	}
	used = 0
}
{
	# INSN ROUND CLOCK OP N
	c = $3; op = $4; m = $5
	if (used + m > nd) { short = 1; next }
	for (i = 1; i <= m; i++) {
		t[i] = U[used + i] + K[used + i]
		k[i] = K[used + i]
	}
	stats(t, m); tmed = med
	for (i = 1; i <= m; i++)
		if (t[i] == tmed) exact++
	reads += m
	# the kernel count of the read whose total is the median
	for (i = 1; i <= m; i++)
		if (t[i] == tmed) { kmed = k[i]; break }
	used += m
	b = ++nb[c, op]
	T[c, op, b] = tmed; KK[c, op, b] = kmed
}
END {
	if (short || used != nd)
		printf "warning: %d marked regions logged, %d labelled by the guest\n", nd, used
	n = nb["-", "none"]
	if (!n) { print "bench-insn: no baseline blocks: nothing measured"; exit 1 }
	for (i = 1; i <= n; i++) v[i] = T["-", "none", i]
	stats(v, n); base = med
	for (i = 1; i <= n; i++) v[i] = KK["-", "none", i]
	stats(v, n); kbase = med
	printf "baseline (empty marked region): %d instructions (%d kernel), subtracted below\n", base, kbase
	printf "%-9s %22s %22s %7s %17s\n", "op", "in-tree min/med/max", "ours min/med/max",
		"ratio", "kernel in-tree/ours"
	split("gettime extended precise", ops, " ")
	for (o = 1; o <= 3; o++) {
		op = ops[o]
		for (d = 1; d <= 2; d++) {
			c = d == 1 ? "intree" : "ours"
			n = nb[c, op]
			if (!n) { s[c] = "n/a"; M[c] = 0; km[c] = "-"; continue }
			for (i = 1; i <= n; i++) v[i] = T[c, op, i] - base
			stats(v, n)
			s[c] = lo "/" med "/" hi; M[c] = med
			for (i = 1; i <= n; i++) v[i] = KK[c, op, i] - kbase
			stats(v, n); km[c] = med
		}
		printf "%-9s %22s %22s %7s %17s\n", op, s["intree"], s["ours"],
			M["intree"] ? sprintf("%.3f", M["ours"] / M["intree"]) : "n/a",
			km["intree"] "/" km["ours"]
	}
	n = nb["-", "syscall"]
	for (i = 1; i <= n; i++) v[i] = T["-", "syscall", i] - base
	stats(v, n)
	printf "%-9s %22s   (getppid(): the cost of any syscall, for reference)\n", "syscall",
		lo "/" med "/" hi
	printf "exact: %.1f%% of %d reads equal their block median; plugin: %s\n",
		reads ? 100 * exact / reads : 0, reads, summary
}'
if ((profile)); then
	[[ -s $prof ]] || { echo "bench-insn: no profile in $prof (run with --profile)" >&2; exit 1; }
	echo
	bench/insn/profile.py "$log" "$prof"
fi
