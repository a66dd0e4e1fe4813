// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/ptp_pure_math.h, the arithmetic the modules run.
 *
 * Expected values come from two independent sources:
 *  - fixed vectors computed with Python's arbitrary-precision integers
 *    (the formulas are spelled out next to each vector, so they can be
 *    recomputed with python3 -c '...');
 *  - for random inputs, the compiler's unsigned __int128.
 *
 * The header multiplies with the compiler's 128-bit type where it can and
 * with explicit 64-bit halves elsewhere.  This file is built twice: as
 * test_math.bin (the path x86_64, arm64 and s390x kernels use) and, with
 * -DPTP_PURE_NO_INT128, as test_math_halves.bin, where the random oracle
 * shares no code with the arithmetic under test.
 */
#include <check.h>
#include <stdlib.h>

#include "ptp_pure_math.h"

typedef unsigned __int128 u128;

#define U64_MAX_ ((u64)~0ULL)

/* xorshift64*: deterministic pseudo-random inputs, same on every run. */
static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static u128 to128(struct ptp_pure_u128 v)
{
	return ((u128)v.hi << 64) | v.lo;
}

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
		ck_assert(to128(ptp_pure_mul64(a, b)) == (u128)a * b);
	}
}
END_TEST

START_TEST(test_shr128)
{
	struct ptp_pure_u128 v = { 0x8000000000000001ULL, 0x8000000000000003ULL };
	unsigned int s;

	for (s = 0; s < 128; s++)
		ck_assert(to128(ptp_pure_shr128(v, s)) == to128(v) >> s);
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
		u128 x = (((u128)delta * period) >> shift) + frac;

		ck_assert_int_eq(ptp_pure_period_time(ref + delta, ref, period,
						      shift, sec, frac, &t), 0);
		ck_assert_uint_eq(t.sec, sec + (u64)(x >> 64));
		ck_assert_uint_eq(t.nsec, (u32)(((x & U64_MAX_) * 1000000000) >> 64));
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

/* The error bound over an interval, rounded up, against __int128 */
static u64 err_ref(u64 delta, u64 rate, unsigned int shift)
{
	u128 p = (u128)delta * rate;
	u128 t = shift >= 128 ? 0 : p >> shift;
	u128 ns;

	if (shift && shift < 128 && (p & (((u128)1 << shift) - 1)))
		t++;
	else if (shift >= 128 && p)
		t++;
	/* ceil(t * 1e9 / 2^64), saturated */
	if ((t >> 64) > ~0ULL / 1000000000ULL)
		return ~0ULL;
	ns = (t >> 64) * 1000000000ULL +
	     ((((t & ~0ULL) * (u128)1000000000ULL) + ~0ULL) >> 64);
	return ns > ~0ULL ? ~0ULL : (u64)ns;
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
		u128 v = ((u128)ei << 64) + tod;
		struct ptp_pure_time t;
		u128 ns;

		if (v < PTP_PURE_TOD_UNIX_EPOCH) {
			ck_assert_int_eq(ptp_pure_tod_to_time(ei, tod, &t), -ERANGE);
			continue;
		}
		ns = ((v - PTP_PURE_TOD_UNIX_EPOCH) * 125) >> 9;
		ck_assert_int_eq(ptp_pure_tod_to_time(ei, tod, &t), 0);
		ck_assert_uint_eq(t.sec, (u64)(ns / 1000000000));
		ck_assert_uint_eq(t.nsec, (u32)(ns % 1000000000));
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
