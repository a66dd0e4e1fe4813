// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/ptp_pure_vmclock_abi.h: how ptp_pure_vmclock
 * reads tai_offset_sec.  The specification's value, TAI - UTC = +37 (2017
 * to 2026), and the in-tree driver's sign, -37, both give 37; 10 (1972)
 * and 100 are the limits; anything whose magnitude is outside them, zero
 * included, is no TAI offset and leaves the output alone.
 */
#include <check.h>
#include <stdlib.h>

#include "ptp_pure_vmclock_abi.h"

struct tai_vec {
	__s16 field;
	enum pp_vmclock_tai form;
	int tai;
};

static const struct tai_vec tai_vecs[] = {
	{ 37, PP_VMCLOCK_TAI_AS_SPEC, 37 },
	{ -37, PP_VMCLOCK_TAI_NEGATED, 37 },
	{ 10, PP_VMCLOCK_TAI_AS_SPEC, 10 },
	{ -10, PP_VMCLOCK_TAI_NEGATED, 10 },
	{ 100, PP_VMCLOCK_TAI_AS_SPEC, 100 },
	{ -100, PP_VMCLOCK_TAI_NEGATED, 100 },
	{ 0, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ 9, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ -9, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ 101, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ -101, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ 500, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ 32767, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
	{ -32768, PP_VMCLOCK_TAI_IMPLAUSIBLE, -1 },
};

START_TEST(test_tai_offset)
{
	const struct tai_vec *v = &tai_vecs[_i];
	int tai = -1;

	ck_assert_int_eq(pp_vmclock_tai_offset(v->field, &tai), v->form);
	ck_assert_int_eq(tai, v->tai);
}
END_TEST

static Suite *vmclock_suite(void)
{
	Suite *s = suite_create("ptp_pure_vmclock_abi");
	TCase *tc = tcase_create("tai_offset");

	tcase_add_loop_test(tc, test_tai_offset, 0,
			    sizeof(tai_vecs) / sizeof(tai_vecs[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vmclock_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
