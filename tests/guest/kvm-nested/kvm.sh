# shellcheck shell=sh disable=SC2034 # the bounds are used by the tests
# SPDX-License-Identifier: GPL-2.0
# Helpers of the kvm-nested suite (busybox ash).  Sourced, not run.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. /tests/lib.sh

CS=/sys/devices/system/clocksource/clocksource0

# Bounds, stated once (ns), used by the tests:
# our paired=2 clock under kvm-clock: device - CLOCK_REALTIME of PRECISE
# against offset_ns (the TSC read follows the time by a few instructions;
# nested L2 reads TSC without exits)
CORE_KVMCLOCK_BOUND=50000
# paired=1 under tsc: one counter read gives both times
CORE_TSC_BOUND=1000
# in-tree ptp_kvm: spread of device - CLOCK_REALTIME over repeated PRECISE
# calls, and PRECISE against the middle of a PTP_SYS_OFFSET bracket
# (slack on top of the half window)
KVM_SPREAD_BOUND=20000
KVM_SLACK=20000

# set_cs NAME: switch the clocksource; true if it is NAME afterwards.
set_cs() {
	echo "$1" >"$CS/current_clocksource" 2>/dev/null
	[ "$(cat "$CS/current_clocksource")" = "$1" ]
}

# xts MODE DEV [N]: run ptp_xts, leaving its line in $XTS; echo it to the log.
xts() {
	XTS=$(ptp_xts "$@" 2>&1)
	rc=$?
	echo "  ptp_xts $*: $XTS"
	return $rc
}

# field NAME: the value of NAME=... in $XTS
field() {
	echo "$XTS" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

abs() { if [ "$1" -lt 0 ]; then echo $((-$1)); else echo "$1"; fi; }

# within NAME VALUE WANT BOUND: PASS if |VALUE - WANT| <= BOUND
within() {
	d=$(abs $(($2 - $3)))
	if [ "$d" -le "$4" ]; then
		pass "$1"
		echo "  $1: $2 ns, want $3 +- $4 (off by $d)"
	else
		fail "$1" "$2 ns, want $3 +- $4 (off by $d)"
	fi
}
