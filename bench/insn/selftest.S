/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bare multiboot guest for bench/insn/selftest.sh: two marked regions
 * around loops of 1000 and 3000 iterations of "dec %ecx; jnz" (2 instructions
 * each), then it ends QEMU through isa-debug-exit (port 0xf4).  32-bit
 * protected mode, flat, no paging: QEMU's multiboot loader starts it.
 */
	.text
	.code32
	.align 4
	.long 0x1badb002		/* multiboot magic, in the first 8 KiB */
	.long 0				/* flags: addresses from the ELF headers */
	.long -0x1badb002		/* checksum */
	.globl _start
_start:
	.p2align 4
	xchg %bx, %bx			/* begin marker */
	nopl 0x50545001(%eax)
	mov $1000, %ecx
1:	dec %ecx
	jnz 1b
	.p2align 4
	xchg %bx, %bx			/* end marker */
	nopl 0x50545002(%eax)

	.p2align 4
	xchg %bx, %bx
	nopl 0x50545001(%eax)
	mov $3000, %ecx
2:	dec %ecx
	jnz 2b
	.p2align 4
	xchg %bx, %bx
	nopl 0x50545002(%eax)

	xchg %bx, %bx			/* a stray: no tagged nopl after it */
	nop
	mov $0x10, %al			/* QEMU exits with status 0x21 */
	out %al, $0xf4
3:	hlt
	jmp 3b
