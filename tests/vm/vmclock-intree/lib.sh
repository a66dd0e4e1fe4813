# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Helpers for the vmclock emulator validation tests (busybox ash; sourced).
# Guest tools from tests/emu (installed by tests/emu/run-intree.sh):
#   vmclockctl CMD   one command to vmclock-emu over /dev/ttyS2
#   tscsync          TSC offset / host time ping-pong, PHC vs host time
#   phc_read         PHC readings and PTP_SYS_OFFSET_*; -P dumps the page
# shellcheck source-path=SCRIPTDIR source=../../../tools/vm/testlib.sh
. /lib/ptpvm/testlib.sh
# Shared with the other emulator suites (absent when not run by the wrapper:
# need_tools then SKIPs).
# shellcheck source=../../emu/guest-lib.sh
[ -r /usr/share/vmclock-emu/guest-lib.sh ] && . /usr/share/vmclock-emu/guest-lib.sh

# emu_phc: the PHC that measure_phc measures.
emu_phc() { vmclock_ptp; }

# Whole seconds the PHC is off host UTC: 7.x reports TAI.  Our pages carry
# tai_offset_sec = 37 with the spec's sign (TAI = UTC + 37).
# shellcheck disable=SC2034 # used by the tests
TAI_OFFSET=37

# need_tools: exit with a SKIP when the suite was not started by run-intree.sh.
need_tools() {
	need_cmds tests/emu/run-intree.sh vmclockctl tscsync phc_read
}

# vmclock_ptp: /dev/ptpN of the clock named vmclock*, or nothing.
vmclock_ptp() {
	for d in /sys/class/ptp/ptp*; do
		case $(cat "$d/clock_name" 2>/dev/null) in
		vmclock*) echo "/dev/${d##*/}"; return 0 ;;
		esac
	done
	return 1
}

# ok_if NAME REASON CMD...: PASS NAME when CMD succeeds, else FAIL NAME: REASON.
ok_if() {
	n=$1 why=$2
	shift 2
	if "$@"; then pass "$n"; else fail "$n" "$why"; fi
}

# ensure_driver: ptp_vmclock loaded (tests may run alone).
ensure_driver() {
	[ -e /dev/vmclock0 ] || modprobe ptp_vmclock 2>/dev/null
	[ -e /dev/vmclock0 ]
}

# page_field KEY: one field of the page as the driver's read() gives it.
page_field() {
	kv "$1" "$(phc_read -P /dev/vmclock0)"
}
