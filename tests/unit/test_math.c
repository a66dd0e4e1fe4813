// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/ptp_pure_math.h, the arithmetic the modules run.
 *
 * Expected values come from two independent sources:
 *  - fixed vectors computed with Python's arbitrary-precision integers
 *    (the formulas are spelled out next to each vector, so they can be
 *    recomputed with python3 -c '...');
 *  - for random inputs, the oracle below: 256-bit integers as 32-bit limbs,
 *    schoolbook multiplication, shifts, and division by a 32-bit divisor,
 *    written here with neither the header nor the compiler's __int128.
 *
 * The header multiplies with the compiler's 128-bit type where it can and
 * with explicit 64-bit halves elsewhere.  This file is built twice: as
 * test_math.bin (the path x86_64, arm64 and s390x kernels use) and, with
 * -DPTP_PURE_NO_INT128, as test_math_halves.bin.  The oracle shares no code
 * with the arithmetic under test in either build; it is itself checked
 * against unsigned __int128 (test_oracle), which the header's code never
 * enters in that check.
 */
#include <check.h>
#include <stdlib.h>

#include "ptp_pure_math.h"

#define U64_MAX_ ((u64)~0ULL)

/*
 * The oracle: an unsigned 256-bit integer as eight 32-bit limbs, least
 * significant first.  Every operation works limb by limb in 64-bit
 * arithmetic that cannot overflow.
 */
#define LIMBS 8

struct big {
	u32 l[LIMBS];
};

static struct big big_of(u64 hi, u64 lo)
{
	struct big r = { { 0 } };

	r.l[0] = (u32)lo;
	r.l[1] = (u32)(lo >> 32);
	r.l[2] = (u32)hi;
	r.l[3] = (u32)(hi >> 32);
	return r;
}

static struct big big_u64(u64 v)
{
	return big_of(0, v);
}

/* 64 bits of @a from limb @i up */
static u64 big_word(struct big a, unsigned int i)
{
	return ((u64)a.l[i + 1] << 32) | a.l[i];
}

static struct big big_add(struct big a, struct big b)
{
	struct big r;
	u64 carry = 0;
	int i;

	for (i = 0; i < LIMBS; i++) {
		carry += (u64)a.l[i] + b.l[i];
		r.l[i] = (u32)carry;
		carry >>= 32;
	}
	return r;
}

/* a - b for a >= b */
static struct big big_sub(struct big a, struct big b)
{
	struct big r;
	u64 borrow = 0;
	int i;

	for (i = 0; i < LIMBS; i++) {
		u64 d = (u64)a.l[i] - b.l[i] - borrow;

		r.l[i] = (u32)d;
		borrow = (d >> 32) & 1;
	}
	return r;
}

static int big_cmp(struct big a, struct big b)
{
	int i;

	for (i = LIMBS - 1; i >= 0; i--)
		if (a.l[i] != b.l[i])
			return a.l[i] < b.l[i] ? -1 : 1;
	return 0;
}

/* a * b, truncated to 256 bits (the tests keep it below 2^200) */
static struct big big_mul(struct big a, struct big b)
{
	struct big r = { { 0 } };
	int i, j;

	for (i = 0; i < LIMBS; i++) {
		u64 carry = 0;

		for (j = 0; i + j < LIMBS; j++) {
			/* (2^32-1)^2 + 2 * (2^32-1) = 2^64 - 1: no overflow */
			carry += (u64)a.l[i] * b.l[j] + r.l[i + j];
			r.l[i + j] = (u32)carry;
			carry >>= 32;
		}
	}
	return r;
}

static struct big big_shr(struct big a, unsigned int s)
{
	struct big r = { { 0 } };
	unsigned int w = s / 32, b = s % 32, i;

	for (i = 0; i + w < LIMBS; i++) {
		u64 v = a.l[i + w];

		if (i + w + 1 < LIMBS)
			v |= (u64)a.l[i + w + 1] << 32;
		r.l[i] = (u32)(v >> b);
	}
	return r;
}

/* Any of the bits of @a below bit @s set? */
static int big_low_bits(struct big a, unsigned int s)
{
	unsigned int i;

	for (i = 0; i < s / 32; i++)
		if (a.l[i])
			return 1;
	return s % 32 && (a.l[s / 32] & ((1U << (s % 32)) - 1));
}

/* a / d with the remainder in @rem, d < 2^32 */
static struct big big_div32(struct big a, u32 d, u32 *rem)
{
	struct big q;
	u64 r = 0;
	int i;

	for (i = LIMBS - 1; i >= 0; i--) {
		r = (r << 32) | a.l[i];
		q.l[i] = (u32)(r / d);
		r %= d;
	}
	*rem = (u32)r;
	return q;
}

/* Does @a fit in 64 bits? */
static int big_fits64(struct big a)
{
	int i;

	for (i = 2; i < LIMBS; i++)
		if (a.l[i])
			return 0;
	return 1;
}

static struct big from128(struct ptp_pure_u128 v)
{
	return big_of(v.hi, v.lo);
}

#define ck_assert_big_eq(a, b) ck_assert(big_cmp((a), (b)) == 0)

/* xorshift64*: deterministic pseudo-random inputs, same on every run. */
static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

static struct big big_of128(u128 v)
{
	return big_of((u64)(v >> 64), (u64)v);
}

/* The oracle against the compiler's 128-bit type, and beyond 128 bits. */
START_TEST(test_oracle)
{
	struct big m = big_of(U64_MAX_, U64_MAX_), q;
	u32 rem;
	int i;

	for (i = 0; i < 100000; i++) {
		u64 a = rnd(), b = rnd(), c = rnd();
		unsigned int s = rnd() % 128;
		u32 d = (u32)rnd() | 1;
		u128 p;

		if (i & 1)
			b >>= rnd() & 63;
		p = (u128)a * b;
		ck_assert_big_eq(big_mul(big_u64(a), big_u64(b)), big_of128(p));
		ck_assert_big_eq(big_shr(big_of128(p), s), big_of128(p >> s));
		ck_assert_int_eq(big_low_bits(big_of128(p), s),
				 s && (p & (((u128)1 << s) - 1)) != 0);
		/* p <= (2^64 - 1)^2, so p + c < 2^128 */
		ck_assert_big_eq(big_add(big_of128(p), big_u64(c)), big_of128(p + c));
		ck_assert_big_eq(big_sub(big_of128(p + c), big_u64(c)), big_of128(p));
		ck_assert_int_eq(big_cmp(big_of128(p), big_of128(p + c)), c ? -1 : 0);
		ck_assert_int_eq(big_cmp(big_of128(p + c), big_of128(p)), c ? 1 : 0);
		q = big_div32(big_of128(p), d, &rem);
		ck_assert_big_eq(q, big_of128(p / d));
		ck_assert_uint_eq(rem, (u32)(p % d));
		ck_assert_int_eq(big_fits64(big_of128(p)), p >> 64 == 0);
	}
	/* Python: (2**128 - 1)**2 = 2**256 - 2**129 + 1 */
	m = big_mul(m, m);
	ck_assert_uint_eq(m.l[0], 1);
	ck_assert_uint_eq(m.l[1] | m.l[2] | m.l[3], 0);
	ck_assert_uint_eq(m.l[4], 0xfffffffe);
	ck_assert_uint_eq(m.l[5] & m.l[6] & m.l[7], 0xffffffff);
	/* Python: (2**256 - 2**129 + 1) >> 200 = 2**56 - 1 */
	ck_assert_big_eq(big_shr(m, 200), big_u64((1ULL << 56) - 1));
	ck_assert(big_low_bits(m, 1));
	ck_assert(!big_low_bits(big_shr(m, 1), 128));
	ck_assert(big_fits64(big_shr(m, 192)));
	ck_assert(!big_fits64(big_shr(m, 191)));
}
END_TEST
#endif

START_TEST(test_mul64_edges)
{
	struct ptp_pure_u128 r;

	r = ptp_pure_mul64(0, U64_MAX_);
	ck_assert_uint_eq(r.hi, 0);
	ck_assert_uint_eq(r.lo, 0);
	r = ptp_pure_mul64(U64_MAX_, U64_MAX_);
	/* (2^64-1)^2 = 2^128 - 2^65 + 1 */
	ck_assert_uint_eq(r.hi, U64_MAX_ - 1);
	ck_assert_uint_eq(r.lo, 1);
	r = ptp_pure_mul64(1ULL << 32, 1ULL << 32);
	ck_assert_uint_eq(r.hi, 1);
	ck_assert_uint_eq(r.lo, 0);
}
END_TEST

START_TEST(test_mul64_random)
{
	int i;

	for (i = 0; i < 100000; i++) {
		u64 a = rnd(), b = rnd();

		if (i & 1)
			b >>= rnd() & 63;
		ck_assert_big_eq(from128(ptp_pure_mul64(a, b)),
				 big_mul(big_u64(a), big_u64(b)));
	}
}
END_TEST

START_TEST(test_shr128)
{
	struct ptp_pure_u128 v = { 0x8000000000000001ULL, 0x8000000000000003ULL };
	unsigned int s;

	for (s = 0; s < 128; s++)
		ck_assert_big_eq(from128(ptp_pure_shr128(v, s)), big_shr(from128(v), s));
	ck_assert_uint_eq(ptp_pure_shr128(v, 127).lo, 1);
	ck_assert_uint_eq(ptp_pure_shr128(v, 63).hi, 1);
	ck_assert_uint_eq(ptp_pure_shr128(v, 64).lo, v.hi);
}
END_TEST

START_TEST(test_add128_carry)
{
	struct ptp_pure_u128 v = { 0, U64_MAX_ };

	ptp_pure_add128(&v, 1);
	ck_assert_uint_eq(v.hi, 1);
	ck_assert_uint_eq(v.lo, 0);
	ptp_pure_add128(&v, 5);
	ck_assert_uint_eq(v.hi, 1);
	ck_assert_uint_eq(v.lo, 5);
}
END_TEST

START_TEST(test_frac_to_ns)
{
	ck_assert_uint_eq(ptp_pure_frac_to_ns(0), 0);
	ck_assert_uint_eq(ptp_pure_frac_to_ns(1ULL << 63), 500000000);
	/* (2^64-1) * 1e9 >> 64 = 999999999: never a full second */
	ck_assert_uint_eq(ptp_pure_frac_to_ns(U64_MAX_), 999999999);
}
END_TEST

struct period_vec {
	u64 counter, ref_counter, period;
	unsigned int shift;
	u64 ref_sec, ref_frac;
	u64 sec;
	u32 nsec;
};

/*
 * Python: d = (c - r) % 2**64; t = ((d * p) >> sh) + rf;
 *         sec = rs + (t >> 64); ns = ((t % 2**64) * 10**9) >> 64
 */
static const struct period_vec period_vecs[] = {
	/* the vmclock spec's 1 ns period (shift 29), 1e9 ticks */
	{ 1000000000, 0, 0x89705F4136B4A597ULL, 29, 100, 0, 100, 999999999 },
	/* 3 GHz counter, shift 0, starting at half a second */
	{ 3000000007ULL, 0, 0x000000016e80fe03ULL, 0, 1700000000,
	  1ULL << 63, 1700000001, 500000002 },
	/* shift 63 */
	{ 12345678901234ULL, 1000, U64_MAX_, 63, 5, 0x123456789abcdef0ULL,
	  5, 71112449 },
	/* counter wrapped around since the reference */
	{ 5, 0xFFFFFFFFFFFFFFF0ULL, 0x44B82FA0AULL, 0, 7, 0, 7, 21 },
	/* fraction carries into the seconds */
	{ 1, 0, 1ULL << 63, 0, 10, (1ULL << 63) + (1ULL << 62), 11, 250000000 },
	/* shift 127: the largest product is below one 2^-64 s unit */
	{ 0x7FFFFFFFFFFFFFFFULL, 0, U64_MAX_, 127, 3, 0, 3, 0 },
	/* largest delta accepted (2^63 - 1), shift 64: (d * p) >> 64 */
	{ 0x7FFFFFFFFFFFFFFFULL, 0, 1ULL << 63, 64, 0, 0, 0, 249999999 },
};

START_TEST(test_period_vectors)
{
	const struct period_vec *v = &period_vecs[_i];
	struct ptp_pure_time t;

	ck_assert_int_eq(ptp_pure_period_time(v->counter, v->ref_counter,
					      v->period, v->shift, v->ref_sec,
					      v->ref_frac, &t), 0);
	ck_assert_uint_eq(t.sec, v->sec);
	ck_assert_uint_eq(t.nsec, v->nsec);
}
END_TEST

START_TEST(test_period_random)
{
	int i;

	for (i = 0; i < 100000; i++) {
		u64 ref = rnd(), delta = rnd() >> (1 + (rnd() & 63));
		u64 period = rnd(), frac = rnd(), sec = rnd() >> 2;
		unsigned int shift = rnd() % 128;
		struct ptp_pure_time t;
		struct big x, ns;

		/* x = ((delta * period) >> shift) + frac: seconds above bit 64 */
		x = big_add(big_shr(big_mul(big_u64(delta), big_u64(period)), shift),
			    big_u64(frac));
		/* ns = ((x mod 2^64) * 1e9) >> 64 */
		ns = big_shr(big_mul(big_u64(big_word(x, 0)), big_u64(1000000000)), 64);
		ck_assert_int_eq(ptp_pure_period_time(ref + delta, ref, period,
						      shift, sec, frac, &t), 0);
		ck_assert_uint_eq(t.sec, sec + big_word(x, 2));
		ck_assert_uint_eq(t.nsec, big_word(ns, 0));
		ck_assert_uint_lt(t.nsec, 1000000000);
	}
}
END_TEST

START_TEST(test_period_errors)
{
	struct ptp_pure_time t;

	/* counter before the reference (device page from the future) */
	ck_assert_int_eq(ptp_pure_period_time(100, 101, 1, 0, 0, 0, &t), -ERANGE);
	/* shift beyond 127 */
	ck_assert_int_eq(ptp_pure_period_time(1, 0, 1, 128, 0, 0, &t), -EINVAL);
	/* seconds overflow */
	ck_assert_int_eq(ptp_pure_period_time(2, 0, U64_MAX_, 0, U64_MAX_, 0, &t),
			 -ERANGE);
	/* largest product plus largest fraction still fits in 128 bits */
	ck_assert_int_eq(ptp_pure_period_time(1ULL << 62, 0, U64_MAX_, 0, 0,
					      U64_MAX_, &t), 0);
	ck_assert_uint_eq(t.sec, (1ULL << 62));
	ck_assert_uint_eq(t.nsec, 749999999);
}
END_TEST

/* The error bound over an interval, rounded up, from the oracle */
static u64 err_ref(u64 delta, u64 rate, unsigned int shift)
{
	struct big p = big_mul(big_u64(delta), big_u64(rate));
	struct big t = big_shr(p, shift), ns;

	/* bits the shift dropped: round up */
	if (big_low_bits(p, shift))
		t = big_add(t, big_u64(1));
	/* ceil(t * 1e9 / 2^64), saturated */
	ns = big_shr(big_add(big_mul(t, big_u64(1000000000)), big_u64(U64_MAX_)), 64);
	return big_fits64(ns) ? big_word(ns, 0) : U64_MAX_;
}

START_TEST(test_period_error)
{
	u64 ns;
	int i;

	/* 0.5 s of error per period (2^63 * 2^-64 s) over 3 periods */
	ck_assert_int_eq(ptp_pure_period_error_ns(13, 10, 1ULL << 63, 0, &ns), 0);
	ck_assert_uint_eq(ns, 1500000000ULL);
	/* Python: -(-3 * 10**9 // 2**64) == 1: 3 units of 2^-64 s round up */
	ck_assert_int_eq(ptp_pure_period_error_ns(3, 0, 1ULL << 20, 20, &ns), 0);
	ck_assert_uint_eq(ns, 1);
	/* 1 unit of 2^-64 s is 5.4e-11 ns: rounds up to 1 ns, never 0 */
	ck_assert_int_eq(ptp_pure_period_error_ns(1, 0, 1, 0, &ns), 0);
	ck_assert_uint_eq(ns, 1);
	ck_assert_int_eq(ptp_pure_period_error_ns(1, 0, 1, 127, &ns), 0);
	ck_assert_uint_eq(ns, 1);
	ck_assert_int_eq(ptp_pure_period_error_ns(5, 5, ~0ULL, 0, &ns), 0);
	ck_assert_uint_eq(ns, 0);
	/* saturation */
	ck_assert_int_eq(ptp_pure_period_error_ns(~0ULL >> 1, 0, ~0ULL, 0, &ns), 0);
	ck_assert_uint_eq(ns, ~0ULL);
	ck_assert_int_eq(ptp_pure_period_error_ns(0, 1, 1, 0, &ns), -ERANGE);
	ck_assert_int_eq(ptp_pure_period_error_ns(1, 0, 1, 128, &ns), -EINVAL);
	for (i = 0; i < 100000; i++) {
		u64 d = rnd() >> (1 + rnd() % 63), r = rnd() >> (rnd() % 64);
		unsigned int sh = rnd() % 128;

		ck_assert_int_eq(ptp_pure_period_error_ns(d, 0, r, sh, &ns), 0);
		ck_assert_uint_eq(ns, err_ref(d, r, sh));
	}
}
END_TEST

START_TEST(test_tod)
{
	struct ptp_pure_time t;

	/* Python: v = (ei << 64) + tod - 0x7d91048bca000000; ns = v*125 >> 9 */
	ck_assert_int_eq(ptp_pure_tod_to_time(0, PTP_PURE_TOD_UNIX_EPOCH, &t), 0);
	ck_assert_uint_eq(t.sec, 0);
	ck_assert_uint_eq(t.nsec, 0);
	ck_assert_int_eq(ptp_pure_tod_to_time(0, PTP_PURE_TOD_UNIX_EPOCH +
					      4096ULL * 1000000, &t), 0);
	ck_assert_uint_eq(t.sec, 1);
	ck_assert_uint_eq(t.nsec, 0);
	ck_assert_int_eq(ptp_pure_tod_to_time(0, 0xdeadbeefcafe1234ULL, &t), 0);
	ck_assert_uint_eq(t.sec, 1708416225);
	ck_assert_uint_eq(t.nsec, 513441137);
	/* last value of epoch 0 (2042-09-17) and just after the wrap */
	ck_assert_int_eq(ptp_pure_tod_to_time(0, U64_MAX_, &t), 0);
	ck_assert_uint_eq(t.sec, 2294610827ULL);
	ck_assert_uint_eq(t.nsec, 370495999);
	ck_assert_int_eq(ptp_pure_tod_to_time(1, 0x1234, &t), 0);
	ck_assert_uint_eq(t.sec, 2294610827ULL);
	ck_assert_uint_eq(t.nsec, 370497137);
	/* the wrap itself: epoch 1, TOD 0 is 2042-09-17T23:53:47.370496Z */
	ck_assert_int_eq(ptp_pure_tod_to_time(1, 0, &t), 0);
	ck_assert_uint_eq(t.sec, 2294610827ULL);
	ck_assert_uint_eq(t.nsec, 370496000);
	/* later epochs, up to the last value of epoch 255 */
	ck_assert_int_eq(ptp_pure_tod_to_time(2, 0x0123456789abcdefULL, &t), 0);
	ck_assert_uint_eq(t.sec, 6818226453ULL);
	ck_assert_uint_eq(t.nsec, 84860870);
	ck_assert_int_eq(ptp_pure_tod_to_time(255, U64_MAX_, &t), 0);
	ck_assert_uint_eq(t.sec, 1150712515806ULL);
	ck_assert_uint_eq(t.nsec, 846975999);
	/* before 1970 */
	ck_assert_int_eq(ptp_pure_tod_to_time(0, 0, &t), -ERANGE);
}
END_TEST

START_TEST(test_tod_stcke)
{
	/* STCKE stores the epoch index, then the TOD most significant first. */
	static const u8 b[16] = { 0x01, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
				  0xde, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff,
				  0xff, 0xff };
	u8 ei;
	u64 tod;

	ptp_pure_tod_parse_stcke(b, &ei, &tod);
	ck_assert_uint_eq(ei, 1);
	ck_assert_uint_eq(tod, 0x123456789abcdef0ULL);
}
END_TEST

START_TEST(test_tod_epoch_near)
{
	u8 ei = 99;

	/* same epoch, either side of the reference */
	ck_assert_int_eq(ptp_pure_tod_epoch_near(0, 0x8000000000000000ULL,
						 0x7000000000000000ULL, &ei), 0);
	ck_assert_uint_eq(ei, 0);
	ck_assert_int_eq(ptp_pure_tod_epoch_near(3, 5, 7, &ei), 0);
	ck_assert_uint_eq(ei, 3);
	/* the reference has wrapped into epoch 1, the value not yet */
	ck_assert_int_eq(ptp_pure_tod_epoch_near(1, 0x10, U64_MAX_ - 0x10, &ei), 0);
	ck_assert_uint_eq(ei, 0);
	/* the value has wrapped, the reference not yet */
	ck_assert_int_eq(ptp_pure_tod_epoch_near(0, U64_MAX_ - 0x10, 0x10, &ei), 0);
	ck_assert_uint_eq(ei, 1);
	/* no epoch before 0, none after 255 */
	ck_assert_int_eq(ptp_pure_tod_epoch_near(0, 0x10, U64_MAX_, &ei), -ERANGE);
	ck_assert_int_eq(ptp_pure_tod_epoch_near(255, U64_MAX_, 0x10, &ei), -ERANGE);
}
END_TEST

START_TEST(test_tod_random)
{
	int i;

	for (i = 0; i < 100000; i++) {
		u8 ei = (u8)rnd();
		u64 tod = rnd();
		struct big v = big_of(ei, tod);
		struct big epoch = big_u64(PTP_PURE_TOD_UNIX_EPOCH);
		struct big ns, sec;
		struct ptp_pure_time t;
		u32 nsec;

		if (big_cmp(v, epoch) < 0) {
			ck_assert_int_eq(ptp_pure_tod_to_time(ei, tod, &t), -ERANGE);
			continue;
		}
		/* ns = ((v - epoch) * 125) >> 9 */
		ns = big_shr(big_mul(big_sub(v, epoch), big_u64(125)), 9);
		sec = big_div32(ns, 1000000000, &nsec);
		ck_assert_int_eq(ptp_pure_tod_to_time(ei, tod, &t), 0);
		ck_assert(big_fits64(sec));
		ck_assert_uint_eq(t.sec, big_word(sec, 0));
		ck_assert_uint_eq(t.nsec, nsec);
	}
}
END_TEST

START_TEST(test_days_from_civil)
{
	/* Python: (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days */
	ck_assert_int_eq(ptp_pure_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(ptp_pure_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(ptp_pure_days_from_civil(2024, 2, 29), 19782);
	ck_assert_int_eq(ptp_pure_days_from_civil(2026, 11, 25), 20782);
	ck_assert_int_eq(ptp_pure_days_from_civil(2038, 1, 19), 24855);
	ck_assert_int_eq(ptp_pure_days_from_civil(2100, 12, 31), 47846);
}
END_TEST

START_TEST(test_shift_sec)
{
	u64 sec;

	/* TAI -> UTC: subtract TAI - UTC */
	ck_assert_int_eq(ptp_pure_shift_sec(1000037, -37, &sec), 0);
	ck_assert_uint_eq(sec, 1000000);
	/* a negative TAI - UTC offset adds (test pages, hypothetical hosts) */
	ck_assert_int_eq(ptp_pure_shift_sec(1000000, 3600, &sec), 0);
	ck_assert_uint_eq(sec, 1003600);
	ck_assert_int_eq(ptp_pure_shift_sec(36, -37, &sec), -ERANGE);
	ck_assert_int_eq(ptp_pure_shift_sec(37, -37, &sec), 0);
	ck_assert_uint_eq(sec, 0);
	/* UTC -> TAI near the top must not wrap */
	ck_assert_int_eq(ptp_pure_shift_sec(~0ULL - 36, 37, &sec), -ERANGE);
	ck_assert_int_eq(ptp_pure_shift_sec(~0ULL - 37, 37, &sec), 0);
	ck_assert_uint_eq(sec, ~0ULL);
	ck_assert_int_eq(ptp_pure_shift_sec(0, -32768, &sec), -ERANGE);
}
END_TEST

static Suite *math_suite(void)
{
#ifdef PTP_PURE_HAVE_INT128
	Suite *s = suite_create("ptp_pure_math (__int128)");
#else
	Suite *s = suite_create("ptp_pure_math (64-bit halves)");
#endif
	TCase *tc = tcase_create("math");

#ifdef __SIZEOF_INT128__
	tcase_add_test(tc, test_oracle);
#endif
	tcase_add_test(tc, test_mul64_edges);
	tcase_add_test(tc, test_mul64_random);
	tcase_add_test(tc, test_shr128);
	tcase_add_test(tc, test_add128_carry);
	tcase_add_test(tc, test_frac_to_ns);
	tcase_add_loop_test(tc, test_period_vectors, 0,
			    sizeof(period_vecs) / sizeof(period_vecs[0]));
	tcase_add_test(tc, test_period_random);
	tcase_add_test(tc, test_period_errors);
	tcase_add_test(tc, test_period_error);
	tcase_add_test(tc, test_tod);
	tcase_add_test(tc, test_tod_random);
	tcase_add_test(tc, test_tod_stcke);
	tcase_add_test(tc, test_tod_epoch_near);
	tcase_add_test(tc, test_days_from_civil);
	tcase_add_test(tc, test_shift_sec);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(math_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
