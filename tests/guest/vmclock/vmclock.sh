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
# Shared with the other emulator suites (absent when not run by the wrapper:
# need_tools then SKIPs).
# shellcheck source=../../emu/guest-lib.sh
[ -r /usr/share/vmclock-emu/guest-lib.sh ] && . /usr/share/vmclock-emu/guest-lib.sh

# emu_phc: the PHC that measure_phc measures.
emu_phc() { phc; }

NAME=vmclock0
# shellcheck disable=SC2034 # used by the tests
DRV=/sys/bus/platform/drivers/ptp_pure_vmclock
# The vmclock pages carry tai_offset_sec = 37 (TAI = UTC + 37).
# shellcheck disable=SC2034 # used by the tests
TAI_OFFSET=37

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
	need_cmds tests/emu/run-vmclock.sh vmclockctl tscsync phc_read ptp_test vmclock_dev
	if [ -z "$(acpi_dev)" ]; then
		skip "${0##*/}" "no vmclock ACPI device: run tests/emu/run-vmclock.sh"
		exit 0
	fi
}

# acpi_dev: name of the vmclock device (AMZNC10C:00), also its platform name;
# on arm64 guests the devicetree node's platform device (50000000.vmclock).
acpi_dev() {
	for d in /sys/bus/acpi/devices/AMZNC10C:* /sys/bus/acpi/devices/VMCLOCK:* \
		/sys/bus/platform/devices/*.vmclock; do
		[ -e "$d" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# arm64 7.x kernels have the in-tree ptp_vmclock built in (driver "vmclock"):
# it takes the devicetree node at boot.  The suite is about ours: the device
# is taken from it and reserved for ours (driver_override), once per boot.
intree_off() {
	for d in /sys/bus/platform/drivers/vmclock/*.vmclock; do
		[ -e "$d" ] || continue
		echo "${d##*/}" >/sys/bus/platform/drivers/vmclock/unbind
		echo ptp_pure_vmclock >"/sys/bus/platform/devices/${d##*/}/driver_override"
		echo "  in-tree ptp_vmclock unbound from ${d##*/}"
	done
}
intree_off

# Where the emulated page is and which counter it carries, per architecture
# (tests/emu/emu-run.sh).
# shellcheck disable=SC2034 # used by the tests
if [ "$(uname -m)" = aarch64 ]; then
	PAGE_RE='0x0*50000000' COUNTER=arm-virtual-counter
else
	PAGE_RE='0x0*10000000' COUNTER=x86-tsc
fi

# pdev: sysfs directory of the platform device.
pdev() { echo "/sys/bus/platform/devices/$(acpi_dev)"; }

# phc: /dev/ptpN of our clock vmclock0, or nothing.
phc() {
	d=$(ptp_dir "$NAME") || return 1
	echo "/dev/${d##*/}"
}

# attr NAME: /sys/class/ptp/ptpN/device/NAME, or "ERR <message>".
attr() {
	d=$(ptp_dir "$NAME") || { echo "ERR no clock $NAME"; return 1; }
	if v=$(cat "$d/device/$1" 2>&1); then
		echo "$v"
	else
		echo "ERR ${v#cat: }"
		return 1
	fi
}

# count NAME: an event counter of our clock (disruptions, generation_changes,
# status_changes, leap_changes in /sys/class/ptp/ptpN/device/).
count() { attr "$1" 2>/dev/null; }

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

# chrony_run NAME OPTS: chrony_lock (tests/guest/lib.sh) on our PHC with
# refid VMCK.
chrony_run() {
	chrony_lock "$1" "$(phc)" VMCK "$2"
}

# adopt_tsc: measure the guest TSC against the host's and make the emulator
# use it (PASS/FAIL tsc_offset), then check that the guest clock runs at the
# host's rate (guest_clock_rate).  Returns 1 when the guest clock is
# unusable (BAD_CLOCK is then set and the rest of the suite SKIPs).
adopt_tsc() {
	# A busy host (2 cores shared with other guests) can stretch every round
	# trip of one measurement: up to two more tries, the last one adopted.
	for try in 1 2 3; do
		out=$(tscsync -m adopt -n 32)
		rc=$?
		printf '%s\n' "$out" | sed 's/^/  tscsync: /'
		width=$(kv offset_width_ns "$out")
		[ $rc -ne 0 ] || [ -z "$width" ] || [ "$width" -le 50000 ] && break
		echo "  offset known only to $width ns (try $try)"
	done
	if [ $rc -ne 0 ] || [ -z "$width" ]; then
		fail tsc_offset "tscsync failed: $(val error "$out")"
	elif [ "$width" -gt 50000 ]; then
		fail tsc_offset "offset known only to $width ns"
	else
		pass tsc_offset
	fi

	# The guest clock must run at the host's rate to within its TSC
	# calibration: the kernel's refined calibration is good to tens of ppm,
	# while one that failed under heavy host load is off by percent ("PIT
	# calibration deviates from HPET": 87 MHz for 2300).  1000 ppm lies
	# between the two.  Then every time bound in the guest is wrong and the
	# rest of the suite is skipped.  One measurement is two offsets 300 ms
	# apart, each known to guest_rt_err_ns (the brackets of the clock read
	# and of the TSC offset), so the rate to (err1 + err2) / 300 ms; it is
	# judged only when that settles which side of the limit it is on, else
	# measured again (at most three times).
	verdict=
	for try in 1 2 3; do
		g1=$(kv guest_rt_minus_host_ns "$out") e1=$(kv guest_rt_err_ns "$out") t1=$(now_ms)
		usleep 300000
		out=$(tscsync -m measure -n 8)
		g2=$(kv guest_rt_minus_host_ns "$out") e2=$(kv guest_rt_err_ns "$out") t2=$(now_ms)
		if [ -z "$g1" ] || [ -z "$g2" ] || [ -z "$e1" ] || [ -z "$e2" ] || [ $((t2 - t1)) -le 0 ]; then
			verdict=nomeasure
			break
		fi
		# ns per ms is ppm.
		ppm=$(((g2 - g1) / (t2 - t1))) ppm_err=$(((e1 + e2) / (t2 - t1) + 1))
		echo "  guest CLOCK_REALTIME runs $ppm ppm (+-$ppm_err) off host time (try $try)"
		if [ $(($(abs "$ppm") + ppm_err)) -le 1000 ]; then
			verdict=ok
			break
		elif [ $(($(abs "$ppm") - ppm_err)) -gt 1000 ]; then
			verdict=off
			break
		fi
		verdict=unsettled
	done
	case $verdict in
	ok) pass guest_clock_rate ;;
	off)
		why="it runs $ppm ppm (+-$ppm_err) off host time ($(dmesg | grep -m2 -E 'tsc: (Detected|PIT calibration|Refined)' | sed 's/^\[[^]]*\] //' | tr '\n' ';'))"
		echo "$why" >$BAD_CLOCK
		fail guest_clock_rate "$why"
		return 1
		;;
	unsettled) fail guest_clock_rate "the rate stayed unsettled against 1000 ppm: $ppm +-$ppm_err ppm" ;;
	*) fail guest_clock_rate "tscsync failed: $(val error "$out")" ;;
	esac
	# The host time the guest clock is compared with, for the callers.
	GUEST_RT_MINUS_HOST_NS=$g2
	return 0
}
