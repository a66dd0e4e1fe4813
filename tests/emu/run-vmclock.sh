#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a suite for OUR vmclock backend (ptp_pure_vmclock, default suite
# tests/guest/vmclock) against a live emulated vmclock device on one series.
#
# Usage: tests/emu/run-vmclock.sh --series S [options] [run.sh options...]
#   --series S        kernel series: 5.10, 6.1, 6.12, 7 (required)
#   --tests DIR       the suite (default tests/guest/vmclock)
#   --hid-only        declare the device with _HID "VMCLOCK" only
#   --twin            two ACPI devices on the same page (bench/run.sh)
#   --emu-arg ARG     extra vmclock-emu argument; repeatable
# Everything else goes to tools/vm/run.sh (e.g. --verbose, --keep, --modules
# DIR; by default run.sh takes our modules from the build matrix,
# $PTP_PURE_BUILD/<KREL>/src, so run `tools/matrix.sh S` after changing them).
# Builds the emulator and its guest tools like run-intree.sh (emu-run.sh).
# The suite needs the static guest programs tests/guest/ptp_test and
# tests/guest/vmclock_dev: `make guest-tools`.
# Prints run.sh's PASS/FAIL/SKIP lines and "vmtest S: N passed, N failed,
# N skipped"; exit status non-zero if anything failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=emu-run.sh
. "$(dirname "${BASH_SOURCE[0]}")/emu-run.sh"

TESTS=$REPO_DIR/tests/guest/vmclock
emu_args "$@"
arch_dir=''
[[ $SERIES != arm64* ]] || arch_dir=aarch64/
for t in ptp_test vmclock_dev; do
	[[ -x $REPO_DIR/tests/guest/$arch_dir$t ]] ||
		emu_die "tests/guest/$arch_dir$t is not built: run make guest-tools${arch_dir:+-arm64}"
done

emu_run "$SERIES" "${PASS[@]}"
