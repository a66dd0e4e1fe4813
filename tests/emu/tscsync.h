/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tscsync.h - the mailbox of vmclock-emu's "tscsync" command
 *
 * A page of guest memory owned by the guest tool (tscsync.c) and polled by
 * the emulator (vmclock-emu.c) through the guest RAM file.  Both sides are
 * x86 and little-endian.  Round i: the guest stores rec[i].g1 = its TSC,
 * then req = i + 1; the host reads h1 = TSC, CLOCK_REALTIME, h2 = TSC,
 * stores them, then ack = i + 1; the guest stores rec[i].g2 = its TSC.
 * After the last round the guest sets done = 1.  Since h1..h2 happened
 * after g1 and before g2, guest = host + offset with
 * g1 - h1 <= offset <= g2 - h2 for every round.
 */
#ifndef VMCLOCK_EMU_TSCSYNC_H
#define VMCLOCK_EMU_TSCSYNC_H

#include <stdint.h>

#define TSYNC_MAGIC		0x434e595343534356ULL	/* "VCSCSYNC" */
#define TSYNC_MAX_ROUNDS	63

struct tsync_rec {
	uint64_t g1;		/* guest TSC before it posted the request */
	uint64_t g2;		/* guest TSC after it saw the answer */
	uint64_t h1;		/* host TSC before reading CLOCK_REALTIME */
	uint64_t h2;		/* host TSC after */
	uint64_t rt_ns;		/* host CLOCK_REALTIME, ns since 1970 (UTC) */
	uint64_t pad[3];
};

struct tsync_box {
	uint64_t magic;		/* TSYNC_MAGIC, written by the guest */
	uint32_t rounds;	/* guest: number of rounds */
	uint32_t req;		/* guest: round i posted as i + 1 */
	uint32_t ack;		/* host: round i answered as i + 1 */
	uint32_t done;		/* guest: 1 after the last round */
	uint64_t pad[5];
	struct tsync_rec rec[TSYNC_MAX_ROUNDS];
};

_Static_assert(sizeof(struct tsync_box) == 4096, "tscsync mailbox is a page");

#endif /* VMCLOCK_EMU_TSCSYNC_H */
