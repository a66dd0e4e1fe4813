# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Helpers of the ptp_pure_vmclock suite (busybox ash; sourced as
# /tests/vmclock.sh).  Guest tools from tests/emu (run-vmclock.sh puts them
# in the guest):
#   vmclockctl CMD   one command to vmclock-emu over /dev/ttyS2
#   tscsync          TSC offset ping-pong; PHC vs host UTC at the same TSC
#   phc_read         PHC readings, PTP_SYS_OFFSET_*; -P dumps /dev/vmclock0
# and from tests/guest: ptp_test, vmclock_dev, lib.sh (/tests/lib.sh).
# shellcheck source=../lib.sh
. /tests/lib.sh

NAME=vmclock0
# shellcheck disable=SC2034 # used by the tests
DRV=/sys/bus/platform/drivers/ptp_pure_vmclock
# The vmclock pages carry tai_offset_sec = 37 (TAI = UTC + 37).
# shellcheck disable=SC2034 # used by the tests
TAI_OFFSET=37
# "Agrees with the host": the PHC against host UTC at the same guest TSC
# (tscsync -p, median of 24 reads).  Results are a few us off; a TCG PHC
# read takes ~100 us and a busy 2-core host adds outliers: 1 ms.
TOL_NS=1000000

# Set by 10-probe when the guest's clock runs far off the host's (its TSC
# calibration at boot failed, e.g. on an overloaded host): nothing that
# follows would mean anything.
BAD_CLOCK=/tmp/vmclock-bad-clock

# need_tools: SKIP the test (exit) unless run by tests/emu/run-vmclock.sh.
need_tools() {
	if [ -e $BAD_CLOCK ]; then
		skip "${0##*/}" "the guest clock is unusable: $(cat $BAD_CLOCK)"
		exit 0
	fi
	for t in vmclockctl tscsync phc_read ptp_test vmclock_dev; do
		command -v "$t" >/dev/null 2>&1 && continue
		skip "${0##*/}" "guest tool $t missing: run tests/emu/run-vmclock.sh"
		exit 0
	done
	if [ -z "$(acpi_dev)" ]; then
		skip "${0##*/}" "no vmclock ACPI device: run tests/emu/run-vmclock.sh"
		exit 0
	fi
}

# acpi_dev: name of the vmclock device (AMZNC10C:00), also its platform name.
acpi_dev() {
	for d in /sys/bus/acpi/devices/AMZNC10C:* /sys/bus/acpi/devices/VMCLOCK:*; do
		[ -e "$d" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# pdev: sysfs directory of the platform device.
pdev() { echo "/sys/bus/platform/devices/$(acpi_dev)"; }

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

# kv KEY TEXT: value of the first word KEY=VALUE in TEXT.
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# val KEY TEXT: the whole value of the line KEY=VALUE in TEXT.
val() {
	printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1
}

# phc: /dev/ptpN of our clock vmclock0, or nothing.
phc() {
	d=$(ptp_dir "$NAME") || return 1
	echo "/dev/${d##*/}"
}

# attr NAME: /sys/class/ptp/ptpN/pure/NAME, or "ERR <message>".
attr() {
	d=$(ptp_dir "$NAME") || { echo "ERR no clock $NAME"; return 1; }
	if v=$(cat "$d/pure/$1" 2>&1); then
		echo "$v"
	else
		echo "ERR ${v#cat: }"
		return 1
	fi
}

# count NAME: disruptions or vm_generation_changes of the platform device.
count() { cat "$(pdev)/$1" 2>/dev/null; }

# count_is NAME N: true when count NAME is N.
count_is() { [ "$(count "$1")" = "$2" ]; }

# load [TIMESCALE]: (re)load the core with timescale=TIMESCALE (default: the
# module default) and the vmclock backend.
load() {
	rmmod ptp_pure_vmclock 2>/dev/null
	rmmod ptp_pure_core 2>/dev/null
	if [ -n "${1-}" ]; then
		modprobe ptp_pure_core "timescale=$1" || return 1
	fi
	modprobe ptp_pure_vmclock
}

# ensure_driver: a clean start whatever an earlier test left behind (it may
# have been killed): the emulator reset (steady page, no overrides), the
# modules loaded with the core's default timescale, the device bound.
ensure_driver() {
	vmclockctl reset >/dev/null 2>&1
	[ "$(cat /sys/module/ptp_pure_core/parameters/timescale 2>/dev/null)" = utc ] || load utc
	[ -c /dev/vmclock0 ] && phc >/dev/null && return 0
	[ -e "$(pdev)/driver" ] && acpi_dev >$DRV/unbind
	acpi_dev 2>/dev/null >$DRV/bind
	[ -c /dev/vmclock0 ] && phc >/dev/null
}

# abs N
abs() { if [ "$1" -lt 0 ]; then echo $((-$1)); else echo "$1"; fi; }

# now_ms: milliseconds since boot (/proc/uptime, 10 ms resolution).
now_ms() {
	read -r up _ </proc/uptime
	s=${up%.*} f=${up#*.}
	echo $((s * 1000 + ${f#0} * 10))
}

# wait_until MS CMD...: run CMD every 50 ms until it succeeds, at most MS ms.
wait_until() {
	ms=$1
	shift
	end=$(($(now_ms) + ms))
	while ! "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		usleep 50000
	done
}

# measure_phc NAME: sets D_NS (median of PHC - host UTC at the same guest
# TSC, ns); FAIL NAME and return 1 if it cannot be measured.
measure_phc() {
	n=$1
	D_NS=
	if ! dev=$(phc); then
		fail "$n" "no PHC $NAME"
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

# near D_NS WANT_NS: true when D_NS is WANT_NS within TOL_NS; sets RESID_NS.
near() {
	RESID_NS=$(($1 - $2))
	[ "$(abs $RESID_NS)" -le "$TOL_NS" ]
}

# phc_vs_host NAME WANT_S: PASS NAME when the PHC is host UTC + WANT_S s.
phc_vs_host() {
	measure_phc "$1" || return 1
	if near "$D_NS" $(($2 * 1000000000)); then
		echo "  $1: PHC - host UTC = $2 s + $RESID_NS ns"
		pass "$1"
	else
		fail "$1" "PHC - host UTC = $D_NS ns, expected $2 s within $TOL_NS ns"
		return 1
	fi
}

# errno_name N: the name phc_read prints for errno N.
errno_name() {
	case $1 in
	5) echo EIO ;;
	19) echo ENODEV ;;
	61) echo ENODATA ;;
	110) echo ETIMEDOUT ;;
	*) echo "errno$1" ;;
	esac
}
