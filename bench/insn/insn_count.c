// SPDX-License-Identifier: GPL-2.0
/*
 * insn_count - TCG plugin: guest instructions executed between two markers
 *
 *   qemu-system-x86_64 ... -smp 1 -plugin insn_count.so[,out=FILE]
 *
 * A marker is the pair of instructions (bench/insn/insn_mark.h)
 *
 *   66 87 db                xchg %bx,%bx        (the Bochs magic no-op)
 *   0f 1f 80 KK 50 54 50    nopl 0x505450KK(%rax)
 *
 * with KK 01 (begin) or 02 (end).  Every instruction counts one, into the
 * kernel counter if its address is in the upper half (x86-64 kernel), else
 * into the user counter.  At each end marker the plugin writes one line
 *
 *   d USER KERNEL
 *
 * (instructions since the last begin marker) to FILE (default stderr), and
 * at exit "summary begin B end E unpaired U stray S vcpus V".  A stray is an
 * executed xchg %bx,%bx that is not part of a marker: the check that nothing
 * else in the guest (kernel, libc, firmware) uses the sequence; its first
 * address is reported.  The counters are shared by all vCPUs (inline adds,
 * no per-vCPU storage in this plugin API): count with -smp 1.
 *
 * profile=FILE,block=N adds a profile: the marked regions are numbered from
 * 0 and grouped in blocks of N (ptp_bench insn's blocks of N reads); every
 * translation block that starts executing inside a region adds its length
 * to its block's count.  At exit FILE gets one line per block and start
 * address, "p BLOCK VADDR INSNS" (hex address), for the host to attribute
 * by symbol (bench/insn/profile.py).  A translation block cut short by an
 * exception is counted whole: a profile is close, not exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_TAG	0x50545000u	/* "\0PTP" little-endian, low byte: kind */
#define MARK_BEGIN	1u
#define MARK_END	2u

static uint64_t n_user, n_kernel;	/* inline adds, one per instruction */
static uint64_t at_user, at_kernel;	/* at the last begin marker */
static uint64_t n_begin, n_end, n_unpaired, n_stray, first_stray;
static int open_region, vcpus;
static FILE *out;

static const uint8_t xchg_bx[3] = { 0x66, 0x87, 0xdb };

/* The profile: one record per translation, counts per block of regions */
#define PROF_BLOCKS	1024
struct prof_tb {
	struct prof_tb *next;
	uint64_t vaddr;
	uint64_t n_insns;
	uint64_t *insns;	/* [PROF_BLOCKS], once executed in a region */
};
static FILE *prof_out;
static uint64_t prof_block = 1;
static struct prof_tb *prof_list;

static void on_tb(unsigned int vcpu, void *udata)
{
	struct prof_tb *p = udata;
	uint64_t b;

	(void)vcpu;
	if (!open_region)
		return;
	b = (n_begin - 1) / prof_block;
	if (b >= PROF_BLOCKS)
		return;
	if (!p->insns) {
		p->insns = calloc(PROF_BLOCKS, sizeof(*p->insns));
		if (!p->insns)
			return;
	}
	p->insns[b] += p->n_insns;
}

static void prof_tb_trans(struct qemu_plugin_tb *tb)
{
	struct prof_tb *p = calloc(1, sizeof(*p));

	if (!p)
		return;
	p->vaddr = qemu_plugin_tb_vaddr(tb);
	p->n_insns = qemu_plugin_tb_n_insns(tb);
	p->next = prof_list;
	prof_list = p;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, p);
}

static void prof_dump(void)
{
	struct prof_tb *p;
	int b;

	for (p = prof_list; p; p = p->next)
		for (b = 0; p->insns && b < PROF_BLOCKS; b++)
			if (p->insns[b])
				fprintf(prof_out, "p %d %" PRIx64 " %" PRIu64 "\n", b, p->vaddr,
					p->insns[b]);
	fclose(prof_out);
}

static void on_begin(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	n_begin++;
	at_user = n_user;
	at_kernel = n_kernel;
	open_region = 1;
}

static void on_end(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	n_end++;
	if (!open_region) {
		n_unpaired++;
		return;
	}
	open_region = 0;
	fprintf(out, "d %" PRIu64 " %" PRIu64 "\n", n_user - at_user,
		n_kernel - at_kernel);
}

static void on_stray(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	if (!n_stray++)
		first_stray = (uint64_t)(uintptr_t)udata;
}

/* The kind of the marker whose xchg is instruction @i of @tb, or 0. */
static unsigned int mark_kind(struct qemu_plugin_tb *tb, size_t i, size_t n)
{
	struct qemu_plugin_insn *next;
	const uint8_t *b;
	uint32_t disp;

	if (i + 1 >= n)
		return 0;
	next = qemu_plugin_tb_get_insn(tb, i + 1);
	if (qemu_plugin_insn_size(next) != 7)
		return 0;
	b = qemu_plugin_insn_data(next);
	if (b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
		return 0;
	disp = b[3] | b[4] << 8 | b[5] << 16 | (uint32_t)b[6] << 24;
	if ((disp & ~0xffu) != MARK_TAG)
		return 0;
	disp &= 0xff;
	return disp == MARK_BEGIN || disp == MARK_END ? disp : 0;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	if (prof_out)
		prof_tb_trans(tb);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
		unsigned int kind;

		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							   va >> 63 ? &n_kernel : &n_user, 1);
		if (qemu_plugin_insn_size(insn) != sizeof(xchg_bx) ||
		    memcmp(qemu_plugin_insn_data(insn), xchg_bx, sizeof(xchg_bx)))
			continue;
		kind = mark_kind(tb, i, n);
		qemu_plugin_register_vcpu_insn_exec_cb(insn,
			kind == MARK_BEGIN ? on_begin : kind == MARK_END ? on_end : on_stray,
			QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)va);
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	fprintf(out, "summary begin %" PRIu64 " end %" PRIu64 " unpaired %" PRIu64
		" stray %" PRIu64 " first_stray 0x%" PRIx64 " vcpus %d total %" PRIu64 "\n",
		n_begin, n_end, n_unpaired, n_stray, first_stray, vcpus,
		n_user + n_kernel);
	fflush(out);
	if (out != stderr)
		fclose(out);
	if (prof_out)
		prof_dump();
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	if (strcmp(info->target_name, "x86_64") || !info->system_emulation) {
		fprintf(stderr, "insn_count: x86_64 system emulation only\n");
		return -1;
	}
	out = stderr;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			out = fopen(argv[i] + 4, "w");
			if (!out) {
				perror(argv[i] + 4);
				return -1;
			}
			setvbuf(out, NULL, _IOLBF, 0);
		} else if (!strncmp(argv[i], "profile=", 8)) {
			prof_out = fopen(argv[i] + 8, "w");
			if (!prof_out) {
				perror(argv[i] + 8);
				return -1;
			}
		} else if (!strncmp(argv[i], "block=", 6)) {
			prof_block = strtoull(argv[i] + 6, NULL, 10);
			if (!prof_block)
				prof_block = 1;
		} else {
			fprintf(stderr, "insn_count: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	vcpus = info->system.smp_vcpus;
	if (vcpus != 1)
		fprintf(stderr, "insn_count: %d vCPUs share one counter: counts mix them\n",
			vcpus);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
