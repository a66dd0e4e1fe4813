# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers shared by the suites that run against vmclock-emu
# (tests/guest/vmclock, tests/vm/vmclock-intree).  Installed by build.sh as
# /usr/share/vmclock-emu/guest-lib.sh; sourced after /lib/ptpvm/testlib.sh.
# A suite defines emu_phc (prints the /dev/ptpN under test) before using
# measure_phc or phc_vs_host.

# Tolerance for comparisons of two guest clocks (a PHC against the guest's
# CLOCK_REALTIME after chronyd or tscsync -s set it).  Comparisons with the
# host's time (measure_phc) carry a bound of their own, M_TOL_NS.
TOL_NS=1000000

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

# val KEY TEXT: the whole value of the line KEY=VALUE in TEXT.
val() {
	printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1
}

# abs N
abs() { if [ "$1" -lt 0 ]; then echo $((-$1)); else echo "$1"; fi; }

# measure_phc NAME: the PHC against host UTC at the same guest TSC (tscsync
# -p); sets D_NS (median of PHC - host UTC, ns) and M_TOL_NS, the bound a
# correct PHC keeps, from this very measurement: how far the reads leave the
# difference open (phc_bound_ns: the PHC reads', the host readings' and the
# TSC offset's brackets) plus the error the page itself states (page_err_ns).
# The page pairs host time with the guest TSC through the offset the
# emulator adopted.  Under TCG that offset can move (QEMU adds any backward
# step of the host's TSC to the guest's, and a stopped VM holds its TSC), and
# the page then describes another counter: when the measurement finds the
# offset outside the adopted one's bounds (consistent=0), the offset is
# adopted again (readopt) and the measurement repeated (the first move in
# M_MOVED_NS, known to +-M_MOVED_ERR_NS).  FAIL NAME and return 1 when it
# cannot be measured.
measure_phc() {
	n=$1
	D_NS='' M_TOL_NS='' M_MOVED_NS='' M_MOVED_ERR_NS=''
	if ! dev=$(emu_phc); then
		fail "$n" "no PHC to measure"
		return 1
	fi
	for try in 1 2 3; do
		out=$(tscsync -m measure -n 24 -p "$dev")
		rc=$?
		if [ $rc -ne 0 ]; then
			# The ping-pong gives up when a vCPU is descheduled too long.
			echo "  tscsync: $(val error "$out"); once more"
			continue
		fi
		[ "$(kv consistent "$out")" = 0 ] || break
		[ $try -lt 3 ] || break
		if [ -z "$M_MOVED_NS" ]; then
			M_MOVED_NS=$(kv diff_ns "$out") M_MOVED_ERR_NS=$(kv diff_err_ns "$out")
		fi
		readopt "$out"
	done
	printf '%s\n' "$out" | sed 's/^/  tscsync: /'
	D_NS=$(kv phc_minus_host_ns "$out")
	if [ $rc -ne 0 ] || [ -z "$D_NS" ]; then
		fail "$n" "tscsync -p $dev failed: $(val error "$out")$(val phc_error "$out")"
		return 1
	fi
	if [ "$(kv consistent "$out")" != 1 ]; then
		fail "$n" "the guest TSC kept moving against the host's: $(val reply "$out")"
		return 1
	fi
	M_TOL_NS=$(($(kv phc_bound_ns "$out") + $(kv page_err_ns "$out")))
	echo "  bound $M_TOL_NS ns = measurement $(kv phc_bound_ns "$out") + page error $(kv page_err_ns "$out")"
}

# readopt OUT: OUT, a tscsync measurement, found the guest TSC moved against
# the offset the page uses: print the move and make the emulator adopt the
# offset measured anew.
readopt() {
	echo "  the guest TSC moved by $(kv diff_ns "$1") ns against the offset the page uses" \
		"(adopted to +-$(kv prev_width "$1") ticks); adopting it again"
	tscsync -m adopt -n 32 | grep -E '^(reply|offset_width_ns|error)=' | sed 's/^/  tscsync adopt: /'
}

# follow_tsc: the emulator's page is made to describe the guest's TSC as it
# is now: the offset is measured, and adopted again when it moved outside
# the adopted one's bounds (see measure_phc).
follow_tsc() {
	out=$(tscsync -m measure -n 16) || return 0
	[ "$(kv consistent "$out")" = 0 ] || return 0
	readopt "$out"
}

# near D_NS WANT_NS [TOL]: D_NS is WANT_NS within TOL (default TOL_NS); sets
# RESID_NS.
near() {
	RESID_NS=$(($1 - $2))
	[ "$(abs $RESID_NS)" -le "${3:-$TOL_NS}" ]
}

# near_s D_NS S [TOL]: D_NS is S whole seconds within TOL; sets RESID_NS.
near_s() { near "$1" $(($2 * 1000000000)) "${3-}"; }

# phc_vs_host NAME S: PASS NAME when PHC - host UTC is S seconds within the
# bound measure_phc derived.
phc_vs_host() {
	measure_phc "$1" || return 1
	if near_s "$D_NS" "$2" "$M_TOL_NS"; then
		echo "  $1: PHC - host UTC = $2 s + $RESID_NS ns (bound +-$M_TOL_NS ns)"
		pass "$1"
	else
		fail "$1" "PHC - host UTC = $D_NS ns, expected $2 s within $M_TOL_NS ns"
		return 1
	fi
}
