// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_realtime - set CLOCK_REALTIME from the pure clocks
 *
 * Off by default (realtime=off).  The modes, each including the ones
 * before it:
 *
 *  boot     when the first usable clock registers, step CLOCK_REALTIME to
 *           its UTC once;
 *  restore  step again after a VM generation change or a disruption of a
 *           clock (snapshot restore, live migration);
 *  hold     every realtime_hold_ms, step when CLOCK_REALTIME is more than
 *           realtime_hold_us away from the clock: for microVMs that run
 *           no NTP daemon.  A module cannot steer the kernel clock's rate
 *           (adjtimex is not exported), so holding is done by steps.
 *
 * A clock is usable when it gives UTC (UTC, or TAI with a known offset)
 * and its status is synchronized, holdover or unknown; among several, the
 * best status wins, then the smaller error bound.  The boot step is made
 * once no clock has registered for PTP_PURE_RT_SETTLE_MS, so clocks that
 * appear together are compared; one that comes later does not step again
 * (in hold mode it takes over if it is better).
 *
 * Never against an NTP daemon.  A daemon shows itself in the kernel clock:
 * it steps it (settimeofday, ADJ_SETOFFSET, a leap second or TAI offset
 * set through adjtimex: each moves the timekeeper's clock_was_set_seq), or
 * it steers its rate (adjtimex frequency, PLL or tick: each changes the NTP
 * tick length of the timekeeper, which a timekeeping notifier compares on
 * every update).  Both are seen from the time this module loads; a daemon
 * that already ran is seen at its next adjustment (chronyd adjusts at every
 * clock update, ntpd's kernel PLL every second).  Once seen, this module
 * never steps the clock again until it is reloaded.  A clocksource change,
 * which also moves clock_was_set_seq and sets up a new tick length, is told
 * apart by its own sequence count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_internal.h"

enum ptp_pure_rt_mode {
	PTP_PURE_RT_OFF = 0,
	PTP_PURE_RT_BOOT,
	PTP_PURE_RT_RESTORE,
	PTP_PURE_RT_HOLD,
};

static const char * const ptp_pure_rt_modes[] = {
	[PTP_PURE_RT_OFF] = "off",
	[PTP_PURE_RT_BOOT] = "boot",
	[PTP_PURE_RT_RESTORE] = "restore",
	[PTP_PURE_RT_HOLD] = "hold",
};

static char *realtime = "off";
module_param(realtime, charp, 0444);
MODULE_PARM_DESC(realtime,
		 "set CLOCK_REALTIME from the clocks: off (default), boot, restore (boot + after snapshot restore or disruption), hold (restore + keep it within realtime_hold_us)");

static unsigned int realtime_hold_us = 1000;
module_param(realtime_hold_us, uint, 0444);
MODULE_PARM_DESC(realtime_hold_us,
		 "realtime=hold: step when CLOCK_REALTIME is further than this from the clock, 1-1000000 us (default 1000)");

static unsigned int realtime_hold_ms = 1000;
module_param(realtime_hold_ms, uint, 0444);
MODULE_PARM_DESC(realtime_hold_ms,
		 "realtime=hold: how often to compare, 10-60000 ms (default 1000)");

/**
 * struct ptp_pure_rt - state of the CLOCK_REALTIME setter
 * @lock: protects everything below and the clocks' rt_* fields
 * @clocks: registered clocks
 * @mode: enum ptp_pure_rt_mode
 * @stepped: the boot step was made
 * @restore: a restore step is wanted; the event's description
 * @daemon: why CLOCK_REALTIME is taken to be under an NTP daemon, or NULL
 * @seq: clock_was_set_seq after the last step of ours (or at load)
 * @cs_seq: cs_was_changed_seq at the same time
 * @steps: steps made
 * @corrections: steps made again because a step landed late
 * @test_delay_us: delay the next step by this much (debugfs, for tests)
 * @last_step_ns: the last step
 * @last_clock: name of the clock of the last step
 * @paused: hold found no usable clock (said once)
 * @hold_checks: comparisons made by the hold loop
 * @hold_last: when the last one was made
 * @hold_gap_max: the longest time between two of them
 * @hold_window_max: the widest bracket one was measured with
 * @step_work: boot and restore steps
 * @hold_work: the hold loop
 */
struct ptp_pure_rt {
	struct mutex lock;	/* see above */
	struct list_head clocks;
	int mode;
	bool stepped;
	char restore[48];
	const char *daemon;
	unsigned int seq;
	unsigned int cs_seq;
	unsigned long steps;
	unsigned long corrections;
	u32 test_delay_us;
	s64 last_step_ns;
	char last_clock[PTP_CLOCK_NAME_LEN];
	bool paused;
	unsigned long hold_checks;
	ktime_t hold_last;
	ktime_t hold_gap_max;
	u64 hold_window_max;
	struct delayed_work step_work;
	struct delayed_work hold_work;
};

static struct ptp_pure_rt rt = {
	.lock = __MUTEX_INITIALIZER(rt.lock),
	.clocks = LIST_HEAD_INIT(rt.clocks),
};

/* Remember the kernel clock's state: what later changes are judged by. */
static void ptp_pure_rt_baseline(void)
{
	struct system_time_snapshot snap;

	compat_ktime_get_snapshot(CLOCK_REALTIME, &snap);
	rt.seq = snap.clock_was_set_seq;
	rt.cs_seq = snap.cs_was_changed_seq;
}

/*
 * The boot step waits until no clock has registered for this long, so the
 * clocks that a backend registers together are compared.
 */
#define PTP_PURE_RT_SETTLE_MS	200

/*
 * Timekeeping notifier, run on every timekeeper update with its lock held
 * and interrupts off: only compares.  The NTP tick length is learnt from
 * the first two updates after registration and after every clocksource
 * change (whose set-up value lasts until the next update); any change of it
 * later is someone steering.  A steer inside that window is learnt as the
 * rate: it is seen at the daemon's next adjustment.
 */
#define PTP_PURE_RT_SETTLE	2
static u64 ptp_pure_rt_tick;
static unsigned int ptp_pure_rt_settle = PTP_PURE_RT_SETTLE;
static u8 ptp_pure_rt_cs_seq;
static bool ptp_pure_rt_steered;

static int ptp_pure_rt_gtod(struct notifier_block *nb, unsigned long was_set,
			    void *priv)
{
	u64 tick;
	u8 cs_seq;

	compat_gtod_tk(priv, &tick, &cs_seq);
	if (cs_seq != ptp_pure_rt_cs_seq) {
		ptp_pure_rt_cs_seq = cs_seq;
		WRITE_ONCE(ptp_pure_rt_settle, PTP_PURE_RT_SETTLE);
	}
	if (ptp_pure_rt_settle) {
		WRITE_ONCE(ptp_pure_rt_tick, tick);
		WRITE_ONCE(ptp_pure_rt_settle, ptp_pure_rt_settle - 1);
	} else if (tick != ptp_pure_rt_tick) {
		WRITE_ONCE(ptp_pure_rt_steered, true);
	}
	return NOTIFY_OK;
}

static struct notifier_block ptp_pure_rt_nb = {
	.notifier_call = ptp_pure_rt_gtod,
};

/*
 * Has someone else stepped or steered CLOCK_REALTIME since the baseline?
 * Sets rt.daemon for good if so.
 */
static bool ptp_pure_rt_foreign(void)
{
	struct system_time_snapshot snap;

	if (rt.daemon)
		return true;
	if (READ_ONCE(ptp_pure_rt_steered)) {
		rt.daemon = "an NTP daemon steers the rate of CLOCK_REALTIME";
		return true;
	}
	compat_ktime_get_snapshot(CLOCK_REALTIME, &snap);
	if (snap.clock_was_set_seq != rt.seq) {
		if (snap.cs_was_changed_seq != rt.cs_seq) {
			/* A new clocksource, not a step: start over. */
			ptp_pure_rt_baseline();
			return false;
		}
		rt.daemon = "CLOCK_REALTIME was set by another source";
		return true;
	}
	return false;
}

/*
 * Rank of a usable status (higher is better), or -1.  A clock whose backend
 * reports no status ranks below one that says it is synchronised; a device
 * that reports its status as unknown says its time may not be valid (the
 * vmclock status 0), and no step is taken from it.
 */
static int ptp_pure_rt_rank(const struct ptp_pure_sample *s)
{
	if (!(s->valid & PTP_PURE_VALID_STATUS))
		return 1;
	switch (s->status) {
	case PTP_PURE_STATUS_SYNCHRONIZED:
		return 3;
	case PTP_PURE_STATUS_HOLDOVER:
		return 2;
	default:
		return -1;
	}
}

/* Why a clock of rank -1 is refused. */
static const char *ptp_pure_rt_status_why(const struct ptp_pure_sample *s)
{
	if (s->status == PTP_PURE_STATUS_UNKNOWN)
		return "the device reports its status as unknown";
	if (s->status < PTP_PURE_STATUS_NR)
		return ptp_pure_status_names[s->status];
	return "bad status";
}

/**
 * struct ptp_pure_rt_pick - the clock to set CLOCK_REALTIME from
 * @clk: the clock, or NULL if none is usable
 * @s: its information
 * @offset_ns: its UTC minus CLOCK_REALTIME
 * @window_ns: the width of the bracket @offset_ns was measured in
 * @rank: ptp_pure_rt_rank() of @s
 */
struct ptp_pure_rt_pick {
	struct ptp_pure_clock *clk;
	struct ptp_pure_sample s;
	s64 offset_ns;
	u64 window_ns;
	int rank;
};

static u64 ptp_pure_rt_bound(const struct ptp_pure_sample *s)
{
	return s->valid & PTP_PURE_VALID_ERROR_BOUND ? s->error_bound_ns : U64_MAX;
}

/* Why @clk cannot set the clock, logged once per clock. */
static void ptp_pure_rt_refuse(struct ptp_pure_clock *clk, const char *why,
			       int err)
{
	if (clk->rt_told)
		return;
	clk->rt_told = true;
	if (err)
		dev_info(clk->log_dev,
			 "%s: not setting CLOCK_REALTIME from ptp%d: %s (%d)\n",
			 clk->info.name, clk->index, why, err);
	else
		dev_info(clk->log_dev,
			 "%s: not setting CLOCK_REALTIME from ptp%d: %s\n",
			 clk->info.name, clk->index, why);
}

/*
 * A step is taken from the narrowest of up to this many reads (a
 * cross-timestamp, exact, ends them): one whose bracket a preemption or an
 * interrupt widened is no good for it.  A paired clock falls back to a
 * bracket when every cross-timestamp it tries is interrupted by a
 * timekeeping update, as on a vCPU the host runs only now and then.
 */
#define PTP_PURE_RT_READS	20

/* The best usable clock, measured; false if there is none. */
static bool ptp_pure_rt_choose(struct ptp_pure_rt_pick *best)
{
	struct ptp_pure_clock *clk;
	struct ptp_pure_sample s;
	u64 window;
	s64 off;
	int ret, rank;

	best->clk = NULL;
	list_for_each_entry(clk, &rt.clocks, rt_node) {
		ret = ptp_pure_utc_offset(clk, &s, &off, PTP_PURE_RT_READS, &window);
		rank = ptp_pure_rt_rank(&s);
		if (ret == -ENODATA) {
			ptp_pure_rt_refuse(clk, "its UTC is unknown (TAI without an offset)", 0);
			continue;
		}
		if (rank < 0) {
			ptp_pure_rt_refuse(clk, ptp_pure_rt_status_why(&s), 0);
			continue;
		}
		if (ret) {
			ptp_pure_rt_refuse(clk, "the clock cannot be read", ret);
			continue;
		}
		clk->rt_told = false;
		if (best->clk && (rank < best->rank ||
				  (rank == best->rank &&
				   ptp_pure_rt_bound(&s) >= ptp_pure_rt_bound(&best->s))))
			continue;
		best->clk = clk;
		best->s = s;
		best->offset_ns = off;
		best->window_ns = window;
		best->rank = rank;
	}
	return best->clk;
}

/*
 * do_settimeofday64() takes an absolute time, so whatever delays the step
 * between reading CLOCK_REALTIME and setting it (a preemption, a vCPU the
 * host does not run) leaves the clock that much behind.  Each step is
 * therefore measured again, and stepped again while it is further off than
 * PTP_PURE_RT_RESIDUAL_NS plus the measurement's bracket, at most
 * PTP_PURE_RT_CORRECTIONS times.
 */
#define PTP_PURE_RT_RESIDUAL_NS	(100 * NSEC_PER_USEC)
#define PTP_PURE_RT_CORRECTIONS	2

/* CLOCK_REALTIME moved by @offset_ns, from now. */
static int ptp_pure_rt_settime(s64 offset_ns)
{
	struct timespec64 now;
	u32 delay;

	ktime_get_real_ts64(&now);
	now = timespec64_add(now, ns_to_timespec64(offset_ns));
	/* debugfs realtime_step_delay_us: that delay, once, for the tests */
	delay = xchg(&rt.test_delay_us, 0);
	if (delay)
		fsleep(min_t(u32, delay, USEC_PER_SEC));
	return do_settimeofday64(&now);
}

/* Step CLOCK_REALTIME by the clock's offset; one log line. */
static void ptp_pure_rt_step(const struct ptp_pure_rt_pick *p, const char *why)
{
	struct ptp_pure_clock *clk = p->clk;
	struct ptp_pure_sample s;
	s64 total, off = p->offset_ns;
	unsigned int fixes = 0;
	char bound[32], again[48], meas[40];
	u64 window;
	s32 rem;
	s64 sec;
	int ret;

	ret = ptp_pure_rt_settime(off);
	if (ret) {
		dev_err(clk->log_dev, "%s: cannot set CLOCK_REALTIME (%s): %d\n",
			clk->info.name, why, ret);
		return;
	}
	total = off;
	while (fixes < PTP_PURE_RT_CORRECTIONS &&
	       !ptp_pure_utc_offset(clk, &s, &off, PTP_PURE_RT_READS, &window) &&
	       abs(off) > PTP_PURE_RT_RESIDUAL_NS + (s64)window &&
	       !ptp_pure_rt_settime(off)) {
		total += off;
		fixes++;
	}
	ptp_pure_rt_baseline();
	rt.steps++;
	rt.corrections += fixes;
	rt.last_step_ns = total;
	strscpy(rt.last_clock, clk->info.name, sizeof(rt.last_clock));

	if (p->s.valid & PTP_PURE_VALID_ERROR_BOUND)
		snprintf(bound, sizeof(bound), ", error bound %llu ns",
			 (unsigned long long)p->s.error_bound_ns);
	else
		bound[0] = '\0';
	if (p->window_ns)
		snprintf(meas, sizeof(meas), ", measured to +-%llu ns",
			 (unsigned long long)p->window_ns / 2);
	else
		meas[0] = '\0';
	if (fixes)
		snprintf(again, sizeof(again), "; %u correction%s: it landed late",
			 fixes, fixes > 1 ? "s" : "");
	else
		again[0] = '\0';
	sec = div_s64_rem(abs(total), NSEC_PER_SEC, &rem);
	dev_info(clk->log_dev,
		 "%s: CLOCK_REALTIME stepped by %c%lld.%09d s to the UTC of ptp%d (%s, %s%s%s)%s\n",
		 clk->info.name, total < 0 ? '-' : '+', sec, rem,
		 clk->index, why, p->s.valid & PTP_PURE_VALID_STATUS ?
		 ptp_pure_status_names[p->s.status] : "no status", bound,
		 meas, again);
}

/* Boot and restore steps. */
static void ptp_pure_rt_step_work(struct work_struct *work)
{
	struct ptp_pure_rt_pick p;
	const char *why;

	mutex_lock(&rt.lock);
	if (rt.stepped && !rt.restore[0])
		goto out;
	why = rt.stepped ? rt.restore : "boot";
	if (ptp_pure_rt_foreign()) {
		pr_info("not setting CLOCK_REALTIME (%s): %s; leaving it to that source\n",
			why, rt.daemon);
		rt.stepped = true;
		rt.restore[0] = '\0';
		goto out;
	}
	if (!ptp_pure_rt_choose(&p))
		goto out;	/* each clock said why; a later one may do */
	ptp_pure_rt_step(&p, why);
	rt.stepped = true;
	rt.restore[0] = '\0';
out:
	mutex_unlock(&rt.lock);
}

/*
 * What bounds CLOCK_REALTIME under hold, for debugfs: between two
 * comparisons it drifts freely, and each comparison is as good as its
 * bracket.
 */
static void ptp_pure_rt_hold_account(const struct ptp_pure_rt_pick *p)
{
	ktime_t now = ktime_get();

	if (rt.hold_checks++)
		rt.hold_gap_max = max(rt.hold_gap_max, ktime_sub(now, rt.hold_last));
	rt.hold_last = now;
	rt.hold_window_max = max(rt.hold_window_max, p->window_ns);
}

static void ptp_pure_rt_hold_work(struct work_struct *work)
{
	struct ptp_pure_rt_pick p;

	mutex_lock(&rt.lock);
	if (ptp_pure_rt_foreign()) {
		pr_info("realtime=hold stops: %s\n", rt.daemon);
		mutex_unlock(&rt.lock);
		return;
	}
	if (!ptp_pure_rt_choose(&p)) {
		if (!rt.paused && !list_empty(&rt.clocks))
			pr_info("realtime=hold paused: no usable clock\n");
		rt.paused = true;
	} else {
		if (rt.paused)
			pr_info("realtime=hold resumes with %s\n",
				p.clk->info.name);
		rt.paused = false;
		ptp_pure_rt_hold_account(&p);
		if (abs(p.offset_ns) > (s64)realtime_hold_us * NSEC_PER_USEC)
			ptp_pure_rt_step(&p, "hold");
	}
	mutex_unlock(&rt.lock);
	queue_delayed_work(system_power_efficient_wq, &rt.hold_work,
			   msecs_to_jiffies(realtime_hold_ms));
}

/**
 * ptp_pure_rt_add() - a clock was registered: it may set CLOCK_REALTIME
 * @clk: the clock, fully registered
 *
 * Context: process context.
 */
void ptp_pure_rt_add(struct ptp_pure_clock *clk)
{
	mutex_lock(&rt.lock);
	list_add_tail(&clk->rt_node, &rt.clocks);
	clk->rt_told = false;
	if (rt.mode >= PTP_PURE_RT_BOOT && !rt.stepped)
		mod_delayed_work(system_power_efficient_wq, &rt.step_work,
				 msecs_to_jiffies(PTP_PURE_RT_SETTLE_MS));
	mutex_unlock(&rt.lock);
}

/**
 * ptp_pure_rt_remove() - a clock goes away
 * @clk: the clock, still registered; waits for its use by the steps
 *
 * Context: process context.
 */
void ptp_pure_rt_remove(struct ptp_pure_clock *clk)
{
	mutex_lock(&rt.lock);
	list_del(&clk->rt_node);
	mutex_unlock(&rt.lock);
}

/**
 * ptp_pure_rt_event() - an event of a clock was announced
 * @clk: the clock
 * @ev: the event
 *
 * With realtime=restore or hold, a VM generation change or a disruption
 * steps CLOCK_REALTIME again, unless an NTP daemon keeps it.  A status
 * change retries a step that found no usable clock.
 *
 * Context: process context.
 */
void ptp_pure_rt_event(struct ptp_pure_clock *clk, enum ptp_pure_event ev)
{
	if (rt.mode == PTP_PURE_RT_OFF)
		return;
	mutex_lock(&rt.lock);
	if (rt.mode >= PTP_PURE_RT_RESTORE &&
	    (ev == PTP_PURE_EV_GENERATION || ev == PTP_PURE_EV_DISRUPTION)) {
		snprintf(rt.restore, sizeof(rt.restore), "%s of %s",
			 ev == PTP_PURE_EV_GENERATION ? "VM generation change" :
			 "disruption", clk->info.name);
		mod_delayed_work(system_power_efficient_wq, &rt.step_work, 0);
	} else if (ev == PTP_PURE_EV_STATUS && (!rt.stepped || rt.restore[0])) {
		/* A step that waits for a usable clock: this one may be now. */
		mod_delayed_work(system_power_efficient_wq, &rt.step_work, 0);
	}
	mutex_unlock(&rt.lock);
}

static int ptp_pure_rt_show(struct seq_file *m, void *unused)
{
	mutex_lock(&rt.lock);
	seq_printf(m, "mode: %s\n", ptp_pure_rt_modes[rt.mode]);
	seq_printf(m, "steps: %lu\n", rt.steps);
	seq_printf(m, "corrections: %lu\n", rt.corrections);
	seq_printf(m, "last step: %lld ns from %s\n", rt.last_step_ns,
		   rt.steps ? rt.last_clock : "none");
	seq_printf(m, "hold checks: %lu, longest gap %lld us, widest window %llu ns\n",
		   rt.hold_checks, ktime_to_us(rt.hold_gap_max),
		   (unsigned long long)rt.hold_window_max);
	seq_printf(m, "ntp daemon: %s\n", rt.daemon ? rt.daemon : "not seen");
	seq_printf(m, "ntp tick length: %llu (%s)\n",
		   (unsigned long long)READ_ONCE(ptp_pure_rt_tick),
		   READ_ONCE(ptp_pure_rt_settle) ? "learning" : "learnt");
	mutex_unlock(&rt.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ptp_pure_rt);

/**
 * ptp_pure_rt_init() - check the parameters and start
 *
 * Return: 0 or -EINVAL for a bad parameter.
 */
int ptp_pure_rt_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ptp_pure_rt_modes); i++)
		if (!strcmp(realtime, ptp_pure_rt_modes[i]))
			break;
	if (i == ARRAY_SIZE(ptp_pure_rt_modes)) {
		pr_err("realtime=%s: must be off, boot, restore or hold\n",
		       realtime);
		return -EINVAL;
	}
	if (realtime_hold_us < 1 || realtime_hold_us > 1000000 ||
	    realtime_hold_ms < 10 || realtime_hold_ms > 60000) {
		pr_err("realtime_hold_us=%u realtime_hold_ms=%u: must be 1-1000000 and 10-60000\n",
		       realtime_hold_us, realtime_hold_ms);
		return -EINVAL;
	}
	rt.mode = i;
	if (rt.mode != PTP_PURE_RT_OFF) {
		int ret;

		ret = compat_gtod_register(&ptp_pure_rt_nb);
		if (ret) {
			pr_err("realtime=%s: cannot watch timekeeping for NTP daemons: %d\n",
			       realtime, ret);
			return ret;
		}
	}
	INIT_DELAYED_WORK(&rt.step_work, ptp_pure_rt_step_work);
	INIT_DELAYED_WORK(&rt.hold_work, ptp_pure_rt_hold_work);
	ptp_pure_rt_baseline();
	debugfs_create_file("realtime", 0444, ptp_pure_debugfs_root, NULL,
			    &ptp_pure_rt_fops);
	debugfs_create_u32("realtime_step_delay_us", 0600,
			   ptp_pure_debugfs_root, &rt.test_delay_us);
	if (rt.mode == PTP_PURE_RT_HOLD)
		queue_delayed_work(system_power_efficient_wq, &rt.hold_work,
				   msecs_to_jiffies(realtime_hold_ms));
	if (rt.mode == PTP_PURE_RT_HOLD)
		pr_info("realtime=hold: holding CLOCK_REALTIME to the best clock\n");
	else if (rt.mode != PTP_PURE_RT_OFF)
		pr_info("realtime=%s\n", realtime);
	return 0;
}

/**
 * ptp_pure_rt_exit() - stop; every clock is gone
 */
void ptp_pure_rt_exit(void)
{
	cancel_delayed_work_sync(&rt.hold_work);
	cancel_delayed_work_sync(&rt.step_work);
	if (rt.mode != PTP_PURE_RT_OFF)
		compat_gtod_unregister(&ptp_pure_rt_nb);
}
