#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the vmclock emulator validation suite (tests/vm/vmclock-intree) on 7.x.
#
# Usage: tests/emu/run-intree.sh [options] [run.sh options...]
#   --hid-only        declare the device with _HID "VMCLOCK" only
#   --emu-arg ARG     extra vmclock-emu argument (e.g. --scenario=tai); repeatable
#   --tests DIR       another suite that expects the same setup
# Builds the emulator, the guest tools and the SSDTs (build.sh) into
# ${PTP_PURE_CACHE:-/var/cache/ptp-pure}/emu, then runs tools/vm/run.sh with
# the suite's vm.conf plus what needs the build or a unique path: the guest
# tools (--overlay), the SSDT (-acpitable), guest RAM in a file in /dev/shm,
# QEMU paused (-S) with a QMP socket, and vmclock-emu as the --host-cmd (it
# starts the guest; its log ends up in the run's log).
set -euo pipefail

EMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$EMU_DIR/../.." && pwd)
CACHE=${PTP_PURE_CACHE:-/var/cache/ptp-pure}
ADDR=0x10000000		# must match "append memmap=4K$..." in the suite's vm.conf
MEM_MB=512		# must match "mem" in the suite's vm.conf
AML=vmclock.aml
TESTS=$REPO_DIR/tests/vm/vmclock-intree
EMU_ARGS=() PASS=()

while (($#)); do
	case $1 in
	--hid-only) AML=vmclock-hid.aml; shift ;;
	--emu-arg) EMU_ARGS+=("$2"); shift 2 ;;
	--tests) TESTS=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) PASS+=("$1"); shift ;;
	esac
done

mkdir -p "$CACHE/emu"
OUT=$(flock "$CACHE/emu/.lock" "$EMU_DIR/build.sh" -o "$CACHE/emu" --addr "$ADDR")

# Guest RAM in tmpfs: a disk-backed file doubles the boot time under TCG.
# QEMU grows the empty file; vmclock-emu unlinks it once both have mapped it.
RAM=$(mktemp /dev/shm/ptp-pure-vmclock-ram.XXXXXX)
trap 'rm -f "$RAM"' EXIT

emu="exec $(printf '%q' "$OUT/vmclock-emu") --mem $RAM --unlink-mem --addr $ADDR"
emu+=" --control @RUNDIR@/vmclockctl.sock --qmp @RUNDIR@/qmp.sock"
for a in "${EMU_ARGS[@]}"; do emu+=" $(printf '%q' "$a")"; done

"$REPO_DIR/tools/vm/run.sh" --series 7 --tests "$TESTS" --mem "$MEM_MB" \
	--overlay "$OUT/overlay" \
	--qemu-arg -object \
	--qemu-arg "memory-backend-file,id=guestram,size=${MEM_MB}M,mem-path=$RAM,share=on" \
	--qemu-arg -machine --qemu-arg memory-backend=guestram \
	--qemu-arg -acpitable --qemu-arg "file=$OUT/$AML" \
	--qemu-arg -S --qemu-arg -qmp --qemu-arg "unix:@RUNDIR@/qmp.sock,server=on,wait=off" \
	--host-cmd "$emu" "${PASS[@]}"
