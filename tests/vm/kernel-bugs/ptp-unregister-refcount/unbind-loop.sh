# SPDX-License-Identifier: GPL-2.0
# Sourced by the reproducers here: unbind and rebind the in-tree
# ptp_vmclock up to $1 times, for at most $2 seconds, while three readers
# open its PHC, clock_gettime() it and close it.  Sets CYCLES (cycles
# made) and HIT (1 when the kernel logged the refcount underflow, which
# ends the loop).
unbind_loop() {
	D=/sys/bus/platform/drivers/vmclock
	rm -f /tmp/stop
	modprobe ptp_vmclock || { fail repro/setup "modprobe ptp_vmclock"; exit 0; }
	dev=
	for d in "$D"/AMZNC10C:* "$D"/VMCLOCK:*; do
		[ -e "$d" ] && { dev=${d##*/}; break; }
	done
	[ -n "$dev" ] || { fail repro/setup "ptp_vmclock bound to nothing"; exit 0; }
	name=$(cat /sys/class/ptp/ptp*/clock_name | head -n 1)
	for _ in 1 2 3; do
		(
			while [ ! -e /tmp/stop ]; do
				PTP_NAME=$name ptp_test read 0 >/dev/null 2>&1
			done
		) &
	done
	CYCLES=0 HIT=0
	end=$(($(date +%s) + $2))
	while [ $CYCLES -lt "$1" ] && [ "$(date +%s)" -lt $end ]; do
		echo "$dev" >"$D/unbind"
		echo "$dev" >"$D/bind"
		CYCLES=$((CYCLES + 1))
		if dmesg | grep -q 'refcount_t: underflow'; then
			HIT=1
			break
		fi
	done
	touch /tmp/stop
	wait
}
