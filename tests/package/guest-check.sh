#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside a booted package-test image (pkgtest.service, after chronyd):
# checks what a user of the installed ptp-pure-dkms package gets, without any
# manual step, and writes PASS/FAIL/SKIP lines to the second serial port
# (/dev/ttyS1: a getty on ttyS0 would interleave), then powers off.
#   guest-check.sh VERSION
ver=${1:?usage: guest-check.sh VERSION}
out=/dev/ttyS1
krel=$(uname -r)
exec 3>"$out" || exit 1
say() { echo "$*" >&3; echo "pkgtest: $*" >/dev/kmsg 2>/dev/null; }
pass() { say "PASS $1"; }
fail() { say "FAIL $1: $2"; }
skip() { say "SKIP $1: $2"; }
log() { while IFS= read -r l; do say "# $l"; done; }

say "BEGIN $krel"
# Boot may reach this unit while udev still loads modules (coldplug): wait
# for udev, then up to 60 s for a driver on the device.
udevadm settle -t 60 2>/dev/null
i=0
while [ $i -lt 60 ] && ! [ -e /sys/bus/platform/devices/AMZNC10C:00/driver ]; do
	sleep 1
	i=$((i + 1))
done
say "# waited $i s for a driver on AMZNC10C:00"

# The vmclock device (ACPI AMZNC10C, declared by the test SSDT) and its driver.
dev=''
for d in /sys/bus/platform/devices/AMZNC10C:*; do
	[ -e "$d" ] && dev=$d && break
done
if [ -z "$dev" ]; then
	fail device "no AMZNC10C platform device"
else
	drv=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
	if [ "$drv" = ptp_pure_vmclock ]; then
		pass driver-bound
	else
		fail driver-bound "$dev is bound to '${drv:-nothing}', not ptp_pure_vmclock"
	fi
fi
# One driver per device: the in-tree ptp_vmclock (6.13+) stays unloaded.
if modinfo -n ptp_vmclock >/dev/null 2>&1; then
	if grep -q '^ptp_vmclock ' /proc/modules; then
		fail intree-not-loaded "the in-tree ptp_vmclock is loaded"
	else
		pass intree-not-loaded
	fi
else
	skip intree-not-loaded "kernel $krel has no in-tree ptp_vmclock"
fi
v=$(cat /sys/module/ptp_pure_vmclock/version 2>/dev/null)
if [ "$v" = "$ver" ]; then pass module-version; else fail module-version "ptp_pure_vmclock version '$v', package $ver"; fi
case $(modinfo -n ptp_pure_vmclock 2>/dev/null) in
*/updates/dkms/*) pass module-from-dkms ;;
*) fail module-from-dkms "ptp_pure_vmclock is $(modinfo -n ptp_pure_vmclock 2>&1)" ;;
esac

# The stable name, and that a change event (the driver sends one on a
# disruption) keeps it.
udevadm settle -t 30 2>/dev/null
link=$(readlink /dev/ptp_vmclock 2>/dev/null)
if [ -n "$link" ] && [ -c /dev/ptp_vmclock ]; then
	name=$(cat "/sys/class/ptp/${link##*/}/clock_name" 2>/dev/null)
	if [ "$name" = vmclock0 ]; then
		pass stable-name
	else
		fail stable-name "/dev/ptp_vmclock -> $link, clock_name '$name'"
	fi
	udevadm trigger --action=change "/sys/class/ptp/${link##*/}"
	udevadm settle -t 30
	if [ -c /dev/ptp_vmclock ]; then pass stable-name-change-event; else fail stable-name-change-event "/dev/ptp_vmclock gone after a change event"; fi
else
	fail stable-name "no /dev/ptp_vmclock ($(echo /dev/ptp*))"
fi

# chronyd, with the package's drop-in only (the image's chrony.conf is
# Debian's), selects the PHC: "#*" on refid VMCK within 90 s.
if [ -L /run/ptp-pure/chrony/ptp_vmclock.conf ]; then pass chrony-config-linked; else fail chrony-config-linked "no /run/ptp-pure/chrony/ptp_vmclock.conf"; fi
i=0 ok=0
while [ $i -lt 90 ]; do
	if chronyc -n sources 2>/dev/null | grep -q '^#\* VMCK'; then ok=1; break; fi
	sleep 1
	i=$((i + 1))
done
chronyc -n sources 2>&1 | log
if [ $ok = 1 ]; then
	pass "chrony-selected (after ${i} s)"
else
	fail chrony-selected "no '#* VMCK' in chronyc sources after 90 s"
	journalctl -b -u chrony --no-pager 2>&1 | tail -n 15 | log
fi

# ptp-pure lists the clock under its stable name with the chrony line for it.
out=$(ptp-pure 2>&1)
printf '%s\n' "$out" | log
if printf '%s\n' "$out" | grep -q '^/dev/ptp_vmclock (/dev/ptp[0-9]*, vmclock0)$' &&
	printf '%s\n' "$out" | grep -q '^  backend: *ptp_pure_vmclock$' &&
	printf '%s\n' "$out" | grep -q '^  chrony: *refclock PHC /dev/ptp_vmclock poll 0 dpoll -2$'; then
	pass ptp-pure-tool
else
	fail ptp-pure-tool "the clock, its backend or its chrony line missing in: $(printf '%s' "$out" | tr '\n' '|')"
fi

st=$(dkms status -m ptp-pure -v "$ver" -k "$krel" 2>/dev/null)
echo "$st" | log
case $st in
*": installed"*) pass dkms-status ;;
*) fail dkms-status "dkms status -k $krel: '$st'" ;;
esac

# The kvm backend is loaded at boot (modules-load.d) and, in a guest that
# is not a KVM guest, refuses with one log line: harmless, no failed unit.
if systemctl is-failed --quiet systemd-modules-load.service; then
	fail kvm-harmless "systemd-modules-load.service failed: $(systemctl status systemd-modules-load.service 2>&1 | tail -n 3 | tr '\n' ' ')"
elif grep -q '^ptp_pure_kvm ' /proc/modules; then
	fail kvm-harmless "ptp_pure_kvm loaded in a guest without KVM"
elif dmesg | grep -q 'ptp_pure_kvm: not loaded: not a KVM guest'; then
	pass kvm-harmless
else
	fail kvm-harmless "no 'ptp_pure_kvm: not loaded' line: $(dmesg | grep ptp_pure_kvm | head -n 2 | tr '\n' ' ')"
fi

# kernel_log NAME: nothing alarming in the kernel log (all of it).
kernel_log() {
	bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection|Kernel panic|refcount_t:|list_(add|del) corruption' | head -n 3)
	if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$(echo "$bad" | head -n 1)"; fi
}
kernel_log kernel-log
dmesg | grep -iE 'vmclock|ptp' | tail -n 8 | log

# The live path of the README: the package configured on a running machine
# whose device another driver has (the in-tree one where the kernel has it).
# The postinst's last step, ptp-pure-activate, must switch the device to
# ptp_pure_vmclock, and udev and chronyd follow with no other step.  (The
# whole postinst would rebuild for the running kernel first: minutes under
# TCG.  That it calls ptp-pure-activate is checked on the host.)
modprobe -r ptp_pure_vmclock ptp_pure_core 2>&1 | log
udevadm settle -t 30
# The clock went: its refclock is no longer offered to chronyd.
if [ -e /run/ptp-pure/chrony/ptp_vmclock.conf ] || [ -e /dev/ptp_vmclock ]; then
	fail clock-removed-unlinked "after rmmod: $(find /run/ptp-pure/chrony/ /dev/ptp_vmclock 2>/dev/null | tr '\n' ' ')"
else
	pass clock-removed-unlinked
fi
other=none
if modinfo -n ptp_vmclock >/dev/null 2>&1 && modprobe ptp_vmclock 2>/dev/null; then
	udevadm settle -t 30
	other=$(basename "$(readlink /sys/bus/platform/devices/AMZNC10C:00/driver 2>/dev/null)" 2>/dev/null)
fi
say "# before ptp-pure-activate: device driver ${other:-none}"
t_before=$(awk '{printf "%d", $1 * 1000000}' /proc/uptime)
/usr/lib/ptp-pure/ptp-pure-activate 2>&1 | log
udevadm settle -t 30
drv=$(basename "$(readlink /sys/bus/platform/devices/AMZNC10C:00/driver 2>/dev/null)" 2>/dev/null)
if [ "$drv" = ptp_pure_vmclock ]; then
	pass "live-activate/driver-bound (was ${other:-none})"
else
	fail live-activate/driver-bound "after ptp-pure-activate the device has '${drv:-nothing}' (before: $other)"
fi
i=0 ok=0
while [ $i -lt 60 ]; do
	if chronyc -n sources 2>/dev/null | grep -q '^#\* VMCK'; then
		ok=1
		break
	fi
	sleep 1
	i=$((i + 1))
done
chronyc -n sources 2>&1 | log
# chronyd must have been restarted after the switch (else "#*" could be the
# old clock's, on a descriptor that now fails).
t_start=$(systemctl show chrony.service -p ExecMainStartTimestampMonotonic --value)
if [ "${t_start:-0}" -le "$t_before" ]; then
	fail live-activate/chrony-restarted "chronyd started at ${t_start:-?} us, ptp-pure-activate ran at $t_before us"
else
	pass live-activate/chrony-restarted
fi
if [ $ok = 1 ]; then
	pass "live-activate/chrony-selected (after ${i} s)"
else
	fail live-activate/chrony-selected "no '#* VMCK' in chronyc sources 60 s after ptp-pure-activate"
fi

# The live half unloaded and switched drivers: the log once more.
kernel_log live-activate/kernel-log

say "END"
exec 3>&-
systemctl poweroff --no-block
