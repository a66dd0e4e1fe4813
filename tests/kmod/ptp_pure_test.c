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
 *   delay_us     busy-wait this long in every read (a slow device: reads
 *                must not sleep)
 *   own_sts      (load time) register with PTP_PURE_F_OWN_STS: gettimex64's
 *                system timestamps bracket only the time read, not the
 *                delay_us wait before it
 *   watch_events PTP_PURE_EV_* bits the next watch callback returns
 *   watch_dead   1: the next watch callback sleeps 20 ms (it runs in
 *                process context), then finds the device gone
 *                (ptp_pure_set_dead() from the callback)
 *   read_dead    1: the next read finds the device gone (ptp_pure_set_dead()
 *                from the read, atomic context) and fails with ENODEV
 *   watches      (read-only) number of watch callbacks
 *   reads        (read-only) number of reads
 *   late_reads   (read-only) reads after unregistration; must stay 0
 *
 * and module-wide:
 *
 *   watch_ms     (load time) period of the watch callback, 0: none
 *   orphan       (load time) also register "pure_orphan", a clock with no
 *                parent device
 *   long_name    (load time) register with PTP_PURE_F_LONG_NAME
 *   event        write "N KIND [COUNT]": clock N reports COUNT (default 1)
 *                events of KIND (disruption, generation, status, leap)
 *                from a hrtimer, i.e. from hard interrupt context
 *   dead         write N: ptp_pure_set_dead_sync() on clock N
 *
 * Each clock adds a file "test_backend" to its debugfs directory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif

#include "ptp_pure.h"
#include "ptp_pure_compat.h"

#define PTP_PURE_TEST_MAX 4

/*
 * The counter the clocksource cycles of a paired sample are: the arm64
 * guest clocksource (arch_sys_counter) reads the virtual counter.
 */
#ifdef CONFIG_ARM64
#define PTP_PURE_TEST_COUNTER	PTP_PURE_COUNTER_ARM_VIRT
#else
#define PTP_PURE_TEST_COUNTER	PTP_PURE_COUNTER_X86_TSC
#endif

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
static int own_sts[PTP_PURE_TEST_MAX];
module_param_array(own_sts, int, NULL, 0444);
MODULE_PARM_DESC(own_sts, "the backend takes gettimex64's system timestamps itself (load time)");
static ulong watch_events[PTP_PURE_TEST_MAX];
module_param_array(watch_events, ulong, NULL, 0644);
MODULE_PARM_DESC(watch_events, "events the next watch callback reports (bits)");
static int watch_dead[PTP_PURE_TEST_MAX];
module_param_array(watch_dead, int, NULL, 0644);
MODULE_PARM_DESC(watch_dead, "1: the next watch callback sleeps, then finds the device gone");
static int read_dead[PTP_PURE_TEST_MAX];
module_param_array(read_dead, int, NULL, 0644);
MODULE_PARM_DESC(read_dead, "1: the next read finds the device gone");
static ulong watches[PTP_PURE_TEST_MAX];
module_param_array(watches, ulong, NULL, 0444);
MODULE_PARM_DESC(watches, "number of watch callbacks");
static uint watch_ms;
module_param(watch_ms, uint, 0444);
MODULE_PARM_DESC(watch_ms, "period of the watch callback, ms (0: none)");
static bool orphan;
module_param(orphan, bool, 0444);
MODULE_PARM_DESC(orphan, "also register pure_orphan, a clock without a parent device");
static bool long_name;
module_param(long_name, bool, 0444);
MODULE_PARM_DESC(long_name, "register with PTP_PURE_F_LONG_NAME (names up to 31 characters where the kernel holds them)");
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
	struct ptp_pure_clock *clk;
	struct hrtimer timer;
	enum ptp_pure_event ev;
	unsigned int ev_left;
};

/* The last one is the orphan's. */
static struct ptp_pure_test_clock test_clocks[PTP_PURE_TEST_MAX + 1];
#define ORPHAN (&test_clocks[PTP_PURE_TEST_MAX])

/*
 * A slow device: busy, never asleep (reads may run in atomic context), and
 * timed by the clock rather than by the calibrated delay loop, which TCG
 * guests may have calibrated on a loaded host.
 */
static void ptp_pure_test_delay(unsigned int us)
{
	u64 end = ktime_get_mono_fast_ns() + (u64)us * NSEC_PER_USEC;

	while (ktime_get_mono_fast_ns() < end)
		cpu_relax();
}

/* The device of @tc is gone, seen from one of its callbacks. */
static void ptp_pure_test_gone(struct ptp_pure_test_clock *tc)
{
	struct ptp_pure_clock *clk = READ_ONCE(tc->clk);

	if (clk)
		ptp_pure_set_dead(clk);
}

static int ptp_pure_test_read(void *priv, struct ptp_pure_sample *s,
			      unsigned int flags)
{
	struct ptp_pure_test_clock *tc = priv;
	unsigned int i = tc->id % PTP_PURE_TEST_MAX;
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
	if (READ_ONCE(read_dead[i]) && xchg(&read_dead[i], 0)) {
		ptp_pure_test_gone(tc);
		return -ENODEV;
	}
	if (us)
		ptp_pure_test_delay(us);
	if (err > 0 && err < MAX_ERRNO)
		return -err;

	/*
	 * One clocksource read gives both the time and its counter value.
	 * s->sts is set only with own_sts: then the brackets hold this read
	 * alone (the kernel's helpers do nothing for NULL).
	 */
	ptp_read_system_prets(s->sts);
	compat_ktime_get_snapshot(CLOCK_REALTIME, &snap);
	ptp_read_system_postts(s->sts);
	t = READ_ONCE(source[i]) ? compat_snap_raw(&snap) : compat_snap_real(&snap);
	s->time = ktime_to_timespec64(ktime_add_ns(t, READ_ONCE(offset_ns[i])));
	switch (READ_ONCE(paired[i])) {
	case 1:
		s->counter = snap.cycles;
		s->counter_id = PTP_PURE_TEST_COUNTER;
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

static unsigned long ptp_pure_test_watch(void *priv)
{
	struct ptp_pure_test_clock *tc = priv;
	unsigned int i = tc->id % PTP_PURE_TEST_MAX;

	watches[i]++;
	if (READ_ONCE(watch_dead[i]) && xchg(&watch_dead[i], 0)) {
		msleep(20);
		ptp_pure_test_gone(tc);
		return 0;
	}
	return xchg(&watch_events[i], 0);
}

static const struct ptp_pure_ops ptp_pure_test_ops = {
	.read = ptp_pure_test_read,
	.watch = ptp_pure_test_watch,
};

/* Hard interrupt context: one event per expiry, 1 us apart. */
static enum hrtimer_restart ptp_pure_test_timer(struct hrtimer *t)
{
	struct ptp_pure_test_clock *tc = container_of(t, struct ptp_pure_test_clock,
						      timer);

	ptp_pure_event(tc->clk, tc->ev);
	if (--tc->ev_left == 0)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(1000));
	return HRTIMER_RESTART;
}

static int ptp_pure_test_info_show(struct seq_file *m, void *unused)
{
	struct ptp_pure_test_clock *tc = m->private;

	seq_printf(m, "clock %u, reads %lu\n", tc->id,
		   READ_ONCE(reads[tc->id % PTP_PURE_TEST_MAX]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ptp_pure_test_info);

/* Serialises the write-only parameters against registration and unbind. */
static DEFINE_MUTEX(ptp_pure_test_lock);

/* The clock of @tc is registered: events may be raised on it. */
static void ptp_pure_test_ready(struct ptp_pure_test_clock *tc,
				struct ptp_pure_clock *clk)
{
	debugfs_create_file("test_backend", 0444, ptp_pure_debugfs_dir(clk), tc,
			    &ptp_pure_test_info_fops);
	mutex_lock(&ptp_pure_test_lock);
	WRITE_ONCE(tc->clk, clk);
	mutex_unlock(&ptp_pure_test_lock);
}

/* Before the unregistration: no parameter write or event reaches it. */
static void ptp_pure_test_unready(void *data)
{
	struct ptp_pure_test_clock *tc = data;

	mutex_lock(&ptp_pure_test_lock);
	hrtimer_cancel(&tc->timer);
	WRITE_ONCE(tc->clk, NULL);
	mutex_unlock(&ptp_pure_test_lock);
}

static const char * const ptp_pure_test_events[] = {
	[PTP_PURE_EV_DISRUPTION] = "disruption",
	[PTP_PURE_EV_GENERATION] = "generation",
	[PTP_PURE_EV_STATUS] = "status",
	[PTP_PURE_EV_LEAP] = "leap",
};

/* Clock N if it is registered; under ptp_pure_test_lock. */
static struct ptp_pure_test_clock *ptp_pure_test_live(unsigned int n)
{
	if (n > PTP_PURE_TEST_MAX || !test_clocks[n].clk)
		return NULL;
	return &test_clocks[n];
}

static int ptp_pure_test_set_event(const char *val, const struct kernel_param *kp)
{
	struct ptp_pure_test_clock *tc;
	unsigned int n, count = 1;
	char kind[16];
	int ev, ret = -EINVAL;

	if (sscanf(val, "%u %15s %u", &n, kind, &count) < 2 || !count ||
	    count > 100000)
		return -EINVAL;
	ev = match_string(ptp_pure_test_events, ARRAY_SIZE(ptp_pure_test_events),
			  kind);
	if (ev < 0)
		return ev;
	mutex_lock(&ptp_pure_test_lock);
	tc = ptp_pure_test_live(n);
	if (tc && !hrtimer_active(&tc->timer)) {
		tc->ev = ev;
		tc->ev_left = count;
		hrtimer_start(&tc->timer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
		ret = 0;
	} else if (tc) {
		ret = -EBUSY;
	}
	mutex_unlock(&ptp_pure_test_lock);
	return ret;
}

static const struct kernel_param_ops ptp_pure_test_event_ops = {
	.set = ptp_pure_test_set_event,
};
module_param_cb(event, &ptp_pure_test_event_ops, NULL, 0200);
MODULE_PARM_DESC(event, "write 'N KIND [COUNT]': raise events on clock N from a hrtimer");

static int ptp_pure_test_set_dead(const char *val, const struct kernel_param *kp)
{
	struct ptp_pure_test_clock *tc;
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	mutex_lock(&ptp_pure_test_lock);
	tc = ptp_pure_test_live(n);
	if (tc)
		ptp_pure_set_dead_sync(tc->clk);
	mutex_unlock(&ptp_pure_test_lock);
	return tc ? 0 : -ENODEV;
}

static const struct kernel_param_ops ptp_pure_test_dead_ops = {
	.set = ptp_pure_test_set_dead,
};
module_param_cb(dead, &ptp_pure_test_dead_ops, NULL, 0200);
MODULE_PARM_DESC(dead, "write N: the device of clock N is gone");

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
		.counter = PTP_PURE_TEST_COUNTER,
		.watch_ms = watch_ms,
	};
	struct ptp_pure_clock *clk;
	char clock_name[PTP_CLOCK_NAME_LEN * 2];
	int ret;

	snprintf(clock_name, sizeof(clock_name), "%s%d", name, pdev->id);
	cfg.name = clock_name;
	if (paired[tc->id])
		cfg.flags |= PTP_PURE_F_PAIRED;
	if (own_sts[tc->id])
		cfg.flags |= PTP_PURE_F_OWN_STS;
	if (long_name)
		cfg.flags |= PTP_PURE_F_LONG_NAME;

	/* devm actions run in reverse: this one after the unregistration. */
	ret = devm_add_action_or_reset(&pdev->dev, ptp_pure_test_mark_dead, tc);
	if (ret)
		return ret;
	WRITE_ONCE(tc->live, true);
	clk = devm_ptp_pure_register(&pdev->dev, &cfg);
	if (IS_ERR(clk))
		return dev_err_probe(&pdev->dev, PTR_ERR(clk),
				     "cannot register clock %s\n", clock_name);
	ret = devm_add_action_or_reset(&pdev->dev, ptp_pure_test_unready, tc);
	if (ret)
		return ret;
	ptp_pure_test_ready(tc, clk);
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

/* pure_orphan: a clock of no device, with the parameters of clock 0. */
static int ptp_pure_test_add_orphan(void)
{
	struct ptp_pure_config cfg = {
		.name = "pure_orphan",
		.ops = &ptp_pure_test_ops,
		.priv = ORPHAN,
		.watch_ms = watch_ms,
	};
	struct ptp_pure_clock *clk;

	ORPHAN->id = PTP_PURE_TEST_MAX;
	WRITE_ONCE(ORPHAN->live, true);
	clk = ptp_pure_register(NULL, &cfg);
	if (IS_ERR(clk)) {
		WRITE_ONCE(ORPHAN->live, false);
		return PTR_ERR(clk);
	}
	ptp_pure_test_ready(ORPHAN, clk);
	return 0;
}

static void ptp_pure_test_del_orphan(void)
{
	struct ptp_pure_clock *clk = ORPHAN->clk;

	if (!clk)
		return;
	ptp_pure_test_unready(ORPHAN);
	ptp_pure_unregister(clk);
	WRITE_ONCE(ORPHAN->live, false);
}

static int __init ptp_pure_test_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(test_clocks); i++)
		compat_hrtimer_setup(&test_clocks[i].timer, ptp_pure_test_timer,
				     CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);

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
	ret = orphan ? ptp_pure_test_add_orphan() : 0;
	if (ret) {
		ptp_pure_test_del_devices();
		platform_driver_unregister(&ptp_pure_test_driver);
	}
	return ret;
}

static void __exit ptp_pure_test_exit(void)
{
	ptp_pure_test_del_orphan();
	ptp_pure_test_del_devices();
	platform_driver_unregister(&ptp_pure_test_driver);
}

module_init(ptp_pure_test_init);
module_exit(ptp_pure_test_exit);

MODULE_DESCRIPTION("Test backend for ptp_pure_core (not for production)");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
