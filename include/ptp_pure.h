/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure.h - backend API of ptp_pure_core
 *
 * A "pure" PTP hardware clock is a clock that the platform or hypervisor
 * provides and that cannot be adjusted from the guest.  A backend only knows
 * how to read its device; ptp_pure_core turns that read primitive into a
 * complete /dev/ptpN: gettimex64, getcrosststamp when the device pairs its
 * time with a system counter, -EOPNOTSUPP for every adjustment, and sysfs
 * attributes for the time scale, status, leap indicator and error bound.
 */
#ifndef PTP_PURE_H
#define PTP_PURE_H

#include <linux/device.h>
#include <linux/module.h>
#include <linux/time64.h>
#include <linux/types.h>

/**
 * enum ptp_pure_counter - system counter a sample is paired with
 * @PTP_PURE_COUNTER_NONE: the sample carries no counter value
 * @PTP_PURE_COUNTER_X86_TSC: x86 time stamp counter (as the guest sees it)
 * @PTP_PURE_COUNTER_S390_TOD: s390 64-bit TOD clock
 * @PTP_PURE_COUNTER_ARM_ARCH: arm64 architected counter (virtual)
 */
enum ptp_pure_counter {
	PTP_PURE_COUNTER_NONE = 0,
	PTP_PURE_COUNTER_X86_TSC,
	PTP_PURE_COUNTER_S390_TOD,
	PTP_PURE_COUNTER_ARM_ARCH,
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
 * enum ptp_pure_status - synchronisation status reported by the device
 * @PTP_PURE_STATUS_UNKNOWN: the device does not say
 * @PTP_PURE_STATUS_INITIALIZING: not yet synchronised, time may be wrong
 * @PTP_PURE_STATUS_SYNCHRONIZED: synchronised to a reference
 * @PTP_PURE_STATUS_FREERUNNING: was synchronised, now holding over
 * @PTP_PURE_STATUS_UNRELIABLE: time must not be used: the core fails clock
 *	reads with -EIO while the sysfs attributes still show the status
 *
 * The values match the vmclock ABI's clock_status.
 */
enum ptp_pure_status {
	PTP_PURE_STATUS_UNKNOWN = 0,
	PTP_PURE_STATUS_INITIALIZING,
	PTP_PURE_STATUS_SYNCHRONIZED,
	PTP_PURE_STATUS_FREERUNNING,
	PTP_PURE_STATUS_UNRELIABLE,
};

/**
 * enum ptp_pure_leap - leap second indicator
 * @PTP_PURE_LEAP_NONE: no leap second announced
 * @PTP_PURE_LEAP_PRE_POS: a positive leap second at the end of the month
 * @PTP_PURE_LEAP_PRE_NEG: a negative leap second at the end of the month
 * @PTP_PURE_LEAP_POS: inside a positive leap second (23:59:60)
 * @PTP_PURE_LEAP_POST_POS: a positive leap second has just happened
 * @PTP_PURE_LEAP_POST_NEG: a negative leap second has just happened
 *
 * The values match the vmclock ABI's leap_indicator.
 */
enum ptp_pure_leap {
	PTP_PURE_LEAP_NONE = 0,
	PTP_PURE_LEAP_PRE_POS,
	PTP_PURE_LEAP_PRE_NEG,
	PTP_PURE_LEAP_POS,
	PTP_PURE_LEAP_POST_POS,
	PTP_PURE_LEAP_POST_NEG,
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
 * @error_bound_ns: maximum error of @time in nanoseconds
 *
 * The core zeroes the sample before every read, so a backend only fills in
 * what it knows.  (It clears the fields one by one, in __ptp_pure_read():
 * a new field needs its line there.)
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
};

/*
 * Flags of &struct ptp_pure_ops.read: the reader wants the optional
 * information (sysfs); without it, a backend may skip computing what is
 * costly, such as the error bound.  Status and TAI offset are always needed.
 */
#define PTP_PURE_READ_INFO	BIT(0)

/**
 * struct ptp_pure_ops - what a backend implements
 * @read: read the device into @sample; @flags are %PTP_PURE_READ_* bits.
 *	Called in process context, possibly concurrently on several CPUs, and
 *	must not sleep for long.  Return 0 or a negative errno, which reaches
 *	userspace unchanged.
 */
struct ptp_pure_ops {
	int (*read)(void *priv, struct ptp_pure_sample *sample,
		    unsigned int flags);
};

/* Longest clock name: what kernels before 5.14 can hold. */
#define PTP_PURE_NAME_MAX	15

/* Flags for &struct ptp_pure_config.flags */
/* The backend pairs its samples with a system counter (counter_id set). */
#define PTP_PURE_F_PAIRED	BIT(0)

/**
 * struct ptp_pure_config - description of a clock to register
 * @name: clock name shown in sysfs clock_name (udev matches on it); at most
 *	%PTP_PURE_NAME_MAX characters on every kernel (the limit before 5.14);
 *	longer names are refused
 * @ops: backend operations
 * @priv: passed to @ops callbacks
 * @flags: %PTP_PURE_F_* flags
 */
struct ptp_pure_config {
	const char *name;
	const struct ptp_pure_ops *ops;
	void *priv;
	unsigned int flags;
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
int ptp_pure_uevent(struct ptp_pure_clock *clk, char *envp[]);

/**
 * ptp_pure_register() - register a pure clock
 * @parent: device that the PTP device is created under; must not be NULL
 * @cfg: clock description; copied, need not outlive the call
 *
 * Return: the clock or an ERR_PTR().
 */
#define ptp_pure_register(parent, cfg) \
	__ptp_pure_register(parent, cfg, THIS_MODULE)

/**
 * devm_ptp_pure_register() - register a pure clock tied to @parent's driver
 * @parent: device whose unbind unregisters the clock
 * @cfg: clock description; copied, need not outlive the call
 *
 * Return: the clock or an ERR_PTR().
 */
#define devm_ptp_pure_register(parent, cfg) \
	__devm_ptp_pure_register(parent, cfg, THIS_MODULE)

#endif /* PTP_PURE_H */
