#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Per-symbol guest instructions per read, from a bench/insn.sh --profile run.

Usage: profile.py LOG PROFILE [TOP]

LOG is the run's log (INSN block labels, INSNSYM lines: the guest's text
symbols from /proc/kallsyms), PROFILE the plugin's "p BLOCK VADDR INSNS"
lines.  Prints, per operation, the TOP (default 12) symbols
by instructions per read, in-tree beside ours, and the totals.  Translation
blocks are attributed to the symbol of their start address; reads that took
an interrupt are included (a few instructions per read at most).
"""
import bisect
import re
import sys


def main():
    log, prof = sys.argv[1:3]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    labels, syms = [], []
    with open(log, errors="replace") as f:
        for line in f:
            m = re.search(r"INSN (\d+) (\S+) (\S+) (\d+)", line)
            if m:
                labels.append((m.group(2), m.group(3), int(m.group(4))))
                continue
            m = re.search(r"INSNSYM ([0-9a-f]+) [tT] (\S+)(?:\s+\[(\S+)\])?", line)
            if m:
                name = m.group(2) + (f" [{m.group(3)}]" if m.group(3) else "")
                syms.append((int(m.group(1), 16), name))
    if not syms:
        sys.exit("profile.py: no INSNSYM lines in the log (run bench/insn.sh --profile)")
    table = sorted(syms)
    addrs = [a for a, _ in table]

    def symbol(va):
        if va < 1 << 63:
            return "(user space)"
        i = bisect.bisect_right(addrs, va) - 1
        return table[i][1] if i >= 0 else "?"

    per = {}     # (clock, op) -> {symbol: insns}
    reads = {}   # (clock, op) -> reads
    for clock, op, n in labels:
        reads[clock, op] = reads.get((clock, op), 0) + n
    with open(prof) as f:
        for line in f:
            _, b, va, n = line.split()
            b = int(b)
            if b >= len(labels):
                continue
            key = labels[b][:2]
            d = per.setdefault(key, {})
            s = symbol(int(va, 16))
            d[s] = d.get(s, 0) + int(n)
    ops = [op for op in ("gettime", "extended", "precise")
           if ("intree", op) in per or ("ours", op) in per]
    for op in ops:
        a = per.get(("intree", op), {})
        b = per.get(("ours", op), {})
        ra = reads.get(("intree", op), 1)
        rb = reads.get(("ours", op), 1)
        names = sorted(set(a) | set(b),
                       key=lambda s: -max(a.get(s, 0) / ra, b.get(s, 0) / rb))
        print(f"{op}: instructions per read by symbol (translation-block starts)")
        print(f"  {'in-tree':>8} {'ours':>8}  symbol")
        for s in names[:top]:
            print(f"  {a.get(s, 0) / ra:8.1f} {b.get(s, 0) / rb:8.1f}  {s}")
        rest_a = sum(v for s, v in a.items() if s not in names[:top]) / ra
        rest_b = sum(v for s, v in b.items() if s not in names[:top]) / rb
        print(f"  {rest_a:8.1f} {rest_b:8.1f}  (the rest)")
        print(f"  {sum(a.values()) / ra:8.1f} {sum(b.values()) / rb:8.1f}  total")


if __name__ == "__main__":
    main()
