# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Helpers of the realtime suite (busybox ash; sourced as /tests/realtime.sh)
# on top of the vmclock suite's (/tests/vmclock.sh).
# shellcheck source=../vmclock/vmclock.sh
. /tests/vmclock.sh

# Where the guest clock is put before each test: 2019, as the RTC said.
OLD_TIME=1559347200
# The bound for "CLOCK_REALTIME is the emulated host time".
RT_TOL_NS=1000000
DBG=/sys/kernel/debug/ptp_pure/realtime

# rt_off: CLOCK_REALTIME minus host time (ns, tscsync at the same TSC) in
# RT_OFF_NS; FAIL NAME and return 1 when it cannot be measured.
rt_off() {
	RT_OFF_NS='' RT_ERR_NS='' RT_MOVED=''
	out=$(tscsync -m measure -n 16) || out=$(tscsync -m measure -n 16)
	RT_OFF_NS=$(kv guest_rt_minus_host_ns "$out") RT_ERR_NS=$(kv guest_rt_err_ns "$out")
	# For a failure's message: the page described another counter.
	[ "$(kv consistent "$out")" != 0 ] ||
		RT_MOVED=" (the guest TSC moved by $(kv diff_ns "$out") ns against the offset the page uses)"
	[ -n "$RT_OFF_NS" ] && return 0
	fail "$1" "tscsync failed: $(val error "$out")"
	return 1
}

# rt_load NAME CORE_PARAMS...: unload both modules, put the guest clock back
# to 2019, load the core with CORE_PARAMS and then the vmclock backend.
rt_load() { rt_load_core "$@" && rt_load_backend "$1"; }

# rt_load_core NAME CORE_PARAMS...: rt_load up to the core.
rt_load_core() {
	n=$1
	shift
	rmmod ptp_pure_vmclock 2>/dev/null
	rmmod ptp_pure_core 2>/dev/null
	adjtimex -f 0 >/dev/null 2>&1
	# The step the core makes must come from a page that describes the
	# guest's TSC as it is.
	follow_tsc
	date -s "@$OLD_TIME" >/dev/null
	dmesg -c >/dev/null
	if ! msg=$(modprobe ptp_pure_core "$@" 2>&1); then
		fail "$n/modprobe" "ptp_pure_core $*: $msg"
		return 1
	fi
}

# rt_load_backend NAME: the rest of rt_load.
rt_load_backend() {
	if ! msg=$(modprobe ptp_pure_vmclock 2>&1); then
		fail "$1/modprobe" "ptp_pure_vmclock: $msg"
		return 1
	fi
}

# stepped_in MS: the core logged a step within MS ms.
stepped_in() { wait_until "$1" sh -c 'dmesg | grep -q "CLOCK_REALTIME stepped by"'; }

# log_has NAME ERE: PASS NAME when the kernel log has a line matching ERE.
log_has() {
	if dmesg | grep -q -E "$2"; then
		pass "$1"
	else
		fail "$1" "no kernel log line matching '$2'"
	fi
}

# years_off NAME: PASS NAME when CLOCK_REALTIME is still years off.
years_off() {
	rt_off "$1" || return 1
	if [ "$RT_OFF_NS" -lt -100000000000000000 ]; then
		pass "$1"
	else
		fail "$1" "CLOCK_REALTIME - host = $RT_OFF_NS ns: it was set"
	fi
}

# on_time NAME [STEP_NS]: PASS NAME when CLOCK_REALTIME is the emulated
# time (the host's, plus STEP_NS the emulator was told to step) within
# RT_TOL_NS (the promise), however far the measurement (RT_ERR_NS) leaves
# it open; FAIL when it is surely outside; measured again (at most three
# times) while the measurement does not settle it.
on_time() {
	for try in 1 2 3; do
		rt_off "$1" || return 1
		d=$(abs $((RT_OFF_NS - ${2:-0})))
		echo "  CLOCK_REALTIME - host = $RT_OFF_NS ns +-$RT_ERR_NS (emulated time: host + ${2:-0} ns)"
		[ $((d + RT_ERR_NS)) -gt $RT_TOL_NS ] || { pass "$1"; return 0; }
		[ $((d - RT_ERR_NS)) -le $RT_TOL_NS ] || break
	done
	fail "$1" "CLOCK_REALTIME - host = $RT_OFF_NS ns +-$RT_ERR_NS, want ${2:-0} within $RT_TOL_NS ns$RT_MOVED"
}

# offset_agrees NAME CMD...: CMD prints the clock's UTC minus CLOCK_REALTIME
# (ns); PASS NAME when it lies between two tscsync measurements (host minus
# CLOCK_REALTIME) taken just before and after, within RT_TOL_NS: the guest
# clock may run up to 1000 ppm off the host's, so one measurement taken a
# second apart would not do.
offset_agrees() {
	n=$1
	shift
	rt_off "$n" || return 1
	a=$((-RT_OFF_NS))
	v=$("$@")
	rt_off "$n" || return 1
	b=$((-RT_OFF_NS))
	lo=$a hi=$b
	[ "$a" -le "$b" ] || { lo=$b hi=$a; }
	echo "  $n: $v ns, measured $a .. $b ns"
	if [ -n "$v" ] && [ "$v" -ge $((lo - RT_TOL_NS)) ] && [ "$v" -le $((hi + RT_TOL_NS)) ]; then
		pass "$n"
	else
		fail "$n" "$v ns, measured $a .. $b ns (tolerance $RT_TOL_NS ns)"
	fi
}

# phc_off NAME: the PHC minus CLOCK_REALTIME through PTP_SYS_OFFSET_EXTENDED
# (phc_read) in PHC_OFF_NS, its bracket's width in PHC_WIDTH_NS; FAIL NAME
# and return 1 when it cannot be read.
phc_off() {
	out=$(phc_read -n 5 "$(phc)")
	PHC_OFF_NS=$(kv ext_realtime_offset_ns "$out")
	PHC_WIDTH_NS=$(kv ext_realtime_width_ns "$out")
	[ -n "$PHC_OFF_NS" ] && return 0
	fail "$1" "phc_read: $(printf '%s\n' "$out" | grep error | tr '\n' ' ')"
	return 1
}

# show_log: the core's lines about CLOCK_REALTIME.
show_log() { dmesg | grep -E 'realtime|CLOCK_REALTIME' | sed 's/^/  dmesg: /'; }
