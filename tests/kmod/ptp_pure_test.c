// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_test - a backend for testing ptp_pure_core, never packaged
 *
 * Registers up to PTP_PURE_TEST_MAX clocks through the public core API only,
 * each on a platform device "ptp_pure_test.N", so a test can unbind a clock
 * while it is in use.  Per-clock behaviour is set with array module
 * parameters, at load time or later through /sys/module/ptp_pure_test/
 * parameters/ (element N applies to clock N):
 *
 *   source       0: CLOCK_REALTIME, 1: CLOCK_MONOTONIC_RAW
 *   offset_ns    added to the source time
 *   paired       1: pair every sample with the clocksource counter read
 *                that produced it, reported as the x86 TSC (use only while
 *                the guest's clocksource is tsc); 2 (x86): pair it with a
 *                TSC read right after the time, for clocksources that are
 *                not the TSC itself (kvm-clock: the pairing is then off by
 *                the few instructions between the two reads)
 *   timescale    0 UTC, 1 TAI (reported, not applied)
 *   valid        PTP_PURE_VALID_* bits for the next four
 *   tai_offset, leap, status, error_bound_ns
 *   error        a positive errno every read returns (0: none)
 *   delay_us     sleep this long in every read
 *   reads        (read-only) number of reads
 *   late_reads   (read-only) reads after unregistration; must stay 0
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif

#include "ptp_pure.h"
#include "ptp_pure_compat.h"

#define PTP_PURE_TEST_MAX 4

static unsigned int nclocks = 1;
module_param(nclocks, uint, 0444);
MODULE_PARM_DESC(nclocks, "number of test clocks (1-4)");

static char *name = "pure_test";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "clock name prefix; the clock index is appended");

static int source[PTP_PURE_TEST_MAX];
module_param_array(source, int, NULL, 0644);
MODULE_PARM_DESC(source, "0: CLOCK_REALTIME, 1: CLOCK_MONOTONIC_RAW");
static long offset_ns[PTP_PURE_TEST_MAX];
module_param_array(offset_ns, long, NULL, 0644);
MODULE_PARM_DESC(offset_ns, "offset added to the source, ns");
static int paired[PTP_PURE_TEST_MAX];
module_param_array(paired, int, NULL, 0644);
MODULE_PARM_DESC(paired, "1: pair samples with the clocksource counter as the TSC (clocksource tsc), 2: with a TSC read (x86)");
static int timescale[PTP_PURE_TEST_MAX];
module_param_array(timescale, int, NULL, 0644);
MODULE_PARM_DESC(timescale, "0: UTC, 1: TAI");
static uint valid[PTP_PURE_TEST_MAX];
module_param_array(valid, uint, NULL, 0644);
MODULE_PARM_DESC(valid, "PTP_PURE_VALID_* bits");
static int tai_offset[PTP_PURE_TEST_MAX];
module_param_array(tai_offset, int, NULL, 0644);
MODULE_PARM_DESC(tai_offset, "TAI - UTC, seconds");
static int leap[PTP_PURE_TEST_MAX];
module_param_array(leap, int, NULL, 0644);
MODULE_PARM_DESC(leap, "leap indicator");
static int status[PTP_PURE_TEST_MAX];
module_param_array(status, int, NULL, 0644);
MODULE_PARM_DESC(status, "clock status");
static ulong error_bound_ns[PTP_PURE_TEST_MAX];
module_param_array(error_bound_ns, ulong, NULL, 0644);
MODULE_PARM_DESC(error_bound_ns, "error bound, ns");
static int error[PTP_PURE_TEST_MAX];
module_param_array(error, int, NULL, 0644);
MODULE_PARM_DESC(error, "errno every read fails with (positive)");
static uint delay_us[PTP_PURE_TEST_MAX];
module_param_array(delay_us, uint, NULL, 0644);
MODULE_PARM_DESC(delay_us, "delay in every read, us");
static ulong reads[PTP_PURE_TEST_MAX];
module_param_array(reads, ulong, NULL, 0444);
MODULE_PARM_DESC(reads, "reads so far");
static ulong late_reads[PTP_PURE_TEST_MAX];
module_param_array(late_reads, ulong, NULL, 0444);
MODULE_PARM_DESC(late_reads, "reads after unregistration (a bug)");

/* Per clock: lives as long as the module, so late calls are detectable. */
struct ptp_pure_test_clock {
	unsigned int id;
	bool live;
	struct platform_device *pdev;
};

static struct ptp_pure_test_clock test_clocks[PTP_PURE_TEST_MAX];

static int ptp_pure_test_read(void *priv, struct ptp_pure_sample *s,
			      unsigned int flags)
{
	struct ptp_pure_test_clock *tc = priv;
	unsigned int i = tc->id;
	struct system_time_snapshot snap;
	unsigned int us = READ_ONCE(delay_us[i]);
	int err = READ_ONCE(error[i]);
	ktime_t t;

	reads[i]++;
	if (!READ_ONCE(tc->live)) {
		late_reads[i]++;
		WARN_ONCE(1, "ptp_pure_test: read of clock %u after unregistration\n", i);
		return -ENODEV;
	}
	if (us)
		fsleep(us);
	if (err > 0 && err < MAX_ERRNO)
		return -err;

	/* One clocksource read gives both the time and its counter value. */
	compat_ktime_get_snapshot(CLOCK_REALTIME, &snap);
	t = READ_ONCE(source[i]) ? compat_snap_raw(&snap) : compat_snap_real(&snap);
	s->time = ktime_to_timespec64(ktime_add_ns(t, READ_ONCE(offset_ns[i])));
	switch (READ_ONCE(paired[i])) {
	case 1:
		s->counter = snap.cycles;
		s->counter_id = PTP_PURE_COUNTER_X86_TSC;
		break;
#ifdef CONFIG_X86
	case 2:
		s->counter = rdtsc_ordered();
		s->counter_id = PTP_PURE_COUNTER_X86_TSC;
		break;
#endif
	}
	s->timescale = READ_ONCE(timescale[i]);
	s->valid = READ_ONCE(valid[i]);
	s->tai_offset = READ_ONCE(tai_offset[i]);
	s->leap = READ_ONCE(leap[i]);
	s->status = READ_ONCE(status[i]);
	s->error_bound_ns = READ_ONCE(error_bound_ns[i]);
	return 0;
}

static const struct ptp_pure_ops ptp_pure_test_ops = {
	.read = ptp_pure_test_read,
};

static void ptp_pure_test_mark_dead(void *data)
{
	struct ptp_pure_test_clock *tc = data;

	WRITE_ONCE(tc->live, false);
}

static int ptp_pure_test_probe(struct platform_device *pdev)
{
	struct ptp_pure_test_clock *tc = &test_clocks[pdev->id];
	struct ptp_pure_config cfg = {
		.ops = &ptp_pure_test_ops,
		.priv = tc,
	};
	struct ptp_pure_clock *clk;
	char clock_name[PTP_CLOCK_NAME_LEN * 2];
	int ret;

	snprintf(clock_name, sizeof(clock_name), "%s%d", name, pdev->id);
	cfg.name = clock_name;
	if (paired[tc->id])
		cfg.flags |= PTP_PURE_F_PAIRED;

	/* devm actions run in reverse: this one after the unregistration. */
	ret = devm_add_action_or_reset(&pdev->dev, ptp_pure_test_mark_dead, tc);
	if (ret)
		return ret;
	WRITE_ONCE(tc->live, true);
	clk = devm_ptp_pure_register(&pdev->dev, &cfg);
	if (IS_ERR(clk))
		return dev_err_probe(&pdev->dev, PTR_ERR(clk),
				     "cannot register clock %s\n", clock_name);
	return 0;
}

static struct platform_driver ptp_pure_test_driver = {
	.probe = ptp_pure_test_probe,
	.driver = {
		.name = "ptp_pure_test",
	},
};

static void ptp_pure_test_del_devices(void)
{
	unsigned int i;

	for (i = 0; i < PTP_PURE_TEST_MAX; i++) {
		if (!IS_ERR_OR_NULL(test_clocks[i].pdev))
			platform_device_unregister(test_clocks[i].pdev);
		test_clocks[i].pdev = NULL;
	}
}

static int __init ptp_pure_test_init(void)
{
	unsigned int i;
	int ret;

	if (nclocks < 1 || nclocks > PTP_PURE_TEST_MAX) {
		pr_err("nclocks=%u is out of range 1-%d\n", nclocks,
		       PTP_PURE_TEST_MAX);
		return -EINVAL;
	}
	ret = platform_driver_register(&ptp_pure_test_driver);
	if (ret)
		return ret;
	for (i = 0; i < nclocks; i++) {
		test_clocks[i].id = i;
		test_clocks[i].pdev =
			platform_device_register_simple("ptp_pure_test", i,
							NULL, 0);
		if (IS_ERR(test_clocks[i].pdev)) {
			ret = PTR_ERR(test_clocks[i].pdev);
			ptp_pure_test_del_devices();
			platform_driver_unregister(&ptp_pure_test_driver);
			return ret;
		}
	}
	return 0;
}

static void __exit ptp_pure_test_exit(void)
{
	ptp_pure_test_del_devices();
	platform_driver_unregister(&ptp_pure_test_driver);
}

module_init(ptp_pure_test_init);
module_exit(ptp_pure_test_exit);

MODULE_DESCRIPTION("Test backend for ptp_pure_core (not for production)");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
