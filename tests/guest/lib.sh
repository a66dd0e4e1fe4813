# SPDX-License-Identifier: GPL-2.0
# Helpers for the in-guest tests (busybox ash).  Sourced, not run.
# Builds on the harness's /lib/ptpvm/testlib.sh (pass, fail, skip, kver_ge).
. /lib/ptpvm/testlib.sh

PARAMS=/sys/module/ptp_pure_test/parameters

# ptp_dir NAME: /sys/class/ptp/ptpN of the clock named NAME, or nothing.
ptp_dir() {
	for d in /sys/class/ptp/ptp*; do
		[ "$(cat "$d/clock_name" 2>/dev/null)" = "$1" ] && { echo "$d"; return 0; }
	done
	return 1
}

clocksource() {
	cat /sys/devices/system/clocksource/clocksource0/current_clocksource
}

# settle_clocksource: the kernel starts on tsc-early and switches to tsc
# once the TSC is calibrated (about 2.5 s after boot under TCG); wait for
# that, up to 10 s, so tests see the clocksource they will keep.
settle_clocksource() {
	n=0
	while [ "$(clocksource)" = tsc-early ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}

# run_ptp_test PREFIX [ENV=VALUE...] -- [ptp_test args]: run the C test
# program, prefix its test names with PREFIX/, and turn a silent non-zero
# exit into a FAIL line.
run_ptp_test() {
	prefix=$1
	shift
	envs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs="$envs $1"
		shift
	done
	[ "$1" = -- ] && shift
	# shellcheck disable=SC2086
	out=$(env $envs ptp_test "$@" 2>&1)
	rc=$?
	echo "$out" | awk -v p="$prefix" '
		/^(PASS|FAIL|SKIP) / { sub(/ /, " " p "/"); print; next }
		{ print "  " $0 }'
	if [ $rc -ne 0 ] && ! echo "$out" | grep -q '^FAIL '; then
		fail "$prefix" "ptp_test $* exited with $rc"
	fi
	return $rc
}

# relabel FROM TO CMD...: run a tool that prints PASS/FAIL lines named
# FROM..., and print them named TO... instead.  A tool that exits non-zero
# without a FAIL line, or prints no result at all (e.g. it crashed), fails
# TO: no pipe may hide it.
relabel() {
	from=$1 to=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -E "s,^(PASS|FAIL) $from,\\1 $to,"
	if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL '; then
		fail "$to" "$1 exited with $rc without a FAIL line"
	elif ! printf '%s\n' "$out" | grep -q -E '^(PASS|FAIL) '; then
		fail "$to" "$1 printed no result"
	fi
}

# set_param NAME VALUE: change a test backend parameter at run time.
set_param() {
	echo "$2" >"$PARAMS/$1"
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

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

# phc_off_ns DEV: PHC - CLOCK_REALTIME in ns, from phc_read (narrowest
# PTP_SYS_OFFSET_EXTENDED sample) or, in suites that ship only ptp_xts, its
# PTP_SYS_OFFSET bracket; nothing if the PHC cannot be read.
phc_off_ns() {
	if command -v phc_read >/dev/null; then
		phc_read -n 3 "$1" 2>/dev/null | sed -n 's/^ext_realtime_offset_ns=//p'
	else
		ptp_xts sysoff "$1" 3 2>/dev/null | sed -n 's/^ok .* min=\(-*[0-9]*\) .*/\1/p'
	fi
}

# chrony_lock NAME DEV REFID OPTS: chronyd with "refclock PHC DEV ... refid
# REFID OPTS" and "makestep 1 -1" (plus the chrony.conf lines in
# $CHRONY_EXTRA), the guest clock first put 1.5-3.5 s ahead of the PHC
# (phc_off_ns; the guest's own clock may start seconds off the PHC's) or, for
# a clock that is $CHRONY_PHC_UTC_S seconds ahead of UTC (TAI), of the PHC's
# time less that.
# PASS NAME/selected when within 60 s the PHC is the selected source (#*),
# NAME/tracking when chronyc tracking shows |System time| < 1 ms,
# NAME/makestep when chronyd stepped the clock.  The PHC's offset is shown
# before and after.
chrony_lock() {
	n=$1 dev=$2 refid=$3 opts=$4
	if ! command -v chronyd >/dev/null || ! command -v chronyc >/dev/null; then
		fail "$n" "chronyd/chronyc missing (vm.conf: with-chrony)"
		return 1
	fi
	{
		echo "refclock PHC $dev poll 0 dpoll -2 refid $refid $opts"
		echo "makestep 1 -1"
		[ -z "${CHRONY_EXTRA-}" ] || echo "$CHRONY_EXTRA"
	} >/tmp/chrony.conf
	sed 's/^/  chrony.conf: /' /tmp/chrony.conf

	# The guest clock 1.5-3.5 s ahead of the PHC: chronyd has to step it.
	raw=$(phc_off_ns "$dev")
	case $raw in
	'' | *[!0-9-]*)
		fail "$n" "cannot read $dev against CLOCK_REALTIME"
		return 1
		;;
	esac
	off=$((raw - ${CHRONY_PHC_UTC_S:-0} * 1000000000))
	if [ "$off" -ge 0 ]; then
		off_s=$(((off + 500000000) / 1000000000))
	else
		off_s=$((-((500000000 - off) / 1000000000)))
	fi
	date -s "@$(($(date +%s) + off_s + 3))" >/dev/null
	echo "  PHC - CLOCK_REALTIME: $raw ns, then $(phc_off_ns "$dev") ns"

	chronyd -d -u _chrony -f /tmp/chrony.conf >/tmp/chronyd.log 2>&1 &
	cpid=$!
	t0=$(now_ms)
	ok=0 sel=0 src='' trk=''
	while [ $(($(now_ms) - t0)) -lt 60000 ]; do
		sleep 1
		kill -0 $cpid 2>/dev/null || break
		src=$(chronyc -n sources 2>&1)
		trk=$(chronyc -n tracking 2>&1)
		printf '%s\n' "$src" | grep -q "^#\* *$refid" || continue
		[ $sel = 1 ] || echo "  PHC selected after $(($(now_ms) - t0)) ms"
		sel=1
		st=$(printf '%s\n' "$trk" | awk '/^System time/ { print $4 }')
		if [ -n "$st" ] && awk -v s="$st" 'BEGIN { exit !(s < 0.001) }'; then
			ok=1
			break
		fi
	done
	dt=$(($(now_ms) - t0))
	printf '%s\n' "$src" | sed 's/^/  sources: /'
	printf '%s\n' "$trk" | sed 's/^/  tracking: /'
	chronyc -n sourcestats 2>&1 | sed 's/^/  sourcestats: /'
	if [ $sel = 1 ]; then
		pass "$n/selected"
	else
		fail "$n/selected" "the PHC is not the selected source (#*) after $dt ms"
	fi
	if [ $ok = 1 ]; then
		echo "  |System time| < 1 ms after $dt ms"
		pass "$n/tracking"
	else
		fail "$n/tracking" "System time not within 1 ms after $dt ms"
	fi
	kill $cpid 2>/dev/null
	wait $cpid 2>/dev/null
	sed 's/^/  chronyd: /' /tmp/chronyd.log
	if grep -q 'System clock wrong by' /tmp/chronyd.log; then
		pass "$n/makestep"
	else
		fail "$n/makestep" "chronyd did not step the clock (1.5-3.5 s off)"
	fi
	echo "  PHC - CLOCK_REALTIME after chronyd: $(phc_off_ns "$dev") ns"
}
