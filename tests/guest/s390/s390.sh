# shellcheck shell=sh disable=SC2034 # the tests use the names
# SPDX-License-Identifier: GPL-2.0
# Helpers of the s390 suite (busybox ash).  Sourced, not run.
. /tests/lib.sh

STCKE="s390 STCKE Clock"
PHYS="s390 Physical Clock"
S390_PARAMS=/sys/module/ptp_pure_s390/parameters

# s390_info KEY: a line of the backend's debugfs file, after "KEY: ".
s390_info() {
	d=$(ptp_dir "$STCKE") || return 1
	sed -n "s/^$1: //p" "/sys/kernel/debug/ptp_pure/${d##*/}/s390_tod"
}

# s390_clock_test PREFIX NAME XTS EXACT [ptp_test args]: ptp_test on a
# clock whose name has spaces (run_ptp_test splits its ENV=VALUE words).
s390_clock_test() {
	p=$1 PTP_NAME=$2 PTP_XTS=$3 PTP_EXACT=$4
	shift 4
	export PTP_NAME PTP_XTS PTP_EXACT
	run_ptp_test "$p" -- "$@"
	r=$?
	unset PTP_NAME PTP_XTS PTP_EXACT
	return $r
}

# The kernel names the TOD clocksource in cross-timestamps from 6.13.
s390_xts() {
	if kver_ge 6 13; then echo 1; else echo 0; fi
}

# s390_dir_of NAME ours|intree: /sys/class/ptp/ptpN of the clock NAME of
# ours (it has the core's attributes on its parent) or of the in-tree driver.
s390_dir_of() {
	for d in /sys/class/ptp/ptp*; do
		[ "$(cat "$d/clock_name" 2>/dev/null)" = "$1" ] || continue
		if [ -e "$d/device/timescale" ]; then w=ours; else w=intree; fi
		[ "$w" = "$2" ] && { echo "$d"; return 0; }
	done
	return 1
}
