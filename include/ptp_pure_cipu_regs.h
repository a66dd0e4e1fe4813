/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure_cipu_regs.h - register block of the Alibaba CIPU time device
 *
 * Our own description of the device's register block (PCI 1ded:500c,
 * subsystem 1ded:1123, BAR 0, little-endian, naturally aligned), written
 * from the public record of the proposed upstream driver, and the pure
 * decoding the backend does on it: time stamp, epoch base, environment
 * version, health bits to a clock status.  Shared by the backend (kernel),
 * its unit tests and the host-side emulator (userspace): no kernel-only
 * call in here.
 */
#ifndef PTP_PURE_CIPU_REGS_H
#define PTP_PURE_CIPU_REGS_H

#include "ptp_pure_math.h"

/* Register offsets; every one is naturally aligned. */
#define PP_CIPU_DEV_FEAT	0x00	/* u32 RO: features the device has */
#define PP_CIPU_GST_FEAT	0x04	/* u32 RW: features negotiated */
#define PP_CIPU_DRV_VER		0x08	/* u32 RW: driver version */
#define PP_CIPU_ENV_VER		0x0c	/* u32 RW: kernel version */
#define PP_CIPU_DEV_STAT	0x10	/* u8 RW: handshake state */
#define PP_CIPU_SYNC_STAT	0x11	/* u8 RO: health bits */
#define PP_CIPU_TM_PREC_NS	0x14	/* u32 RO: precision of the time, ns */
#define PP_CIPU_EPO_BASE_YR	0x18	/* u32 RO: epoch base year (EPOCH) */
#define PP_CIPU_LEAP_SEC	0x1c	/* u32 RO: TAI - UTC, s (TAI) */
#define PP_CIPU_MAX_LAT_NS	0x20	/* u32 RO: longest acceptable read */
#define PP_CIPU_MT_TOUT_US	0x24	/* u32 RO: longest maintenance, us */
#define PP_CIPU_TSTAMP_NS	0x28	/* u64 RO: the time, flags 63/62 */
#define PP_CIPU_THRESH_US	0x30	/* u32 RO: alarm threshold, us */
#define PP_CIPU_REG_SIZE	0x38

/* Feature bits of DEV_FEAT and GST_FEAT. */
#define PP_CIPU_FEAT_TAI	0x1	/* time in TAI (else UTC) */
#define PP_CIPU_FEAT_EPOCH	0x2	/* time counts from EPO_BASE_YR */
#define PP_CIPU_FEAT_IRQ_ABN	0x4	/* interrupts for abnormal events */
#define PP_CIPU_FEAT_IRQ_REC	0x8	/* interrupts for recoveries */
/* What this driver implements: all of them, TAI included. */
#define PP_CIPU_DRV_CAP		0xf

/* DEV_STAT values. */
#define PP_CIPU_STAT_RESET	0
#define PP_CIPU_STAT_FEATURE_OK	1
#define PP_CIPU_STAT_DRIVER_OK	2

/* SYNC_STAT bits; any of them means the clock has an issue. */
#define PP_CIPU_SYNC_MAINT	0x01	/* maintenance */
#define PP_CIPU_SYNC_ATOMIC	0x02	/* reference atomic clock abnormal */
#define PP_CIPU_SYNC_BUSY	0x10	/* device busy */
#define PP_CIPU_SYNC_ERROR	0x80	/* device error */
#define PP_CIPU_SYNC_KNOWN	(PP_CIPU_SYNC_MAINT | PP_CIPU_SYNC_ATOMIC | \
				 PP_CIPU_SYNC_BUSY | PP_CIPU_SYNC_ERROR)

/* TSTAMP_NS flags: bit 63 set = the time is invalid; bit 62 reserved. */
#define PP_CIPU_TS_INVALID	0x8000000000000000ULL
#define PP_CIPU_TS_RESERVED	0x4000000000000000ULL
#define PP_CIPU_TS_MASK		(PP_CIPU_TS_RESERVED - 1)

/* The two MSI-X vectors. */
#define PP_CIPU_VEC_THRESH	0	/* THRESH_US changed */
#define PP_CIPU_VEC_SYNC	1	/* SYNC_STAT changed */
#define PP_CIPU_NR_VEC		2

/* ENV_VER bits 31..27: the environment is upstream Linux. */
#define PP_CIPU_ENV_LINUX	(0x1fU << 27)

/* DRV_VER: [23:16] major, [15:8] minor, [7:0] subminor, bit 24 out of tree. */
#define PP_CIPU_DRV_OOT		0x01000000U
#define PP_CIPU_DRV_VERSION	(PP_CIPU_DRV_OOT | 0x010300)	/* 1.3.0 */

/* Epoch base years the backend accepts. */
#define PP_CIPU_YEAR_MIN	1970
#define PP_CIPU_YEAR_MAX	2200

/**
 * pp_cipu_epoch_base() - Unix time of 1 January of @year, 00:00:00
 * @year: PP_CIPU_YEAR_MIN..PP_CIPU_YEAR_MAX
 * @sec: the seconds since 1970
 *
 * Return: 0, or -1 for a year out of range.
 */
static inline int pp_cipu_epoch_base(u32 year, s64 *sec)
{
	if (year < PP_CIPU_YEAR_MIN || year > PP_CIPU_YEAR_MAX)
		return -1;
	*sec = ptp_pure_days_from_civil(year, 1, 1) * 86400;
	return 0;
}

/**
 * pp_cipu_env_ver() - the ENV_VER value for a kernel release string
 * @release: "VERSION.PATCHLEVEL.SUBLEVEL[anything]", as uname -r prints it
 * @val: the register value: the three numbers in bytes 2..0 (SUBLEVEL
 *	capped at 255) and PP_CIPU_ENV_LINUX
 *
 * Return: 0, or -1 when @release does not start with three numbers.
 */
static inline int pp_cipu_env_ver(const char *release, u32 *val)
{
	u32 n[3] = { 0, 0, 0 };
	int i;

	for (i = 0; i < 3; i++) {
		if (*release < '0' || *release > '9')
			return -1;
		while (*release >= '0' && *release <= '9') {
			if (n[i] < 100000)
				n[i] = n[i] * 10 + (u32)(*release - '0');
			release++;
		}
		if (i < 2 && *release++ != '.')
			return -1;
	}
	if (n[0] > 0xff || n[1] > 0xff)
		return -1;
	*val = PP_CIPU_ENV_LINUX | n[0] << 16 | n[1] << 8 |
	       (n[2] > 0xff ? 0xff : n[2]);
	return 0;
}

/**
 * pp_cipu_ts_ns() - nanoseconds since the epoch of a valid TSTAMP_NS value
 * @raw: the register value, bit 63 clear
 *
 * Return: @raw without its flag bits.
 */
static inline u64 pp_cipu_ts_ns(u64 raw)
{
	return raw & PP_CIPU_TS_MASK;
}

/* Status values of pp_cipu_status(); the backend maps them to the core's. */
#define PP_CIPU_ST_SYNCHRONIZED	0
#define PP_CIPU_ST_HOLDOVER	1
#define PP_CIPU_ST_FREERUNNING	2
#define PP_CIPU_ST_UNRELIABLE	3
#define PP_CIPU_ST_NR		4

/**
 * pp_cipu_status() - the clock status for the health bits
 * @sync: SYNC_STAT
 * @mt_timed_out: maintenance has lasted longer than MT_TOUT_US
 *
 * A device error makes the time unusable; an abnormal reference clock or a
 * maintenance that outlived its bound leaves the clock free-running; a
 * maintenance within its bound and a busy device keep it in holdover.
 * Reserved bits are ignored.
 *
 * Return: a PP_CIPU_ST_* value.
 */
static inline int pp_cipu_status(u8 sync, int mt_timed_out)
{
	if (sync & PP_CIPU_SYNC_ERROR)
		return PP_CIPU_ST_UNRELIABLE;
	if (sync & PP_CIPU_SYNC_ATOMIC)
		return PP_CIPU_ST_FREERUNNING;
	if (sync & PP_CIPU_SYNC_MAINT)
		return mt_timed_out ? PP_CIPU_ST_FREERUNNING : PP_CIPU_ST_HOLDOVER;
	if (sync & PP_CIPU_SYNC_BUSY)
		return PP_CIPU_ST_HOLDOVER;
	return PP_CIPU_ST_SYNCHRONIZED;
}

#endif /* PTP_PURE_CIPU_REGS_H */
