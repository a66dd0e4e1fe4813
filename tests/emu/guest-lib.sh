# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers shared by the suites that run against vmclock-emu
# (tests/guest/vmclock, tests/vm/vmclock-intree).  Installed by build.sh as
# /usr/share/vmclock-emu/guest-lib.sh; sourced after /lib/ptpvm/testlib.sh.
# A suite defines emu_phc (prints the /dev/ptpN under test) before using
# measure_phc or phc_vs_host.

# Tolerance for "agrees with the host": under TCG a PHC read is bracketed to
# ~100 us; the results are a few us off.  1 ms leaves room for a loaded host.
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
# -p); sets D_NS (median of PHC - host UTC, ns).  FAIL NAME and return 1 when
# it cannot be measured.
measure_phc() {
	n=$1
	D_NS=
	if ! dev=$(emu_phc); then
		fail "$n" "no PHC to measure"
		return 1
	fi
	out=$(tscsync -m measure -n 24 -p "$dev")
	rc=$?
	if [ $rc -ne 0 ]; then
		# The ping-pong gives up when a vCPU is descheduled too long.
		echo "  tscsync: $(val error "$out"); once more"
		out=$(tscsync -m measure -n 24 -p "$dev")
		rc=$?
	fi
	printf '%s\n' "$out" | sed 's/^/  tscsync: /'
	D_NS=$(kv phc_minus_host_ns "$out")
	if [ $rc -ne 0 ] || [ -z "$D_NS" ]; then
		fail "$n" "tscsync -p $dev failed: $(val error "$out")$(val phc_error "$out")"
		return 1
	fi
}

# near D_NS WANT_NS: D_NS is WANT_NS within TOL_NS; sets RESID_NS.
near() {
	RESID_NS=$(($1 - $2))
	[ "$(abs $RESID_NS)" -le "$TOL_NS" ]
}

# near_s D_NS S: D_NS is S whole seconds within TOL_NS; sets RESID_NS.
near_s() { near "$1" $(($2 * 1000000000)); }

# phc_vs_host NAME S: PASS NAME when PHC - host UTC is S seconds (TOL_NS).
phc_vs_host() {
	measure_phc "$1" || return 1
	if near_s "$D_NS" "$2"; then
		echo "  $1: PHC - host UTC = $2 s + $RESID_NS ns"
		pass "$1"
	else
		fail "$1" "PHC - host UTC = $D_NS ns, expected $2 s within $TOL_NS ns"
		return 1
	fi
}
