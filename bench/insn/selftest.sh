#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/insn/selftest.sh: the guard of the instruction-count plugin (make
# check, stage insn; well under a second once the header is cached).  Builds
# insn_count.so (bench/insn/build.sh) and boots the bare multiboot guest
# selftest.S with it: two marked loops of 1000 and 3000 iterations of two
# instructions.  A region counts from after its begin marker's xchg up to
# and including its end marker's xchg: the begin nopl, the mov, the loop, the
# two padding instructions of .p2align and the end xchg, so 2 N + 5, all
# below the kernel half.  The trailing lone xchg %bx,%bx must count as one
# stray.  Ends with "insn: N passed, N failed, N skipped"; a plugin that
# cannot be built (no source package reachable) is a SKIP.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
out=${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/insn
mkdir -p "$out"
pass=0 fail=0

check() {
	if [[ $2 == "$3" ]]; then
		echo "PASS insn/$1"
		pass=$((pass + 1))
	else
		echo "FAIL insn/$1: got '$2', want '$3'"
		fail=$((fail + 1))
	fi
}

if ! so=$("$top/bench/insn/build.sh" 2>"$out/build.err"); then
	echo "SKIP insn/plugin: $(tail -n 1 "$out/build.err" | sed 's/^insn: //')"
	echo "insn: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
check build "$(basename "$so")" insn_count.so
as --32 -o "$out/selftest.o" "$top/bench/insn/selftest.S"
ld -m elf_i386 -Ttext 0x100000 -e _start -o "$out/selftest.elf" "$out/selftest.o"
rm -f "$out/selftest.txt"
rc=0
timeout --kill-after=5 30 qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 32 -smp 1 \
	-nodefaults -no-user-config -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$out/selftest.elf" \
	-plugin "$so,out=$out/selftest.txt" </dev/null 2>"$out/selftest.err" || rc=$?
# isa-debug-exit: status (0x10 << 1) | 1
check exit "$rc" 33
check loops "$(grep '^d ' "$out/selftest.txt" 2>/dev/null | tr '\n' ' ')" "d 2005 0 d 6005 0 "
check markers "$(sed -n 's/^summary \(begin [0-9]* end [0-9]* unpaired [0-9]* stray [0-9]*\).*/\1/p' \
	"$out/selftest.txt" 2>/dev/null)" "begin 2 end 2 unpaired 0 stray 1"
((fail == 0)) || cat "$out/selftest.err"
echo "insn: $pass passed, $fail failed, 0 skipped"
((fail == 0))
