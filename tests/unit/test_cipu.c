// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/ptp_pure_cipu_regs.h: the register layout and the
 * decoding ptp_pure_cipu does (time stamp flags, epoch base, environment
 * version, health bits to status).
 *
 * Expected epoch bases are Python's calendar.timegm((Y, 1, 1, 0, 0, 0)).
 */
#include <check.h>
#include <stdlib.h>

#include "ptp_pure_cipu_regs.h"

START_TEST(test_layout)
{
	/* The block as the device has it: naturally aligned, 0x38 bytes. */
	ck_assert_uint_eq(PP_CIPU_DEV_STAT, 0x10);
	ck_assert_uint_eq(PP_CIPU_SYNC_STAT, 0x11);
	ck_assert_uint_eq(PP_CIPU_TSTAMP_NS % 8, 0);
	ck_assert_uint_eq(PP_CIPU_THRESH_US + 4 + 4, PP_CIPU_REG_SIZE);
	ck_assert_uint_eq(PP_CIPU_DRV_CAP, PP_CIPU_FEAT_TAI | PP_CIPU_FEAT_EPOCH |
			  PP_CIPU_FEAT_IRQ_ABN | PP_CIPU_FEAT_IRQ_REC);
	ck_assert_uint_eq(PP_CIPU_DRV_VERSION, 0x01010300);
}
END_TEST

START_TEST(test_epoch_base)
{
	static const struct { u32 year; s64 sec; } v[] = {
		{ 1970, 0 }, { 1971, 31536000 }, { 1972, 63072000 },
		{ 2000, 946684800 }, { 2001, 978307200 }, { 2024, 1704067200 },
		{ 2100, 4102444800LL }, { 2200, 7258118400LL },
	};
	unsigned int i;
	s64 sec;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sec = -1;
		ck_assert_int_eq(pp_cipu_epoch_base(v[i].year, &sec), 0);
		ck_assert_int_eq(sec, v[i].sec);
	}
	ck_assert_int_eq(pp_cipu_epoch_base(1969, &sec), -1);
	ck_assert_int_eq(pp_cipu_epoch_base(2201, &sec), -1);
	ck_assert_int_eq(pp_cipu_epoch_base(0, &sec), -1);
	ck_assert_int_eq(pp_cipu_epoch_base(0xffffffffU, &sec), -1);
}
END_TEST

START_TEST(test_env_ver)
{
	u32 v = 0;

	ck_assert_int_eq(pp_cipu_env_ver("6.1.0-27-amd64", &v), 0);
	ck_assert_uint_eq(v, 0xf8060100);
	ck_assert_int_eq(pp_cipu_env_ver("5.10.226", &v), 0);
	ck_assert_uint_eq(v, 0xf8050ae2);
	/* A sublevel beyond 255 is capped. */
	ck_assert_int_eq(pp_cipu_env_ver("4.19.325-cip", &v), 0);
	ck_assert_uint_eq(v, 0xf80413ff);
	ck_assert_int_eq(pp_cipu_env_ver("7.3.4+deb13-amd64", &v), 0);
	ck_assert_uint_eq(v, 0xf8070304);
	/* Not three numbers: refused, the value untouched. */
	v = 1;
	ck_assert_int_eq(pp_cipu_env_ver("6.1", &v), -1);
	ck_assert_int_eq(pp_cipu_env_ver("6.1-rc1", &v), -1);
	ck_assert_int_eq(pp_cipu_env_ver("", &v), -1);
	ck_assert_int_eq(pp_cipu_env_ver("v6.1.0", &v), -1);
	ck_assert_int_eq(pp_cipu_env_ver("256.1.0", &v), -1);
	ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(test_tstamp)
{
	ck_assert_uint_eq(pp_cipu_ts_ns(0x123456789abcdefULL), 0x123456789abcdefULL);
	/* Bit 62 (reserved) is dropped; bit 63 is the caller's to check. */
	ck_assert_uint_eq(pp_cipu_ts_ns(PP_CIPU_TS_RESERVED | 5), 5);
	ck_assert_uint_eq(pp_cipu_ts_ns(~0ULL), (1ULL << 62) - 1);
	ck_assert(~0ULL & PP_CIPU_TS_INVALID);
}
END_TEST

START_TEST(test_status)
{
	ck_assert_int_eq(pp_cipu_status(0, 0), PP_CIPU_ST_SYNCHRONIZED);
	/* Reserved bits mean nothing. */
	ck_assert_int_eq(pp_cipu_status(0x6c, 0), PP_CIPU_ST_SYNCHRONIZED);
	ck_assert_int_eq(pp_cipu_status(PP_CIPU_SYNC_MAINT, 0), PP_CIPU_ST_HOLDOVER);
	ck_assert_int_eq(pp_cipu_status(PP_CIPU_SYNC_MAINT, 1), PP_CIPU_ST_FREERUNNING);
	ck_assert_int_eq(pp_cipu_status(PP_CIPU_SYNC_BUSY, 0), PP_CIPU_ST_HOLDOVER);
	ck_assert_int_eq(pp_cipu_status(PP_CIPU_SYNC_ATOMIC, 0), PP_CIPU_ST_FREERUNNING);
	ck_assert_int_eq(pp_cipu_status(PP_CIPU_SYNC_ATOMIC | PP_CIPU_SYNC_MAINT, 0),
			 PP_CIPU_ST_FREERUNNING);
	/* An error wins over everything. */
	ck_assert_int_eq(pp_cipu_status(0xff, 1), PP_CIPU_ST_UNRELIABLE);
	ck_assert_int_eq(pp_cipu_status(PP_CIPU_SYNC_ERROR, 0), PP_CIPU_ST_UNRELIABLE);
}
END_TEST

static Suite *cipu_suite(void)
{
	Suite *s = suite_create("cipu");
	TCase *tc = tcase_create("regs");

	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_epoch_base);
	tcase_add_test(tc, test_env_ver);
	tcase_add_test(tc, test_tstamp);
	tcase_add_test(tc, test_status);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cipu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
