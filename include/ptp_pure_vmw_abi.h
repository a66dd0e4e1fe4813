/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure_vmw_abi.h - the VMware backdoor's precision-clock command, as
 * ptp_pure_vmw uses it
 *
 * Our own description of the interface (no VMware or kernel header is
 * copied).  A low-bandwidth backdoor call passes the magic in EAX, an
 * argument in EBX, the command in ECX (sub-command in bits 19:16, command
 * in bits 6:0) and the port or the VMCALL flags in DX; the host answers in
 * the same registers.  Precision-clock command 97, sub-command 0 (get
 * time): EAX = status, 0 on success; EBX:ECX = the host's time in
 * nanoseconds since 1970, high and low 32 bits.  On x86_64 only the low
 * 32 bits of each register carry data.
 *
 * Free of kernel state, like ptp_pure_math.h: the unit tests
 * (tests/unit/test_vmw.c) compile the decoding below unchanged.
 */
#ifndef PTP_PURE_VMW_ABI_H
#define PTP_PURE_VMW_ABI_H

#include "ptp_pure_math.h"

/* "VMXh": what EAX must hold for the host to take the call as a backdoor call */
#define PTP_PURE_VMW_MAGIC		0x564d5868U
/* The I/O port of the low-bandwidth call (port mode) */
#define PTP_PURE_VMW_PORT		0x5658
#define PTP_PURE_VMW_CMD_GETVERSION	10
#define PTP_PURE_VMW_CMD_PCLK		97
#define PTP_PURE_VMW_PCLK_GETTIME	0
/* The command word of "get the precision clock's time" */
#define PTP_PURE_VMW_CMD_PCLK_GETTIME \
	((PTP_PURE_VMW_PCLK_GETTIME << 16) | PTP_PURE_VMW_CMD_PCLK)

/**
 * ptp_pure_vmw_decode() - decode the answer to a precision-clock read
 * @status: EAX after the call; only its low 32 bits are the status
 * @hi: EBX after the call: nanoseconds, bits 63..32
 * @lo: ECX after the call: nanoseconds, bits 31..0
 * @out: seconds and nanoseconds since 1970-01-01, set only on success
 *
 * Return: 0, or -EIO when the host reported a non-zero status (it failed,
 * or does not know the command).
 */
static inline int ptp_pure_vmw_decode(u64 status, u32 hi, u32 lo,
				      struct ptp_pure_time *out)
{
	u64 ns = ((u64)hi << 32) | lo;

	if ((u32)status)
		return -EIO;
	out->sec = ns / PTP_PURE_NSEC_PER_SEC;
	out->nsec = (u32)(ns - out->sec * PTP_PURE_NSEC_PER_SEC);
	return 0;
}

#endif /* PTP_PURE_VMW_ABI_H */
