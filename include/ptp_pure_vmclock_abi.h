/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure_vmclock_abi.h - layout of the vmclock shared page
 *
 * Our own description of the binary ABI of the vmclock device (a page of
 * memory the hypervisor keeps updated with the time and the rate of a CPU
 * counter), written from the published vmclock specification and checked
 * against the offsets that Linux and QEMU use.  Where the specification's
 * tables and the implementations disagree (flag bits 7-9, the offset of the
 * VM generation counter), this follows the implementations: that is the ABI
 * hypervisors write.  Kernels from 6.13 have <linux/vmclock-abi.h>; the
 * backend checks at build time that both describe the same layout.
 *
 * Shared by the backend (kernel) and the host-side emulator (userspace).
 * All fields are little-endian.
 */
#ifndef PTP_PURE_VMCLOCK_ABI_H
#define PTP_PURE_VMCLOCK_ABI_H

#include <linux/types.h>

#define PP_VMCLOCK_MAGIC		0x4b4c4356	/* "VCLK" */
#define PP_VMCLOCK_VERSION		1

/* counter_id */
#define PP_VMCLOCK_COUNTER_ARM_VCNT	0
#define PP_VMCLOCK_COUNTER_X86_TSC	1
#define PP_VMCLOCK_COUNTER_INVALID	0xff

/* time_type */
#define PP_VMCLOCK_TIME_UTC		0
#define PP_VMCLOCK_TIME_TAI		1
#define PP_VMCLOCK_TIME_MONOTONIC	2	/* no defined epoch */
#define PP_VMCLOCK_TIME_INVALID_SMEARED	3
#define PP_VMCLOCK_TIME_INVALID_MAYBE_SMEARED 4

/* flags */
#define PP_VMCLOCK_FLAG_TAI_OFFSET_VALID	0x001ULL
#define PP_VMCLOCK_FLAG_DISRUPTION_SOON		0x002ULL
#define PP_VMCLOCK_FLAG_DISRUPTION_IMMINENT	0x004ULL
#define PP_VMCLOCK_FLAG_PERIOD_ESTERROR_VALID	0x008ULL
#define PP_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID	0x010ULL
#define PP_VMCLOCK_FLAG_TIME_ESTERROR_VALID	0x020ULL
#define PP_VMCLOCK_FLAG_TIME_MAXERROR_VALID	0x040ULL
#define PP_VMCLOCK_FLAG_TIME_MONOTONIC		0x080ULL
#define PP_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT	0x100ULL
#define PP_VMCLOCK_FLAG_NOTIFICATION_PRESENT	0x200ULL

/* clock_status: same values as enum ptp_pure_status */
#define PP_VMCLOCK_STATUS_UNKNOWN	0
#define PP_VMCLOCK_STATUS_INITIALIZING	1
#define PP_VMCLOCK_STATUS_SYNCHRONIZED	2
#define PP_VMCLOCK_STATUS_FREERUNNING	3
#define PP_VMCLOCK_STATUS_UNRELIABLE	4

/* leap_indicator: same values as enum ptp_pure_leap */
#define PP_VMCLOCK_LEAP_NONE		0
#define PP_VMCLOCK_LEAP_PRE_POS		1
#define PP_VMCLOCK_LEAP_PRE_NEG		2
#define PP_VMCLOCK_LEAP_POS		3
#define PP_VMCLOCK_LEAP_POST_POS	4
#define PP_VMCLOCK_LEAP_POST_NEG	5

/**
 * struct pp_vmclock_abi - the vmclock page
 * @magic: %PP_VMCLOCK_MAGIC
 * @size: bytes of the region that hold the structure; a field lying (even
 *	partly) beyond @size is absent
 * @version: %PP_VMCLOCK_VERSION
 * @counter_id: the CPU counter the time is expressed against
 * @time_type: time scale of @time_sec (UTC, TAI, monotonic)
 * @seq_count: odd while the hypervisor updates the page
 * @disruption_marker: changes whenever the counter was disrupted (e.g. live
 *	migration); never repeats
 * @flags: PP_VMCLOCK_FLAG_* bits
 * @pad: reserved; the structure up to here (32 bytes) is the minimum
 * @clock_status: synchronisation status
 * @leap_second_smearing_hint: how the host would smear (the page never is)
 * @tai_offset_sec: TAI - UTC in seconds, two's complement (37 since 2017)
 * @leap_indicator: upcoming or recent leap second
 * @counter_period_shift: extra right shift of the period and its errors
 * @counter_value: counter reading at which @time_sec/@time_frac_sec hold
 * @counter_period_frac_sec: counter period in 2^-(64 + shift) seconds
 * @counter_period_esterror_rate_frac_sec: estimated period error, same unit
 * @counter_period_maxerror_rate_frac_sec: maximum period error, same unit
 * @time_sec: whole seconds at @counter_value
 * @time_frac_sec: fraction of a second at @counter_value, 2^-64 s
 * @time_esterror_nanosec: estimated error of the time
 * @time_maxerror_nanosec: maximum error of the time
 * @vm_generation_counter: changes when the VM is started from a snapshot
 *	(valid with %PP_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT)
 */
struct pp_vmclock_abi {
	__le32 magic;
	__le32 size;
	__le16 version;
	__u8 counter_id;
	__u8 time_type;
	__le32 seq_count;
	__le64 disruption_marker;
	__le64 flags;
	__u8 pad[2];
	__u8 clock_status;
	__u8 leap_second_smearing_hint;
	__le16 tai_offset_sec;
	__u8 leap_indicator;
	__u8 counter_period_shift;
	__le64 counter_value;
	__le64 counter_period_frac_sec;
	__le64 counter_period_esterror_rate_frac_sec;
	__le64 counter_period_maxerror_rate_frac_sec;
	__le64 time_sec;
	__le64 time_frac_sec;
	__le64 time_esterror_nanosec;
	__le64 time_maxerror_nanosec;
	__le64 vm_generation_counter;
};

/* Smallest region a device may have: everything up to @pad. */
#define PP_VMCLOCK_MIN_SIZE	32

/*
 * TAI - UTC from tai_offset_sec.  The specification calls the field the
 * offset from TAI to UTC and gives 37 s as its value in 2017-2026 (so TAI =
 * UTC + tai_offset_sec); Linux's in-tree driver reads it with the opposite
 * sign, so hypervisors may write either.  TAI - UTC was 10 s in 1972 and
 * has only grown since, by leap seconds: a field whose magnitude is
 * outside PP_VMCLOCK_TAI_MIN..PP_VMCLOCK_TAI_MAX is no TAI offset.
 */
#define PP_VMCLOCK_TAI_MIN	10
#define PP_VMCLOCK_TAI_MAX	100

enum pp_vmclock_tai {
	PP_VMCLOCK_TAI_AS_SPEC,		/* TAI - UTC, as specified */
	PP_VMCLOCK_TAI_NEGATED,		/* UTC - TAI: taken negated */
	PP_VMCLOCK_TAI_IMPLAUSIBLE,	/* no TAI offset */
};

/* Decode tai_offset_sec (host order) into @tai_minus_utc. */
static inline enum pp_vmclock_tai
pp_vmclock_tai_offset(__s16 field, int *tai_minus_utc)
{
	int v = field < 0 ? -(int)field : field;

	if (v < PP_VMCLOCK_TAI_MIN || v > PP_VMCLOCK_TAI_MAX)
		return PP_VMCLOCK_TAI_IMPLAUSIBLE;
	*tai_minus_utc = v;
	return field < 0 ? PP_VMCLOCK_TAI_NEGATED : PP_VMCLOCK_TAI_AS_SPEC;
}

#endif /* PTP_PURE_VMCLOCK_ABI_H */
