#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the L1 guest of a nested-KVM run (busybox ash, PID 1), installed
# by run.sh --nested-kvm (tools/vm/nested.sh).
#
# L1 runs under TCG with the AMD SVM that QEMU emulates; it loads KVM and
# boots the test guest (L2) with /l2/run-l2.sh, which runs L2's QEMU with
# -accel kvm.  L1's serial ports:
#   ttyS0  L1's own kernel console (the host scans it for splats)
#   ttyS1  L2's kernel console: L2's QEMU writes it
#   ttyS2  L2's results channel: L2's QEMU writes it; L1 writes its own
#          result lines there only before L2 starts or after it ended
# Kernel command line: ptpl1.timeout=SECONDS bounds L2's QEMU (default 120).
# When L1 cannot offer /dev/kvm, the run is one SKIP line with the reason.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

T=120
RES=/dev/ttyS2

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp /run /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm

read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	ptpl1.timeout=*) T=${arg#*=} ;;
	esac
done

# Raw mode on both relays (no \n -> \r\n, no echo); keeping them open keeps
# the setting while L2's QEMU opens and closes them.
exec 4>/dev/ttyS1 5>"$RES"
stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F "$RES" raw -echo 2>/dev/null

say() { echo "$*" >&5; }
log() { echo "ptpl1: $*" >/dev/kmsg 2>/dev/null; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

end() {
	exec 4>&- 5>&-
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

# no_kvm REASON: the suite cannot run here; say so and stop.
no_kvm() {
	log "no KVM: $*"
	say "SKIP nested-kvm: L1 ($(uname -r)) has no usable /dev/kvm: $*"
	say "ptpvm: end-of-run"
	end
}

cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
say "ptpvm: info l1 kernel $(uname -r) clocksource $cs uptime $(uptime_s)"
grep -qw svm /proc/cpuinfo || no_kvm "the CPU has no svm flag"
if ! out=$(modprobe kvm_amd 2>&1); then
	no_kvm "modprobe kvm_amd failed: $(echo "$out" | tr '\n' ' ')" \
		"$(dmesg | grep -iE 'kvm|svm' | tail -n 2 | tr '\n' ' ')"
fi
[ -c /dev/kvm ] || no_kvm "kvm_amd loaded but /dev/kvm is missing:" \
	"$(dmesg | grep -iE 'kvm|svm' | tail -n 2 | tr '\n' ' ')"
say "ptpvm: info l1 kvm_amd nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)" \
	"npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"

log "starting L2 (bound $T s)"
cmd=
if [ -x /l2/l1-cmd ]; then
	# The L2 monitor (FIFO pair, opened read-write by QEMU) and L2's
	# signal file for the suite's L1 command (tools/vm/nested.sh).
	mkfifo /run/l2mon.in /run/l2mon.out
	: >/run/l2-signal
	setsid /l2/l1-cmd </dev/null >/dev/console 2>&1 &
	cmd=$!
fi
t0=$(uptime_s)
# The L2 QEMU's stdout/stderr go to L1's console log; the host's bound on
# L1 is larger than this one, so a hung L2 ends here first.
timeout -s KILL "$T" sh /l2/run-l2.sh </dev/null >/tmp/l2.err 2>&1
rc=$?
t1=$(uptime_s)
[ -z "$cmd" ] || kill -KILL -"$cmd" 2>/dev/null
dt=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
while IFS= read -r line; do log "l2-qemu: $line"; done </tmp/l2.err
log "L2 ended: status $rc after $dt s"
# Result lines of the suite's L1 command (e.g. l1-pauser's count of stops).
[ ! -s /run/l1-results ] || cat /run/l1-results >&5
# Nothing after L2's own end marker may look like a result unless it is one.
if [ "$rc" = 137 ]; then
	say "FAIL nested-kvm/l2: L2 killed after its bound of $T s"
elif [ "$rc" != 0 ]; then
	say "FAIL nested-kvm/l2: L2's QEMU exited with status $rc:" \
		"$(tail -n 2 /tmp/l2.err | tr '\n' ' ')"
fi
say "ptpvm: info l1 l2-status $rc l2-time ${dt}s l1-uptime $(uptime_s)"
end
