// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_vmclock - vmclock shared-page clocks through ptp_pure_core
 *
 * A vmclock device is a page of memory that the hypervisor keeps updated
 * with the time at some CPU counter value and the counter's period, so a
 * guest can compute the time from its own counter without an exit.  This
 * backend reads the page under its sequence counter and hands the result,
 * paired with the counter value it used, to ptp_pure_core.
 *
 * Per device:
 *  - /dev/vmclockN whenever the page is valid: read() of the page,
 *    read-only mmap(), and poll() that wakes on device notifications
 *    (POLLHUP when the device has none);
 *  - a PHC named vmclockN when the page gives usable time (time fields
 *    present, the counter of this CPU architecture, UTC or TAI);
 *  - changes of disruption_marker, vm_generation_counter, clock_status,
 *    the leap indicator and the TAI offset reported as ptp_pure_core events
 *    by the clock's watch callback, which the core runs every poll_ms and
 *    soon after a device notification or a reader that saw a change.
 *
 * TAI offset sign: the vmclock specification defines tai_offset_sec as
 * TAI - UTC (37 since 2017), so TAI = UTC + tai_offset_sec; Linux's in-tree
 * driver reads it as UTC - TAI, so a hypervisor may write -37.  TAI - UTC
 * cannot be negative, so this backend takes the field's magnitude as TAI -
 * UTC (saying once when a page uses the negative form) and reports no
 * offset for a magnitude outside 10..100 s.  It reports the page's time
 * scale unchanged; ptp_pure_core converts to the configured time scale.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#ifdef CONFIG_X86
#include <asm/tsc.h>
#endif
#ifdef CONFIG_ARM64
#include <asm/arch_timer.h>
#endif

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_math.h"
#include "ptp_pure_vmclock_abi.h"

/*
 * A read spins while the page is in update, possibly with interrupts off
 * (ptp_pure.h): the bound keeps a stuck or ever-changing page from
 * becoming a lockup.
 */
#define PP_VMCLOCK_SEQ_TIMEOUT_MAX_MS	1000
static unsigned int seq_timeout_ms = 100;

static int pp_vmclock_set_timeout(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (!v || v > PP_VMCLOCK_SEQ_TIMEOUT_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops pp_vmclock_timeout_ops = {
	.set = pp_vmclock_set_timeout,
	.get = param_get_uint,
};
module_param_cb(seq_timeout_ms, &pp_vmclock_timeout_ops, &seq_timeout_ms, 0644);
MODULE_PARM_DESC(seq_timeout_ms,
		 "give up a read after the page has been in update or changing this long (ms, 1-1000, default 100)");

static unsigned int poll_ms = 1000;
module_param(poll_ms, uint, 0444);
MODULE_PARM_DESC(poll_ms,
		 "check the page for events this often (ms, default 1000, 0: only on notifications and reads)");

/* Longest name_prefix: the index must fit beside it in a clock name. */
#define PP_VMCLOCK_PREFIX_MAX	8
static char *name_prefix = "vmclock";

static int pp_vmclock_set_prefix(const char *val, const struct kernel_param *kp)
{
	size_t n = strlen(val);
	size_t i;

	if (!n || n > PP_VMCLOCK_PREFIX_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isalnum(val[i]) && val[i] != '_' && val[i] != '-')
			return -EINVAL;
	return param_set_charp(val, kp);
}

static const struct kernel_param_ops pp_vmclock_prefix_ops = {
	.set = pp_vmclock_set_prefix,
	.get = param_get_charp,
	.free = param_free_charp,
};
module_param_cb(name_prefix, &pp_vmclock_prefix_ops, &name_prefix, 0444);
MODULE_PARM_DESC(name_prefix,
		 "name of the misc devices and clocks, the index appended: 1-8 of [A-Za-z0-9_-] (default vmclock; change it to run beside the in-tree ptp_vmclock)");

#ifdef CONFIG_X86
#define PP_VMCLOCK_MY_COUNTER	PP_VMCLOCK_COUNTER_X86_TSC
#define PTP_PURE_MY_COUNTER	PTP_PURE_COUNTER_X86_TSC
#elif defined(CONFIG_ARM64)
#define PP_VMCLOCK_MY_COUNTER	PP_VMCLOCK_COUNTER_ARM_VCNT
#define PTP_PURE_MY_COUNTER	PTP_PURE_COUNTER_ARM_VIRT
#else
#error "vmclock needs the x86 TSC or the arm64 virtual counter"
#endif

#define pp_offsetofend(field) offsetofend(struct pp_vmclock_abi, field)

/* Our description of the page must match the kernel's where it has one. */
#ifdef HAVE_VMCLOCK_ABI_H
#include <linux/vmclock-abi.h>
static_assert(sizeof(struct vmclock_abi) == sizeof(struct pp_vmclock_abi));
static_assert(offsetof(struct vmclock_abi, seq_count) ==
	      offsetof(struct pp_vmclock_abi, seq_count));
static_assert(offsetof(struct vmclock_abi, clock_status) ==
	      offsetof(struct pp_vmclock_abi, clock_status));
static_assert(offsetof(struct vmclock_abi, counter_value) ==
	      offsetof(struct pp_vmclock_abi, counter_value));
static_assert(offsetof(struct vmclock_abi, time_frac_sec) ==
	      offsetof(struct pp_vmclock_abi, time_frac_sec));
static_assert(offsetof(struct vmclock_abi, vm_generation_counter) ==
	      offsetof(struct pp_vmclock_abi, vm_generation_counter));
static_assert(VMCLOCK_FLAG_TIME_MAXERROR_VALID ==
	      PP_VMCLOCK_FLAG_TIME_MAXERROR_VALID);
#endif

static DEFINE_IDA(pp_vmclock_ida);

/**
 * struct pp_vmclock - one vmclock device
 * @ref: held by the device binding and by every open file
 * @rwsem: readers of @page against the unbind that unmaps it
 * @dead: set (under @rwsem) when the device is gone; @page is unmapped
 * @dev: the platform device
 * @page: the mapped page
 * @phys: its physical address
 * @abi_size: the page's own size field, validated at probe
 * @flag_mask: the flags whose fields lie inside @abi_size: the others are
 *	ignored, as a field beyond the page would decode as zero
 * @id: N of the names
 * @name: "vmclockN"
 * @misc: /dev/vmclockN
 * @clk: the PHC, or NULL when the page gives no usable time
 * @notify: the device notifies every update (ACPI Notify or an interrupt)
 * @notify_irq: the interrupt the notifications come on, or 0 (ACPI Notify)
 * @wq: poll() waiters
 * @seen: the page's event fields as the watch callback last saw them;
 *	written only by it, compared by readers
 */
struct pp_vmclock {
	struct kref ref;
	struct rw_semaphore rwsem;
	bool dead;
	struct device *dev;
	struct pp_vmclock_abi *page;
	phys_addr_t phys;
	u32 abi_size;
	u64 flag_mask;
	int id;
	char name[16];
	struct miscdevice misc;
	struct ptp_pure_clock *clk;
	bool notify;
	int notify_irq;
	wait_queue_head_t wq;
	struct {
		u64 marker;
		u64 generation;
		u64 tai_valid;
		s16 tai_offset;
		u8 status;
		u8 leap;
	} seen;
};

/* What one consistent read of the page gives. */
struct pp_vmclock_snap {
	u64 counter_now;
	u64 counter_value;
	u64 period;
	u64 maxerr_rate;
	u64 time_sec;
	u64 time_frac;
	u64 time_maxerr;
	u64 flags;
	u64 marker;
	u64 generation;
	u32 seq;
	s16 tai_offset;
	u8 counter_id;
	u8 time_type;
	u8 status;
	u8 leap;
	u8 shift;
};

static u64 pp_vmclock_read_counter(void)
{
#ifdef CONFIG_X86
	return rdtsc_ordered();
#else
	return __arch_counter_get_cntvct();
#endif
}

/*
 * Reads of the page follow its sequence protocol, in the manner of
 * read_seqcount_begin()/read_seqcount_retry(): pp_vmclock_begin() waits for
 * an even seq_count, pp_vmclock_retry() tells whether it changed meanwhile.
 * Every wait and every retry after the first attempt counts against one
 * deadline of seq_timeout_ms (-ETIMEDOUT), so a page that stays in update,
 * or changes between every begin and retry, ends the read.  The clock is
 * read only when the page is busy: reads of a quiet page stay cheap.
 */
static int pp_vmclock_wait(ktime_t *deadline)
{
	if (!*deadline)
		*deadline = ktime_add_ms(ktime_get(), READ_ONCE(seq_timeout_ms));
	else if (ktime_after(ktime_get(), *deadline))
		return -ETIMEDOUT;
	cpu_relax();
	return 0;
}

static __always_inline int pp_vmclock_begin(const struct pp_vmclock_abi *p,
					    u32 *seq, ktime_t *deadline)
{
	int ret;

	for (;;) {
		*seq = le32_to_cpu(READ_ONCE(p->seq_count));
		if (likely(!(*seq & 1))) {
			/* Pairs with the writer's barrier before the even count. */
			virt_rmb();
			return 0;
		}
		ret = pp_vmclock_wait(deadline);
		if (ret)
			return ret;
	}
}

static __always_inline bool pp_vmclock_retry(const struct pp_vmclock_abi *p,
					     u32 seq)
{
	/* Pairs with the writer's barrier after the odd count. */
	virt_rmb();
	return seq != le32_to_cpu(READ_ONCE(p->seq_count));
}

/* Copy @len bytes at @off of the page consistently (for read()). */
static int pp_vmclock_copy(struct pp_vmclock *vc, void *dst, size_t off,
			   size_t len, u32 *seqp)
{
	const struct pp_vmclock_abi *p = vc->page;
	ktime_t deadline = 0;
	u32 seq;
	int ret;

	for (;;) {
		ret = pp_vmclock_begin(p, &seq, &deadline);
		if (ret)
			return ret;
		memcpy(dst, (const u8 *)p + off, len);
		if (!pp_vmclock_retry(p, seq))
			break;
		ret = pp_vmclock_wait(&deadline);
		if (ret)
			return ret;
	}
	*seqp = seq;
	return 0;
}

/* The fields of @a (the page, or a copy of it) that the driver uses. */
static __always_inline void pp_vmclock_decode(const struct pp_vmclock_abi *a,
					      struct pp_vmclock_snap *s)
{
	s->counter_id = READ_ONCE(a->counter_id);
	s->time_type = READ_ONCE(a->time_type);
	s->marker = le64_to_cpu(READ_ONCE(a->disruption_marker));
	s->flags = le64_to_cpu(READ_ONCE(a->flags));
	s->status = READ_ONCE(a->clock_status);
	s->tai_offset = (s16)le16_to_cpu(READ_ONCE(a->tai_offset_sec));
	s->leap = READ_ONCE(a->leap_indicator);
	s->shift = READ_ONCE(a->counter_period_shift);
	s->counter_value = le64_to_cpu(READ_ONCE(a->counter_value));
	s->period = le64_to_cpu(READ_ONCE(a->counter_period_frac_sec));
	s->maxerr_rate = le64_to_cpu(READ_ONCE(a->counter_period_maxerror_rate_frac_sec));
	s->time_sec = le64_to_cpu(READ_ONCE(a->time_sec));
	s->time_frac = le64_to_cpu(READ_ONCE(a->time_frac_sec));
	s->time_maxerr = le64_to_cpu(READ_ONCE(a->time_maxerror_nanosec));
	s->generation = le64_to_cpu(READ_ONCE(a->vm_generation_counter));
}

/*
 * A page shorter than the structure: copied first, its absent fields as
 * zero (and their flags cleared by the caller).  Out of line: the usual
 * 4 KiB page never needs the copy.
 */
static noinline void pp_vmclock_decode_short(struct pp_vmclock *vc,
					     struct pp_vmclock_snap *s)
{
	struct pp_vmclock_abi a = {};

	memcpy(&a, vc->page, vc->abi_size);
	pp_vmclock_decode(&a, s);
}

/*
 * One consistent view of the page, decoded; with @counter, the CPU counter
 * is read inside the same sequence window, so the two belong together.
 * Inlined: every clock read runs it.
 */
static __always_inline int pp_vmclock_snapshot(struct pp_vmclock *vc,
					       struct pp_vmclock_snap *s,
					       bool counter)
{
	const struct pp_vmclock_abi *p = vc->page;
	ktime_t deadline = 0;
	u32 seq;
	int ret;

	for (;;) {
		ret = pp_vmclock_begin(p, &seq, &deadline);
		if (ret)
			return ret;
		if (likely(vc->abi_size >= sizeof(struct pp_vmclock_abi)))
			pp_vmclock_decode(p, s);
		else
			pp_vmclock_decode_short(vc, s);
		s->counter_now = counter ? pp_vmclock_read_counter() : 0;
		if (!pp_vmclock_retry(p, seq))
			break;
		ret = pp_vmclock_wait(&deadline);
		if (ret)
			return ret;
	}
	s->seq = seq;
	s->flags &= vc->flag_mask;
	return 0;
}

/* Why a page cannot give time, or NULL if it can. */
static const char *pp_vmclock_unusable(const struct pp_vmclock_snap *s)
{
	if (s->counter_id != PP_VMCLOCK_MY_COUNTER)
		return "counter is not this CPU's";
	if (s->time_type != PP_VMCLOCK_TIME_UTC &&
	    s->time_type != PP_VMCLOCK_TIME_TAI)
		return "time is neither UTC nor TAI";
	if (!s->period)
		return "counter period is zero";
	if (s->shift > 127)
		return "period shift is out of range";
	return NULL;
}

/*
 * Error bound: time_maxerror plus the period error over the elapsed count,
 * each rounded up; unknown (U64_MAX) when the count is not computable.
 */
static bool pp_vmclock_error_bound(const struct pp_vmclock_snap *s, u64 *ns)
{
	u64 add;

	if (!(s->flags & PP_VMCLOCK_FLAG_TIME_MAXERROR_VALID))
		return false;
	*ns = s->time_maxerr;
	if (!(s->flags & PP_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID))
		return true;
	if (ptp_pure_period_error_ns(s->counter_now, s->counter_value,
				     s->maxerr_rate, s->shift, &add))
		add = U64_MAX;
	*ns = *ns > U64_MAX - add ? U64_MAX : *ns + add;
	return true;
}

/* The vmclock clock_status values as the core's status set. */
static enum ptp_pure_status pp_vmclock_status(u8 status)
{
	switch (status) {
	case PP_VMCLOCK_STATUS_INITIALIZING:
		return PTP_PURE_STATUS_INITIALIZING;
	case PP_VMCLOCK_STATUS_SYNCHRONIZED:
		return PTP_PURE_STATUS_SYNCHRONIZED;
	case PP_VMCLOCK_STATUS_FREERUNNING:
		return PTP_PURE_STATUS_FREERUNNING;
	case PP_VMCLOCK_STATUS_UNRELIABLE:
		return PTP_PURE_STATUS_UNRELIABLE;
	default:
		return PTP_PURE_STATUS_UNKNOWN;
	}
}

/* The vmclock leap_indicator values; false for one the ABI does not know. */
static bool pp_vmclock_leap(u8 leap, enum ptp_pure_leap *out)
{
	static const enum ptp_pure_leap map[] = {
		[PP_VMCLOCK_LEAP_NONE] = PTP_PURE_LEAP_NONE,
		[PP_VMCLOCK_LEAP_PRE_POS] = PTP_PURE_LEAP_PRE_POS,
		[PP_VMCLOCK_LEAP_PRE_NEG] = PTP_PURE_LEAP_PRE_NEG,
		[PP_VMCLOCK_LEAP_POS] = PTP_PURE_LEAP_POS,
		[PP_VMCLOCK_LEAP_POST_POS] = PTP_PURE_LEAP_POST_POS,
		[PP_VMCLOCK_LEAP_POST_NEG] = PTP_PURE_LEAP_POST_NEG,
	};

	if (leap >= ARRAY_SIZE(map))
		return false;
	*out = map[leap];
	return true;
}

/*
 * A reader that sees event fields other than the watch callback last saw
 * asks the core to run it soon; only the callback moves the state, so
 * readers that are preempted with an old snapshot cannot count an event
 * twice or bring an old value back.  Every read checks: the common case,
 * nothing new, is inline and takes no lock.
 */
static inline void pp_vmclock_check_events(struct pp_vmclock *vc,
					   const struct pp_vmclock_snap *s)
{
	struct ptp_pure_clock *clk = READ_ONCE(vc->clk);

	if (unlikely(s->marker != READ_ONCE(vc->seen.marker) ||
		     s->status != READ_ONCE(vc->seen.status) ||
		     s->leap != READ_ONCE(vc->seen.leap) ||
		     s->tai_offset != READ_ONCE(vc->seen.tai_offset) ||
		     ((s->flags & PP_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT) &&
		      s->generation != READ_ONCE(vc->seen.generation))) && clk)
		ptp_pure_watch_now(clk);
}

static int pp_vmclock_read(void *priv, struct ptp_pure_sample *sample,
			   unsigned int flags)
{
	struct pp_vmclock *vc = priv;
	struct pp_vmclock_snap s;
	struct ptp_pure_time t;
	const char *why;
	int ret;

#ifdef CONFIG_X86
	if (check_tsc_unstable()) {
		dev_warn_ratelimited(vc->dev, "%s: the TSC is unstable\n", vc->name);
		return -EIO;
	}
#endif
	ret = pp_vmclock_snapshot(vc, &s, true);
	if (ret) {
		dev_warn_ratelimited(vc->dev, "%s: page in update or changing for more than %u ms\n",
				     vc->name, seq_timeout_ms);
		return ret;
	}
	pp_vmclock_check_events(vc, &s);
	sample->valid = PTP_PURE_VALID_STATUS;
	sample->status = pp_vmclock_status(s.status);
	if (pp_vmclock_leap(s.leap, &sample->leap))
		sample->valid |= PTP_PURE_VALID_LEAP;
	/* The core refuses the time of an unreliable clock; the status stays. */
	if (sample->status == PTP_PURE_STATUS_UNRELIABLE)
		return 0;
	why = pp_vmclock_unusable(&s);
	if (why) {
		dev_warn_ratelimited(vc->dev, "%s: page unusable: %s\n", vc->name, why);
		return -EIO;
	}
	ret = ptp_pure_period_time(s.counter_now, s.counter_value, s.period,
				   s.shift, s.time_sec, s.time_frac, &t);
	if (ret || t.sec > S64_MAX) {
		dev_warn_ratelimited(vc->dev,
				     "%s: time not computable (counter %llu, page counter %llu)\n",
				     vc->name, s.counter_now, s.counter_value);
		return -EIO;
	}

	sample->time.tv_sec = t.sec;
	sample->time.tv_nsec = t.nsec;
	sample->counter = s.counter_now;
	sample->counter_id = PTP_PURE_MY_COUNTER;
	sample->timescale = s.time_type == PP_VMCLOCK_TIME_TAI ?
			    PTP_PURE_TS_TAI : PTP_PURE_TS_UTC;
	if ((s.flags & PP_VMCLOCK_FLAG_TAI_OFFSET_VALID) &&
	    pp_vmclock_tai_offset(s.tai_offset, &sample->tai_offset) !=
	    PP_VMCLOCK_TAI_IMPLAUSIBLE)
		sample->valid |= PTP_PURE_VALID_TAI_OFFSET;
	if ((flags & PTP_PURE_READ_INFO) &&
	    pp_vmclock_error_bound(&s, &sample->error_bound_ns))
		sample->valid |= PTP_PURE_VALID_ERROR_BOUND;
	return 0;
}

/* Say how a new TAI offset of the page is taken, when that is not as specified. */
static void pp_vmclock_tell_tai(struct pp_vmclock *vc, s16 field)
{
	int tai;

	switch (pp_vmclock_tai_offset(field, &tai)) {
	case PP_VMCLOCK_TAI_NEGATED:
		dev_info(vc->dev,
			 "%s: tai_offset_sec %d taken as TAI - UTC = %d s (the page gives UTC - TAI)\n",
			 vc->name, field, tai);
		break;
	case PP_VMCLOCK_TAI_IMPLAUSIBLE:
		dev_warn(vc->dev,
			 "%s: tai_offset_sec %d ignored: TAI - UTC is %d..%d s, the clock has no TAI offset\n",
			 vc->name, field, PP_VMCLOCK_TAI_MIN, PP_VMCLOCK_TAI_MAX);
		break;
	default:
		break;
	}
}

/* Remember the event fields of @s; return what changed as core events. */
static unsigned long pp_vmclock_note(struct pp_vmclock *vc,
				     const struct pp_vmclock_snap *s)
{
	u64 tai_valid = s->flags & PP_VMCLOCK_FLAG_TAI_OFFSET_VALID;
	unsigned long ev = 0;

	if (s->marker != vc->seen.marker)
		ev |= BIT(PTP_PURE_EV_DISRUPTION);
	if ((s->flags & PP_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT) &&
	    s->generation != vc->seen.generation) {
		ev |= BIT(PTP_PURE_EV_GENERATION);
		WRITE_ONCE(vc->seen.generation, s->generation);
	}
	if (s->status != vc->seen.status)
		ev |= BIT(PTP_PURE_EV_STATUS);
	if (s->tai_offset != vc->seen.tai_offset ||
	    tai_valid != vc->seen.tai_valid) {
		ev |= BIT(PTP_PURE_EV_LEAP);
		if (tai_valid)
			pp_vmclock_tell_tai(vc, s->tai_offset);
	}
	if (s->leap != vc->seen.leap)
		ev |= BIT(PTP_PURE_EV_LEAP);
	WRITE_ONCE(vc->seen.marker, s->marker);
	WRITE_ONCE(vc->seen.status, s->status);
	WRITE_ONCE(vc->seen.leap, s->leap);
	WRITE_ONCE(vc->seen.tai_offset, s->tai_offset);
	vc->seen.tai_valid = tai_valid;
	return ev;
}

/* The core runs this, never twice at once: it owns vc->seen. */
static unsigned long pp_vmclock_watch(void *priv)
{
	struct pp_vmclock *vc = priv;
	struct pp_vmclock_snap s;
	unsigned long ev;

	if (pp_vmclock_snapshot(vc, &s, false))
		return 0;
	ev = pp_vmclock_note(vc, &s);
	if (ev)
		wake_up_interruptible(&vc->wq);
	return ev;
}

static const struct ptp_pure_ops pp_vmclock_ops = {
	.read = pp_vmclock_read,
	.watch = pp_vmclock_watch,
};

/* --- device notifications ------------------------------------------------- */

/* Notifications arrive only while the handlers are installed. */
static void pp_vmclock_wake(struct pp_vmclock *vc)
{
	wake_up_interruptible(&vc->wq);
	if (vc->clk)
		ptp_pure_watch_now(vc->clk);
}

static void pp_vmclock_acpi_notify(acpi_handle handle, u32 event, void *data)
{
	pp_vmclock_wake(data);
}

static irqreturn_t pp_vmclock_irq(int irq, void *data)
{
	pp_vmclock_wake(data);
	return IRQ_HANDLED;
}

/* --- /dev/vmclockN -------------------------------------------------------- */

struct pp_vmclock_file {
	struct pp_vmclock *vc;
	u32 seq;	/* sequence count of the last read() */
};

static void pp_vmclock_release_ref(struct kref *ref)
{
	kfree(container_of(ref, struct pp_vmclock, ref));
}

static int pp_vmclock_open(struct inode *inode, struct file *file)
{
	/* The misc core calls this under its lock: the device is registered. */
	struct pp_vmclock *vc = container_of(file->private_data,
					     struct pp_vmclock, misc);
	struct pp_vmclock_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	kref_get(&vc->ref);
	f->vc = vc;
	file->private_data = f;
	/* read() on a shared descriptor: one reader's position at a time. */
	file->f_mode |= FMODE_ATOMIC_POS;
	return 0;
}

static int pp_vmclock_release(struct inode *inode, struct file *file)
{
	struct pp_vmclock_file *f = file->private_data;

	kref_put(&f->vc->ref, pp_vmclock_release_ref);
	kfree(f);
	return 0;
}

/* read(): the page, copied out consistently. */
static ssize_t pp_vmclock_fread(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct pp_vmclock_file *f = file->private_data;
	struct pp_vmclock *vc = f->vc;
	ssize_t ret;
	void *tmp;
	size_t n;
	u32 seq;

	if (*ppos < 0)
		return -EINVAL;
	/* A device that is gone says so at any position. */
	if (READ_ONCE(vc->dead))
		return -ENODEV;
	if (*ppos >= vc->abi_size)
		return 0;
	n = min_t(size_t, count, vc->abi_size - *ppos);
	tmp = kmalloc(n, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	down_read(&vc->rwsem);
	ret = vc->dead ? -ENODEV : pp_vmclock_copy(vc, tmp, *ppos, n, &seq);
	up_read(&vc->rwsem);
	if (!ret && copy_to_user(buf, tmp, n))
		ret = -EFAULT;
	kfree(tmp);
	if (ret)
		return ret;
	WRITE_ONCE(f->seq, seq);
	*ppos += n;
	return n;
}

static __poll_t pp_vmclock_poll(struct file *file, poll_table *wait)
{
	struct pp_vmclock_file *f = file->private_data;
	struct pp_vmclock *vc = f->vc;
	__poll_t mask = 0;

	if (!vc->notify)
		return EPOLLHUP;
	poll_wait(file, &vc->wq, wait);
	down_read(&vc->rwsem);
	if (vc->dead)
		mask = EPOLLHUP | EPOLLERR;
	else if (le32_to_cpu(READ_ONCE(vc->page->seq_count)) != READ_ONCE(f->seq))
		mask = EPOLLIN | EPOLLRDNORM;
	up_read(&vc->rwsem);
	return mask;
}

/*
 * The page read-only, at offset 0, never to become writable; decrypted on
 * confidential guests, where the hypervisor writes it in the clear.
 */
static int pp_vmclock_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pp_vmclock_file *f = file->private_data;
	struct pp_vmclock *vc = f->vc;
	int ret;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EROFS;
	if (!PAGE_ALIGNED(vc->phys))
		return -ENODEV;
	compat_vm_flags_clear(vma, VM_MAYWRITE);
	down_read(&vc->rwsem);
	ret = vc->dead ? -ENODEV :
	      remap_pfn_range(vma, vma->vm_start, PHYS_PFN(vc->phys), PAGE_SIZE,
			      pgprot_decrypted(vma->vm_page_prot));
	up_read(&vc->rwsem);
	return ret;
}

static const struct file_operations pp_vmclock_fops = {
	.owner = THIS_MODULE,
	.open = pp_vmclock_open,
	.release = pp_vmclock_release,
	.read = pp_vmclock_fread,
	.poll = pp_vmclock_poll,
	.mmap = pp_vmclock_mmap,
	.llseek = default_llseek,
};

/* --- debugfs: the page, decoded, beside the core's statistics ------------- */

static int pp_vmclock_page_show(struct seq_file *m, void *unused)
{
	struct pp_vmclock *vc = m->private;
	struct pp_vmclock_snap s;
	int ret;

	ret = pp_vmclock_snapshot(vc, &s, true);
	if (ret)
		return ret;
	seq_printf(m, "size: %u\nseq_count: %u\ncounter_id: %u\ntime_type: %u\n",
		   vc->abi_size, s.seq, s.counter_id, s.time_type);
	seq_printf(m, "flags: %#llx%s%s\nclock_status: %u\nleap_indicator: %u\n",
		   s.flags,
		   s.flags & PP_VMCLOCK_FLAG_DISRUPTION_SOON ? " disruption-soon" : "",
		   s.flags & PP_VMCLOCK_FLAG_DISRUPTION_IMMINENT ? " disruption-imminent" : "",
		   s.status, s.leap);
	seq_printf(m, "tai_offset_sec: %d\ndisruption_marker: %llu\nvm_generation_counter: %llu\n",
		   s.tai_offset, s.marker, s.generation);
	seq_printf(m, "counter_value: %llu\ncounter_now: %llu\ntime_maxerror_nanosec: %llu\n",
		   s.counter_value, s.counter_now, s.time_maxerr);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pp_vmclock_page);

/* --- probe and teardown --------------------------------------------------- */

/* Last teardown step: no reader can reach the page once this returns. */
static void pp_vmclock_kill(void *data)
{
	struct pp_vmclock *vc = data;

	down_write(&vc->rwsem);
	vc->dead = true;
	memunmap(vc->page);
	up_write(&vc->rwsem);
	wake_up_interruptible(&vc->wq);
	ida_free(&pp_vmclock_ida, vc->id);
	kref_put(&vc->ref, pp_vmclock_release_ref);
}

static void pp_vmclock_misc_deregister(void *data)
{
	misc_deregister(data);
}

static void pp_vmclock_remove_notify(void *data)
{
	struct pp_vmclock *vc = data;

	acpi_remove_notify_handler(ACPI_HANDLE(vc->dev), ACPI_DEVICE_NOTIFY,
				   pp_vmclock_acpi_notify);
}

/* The flags whose fields a page of @size bytes holds. */
static u64 pp_vmclock_flag_mask(u32 size)
{
	static const struct {
		u64 flag;
		size_t end;
	} fields[] = {
		{ PP_VMCLOCK_FLAG_TAI_OFFSET_VALID, pp_offsetofend(tai_offset_sec) },
		{ PP_VMCLOCK_FLAG_PERIOD_ESTERROR_VALID,
		  pp_offsetofend(counter_period_esterror_rate_frac_sec) },
		{ PP_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID,
		  pp_offsetofend(counter_period_maxerror_rate_frac_sec) },
		{ PP_VMCLOCK_FLAG_TIME_ESTERROR_VALID, pp_offsetofend(time_esterror_nanosec) },
		{ PP_VMCLOCK_FLAG_TIME_MAXERROR_VALID, pp_offsetofend(time_maxerror_nanosec) },
		{ PP_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT, pp_offsetofend(vm_generation_counter) },
	};
	u64 mask = ~0ULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (size < fields[i].end)
			mask &= ~fields[i].flag;
	return mask;
}

/* Map and validate the page; refuse with a clear message. */
static int pp_vmclock_map(struct pp_vmclock *vc, struct resource *res)
{
	struct device *dev = vc->dev;
	resource_size_t len = resource_size(res);
	u32 magic, size;
	u16 version;

	if (len < PP_VMCLOCK_MIN_SIZE) {
		dev_err(dev, "region %pR is smaller than %d bytes\n", res,
			PP_VMCLOCK_MIN_SIZE);
		return -EINVAL;
	}
	vc->phys = res->start;
	/* Shared with the hypervisor: decrypted on confidential guests. */
	vc->page = memremap(res->start, len, MEMREMAP_WB | MEMREMAP_DEC);
	if (!vc->page) {
		dev_err(dev, "cannot map %pR\n", res);
		return -ENOMEM;
	}
	magic = le32_to_cpu(READ_ONCE(vc->page->magic));
	size = le32_to_cpu(READ_ONCE(vc->page->size));
	version = le16_to_cpu(READ_ONCE(vc->page->version));
	if (magic != PP_VMCLOCK_MAGIC || version != PP_VMCLOCK_VERSION ||
	    size < PP_VMCLOCK_MIN_SIZE || size > len) {
		dev_err(dev, "refusing the page at %pR: magic %#x (want %#x), version %u (want %u), size %u (want %d..%llu)\n",
			res, magic, PP_VMCLOCK_MAGIC, version, PP_VMCLOCK_VERSION,
			size, PP_VMCLOCK_MIN_SIZE, (unsigned long long)len);
		memunmap(vc->page);
		return -EINVAL;
	}
	vc->abi_size = size;
	vc->flag_mask = pp_vmclock_flag_mask(size);
	return 0;
}

/*
 * A PHC if the page gives time this system can use; else say why not.
 * @s is the probe's snapshot of the page, @snap_ret the result of taking it.
 */
static int pp_vmclock_register_clock(struct pp_vmclock *vc,
				     const struct pp_vmclock_snap *s,
				     int snap_ret)
{
	struct ptp_pure_config cfg = {
		.name = vc->name,
		.ops = &pp_vmclock_ops,
		.priv = vc,
		.flags = PTP_PURE_F_PAIRED,
		.counter = PTP_PURE_MY_COUNTER,
		.watch_ms = poll_ms,
	};
	struct ptp_pure_clock *clk;
	const char *why;

	if (vc->abi_size < pp_offsetofend(time_frac_sec)) {
		dev_info(vc->dev, "%s: no PHC: the page (%u bytes) has no time fields\n",
			 vc->name, vc->abi_size);
		return 0;
	}
	if (snap_ret) {
		dev_err(vc->dev, "%s: page in update or changing for more than %u ms\n",
			vc->name, seq_timeout_ms);
		return snap_ret;
	}
	why = pp_vmclock_unusable(s);
	if (why) {
		dev_info(vc->dev, "%s: no PHC: %s\n", vc->name, why);
		return 0;
	}
	clk = devm_ptp_pure_register(vc->dev, &cfg);
	if (IS_ERR(clk))
		return PTR_ERR(clk);
	WRITE_ONCE(vc->clk, clk);
	debugfs_create_file("vmclock_page", 0444, ptp_pure_debugfs_dir(clk), vc,
			    &pp_vmclock_page_fops);
	return 0;
}

/* Device notifications: an interrupt (devicetree) or an ACPI Notify. */
static int pp_vmclock_setup_notify(struct pp_vmclock *vc,
				   struct platform_device *pdev)
{
	struct device *dev = vc->dev;
	int irq, ret;

	irq = platform_get_irq_optional(pdev, 0);
	if (irq == -EPROBE_DEFER)
		return irq;
	if (irq > 0) {
		ret = devm_request_irq(dev, irq, pp_vmclock_irq, IRQF_SHARED,
				       vc->name, vc);
		if (ret)
			return dev_err_probe(dev, ret, "cannot request IRQ %d\n", irq);
		vc->notify_irq = irq;
		return 0;
	}
	if (ACPI_HANDLE(dev)) {
		if (ACPI_FAILURE(acpi_install_notify_handler(ACPI_HANDLE(dev),
							     ACPI_DEVICE_NOTIFY,
							     pp_vmclock_acpi_notify,
							     vc))) {
			dev_err(dev, "cannot install the ACPI notify handler\n");
			return -ENODEV;
		}
		return devm_add_action_or_reset(dev, pp_vmclock_remove_notify, vc);
	}
	dev_warn(dev, "%s: notifications announced but no way to receive them\n",
		 vc->name);
	vc->notify = false;
	return 0;
}

static int pp_vmclock_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct pp_vmclock_snap s;
	struct resource *res;
	struct pp_vmclock *vc;
	int ret, snap_ret;

	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res) {
		dev_err(dev, "no memory region\n");
		return -EINVAL;
	}
	vc = kzalloc(sizeof(*vc), GFP_KERNEL);
	if (!vc)
		return -ENOMEM;
	kref_init(&vc->ref);
	init_rwsem(&vc->rwsem);
	init_waitqueue_head(&vc->wq);
	vc->dev = dev;

	ret = pp_vmclock_map(vc, res);
	if (ret) {
		kfree(vc);
		return ret;
	}
	ret = ida_alloc(&pp_vmclock_ida, GFP_KERNEL);
	if (ret < 0) {
		memunmap(vc->page);
		kfree(vc);
		return ret;
	}
	vc->id = ret;
	snprintf(vc->name, sizeof(vc->name), "%s%d", name_prefix, vc->id);
	/* From here on, devm undoes everything in reverse order. */
	ret = devm_add_action_or_reset(dev, pp_vmclock_kill, vc);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, vc);

	/* Start from the page as it is: only later changes are events. */
	snap_ret = pp_vmclock_snapshot(vc, &s, false);
	if (!snap_ret) {
		pp_vmclock_note(vc, &s);
		vc->notify = s.flags & PP_VMCLOCK_FLAG_NOTIFICATION_PRESENT;
	}

	ret = pp_vmclock_register_clock(vc, &s, snap_ret);
	if (ret)
		return ret;

	if (vc->abi_size >= PAGE_SIZE) {
		vc->misc.minor = MISC_DYNAMIC_MINOR;
		vc->misc.name = vc->name;
		vc->misc.fops = &pp_vmclock_fops;
		vc->misc.mode = 0444;
		ret = misc_register(&vc->misc);
		if (ret)
			return dev_err_probe(dev, ret, "cannot register /dev/%s\n",
					     vc->name);
		ret = devm_add_action_or_reset(dev, pp_vmclock_misc_deregister,
					       &vc->misc);
		if (ret)
			return ret;
	} else if (!vc->clk) {
		dev_err(dev, "%s: the page gives neither time nor a mappable page\n",
			vc->name);
		return -ENODEV;
	}

	if (vc->notify) {
		ret = pp_vmclock_setup_notify(vc, pdev);
		if (ret)
			return ret;
	}

	dev_info(dev, "%s: vmclock page at %pa, %u bytes%s%s\n", vc->name,
		 &vc->phys, vc->abi_size, vc->abi_size >= PAGE_SIZE ? ", /dev/" : "",
		 vc->abi_size >= PAGE_SIZE ? vc->name : "");
	if (vc->notify && vc->notify_irq)
		dev_info(dev, "%s: notifications on IRQ %d\n", vc->name, vc->notify_irq);
	else if (vc->notify)
		dev_info(dev, "%s: notifications by ACPI Notify\n", vc->name);
	return 0;
}

static const struct acpi_device_id pp_vmclock_acpi_ids[] = {
	{ "AMZNC10C", 0 },
	{ "VMCLOCK", 0 },
	{ }
};
MODULE_DEVICE_TABLE(acpi, pp_vmclock_acpi_ids);

static const struct of_device_id pp_vmclock_of_ids[] = {
	{ .compatible = "amazon,vmclock" },
	{ }
};
MODULE_DEVICE_TABLE(of, pp_vmclock_of_ids);

static struct platform_driver pp_vmclock_driver = {
	.probe = pp_vmclock_probe,
	.driver = {
		.name = "ptp_pure_vmclock",
		.acpi_match_table = pp_vmclock_acpi_ids,
		.of_match_table = pp_vmclock_of_ids,
	},
};
module_platform_driver(pp_vmclock_driver);

MODULE_DESCRIPTION("vmclock PTP clocks through ptp_pure_core");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
