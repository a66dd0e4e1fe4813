/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure.h - backend API of ptp_pure_core
 *
 * A "pure" PTP hardware clock is a clock that the platform or hypervisor
 * provides and that cannot be adjusted from the guest.  A backend only knows
 * how to read its device; ptp_pure_core turns that read primitive into a
 * complete /dev/ptpN: gettimex64, getcrosststamp when the device pairs its
 * time with a system counter, -EOPNOTSUPP for every adjustment, sysfs
 * attributes for the time scale, status, leap indicator and error bound,
 * events (disruption, VM generation, status and leap changes) and debugfs
 * statistics.
 */
#ifndef PTP_PURE_H
#define PTP_PURE_H

#include <linux/device.h>
#include <linux/module.h>
#include <linux/time64.h>
#include <linux/types.h>

struct dentry;
struct ptp_system_timestamp;

/**
 * enum ptp_pure_counter - system counter a sample is paired with
 * @PTP_PURE_COUNTER_NONE: the sample carries no counter value
 * @PTP_PURE_COUNTER_X86_TSC: x86 time stamp counter, as the guest reads it
 *	(the core converts it to kvm-clock when that is the clocksource)
 * @PTP_PURE_COUNTER_X86_KVM_CLOCK: kvm-clock nanoseconds, already converted
 *	by the backend
 * @PTP_PURE_COUNTER_S390_TOD: s390 64-bit TOD clock
 * @PTP_PURE_COUNTER_ARM_VIRT: arm64 virtual counter (CNTVCT)
 * @PTP_PURE_COUNTER_ARM_PHYS: arm64 physical counter (CNTPCT)
 * @PTP_PURE_COUNTER_NR: number of counter ids
 */
enum ptp_pure_counter {
	PTP_PURE_COUNTER_NONE = 0,
	PTP_PURE_COUNTER_X86_TSC,
	PTP_PURE_COUNTER_X86_KVM_CLOCK,
	PTP_PURE_COUNTER_S390_TOD,
	PTP_PURE_COUNTER_ARM_VIRT,
	PTP_PURE_COUNTER_ARM_PHYS,
	PTP_PURE_COUNTER_NR,
};

/**
 * enum ptp_pure_timescale - time scale of the device time
 * @PTP_PURE_TS_UTC: Coordinated Universal Time (POSIX seconds)
 * @PTP_PURE_TS_TAI: International Atomic Time
 */
enum ptp_pure_timescale {
	PTP_PURE_TS_UTC = 0,
	PTP_PURE_TS_TAI,
};

/**
 * enum ptp_pure_status - synchronisation status of a clock
 * @PTP_PURE_STATUS_UNKNOWN: the device says it does not know whether its
 *	time is valid (CLOCK_REALTIME is never set from it); a backend whose
 *	device reports no status leaves %PTP_PURE_VALID_STATUS clear instead
 * @PTP_PURE_STATUS_INITIALIZING: not yet synchronised, time may be wrong
 * @PTP_PURE_STATUS_SYNCHRONIZED: synchronised to a reference
 * @PTP_PURE_STATUS_HOLDOVER: lost its reference, keeps time within the
 *	error bound it reports (maintenance, a reference outage)
 * @PTP_PURE_STATUS_FREERUNNING: not steered by any reference
 * @PTP_PURE_STATUS_UNRELIABLE: time must not be used: the core fails clock
 *	reads with -EIO while the sysfs attributes still show the status
 * @PTP_PURE_STATUS_NR: number of status values
 *
 * The set of the PTP clock quality attributes proposed upstream
 * (PTP_SYS_OFFSET_*_ATTRS).  Backends map their device's own values.
 */
enum ptp_pure_status {
	PTP_PURE_STATUS_UNKNOWN = 0,
	PTP_PURE_STATUS_INITIALIZING,
	PTP_PURE_STATUS_SYNCHRONIZED,
	PTP_PURE_STATUS_HOLDOVER,
	PTP_PURE_STATUS_FREERUNNING,
	PTP_PURE_STATUS_UNRELIABLE,
	PTP_PURE_STATUS_NR,
};

/**
 * enum ptp_pure_leap - leap second indicator
 * @PTP_PURE_LEAP_NONE: no leap second announced
 * @PTP_PURE_LEAP_PRE_POS: a positive leap second at the end of the month
 * @PTP_PURE_LEAP_PRE_NEG: a negative leap second at the end of the month
 * @PTP_PURE_LEAP_POS: inside a positive leap second (23:59:60)
 * @PTP_PURE_LEAP_POST_POS: a positive leap second has just happened
 * @PTP_PURE_LEAP_POST_NEG: a negative leap second has just happened
 * @PTP_PURE_LEAP_NR: number of leap values
 */
enum ptp_pure_leap {
	PTP_PURE_LEAP_NONE = 0,
	PTP_PURE_LEAP_PRE_POS,
	PTP_PURE_LEAP_PRE_NEG,
	PTP_PURE_LEAP_POS,
	PTP_PURE_LEAP_POST_POS,
	PTP_PURE_LEAP_POST_NEG,
	PTP_PURE_LEAP_NR,
};

/* Bits of &struct ptp_pure_sample.valid: which optional fields are set. */
#define PTP_PURE_VALID_TAI_OFFSET	BIT(0)
#define PTP_PURE_VALID_LEAP		BIT(1)
#define PTP_PURE_VALID_STATUS		BIT(2)
#define PTP_PURE_VALID_ERROR_BOUND	BIT(3)

/**
 * struct ptp_pure_sample - one reading of a pure clock
 * @time: device time in @timescale; the only mandatory field
 * @counter: system counter value read at the same instant as @time
 * @counter_id: which counter @counter belongs to, or %PTP_PURE_COUNTER_NONE
 * @timescale: time scale of @time
 * @valid: %PTP_PURE_VALID_* bits for the fields below
 * @tai_offset: TAI - UTC in seconds (37 since 2017)
 * @leap: leap second indicator
 * @status: synchronisation status
 * @error_bound_ns: maximum error of @time in nanoseconds, rounded up
 * @sts: set by the core, read by the backend: for a clock registered with
 *	%PTP_PURE_F_OWN_STS, the system timestamps of the gettimex64 call this
 *	read serves; NULL for every other read
 *
 * The core zeroes the sample before every read, so a backend only fills in
 * what it knows.
 */
struct ptp_pure_sample {
	struct timespec64 time;
	u64 counter;
	enum ptp_pure_counter counter_id;
	enum ptp_pure_timescale timescale;
	unsigned int valid;
	s32 tai_offset;
	enum ptp_pure_leap leap;
	enum ptp_pure_status status;
	u64 error_bound_ns;
	struct ptp_system_timestamp *sts;
};

/*
 * Flags of &struct ptp_pure_ops.read: the reader wants the optional
 * information (sysfs); without it, a backend may skip computing what is
 * costly, such as the error bound.  Status and TAI offset are always needed.
 */
#define PTP_PURE_READ_INFO	BIT(0)

/**
 * enum ptp_pure_event - what can happen to a clock besides time passing
 * @PTP_PURE_EV_DISRUPTION: the clock jumped or its rate changed, e.g. after
 *	a live migration; earlier readings do not relate to later ones
 * @PTP_PURE_EV_GENERATION: the VM was restored from a snapshot or cloned
 * @PTP_PURE_EV_STATUS: the synchronisation status changed
 * @PTP_PURE_EV_LEAP: the leap indicator or the TAI offset changed
 * @PTP_PURE_EV_NR: number of event kinds
 */
enum ptp_pure_event {
	PTP_PURE_EV_DISRUPTION = 0,
	PTP_PURE_EV_GENERATION,
	PTP_PURE_EV_STATUS,
	PTP_PURE_EV_LEAP,
	PTP_PURE_EV_NR,
};

/**
 * struct ptp_pure_ops - what a backend implements
 * @read: read the device into @sample; @flags are %PTP_PURE_READ_* bits.
 *	Return 0 or a negative errno, which reaches userspace unchanged.
 *	Contexts: process context (clock_gettime(), the PTP ioctls, sysfs),
 *	concurrently on several CPUs; inside the timekeeping core's
 *	cross-timestamp callback, a sequence-count read section that may call
 *	it more than once for one request; with preemption disabled while the
 *	core converts a TSC sample to kvm-clock (the read then sits inside the
 *	pvclock version loop of the current CPU); and, on kernels that read a
 *	PHC for its virtual clocks under a spinlock, with interrupts disabled.
 *	So it must never sleep, must finish in bounded time (a device that
 *	does not answer is an error, not a wait), and may take only locks that
 *	are safe with interrupts disabled.  It always runs inside an RCU
 *	read-side section, never begins after ptp_pure_set_dead() returned,
 *	and never runs after ptp_pure_set_dead_sync() or
 *	ptp_pure_unregister() returned.  A read that finds the device gone
 *	may call ptp_pure_set_dead() and return -ENODEV.
 * @watch: optional.  Look at the device for events and return the
 *	%PTP_PURE_EV_* kinds that happened as BIT() flags.  Called by the core
 *	from a work item (process context, outside any RCU read-side section:
 *	it may sleep), never concurrently with itself: the state a watcher
 *	compares against is owned by this one context.  Runs every
 *	&ptp_pure_config.watch_ms and soon after ptp_pure_watch_now(); not
 *	after ptp_pure_set_dead(), which it may call itself (not
 *	ptp_pure_set_dead_sync(), which would wait for it).
 */
struct ptp_pure_ops {
	int (*read)(void *priv, struct ptp_pure_sample *sample,
		    unsigned int flags);
	unsigned long (*watch)(void *priv);
};

/* Longest clock name: what kernels before 5.14 can hold. */
#define PTP_PURE_NAME_MAX	15
/* Longest clock name with %PTP_PURE_F_LONG_NAME (5.14+ hold 31). */
#define PTP_PURE_LONG_NAME_MAX	31

/* Flags for &struct ptp_pure_config.flags */
/* The backend pairs its samples with a system counter (counter_id set). */
#define PTP_PURE_F_PAIRED	BIT(0)
/*
 * The backend takes gettimex64's system timestamps itself, as close to its
 * one device access as it can: ptp_read_system_prets(sample->sts) right
 * before and ptp_read_system_postts(sample->sts) right after it, in every
 * read that returns 0 (both accept NULL).  The core then takes none.  For
 * unpaired clocks, and paired ones when no zero-width window can be made.
 */
#define PTP_PURE_F_OWN_STS	BIT(1)
/*
 * The name may have up to %PTP_PURE_LONG_NAME_MAX characters where the
 * kernel holds them (5.14+; refused before): for names that existing
 * tooling knows from an in-tree driver, such as "s390 STCKE Clock".
 */
#define PTP_PURE_F_LONG_NAME	BIT(2)

/**
 * struct ptp_pure_config - description of a clock to register
 * @name: clock name shown in sysfs clock_name (udev matches on it); at most
 *	%PTP_PURE_NAME_MAX characters on every kernel (the limit before 5.14),
 *	or %PTP_PURE_LONG_NAME_MAX with %PTP_PURE_F_LONG_NAME where the kernel
 *	holds them; longer names are refused
 * @ops: backend operations
 * @priv: passed to @ops callbacks
 * @flags: %PTP_PURE_F_* flags
 * @counter: with %PTP_PURE_F_PAIRED, the counter the samples carry
 * @watch_ms: period of @ops->watch in milliseconds; 0 runs it only on
 *	ptp_pure_watch_now()
 */
struct ptp_pure_config {
	const char *name;
	const struct ptp_pure_ops *ops;
	void *priv;
	unsigned int flags;
	enum ptp_pure_counter counter;
	unsigned int watch_ms;
};

struct ptp_pure_clock;

struct ptp_pure_clock *__ptp_pure_register(struct device *parent,
					   const struct ptp_pure_config *cfg,
					   struct module *owner);
void ptp_pure_unregister(struct ptp_pure_clock *clk);
struct ptp_pure_clock *__devm_ptp_pure_register(struct device *parent,
						const struct ptp_pure_config *cfg,
						struct module *owner);
int ptp_pure_index(const struct ptp_pure_clock *clk);
void ptp_pure_event(struct ptp_pure_clock *clk, enum ptp_pure_event ev);
void ptp_pure_watch_now(struct ptp_pure_clock *clk);
void ptp_pure_set_dead(struct ptp_pure_clock *clk);
void ptp_pure_set_dead_sync(struct ptp_pure_clock *clk);
struct dentry *ptp_pure_debugfs_dir(struct ptp_pure_clock *clk);

/**
 * ptp_pure_register() - register a pure clock
 * @parent: device that the clock's devices are created under, or NULL for
 *	a clock of no particular device (it then lives in /sys/devices/)
 * @cfg: clock description; copied, need not outlive the call
 *
 * Return: the clock or an ERR_PTR().
 */
#define ptp_pure_register(parent, cfg) \
	__ptp_pure_register(parent, cfg, THIS_MODULE)

/**
 * devm_ptp_pure_register() - register a pure clock tied to @parent's driver
 * @parent: device whose unbind unregisters the clock; not NULL
 * @cfg: clock description; copied, need not outlive the call
 *
 * Return: the clock or an ERR_PTR().
 */
#define devm_ptp_pure_register(parent, cfg) \
	__devm_ptp_pure_register(parent, cfg, THIS_MODULE)

#endif /* PTP_PURE_H */
