#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make vmtest`: every runtime suite on every x86 kernel of the matrix.
#   tests/guest/core     the core through the test backend (tools/vm/vmtest.sh)
#   tests/guest/vmclock  ptp_pure_vmclock against the host-side emulator
#                        (tests/emu/run-vmclock.sh: the emulator runs beside
#                        each guest)
#   tests/vm/vmclock-intree   (7.x) the emulator against the in-tree
#                        ptp_vmclock (tests/emu/run-intree.sh)
#   bench/guest          (7.x) ours and the in-tree driver on one page agree
#   tests/guest/vmclock-qemu  QEMU's own -device vmclock (QEMU 10 of
#                        bookworm-backports, fetched into the cache by
#                        tools/kcache.sh qemu10; a SKIP with the reason when
#                        it cannot be had)
#   tests/guest/vmw      ptp_pure_vmw and the in-tree ptp_vmw in a guest that
#                        Linux takes for VMware (tests/guest/vmw/run-vmw.sh)
#   arm64 ($ARM64_SERIES, default arm64-7; empty: none): the core suite
#                        (50 load cycles), tests/guest/vmclock-arm64 (the
#                        emulator's page as a devicetree node, with its
#                        interrupt) and, on arm64-7, ours beside the in-tree
#                        ptp_vmclock (bench/guest-arm64)
# Modules come from the build matrix (make matrix).  Ends with one
# "N passed, N failed, N skipped" line; exits non-zero on any failure.
#
# Usage: tools/vmtest.sh [SERIES...]   (default: 5.10 6.1 6.12 7)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=("$@")
[ ${#series[@]} -gt 0 ] || series=(5.10 6.1 6.12 7)

pass=0 fail=0 skip=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# tally: add up the per-series summaries a runner printed.
tally() {
	local p f s
	while read -r p f s; do
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	done < <(sed -n 's/^vmtest [^:]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$out")
}

# run NAME CMD...: a runner; one that failed without a summary counts once.
run() {
	local name=$1 rc before=$fail
	shift
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	tally
	if [ "$rc" -ne 0 ] && [ "$fail" -eq "$before" ]; then
		echo "FAIL $name: exited with $rc without a FAIL line"
		fail=$((fail + 1))
	fi
}

run core tools/vm/vmtest.sh --tests tests/guest/core "${series[@]}"
for s in "${series[@]}"; do
	run "vmclock $s" tests/emu/run-vmclock.sh --series "$s"
done
run vmclock-qemu tools/vm/vmtest.sh --tests tests/guest/vmclock-qemu "${series[@]}"
run vmw tests/guest/vmw/run-vmw.sh "${series[@]}"
# Beside the in-tree ptp_vmclock (7.x only): the emulator validated by the
# in-tree driver, then both drivers on one page must agree within 1 us (two
# rounds of the benchmark ride along; their figures are printed, not judged).
for s in "${series[@]}"; do
	[ "$s" = 7 ] || continue
	run "in-tree validation" tests/emu/run-intree.sh
	run "side by side" tests/emu/run-vmclock.sh --series 7 --tests bench/guest \
		--twin --append ptpbench.rounds=2 --name side-by-side
done

# arm64 guests (qemu-system-aarch64 -M virt under TCG).
for s in ${ARM64_SERIES-arm64-7}; do
	run "core $s" tools/vm/vmtest.sh --tests tests/guest/core --append ptptest.cycles=50 "$s"
	run "vmclock $s" tests/emu/run-vmclock.sh --series "$s" --tests tests/guest/vmclock-arm64
	[ "$s" = arm64-7 ] || continue
	run "side by side $s" tests/emu/run-vmclock.sh --series "$s" --twin \
		--tests bench/guest-arm64 --append ptpbench.rounds=2 --name side-by-side
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
