# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Helpers of the ptp_pure_cipu suite (busybox ash; sourced as /tests/cipu.sh).
# The emulated device: QEMU's ivshmem-doorbell (1af4:1110) served by
# tests/emu/cipu-emu.c, which run-cipu.sh starts beside the guest; its
# command port is /dev/ttyS2 (vmclockctl, the generic one-line client).
# shellcheck source=../lib.sh
. /tests/lib.sh
# shellcheck source=../../emu/guest-lib.sh
[ -r /usr/share/vmclock-emu/guest-lib.sh ] && . /usr/share/vmclock-emu/guest-lib.sh

NAME=ptp_cipu
DRV=/sys/bus/pci/drivers/ptp_pure_cipu
# emu_bar: the registers are in ivshmem's shared memory; emu_settle_us: the
# emulator sees a write at its next tick (0.5 ms), give it 20 ms.
MODOPTS="emu_bar=2 emu_settle_us=20000"

# need_tools: SKIP the test (exit) unless run by tests/emu/run-cipu.sh.
need_tools() {
	need_cmds tests/emu/run-cipu.sh vmclockctl phc_read ptp_test
	if [ -z "$(pci_dev)" ]; then
		skip "${0##*/}" "no ivshmem device: run tests/emu/run-cipu.sh"
		exit 0
	fi
}

# pci_dev: the ivshmem device's PCI address, or nothing.
pci_dev() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1af4 ] &&
			[ "$(cat "$d/device" 2>/dev/null)" = 0x1110 ] &&
			{ echo "${d##*/}"; return 0; }
	done
	return 1
}

# phc: /dev/ptpN of the clock, or nothing.
phc() {
	d=$(ptp_dir "$NAME") || return 1
	echo "/dev/${d##*/}"
}

# attr NAME: the core's attribute of the clock, or "ERR ...".
attr() {
	d=$(ptp_dir "$NAME") || { echo "ERR no clock $NAME"; return 1; }
	cat "$d/device/$1" 2>/dev/null || echo "ERR $1"
}

# dbg FILE KEY: a value of debugfs ptp_pure/ptpN/cipu/FILE ("KEY: VALUE").
dbg() {
	d=$(ptp_dir "$NAME") || return 1
	sed -n "s/^$2: //p" "/sys/kernel/debug/ptp_pure/${d##*/}/cipu/$1"
}

# load: the modules with the emulation parameters, the device bound by new_id.
load() {
	modprobe ptp_pure_core || return 1
	# shellcheck disable=SC2086
	modprobe ptp_pure_cipu $MODOPTS || return 1
	echo "1af4 1110" >$DRV/new_id 2>/dev/null
	bound
}

unload() {
	rmmod ptp_pure_cipu 2>/dev/null
	rmmod ptp_pure_core 2>/dev/null
	! [ -d /sys/module/ptp_pure_cipu ]
}

# bound: the driver is bound to the device.
bound() { [ -e "/sys/bus/pci/devices/$(pci_dev)/driver" ]; }

# rebind: unbind (if bound) and bind again; false if the probe failed.
rebind() {
	dev=$(pci_dev)
	! bound || echo "$dev" >$DRV/unbind
	echo "$dev" >$DRV/bind 2>/dev/null
	bound
}

# ensure_driver: a clean start whatever an earlier test left behind: the
# emulator's defaults and the driver bound with a clock.
ensure_driver() {
	vmclockctl reset >/dev/null 2>&1
	[ -d /sys/module/ptp_pure_cipu ] || load
	bound || rebind
	wait_until 3000 phc_ok
}

# phc_ok: the clock exists and reads.
phc_ok() { dev=$(phc) && phc_read -n 1 "$dev" >/dev/null 2>&1; }

# status_is S: the core's status attribute is S.
status_is() { [ "$(attr status)" = "$1" ]; }

# read_errno: errno name of a clock_gettime on the clock, or "ok".
read_errno() {
	out=$(phc_read -n 1 "$(phc)" 2>&1)
	e=$(val gettime_error "$out")
	echo "${e:-ok}"
}

# ext_med DEV: PHC - CLOCK_REALTIME (ns) by PTP_SYS_OFFSET_EXTENDED, the
# median of 5 readings (a late tick of the emulator on a busy host leaves
# the time register behind; a stalled vCPU widens a window).
ext_med() {
	i=0
	while [ $i -lt 5 ]; do
		i=$((i + 1))
		val ext_realtime_offset_ns "$(phc_read -n 3 "$1")"
	done | sort -n | sed -n 3p
}

# host_offset NAME: PHC - host CLOCK_REALTIME in ns (H_NS), known to within
# half the round trip (H_RTT_NS) of the emulator's "now" command: phc_read -H
# gives host - guest (best of 8 round trips), PTP_SYS_OFFSET_EXTENDED gives
# PHC - guest (ext_med).
# shellcheck disable=SC2034 # H_RTT_NS is read by the tests
host_offset() {
	H_NS='' H_RTT_NS=''
	dev=$(phc) || { fail "$1" "no clock"; return 1; }
	h=$(phc_read -H /dev/ttyS2)
	p=$(ext_med "$dev")
	hg=$(val host_minus_guest_ns "$h")
	H_RTT_NS=$(val host_rtt_ns "$h")
	if [ -z "$hg" ] || [ -z "$p" ]; then
		fail "$1" "cannot measure: $h"
		return 1
	fi
	H_NS=$((p - hg))
}
