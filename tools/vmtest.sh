#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make vmtest`: every runtime suite on every x86 kernel of the matrix.
#   tests/guest/core     the core through the test backend (tools/vm/vmtest.sh)
#   tests/guest/vmclock  ptp_pure_vmclock against the host-side emulator
#                        (tests/emu/run-vmclock.sh: the emulator runs beside
#                        each guest)
#   tests/guest/cipu     ptp_pure_cipu against the emulated CIPU device
#                        (tests/emu/run-cipu.sh: cipu-emu serves QEMU's
#                        ivshmem-doorbell beside each guest)
#   tests/vm/vmclock-intree   (7.x) the emulator against the in-tree
#                        ptp_vmclock (tests/emu/run-intree.sh)
#   bench/guest          (7.x) ours and the in-tree driver on one page agree
#   tests/guest/realtime the core's realtime= modes and ptp-pure against the
#                        emulator (tests/emu/run-vmclock.sh --tests)
#   tests/guest/vmclock-qemu  QEMU's own -device vmclock (QEMU 10 of
#                        bookworm-backports, fetched into the cache by
#                        tools/kcache.sh qemu10; a SKIP with the reason when
#                        it cannot be had)
#   tests/guest/vmw      ptp_pure_vmw and the in-tree ptp_vmw in a guest that
#                        Linux takes for VMware (tests/guest/vmw/run-vmw.sh)
#   s390x series (s390x = 6.1, s390x-6.12, s390x-7): tests/guest/core with
#                        50 load/unload cycles (not 200) on s390x-7 (or the
#                        series in PTP_PURE_S390_CORE, or the one s390x series
#                        asked for) and tests/guest/s390 on each
#                        (on s390x-7 beside the in-tree ptp_s390, built by
#                        tests/vm/intree-s390/build.sh)
#   arm64 series (arm64-6.1, arm64-6.12, arm64-7; by default $ARM64_SERIES,
#                        else arm64-7; ARM64_SERIES= for none): the core suite
#                        (50 load cycles), tests/guest/vmclock-arm64 (the
#                        emulator's page as a devicetree node, with its
#                        interrupt) and, on arm64-7, ours beside the in-tree
#                        ptp_vmclock (bench/guest-arm64)
# Modules come from the build matrix (make matrix).  Ends with one
# "N passed, N failed, N skipped" line; exits non-zero on any failure.
#
# Usage: tools/vmtest.sh [SERIES...]   (default: 5.10 6.1 6.12 7 and the
#                                      three s390x series)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=() s390=() arm64=()
for s in "$@"; do
	case $s in s390x*) s390+=("$s") ;; arm64*) arm64+=("$s") ;; *) series+=("$s") ;; esac
done
if [ $# -eq 0 ]; then
	series=(5.10 6.1 6.12 7)
	s390=(s390x s390x-6.12 s390x-7)
	# shellcheck disable=SC2206 # a list of series
	arm64=(${ARM64_SERIES-arm64-7})
fi

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

[ ${#series[@]} -eq 0 ] || run core tools/vm/vmtest.sh --tests tests/guest/core "${series[@]}"
for s in "${series[@]}"; do
	run "vmclock $s" tests/emu/run-vmclock.sh --series "$s"
done
for s in "${series[@]}"; do
	run "cipu $s" tests/emu/run-cipu.sh --series "$s"
done
# The core's realtime= modes and the ptp-pure tool, against the emulator.
for s in "${series[@]}"; do
	run "realtime $s" tests/emu/run-vmclock.sh --series "$s" --tests tests/guest/realtime
done
[ ${#series[@]} -eq 0 ] ||
	run vmclock-qemu tools/vm/vmtest.sh --tests tests/guest/vmclock-qemu "${series[@]}"
[ ${#series[@]} -eq 0 ] || run vmw tests/guest/vmw/run-vmw.sh "${series[@]}"
# Beside the in-tree ptp_vmclock (7.x only): the emulator validated by the
# in-tree driver, then both drivers on one page must agree within 1 us (two
# rounds of the benchmark ride along; their figures are printed, not judged).
for s in "${series[@]}"; do
	[ "$s" = 7 ] || continue
	run "in-tree validation" tests/emu/run-intree.sh
	run "side by side" tests/emu/run-vmclock.sh --series 7 --tests bench/guest \
		--twin --append ptpbench.rounds=2 --name side-by-side
done

# s390x: the core's first big-endian runs, and ptp_pure_s390.
if [ ${#s390[@]} -gt 0 ]; then
	# The core suite on the newest s390x kernel only (about 100 s under
	# TCG), to stay within the time budget of make check; on the others
	# with PTP_PURE_S390_CORE="s390x s390x-6.12 s390x-7", or when one
	# s390x series alone is asked for.
	core390=()
	for s in "${s390[@]}"; do
		case " ${PTP_PURE_S390_CORE:-s390x-7} " in
		*" $s "*) core390+=("$s") ;;
		*) [ ${#s390[@]} -gt 1 ] || core390+=("$s") ;;
		esac
	done
	[ ${#core390[@]} -eq 0 ] || run "core s390x" tools/vm/vmtest.sh --tests tests/guest/core \
		--append ptptest.cycles=50 "${core390[@]}"
	# On 7.x beside the in-tree ptp_s390, which Debian's s390x kernels do
	# not build: compiled from Debian's source of that kernel.
	for s in "${s390[@]}"; do
		intree=()
		if [ "$s" = s390x-7 ]; then
			if ko=$(tests/vm/intree-s390/build.sh "$s"); then
				intree=(--file "$ko:/lib/intree/ptp_s390.ko")
			else
				echo "FAIL intree-s390 $s: tests/vm/intree-s390/build.sh failed"
				fail=$((fail + 1))
			fi
		fi
		run "s390 $s" tools/vm/vmtest.sh --tests tests/guest/s390 "${intree[@]}" "$s"
	done
fi
# arm64 guests (qemu-system-aarch64 -M virt under TCG).
for s in "${arm64[@]}"; do
	run "core $s" tools/vm/vmtest.sh --tests tests/guest/core --append ptptest.cycles=50 "$s"
	run "vmclock $s" tests/emu/run-vmclock.sh --series "$s" --tests tests/guest/vmclock-arm64
	[ "$s" = arm64-7 ] || continue
	run "side by side $s" tests/emu/run-vmclock.sh --series "$s" --twin \
		--tests bench/guest-arm64 --append ptpbench.rounds=2 --name side-by-side
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
