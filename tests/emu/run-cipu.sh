#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the suite of ptp_pure_cipu (default tests/guest/cipu) against the
# emulated CIPU device (cipu-emu) on one series.
#
# Usage: tests/emu/run-cipu.sh --series S [options] [run.sh options...]
#   --series S        kernel series: 5.10, 6.1, 6.12, 7 (required)
#   --tests DIR       the suite (default tests/guest/cipu)
#   --emu-arg ARG     extra cipu-emu argument; repeatable
# Everything else goes to tools/vm/run.sh (e.g. --verbose, --keep).  Our
# modules come from the build matrix ($PTP_PURE_BUILD/<KREL>/src): run
# `tools/matrix.sh S` after changing them.
#
# QEMU gets an ivshmem-doorbell device (id cipu0, 2 MSI-X vectors) on a PCIe
# root port of its own (so that QMP device_del can unplug it), whose chardev
# (server, wait=on) waits for cipu-emu, the device's ivshmem server.  The
# emulator's command port is the guest's ttyS2 (vm.conf), QMP is in the
# run directory for its "unplug" command.
# Prints run.sh's PASS/FAIL/SKIP lines and "vmtest S: N passed, N failed,
# N skipped"; exit status non-zero if anything failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=emu-run.sh
. "$(dirname "${BASH_SOURCE[0]}")/emu-run.sh"

TESTS=$REPO_DIR/tests/guest/cipu
emu_args "$@"
[[ -x $REPO_DIR/tests/guest/ptp_test ]] ||
	emu_die "tests/guest/ptp_test is not built: run make guest-tools"
[[ -d $TESTS ]] || emu_die "no test directory $TESTS"

out=$(emu_build)
emu="exec $(printf '%q' "$out/cipu-emu") --ivshmem @RUNDIR@/ivshmem.sock"
emu+=" --control @RUNDIR@/cipuctl.sock --qmp @RUNDIR@/qmp.sock"
for a in "${EMU_ARGS[@]}"; do emu+=" $(printf '%q' "$a")"; done

"$REPO_DIR/tools/vm/run.sh" --series "$SERIES" --tests "$TESTS" \
	--overlay "$out/overlay" \
	--qemu-arg -chardev --qemu-arg "socket,id=ivs,path=@RUNDIR@/ivshmem.sock,server=on,wait=on" \
	--qemu-arg -device --qemu-arg "pcie-root-port,id=cipu_rp,chassis=8,slot=8" \
	--qemu-arg -device --qemu-arg "ivshmem-doorbell,id=cipu0,bus=cipu_rp,chardev=ivs,vectors=2" \
	--qemu-arg -qmp --qemu-arg "unix:@RUNDIR@/qmp.sock,server=on,wait=off" \
	--host-cmd "$emu" "${PASS[@]}"
