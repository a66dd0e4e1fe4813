// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_core - PTP hardware clocks for platform and hypervisor time sources
 *
 * A backend provides one read primitive; this module builds the complete
 * ptp_clock_info around it.  Design notes:
 *
 *  - Every clock owns a writable ptp_clock_info: the PTP core fills in
 *    fallbacks for the cycle operations at registration.
 *  - gettimex64 brackets the device read with ptp_read_system_prets/postts.
 *    When the sample is paired with the counter the system clock runs on,
 *    the system time of that very counter read is derived through the
 *    timekeeping core and replaces both brackets (a zero-width window).
 *  - getcrosststamp converts the paired counter to the current clocksource
 *    at call time (TSC, or kvm-clock via the pvclock page).  It is offered
 *    only if it works when the clock is registered: chrony keeps using the
 *    first method that worked, so PRECISE must not come and go.
 *  - Adjustments are refused with -EOPNOTSUPP; max_adj is 0.
 *  - The PTP device gets a "pure" attribute group with the time scale and
 *    status information of the backend, read live.
 *  - Unregistering removes the attributes (sysfs drains running readers)
 *    before ptp_clock_unregister(), which waits for running clock
 *    operations and turns later ones on open descriptors into -ENODEV.
 *    After ptp_pure_unregister() returns, no backend callback runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_math.h"

/**
 * struct ptp_pure_clock - one registered clock
 * @info: the PTP core's description, per clock and writable
 * @ptp: the PTP core's clock
 * @ptp_dev: the PTP core's device, /sys/class/ptp/ptpN (alive while registered)
 * @parent: parent device given at registration
 * @ops: backend operations
 * @priv: backend data for @ops
 * @index: N of /dev/ptpN
 * @paired: the backend pairs samples with a system counter
 * @xts_ok: cross-timestamps worked at registration and are offered
 */
struct ptp_pure_clock {
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
	struct device *ptp_dev;
	struct device *parent;
	const struct ptp_pure_ops *ops;
	void *priv;
	int index;
	bool paired;
	bool xts_ok;
};

/* Registered clocks by PTP index, for the sysfs attributes. */
static DEFINE_XARRAY(ptp_pure_clocks);

/* The time scale every clock reports, unless "native". */
static char *timescale = "utc";
module_param(timescale, charp, 0444);
MODULE_PARM_DESC(timescale,
		 "time scale of all clocks: utc (default), tai, or native (as the device gives it)");

#define PTP_PURE_TS_NATIVE	(-1)
static int ptp_pure_want_ts;

#define to_pure_clock(pi) container_of(pi, struct ptp_pure_clock, info)

/*
 * Bring a sample to the configured time scale.  Without a TAI offset there
 * is no way to do so, and time in the wrong scale is worse than none.
 */
static int ptp_pure_convert(struct ptp_pure_clock *clk,
			    struct ptp_pure_sample *s)
{
	u64 sec = s->time.tv_sec;

	if (ptp_pure_want_ts == PTP_PURE_TS_NATIVE ||
	    (int)s->timescale == ptp_pure_want_ts)
		return 0;
	if (!(s->valid & PTP_PURE_VALID_TAI_OFFSET)) {
		dev_warn_ratelimited(clk->parent,
				     "%s: no TAI offset to convert the time to %s\n",
				     clk->info.name, timescale);
		return -ENODATA;
	}
	if (ptp_pure_want_ts == PTP_PURE_TS_UTC) {
		if (ptp_pure_tai_to_utc_sec(sec, s->tai_offset, &sec))
			return -ERANGE;
	} else {
		sec += (s64)s->tai_offset;
	}
	s->time.tv_sec = sec;
	s->timescale = ptp_pure_want_ts;
	return 0;
}

/*
 * Read the backend, check what it returned, convert the time scale.
 * A device that calls its time unreliable gives no time (-EIO); for
 * @info (the sysfs attributes) the sample is still good for its status
 * information, and the backend fills in all it knows.
 */
static int __ptp_pure_read(struct ptp_pure_clock *clk,
			   struct ptp_pure_sample *s, bool info)
{
	int ret;

	/*
	 * Field by field: a memset() of this size becomes a string store,
	 * which costs more than the stores themselves (and much more under
	 * emulation).
	 */
	s->time.tv_sec = 0;
	s->time.tv_nsec = 0;
	s->counter = 0;
	s->counter_id = PTP_PURE_COUNTER_NONE;
	s->timescale = PTP_PURE_TS_UTC;
	s->valid = 0;
	s->tai_offset = 0;
	s->leap = PTP_PURE_LEAP_NONE;
	s->status = PTP_PURE_STATUS_UNKNOWN;
	s->error_bound_ns = 0;
	ret = clk->ops->read(clk->priv, s, info ? PTP_PURE_READ_INFO : 0);
	if (ret) {
		dev_warn_ratelimited(clk->parent, "%s: read failed: %d\n",
				     clk->info.name, ret);
		return ret;
	}
	if ((s->valid & PTP_PURE_VALID_STATUS) &&
	    s->status == PTP_PURE_STATUS_UNRELIABLE) {
		if (info)
			return 0;
		dev_warn_ratelimited(clk->parent,
				     "%s: the device reports its time as unreliable\n",
				     clk->info.name);
		return -EIO;
	}
	if (s->time.tv_sec < 0 || s->time.tv_nsec < 0 ||
	    s->time.tv_nsec >= NSEC_PER_SEC) {
		dev_warn_ratelimited(clk->parent,
				     "%s: backend returned an invalid time %lld.%ld\n",
				     clk->info.name, (long long)s->time.tv_sec,
				     (long)s->time.tv_nsec);
		return -EIO;
	}
	return ptp_pure_convert(clk, s);
}

static int ptp_pure_read(struct ptp_pure_clock *clk, struct ptp_pure_sample *s)
{
	return __ptp_pure_read(clk, s, false);
}

/*
 * kvm-clock nanoseconds for a TSC value, through this CPU's pvclock page.
 * Only meaningful while kvm-clock is (or may be) the system clocksource.
 */
static int ptp_pure_tsc_to_kvmclock(u64 tsc, u64 *ns)
{
#ifdef COMPAT_HAVE_KVMCLOCK_CONVERSION
	struct pvclock_vsyscall_time_info *hv;
	struct pvclock_vcpu_time_info *p;
	unsigned int version;
	int ret = 0;

	preempt_disable_notrace();
	hv = this_cpu_hvclock();
	if (!hv) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	p = &hv->pvti;
	do {
		version = pvclock_read_begin(p);
		*ns = p->system_time +
		      ptp_pure_pvclock_scale(tsc - p->tsc_timestamp,
					     p->tsc_to_system_mul,
					     p->tsc_shift);
	} while (pvclock_read_retry(p, version));
out:
	preempt_enable_notrace();
	return ret;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * Express the counter of a paired sample in the clocksource the system runs
 * on, as seen by @snap (taken just before the device read).
 */
static int ptp_pure_syscounter(const struct ptp_pure_sample *s,
			       const struct system_time_snapshot *snap,
			       struct system_counterval_t *sc)
{
	enum compat_syscounter cur = compat_snapshot_counter(snap);
	u64 ns;
	int ret;

	switch (s->counter_id) {
	case PTP_PURE_COUNTER_X86_TSC:
		if (cur == COMPAT_SC_X86_TSC || cur == COMPAT_SC_X86_TSC_EARLY)
			return compat_set_syscounter(sc, s->counter, cur);
		/* Kernels that do not name the clocksource: try kvm-clock. */
		if (cur != COMPAT_SC_X86_KVM_CLK && cur != COMPAT_SC_UNKNOWN)
			return -EOPNOTSUPP;
		ret = ptp_pure_tsc_to_kvmclock(s->counter, &ns);
		if (ret)
			return ret;
		return compat_set_syscounter(sc, ns, COMPAT_SC_X86_KVM_CLK);
	case PTP_PURE_COUNTER_S390_TOD:
		return compat_set_syscounter(sc, s->counter, COMPAT_SC_S390_TOD);
	case PTP_PURE_COUNTER_ARM_ARCH:
		return compat_set_syscounter(sc, s->counter, COMPAT_SC_ARM_ARCH);
	default:
		return -EOPNOTSUPP;
	}
}

struct ptp_pure_xts_ctx {
	ktime_t device;
	struct system_counterval_t sc;
};

/*
 * Called by the timekeeping core inside its sequence loop, possibly more
 * than once: hand back the sample that was already read.
 */
static int ptp_pure_xts_cb(ktime_t *device, struct system_counterval_t *sc,
			   void *data)
{
	struct ptp_pure_xts_ctx *ctx = data;

	*device = ctx->device;
	*sc = ctx->sc;
	return 0;
}

/*
 * System time at the counter value of @s.  @snap serves as history for
 * counter values that precede the current timekeeping interval.
 */
static int ptp_pure_sample_xts(const struct ptp_pure_sample *s,
			       struct system_time_snapshot *snap,
			       struct system_device_crosststamp *xts)
{
	struct ptp_pure_xts_ctx ctx;
	int ret;

	ret = ptp_pure_syscounter(s, snap, &ctx.sc);
	if (ret)
		return ret;
	ctx.device = timespec64_to_ktime(s->time);
	ret = get_device_system_crosststamp(ptp_pure_xts_cb, &ctx, snap, xts);
	/* -ENODEV: the clocksource is not the one the counter maps to. */
	return ret == -ENODEV ? -EOPNOTSUPP : ret;
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

	if (!sts || !clk->xts_ok)
		return false;
	clkid = compat_sts_clockid(sts);
	return clkid == CLOCK_REALTIME || clkid == CLOCK_MONOTONIC_RAW;
}

static int ptp_pure_gettimex64(struct ptp_clock_info *info,
			       struct timespec64 *ts,
			       struct ptp_system_timestamp *sts)
{
	struct ptp_pure_clock *clk = to_pure_clock(info);
	bool zero_window = ptp_pure_zero_window(clk, sts);
	/*
	 * Every read passes here: no automatic zeroing of these (with
	 * CONFIG_INIT_STACK_ALL_ZERO, about 200 bytes per call).  Each is
	 * written before it is read: @xts and @snap only on the zero-window
	 * path, @s by __ptp_pure_read().
	 */
	struct system_device_crosststamp xts __uninitialized;
	struct system_time_snapshot snap __uninitialized;
	struct system_time_snapshot *hist = NULL;
	struct ptp_pure_sample s __uninitialized;
	ktime_t t;
	int ret;

	/* History for counter values before the current timekeeping interval */
	if (zero_window)
		hist = compat_sts_pre_snapshot(sts, &snap);
	else
		ptp_read_system_prets(sts);
	ret = ptp_pure_read(clk, &s);
	ptp_read_system_postts(sts);
	if (ret)
		return ret;
	*ts = s.time;

	/*
	 * The device time belongs to one counter read: if the system clock
	 * can tell its own time at that counter value, both system
	 * timestamps are that time.  If it cannot (the clocksource changed),
	 * the brackets stay.
	 */
	if (zero_window) {
		memset(&xts, 0, sizeof(xts));
		compat_xts_request(&xts, CLOCK_REALTIME);
		if (!ptp_pure_sample_xts(&s, hist, &xts) &&
		    compat_xts_systime(&xts, compat_sts_clockid(sts), &t))
			compat_sts_set(sts, t);
	}
	return 0;
}

static int ptp_pure_getcrosststamp(struct ptp_clock_info *info,
				   struct system_device_crosststamp *xts)
{
	struct ptp_pure_clock *clk = to_pure_clock(info);
	/* Written before use, as in ptp_pure_gettimex64() */
	struct system_time_snapshot snap __uninitialized;
	struct ptp_pure_sample s __uninitialized;
	int ret;

	/* From 7.2, xts->clock_id is an input: pass @xts on untouched. */
	compat_ktime_get_snapshot(CLOCK_REALTIME, &snap);
	ret = ptp_pure_read(clk, &s);
	if (ret)
		return ret;
	return ptp_pure_sample_xts(&s, &snap, xts);
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

/* --- sysfs: /sys/class/ptp/ptpN/pure/ ---------------------------------- */

static const char * const ptp_pure_timescale_names[] = {
	[PTP_PURE_TS_UTC] = "UTC",
	[PTP_PURE_TS_TAI] = "TAI",
};

static const char * const ptp_pure_status_names[] = {
	[PTP_PURE_STATUS_UNKNOWN] = "unknown",
	[PTP_PURE_STATUS_INITIALIZING] = "initializing",
	[PTP_PURE_STATUS_SYNCHRONIZED] = "synchronized",
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
	[PTP_PURE_COUNTER_S390_TOD] = "s390-tod",
	[PTP_PURE_COUNTER_ARM_ARCH] = "arm-arch-counter",
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
};

struct ptp_pure_attribute {
	struct device_attribute attr;
	enum ptp_pure_field field;
};

/*
 * Every attribute takes a fresh sample: the values follow the device, and
 * information the backend does not give reads as -ENODATA.
 */
static ssize_t ptp_pure_attr_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	enum ptp_pure_field field =
		container_of(attr, struct ptp_pure_attribute, attr)->field;
	struct ptp_pure_clock *clk = xa_load(&ptp_pure_clocks, MINOR(dev->devt));
	struct ptp_pure_sample s;
	int ret;

	if (!clk)
		return -ENODEV;
	ret = __ptp_pure_read(clk, &s, true);
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

static struct attribute *ptp_pure_attrs[] = {
	&ptp_pure_attr_timescale.attr.attr,
	&ptp_pure_attr_status.attr.attr,
	&ptp_pure_attr_leap.attr.attr,
	&ptp_pure_attr_tai_offset.attr.attr,
	&ptp_pure_attr_error_bound_ns.attr.attr,
	&ptp_pure_attr_counter.attr.attr,
	NULL,
};

static const struct attribute_group ptp_pure_group = {
	.name = "pure",
	.attrs = ptp_pure_attrs,
};

/* --- registration --------------------------------------------------------- */

/* Offer cross-timestamps only if one works now; say why not otherwise. */
static void ptp_pure_probe_xts(struct ptp_pure_clock *clk)
{
	struct system_device_crosststamp xts;
	int ret;

	if (!clk->paired)
		return;
	memset(&xts, 0, sizeof(xts));
	compat_xts_request(&xts, CLOCK_REALTIME);
	ret = ptp_pure_getcrosststamp(&clk->info, &xts);
	if (ret) {
		dev_info(clk->parent,
			 "%s: cross-timestamps not offered with the current clocksource (%d)\n",
			 clk->info.name, ret);
		return;
	}
	clk->xts_ok = true;
	clk->info.getcrosststamp = ptp_pure_getcrosststamp;
}

/**
 * __ptp_pure_register() - register a pure PTP clock
 * @parent: device to create the PTP device under; must not be NULL
 * @cfg: clock description; copied, need not outlive the call
 * @owner: module implementing @cfg->ops (THIS_MODULE of the caller)
 *
 * Creates /dev/ptpN with the core's clock operations around @cfg->ops->read
 * and the "pure" attribute group on the PTP device.  Use the
 * ptp_pure_register() macro rather than calling this directly.
 *
 * Context: process context; may sleep.  Calls @cfg->ops->read once.
 * Return: the clock, or an ERR_PTR(): -EINVAL for a bad @cfg or a name that
 * does not fit, -ENODEV if the kernel has no PTP clock support, or the error
 * of the PTP core.
 */
struct ptp_pure_clock *__ptp_pure_register(struct device *parent,
					   const struct ptp_pure_config *cfg,
					   struct module *owner)
{
	struct ptp_pure_clock *clk;
	char devname[16];
	int ret;

	if (!parent || !cfg || !cfg->ops || !cfg->ops->read || !cfg->name)
		return ERR_PTR(-EINVAL);
	clk = kzalloc(sizeof(*clk), GFP_KERNEL);
	if (!clk)
		return ERR_PTR(-ENOMEM);

	clk->info = ptp_pure_info_template;
	clk->info.owner = owner;
	/* One limit on every kernel, so udev rules on clock_name are portable. */
	if (strlen(cfg->name) > PTP_PURE_NAME_MAX) {
		dev_err(parent, "clock name '%s' is longer than %d characters\n",
			cfg->name, PTP_PURE_NAME_MAX);
		ret = -EINVAL;
		goto err_free;
	}
	strscpy(clk->info.name, cfg->name, sizeof(clk->info.name));
	clk->parent = parent;
	clk->ops = cfg->ops;
	clk->priv = cfg->priv;
	clk->paired = cfg->flags & PTP_PURE_F_PAIRED;
	ptp_pure_probe_xts(clk);

	clk->ptp = ptp_clock_register(&clk->info, parent);
	if (IS_ERR_OR_NULL(clk->ptp)) {
		ret = clk->ptp ? PTR_ERR(clk->ptp) : -ENODEV;
		dev_err(parent, "%s: cannot register PTP clock: %d\n",
			clk->info.name, ret);
		goto err_free;
	}
	clk->index = ptp_clock_index(clk->ptp);

	/*
	 * The PTP device stays registered, and so alive, until our own
	 * ptp_clock_unregister(): no reference of ours is needed, and none is
	 * dropped after that call, when the PTP core may free the device.
	 */
	snprintf(devname, sizeof(devname), "ptp%d", clk->index);
	clk->ptp_dev = device_find_child_by_name(parent, devname);
	if (!clk->ptp_dev) {
		dev_err(parent, "%s: PTP device %s not found\n",
			clk->info.name, devname);
		ret = -ENODEV;
		goto err_unregister;
	}
	put_device(clk->ptp_dev);
	ret = xa_insert(&ptp_pure_clocks, clk->index, clk, GFP_KERNEL);
	if (ret)
		goto err_unregister;
	ret = sysfs_create_group(&clk->ptp_dev->kobj, &ptp_pure_group);
	if (ret)
		goto err_erase;

	dev_info(parent, "%s: registered as %s%s\n", clk->info.name, devname,
		 clk->xts_ok ? " with cross-timestamps" : "");
	return clk;

err_erase:
	xa_erase(&ptp_pure_clocks, clk->index);
err_unregister:
	ptp_clock_unregister(clk->ptp);
err_free:
	kfree(clk);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(__ptp_pure_register);

/**
 * ptp_pure_unregister() - remove a clock registered with ptp_pure_register()
 * @clk: the clock; NULL or an ERR_PTR() is ignored
 *
 * Removes /dev/ptpN.  Waits for clock operations and attribute reads that
 * are running; descriptors that stay open get -ENODEV from then on.
 *
 * Context: process context; may sleep.  After return no backend callback
 * runs for @clk.
 */
void ptp_pure_unregister(struct ptp_pure_clock *clk)
{
	if (IS_ERR_OR_NULL(clk))
		return;
	/* sysfs waits for attribute reads in progress. */
	sysfs_remove_group(&clk->ptp_dev->kobj, &ptp_pure_group);
	xa_erase(&ptp_pure_clocks, clk->index);
	/* The PTP core waits for clock operations in progress. */
	ptp_clock_unregister(clk->ptp);
	kfree(clk);
}
EXPORT_SYMBOL_GPL(ptp_pure_unregister);

static void ptp_pure_devm_unregister(void *clk)
{
	ptp_pure_unregister(clk);
}

/**
 * __devm_ptp_pure_register() - register a clock removed on driver detach
 * @parent: device whose driver unbind unregisters the clock
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

/**
 * ptp_pure_uevent() - send a change uevent for the clock's PTP device
 * @clk: a registered clock
 * @envp: NULL-terminated "KEY=value" strings to add, or NULL
 *
 * Lets a backend announce events such as a clock disruption to udev and
 * other listeners on the PTP device, where the clock is known to them.
 *
 * Context: process context; may sleep.
 * Return: 0 or a negative errno from the uevent layer.
 */
int ptp_pure_uevent(struct ptp_pure_clock *clk, char *envp[])
{
	return kobject_uevent_env(&clk->ptp_dev->kobj, KOBJ_CHANGE, envp);
}
EXPORT_SYMBOL_GPL(ptp_pure_uevent);

static int __init ptp_pure_init(void)
{
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
	return 0;
}
module_init(ptp_pure_init);

static void __exit ptp_pure_exit(void)
{
	/* Backends hold references on this module while they have clocks. */
	WARN_ON(!xa_empty(&ptp_pure_clocks));
}
module_exit(ptp_pure_exit);

MODULE_DESCRIPTION("PTP hardware clocks for platform and hypervisor time sources");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
