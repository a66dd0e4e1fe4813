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
