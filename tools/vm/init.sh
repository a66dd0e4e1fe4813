#!/bin/sh
# /init of the ptp-pure test guest (busybox ash, PID 1). Installed by mkinitramfs.sh.
#
# Kernel command line parameters (dotted names are not passed to init by the kernel,
# so they are read from /proc/cmdline):
#   ptpvm.mode=test|shell|probe  run /tests (default) | interactive shell | print marker only
#   ptpvm.out=DEV                results channel (default /dev/console)
#   ptpvm.tt=SECONDS             per-test time bound (default 60)
#   ptpvm.load=0                 do not load the modules listed in /etc/ptpvm/load
# Protocol lines on the results channel are documented in tools/vm/README.md.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

MODE=test OUT=/dev/console TT=60 LOAD=1
NPASS=0 NFAIL=0 NSKIP=0

mount_fs() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mkdir -p /dev/pts /dev/shm /tmp /run
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	mount -t configfs configfs /sys/kernel/config 2>/dev/null
	# chronyd insists on private state directories owned by its user.
	mkdir -p /var/lib/chrony /run/chrony
	chown 100:101 /var/lib/chrony /run/chrony
	chmod 0750 /var/lib/chrony /run/chrony
	ln -sf /proc/self/fd /dev/fd 2>/dev/null
}

parse_cmdline() {
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case $arg in
		ptpvm.mode=*) MODE=${arg#*=} ;;
		ptpvm.out=*) OUT=${arg#*=} ;;
		ptpvm.tt=*) TT=${arg#*=} ;;
		ptpvm.load=*) LOAD=${arg#*=} ;;
		esac
	done
}

# say LINE...: one line on the results channel (fd 3).
say() { echo "$*" >&3; }

# Attribute kernel messages (oopses) to the test running at that time.
kmsg() { echo "ptpvm: $*" >/dev/kmsg 2>/dev/null; }

uptime_s() { cut -d' ' -f1 /proc/uptime; }

info() {
	cs=/sys/devices/system/clocksource/clocksource0
	say "$MARK info kernel $(uname -r) $(uname -m)"
	say "$MARK info cmdline $(cat /proc/cmdline)"
	say "$MARK info clocksource current=$(cat $cs/current_clocksource 2>/dev/null)" \
		"available=$(cat $cs/available_clocksource 2>/dev/null)"
	flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E 'tsc|hypervisor' | tr '\n' ' ')
	say "$MARK info cpuflags $flags"
	say "$MARK info uptime $(uptime_s)"
}

# The kernel's posix_clock_register() race (Documentation/upstream/): where
# the test modules include its live patch (kernels with CONFIG_LIVEPATCH),
# apply it before any test, so that a refcount underflow in the PTP core
# can only be ours.  It needs the address of a static symbol; the module
# checks it.
load_klp_posix_clock() {
	[ -e "/lib/modules/$(uname -r)/extra/klp_posix_clock.ko" ] || return 0
	fops=$(awk '$3 == "posix_clock_file_operations" { print $1; exit }' /proc/kallsyms)
	if msg=$(modprobe klp_posix_clock fops=0x"$fops" 2>&1); then
		say "$MARK loaded klp_posix_clock (live patch of posix_clock_register)"
	else
		say "FAIL load/klp_posix_clock: modprobe failed: $(echo "$msg" | tr '\n' ' ')"
		NFAIL=$((NFAIL + 1))
	fi
}

# Load our modules (and, through modules.dep, their in-tree dependencies).
load_modules() {
	[ "$LOAD" = 1 ] && [ -s /etc/ptpvm/load ] || return 0
	while read -r mod; do
		[ -n "$mod" ] || continue
		if msg=$(modprobe "$mod" 2>&1); then
			say "$MARK loaded $mod"
		else
			say "FAIL load/$mod: modprobe failed: $(echo "$msg" | tr '\n' ' ')"
			NFAIL=$((NFAIL + 1))
		fi
	done </etc/ptpvm/load
}

# count_results FILE: sets P F S to the number of PASS/FAIL/SKIP lines.
count_results() {
	P=$(grep -c '^PASS ' "$1")
	F=$(grep -c '^FAIL ' "$1")
	S=$(grep -c '^SKIP ' "$1")
}

# user_pids: pids of user-space processes (kernel threads have no exe).
# Runs in the current shell: a subshell would list (and kill) itself.
user_pids() {
	PIDS=' '
	for d in /proc/[0-9]*; do
		[ -e "$d/exe" ] && PIDS="$PIDS${d#/proc/} "
	done
}

# kill_leftovers: kill what a test left behind outside its process group
# (daemons that call setsid themselves, e.g. chronyd without -d).
kill_leftovers() {
	before=$BEFORE
	user_pids
	for p in $PIDS; do
		case $before in *" $p "*) continue ;; esac
		[ "$p" = $$ ] && continue
		comm=$(cat "/proc/$p/comm" 2>/dev/null)
		if kill -KILL "$p" 2>/dev/null; then
			say "$MARK killed leftover process $p ($comm)"
		fi
	done
}

# run_test PATH: run one test in its own session, bounded by $TT seconds, stream
# its output, and synthesize a FAIL when it failed silently or timed out.
# Everything left in the test's process group (daemons, sleeps) is killed after
# it, so a test cannot block the run or leak into the next test.
run_test() {
	t=$1 name=${1##*/}
	work=/tmp/work/$name out=/tmp/out/$name
	mkdir -p "$work" /tmp/out
	rm -f /tmp/out/fifo /tmp/out/timedout
	mkfifo /tmp/out/fifo
	say "$MARK begin $name"
	kmsg "begin $name"
	t0=$(uptime_s)
	tee "$out" </tmp/out/fifo >&3 &
	teepid=$!
	user_pids
	BEFORE=$PIDS
	# Not a group leader here, so busybox setsid calls setsid() and execs in
	# place: $pid is the test itself and also its process group id.
	(cd "$work" && exec setsid "$t" </dev/null >/tmp/out/fifo 2>&1 3>&-) &
	pid=$!
	# The watchdog gets its own group too, so that it dies with its sleep.
	# shellcheck disable=SC2016 # $1/$2 are expanded by the watchdog shell
	setsid sh -c 'sleep "$1"; touch /tmp/out/timedout; kill -TERM -"$2"
		sleep 5; kill -KILL -"$2"' watchdog "$TT" "$pid" 2>/dev/null 3>&- &
	wd=$!
	wait "$pid"
	rc=$?
	kill -KILL -"$wd" 2>/dev/null
	kill -KILL -"$pid" 2>/dev/null
	kill_leftovers
	# tee ends once every writer of the fifo is gone.
	wait "$teepid"
	t1=$(uptime_s)
	dt=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
	count_results "$out"
	if [ -e /tmp/out/timedout ]; then
		say "FAIL $name: timed out after $TT s (exit status $rc)"
		F=$((F + 1))
	elif [ "$rc" != 0 ] && [ "$F" = 0 ]; then
		say "FAIL $name: exited with status $rc without a FAIL line"
		F=$((F + 1))
	elif [ $((P + F + S)) = 0 ]; then
		say "FAIL $name: printed no PASS/FAIL/SKIP line"
		F=1
	fi
	NPASS=$((NPASS + P)) NFAIL=$((NFAIL + F)) NSKIP=$((NSKIP + S))
	kmsg "end $name rc=$rc"
	say "$MARK end $name rc=$rc time=${dt}s"
}

run_tests() {
	export PTPVM_KREL PTPVM_MODDIR PTPVM_TT
	PTPVM_KREL=$(uname -r)
	PTPVM_MODDIR=/lib/modules/$PTPVM_KREL/extra
	PTPVM_TT=$TT
	for t in /tests/*; do
		case ${t##*/} in
		[0-9][0-9]-*) ;;
		*) continue ;;
		esac
		case $t in *.conf | *.txt | *.md) continue ;; esac
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
		run_test "$t"
	done
}

finish() {
	say "$MARK dmesg-begin"
	dmesg >&3
	say "$MARK dmesg-end"
	say "$MARK summary pass=$NPASS fail=$NFAIL skip=$NSKIP uptime=$(uptime_s)"
	say "$MARK end-of-run"
	# Closing a serial (8250) channel waits until it has drained. The s390x
	# SCLP VT220 tty does not wait but emits its last buffer within 50 ms.
	exec 3>&-
	case $OUT in /dev/ttyS[0-9]*) ;; *) sleep 0.2 ;; esac
	sync
	poweroff -f
}

MARK=ptpvm:
mount_fs
parse_cmdline
# A results channel on a virtio console (arm64 guests) needs its modules.
if [ ! -c "$OUT" ] && [ "$OUT" != /dev/console ]; then
	modprobe -q virtio_mmio 2>/dev/null
	modprobe -q virtio_console 2>/dev/null
	n=0
	while [ ! -c "$OUT" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
fi
[ -c "$OUT" ] || OUT=/dev/console
# A dedicated results channel in raw mode: no \n -> \r\n translation.
[ "$OUT" = /dev/console ] || stty -F "$OUT" raw -echo 2>/dev/null
exec 3>"$OUT"

case $MODE in
probe)
	say "$MARK probe-ok $(uname -r)"
	poweroff -f
	;;
shell)
	info
	load_klp_posix_clock
	load_modules
	echo "ptpvm: interactive shell; tests are in /tests, our modules in" \
		"/lib/modules/$(uname -r)/extra; 'poweroff -f' or exit to quit."
	setsid cttyhack sh -l
	poweroff -f
	;;
*)
	sysctl -qw kernel.hung_task_timeout_secs=30 2>/dev/null
	info
	load_klp_posix_clock
	load_modules
	run_tests
	finish
	;;
esac
# not reached unless poweroff failed
sleep 5
echo o >/proc/sysrq-trigger
