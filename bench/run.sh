#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh [ROUNDS [BOOTS]]: ptp_pure_vmclock against the in-tree
# ptp_vmclock.
#
# Boots the newest 7.x kernel BOOTS times (default 3) with an emulated
# vmclock page declared by two ACPI devices; the in-tree driver takes one,
# ours the other, so both read the same page in the same boot
# (bench/guest/10-side-by-side).  Each boot runs ROUNDS (default 10) rounds
# of `ptp_bench pair`, which measures both clocks in one process, alternating
# call by call (and throughput in alternating slices).  Several boots,
# because the ratio moves from boot to boot (module placement, for one).
# This script prints, per boot, the median of the per-round ratios of the
# per-call costs, then over all rounds min/median/max per metric, the ratio
# ours / in-tree of the medians and the median of the per-round ratios:
#   window   PTP_SYS_OFFSET_EXTENDED window width (post - pre), ns
#   ioctl    one PTP_SYS_OFFSET_EXTENDED ioctl (1 sample), ns
#   gettime  one clock_gettime() on the PHC, ns
#   mt1      reads/s from one thread; mt2 from two threads on two vCPUs
# and the 2-thread scaling mt2 / mt1 of each driver.  Lower is better for
# the first three, higher for the last two.  Under TCG every number is that
# of an emulated CPU: compare ratios, not absolute values.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
rounds=${1:-10}
boots=${2:-3}
log="${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/logs/bench.log"

# paired FILE METRIC: median over the rounds in FILE of ours / in-tree
paired() {
	grep -ao 'BENCH .*' "$1" | awk -v m="$2" '
		{ for (i = 5; i < NF; i += 2) if ($i == m) v[$2, ++n[$2]] = $(i + 1) }
		END {
			for (i = 1; i <= n["ours"] && i <= n["intree"]; i++)
				if (v["intree", i] > 0)
					print v["ours", i] / v["intree", i]
		}' | sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.2f", a[int((NR + 1) / 2)]; else printf "n/a" }'
}

: >"$log"
for b in $(seq 1 "$boots"); do
	echo "bench: boot $b of $boots"
	tests/emu/run-vmclock.sh --series 7 --tests bench/guest --twin \
		--append "ptpbench.rounds=$rounds" --log "$log.$b"
	cat "$log.$b" >>"$log"
done

echo
echo "bench: ours (ptp_pure_vmclock) / in-tree (ptp_vmclock), Debian 7.x, TCG, same boot, same page"
for b in $(seq 1 "$boots"); do
	grep -ao 'compare median_ns [0-9]* max_ns [0-9]*' "$log.$b" | head -n 1 |
		awk -v b="$b" '{ printf "boot %d: agreement median %d ns, max %d ns; ", b, $3, $5 }'
	echo "paired ratio: gettime $(paired "$log.$b" gettime), ioctl $(paired "$log.$b" ioctl)"
done
echo "all $boots boots:"
all_paired=
for m in window ioctl gettime mt1 mt2; do
	all_paired="$all_paired $m=$(paired "$log" "$m")"
done
grep -ao 'BENCH .*' "$log" | awk -v paired="$all_paired" '
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
{
	drv = $2
	for (i = 5; i < NF; i += 2) {
		m = $i
		n = ++cnt[drv, m]
		val[drv, m, n] = $(i + 1)
		metrics[m] = 1
	}
}
END {
	# paired: "METRIC=RATIO ..." from paired() above
	n = split(paired, pp, " ")
	for (i = 1; i <= n; i++) {
		split(pp[i], kv, "=")
		P[kv[1]] = kv[2]
	}
	split("window ioctl gettime mt1 mt2", order, " ")
	printf "%-8s %28s %28s %8s %8s\n", "metric", "in-tree min/median/max",
		"ours min/median/max", "ratio", "paired"
	for (k = 1; k <= 5; k++) {
		m = order[k]
		for (d = 1; d <= 2; d++) {
			drv = d == 1 ? "intree" : "ours"
			n = cnt[drv, m]
			for (i = 1; i <= n; i++)
				a[i] = val[drv, m, i] + 0
			sort(a, n)
			lo[drv] = a[1]; med[drv] = a[int((n + 1) / 2)]; hi[drv] = a[n]
		}
		r = med["intree"] ? sprintf("%.2f", med["ours"] / med["intree"]) : \
			(med["ours"] ? "inf" : "n/a (0/0)")
		printf "%-8s %28s %28s %8s %8s\n", m,
			lo["intree"] "/" med["intree"] "/" hi["intree"],
			lo["ours"] "/" med["ours"] "/" hi["ours"], r, P[m]
		if (m == "mt1") { mt1["intree"] = med["intree"]; mt1["ours"] = med["ours"] }
		if (m == "mt2") { mt2["intree"] = med["intree"]; mt2["ours"] = med["ours"] }
	}
	printf "2-thread scaling (mt2/mt1): in-tree %.2f, ours %.2f\n",
		mt2["intree"] / mt1["intree"], mt2["ours"] / mt1["ours"]
	printf "rounds: %d in-tree, %d ours\n", cnt["intree", "window"], cnt["ours", "window"]
}'
