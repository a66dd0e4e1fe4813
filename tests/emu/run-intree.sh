#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the vmclock emulator validation suite (tests/vm/vmclock-intree) on 7.x.
#
# Usage: tests/emu/run-intree.sh [options] [run.sh options...]
#   --hid-only        declare the device with _HID "VMCLOCK" only
#   --emu-arg ARG     extra vmclock-emu argument (e.g. --scenario=tai); repeatable
#   --tests DIR       another suite that expects the same setup
# Builds the emulator, the guest tools and the SSDTs (build.sh) into
# ${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/emu, then runs tools/vm/run.sh with
# the suite's vm.conf plus what needs the build or a unique path: the guest
# tools (--overlay), the SSDT (-acpitable), guest RAM in a file in /dev/shm,
# QEMU paused (-S) with a QMP socket, and vmclock-emu as the --host-cmd (it
# starts the guest; its log ends up in the run's log).  See emu-run.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=emu-run.sh
. "$(dirname "${BASH_SOURCE[0]}")/emu-run.sh"

TESTS=$REPO_DIR/tests/vm/vmclock-intree
PASS=()
while (($#)); do
	case $1 in
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	esac
	emu_opt "$@"
	if ((EMU_SHIFT)); then shift "$EMU_SHIFT"; else PASS+=("$1"); shift; fi
done

emu_run 7 "${PASS[@]}"
