# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Helpers for the vmclock emulator validation tests (busybox ash; sourced).
# Guest tools from tests/emu (installed by tests/emu/run-intree.sh):
#   vmclockctl CMD   one command to vmclock-emu over /dev/ttyS2
#   tscsync          TSC offset / host time ping-pong, PHC vs host time
#   phc_read         PHC readings and PTP_SYS_OFFSET_*; -P dumps the page
# shellcheck source-path=SCRIPTDIR source=../../../tools/vm/testlib.sh
. /lib/ptpvm/testlib.sh

# Whole seconds the PHC is off host UTC: 7.x reports TAI.  Our pages carry
# tai_offset_sec = 37 with the spec's sign (TAI = UTC + 37).
# shellcheck disable=SC2034 # used by the tests
TAI_OFFSET=37
# Tolerance for "agrees with the host": under TCG a PHC read is bracketed to
# ~100 us; the results are a few us off.  1 ms leaves room for a loaded host.
TOL_NS=1000000

# need_tools: exit with a SKIP when the suite was not started by run-intree.sh.
need_tools() {
	for t in vmclockctl tscsync phc_read; do
		command -v "$t" >/dev/null 2>&1 && continue
		skip "${0##*/}" "guest tool $t missing: run tests/emu/run-intree.sh"
		exit 0
	done
}

# emu NAME CMD...: a command to the emulator; FAIL NAME and return 1 on "err".
emu() {
	n=$1
	shift
	if ! r=$(vmclockctl "$@"); then
		fail "$n" "emulator: '$*' -> $r"
		return 1
	fi
	echo "  emu: $* -> $r"
}

# kv KEY TEXT: the value of the first word KEY=VALUE in TEXT (key=value lines
# or reply lines such as "ok tscsync offset=... diff_ns=...").
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
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

# abs N
abs() { if [ "$1" -lt 0 ]; then echo $((-$1)); else echo "$1"; fi; }

# ensure_driver: ptp_vmclock loaded (tests may run alone).
ensure_driver() {
	[ -e /dev/vmclock0 ] || modprobe ptp_vmclock 2>/dev/null
	[ -e /dev/vmclock0 ]
}

# measure_phc NAME: the PHC against host UTC at the same guest TSC (tscsync
# -p); sets D_NS (median of PHC - host UTC, ns).  FAIL NAME and return 1 when
# it cannot be measured.
measure_phc() {
	n=$1
	D_NS=
	if ! dev=$(vmclock_ptp); then
		fail "$n" "no vmclock PHC"
		return 1
	fi
	out=$(tscsync -m measure -n 24 -p "$dev")
	rc=$?
	printf '%s\n' "$out" | sed 's/^/  tscsync: /'
	D_NS=$(kv phc_minus_host_ns "$out")
	if [ $rc -ne 0 ] || [ -z "$D_NS" ]; then
		fail "$n" "tscsync -p $dev failed: $(kv error "$out")$(kv phc_error "$out")"
		return 1
	fi
}

# near D_NS WANT_S: true when D_NS is WANT_S seconds within TOL_NS; sets RESID_NS.
near() {
	RESID_NS=$(($1 - $2 * 1000000000))
	[ "$(abs $RESID_NS)" -le "$TOL_NS" ]
}

# phc_vs_host NAME WANT_S: PASS NAME when the PHC is host UTC + WANT_S s.
phc_vs_host() {
	measure_phc "$1" || return 1
	if near "$D_NS" "$2"; then
		echo "  $1: PHC - host UTC = $2 s + $RESID_NS ns"
		pass "$1"
	else
		fail "$1" "PHC - host UTC = $D_NS ns, expected $2 s within $TOL_NS ns"
		return 1
	fi
}

# page_field KEY: one field of the page as the driver's read() gives it.
page_field() {
	kv "$1" "$(phc_read -P /dev/vmclock0)"
}
