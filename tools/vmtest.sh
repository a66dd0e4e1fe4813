#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make vmtest`: every runtime suite on every x86 kernel of the matrix.
#   tests/guest/core     the core through the test backend (tools/vm/vmtest.sh)
#   tests/guest/vmclock  ptp_pure_vmclock against the host-side emulator
#                        (tests/emu/run-vmclock.sh: the emulator runs beside
#                        each guest)
#   tests/guest/vmclock-qemu  QEMU's own -device vmclock (QEMU 10 of
#                        bookworm-backports, fetched into the cache by
#                        tools/kcache.sh qemu10; a SKIP with the reason when
#                        it cannot be had)
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

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
