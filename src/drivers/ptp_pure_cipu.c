// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_cipu - the Alibaba CIPU PCI time device as a ptp_pure_core clock
 *
 * The device (PCI 1ded:500c, subsystem 1ded:1123) keeps its time in sync
 * with atomic clocks over the network and offers it in a register block in
 * BAR 0 (include/ptp_pure_cipu_regs.h).  A read is one 64-bit MMIO read of
 * the time register, bracketed right there by gettimex64's system
 * timestamps (PTP_PURE_F_OWN_STS).  The device pairs its time with no
 * system counter, so chrony uses PTP_SYS_OFFSET_EXTENDED.
 *
 * Handshake at probe, each write read back so that the device can refuse
 * it: reset -> features (what both sides have) -> environment and driver
 * version -> FEATURE_OK -> exactly two MSI-X vectors -> clock registered ->
 * DRIVER_OK, from which on the device raises its interrupts.  Removal,
 * shutdown and every error path undo it in reverse order.
 *
 * Health: vector 0 says the alarm threshold changed, vector 1 that the
 * health bits changed.  Both only wake the core's watch callback, which
 * reads the 8-bit health register, logs every bit that is set or cleared,
 * counts them, times maintenance against the device's bound, and maps the
 * bits to the core's clock status (a status event when it changes).  The
 * watch also runs every second in case an interrupt is lost.  Register
 * copies and counters are in debugfs (ptp_pure/ptpN/cipu), not in sysfs.
 *
 * A device that vanished (surprise removal) reads as all-ones: the clock is
 * then marked dead (reads fail with -ENODEV) until the driver is unbound.
 *
 * For emulation only: the parameters emu_bar and emu_settle_us let the
 * driver use a device model whose registers live in shared memory
 * (tests/emu/cipu-emu.c on QEMU's ivshmem-doorbell).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_cipu_regs.h"

#define PP_CIPU_NAME		"ptp_cipu"
#define PP_CIPU_WATCH_MS	1000
#define PP_CIPU_KICK_MS		10
#define PCI_VENDOR_ID_PP_ALIBABA	0x1ded
#define PCI_DEVICE_ID_PP_CIPU		0x500c
#define PCI_SUBDEVICE_ID_PP_CIPU	0x1123

static int emu_bar;
module_param(emu_bar, int, 0444);
MODULE_PARM_DESC(emu_bar,
		 "For emulation only: the BAR holding the register block (default 0, the device's)");

static unsigned int emu_settle_us;
module_param(emu_settle_us, uint, 0444);
MODULE_PARM_DESC(emu_settle_us,
		 "For emulation only: wait this long before reading back a register write (default 0)");

/* Counters in debugfs. */
enum pp_cipu_cnt {
	PP_CIPU_CNT_READS,
	PP_CIPU_CNT_INVALID,
	PP_CIPU_CNT_SLOW,
	PP_CIPU_CNT_THRESH,
	PP_CIPU_CNT_VANISHED,
	PP_CIPU_CNT_IRQ_THRESH,
	PP_CIPU_CNT_IRQ_SYNC,
	PP_CIPU_CNT_THRESH_CHANGES,
	PP_CIPU_CNT_MAINT,
	PP_CIPU_CNT_MAINT_REC,
	PP_CIPU_CNT_MAINT_TOUT,
	PP_CIPU_CNT_ATOMIC,
	PP_CIPU_CNT_ATOMIC_REC,
	PP_CIPU_CNT_BUSY,
	PP_CIPU_CNT_BUSY_REC,
	PP_CIPU_CNT_ERROR,
	PP_CIPU_CNT_ERROR_REC,
	PP_CIPU_CNT_NR,
};

static const char * const pp_cipu_cnt_names[PP_CIPU_CNT_NR] = {
	[PP_CIPU_CNT_READS] = "reads",
	[PP_CIPU_CNT_INVALID] = "invalid_timestamps",
	[PP_CIPU_CNT_SLOW] = "slow_reads",
	[PP_CIPU_CNT_THRESH] = "beyond_threshold",
	[PP_CIPU_CNT_VANISHED] = "vanished_reads",
	[PP_CIPU_CNT_IRQ_THRESH] = "irq_threshold",
	[PP_CIPU_CNT_IRQ_SYNC] = "irq_sync",
	[PP_CIPU_CNT_THRESH_CHANGES] = "threshold_changes",
	[PP_CIPU_CNT_MAINT] = "maintenance",
	[PP_CIPU_CNT_MAINT_REC] = "maintenance_recovered",
	[PP_CIPU_CNT_MAINT_TOUT] = "maintenance_timeouts",
	[PP_CIPU_CNT_ATOMIC] = "atomic_clock_faults",
	[PP_CIPU_CNT_ATOMIC_REC] = "atomic_clock_recovered",
	[PP_CIPU_CNT_BUSY] = "busy",
	[PP_CIPU_CNT_BUSY_REC] = "busy_recovered",
	[PP_CIPU_CNT_ERROR] = "device_errors",
	[PP_CIPU_CNT_ERROR_REC] = "device_errors_recovered",
};

/* One health bit: its name in the log and its two counters. */
struct pp_cipu_bit {
	u8 bit;
	const char *what;
	enum pp_cipu_cnt set, clear;
};

static const struct pp_cipu_bit pp_cipu_bits[] = {
	{ PP_CIPU_SYNC_MAINT, "maintenance", PP_CIPU_CNT_MAINT, PP_CIPU_CNT_MAINT_REC },
	{ PP_CIPU_SYNC_ATOMIC, "atomic clock fault", PP_CIPU_CNT_ATOMIC,
	  PP_CIPU_CNT_ATOMIC_REC },
	{ PP_CIPU_SYNC_BUSY, "device busy", PP_CIPU_CNT_BUSY, PP_CIPU_CNT_BUSY_REC },
	{ PP_CIPU_SYNC_ERROR, "device error", PP_CIPU_CNT_ERROR, PP_CIPU_CNT_ERROR_REC },
};

/**
 * struct pp_cipu - one device
 * @pdev: the PCI device
 * @regs: the register block
 * @bar: the BAR it is in
 * @lock: protects @clk as seen by the interrupt handlers and @mt_work,
 *	and @gone
 * @clk: the registered clock, NULL while none is (or no longer) published
 * @mt_work: wakes the watch when a maintenance reaches its bound
 * @dev_feat: features the device has
 * @gst_feat: features negotiated
 * @env_ver: environment version written
 * @drv_ver: driver version written
 * @tm_prec_ns: the device's precision, reported as the error bound
 * @epo_base_yr: epoch base year, 1970 without PP_CIPU_FEAT_EPOCH
 * @epoch_sec: Unix time of @epo_base_yr
 * @max_lat_ns: longest acceptable read window, 0 for no limit
 * @mt_tout_us: longest maintenance
 * @thresh_us: alarm threshold, |device - CLOCK_REALTIME|
 * @leap_sec: TAI - UTC in seconds (with TAI)
 * @sync_stat: health bits last seen by the watch
 * @sync_issue: @sync_stat has a known bit set (readers then wake the watch)
 * @status: the clock status for the readers
 * @mt_start: when the current maintenance began
 * @mt_timed_out: the current maintenance outlived @mt_tout_us
 * @thresh_pending: vector 0 fired: the watch re-reads the threshold
 * @next_kick: jiffies before which readers do not wake the watch again
 * @frozen: a PCI error or shutdown: reads fail with -EIO without the device
 * @gone: the device vanished
 * @cnt: counters, see enum pp_cipu_cnt
 */
struct pp_cipu {
	struct pci_dev *pdev;
	void __iomem *regs;
	int bar;
	raw_spinlock_t lock;	/* see above; taken in any context */
	struct ptp_pure_clock *clk;
	struct delayed_work mt_work;
	u32 dev_feat, gst_feat, env_ver, drv_ver;
	u32 tm_prec_ns, epo_base_yr, max_lat_ns, mt_tout_us, thresh_us, leap_sec;
	s64 epoch_sec;
	u8 sync_stat;
	bool sync_issue;
	enum ptp_pure_status status;
	ktime_t mt_start;
	bool mt_timed_out;
	atomic_t thresh_pending;
	unsigned long next_kick;
	bool frozen;
	bool gone;
	atomic_long_t cnt[PP_CIPU_CNT_NR];
};

/* The core's status for each result of pp_cipu_status(). */
static const enum ptp_pure_status pp_cipu_st[PP_CIPU_ST_NR] = {
	[PP_CIPU_ST_SYNCHRONIZED] = PTP_PURE_STATUS_SYNCHRONIZED,
	[PP_CIPU_ST_HOLDOVER] = PTP_PURE_STATUS_HOLDOVER,
	[PP_CIPU_ST_FREERUNNING] = PTP_PURE_STATUS_FREERUNNING,
	[PP_CIPU_ST_UNRELIABLE] = PTP_PURE_STATUS_UNRELIABLE,
};

static void pp_cipu_count(struct pp_cipu *pc, enum pp_cipu_cnt c)
{
	atomic_long_inc(&pc->cnt[c]);
}

/* A clock published after the device vanished is dead at once. */
static void pp_cipu_publish(struct pp_cipu *pc, struct ptp_pure_clock *clk)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&pc->lock, flags);
	WRITE_ONCE(pc->clk, clk);
	if (clk && pc->gone)
		ptp_pure_set_dead(clk);
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

/* Wake the watch callback, if a clock is published; any context. */
static void pp_cipu_kick(struct pp_cipu *pc)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&pc->lock, flags);
	if (pc->clk)
		ptp_pure_watch_now(pc->clk);
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

/*
 * A reader that saw a sign of a health change wakes the watch, at most
 * every PP_CIPU_KICK_MS: readers in a loop would otherwise keep it running.
 */
static void pp_cipu_reader_kick(struct pp_cipu *pc)
{
	unsigned long now = jiffies;

	if (time_before(now, READ_ONCE(pc->next_kick)))
		return;
	WRITE_ONCE(pc->next_kick, now + msecs_to_jiffies(PP_CIPU_KICK_MS));
	pp_cipu_kick(pc);
}

/*
 * The device is gone when the registers that are never all-ones on a
 * working device (the handshake state, the feature set) read as all-ones:
 * that is what a read of a removed PCI device returns.
 */
static bool pp_cipu_vanished(struct pp_cipu *pc)
{
	if (pci_dev_is_disconnected(pc->pdev))
		return true;
	return readb(pc->regs + PP_CIPU_DEV_STAT) == 0xff &&
	       readl(pc->regs + PP_CIPU_DEV_FEAT) == ~0U;
}

/* The device vanished: reads fail, the clock is dead; any context. */
static void pp_cipu_mark_gone(struct pp_cipu *pc)
{
	unsigned long flags;
	bool first;

	if (READ_ONCE(pc->gone))
		return;
	raw_spin_lock_irqsave(&pc->lock, flags);
	first = !pc->gone;
	WRITE_ONCE(pc->gone, true);
	if (first && pc->clk)
		ptp_pure_set_dead(pc->clk);
	raw_spin_unlock_irqrestore(&pc->lock, flags);
	if (first)
		dev_err(&pc->pdev->dev, "the device reads as all-ones: it is gone\n");
}

static int pp_cipu_read(void *priv, struct ptp_pure_sample *s,
			unsigned int flags)
{
	struct pp_cipu *pc = priv;
	u64 raw, t0, t1, ns, mid;
	u32 rem;

	if (READ_ONCE(pc->gone))
		return -ENODEV;
	if (READ_ONCE(pc->frozen))
		return -EIO;
	/* gettimex64's system timestamps right around the one device access. */
	ptp_read_system_prets(s->sts);
	t0 = ktime_get_real_fast_ns();
	raw = readq(pc->regs + PP_CIPU_TSTAMP_NS);
	t1 = ktime_get_real_fast_ns();
	ptp_read_system_postts(s->sts);
	pp_cipu_count(pc, PP_CIPU_CNT_READS);

	if (raw == ~0ULL && pp_cipu_vanished(pc)) {
		pp_cipu_count(pc, PP_CIPU_CNT_VANISHED);
		pp_cipu_mark_gone(pc);
		return -ENODEV;
	}
	if (raw & PP_CIPU_TS_INVALID) {
		/* The device has an issue: its health bits say which. */
		pp_cipu_count(pc, PP_CIPU_CNT_INVALID);
		pp_cipu_reader_kick(pc);
		return -EIO;
	}
	/* A valid time while an issue is known: see whether it is over. */
	if (READ_ONCE(pc->sync_issue))
		pp_cipu_reader_kick(pc);
	if (pc->max_lat_ns && t1 - t0 > pc->max_lat_ns) {
		pp_cipu_count(pc, PP_CIPU_CNT_SLOW);
		return -EIO;
	}

	ns = pp_cipu_ts_ns(raw);
	s->time.tv_sec = pc->epoch_sec + div_u64_rem(ns, NSEC_PER_SEC, &rem);
	s->time.tv_nsec = rem;
	s->valid = PTP_PURE_VALID_STATUS;
	s->status = READ_ONCE(pc->status);
	if (pc->gst_feat & PP_CIPU_FEAT_TAI) {
		s->timescale = PTP_PURE_TS_TAI;
		s->tai_offset = READ_ONCE(pc->leap_sec);
		s->valid |= PTP_PURE_VALID_TAI_OFFSET;
	} else {
		s->timescale = PTP_PURE_TS_UTC;
	}
	if (pc->tm_prec_ns) {
		s->error_bound_ns = pc->tm_prec_ns;
		s->valid |= PTP_PURE_VALID_ERROR_BOUND;
	}

	/* Statistics only: how far the device is from CLOCK_REALTIME. */
	if (pc->thresh_us) {
		mid = t0 + (t1 - t0) / 2;
		ns = (u64)s->time.tv_sec * NSEC_PER_SEC + s->time.tv_nsec;
		if (s->timescale == PTP_PURE_TS_TAI)
			ns -= (s64)s->tai_offset * NSEC_PER_SEC;
		if ((ns > mid ? ns - mid : mid - ns) > (u64)pc->thresh_us * NSEC_PER_USEC)
			pp_cipu_count(pc, PP_CIPU_CNT_THRESH);
	}
	return 0;
}

/* Arm (or re-arm) the maintenance bound; only the watch calls this. */
static void pp_cipu_arm_mt(struct pp_cipu *pc)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&pc->lock, flags);
	if (pc->clk)
		mod_delayed_work(system_wq, &pc->mt_work,
				 usecs_to_jiffies(pc->mt_tout_us) + 1);
	raw_spin_unlock_irqrestore(&pc->lock, flags);
}

static void pp_cipu_mt_work(struct work_struct *work)
{
	struct pp_cipu *pc = container_of(to_delayed_work(work), struct pp_cipu,
					  mt_work);

	pp_cipu_kick(pc);
}

/* Log and count the health bits that changed. */
static void pp_cipu_diff(struct pp_cipu *pc, u8 old, u8 now)
{
	struct device *dev = &pc->pdev->dev;
	const struct pp_cipu_bit *b;
	int i;

	for (i = 0; i < ARRAY_SIZE(pp_cipu_bits); i++) {
		b = &pp_cipu_bits[i];
		if (!((old ^ now) & b->bit))
			continue;
		if (now & b->bit) {
			pp_cipu_count(pc, b->set);
			dev_warn(dev, "%s detected (health 0x%02x)\n", b->what, now);
		} else {
			pp_cipu_count(pc, b->clear);
			dev_info(dev, "%s recovered (health 0x%02x)\n", b->what, now);
		}
	}
	if ((now & ~PP_CIPU_SYNC_KNOWN) && !(old & ~PP_CIPU_SYNC_KNOWN))
		dev_info(dev, "reserved health bits set: 0x%02x, ignored\n", now);
}

static unsigned long pp_cipu_watch(void *priv)
{
	struct pp_cipu *pc = priv;
	struct device *dev = &pc->pdev->dev;
	u8 old = pc->sync_stat, now;
	enum ptp_pure_status status;
	u32 v;

	if (READ_ONCE(pc->gone) || READ_ONCE(pc->frozen))
		return 0;
	now = readb(pc->regs + PP_CIPU_SYNC_STAT);
	if (now == 0xff && pp_cipu_vanished(pc)) {
		pp_cipu_mark_gone(pc);
		return 0;
	}

	if (atomic_xchg(&pc->thresh_pending, 0)) {
		v = readl(pc->regs + PP_CIPU_THRESH_US);
		if (v != pc->thresh_us) {
			dev_info(dev, "alarm threshold changed from %u us to %u us\n",
				 pc->thresh_us, v);
			WRITE_ONCE(pc->thresh_us, v);
			pp_cipu_count(pc, PP_CIPU_CNT_THRESH_CHANGES);
		}
	}
	if (pc->gst_feat & PP_CIPU_FEAT_TAI) {
		v = readl(pc->regs + PP_CIPU_LEAP_SEC);
		if (v != pc->leap_sec) {
			dev_info(dev, "TAI - UTC changed from %u s to %u s\n",
				 pc->leap_sec, v);
			WRITE_ONCE(pc->leap_sec, v);
		}
	}

	pp_cipu_diff(pc, old, now);
	if ((now & PP_CIPU_SYNC_MAINT) && !(old & PP_CIPU_SYNC_MAINT)) {
		pc->mt_start = ktime_get();
		pc->mt_timed_out = false;
		pp_cipu_arm_mt(pc);
	} else if (!(now & PP_CIPU_SYNC_MAINT) && (old & PP_CIPU_SYNC_MAINT)) {
		cancel_delayed_work(&pc->mt_work);
		pc->mt_timed_out = false;
	}
	if ((now & PP_CIPU_SYNC_MAINT) && !pc->mt_timed_out &&
	    ktime_us_delta(ktime_get(), pc->mt_start) >= pc->mt_tout_us) {
		pc->mt_timed_out = true;
		pp_cipu_count(pc, PP_CIPU_CNT_MAINT_TOUT);
		dev_warn(dev, "maintenance timed out: still on after %u us\n",
			 pc->mt_tout_us);
	}
	pc->sync_stat = now;
	WRITE_ONCE(pc->sync_issue, !!(now & PP_CIPU_SYNC_KNOWN));

	status = pp_cipu_st[pp_cipu_status(now, pc->mt_timed_out)];
	if (status == pc->status)
		return 0;
	WRITE_ONCE(pc->status, status);
	return BIT(PTP_PURE_EV_STATUS);
}

static const struct ptp_pure_ops pp_cipu_ops = {
	.read = pp_cipu_read,
	.watch = pp_cipu_watch,
};

static irqreturn_t pp_cipu_irq_thresh(int irq, void *data)
{
	struct pp_cipu *pc = data;

	pp_cipu_count(pc, PP_CIPU_CNT_IRQ_THRESH);
	atomic_set(&pc->thresh_pending, 1);
	pp_cipu_kick(pc);
	return IRQ_HANDLED;
}

static irqreturn_t pp_cipu_irq_sync(int irq, void *data)
{
	struct pp_cipu *pc = data;

	pp_cipu_count(pc, PP_CIPU_CNT_IRQ_SYNC);
	pp_cipu_kick(pc);
	return IRQ_HANDLED;
}

/* --- handshake -------------------------------------------------------------- */

/*
 * Write a register and read it back: the device refuses a value it does
 * not accept (a driver or kernel version it knows to be bad, features it
 * does not have) by not taking it.
 */
static int pp_cipu_write(struct pp_cipu *pc, unsigned int off, u32 val,
			 const char *what)
{
	u32 back;

	if (off == PP_CIPU_DEV_STAT)
		writeb(val, pc->regs + off);
	else
		writel(val, pc->regs + off);
	if (emu_settle_us)
		usleep_range(emu_settle_us, emu_settle_us + emu_settle_us / 4 + 1);
	if (off == PP_CIPU_DEV_STAT)
		back = readb(pc->regs + off);
	else
		back = readl(pc->regs + off);
	if (back == val)
		return 0;
	dev_err(&pc->pdev->dev, "the device refused %s 0x%x (reads back 0x%x)\n",
		what, val, back);
	return -EIO;
}

/* Reset, features, versions, FEATURE_OK; the configuration registers. */
static int pp_cipu_handshake(struct pp_cipu *pc)
{
	struct device *dev = &pc->pdev->dev;
	int ret;

	ret = pp_cipu_write(pc, PP_CIPU_DEV_STAT, PP_CIPU_STAT_RESET, "reset");
	if (ret)
		return ret;
	pc->dev_feat = readl(pc->regs + PP_CIPU_DEV_FEAT);
	pc->gst_feat = pc->dev_feat & PP_CIPU_DRV_CAP;
	ret = pp_cipu_write(pc, PP_CIPU_GST_FEAT, pc->gst_feat, "features");
	if (ret)
		return ret;
	if (pp_cipu_env_ver(init_utsname()->release, &pc->env_ver)) {
		dev_err(dev, "cannot encode the kernel release '%s'\n",
			init_utsname()->release);
		return -EINVAL;
	}
	ret = pp_cipu_write(pc, PP_CIPU_ENV_VER, pc->env_ver, "kernel version");
	if (ret)
		return ret;
	pc->drv_ver = PP_CIPU_DRV_VERSION;
	ret = pp_cipu_write(pc, PP_CIPU_DRV_VER, pc->drv_ver, "driver version");
	if (ret)
		return ret;

	pc->tm_prec_ns = readl(pc->regs + PP_CIPU_TM_PREC_NS);
	pc->max_lat_ns = readl(pc->regs + PP_CIPU_MAX_LAT_NS);
	pc->mt_tout_us = readl(pc->regs + PP_CIPU_MT_TOUT_US);
	pc->thresh_us = readl(pc->regs + PP_CIPU_THRESH_US);
	pc->leap_sec = readl(pc->regs + PP_CIPU_LEAP_SEC);
	pc->epo_base_yr = PP_CIPU_YEAR_MIN;
	if (pc->gst_feat & PP_CIPU_FEAT_EPOCH)
		pc->epo_base_yr = readl(pc->regs + PP_CIPU_EPO_BASE_YR);
	if (pp_cipu_epoch_base(pc->epo_base_yr, &pc->epoch_sec)) {
		dev_err(dev, "epoch base year %u is out of range %d..%d\n",
			pc->epo_base_yr, PP_CIPU_YEAR_MIN, PP_CIPU_YEAR_MAX);
		return -EINVAL;
	}
	return pp_cipu_write(pc, PP_CIPU_DEV_STAT, PP_CIPU_STAT_FEATURE_OK,
			     "FEATURE_OK");
}

/* Back to RESET, unless the device is gone; the device stops its interrupts. */
static void pp_cipu_reset(struct pp_cipu *pc)
{
	if (!READ_ONCE(pc->gone) && !pci_dev_is_disconnected(pc->pdev))
		writeb(PP_CIPU_STAT_RESET, pc->regs + PP_CIPU_DEV_STAT);
}

/* --- debugfs ---------------------------------------------------------------- */

static int pp_cipu_regs_show(struct seq_file *m, void *unused)
{
	struct pp_cipu *pc = m->private;

	seq_printf(m, "bar: %d\n", pc->bar);
	seq_printf(m, "dev_feat: 0x%x\n", pc->dev_feat);
	seq_printf(m, "gst_feat: 0x%x\n", pc->gst_feat);
	seq_printf(m, "drv_cap: 0x%x\n", PP_CIPU_DRV_CAP);
	seq_printf(m, "drv_ver: 0x%08x\n", pc->drv_ver);
	seq_printf(m, "env_ver: 0x%08x\n", pc->env_ver);
	seq_printf(m, "sync_stat: 0x%02x\n", READ_ONCE(pc->sync_stat));
	seq_printf(m, "tm_prec_ns: %u\n", pc->tm_prec_ns);
	seq_printf(m, "epo_base_yr: %u\n", pc->epo_base_yr);
	seq_printf(m, "leap_sec: %u\n", READ_ONCE(pc->leap_sec));
	seq_printf(m, "max_lat_ns: %u\n", pc->max_lat_ns);
	seq_printf(m, "mt_tout_us: %u\n", pc->mt_tout_us);
	seq_printf(m, "thresh_us: %u\n", READ_ONCE(pc->thresh_us));
	seq_printf(m, "maintenance_timed_out: %d\n", READ_ONCE(pc->mt_timed_out));
	seq_printf(m, "gone: %d\n", READ_ONCE(pc->gone));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pp_cipu_regs);

static int pp_cipu_counters_show(struct seq_file *m, void *unused)
{
	struct pp_cipu *pc = m->private;
	int i;

	for (i = 0; i < PP_CIPU_CNT_NR; i++)
		seq_printf(m, "%s: %ld\n", pp_cipu_cnt_names[i],
			   atomic_long_read(&pc->cnt[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pp_cipu_counters);

static void pp_cipu_debugfs(struct pp_cipu *pc)
{
	struct dentry *dir;

	dir = debugfs_create_dir("cipu", ptp_pure_debugfs_dir(pc->clk));
	debugfs_create_file("registers", 0444, dir, pc, &pp_cipu_regs_fops);
	debugfs_create_file("counters", 0444, dir, pc, &pp_cipu_counters_fops);
}

/* --- PCI driver ------------------------------------------------------------- */

static int pp_cipu_map(struct pp_cipu *pc)
{
	struct pci_dev *pdev = pc->pdev;
	int ret;

	if (emu_bar < 0 || emu_bar > 5) {
		dev_err(&pdev->dev, "emu_bar=%d: not a BAR\n", emu_bar);
		return -EINVAL;
	}
	pc->bar = emu_bar;
	if (!(pci_resource_flags(pdev, pc->bar) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, pc->bar) < PP_CIPU_REG_SIZE) {
		dev_err(&pdev->dev, "BAR %d is no memory BAR of at least %d bytes\n",
			pc->bar, PP_CIPU_REG_SIZE);
		return -ENODEV;
	}
	ret = pci_request_region(pdev, pc->bar, KBUILD_MODNAME);
	if (ret)
		return ret;
	pc->regs = pci_iomap(pdev, pc->bar, PP_CIPU_REG_SIZE);
	if (!pc->regs) {
		pci_release_region(pdev, pc->bar);
		return -ENOMEM;
	}
	return 0;
}

static void pp_cipu_unmap(struct pp_cipu *pc)
{
	pci_iounmap(pc->pdev, pc->regs);
	pci_release_region(pc->pdev, pc->bar);
}

static int pp_cipu_irqs(struct pp_cipu *pc)
{
	struct pci_dev *pdev = pc->pdev;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, PP_CIPU_NR_VEC, PP_CIPU_NR_VEC,
				    PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(&pdev->dev, "cannot have its %d MSI-X vectors: %d\n",
			PP_CIPU_NR_VEC, ret);
		return ret;
	}
	ret = pci_request_irq(pdev, PP_CIPU_VEC_THRESH, pp_cipu_irq_thresh, NULL,
			      pc, "%s-threshold", KBUILD_MODNAME);
	if (ret)
		goto err_vec;
	ret = pci_request_irq(pdev, PP_CIPU_VEC_SYNC, pp_cipu_irq_sync, NULL,
			      pc, "%s-health", KBUILD_MODNAME);
	if (ret)
		goto err_thresh;
	return 0;

err_thresh:
	pci_free_irq(pdev, PP_CIPU_VEC_THRESH, pc);
err_vec:
	pci_free_irq_vectors(pdev);
	dev_err(&pdev->dev, "cannot request its interrupts: %d\n", ret);
	return ret;
}

static void pp_cipu_free_irqs(struct pp_cipu *pc)
{
	pci_free_irq(pc->pdev, PP_CIPU_VEC_SYNC, pc);
	pci_free_irq(pc->pdev, PP_CIPU_VEC_THRESH, pc);
	pci_free_irq_vectors(pc->pdev);
}

/* Stop everything that may use the clock, then unregister it. */
static void pp_cipu_unregister(struct pp_cipu *pc)
{
	struct ptp_pure_clock *clk = pc->clk;

	pp_cipu_publish(pc, NULL);
	ptp_pure_unregister(clk);
	/* Nothing queues it any more: no watch, no reads. */
	cancel_delayed_work_sync(&pc->mt_work);
}

static int pp_cipu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ptp_pure_config cfg = {
		.name = PP_CIPU_NAME,
		.ops = &pp_cipu_ops,
		.flags = PTP_PURE_F_OWN_STS,
		.watch_ms = PP_CIPU_WATCH_MS,
	};
	struct ptp_pure_clock *clk;
	struct pp_cipu *pc;
	int ret;

	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	pc->pdev = pdev;
	raw_spin_lock_init(&pc->lock);
	INIT_DELAYED_WORK(&pc->mt_work, pp_cipu_mt_work);
	pci_set_drvdata(pdev, pc);

	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_free;
	ret = pp_cipu_map(pc);
	if (ret)
		goto err_disable;
	pci_set_master(pdev);

	ret = pp_cipu_handshake(pc);
	if (ret)
		goto err_reset;
	ret = pp_cipu_irqs(pc);
	if (ret)
		goto err_reset;

	/* The health as it is now, before the clock reports any. */
	pc->sync_stat = readb(pc->regs + PP_CIPU_SYNC_STAT);
	pc->sync_issue = !!(pc->sync_stat & PP_CIPU_SYNC_KNOWN);
	if (pc->sync_stat & PP_CIPU_SYNC_MAINT)
		pc->mt_start = ktime_get();
	pc->status = pp_cipu_st[pp_cipu_status(pc->sync_stat, false)];

	cfg.priv = pc;
	clk = ptp_pure_register(&pdev->dev, &cfg);
	if (IS_ERR(clk)) {
		ret = PTR_ERR(clk);
		goto err_irqs;
	}
	pp_cipu_publish(pc, clk);
	pp_cipu_debugfs(pc);
	if (pc->sync_stat & PP_CIPU_SYNC_MAINT)
		pp_cipu_arm_mt(pc);

	ret = pp_cipu_write(pc, PP_CIPU_DEV_STAT, PP_CIPU_STAT_DRIVER_OK,
			    "DRIVER_OK");
	if (ret)
		goto err_unregister;
	pci_save_state(pdev);
	dev_info(&pdev->dev,
		 "features 0x%x (device 0x%x): %s, epoch %u, precision %u ns, max latency %u ns, health 0x%02x\n",
		 pc->gst_feat, pc->dev_feat,
		 pc->gst_feat & PP_CIPU_FEAT_TAI ? "TAI" : "UTC", pc->epo_base_yr,
		 pc->tm_prec_ns, pc->max_lat_ns, pc->sync_stat);
	return 0;

err_unregister:
	pp_cipu_unregister(pc);
err_irqs:
	pp_cipu_free_irqs(pc);
err_reset:
	pp_cipu_reset(pc);
	pci_clear_master(pdev);
	pp_cipu_unmap(pc);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(pc);
	return ret;
}

static void pp_cipu_remove(struct pci_dev *pdev)
{
	struct pp_cipu *pc = pci_get_drvdata(pdev);

	/* Undo DRIVER_OK and FEATURE_OK first: no more interrupts. */
	pp_cipu_reset(pc);
	pp_cipu_unregister(pc);
	pp_cipu_free_irqs(pc);
	pci_clear_master(pdev);
	pp_cipu_unmap(pc);
	pci_disable_device(pdev);
	kfree(pc);
}

static void pp_cipu_shutdown(struct pci_dev *pdev)
{
	struct pp_cipu *pc = pci_get_drvdata(pdev);

	WRITE_ONCE(pc->frozen, true);
	pp_cipu_reset(pc);
}

/* PCI error recovery: no device access until the slot was reset. */
static pci_ers_result_t pp_cipu_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	struct pp_cipu *pc = pci_get_drvdata(pdev);

	WRITE_ONCE(pc->frozen, true);
	if (state == pci_channel_io_perm_failure) {
		dev_err(&pdev->dev, "permanent PCI error: the device is given up\n");
		pp_cipu_mark_gone(pc);
		return PCI_ERS_RESULT_DISCONNECT;
	}
	dev_warn(&pdev->dev, "PCI error: reads fail until the slot is reset\n");
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t pp_cipu_slot_reset(struct pci_dev *pdev)
{
	struct pp_cipu *pc = pci_get_drvdata(pdev);

	if (pci_enable_device_mem(pdev))
		return PCI_ERS_RESULT_DISCONNECT;
	pci_restore_state(pdev);
	pci_set_master(pdev);
	/* The same handshake as at probe; the device may refuse us now. */
	if (pp_cipu_handshake(pc) ||
	    pp_cipu_write(pc, PP_CIPU_DEV_STAT, PP_CIPU_STAT_DRIVER_OK, "DRIVER_OK"))
		return PCI_ERS_RESULT_DISCONNECT;
	return PCI_ERS_RESULT_RECOVERED;
}

static void pp_cipu_resume(struct pci_dev *pdev)
{
	struct pp_cipu *pc = pci_get_drvdata(pdev);

	WRITE_ONCE(pc->frozen, false);
	dev_info(&pdev->dev, "recovered from the PCI error\n");
	pp_cipu_kick(pc);
}

static const struct pci_error_handlers pp_cipu_err_handlers = {
	.error_detected = pp_cipu_error_detected,
	.slot_reset = pp_cipu_slot_reset,
	.resume = pp_cipu_resume,
};

static const struct pci_device_id pp_cipu_ids[] = {
	{ PCI_DEVICE_SUB(PCI_VENDOR_ID_PP_ALIBABA, PCI_DEVICE_ID_PP_CIPU,
			 PCI_VENDOR_ID_PP_ALIBABA, PCI_SUBDEVICE_ID_PP_CIPU) },
	{ }
};
MODULE_DEVICE_TABLE(pci, pp_cipu_ids);

static struct pci_driver pp_cipu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = pp_cipu_ids,
	.probe = pp_cipu_probe,
	.remove = pp_cipu_remove,
	.shutdown = pp_cipu_shutdown,
	.err_handler = &pp_cipu_err_handlers,
};
module_pci_driver(pp_cipu_driver);

MODULE_DESCRIPTION("Alibaba CIPU PTP clock through ptp_pure_core");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
