/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure_internal.h - shared by the source files of ptp_pure_core only
 *
 * Not for backends: they use ptp_pure.h.
 */
#ifndef PTP_PURE_INTERNAL_H
#define PTP_PURE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "ptp_pure.h"

/* Distinct errnos counted one by one in debugfs; the rest as "other". */
#define PTP_PURE_ERRNO_SLOTS	8

/**
 * struct ptp_pure_errors - failed reads of one clock (debugfs)
 * @count: failed reads
 * @err: errnos seen, in order of first appearance
 * @err_count: failures per entry of @err
 * @err_other: failures with an errno that found no free slot
 * @last_err: errno of the last failure
 * @last_err_time: CLOCK_BOOTTIME of the last failure
 */
struct ptp_pure_errors {
	unsigned long count;
	int err[PTP_PURE_ERRNO_SLOTS];
	unsigned long err_count[PTP_PURE_ERRNO_SLOTS];
	unsigned long err_other;
	int last_err;
	ktime_t last_err_time;
};

/**
 * struct ptp_pure_clock - one registered clock
 * @dev: ptp_pureN, the PTP device's parent with the attributes
 * @info: the PTP core's description, per clock and writable
 * @ptp: the PTP core's clock
 * @ptp_dev: the PTP core's device, /sys/class/ptp/ptpN (alive while
 *	registered)
 * @log_dev: device named in log lines: the backend's, else @dev
 * @ops: backend operations
 * @priv: backend data for @ops
 * @id: N of ptp_pureN
 * @index: N of /dev/ptpN
 * @counter: counter the samples are paired with, or PTP_PURE_COUNTER_NONE
 * @scale: time scale served: PTP_PURE_TS_UTC, PTP_PURE_TS_TAI or
 *	PTP_PURE_TS_NATIVE (the device's own, whatever it reports)
 * @xts_target: clocksource the last cross-timestamp was made for, tried
 *	first by the next one
 * @own_sts: the backend takes gettimex64's system timestamps itself
 *	(%PTP_PURE_F_OWN_STS)
 * @dead: bit 0 set by ptp_pure_set_dead(): reads fail without calling
 *	@ops, the watch callback is not called again
 * @reads: per-CPU count of backend reads
 * @xts_ok: cross-timestamps made
 * @xts_failed: cross-timestamps that failed, e.g. for the clocksource
 * @err_lock: protects @errors; reads may run with interrupts off
 * @errors: failed reads
 * @ev_lock: protects @stopping against event sources in any context
 * @stopping: unregistration has begun: no more work is queued
 * @ev_count: events per kind
 * @ev_pending: kinds not yet announced
 * @ev_work: announces events
 * @watch_ms: period of @watch_work
 * @watch_work: runs @ops->watch
 * @debugfs: the clock's debugfs directory, or an ERR_PTR()/NULL
 * @rt_node: entry in the list of clocks that may set CLOCK_REALTIME
 * @rt_told: why this clock cannot set CLOCK_REALTIME was logged
 */
struct ptp_pure_clock {
	struct device dev;
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
	struct device *ptp_dev;
	struct device *log_dev;
	const struct ptp_pure_ops *ops;
	void *priv;
	int id;
	int index;
	enum ptp_pure_counter counter;
	int scale;
	int xts_target;
	bool own_sts;
	unsigned long dead;
	unsigned long __percpu *reads;
	atomic_long_t xts_ok;
	atomic_long_t xts_failed;
	raw_spinlock_t err_lock;	/* see above */
	struct ptp_pure_errors errors;
	raw_spinlock_t ev_lock;	/* see above; taken in hard interrupt context */
	bool stopping;
	atomic_long_t ev_count[PTP_PURE_EV_NR];
	unsigned long ev_pending;
	struct work_struct ev_work;
	unsigned int watch_ms;
	struct delayed_work watch_work;
	struct dentry *debugfs;
	struct list_head rt_node;
	bool rt_told;
};

#define to_pure_clock(pi) container_of(pi, struct ptp_pure_clock, info)
#define dev_to_pure_clock(d) container_of(d, struct ptp_pure_clock, dev)

/* The clock's time in UTC against CLOCK_REALTIME (ptp_pure_core.c) */
int ptp_pure_utc_offset(struct ptp_pure_clock *clk, struct ptp_pure_sample *s,
			s64 *offset_ns, unsigned int reads, u64 *window_ns);
extern const char * const ptp_pure_status_names[];
extern struct dentry *ptp_pure_debugfs_root;

/* Setting CLOCK_REALTIME from the clocks (ptp_pure_realtime.c) */
int ptp_pure_rt_init(void);
void ptp_pure_rt_exit(void);
void ptp_pure_rt_add(struct ptp_pure_clock *clk);
void ptp_pure_rt_remove(struct ptp_pure_clock *clk);
void ptp_pure_rt_event(struct ptp_pure_clock *clk, enum ptp_pure_event ev);

#endif /* PTP_PURE_INTERNAL_H */
