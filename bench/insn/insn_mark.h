/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Markers for the TCG plugin bench/insn/insn_count.c: it counts the guest
 * instructions executed between INSN_MARK_BEGIN() and INSN_MARK_END() on the
 * vCPU and logs the count at each end marker.  A marker is
 * "xchg %bx,%bx" (66 87 db) followed by "nopl 0x505450KK(%rax)" (0f 1f 80
 * KK 50 54 50; KK 01 begin, 02 end): two no-ops, also without the plugin.
 * The alignment keeps the pair of one marker in one page, hence in one
 * translation block, where the plugin looks for it.
 */
#ifndef PTP_PURE_INSN_MARK_H
#define PTP_PURE_INSN_MARK_H

#if defined(__x86_64__)
#define INSN_MARK_(kind) \
	__asm__ __volatile__(".p2align 4\n\txchg %%bx, %%bx\n\tnopl 0x505450" kind "(%%rax)" \
			     ::: "memory")
#else
/* The instruction counts are measured on x86 guests only. */
#define INSN_MARK_(kind)	__asm__ __volatile__("" ::: "memory")
#endif
#define INSN_MARK_BEGIN()	INSN_MARK_("01")
#define INSN_MARK_END()		INSN_MARK_("02")

#endif
