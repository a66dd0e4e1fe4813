// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_s390 - the s390 TOD clocks as ptp_pure_core clocks
 *
 * Two clocks, named like those of the in-tree ptp_s390 (6.13+) so that
 * tooling written for it works:
 *
 *  - "s390 STCKE Clock": the TOD clock, read with STORE CLOCK EXTENDED, so
 *    every reading carries the epoch index and stays right past the 2042
 *    TOD wrap.  Each sample is paired with the 64-bit TOD value of the same
 *    STCKE, the counter of the kernel's "tod" clocksource: where the kernel
 *    can name that clocksource in a cross-timestamp (CSID_S390_TOD, 6.13+)
 *    the core offers PTP_SYS_OFFSET_PRECISE and a zero-width
 *    PTP_SYS_OFFSET_EXTENDED.  Gettime and cross-timestamp convert the same
 *    reading with the same function (ptp_pure_tod_to_time()).
 *  - "s390 Physical Clock": PTFF query physical clock, the TOD without STP
 *    steering and LPAR offset.  Registered only when the machine offers
 *    that function (TOD-clock-steering facility 28 and the function's bit
 *    in PTFF query available functions).
 *
 * STP.  The TOD is a useful reference only while Server Time Protocol
 * keeps it synchronised; STP can come online at any time after load.  The
 * STCKE clock is registered regardless, and its status says what STP does:
 * "synchronized" while the clock is STP-synchronised, "holdover" while STP
 * is online but the clock is not (yet) in sync, and otherwise, with
 * stp_required=1 (the default, like the in-tree driver), "unreliable",
 * which makes the core fail reads with EIO, or with stp_required=0
 * "freerunning", reads served.  The watch callback notices changes (a
 * status event and uevent).  The physical clock is never steered: its
 * status is always "freerunning".
 *
 * The STP state comes from get_phys_clock() (exported by every kernel with
 * this driver's floor up to at least 7.2), else from stp_enabled() (6.13+,
 * which cannot tell "online" from "in sync"); with neither the status is
 * "unknown" and reads are served.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <asm/facility.h>
#include <asm/timex.h>

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_math.h"

#define PP_S390_STCKE_NAME	"s390 STCKE Clock"
#define PP_S390_PHYS_NAME	"s390 Physical Clock"

/* TOD-clock-steering facility: PTFF exists. */
#define PP_S390_FAC_TOD_STEERING	28
/* PTFF function codes */
#define PP_S390_PTFF_QAF	0x00	/* query available functions */
#define PP_S390_PTFF_QPT	0x03	/* query physical clock */

static bool stp_required = true;
module_param(stp_required, bool, 0644);
MODULE_PARM_DESC(stp_required,
		 "1 (default): the STCKE clock gives no time (status unreliable, reads fail with EIO) while STP does not synchronise it; 0: time served, status freerunning");

static unsigned int poll_ms = 1000;
module_param(poll_ms, uint, 0444);
MODULE_PARM_DESC(poll_ms, "how often the STP state is checked for status events, ms (0: never)");

/**
 * enum pp_s390_stp - what STP does for this machine's TOD clock
 * @PP_S390_STP_UNKNOWN: this kernel does not tell
 * @PP_S390_STP_NONE: no STP facility
 * @PP_S390_STP_OFFLINE: STP facility present, STP not online
 * @PP_S390_STP_UNSYNCED: STP online, the clock not in sync
 * @PP_S390_STP_SYNCED: the clock is STP-synchronised
 */
enum pp_s390_stp {
	PP_S390_STP_UNKNOWN,
	PP_S390_STP_NONE,
	PP_S390_STP_OFFLINE,
	PP_S390_STP_UNSYNCED,
	PP_S390_STP_SYNCED,
};

static const char * const pp_s390_stp_names[] = {
	[PP_S390_STP_UNKNOWN] = "unknown (the kernel does not tell)",
	[PP_S390_STP_NONE] = "no STP facility",
	[PP_S390_STP_OFFLINE] = "STP facility, STP offline",
	[PP_S390_STP_UNSYNCED] = "STP online, not in sync",
	[PP_S390_STP_SYNCED] = "STP-synchronised",
};

/**
 * struct pp_s390 - the backend's state, one per module
 * @tod: the STCKE clock
 * @phys: the physical clock, or NULL when PTFF QPT is not offered
 * @facility28: the TOD-clock-steering facility is installed
 * @qaf: PTFF query-available-functions result (zero without facility 28)
 * @qaf_cc: condition code of that query
 * @last_status: status seen by the last watch run (owned by the watcher)
 * @cs_monotonic: the tod clocksource counts from tod_clock_base (the TOD at
 *	boot), not from the TOD epoch: samples are paired with TOD minus
 *	that base
 * @cs_raw_diff: at load, TOD minus the clocksource's cycles (TOD units)
 * @cs_mono_diff: at load, TOD minus tod_clock_base minus those cycles
 */
struct pp_s390 {
	struct ptp_pure_clock *tod;
	struct ptp_pure_clock *phys;
	bool facility28;
	u8 qaf[16];
	int qaf_cc;
	enum ptp_pure_status last_status;
	bool cs_monotonic;
	s64 cs_raw_diff;
	s64 cs_mono_diff;
};

static struct pp_s390 pp_s390;

/* STORE CLOCK EXTENDED: epoch index and 64-bit TOD. */
static __always_inline void pp_s390_stcke(u8 *epoch_idx, u64 *tod)
{
	struct {
		u8 b[16];
	} clk;

	asm volatile("stcke %0" : "=Q" (clk) : : "cc");
	ptp_pure_tod_parse_stcke(clk.b, epoch_idx, tod);
}

/* PERFORM TIMING FACILITY FUNCTION: function @fc on @block; the cc. */
static __always_inline int pp_s390_ptff(void *block, unsigned long fc)
{
	unsigned long r1 = (unsigned long)block;
	int cc;

	asm volatile("	lgr	0,%[fc]\n"
		     "	lgr	1,%[r1]\n"
		     "	ptff\n"
		     "	ipm	%[cc]\n"
		     "	srl	%[cc],28\n"
		     : [cc] "=&d" (cc)
		     : [fc] "d" (fc), [r1] "d" (r1)
		     : "cc", "memory", "0", "1");
	return cc;
}

static bool pp_s390_ptff_offers(const struct pp_s390 *ps, unsigned int fc)
{
	return ps->facility28 && !ps->qaf_cc &&
	       (ps->qaf[fc / 8] & (0x80 >> (fc % 8)));
}

#if defined(HAVE_EXPORT_GET_PHYS_CLOCK)
#define PP_S390_STP_SOURCE	"get_phys_clock"
#elif defined(HAVE_EXPORT_STP_ENABLED)
#define PP_S390_STP_SOURCE	"stp_enabled"
#else
#define PP_S390_STP_SOURCE	"none"
#endif

static enum pp_s390_stp pp_s390_stp_state(void)
{
#if defined(HAVE_EXPORT_GET_PHYS_CLOCK)
	unsigned long clock;

	switch (get_phys_clock(&clock)) {
	case 0:
		return PP_S390_STP_SYNCED;
	case -EOPNOTSUPP:
		return PP_S390_STP_NONE;
	case -EACCES:
		return PP_S390_STP_OFFLINE;
	default:
		return PP_S390_STP_UNSYNCED;
	}
#elif defined(HAVE_EXPORT_STP_ENABLED)
	return stp_enabled() ? PP_S390_STP_SYNCED : PP_S390_STP_NONE;
#else
	return PP_S390_STP_UNKNOWN;
#endif
}

/* The STCKE clock's status for an STP state. */
static enum ptp_pure_status pp_s390_status(enum pp_s390_stp stp)
{
	switch (stp) {
	case PP_S390_STP_SYNCED:
		return PTP_PURE_STATUS_SYNCHRONIZED;
	case PP_S390_STP_UNSYNCED:
		return PTP_PURE_STATUS_HOLDOVER;
	case PP_S390_STP_NONE:
	case PP_S390_STP_OFFLINE:
		return READ_ONCE(stp_required) ? PTP_PURE_STATUS_UNRELIABLE :
						 PTP_PURE_STATUS_FREERUNNING;
	default:
		return PTP_PURE_STATUS_UNKNOWN;
	}
}

static int pp_s390_set_time(struct ptp_pure_sample *s, u8 epoch_idx, u64 tod)
{
	struct ptp_pure_time t;
	int ret;

	ret = ptp_pure_tod_to_time(epoch_idx, tod, &t);
	if (ret)
		return ret;
	s->time.tv_sec = t.sec;
	s->time.tv_nsec = t.nsec;
	s->timescale = PTP_PURE_TS_UTC;
	return 0;
}

/**
 * pp_s390_tod_read() - &ptp_pure_ops.read of the STCKE clock
 * @priv: the backend state
 * @s: the sample to fill in: time, the paired TOD counter, the status
 * @flags: %PTP_PURE_READ_* (everything is cheap: ignored)
 *
 * One STCKE; the counter is what the tod clocksource counts for that TOD.
 * Context: any; never sleeps.
 * Return: 0, or -ERANGE for a TOD before 1970.
 */
static int pp_s390_tod_read(void *priv, struct ptp_pure_sample *s,
			    unsigned int flags)
{
	enum ptp_pure_status st = pp_s390_status(pp_s390_stp_state());
	struct pp_s390 *ps = priv;
	u8 ei;
	u64 tod;

	pp_s390_stcke(&ei, &tod);
	if (st != PTP_PURE_STATUS_UNKNOWN) {
		s->status = st;
		s->valid |= PTP_PURE_VALID_STATUS;
	}
	/* tod_clock_base changes only under stop_machine(). */
	s->counter = ps->cs_monotonic ? tod - tod_clock_base.tod : tod;
	s->counter_id = PTP_PURE_COUNTER_S390_TOD;
	return pp_s390_set_time(s, ei, tod);
}

/**
 * pp_s390_tod_watch() - &ptp_pure_ops.watch of the STCKE clock
 * @priv: the backend state
 *
 * Context: process context, never concurrently with itself.
 * Return: BIT(%PTP_PURE_EV_STATUS) when the status (STP state, or
 * stp_required) changed since the last call, else 0.
 */
static unsigned long pp_s390_tod_watch(void *priv)
{
	struct pp_s390 *ps = priv;
	enum ptp_pure_status st = pp_s390_status(pp_s390_stp_state());

	if (st == ps->last_status)
		return 0;
	ps->last_status = st;
	return BIT(PTP_PURE_EV_STATUS);
}

/**
 * pp_s390_phys_read() - &ptp_pure_ops.read of the physical clock
 * @priv: the backend state
 * @s: the sample to fill in: time and status (always freerunning)
 * @flags: %PTP_PURE_READ_* (ignored)
 *
 * Context: any; never sleeps.
 * Return: 0, -EIO if PTFF fails, -ERANGE for a value outside epochs 0-255
 * or before 1970.
 */
static int pp_s390_phys_read(void *priv, struct ptp_pure_sample *s,
			     unsigned int flags)
{
	u64 tod, phys = 0;
	u8 ei, pei;
	int ret;

	/* The epoch index of a TOD read just before the physical clock. */
	pp_s390_stcke(&ei, &tod);
	if (pp_s390_ptff(&phys, PP_S390_PTFF_QPT))
		return -EIO;
	ret = ptp_pure_tod_epoch_near(ei, tod, phys, &pei);
	if (ret)
		return ret;
	s->status = PTP_PURE_STATUS_FREERUNNING;
	s->valid |= PTP_PURE_VALID_STATUS;
	return pp_s390_set_time(s, pei, phys);
}

static const struct ptp_pure_ops pp_s390_tod_ops = {
	.read = pp_s390_tod_read,
	.watch = pp_s390_tod_watch,
};

static const struct ptp_pure_ops pp_s390_phys_ops = {
	.read = pp_s390_phys_read,
};

/*
 * What the "tod" clocksource counts: the TOD itself, or the TOD since
 * boot (tod_clock_base): kernels have done both, and a cross-timestamp
 * must carry the clocksource's own value.  Decided once, by comparing a
 * timekeeping snapshot's cycles with a TOD read right after it.
 */
static void pp_s390_detect_cs(struct pp_s390 *ps)
{
	struct system_time_snapshot snap;
	u64 tod;
	u8 ei;

	compat_ktime_get_snapshot(CLOCK_REALTIME, &snap);
	pp_s390_stcke(&ei, &tod);
	ps->cs_raw_diff = tod - snap.cycles;
	ps->cs_mono_diff = tod - tod_clock_base.tod - snap.cycles;
	ps->cs_monotonic = abs(ps->cs_mono_diff) < abs(ps->cs_raw_diff);
}

/* debugfs ptp_pure/ptpN/s390_tod: what the machine offers, for tests */
static int pp_s390_info_show(struct seq_file *m, void *unused)
{
	struct pp_s390 *ps = m->private;
	enum pp_s390_stp stp = pp_s390_stp_state();
	u64 tod;
	u8 ei;

	pp_s390_stcke(&ei, &tod);
	seq_printf(m, "facility 28 (TOD-clock steering): %s\n",
		   ps->facility28 ? "yes" : "no");
	seq_printf(m, "ptff qaf: cc %d, %16phN\n", ps->qaf_cc, ps->qaf);
	seq_printf(m, "ptff qpt: %s\n",
		   pp_s390_ptff_offers(ps, PP_S390_PTFF_QPT) ? "offered" : "not offered");
	seq_printf(m, "stp: %s\n", pp_s390_stp_names[stp]);
	seq_printf(m, "stp source: %s\n", PP_S390_STP_SOURCE);
	seq_printf(m, "stp_required: %d\n", READ_ONCE(stp_required));
	seq_printf(m, "stcke: epoch index %u, tod 0x%016llx\n", ei,
		   (unsigned long long)tod);
	seq_printf(m, "clocksource counts: %s (at load: tod - cycles %lld, tod - base - cycles %lld)\n",
		   ps->cs_monotonic ? "TOD - tod_clock_base" : "TOD",
		   (long long)ps->cs_raw_diff, (long long)ps->cs_mono_diff);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pp_s390_info);

static int __init pp_s390_init(void)
{
	struct ptp_pure_config cfg = {
		.name = PP_S390_STCKE_NAME,
		.ops = &pp_s390_tod_ops,
		.priv = &pp_s390,
		.flags = PTP_PURE_F_PAIRED | PTP_PURE_F_LONG_NAME,
		.counter = PTP_PURE_COUNTER_S390_TOD,
		.watch_ms = poll_ms,
	};
	struct pp_s390 *ps = &pp_s390;
	enum pp_s390_stp stp;

	ps->facility28 = test_facility(PP_S390_FAC_TOD_STEERING);
	ps->qaf_cc = -1;
	if (ps->facility28)
		ps->qaf_cc = pp_s390_ptff(ps->qaf, PP_S390_PTFF_QAF);
	stp = pp_s390_stp_state();
	ps->last_status = pp_s390_status(stp);
	pp_s390_detect_cs(ps);

	ps->tod = ptp_pure_register(NULL, &cfg);
	if (IS_ERR(ps->tod))
		return PTR_ERR(ps->tod);
	debugfs_create_file("s390_tod", 0444, ptp_pure_debugfs_dir(ps->tod),
			    ps, &pp_s390_info_fops);
	pr_info("%s: %s, stp_required=%d: status %s\n", PP_S390_STCKE_NAME,
		pp_s390_stp_names[stp], stp_required,
		ps->last_status == PTP_PURE_STATUS_UNRELIABLE ?
		"unreliable, reads fail with EIO until STP synchronises the clock" :
		"reads served");

	if (!pp_s390_ptff_offers(ps, PP_S390_PTFF_QPT)) {
		pr_info("%s: not registered: the machine does not offer PTFF query physical clock (%s)\n",
			PP_S390_PHYS_NAME,
			ps->facility28 ? "not in PTFF query available functions" :
			"no TOD-clock-steering facility");
		return 0;
	}
	cfg.name = PP_S390_PHYS_NAME;
	cfg.ops = &pp_s390_phys_ops;
	cfg.flags = PTP_PURE_F_LONG_NAME;
	cfg.counter = PTP_PURE_COUNTER_NONE;
	cfg.watch_ms = 0;
	ps->phys = ptp_pure_register(NULL, &cfg);
	if (IS_ERR(ps->phys)) {
		int ret = PTR_ERR(ps->phys);

		ptp_pure_unregister(ps->tod);
		return ret;
	}
	return 0;
}
module_init(pp_s390_init);

static void __exit pp_s390_exit(void)
{
	ptp_pure_unregister(pp_s390.phys);
	ptp_pure_unregister(pp_s390.tod);
}
module_exit(pp_s390_exit);

MODULE_DESCRIPTION("s390 TOD clocks (STCKE, physical) through ptp_pure_core");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
