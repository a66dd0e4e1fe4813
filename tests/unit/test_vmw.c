// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/ptp_pure_vmw_abi.h: decoding the VMware host's
 * answer to the precision-clock command (status in EAX, nanoseconds in
 * EBX:ECX), the code ptp_pure_vmw runs.
 *
 * The fixed vectors were computed with Python's integers and datetime:
 *   ns = (hi << 32) | lo; sec, nsec = divmod(ns, 10**9)
 *   e.g. python3 -c 'print(divmod((0x18a5c3b1 << 32) | 0x2f7e8d40, 10**9))'
 * and one real date: 2026-12-02T14:40:00.123456789Z is
 *   int(datetime.datetime(2026,12,2,14,40,tzinfo=timezone.utc).timestamp())
 *   = 1796222400 s, i.e. ns 0x18ed76c1_90f54d15.
 * Random answers are checked against the compiler's 128-bit arithmetic
 * (sec * 10^9 + nsec must give back hi:lo, with nsec < 10^9).
 */
#include <check.h>
#include <stdlib.h>

#include "ptp_pure_vmw_abi.h"

struct vmw_vec {
	u32 hi, lo;
	u64 sec;
	u32 nsec;
};

static const struct vmw_vec vmw_vecs[] = {
	{ 0x00000000, 0x00000000, 0, 0 },
	{ 0x00000000, 0x00000001, 0, 1 },
	{ 0x00000000, 0x3b9ac9ff, 0, 999999999 },
	{ 0x00000000, 0x3b9aca00, 1, 0 },
	{ 0x00000001, 0x00000000, 4, 294967296 },
	{ 0x18a5c3b1, 0x2f7e8d40, 1776040793ULL, 840979264 },
	{ 0x17f3e1c2, 0xa4b5c6d7, 1725971308ULL, 316313303 },
	{ 0x18ed76c1, 0x90f54d15, 1796222400ULL, 123456789 },
	{ 0xffffffff, 0xffffffff, 18446744073ULL, 709551615 },
};

START_TEST(test_vmw_vectors)
{
	const struct vmw_vec *v = &vmw_vecs[_i];
	struct ptp_pure_time t = { 0, 0 };

	ck_assert_int_eq(ptp_pure_vmw_decode(0, v->hi, v->lo, &t), 0);
	ck_assert_uint_eq(t.sec, v->sec);
	ck_assert_uint_eq(t.nsec, v->nsec);
}
END_TEST

/* Any non-zero status in the low 32 bits fails, leaving @out alone. */
START_TEST(test_vmw_status)
{
	static const u64 bad[] = {
		1, 0xffffffffULL, PTP_PURE_VMW_MAGIC, 0x80000000ULL,
		0xffffffff00000001ULL,
	};
	struct ptp_pure_time t;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.sec = 7;
		t.nsec = 8;
		ck_assert_int_eq(ptp_pure_vmw_decode(bad[i], 0x18ed76c1,
						     0x90f54d15, &t), -EIO);
		ck_assert_uint_eq(t.sec, 7);
		ck_assert_uint_eq(t.nsec, 8);
	}
	/* Only EAX's low half is the status: bits above it do not count. */
	ck_assert_int_eq(ptp_pure_vmw_decode(0xffffffff00000000ULL, 0, 0x3b9aca00,
					     &t), 0);
	ck_assert_uint_eq(t.sec, 1);
	ck_assert_uint_eq(t.nsec, 0);
}
END_TEST

/* The command word: precision clock 97, sub-command 0 (get time). */
START_TEST(test_vmw_command)
{
	ck_assert_uint_eq(PTP_PURE_VMW_CMD_PCLK_GETTIME, 97);
	ck_assert_uint_eq(PTP_PURE_VMW_MAGIC, 0x564d5868);	/* "VMXh" */
}
END_TEST

static u64 rng_state = 0x243f6a8885a308d3ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

START_TEST(test_vmw_random)
{
	struct ptp_pure_time t;
	unsigned __int128 back;
	u64 r;
	int i;

	for (i = 0; i < 100000; i++) {
		r = rnd();
		ck_assert_int_eq(ptp_pure_vmw_decode(0, r >> 32, (u32)r, &t), 0);
		ck_assert_uint_lt(t.nsec, 1000000000);
		back = (unsigned __int128)t.sec * 1000000000 + t.nsec;
		ck_assert(back == r);
	}
}
END_TEST

static Suite *vmw_suite(void)
{
	Suite *s = suite_create("ptp_pure_vmw_abi");
	TCase *tc = tcase_create("decode");

	tcase_add_loop_test(tc, test_vmw_vectors, 0,
			    sizeof(vmw_vecs) / sizeof(vmw_vecs[0]));
	tcase_add_test(tc, test_vmw_status);
	tcase_add_test(tc, test_vmw_command);
	tcase_add_test(tc, test_vmw_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vmw_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
