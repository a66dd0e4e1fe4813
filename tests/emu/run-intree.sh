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
# the suite's vm.conf plus what needs the build: the guest tools (--overlay),
# the SSDT (-acpitable), QEMU paused (-S) with a QMP socket, and vmclock-emu
# as the --host-cmd (it starts the guest; its log is in the run's log).
set -euo pipefail

EMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$EMU_DIR/../.." && pwd)
CACHE=${PTP_PURE_CACHE:-/var/cache/ptp-pure}
ADDR=0x10000000		# must match "append memmap=4K$..." in the suite's vm.conf
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

emu="exec $(printf '%q' "$OUT/vmclock-emu") --mem @RUNDIR@/guest-ram --addr $ADDR"
emu+=" --control @RUNDIR@/vmclockctl.sock --qmp @RUNDIR@/qmp.sock"
for a in "${EMU_ARGS[@]}"; do emu+=" $(printf '%q' "$a")"; done

exec "$REPO_DIR/tools/vm/run.sh" --series 7 --tests "$TESTS" \
	--overlay "$OUT/overlay" \
	--qemu-arg -acpitable --qemu-arg "file=$OUT/$AML" \
	--qemu-arg -S --qemu-arg -qmp --qemu-arg "unix:@RUNDIR@/qmp.sock,server=on,wait=off" \
	--host-cmd "$emu" "${PASS[@]}"
