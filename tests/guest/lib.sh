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
