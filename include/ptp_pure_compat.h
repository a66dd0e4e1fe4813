/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptp_pure_compat.h - absorb kernel API drift between 5.10 and the newest 7.x
 *
 * The modules are written against the newest kernel API.  Everything older
 * kernels lack is shimmed here, decided by compile probes (conftest/, results
 * in the generated ptp_pure_config.h), by macro existence and by
 * __has_include - never by version numbers, which are wrong for distribution
 * kernels with backports.  The one version check, the supported floor, is
 * a probe too.
 */
#ifndef PTP_PURE_COMPAT_H
#define PTP_PURE_COMPAT_H

#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/ptp_clock_kernel.h>
#include "ptp_pure_config.h"

/* The supported floor, the one version check (conftest/probes/kernel_floor.c) */
#ifndef HAVE_KERNEL_FLOOR
#error "ptp-pure supports Linux 5.10 and newer"
#endif

#ifdef HAVE_CLOCKSOURCE_IDS_H
#include <linux/clocksource_ids.h>
#endif

#ifndef PTP_CLOCK_NAME_LEN
#define PTP_CLOCK_NAME_LEN	16	/* before 5.14 the name array was 16 */
#endif

/*
 * Timekeeping snapshots.  7.2 replaced ktime_get_snapshot() by
 * ktime_get_snapshot_id(clockid, snap) and renamed the fields.
 */
#ifdef HAVE_KTIME_GET_SNAPSHOT_ID
#define compat_ktime_get_snapshot(clkid, snap) ktime_get_snapshot_id(clkid, snap)
#define compat_snap_real(snap)	((snap)->systime)	/* for CLOCK_REALTIME */
#define compat_snap_raw(snap)	((snap)->monoraw)
#else
#define compat_ktime_get_snapshot(clkid, snap) ktime_get_snapshot(snap)
#define compat_snap_real(snap)	((snap)->real)
#define compat_snap_raw(snap)	((snap)->raw)
#endif

/* The system clock a PTP_SYS_OFFSET_EXTENDED caller asked for (6.11+). */
#ifdef HAVE_PTP_STS_CLOCKID
#define compat_sts_clockid(sts)	((sts)->clockid)
#else
#define compat_sts_clockid(sts)	CLOCK_REALTIME
#endif

/* Ask a cross-timestamp for a particular system clock (7.2+). */
static inline void compat_xts_request(struct system_device_crosststamp *xts,
				      clockid_t clkid)
{
#ifdef HAVE_XTSTAMP_CLOCK_ID
	xts->clock_id = clkid;
#endif
}

/**
 * compat_xts_systime() - system time of a cross-timestamp for a clock id
 * @xts: a completed cross-timestamp
 * @clkid: the system clock wanted
 * @t: result
 *
 * Return: true if @xts holds the time of @clkid.
 */
static inline bool compat_xts_systime(const struct system_device_crosststamp *xts,
				      clockid_t clkid, ktime_t *t)
{
	if (clkid == CLOCK_MONOTONIC_RAW) {
		*t = xts->sys_monoraw;
		return true;
	}
#ifdef HAVE_XTSTAMP_CLOCK_ID
	if (clkid == xts->clock_id) {
		*t = xts->sys_systime;
		return true;
	}
#else
	if (clkid == CLOCK_REALTIME) {
		*t = xts->sys_realtime;
		return true;
	}
#endif
	return false;
}

/*
 * Replace both system timestamps of a gettimex64() call by one instant.
 * From 7.2 they are full snapshots, taken by ptp_read_system_prets/postts();
 * only their time values are overwritten so everything else stays valid.
 */
static inline void compat_sts_set(struct ptp_system_timestamp *sts, ktime_t t)
{
#ifdef HAVE_PTP_STS_SNAPSHOT
	sts->pre_sts.systime = t;
	sts->post_sts.systime = t;
#else
	sts->pre_ts = ktime_to_timespec64(t);
	sts->post_ts = sts->pre_ts;
#endif
}

/* Both system timestamps of a gettimex64() call, as ktime. */
static inline void compat_sts_get(const struct ptp_system_timestamp *sts,
				  ktime_t *pre, ktime_t *post)
{
#ifdef HAVE_PTP_STS_SNAPSHOT
	*pre = sts->pre_sts.systime;
	*post = sts->post_sts.systime;
#else
	*pre = timespec64_to_ktime(sts->pre_ts);
	*post = timespec64_to_ktime(sts->post_ts);
#endif
}

/*
 * System counters that a cross-timestamp can be expressed in.  The kernel
 * names them by clocksource id from 6.9 and by clocksource pointer before;
 * before 6.9 only kvm-clock is reachable from a module (its struct
 * clocksource was exported; the TSC's never was).
 */
enum compat_syscounter {
	COMPAT_SC_UNKNOWN = 0,
	COMPAT_SC_X86_TSC,
	COMPAT_SC_X86_TSC_EARLY,
	COMPAT_SC_X86_KVM_CLK,
	COMPAT_SC_S390_TOD,
	COMPAT_SC_ARM_ARCH,
};

/*
 * The timekeeping notifier and the timekeeper fields that realtime= judges
 * NTP steering by (conftest/probes/timekeeper_ntp_tick.c): without both, no
 * mode that sets the clock is offered.
 */
#include <linux/notifier.h>
#if defined(HAVE_TIMEKEEPER_NTP_TICK) && \
	defined(HAVE_EXPORT_PVCLOCK_GTOD_REGISTER_NOTIFIER)
#include <linux/pvclock_gtod.h>
#include <linux/timekeeper_internal.h>

static inline int compat_gtod_register(struct notifier_block *nb)
{
	return pvclock_gtod_register_notifier(nb);
}

static inline void compat_gtod_unregister(struct notifier_block *nb)
{
	pvclock_gtod_unregister_notifier(nb);
}

/* The NTP tick length and clocksource change count of @priv's timekeeper. */
static inline void compat_gtod_tk(const void *priv, u64 *ntp_tick, u8 *cs_seq)
{
	const struct timekeeper *tk = priv;

	*ntp_tick = tk->ntp_tick;
	*cs_seq = tk->cs_was_changed_seq;
}
#else
static inline int compat_gtod_register(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline void compat_gtod_unregister(struct notifier_block *nb)
{
}

static inline void compat_gtod_tk(const void *priv, u64 *ntp_tick, u8 *cs_seq)
{
	*ntp_tick = 0;
	*cs_seq = 0;
}
#endif

#if defined(CONFIG_X86) && IS_ENABLED(CONFIG_KVM_GUEST) && \
	defined(HAVE_EXPORT_HV_CLOCK_PER_CPU)
#define COMPAT_HAVE_KVMCLOCK_CONVERSION 1
#include <asm/pvclock.h>
#include <asm/kvmclock.h>
#endif

/* Whether this machine runs kvm-clock's pvclock pages (a KVM guest). */
static inline bool compat_kvmclock_present(void)
{
#ifdef COMPAT_HAVE_KVMCLOCK_CONVERSION
	return !!this_cpu_hvclock();
#else
	return false;
#endif
}

/**
 * compat_set_syscounter() - fill a system counter value for a crosststamp
 * @sc: system counter value handed to get_device_system_crosststamp()
 * @cycles: counter value
 * @which: the counter @cycles belongs to
 *
 * Return: 0, or -EOPNOTSUPP if this kernel cannot express @which.
 */
static inline int compat_set_syscounter(struct system_counterval_t *sc,
					u64 cycles, enum compat_syscounter which)
{
	sc->cycles = cycles;
#ifdef HAVE_COUNTERVAL_USE_NSECS
	sc->use_nsecs = false;
#endif
#ifdef HAVE_COUNTERVAL_CS_ID
	switch (which) {
#ifdef HAVE_CSID_X86
	case COMPAT_SC_X86_TSC:
		sc->cs_id = CSID_X86_TSC;
		return 0;
	case COMPAT_SC_X86_TSC_EARLY:
		sc->cs_id = CSID_X86_TSC_EARLY;
		return 0;
	case COMPAT_SC_X86_KVM_CLK:
		sc->cs_id = CSID_X86_KVM_CLK;
		return 0;
#endif
#ifdef HAVE_CSID_S390_TOD
	case COMPAT_SC_S390_TOD:
		sc->cs_id = CSID_S390_TOD;
		return 0;
#endif
#ifdef HAVE_CSID_ARM_ARCH_COUNTER
	case COMPAT_SC_ARM_ARCH:
		sc->cs_id = CSID_ARM_ARCH_COUNTER;
		return 0;
#endif
	default:
		return -EOPNOTSUPP;
	}
#elif defined(HAVE_COUNTERVAL_CS) && defined(HAVE_EXPORT_KVM_CLOCK) && \
	defined(COMPAT_HAVE_KVMCLOCK_CONVERSION)
	if (which == COMPAT_SC_X86_KVM_CLK) {
		sc->cs = &kvm_clock;
		return 0;
	}
	return -EOPNOTSUPP;
#else
	return -EOPNOTSUPP;
#endif
}

/* hrtimer_setup() replaced hrtimer_init() and the .function store in 6.13. */
#ifdef HAVE_HRTIMER_SETUP
#define compat_hrtimer_setup(t, fn, clk, mode) hrtimer_setup(t, fn, clk, mode)
#else
#include <linux/hrtimer.h>
static inline void compat_hrtimer_setup(struct hrtimer *t,
					enum hrtimer_restart (*fn)(struct hrtimer *),
					clockid_t clk, enum hrtimer_mode mode)
{
	hrtimer_init(t, clk, mode);
	t->function = fn;
}
#endif

/* vm_flags became private to helpers in 6.3. */
#ifdef HAVE_VM_FLAGS_CLEAR
#define compat_vm_flags_clear(vma, flags) vm_flags_clear(vma, flags)
#else
#define compat_vm_flags_clear(vma, flags) ((vma)->vm_flags &= ~(flags))
#endif

/*
 * Whether the guest's memory is encrypted (SEV, TDX), so that memory shared
 * with the hypervisor must be made decrypted.  cc_platform_has() came in
 * 5.16 (backported to some 5.10 kernels); mem_encrypt_active() before it.
 */
#ifdef HAVE_CC_PLATFORM_HAS
#include <linux/cc_platform.h>
#define compat_guest_mem_encrypted() cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)
#else
#include <linux/mem_encrypt.h>
#define compat_guest_mem_encrypted() mem_encrypt_active()
#endif

/* cpuid() moved from <asm/processor.h> to <asm/cpuid/api.h> (7.x). */
#ifdef CONFIG_X86
#ifdef HAVE_CPUID_API_H
#include <asm/cpuid/api.h>
#else
#include <asm/processor.h>
#endif
#endif

/*
 * VMware backdoor calls, for modules that define PTP_PURE_COMPAT_VMWARE
 * before including this header.  From 6.12 the kernel's inline helpers
 * (vmware_hypercall3() and friends) make the call: port I/O, VMCALL or
 * VMMCALL as the kernel detected at boot, or the TDX path.  Before 6.12
 * the header has only the instruction sequence, VMWARE_HYPERCALL: the
 * same alternatives (IN from the port, patched to VMCALL or VMMCALL by
 * X86_FEATURE_VMCALL and X86_FEATURE_VMW_VMMCALL, which the kernel's
 * VMware detection sets), so ours picks the mode the kernel uses.  The
 * host may write any of EAX..EDI: all six are outputs of our call.
 */
#if defined(CONFIG_X86) && defined(PTP_PURE_COMPAT_VMWARE)
#include <asm/cpufeature.h>
#include <asm/unwind_hints.h>
#include <asm/vmware.h>
#include "ptp_pure_vmw_abi.h"

#ifdef HAVE_VMWARE_HYPERCALL3
#define compat_vmware_hypercall3(cmd, in1, out1, out2) \
	vmware_hypercall3(cmd, in1, out1, out2)
#else
static inline unsigned long compat_vmware_hypercall3(unsigned long cmd,
						     unsigned long in1,
						     u32 *out1, u32 *out2)
{
	unsigned long ax, bx, cx, dx, si, di;

	asm volatile (VMWARE_HYPERCALL
		      : "=a" (ax), "=b" (bx), "=c" (cx), "=d" (dx),
			"=S" (si), "=D" (di)
		      : "a" (PTP_PURE_VMW_MAGIC), "b" (in1), "c" (cmd), "d" (0)
		      : "cc", "memory");
	*out1 = bx;
	*out2 = cx;
	return ax;
}
#endif
#endif

#endif /* PTP_PURE_COMPAT_H */
