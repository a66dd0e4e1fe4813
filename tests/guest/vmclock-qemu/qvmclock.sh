# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Helpers of the suite for QEMU's own vmclock device (busybox ash; sourced
# as /tests/qvmclock.sh).  Guest tools: vmclock_dev, lib.sh (/tests/lib.sh).
# shellcheck source=../lib.sh
. /tests/lib.sh

# shellcheck disable=SC2034 # used by the tests
DRV=/sys/bus/platform/drivers/ptp_pure_vmclock
DEV=/dev/vmclock0

# acpi_dev: name of QEMU's device (AMZNC10C:00), also its platform name.
acpi_dev() {
	for d in /sys/bus/acpi/devices/AMZNC10C:*; do
		[ -e "$d" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# pdev: sysfs directory of the platform device.
pdev() { echo "/sys/bus/platform/devices/$(acpi_dev)"; }

# need_device: FAIL the test (exit) unless QEMU declared the device; the
# suite's vm.conf always gives -device vmclock.
need_device() {
	command -v vmclock_dev >/dev/null 2>&1 ||
		{ fail "${0##*/}" "guest tool vmclock_dev missing (make guest-tools)"; exit 0; }
	acpi_dev >/dev/null ||
		{ fail "${0##*/}" "no AMZNC10C ACPI device: QEMU was not given -device vmclock"; exit 0; }
}

# bound_to: the driver bound to the platform device, or nothing.
bound_to() {
	d=$(readlink "$(pdev)/driver") || return 1
	echo "${d##*/}"
}

# module_driver MODULE: the platform driver MODULE registered, or nothing.
module_driver() {
	for d in /sys/module/"$1"/drivers/platform:*; do
		[ -e "$d" ] && { echo "${d##*/platform:}"; return 0; }
	done
	return 1
}

# ptp_clocks: the PTP clocks of the guest, one "ptpN clock_name" a line.
ptp_clocks() {
	for d in /sys/class/ptp/ptp*; do
		[ -e "$d" ] && echo "${d##*/} $(cat "$d/clock_name" 2>/dev/null)"
	done
}

# phc_of_device: PTP clocks whose parent is the vmclock platform device.
phc_of_device() {
	for d in /sys/class/ptp/ptp*; do
		[ -e "$d" ] || continue
		p=$(readlink -f "$d/device" 2>/dev/null)
		[ "$p" = "$(readlink -f "$(pdev)")" ] && echo "${d##*/}"
	done
	return 0
}

# unload_ours: our modules out, whatever an earlier test left behind.
unload_ours() {
	rmmod ptp_pure_vmclock 2>/dev/null
	rmmod ptp_pure_core 2>/dev/null
	! grep -q '^ptp_pure_' /proc/modules
}

# field NAME / mfield NAME: a field of the page through read() / mmap().
field() { vmclock_dev $DEV field "$1"; }
mfield() { vmclock_dev $DEV mfield "$1"; }

# raw_u64 OFFSET: the little-endian 64-bit word at OFFSET of what read()
# returns, decoded by od (independent of vmclock_dev and the ABI header).
raw_u64() { od -A n -t u8 -j "$1" -N 8 $DEV | tr -d ' '; }

# iomem_range NAME: "start end" (hex, as /proc/iomem prints) of NAME's region.
iomem_range() {
	sed -n "s/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : $1\$/\1 \2/p" /proc/iomem | head -n 1
}
