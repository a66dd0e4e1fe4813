/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure_math.h - pure arithmetic shared by ptp-pure modules and unit tests
 *
 * Everything here is free of kernel state so that the same code compiles in
 * the kernel and in the userspace unit tests (tests/unit/).  Do not add
 * anything that needs locking, I/O or a particular architecture.
 *
 * The 128-bit helpers are written with explicit 64-bit halves rather than
 * "unsigned __int128" so they work on every architecture the kernel builds
 * for (the multiplication uses the compiler's type where it has one).  The
 * unit tests check them against an oracle of their own that uses neither.
 */
#ifndef PTP_PURE_MATH_H
#define PTP_PURE_MATH_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#else
/* Userspace (unit tests): the kernel's type names from the UAPI ones. */
#include <errno.h>
#include <stdbool.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;
#endif

#define PTP_PURE_NSEC_PER_SEC	1000000000ULL

/**
 * struct ptp_pure_u128 - unsigned 128-bit value as two 64-bit halves
 * @hi: most significant 64 bits
 * @lo: least significant 64 bits
 */
struct ptp_pure_u128 {
	u64 hi;
	u64 lo;
};

/**
 * struct ptp_pure_time - seconds and nanoseconds, the result of conversions
 * @sec: whole seconds since the epoch of the time scale
 * @nsec: nanoseconds, always in [0, 1e9)
 */
struct ptp_pure_time {
	u64 sec;
	u32 nsec;
};

/*
 * The compiler's 128-bit type where the architecture has it (one
 * instruction on x86_64, arm64 and s390x); 32-bit partial products
 * elsewhere.  The unit tests build both (PTP_PURE_NO_INT128 forces the
 * second).
 */
#if defined(__SIZEOF_INT128__) && !defined(PTP_PURE_NO_INT128) && \
	(!defined(__KERNEL__) || defined(CONFIG_ARCH_SUPPORTS_INT128))
#define PTP_PURE_HAVE_INT128 1
#endif

/* Full 64x64 -> 128 multiplication. */
static inline struct ptp_pure_u128 ptp_pure_mul64(u64 a, u64 b)
{
#ifdef PTP_PURE_HAVE_INT128
	__uint128_t p = (__uint128_t)a * b;
	struct ptp_pure_u128 r;

	r.lo = (u64)p;
	r.hi = (u64)(p >> 64);
	return r;
#else
	u64 a_lo = (u32)a, a_hi = a >> 32;
	u64 b_lo = (u32)b, b_hi = b >> 32;
	u64 ll = a_lo * b_lo;
	u64 lh = a_lo * b_hi;
	u64 hl = a_hi * b_lo;
	u64 hh = a_hi * b_hi;
	u64 mid = (ll >> 32) + (u32)lh + (u32)hl;
	struct ptp_pure_u128 r;

	r.lo = (mid << 32) | (u32)ll;
	r.hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return r;
#endif
}

/* Logical right shift of a 128-bit value; @shift may be 0..127. */
static inline struct ptp_pure_u128 ptp_pure_shr128(struct ptp_pure_u128 v,
						   unsigned int shift)
{
	struct ptp_pure_u128 r;

	if (shift == 0)
		return v;
	if (shift >= 64) {
		r.lo = v.hi >> (shift - 64);
		r.hi = 0;
	} else {
		r.lo = (v.lo >> shift) | (v.hi << (64 - shift));
		r.hi = v.hi >> shift;
	}
	return r;
}

/* 128-bit addition of a 64-bit value. */
static inline void ptp_pure_add128(struct ptp_pure_u128 *v, u64 add)
{
	u64 lo = v->lo + add;

	v->hi += lo < v->lo;
	v->lo = lo;
}

/**
 * ptp_pure_frac_to_ns() - convert a binary fraction of a second to ns
 * @frac: fraction of a second in units of 2^-64 s
 *
 * Rounds down, so the result is always below one second.
 *
 * Return: nanoseconds in [0, 1e9).
 */
static inline u32 ptp_pure_frac_to_ns(u64 frac)
{
	return (u32)ptp_pure_mul64(frac, PTP_PURE_NSEC_PER_SEC).hi;
}

/**
 * ptp_pure_period_time() - time from a counter paired with a rate
 * @counter: counter value for which the time is wanted
 * @ref_counter: counter value at which @ref_sec/@ref_frac were valid
 * @period_frac: counter period in units of 2^-(64 + @shift) seconds
 * @shift: extra binary shift of @period_frac, 0..127
 * @ref_sec: whole seconds at @ref_counter
 * @ref_frac: fraction of a second at @ref_counter in units of 2^-64 s
 * @out: result
 *
 * Computes ref + (counter - ref_counter) * period with 128-bit intermediate
 * precision.  This is the vmclock time formula; any rate-based backend can
 * use it.
 *
 * Return: 0, -ERANGE if @counter lies before @ref_counter (as a signed 64-bit
 * difference, which tolerates counter wrap-around) or the seconds overflow,
 * -EINVAL if @shift is out of range.
 */
static inline int ptp_pure_period_time(u64 counter, u64 ref_counter,
				       u64 period_frac, unsigned int shift,
				       u64 ref_sec, u64 ref_frac,
				       struct ptp_pure_time *out)
{
	u64 delta = counter - ref_counter;
	struct ptp_pure_u128 t;

	if (shift > 127)
		return -EINVAL;
	if ((s64)delta < 0)
		return -ERANGE;

	/* t = delta * period / 2^shift, in units of 2^-64 s */
	t = ptp_pure_shr128(ptp_pure_mul64(delta, period_frac), shift);
	/* (2^64 - 1)^2 + 2^64 - 1 < 2^128: this cannot carry out. */
	ptp_pure_add128(&t, ref_frac);
	/* t.hi now holds whole seconds elapsed, t.lo the fraction. */
	if (t.hi > ~0ULL - ref_sec)
		return -ERANGE;
	out->sec = ref_sec + t.hi;
	out->nsec = ptp_pure_frac_to_ns(t.lo);
	return 0;
}

/**
 * ptp_pure_period_error_ns() - error accumulated over a counter interval
 * @counter: counter value now
 * @ref_counter: counter value at which the error was last known
 * @rate_frac: error per counter period in units of 2^-(64 + @shift) s
 * @shift: extra binary shift of @rate_frac, 0..127
 * @ns: result, rounded up (an error bound must never be optimistic) and
 *	saturated at U64_MAX
 *
 * Return: 0, -ERANGE if @counter lies before @ref_counter, -EINVAL if
 * @shift is out of range.
 */
static inline int ptp_pure_period_error_ns(u64 counter, u64 ref_counter,
					   u64 rate_frac, unsigned int shift,
					   u64 *ns)
{
	u64 delta = counter - ref_counter;
	struct ptp_pure_u128 p, t;
	u64 frac_ns, lost;

	if (shift > 127)
		return -EINVAL;
	if ((s64)delta < 0)
		return -ERANGE;

	p = ptp_pure_mul64(delta, rate_frac);
	t = ptp_pure_shr128(p, shift);
	/* Bits the shift dropped: the true value is above t, round t up. */
	if (shift >= 64)
		lost = p.lo | (shift > 64 ? p.hi << (128 - shift) : 0);
	else
		lost = shift ? p.lo << (64 - shift) : 0;
	if (lost)
		ptp_pure_add128(&t, 1);
	/* t.hi whole seconds, t.lo the fraction in 2^-64 s: ceil to ns. */
	p = ptp_pure_mul64(t.lo, PTP_PURE_NSEC_PER_SEC);
	frac_ns = p.hi + (p.lo != 0);
	if (t.hi > (~0ULL - frac_ns) / PTP_PURE_NSEC_PER_SEC) {
		*ns = ~0ULL;
		return 0;
	}
	*ns = t.hi * PTP_PURE_NSEC_PER_SEC + frac_ns;
	return 0;
}

/*
 * s390 TOD clock: bit 51 of the 64-bit TOD is one microsecond, so one TOD
 * unit is 1/4096 us and ns = tod * 1000 / 4096 = tod * 125 / 512.  The
 * extended format prepends an 8-bit epoch index, making a 72-bit count.
 * PTP_PURE_TOD_UNIX_EPOCH is the TOD value at 1970-01-01T00:00:00 (UTC) with
 * epoch index 0; it equals the 2208988800 s from 1900 to 1970 in TOD units.
 */
#define PTP_PURE_TOD_UNIX_EPOCH	0x7d91048bca000000ULL

/**
 * ptp_pure_tod_to_time() - convert an extended s390 TOD value to Unix time
 * @epoch_idx: epoch index (the byte above the 64-bit TOD)
 * @tod: 64-bit TOD clock value
 * @out: seconds and nanoseconds since 1970-01-01
 *
 * Return: 0, or -ERANGE for a TOD value before 1970.
 */
static inline int ptp_pure_tod_to_time(u8 epoch_idx, u64 tod,
				       struct ptp_pure_time *out)
{
	struct ptp_pure_u128 t, ns;
	u64 borrow = tod < PTP_PURE_TOD_UNIX_EPOCH;
	u64 sec, rem;

	if (epoch_idx < borrow)
		return -ERANGE;
	t.hi = epoch_idx - borrow;
	t.lo = tod - PTP_PURE_TOD_UNIX_EPOCH;

	/* ns = t * 125 / 512; t < 2^72, so t * 125 < 2^79 fits. */
	ns = ptp_pure_mul64(t.lo, 125);
	ns.hi += t.hi * 125;
	ns = ptp_pure_shr128(ns, 9);

	/* ns < 2^70: split with a 2^70 / 1e9 < 2^41 quotient, done in parts. */
	sec = ((ns.hi << 32) | (ns.lo >> 32)) / PTP_PURE_NSEC_PER_SEC;
	rem = ((ns.hi << 32) | (ns.lo >> 32)) - sec * PTP_PURE_NSEC_PER_SEC;
	/* rem < 1e9 < 2^30, so (rem << 32) | low32 fits in 64 bits. */
	rem = (rem << 32) | (u32)ns.lo;
	out->sec = (sec << 32) + rem / PTP_PURE_NSEC_PER_SEC;
	out->nsec = (u32)(rem % PTP_PURE_NSEC_PER_SEC);
	return 0;
}

/**
 * ptp_pure_tod_parse_stcke() - the epoch index and TOD of an STCKE result
 * @b: the 16 bytes STORE CLOCK EXTENDED stored, in storage order
 * @epoch_idx: byte 0, the epoch index
 * @tod: bytes 1-8, the 64-bit TOD clock (big-endian in storage)
 *
 * Decoded byte by byte, so the result does not depend on the byte order
 * of the machine that decodes it (the unit tests run on little-endian).
 */
static inline void ptp_pure_tod_parse_stcke(const u8 *b, u8 *epoch_idx,
					    u64 *tod)
{
	u64 v = 0;
	int i;

	for (i = 1; i <= 8; i++)
		v = (v << 8) | b[i];
	*epoch_idx = b[0];
	*tod = v;
}

/**
 * ptp_pure_tod_epoch_near() - epoch index of a TOD value read near another
 * @ref_idx: epoch index of the reference reading
 * @ref_tod: 64-bit TOD of the reference reading
 * @tod: a 64-bit TOD value without epoch index (PTFF query physical clock)
 *	that lies within 2^63 TOD units (about 71 years) of the reference
 * @epoch_idx: the epoch index of @tod
 *
 * A 64-bit value far above the reference belongs to the epoch before it
 * (the reference has wrapped, @tod not yet), one far below to the epoch
 * after it.
 *
 * Return: 0, or -ERANGE if that epoch is before index 0 or after 255.
 */
static inline int ptp_pure_tod_epoch_near(u8 ref_idx, u64 ref_tod, u64 tod,
					  u8 *epoch_idx)
{
	if (tod > ref_tod && tod - ref_tod > (1ULL << 63)) {
		if (ref_idx == 0)
			return -ERANGE;
		*epoch_idx = ref_idx - 1;
	} else if (tod < ref_tod && ref_tod - tod > (1ULL << 63)) {
		if (ref_idx == 255)
			return -ERANGE;
		*epoch_idx = ref_idx + 1;
	} else {
		*epoch_idx = ref_idx;
	}
	return 0;
}

/**
 * ptp_pure_days_from_civil() - days between 1970-01-01 and a date
 * @year: proleptic Gregorian year, >= 1970
 * @month: 1..12
 * @day: 1..31
 *
 * Return: day count; callers validate the range of their inputs.
 */
static inline s64 ptp_pure_days_from_civil(s64 year, unsigned int month,
					   unsigned int day)
{
	s64 era, yoe, doy, doe;

	/* Count years from March so the leap day is the last day of a year. */
	if (month <= 2)
		year--;
	era = year / 400;
	yoe = year - era * 400;
	doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/**
 * ptp_pure_shift_sec() - move seconds between time scales
 * @sec: seconds on one scale
 * @delta: seconds to add: the TAI - UTC offset (37 since 2017) from UTC
 *	to TAI, its negation from TAI to UTC
 * @out: result
 *
 * Return: 0, or -ERANGE if the result would be negative or wrap.
 */
static inline int ptp_pure_shift_sec(u64 sec, s64 delta, u64 *out)
{
	if (delta < 0 ? sec < -(u64)delta : sec > ~0ULL - (u64)delta)
		return -ERANGE;
	*out = sec + (u64)delta;
	return 0;
}

#endif /* PTP_PURE_MATH_H */
