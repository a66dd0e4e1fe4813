// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_core - PTP hardware clocks for platform and hypervisor time sources
 *
 * A backend provides one read primitive; this module builds the complete
 * ptp_clock_info around it.  Design notes:
 *
 *  - Every clock has a device of its own, ptp_pureN, created under the
 *    backend's device (or in /sys/devices/ for a clock of no device).  It is
 *    the parent of the PTP device and carries the clock's attributes, so
 *    they exist before the PTP device is announced: udev rules can match
 *    them (ATTRS{timescale}) on its add event.
 *  - Every clock owns a writable ptp_clock_info: the PTP core fills in
 *    fallbacks for the cycle operations at registration.
 *  - A paired sample is read from inside the timekeeping core's
 *    cross-timestamp callback, so its counter value belongs to the current
 *    timekeeping interval.  A TSC sample is turned into kvm-clock inside
 *    the pvclock version loop of the CPU that reads it, with preemption
 *    disabled.  gettimex64 uses the same path and gives a zero-width window
 *    when it succeeds (CLOCK_REALTIME and CLOCK_MONOTONIC_RAW requests);
 *    otherwise it keeps the brackets taken around the read.
 *  - getcrosststamp is offered when the counter can ever be expressed as
 *    the system's clocksource on this kernel, and works whenever it is the
 *    current one: a clock registered before the final clocksource is
 *    selected gets cross-timestamps as soon as it is, and a running chrony
 *    never sees the capability withdrawn.
 *  - Adjustments are refused with -EOPNOTSUPP; max_adj is 0.
 *  - Events (disruption, VM generation, status, leap) are counted per
 *    clock and announced from a work item: a log line, a KOBJ_CHANGE uevent
 *    on the PTP device and sysfs_notify() on the attributes.
 *  - Backends' read() runs inside an RCU read-side section, so
 *    ptp_pure_set_dead_sync() can wait for the reads in progress; the
 *    watch callback runs in the clock's work item, outside it (it may
 *    sleep), and is waited for by flushing that work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_math.h"
#include "ptp_pure_internal.h"

static DEFINE_IDA(ptp_pure_ida);
struct dentry *ptp_pure_debugfs_root;

/*
 * Work of every clock runs here: a system workqueue that every kernel has
 * and none deprecates.
 */
#define PTP_PURE_WQ	system_power_efficient_wq

/* The time scale every clock reports, unless "native". */
static char *timescale = "utc";
module_param(timescale, charp, 0444);
MODULE_PARM_DESC(timescale,
		 "time scale of all clocks: utc (default), tai, or native (as the device gives it)");

#define PTP_PURE_TS_NATIVE	(-1)
static int ptp_pure_want_ts;

static const char * const ptp_pure_timescale_names[] = {
	[PTP_PURE_TS_UTC] = "UTC",
	[PTP_PURE_TS_TAI] = "TAI",
};

/* --- reading the backend ------------------------------------------------- */

/* Keep count of an error by errno, for debugfs. */
static void ptp_pure_note_error(struct ptp_pure_clock *clk, int err)
{
	struct ptp_pure_errors *e = &clk->errors;
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&clk->err_lock, flags);
	e->count++;
	e->last_err = err;
	e->last_err_time = ktime_get_boottime();
	for (i = 0; i < PTP_PURE_ERRNO_SLOTS; i++) {
		if (e->err[i] == err || !e->err[i]) {
			e->err[i] = err;
			e->err_count[i]++;
			break;
		}
	}
	if (i == PTP_PURE_ERRNO_SLOTS)
		e->err_other++;
	raw_spin_unlock_irqrestore(&clk->err_lock, flags);
}

/*
 * The backend's read, unless the device is gone.  @sts: the system
 * timestamps the backend takes itself (PTP_PURE_F_OWN_STS), or NULL.
 */
static int __ptp_pure_read_dev(struct ptp_pure_clock *clk,
			       struct ptp_pure_sample *s, unsigned int flags,
			       struct ptp_system_timestamp *sts)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->sts = sts;
	rcu_read_lock();
	if (READ_ONCE(clk->dead))
		ret = -ENODEV;
	else
		ret = clk->ops->read(clk->priv, s, flags);
	rcu_read_unlock();
	this_cpu_inc(*clk->reads);
	return ret;
}

static inline int ptp_pure_read_dev(struct ptp_pure_clock *clk,
				    struct ptp_pure_sample *s, unsigned int flags)
{
	return __ptp_pure_read_dev(clk, s, flags, NULL);
}

/*
 * Bring a sample to the clock's time scale.  Without a TAI offset there is
 * no way to do so, and time in the wrong scale is worse than none.
 */
static int ptp_pure_convert(struct ptp_pure_clock *clk,
			    struct ptp_pure_sample *s)
{
	u64 sec = s->time.tv_sec;

	if (clk->scale == PTP_PURE_TS_NATIVE || (int)s->timescale == clk->scale)
		return 0;
	if (!(s->valid & PTP_PURE_VALID_TAI_OFFSET)) {
		dev_warn_ratelimited(clk->log_dev,
				     "%s: no TAI offset to convert the time to %s\n",
				     clk->info.name,
				     ptp_pure_timescale_names[clk->scale]);
		return -ENODATA;
	}
	/* TAI = UTC + tai_offset */
	if (ptp_pure_shift_sec(sec, clk->scale == PTP_PURE_TS_UTC ?
			       -(s64)s->tai_offset : s->tai_offset, &sec) ||
	    sec > S64_MAX) {
		dev_warn_ratelimited(clk->log_dev,
				     "%s: time %llu cannot be converted with TAI offset %d\n",
				     clk->info.name, (unsigned long long)s->time.tv_sec,
				     s->tai_offset);
		return -ERANGE;
	}
	s->time.tv_sec = sec;
	s->timescale = clk->scale;
	return 0;
}

/*
 * Check what the backend returned and convert the time scale.  A device
 * that calls its time unreliable gives no time (-EIO); with @info (the
 * sysfs attributes) the sample is still good for its status information.
 */
static inline int ptp_pure_check(struct ptp_pure_clock *clk,
				 struct ptp_pure_sample *s, bool info, int ret)
{
	if (ret) {
		dev_warn_ratelimited(clk->log_dev, "%s: read failed: %d\n",
				     clk->info.name, ret);
		goto err;
	}
	if ((s->valid & PTP_PURE_VALID_STATUS) &&
	    s->status == PTP_PURE_STATUS_UNRELIABLE) {
		if (info)
			return 0;
		dev_warn_ratelimited(clk->log_dev,
				     "%s: the device reports its time as unreliable\n",
				     clk->info.name);
		ret = -EIO;
		goto err;
	}
	if (s->time.tv_sec < 0 || s->time.tv_nsec < 0 ||
	    s->time.tv_nsec >= NSEC_PER_SEC) {
		dev_warn_ratelimited(clk->log_dev,
				     "%s: backend returned an invalid time %lld.%ld\n",
				     clk->info.name, (long long)s->time.tv_sec,
				     (long)s->time.tv_nsec);
		ret = -EIO;
		goto err;
	}
	ret = ptp_pure_convert(clk, s);
	if (!ret)
		return 0;
err:
	ptp_pure_note_error(clk, ret);
	return ret;
}

static int ptp_pure_read(struct ptp_pure_clock *clk, struct ptp_pure_sample *s,
			 bool info)
{
	return ptp_pure_check(clk, s, info,
			      ptp_pure_read_dev(clk, s, info ? PTP_PURE_READ_INFO : 0));
}

/* --- cross-timestamps ---------------------------------------------------- */

/*
 * The clocksources a counter can be expressed in, most likely first.  A TSC
 * sample serves the tsc clocksource directly and kvm-clock after
 * conversion; tsc-early only runs during boot.
 */
static const enum compat_syscounter ptp_pure_targets[PTP_PURE_COUNTER_NR][3] = {
	[PTP_PURE_COUNTER_X86_TSC] = { COMPAT_SC_X86_TSC, COMPAT_SC_X86_KVM_CLK,
				       COMPAT_SC_X86_TSC_EARLY },
	[PTP_PURE_COUNTER_X86_KVM_CLOCK] = { COMPAT_SC_X86_KVM_CLK },
	[PTP_PURE_COUNTER_S390_TOD] = { COMPAT_SC_S390_TOD },
	[PTP_PURE_COUNTER_ARM_VIRT] = { COMPAT_SC_ARM_ARCH },
};

/* Whether this kernel, on this machine, can express @target at all. */
static bool ptp_pure_target_possible(enum compat_syscounter target)
{
	struct system_counterval_t sc;

	if (target == COMPAT_SC_UNKNOWN || compat_set_syscounter(&sc, 0, target))
		return false;
	/* kvm-clock conversion needs this machine's pvclock pages. */
	return target != COMPAT_SC_X86_KVM_CLK || compat_kvmclock_present();
}

/*
 * The timekeeping core calls the callback again whenever timekeeping was
 * updated during it: a device read slower than a tick would be repeated
 * forever.  After this many calls the last sample stands, uncrossed.
 */
#define PTP_PURE_XTS_CALLS	8

struct ptp_pure_xts_ctx {
	struct ptp_pure_clock *clk;
	enum compat_syscounter target;
	unsigned int calls;
	struct ptp_pure_sample s;
	int err;	/* of the read; 0 once @s holds a checked sample */
};

/*
 * Read a TSC-paired sample and express its counter in kvm-clock
 * nanoseconds: the read sits inside this CPU's pvclock version loop, so the
 * conversion uses the parameters that were valid for that very counter
 * value.  Without pvclock pages the sample is read all the same, and
 * *@cycles stays unset.
 * Return: the read's result; *@conv tells whether *@cycles was set.
 */
static int ptp_pure_read_kvmclock(struct ptp_pure_xts_ctx *ctx, u64 *cycles,
				  bool *conv)
{
#ifdef COMPAT_HAVE_KVMCLOCK_CONVERSION
	struct pvclock_vsyscall_time_info *hv;
	unsigned int version;
	int ret;

	preempt_disable_notrace();
	hv = this_cpu_hvclock();
	if (hv) {
		do {
			version = pvclock_read_begin(&hv->pvti);
			ret = ptp_pure_read_dev(ctx->clk, &ctx->s, 0);
			*conv = !ret && ctx->s.counter_id == PTP_PURE_COUNTER_X86_TSC;
			if (!*conv)
				break;
			*cycles = __pvclock_read_cycles(&hv->pvti, ctx->s.counter);
		} while (pvclock_read_retry(&hv->pvti, version));
		preempt_enable_notrace();
		return ret;
	}
	preempt_enable_notrace();
#endif
	*conv = false;
	return ptp_pure_read_dev(ctx->clk, &ctx->s, 0);
}

/*
 * The timekeeping core's callback, called inside its sequence loop (maybe
 * more than once): read the device now, so that the counter value lies in
 * the current timekeeping interval.  A sample whose counter cannot be
 * expressed in ctx->target still counts as read: gettimex64 keeps its time.
 */
static int ptp_pure_xts_cb(ktime_t *device, struct system_counterval_t *sc,
			   void *data)
{
	struct ptp_pure_xts_ctx *ctx = data;
	struct ptp_pure_clock *clk = ctx->clk;
	u64 cycles = 0;
	bool conv;
	int ret;

	if (++ctx->calls > PTP_PURE_XTS_CALLS)
		return -EAGAIN;
	if (ctx->target == COMPAT_SC_X86_KVM_CLK &&
	    clk->counter == PTP_PURE_COUNTER_X86_TSC) {
		ret = ptp_pure_read_kvmclock(ctx, &cycles, &conv);
	} else {
		ret = ptp_pure_read_dev(clk, &ctx->s, 0);
		conv = ctx->s.counter_id == clk->counter;
		cycles = ctx->s.counter;
	}
	ctx->err = ptp_pure_check(clk, &ctx->s, false, ret);
	if (ctx->err)
		return ctx->err;
	*device = timespec64_to_ktime(ctx->s.time);
	return conv ? compat_set_syscounter(sc, cycles, ctx->target) : -EOPNOTSUPP;
}

/*
 * One device read, cross-timestamped against the clocksource if it is one
 * the counter maps to.  ctx->err tells whether the read itself worked.
 * Return: 0 with @xts filled in, or why there is no cross-timestamp.
 */
static int ptp_pure_xts_once(struct ptp_pure_xts_ctx *ctx,
			     struct system_device_crosststamp *xts)
{
	int ret;

	ctx->err = -ENODATA;
	ctx->calls = 0;
	ret = get_device_system_crosststamp(ptp_pure_xts_cb, ctx, NULL, xts);
	if (!ret) {
		WRITE_ONCE(ctx->clk->xts_target, ctx->target);
		atomic_long_inc(&ctx->clk->xts_ok);
		return 0;
	}
	if (!ctx->err)
		atomic_long_inc(&ctx->clk->xts_failed);
	/* -ENODEV: the clocksource is not the one the counter maps to. */
	return ret == -ENODEV ? -EOPNOTSUPP : ret;
}

/* The clocksource to try after @target for this clock's counter. */
static enum compat_syscounter
ptp_pure_next_target(struct ptp_pure_clock *clk, enum compat_syscounter target)
{
	const enum compat_syscounter *t = ptp_pure_targets[clk->counter];
	int n = ARRAY_SIZE(ptp_pure_targets[0]);
	int i, k;

	for (i = 0; i < n && t[i] != target; i++)
		;
	for (k = 1; k <= n; k++)
		if (ptp_pure_target_possible(t[(i + k) % n]))
			return t[(i + k) % n];
	return target;
}

/*
 * Whether gettimex64 can replace its brackets by the system time of the
 * device's own counter read: a cross-timestamp gives CLOCK_REALTIME and
 * CLOCK_MONOTONIC_RAW (7.2+ warns about other ids); other clocks, such as
 * CLOCK_MONOTONIC, keep the brackets.
 */
static bool ptp_pure_zero_window(const struct ptp_pure_clock *clk,
				 const struct ptp_system_timestamp *sts)
{
	clockid_t clkid;

	if (!sts || !clk->info.getcrosststamp)
		return false;
	clkid = compat_sts_clockid(sts);
	return clkid == CLOCK_REALTIME || clkid == CLOCK_MONOTONIC_RAW;
}

/*
 * The device time belongs to one counter read: if the system clock can tell
 * its own time at that counter value, both system timestamps are that
 * time.  If it cannot (another clocksource), the brackets stay, and the
 * next read tries the next clocksource the counter maps to.
 */
static int ptp_pure_gettimex_xts(struct ptp_pure_clock *clk,
				 struct timespec64 *ts,
				 struct ptp_system_timestamp *sts)
{
	struct system_device_crosststamp xts = {};
	struct ptp_pure_xts_ctx ctx;
	ktime_t t;
	int ret;

	ctx.clk = clk;
	ctx.target = READ_ONCE(clk->xts_target);
	compat_xts_request(&xts, CLOCK_REALTIME);
	ptp_read_system_prets(sts);
	ret = ptp_pure_xts_once(&ctx, &xts);
	ptp_read_system_postts(sts);
	if (ctx.err)
		return ctx.err;
	*ts = ctx.s.time;
	if (!ret && compat_xts_systime(&xts, compat_sts_clockid(sts), &t))
		compat_sts_set(sts, t);
	else if (ret == -EOPNOTSUPP)
		WRITE_ONCE(clk->xts_target, ptp_pure_next_target(clk, ctx.target));
	return 0;
}

static int ptp_pure_gettimex64(struct ptp_clock_info *info,
			       struct timespec64 *ts,
			       struct ptp_system_timestamp *sts)
{
	struct ptp_pure_clock *clk = to_pure_clock(info);
	struct ptp_pure_sample s;
	int ret;

	if (ptp_pure_zero_window(clk, sts))
		return ptp_pure_gettimex_xts(clk, ts, sts);
	if (clk->own_sts) {
		/* The backend brackets its device access itself. */
		ret = ptp_pure_check(clk, &s, false,
				     __ptp_pure_read_dev(clk, &s, 0, sts));
	} else {
		ptp_read_system_prets(sts);
		ret = ptp_pure_read(clk, &s, false);
		ptp_read_system_postts(sts);
	}
	if (!ret)
		*ts = s.time;
	return ret;
}

static int ptp_pure_getcrosststamp(struct ptp_clock_info *info,
				   struct system_device_crosststamp *xts)
{
	struct ptp_pure_clock *clk = to_pure_clock(info);
	struct ptp_pure_xts_ctx ctx;
	enum compat_syscounter first;
	int ret;

	/*
	 * From 7.2, xts->clock_id is an input: pass @xts on untouched.  The
	 * clocksource of the last cross-timestamp first, then the others.
	 */
	ctx.clk = clk;
	first = READ_ONCE(clk->xts_target);
	ctx.target = first;
	for (;;) {
		ret = ptp_pure_xts_once(&ctx, xts);
		if (ret != -EOPNOTSUPP || ctx.err)
			break;
		ctx.target = ptp_pure_next_target(clk, ctx.target);
		if (ctx.target == first)
			break;
	}
	return ctx.err ? ctx.err : ret;
}

/**
 * ptp_pure_utc_offset() - how far CLOCK_REALTIME is from a clock's UTC
 * @clk: a registered clock
 * @s: the clock's information (status, TAI offset, error bound) on return
 * @offset_ns: the clock's time in UTC minus CLOCK_REALTIME
 * @reads: how many time reads to make (at least 1): the information is read
 *	once, the time up to @reads times, and the read with the narrowest
 *	CLOCK_REALTIME bracket counts (a cross-timestamp, zero width, ends it)
 * @window_ns: if not NULL, that bracket's width on return (the offset is
 *	known to within half of it)
 *
 * Context: process context.
 * Return: 0, -ENODATA when the clock's UTC is not known (TAI without an
 * offset), or the read's error.
 */
int ptp_pure_utc_offset(struct ptp_pure_clock *clk, struct ptp_pure_sample *s,
			s64 *offset_ns, unsigned int reads, u64 *window_ns)
{
	struct ptp_system_timestamp sts;
	struct timespec64 ts;
	u64 window, best = U64_MAX;
	ktime_t pre, post;
	int ret;

	ret = ptp_pure_read(clk, s, true);
	if (ret)
		return ret;
	/* The time is in the clock's scale; the sample says which that is. */
	if (s->timescale == PTP_PURE_TS_TAI &&
	    !(s->valid & PTP_PURE_VALID_TAI_OFFSET))
		return -ENODATA;
	while (reads-- && best) {
		memset(&sts, 0, sizeof(sts));	/* CLOCK_REALTIME */
		ret = ptp_pure_gettimex64(&clk->info, &ts, &sts);
		if (ret)
			return ret;
		if (s->timescale == PTP_PURE_TS_TAI)
			ts.tv_sec -= s->tai_offset;
		compat_sts_get(&sts, &pre, &post);
		window = ktime_to_ns(ktime_sub(post, pre));
		if (window < best) {
			best = window;
			*offset_ns = timespec64_to_ns(&ts) -
				     ktime_to_ns(pre) - (s64)(window / 2);
		}
	}
	if (window_ns)
		*window_ns = best;
	return 0;
}

static int ptp_pure_settime64(struct ptp_clock_info *info,
			      const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int ptp_pure_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int ptp_pure_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int ptp_pure_enable(struct ptp_clock_info *info,
			   struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static const struct ptp_clock_info ptp_pure_info_template = {
	.max_adj	= 0,
	.adjfine	= ptp_pure_adjfine,
	.adjtime	= ptp_pure_adjtime,
	.settime64	= ptp_pure_settime64,
	.gettimex64	= ptp_pure_gettimex64,
	.enable		= ptp_pure_enable,
};

/* --- sysfs: the attributes of ptp_pureN ----------------------------------- */

const char * const ptp_pure_status_names[] = {
	[PTP_PURE_STATUS_UNKNOWN] = "unknown",
	[PTP_PURE_STATUS_INITIALIZING] = "initializing",
	[PTP_PURE_STATUS_SYNCHRONIZED] = "synchronized",
	[PTP_PURE_STATUS_HOLDOVER] = "holdover",
	[PTP_PURE_STATUS_FREERUNNING] = "freerunning",
	[PTP_PURE_STATUS_UNRELIABLE] = "unreliable",
};

static const char * const ptp_pure_leap_names[] = {
	[PTP_PURE_LEAP_NONE] = "none",
	[PTP_PURE_LEAP_PRE_POS] = "insert-pending",
	[PTP_PURE_LEAP_PRE_NEG] = "delete-pending",
	[PTP_PURE_LEAP_POS] = "inserting",
	[PTP_PURE_LEAP_POST_POS] = "inserted",
	[PTP_PURE_LEAP_POST_NEG] = "deleted",
};

static const char * const ptp_pure_counter_names[] = {
	[PTP_PURE_COUNTER_NONE] = "none",
	[PTP_PURE_COUNTER_X86_TSC] = "x86-tsc",
	[PTP_PURE_COUNTER_X86_KVM_CLOCK] = "x86-kvm-clock",
	[PTP_PURE_COUNTER_S390_TOD] = "s390-tod",
	[PTP_PURE_COUNTER_ARM_VIRT] = "arm-virtual-counter",
	[PTP_PURE_COUNTER_ARM_PHYS] = "arm-physical-counter",
};

static const char * const ptp_pure_event_names[] = {
	[PTP_PURE_EV_DISRUPTION] = "disruption",
	[PTP_PURE_EV_GENERATION] = "generation",
	[PTP_PURE_EV_STATUS] = "status",
	[PTP_PURE_EV_LEAP] = "leap",
};

/* The attribute that counts each kind of event. */
static const char * const ptp_pure_event_attrs[] = {
	[PTP_PURE_EV_DISRUPTION] = "disruptions",
	[PTP_PURE_EV_GENERATION] = "generation_changes",
	[PTP_PURE_EV_STATUS] = "status_changes",
	[PTP_PURE_EV_LEAP] = "leap_changes",
};

static ssize_t ptp_pure_emit_name(char *buf, const char * const *names,
				  size_t n, unsigned int v)
{
	return sysfs_emit(buf, "%s\n", v < n && names[v] ? names[v] : "invalid");
}

enum ptp_pure_field {
	PTP_PURE_FIELD_TIMESCALE,
	PTP_PURE_FIELD_STATUS,
	PTP_PURE_FIELD_LEAP,
	PTP_PURE_FIELD_TAI_OFFSET,
	PTP_PURE_FIELD_ERROR_BOUND,
	PTP_PURE_FIELD_COUNTER,
	PTP_PURE_FIELD_RT_OFFSET,
	PTP_PURE_FIELD_BACKEND,
	PTP_PURE_FIELD_EVENTS,	/* + enum ptp_pure_event */
};

struct ptp_pure_attribute {
	struct device_attribute attr;
	unsigned int field;
};

/*
 * Every attribute of the device takes a fresh sample: the values follow the
 * device, and information the backend does not give reads as -ENODATA.
 * realtime_offset_ns is the clock's UTC minus CLOCK_REALTIME, measured as
 * the realtime= steps measure it (-ENODATA when the UTC is unknown);
 * backend is the name of the module that registered the clock.
 */
static ssize_t ptp_pure_attr_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	unsigned int field =
		container_of(attr, struct ptp_pure_attribute, attr)->field;
	struct ptp_pure_clock *clk = dev_to_pure_clock(dev);
	struct ptp_pure_sample s;
	int ret;

	if (field == PTP_PURE_FIELD_BACKEND)
		return sysfs_emit(buf, "%s\n", module_name(clk->info.owner));
	if (field >= PTP_PURE_FIELD_EVENTS)
		return sysfs_emit(buf, "%ld\n",
				  atomic_long_read(&clk->ev_count[field - PTP_PURE_FIELD_EVENTS]));
	if (field == PTP_PURE_FIELD_RT_OFFSET) {
		s64 off;

		ret = ptp_pure_utc_offset(clk, &s, &off, 1, NULL);
		return ret ? ret : sysfs_emit(buf, "%lld\n", (long long)off);
	}
	ret = ptp_pure_read(clk, &s, true);
	if (ret)
		return ret;

	switch (field) {
	case PTP_PURE_FIELD_TIMESCALE:
		return ptp_pure_emit_name(buf, ptp_pure_timescale_names,
					  ARRAY_SIZE(ptp_pure_timescale_names),
					  s.timescale);
	case PTP_PURE_FIELD_STATUS:
		if (!(s.valid & PTP_PURE_VALID_STATUS))
			s.status = PTP_PURE_STATUS_UNKNOWN;
		return ptp_pure_emit_name(buf, ptp_pure_status_names,
					  ARRAY_SIZE(ptp_pure_status_names),
					  s.status);
	case PTP_PURE_FIELD_LEAP:
		if (!(s.valid & PTP_PURE_VALID_LEAP))
			return -ENODATA;
		return ptp_pure_emit_name(buf, ptp_pure_leap_names,
					  ARRAY_SIZE(ptp_pure_leap_names), s.leap);
	case PTP_PURE_FIELD_TAI_OFFSET:
		if (!(s.valid & PTP_PURE_VALID_TAI_OFFSET))
			return -ENODATA;
		return sysfs_emit(buf, "%d\n", s.tai_offset);
	case PTP_PURE_FIELD_ERROR_BOUND:
		if (!(s.valid & PTP_PURE_VALID_ERROR_BOUND))
			return -ENODATA;
		return sysfs_emit(buf, "%llu\n",
				  (unsigned long long)s.error_bound_ns);
	case PTP_PURE_FIELD_COUNTER:
		return ptp_pure_emit_name(buf, ptp_pure_counter_names,
					  ARRAY_SIZE(ptp_pure_counter_names),
					  s.counter_id);
	}
	return -EINVAL;
}

#define PTP_PURE_ATTR(_name, _field)					\
	static struct ptp_pure_attribute ptp_pure_attr_##_name = {	\
		.attr = __ATTR(_name, 0444, ptp_pure_attr_show, NULL),	\
		.field = _field,					\
	}

PTP_PURE_ATTR(timescale, PTP_PURE_FIELD_TIMESCALE);
PTP_PURE_ATTR(status, PTP_PURE_FIELD_STATUS);
PTP_PURE_ATTR(leap, PTP_PURE_FIELD_LEAP);
PTP_PURE_ATTR(tai_offset, PTP_PURE_FIELD_TAI_OFFSET);
PTP_PURE_ATTR(error_bound_ns, PTP_PURE_FIELD_ERROR_BOUND);
PTP_PURE_ATTR(counter, PTP_PURE_FIELD_COUNTER);
PTP_PURE_ATTR(realtime_offset_ns, PTP_PURE_FIELD_RT_OFFSET);
PTP_PURE_ATTR(backend, PTP_PURE_FIELD_BACKEND);
PTP_PURE_ATTR(disruptions, PTP_PURE_FIELD_EVENTS + PTP_PURE_EV_DISRUPTION);
PTP_PURE_ATTR(generation_changes, PTP_PURE_FIELD_EVENTS + PTP_PURE_EV_GENERATION);
PTP_PURE_ATTR(status_changes, PTP_PURE_FIELD_EVENTS + PTP_PURE_EV_STATUS);
PTP_PURE_ATTR(leap_changes, PTP_PURE_FIELD_EVENTS + PTP_PURE_EV_LEAP);

static struct attribute *ptp_pure_attrs[] = {
	&ptp_pure_attr_timescale.attr.attr,
	&ptp_pure_attr_status.attr.attr,
	&ptp_pure_attr_leap.attr.attr,
	&ptp_pure_attr_tai_offset.attr.attr,
	&ptp_pure_attr_error_bound_ns.attr.attr,
	&ptp_pure_attr_counter.attr.attr,
	&ptp_pure_attr_realtime_offset_ns.attr.attr,
	&ptp_pure_attr_backend.attr.attr,
	&ptp_pure_attr_disruptions.attr.attr,
	&ptp_pure_attr_generation_changes.attr.attr,
	&ptp_pure_attr_status_changes.attr.attr,
	&ptp_pure_attr_leap_changes.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ptp_pure);

/* --- events ---------------------------------------------------------------- */

/* Queue @work unless the clock is being unregistered. */
static void ptp_pure_queue(struct ptp_pure_clock *clk, struct work_struct *work)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&clk->ev_lock, flags);
	if (!clk->stopping)
		queue_work(PTP_PURE_WQ, work);
	raw_spin_unlock_irqrestore(&clk->ev_lock, flags);
}

/**
 * ptp_pure_event() - report an event of a clock
 * @clk: a registered clock
 * @ev: what happened
 *
 * Counts the event (sysfs) and announces it from process context soon
 * after: one log line (rate-limited), one KOBJ_CHANGE uevent on the PTP
 * device with PTP_PURE_EVENT=<kind> and PTP_PURE_EVENT_COUNT=<count>, and
 * sysfs_notify() on the count attribute (and on "status" for a status
 * change).  Events of one kind that come faster than they are announced
 * are counted one by one and announced together.
 *
 * Context: any, including hard interrupt context.
 */
void ptp_pure_event(struct ptp_pure_clock *clk, enum ptp_pure_event ev)
{
	if (WARN_ON_ONCE(ev >= PTP_PURE_EV_NR))
		return;
	atomic_long_inc(&clk->ev_count[ev]);
	set_bit(ev, &clk->ev_pending);
	ptp_pure_queue(clk, &clk->ev_work);
}
EXPORT_SYMBOL_GPL(ptp_pure_event);

static void ptp_pure_announce(struct ptp_pure_clock *clk, enum ptp_pure_event ev)
{
	long count = atomic_long_read(&clk->ev_count[ev]);
	char kind[32], cnt[40];
	char *envp[3];
	struct ptp_pure_sample s;

	if (ev == PTP_PURE_EV_STATUS && !ptp_pure_read(clk, &s, true) &&
	    (s.valid & PTP_PURE_VALID_STATUS) && s.status < PTP_PURE_STATUS_NR)
		dev_info_ratelimited(clk->log_dev, "%s: status changed to %s (%ld)\n",
				     clk->info.name, ptp_pure_status_names[s.status],
				     count);
	else
		dev_info_ratelimited(clk->log_dev, "%s: %s event (%ld)\n",
				     clk->info.name, ptp_pure_event_names[ev], count);
	snprintf(kind, sizeof(kind), "PTP_PURE_EVENT=%s", ptp_pure_event_names[ev]);
	snprintf(cnt, sizeof(cnt), "PTP_PURE_EVENT_COUNT=%ld", count);
	envp[0] = kind;
	envp[1] = cnt;
	envp[2] = NULL;
	kobject_uevent_env(&clk->ptp_dev->kobj, KOBJ_CHANGE, envp);
	sysfs_notify(&clk->dev.kobj, NULL, ptp_pure_event_attrs[ev]);
	if (ev == PTP_PURE_EV_STATUS)
		sysfs_notify(&clk->dev.kobj, NULL, "status");
}

static void ptp_pure_ev_work(struct work_struct *work)
{
	struct ptp_pure_clock *clk = container_of(work, struct ptp_pure_clock,
						  ev_work);
	int ev;

	for (ev = 0; ev < PTP_PURE_EV_NR; ev++)
		if (test_and_clear_bit(ev, &clk->ev_pending)) {
			ptp_pure_announce(clk, ev);
			ptp_pure_rt_event(clk, ev);
		}
}

static void ptp_pure_watch_work(struct work_struct *work)
{
	struct ptp_pure_clock *clk = container_of(to_delayed_work(work),
						  struct ptp_pure_clock,
						  watch_work);
	unsigned long evs = 0;
	unsigned long flags;
	int ev;

	/* ptp_pure_set_dead_sync() flushes this work to wait for the call. */
	if (!READ_ONCE(clk->dead))
		evs = clk->ops->watch(clk->priv);
	for_each_set_bit(ev, &evs, PTP_PURE_EV_NR)
		ptp_pure_event(clk, ev);

	raw_spin_lock_irqsave(&clk->ev_lock, flags);
	if (!clk->stopping && clk->watch_ms)
		queue_delayed_work(PTP_PURE_WQ, &clk->watch_work,
				   msecs_to_jiffies(clk->watch_ms));
	raw_spin_unlock_irqrestore(&clk->ev_lock, flags);
}

/**
 * ptp_pure_watch_now() - have the backend's watch callback run soon
 * @clk: a registered clock whose backend has &ptp_pure_ops.watch
 *
 * For device notifications (an interrupt, an ACPI Notify) and for readers
 * that noticed a change: the watch callback, not the caller, decides what
 * happened.
 *
 * Context: any, including hard interrupt context.
 */
void ptp_pure_watch_now(struct ptp_pure_clock *clk)
{
	unsigned long flags;

	if (!clk->ops->watch)
		return;
	raw_spin_lock_irqsave(&clk->ev_lock, flags);
	if (!clk->stopping)
		mod_delayed_work(PTP_PURE_WQ, &clk->watch_work, 0);
	raw_spin_unlock_irqrestore(&clk->ev_lock, flags);
}
EXPORT_SYMBOL_GPL(ptp_pure_watch_now);

/* --- debugfs: /sys/kernel/debug/ptp_pure/ptpN/ ----------------------------- */

static int ptp_pure_stats_show(struct seq_file *m, void *unused)
{
	struct ptp_pure_clock *clk = m->private;
	unsigned long reads = 0, timeouts = 0;
	struct ptp_pure_errors e;
	int cpu, i;

	for_each_possible_cpu(cpu)
		reads += *per_cpu_ptr(clk->reads, cpu);
	raw_spin_lock_irq(&clk->err_lock);
	e = clk->errors;
	raw_spin_unlock_irq(&clk->err_lock);

	seq_printf(m, "reads: %lu\n", reads);
	seq_printf(m, "errors: %lu\n", e.count);
	for (i = 0; i < PTP_PURE_ERRNO_SLOTS && e.err[i]; i++) {
		seq_printf(m, "errno %d: %lu\n", e.err[i], e.err_count[i]);
		if (e.err[i] == -ETIMEDOUT)
			timeouts = e.err_count[i];
	}
	if (e.err_other)
		seq_printf(m, "errno other: %lu\n", e.err_other);
	seq_printf(m, "timeouts: %lu\n", timeouts);
	if (e.count)
		seq_printf(m, "last error: %d at %lld ms after boot\n",
			   e.last_err, ktime_to_ms(e.last_err_time));
	else
		seq_puts(m, "last error: none\n");
	seq_printf(m, "cross-timestamps: %s, %ld made, %ld failed\n",
		   clk->info.getcrosststamp ? "offered" : "not offered",
		   atomic_long_read(&clk->xts_ok),
		   atomic_long_read(&clk->xts_failed));
	seq_printf(m, "time scale: %s\n", clk->scale == PTP_PURE_TS_NATIVE ?
		   "native" : ptp_pure_timescale_names[clk->scale]);
	seq_printf(m, "dead: %s\n", READ_ONCE(clk->dead) ? "yes" : "no");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ptp_pure_stats);

/**
 * ptp_pure_debugfs_dir() - the clock's debugfs directory, for a backend's files
 * @clk: a registered clock
 *
 * A backend may create its own diagnostics here (register copies, device
 * counters); they are removed, and waited for, when the clock is
 * unregistered.  Not an ABI.
 *
 * Return: the directory, or an ERR_PTR() or NULL without debugfs, which the
 * debugfs functions accept as a parent and ignore.
 */
struct dentry *ptp_pure_debugfs_dir(struct ptp_pure_clock *clk)
{
	return clk->debugfs;
}
EXPORT_SYMBOL_GPL(ptp_pure_debugfs_dir);

/* --- registration ----------------------------------------------------------- */

static void ptp_pure_dev_release(struct device *dev)
{
	struct ptp_pure_clock *clk = dev_to_pure_clock(dev);

	free_percpu(clk->reads);
	ida_free(&ptp_pure_ida, clk->id);
	kfree(clk);
}

/*
 * The time scale a clock serves: the module's, unless the device cannot be
 * converted to it (no TAI offset), in which case its own, said once.  The
 * choice is made at registration and kept: a clock that changed its scale
 * would jump by the offset under its users.
 */
static void ptp_pure_pick_scale(struct ptp_pure_clock *clk)
{
	struct ptp_pure_sample s;

	clk->scale = ptp_pure_want_ts;
	if (clk->scale == PTP_PURE_TS_NATIVE ||
	    ptp_pure_read_dev(clk, &s, 0) ||
	    (int)s.timescale == clk->scale ||
	    (s.valid & PTP_PURE_VALID_TAI_OFFSET))
		return;
	dev_warn(clk->log_dev,
		 "%s: the device gives %s time without a TAI offset: the clock serves %s, not %s\n",
		 clk->info.name, ptp_pure_timescale_names[s.timescale],
		 ptp_pure_timescale_names[s.timescale], timescale);
	clk->scale = PTP_PURE_TS_NATIVE;
}

/* Offer cross-timestamps if the counter can ever be the clocksource's. */
static void ptp_pure_offer_xts(struct ptp_pure_clock *clk)
{
	const enum compat_syscounter *t = ptp_pure_targets[clk->counter];
	int i;

	for (i = 0; i < ARRAY_SIZE(ptp_pure_targets[0]); i++) {
		if (ptp_pure_target_possible(t[i])) {
			clk->xts_target = t[i];
			clk->info.getcrosststamp = ptp_pure_getcrosststamp;
			return;
		}
	}
	if (clk->counter != PTP_PURE_COUNTER_NONE)
		dev_info(clk->log_dev,
			 "%s: no cross-timestamps: this kernel cannot express the %s counter as a clocksource\n",
			 clk->info.name, ptp_pure_counter_names[clk->counter]);
}

static int ptp_pure_check_config(struct device *parent,
				 const struct ptp_pure_config *cfg)
{
	size_t max = PTP_PURE_NAME_MAX;

	if (!cfg || !cfg->ops || !cfg->ops->read || !cfg->name)
		return -EINVAL;
	/*
	 * One limit on every kernel, so udev rules on clock_name are
	 * portable; a longer one only when asked for and where it fits.
	 */
	if (cfg->flags & PTP_PURE_F_LONG_NAME)
		max = min_t(size_t, PTP_PURE_LONG_NAME_MAX,
			    sizeof_field(struct ptp_clock_info, name) - 1);
	if (strlen(cfg->name) > max) {
		pr_err("clock name '%s' is longer than %zu characters\n",
		       cfg->name, max);
		return -EINVAL;
	}
	if ((cfg->flags & PTP_PURE_F_PAIRED) &&
	    (cfg->counter == PTP_PURE_COUNTER_NONE ||
	     cfg->counter >= PTP_PURE_COUNTER_NR)) {
		pr_err("%s: paired with an invalid counter %d\n", cfg->name,
		       cfg->counter);
		return -EINVAL;
	}
	return 0;
}

/**
 * __ptp_pure_register() - register a pure PTP clock
 * @parent: device to create the clock under, or NULL
 * @cfg: clock description; copied, need not outlive the call
 * @owner: module implementing @cfg->ops (THIS_MODULE of the caller)
 *
 * Creates the device ptp_pureN (under @parent, or in /sys/devices/ without
 * one) with the clock's attributes, and under it /dev/ptpN with the core's
 * clock operations around @cfg->ops->read.  Starts @cfg->ops->watch if the
 * backend has one.  Use the ptp_pure_register() macro rather than calling
 * this directly.
 *
 * Context: process context; may sleep.  Calls @cfg->ops->read once, to
 * learn the device's time scale.
 * Return: the clock, or an ERR_PTR(): -EINVAL for a bad @cfg or a name that
 * does not fit, -ENODEV if the kernel has no PTP clock support, or the error
 * of the driver core or the PTP core.
 */
struct ptp_pure_clock *__ptp_pure_register(struct device *parent,
					   const struct ptp_pure_config *cfg,
					   struct module *owner)
{
	struct ptp_pure_clock *clk;
	char devname[16];
	int ret, id;

	ret = ptp_pure_check_config(parent, cfg);
	if (ret)
		return ERR_PTR(ret);
	id = ida_alloc(&ptp_pure_ida, GFP_KERNEL);
	if (id < 0)
		return ERR_PTR(id);
	clk = kzalloc(sizeof(*clk), GFP_KERNEL);
	if (clk)
		clk->reads = alloc_percpu(unsigned long);
	if (!clk || !clk->reads) {
		kfree(clk);
		ida_free(&ptp_pure_ida, id);
		return ERR_PTR(-ENOMEM);
	}
	/* From here on, put_device() frees everything. */
	clk->id = id;
	device_initialize(&clk->dev);
	clk->dev.parent = parent;
	clk->dev.groups = ptp_pure_groups;
	clk->dev.release = ptp_pure_dev_release;
	ret = dev_set_name(&clk->dev, "ptp_pure%d", id);
	if (ret)
		goto err_put;

	clk->info = ptp_pure_info_template;
	clk->info.owner = owner;
	strscpy(clk->info.name, cfg->name, sizeof(clk->info.name));
	clk->log_dev = parent ? parent : &clk->dev;
	clk->ops = cfg->ops;
	clk->priv = cfg->priv;
	clk->counter = cfg->flags & PTP_PURE_F_PAIRED ? cfg->counter :
		       PTP_PURE_COUNTER_NONE;
	clk->own_sts = cfg->flags & PTP_PURE_F_OWN_STS;
	clk->watch_ms = cfg->watch_ms;
	raw_spin_lock_init(&clk->err_lock);
	raw_spin_lock_init(&clk->ev_lock);
	INIT_WORK(&clk->ev_work, ptp_pure_ev_work);
	INIT_DELAYED_WORK(&clk->watch_work, ptp_pure_watch_work);
	ptp_pure_pick_scale(clk);
	ptp_pure_offer_xts(clk);

	ret = device_add(&clk->dev);
	if (ret) {
		dev_err(clk->log_dev, "%s: cannot add its device: %d\n",
			clk->info.name, ret);
		goto err_put;
	}
	clk->ptp = ptp_clock_register(&clk->info, &clk->dev);
	if (IS_ERR_OR_NULL(clk->ptp)) {
		ret = clk->ptp ? PTR_ERR(clk->ptp) : -ENODEV;
		dev_err(clk->log_dev, "%s: cannot register PTP clock: %d\n",
			clk->info.name, ret);
		goto err_del;
	}
	clk->index = ptp_clock_index(clk->ptp);

	/*
	 * The PTP device stays registered, and so alive, until our own
	 * ptp_clock_unregister(): no reference of ours is needed, and none is
	 * dropped after that call, when the PTP core may free the device.
	 */
	snprintf(devname, sizeof(devname), "ptp%d", clk->index);
	clk->ptp_dev = device_find_child_by_name(&clk->dev, devname);
	if (!clk->ptp_dev) {
		dev_err(clk->log_dev, "%s: PTP device %s not found\n",
			clk->info.name, devname);
		ret = -ENODEV;
		goto err_unregister;
	}
	put_device(clk->ptp_dev);

	clk->debugfs = debugfs_create_dir(devname, ptp_pure_debugfs_root);
	debugfs_create_file("stats", 0444, clk->debugfs, clk,
			    &ptp_pure_stats_fops);
	if (clk->ops->watch && clk->watch_ms)
		queue_delayed_work(PTP_PURE_WQ, &clk->watch_work,
				   msecs_to_jiffies(clk->watch_ms));

	dev_info(clk->log_dev, "%s: registered as %s (%s)%s\n", clk->info.name,
		 devname, dev_name(&clk->dev),
		 clk->info.getcrosststamp ? " with cross-timestamps" : "");
	ptp_pure_rt_add(clk);
	return clk;

err_unregister:
	ptp_clock_unregister(clk->ptp);
err_del:
	device_del(&clk->dev);
err_put:
	put_device(&clk->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(__ptp_pure_register);

/**
 * ptp_pure_set_dead() - the device is gone: fail reads without calling it
 * @clk: a registered clock
 *
 * For surprise removal and fatal device errors, from wherever the backend
 * notices them: its read or watch callback, an interrupt handler, a work
 * item.  Reads that begin after it fail with -ENODEV without calling the
 * backend, and the watch callback is not called again; calls in progress
 * finish (ptp_pure_set_dead_sync() waits for them).  The first call logs
 * it.  The clock stays registered until ptp_pure_unregister().
 *
 * Context: any, including hard interrupt context and the backend's own
 * callbacks.
 */
void ptp_pure_set_dead(struct ptp_pure_clock *clk)
{
	if (test_and_set_bit(0, &clk->dead))
		return;
	dev_warn(clk->log_dev, "%s: device gone, reads fail from now on\n",
		 clk->info.name);
}
EXPORT_SYMBOL_GPL(ptp_pure_set_dead);

/**
 * ptp_pure_set_dead_sync() - ptp_pure_set_dead() and wait for the backend
 * @clk: a registered clock
 *
 * As ptp_pure_set_dead(); on return no read or watch callback of @clk is
 * running, and none starts later, so the backend may release what they use
 * before it unregisters the clock.
 *
 * Context: process context, not from @clk's own callbacks; may sleep.
 */
void ptp_pure_set_dead_sync(struct ptp_pure_clock *clk)
{
	might_sleep();
	ptp_pure_set_dead(clk);
	synchronize_rcu();
	if (clk->ops->watch &&
	    !WARN_ON_ONCE(current_work() == &clk->watch_work.work))
		flush_delayed_work(&clk->watch_work);
}
EXPORT_SYMBOL_GPL(ptp_pure_set_dead_sync);

/**
 * ptp_pure_unregister() - remove a clock registered with ptp_pure_register()
 * @clk: the clock; NULL or an ERR_PTR() is ignored
 *
 * Removes /dev/ptpN and ptp_pureN.  Waits for clock operations, attribute
 * reads, debugfs reads and the watch callback that are running;
 * descriptors that stay open get -ENODEV from then on.
 *
 * Context: process context; may sleep.  After return no backend callback
 * runs for @clk.
 */
void ptp_pure_unregister(struct ptp_pure_clock *clk)
{
	unsigned long flags;

	if (IS_ERR_OR_NULL(clk))
		return;
	raw_spin_lock_irqsave(&clk->ev_lock, flags);
	clk->stopping = true;
	raw_spin_unlock_irqrestore(&clk->ev_lock, flags);
	cancel_delayed_work_sync(&clk->watch_work);
	cancel_work_sync(&clk->ev_work);
	ptp_pure_rt_remove(clk);
	/* Waits for the backend's own files in there too. */
	debugfs_remove_recursive(clk->debugfs);
	/* The PTP core waits for clock operations in progress. */
	ptp_clock_unregister(clk->ptp);
	/* The driver core waits for attribute reads in progress. */
	device_del(&clk->dev);
	put_device(&clk->dev);
}
EXPORT_SYMBOL_GPL(ptp_pure_unregister);

static void ptp_pure_devm_unregister(void *clk)
{
	ptp_pure_unregister(clk);
}

/**
 * __devm_ptp_pure_register() - register a clock removed on driver detach
 * @parent: device whose driver unbind unregisters the clock; not NULL
 * @cfg: clock description; copied, need not outlive the call
 * @owner: module implementing @cfg->ops (THIS_MODULE of the caller)
 *
 * Like __ptp_pure_register(), with ptp_pure_unregister() run automatically
 * when @parent's driver detaches.  Use the devm_ptp_pure_register() macro.
 *
 * Context: process context; may sleep.
 * Return: the clock or an ERR_PTR().
 */
struct ptp_pure_clock *__devm_ptp_pure_register(struct device *parent,
						const struct ptp_pure_config *cfg,
						struct module *owner)
{
	struct ptp_pure_clock *clk;
	int ret;

	if (!parent)
		return ERR_PTR(-EINVAL);
	clk = __ptp_pure_register(parent, cfg, owner);
	if (IS_ERR(clk))
		return clk;
	ret = devm_add_action_or_reset(parent, ptp_pure_devm_unregister, clk);
	return ret ? ERR_PTR(ret) : clk;
}
EXPORT_SYMBOL_GPL(__devm_ptp_pure_register);

/**
 * ptp_pure_index() - N of the clock's /dev/ptpN
 * @clk: a registered clock
 *
 * Return: the PTP clock index.
 */
int ptp_pure_index(const struct ptp_pure_clock *clk)
{
	return clk->index;
}
EXPORT_SYMBOL_GPL(ptp_pure_index);

static int __init ptp_pure_init(void)
{
	int ret;

	if (!strcmp(timescale, "utc")) {
		ptp_pure_want_ts = PTP_PURE_TS_UTC;
	} else if (!strcmp(timescale, "tai")) {
		ptp_pure_want_ts = PTP_PURE_TS_TAI;
	} else if (!strcmp(timescale, "native")) {
		ptp_pure_want_ts = PTP_PURE_TS_NATIVE;
	} else {
		pr_err("timescale=%s: must be utc, tai or native\n", timescale);
		return -EINVAL;
	}
	ptp_pure_debugfs_root = debugfs_create_dir("ptp_pure", NULL);
	ret = ptp_pure_rt_init();
	if (ret)
		debugfs_remove_recursive(ptp_pure_debugfs_root);
	return ret;
}
module_init(ptp_pure_init);

static void __exit ptp_pure_exit(void)
{
	/* Backends hold references on this module while they have clocks. */
	WARN_ON(!ida_is_empty(&ptp_pure_ida));
	ptp_pure_rt_exit();
	debugfs_remove_recursive(ptp_pure_debugfs_root);
}
module_exit(ptp_pure_exit);

MODULE_DESCRIPTION("PTP hardware clocks for platform and hypervisor time sources");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
