// SPDX-License-Identifier: GPL-2.0
/*
 * vmclock-emu - serve a live vmclock page to a QEMU guest from the host
 *
 * QEMU runs the guest with its RAM in a shared file; this program maps the
 * file and keeps a vmclock structure (include/ptp_pure_vmclock_abi.h) up to
 * date at one guest physical address: the host's CLOCK_REALTIME (UTC, or TAI
 * = UTC + tai_offset_sec) paired with the guest's TSC, and the TSC period.
 * An SSDT (vmclock.asl) declares the page to the guest as an ACPI vmclock
 * device.  See README.md in this directory for the setup and the commands.
 *
 * Guest TSC domain: under TCG the guest TSC is the host TSC minus the host
 * TSC at the moment QEMU started the virtual CPUs (plus whatever the guest
 * writes to the TSC MSR).  The offset is taken from a "cont" QMP command
 * that this program sends itself (--qmp, QEMU started with -S), and is
 * measured by the guest with the "tscsync" command, a ping-pong in guest
 * memory (tscsync.h, tscsync.c).
 *
 * arm64 guests (--arm-vcnt PERIOD_NS): the page carries the arm virtual
 * counter instead.  Under TCG, QEMU derives it from its virtual clock, which
 * is the host's CLOCK_MONOTONIC counted from the start of the virtual CPUs
 * (stopped while the guest is paused), in whole counter periods (16 ns at
 * the 62.5 MHz of QEMU 7.2): the "host counter" is then CLOCK_MONOTONIC
 * divided by that period, and everything else stays as for the TSC (the
 * offset from "cont", refined by tscsync whose arm64 guest side reads
 * CNTVCT_EL0).  --ram-base is the guest physical address of the RAM file's
 * first byte (0x40000000 on -M virt) for tscsync's mailbox address.
 *
 * Notifications (--doorbell SOCKET): after every update that leaves a new
 * even seq_count on a page with NOTIFICATION_PRESENT, one byte goes to a
 * QEMU chardev socket whose guest device (a virtio console on its own
 * virtio-mmio transport) then raises its interrupt; the vmclock devicetree
 * node names the same interrupt line, so the vmclock driver's handler runs
 * as a real interrupt raised from the host ("doorbell off" stops it).
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude \
 *	     -o vmclock-emu tests/emu/vmclock-emu.c
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu-log.h"
#include "ptp_pure_vmclock_abi.h"
#include "ptp_pure_math.h"
#include "tscsync.h"

#if !defined(__x86_64__)
#error "vmclock-emu serves an x86 TSC page and needs an x86_64 host"
#endif

#define PAGE_SZ			4096
#define NSEC_PER_SEC		1000000000LL
#define DEFAULT_TAI_OFFSET	37
#define DEFAULT_STEP_MS		5
#define WAIT_FILE_SEC		60	/* for the RAM file and the sockets */
#define TSYNC_ROUND_TIMEOUT_NS	(2 * NSEC_PER_SEC)
#define LINE_MAX_LEN		512

_Static_assert(sizeof(struct pp_vmclock_abi) == 0x70, "vmclock ABI size");

enum scenario {
	SC_STEADY, SC_TAI, SC_TAI_NOOFFSET, SC_UTC_NOOFFSET,
	SC_LEAP_PENDING, SC_LEAP_INPROGRESS, SC_MONOTONIC,
};

static const char *const scenario_names[] = {
	[SC_STEADY] = "steady", [SC_TAI] = "tai",
	[SC_TAI_NOOFFSET] = "tai-nooffset", [SC_UTC_NOOFFSET] = "utc-nooffset",
	[SC_LEAP_PENDING] = "leap-pending",
	[SC_LEAP_INPROGRESS] = "leap-inprogress",
	[SC_MONOTONIC] = "monotonic",
};

enum brk {
	BRK_NONE, BRK_MAGIC, BRK_VERSION, BRK_SIZE, BRK_COUNTER,
	BRK_COUNTER_ARM, BRK_PERIOD, BRK_TYPE, BRK_TYPE_SMEARED, BRK_SHIFT,
	BRK_SIZE_NOERR,
};

static const char *const brk_names[] = {
	[BRK_NONE] = "none", [BRK_MAGIC] = "magic", [BRK_VERSION] = "version",
	[BRK_SIZE] = "size", [BRK_COUNTER] = "counter",
	[BRK_COUNTER_ARM] = "counter-arm", [BRK_PERIOD] = "period",
	[BRK_TYPE] = "type", [BRK_TYPE_SMEARED] = "type-smeared",
	[BRK_SHIFT] = "shift", [BRK_SIZE_NOERR] = "size-noerr",
};

enum off_src { OFF_GUESS, OFF_OPTION, OFF_QMP, OFF_TSCSYNC };

static const char *const off_src_names[] = {
	[OFF_GUESS] = "guess", [OFF_OPTION] = "option", [OFF_QMP] = "qmp-cont",
	[OFF_TSCSYNC] = "tscsync",
};

/* One reading of a clock bracketed by two TSC reads. */
struct sample {
	uint64_t tsc;		/* midpoint of the bracket */
	uint64_t hw;		/* half width of the bracket, ticks */
	int64_t ns;		/* the clock, ns */
};

struct stat_acc {
	uint64_t n;
	double sum, min, max;
};

struct emu {
	/* configuration */
	const char *mem_path, *ctl_path, *qmp_path;
	bool unlink_mem;
	uint64_t addr;
	unsigned int hz;
	/* guest memory */
	uint8_t *mem;
	size_t mem_size;
	volatile struct pp_vmclock_abi *page;
	/* what the page says */
	enum scenario scenario;
	enum brk brk;
	bool stalled;
	int status_override, leap_override;	/* -1: scenario default */
	uint64_t flags_set, flags_clear;
	int tai_offset;		/* TAI - UTC */
	bool tai_negated;	/* the page says UTC - TAI (tai-sign negated) */
	int64_t step_ns;
	/* host time slewed by slew_ppm since slew_t0 (CLOCK_REALTIME ns) */
	long double slew_ppm;
	int64_t slew_t0, slew_acc_ns;
	uint64_t disruption_marker, vm_gen;
	uint32_t seq;
	bool last_valid;		/* last published time, for monotonic */
	struct pp_vmclock_abi last;
	/* arm64: host counter = CLOCK_MONOTONIC / arm_period_ns (0: TSC) */
	int64_t arm_period_ns;
	uint64_t ram_base;
	/* notifications: a chardev socket that raises the guest's interrupt */
	const char *bell_path;
	int bell_fd;
	bool bell_off;
	uint64_t rings;
	/* guest TSC = host TSC + tsc_offset */
	int64_t tsc_offset;
	uint64_t offset_err;		/* ticks; the offset may be this much higher */
	enum off_src off_src;
	/* calibration against CLOCK_MONOTONIC_RAW */
	struct sample cal0;
	long double freq;		/* host TSC Hz */
	long double freq_relerr;
	long double rt_rate;		/* CLOCK_REALTIME seconds per raw second */
	/* channels (qmp_fd: kept open after "cont" for "pause") */
	int ctl_fd, sig_fd, qmp_fd;
	char line[LINE_MAX_LEN];
	size_t line_len;
	bool line_overflow;
	/* statistics */
	struct stat_acc st_write, st_update, st_check;
	uint64_t updates;
	bool quit;
};

static struct emu E = {
	.hz = 10, .status_override = -1, .leap_override = -1,
	.tai_offset = DEFAULT_TAI_OFFSET, .ctl_fd = -1, .sig_fd = -1, .bell_fd = -1,
	.qmp_fd = -1,
	.disruption_marker = 1,
};

/* What the slew ("slew PPM") adds to host time at CLOCK_REALTIME @rt_ns. */
static int64_t slew_ns(int64_t rt_ns)
{
	return E.slew_acc_ns +
	       (int64_t)((long double)(rt_ns - E.slew_t0) * E.slew_ppm / 1e6L);
}

/* ------------------------------------------------------------ utilities */


static int64_t mono_ns(void);

/*
 * The host counter that the guest's counter follows: the TSC, or for arm64
 * guests CLOCK_MONOTONIC in units of the virtual counter's period.
 */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	if (E.arm_period_ns)
		return (uint64_t)mono_ns() / (uint64_t)E.arm_period_ns;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
	return ts_ns(&ts);
}

/* Leave cleanly on SIGTERM/SIGINT/SIGHUP while waiting outside the main loop. */
static void check_signals(void)
{
	struct signalfd_siginfo si;

	if (E.sig_fd >= 0 && read(E.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		logmsg("signal %u: exiting", si.ssi_signo);
		exit(0);
	}
}

/* Read @id between two TSC reads; keep the narrowest of a few tries. */
static void sample_clock(clockid_t id, struct sample *s)
{
	struct timespec ts;
	uint64_t a, b;
	int i;

	s->hw = UINT64_MAX;
	for (i = 0; i < 5; i++) {
		a = rdtsc_ordered();
		if (clock_gettime(id, &ts))
			die("clock_gettime(%d): %s", (int)id, strerror(errno));
		b = rdtsc_ordered();
		if ((b - a) / 2 < s->hw) {
			s->hw = (b - a) / 2;
			s->tsc = a + (b - a) / 2;
			s->ns = ts_ns(&ts);
		}
	}
}

static double ticks_to_ns(uint64_t ticks)
{
	return E.freq > 0 ? (double)(ticks * 1e9L / E.freq) : 0;
}

static void stat_add(struct stat_acc *s, double v)
{
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->sum += v;
	s->n++;
}

static void stat_fmt(char *buf, size_t len, const char *name,
		     const struct stat_acc *s)
{
	if (!s->n)
		snprintf(buf, len, "%s=none", name);
	else
		snprintf(buf, len, "%s_ns=%.0f/%.0f/%.0f", name, s->min,
			 s->sum / s->n, s->max);
}

/* ------------------------------------------------------------ calibration */

/* Rate of CLOCK_REALTIME against CLOCK_MONOTONIC_RAW from the NTP state. */
static void read_rt_rate(void)
{
	struct timex tx = { 0 };
	long user_hz = sysconf(_SC_CLK_TCK);
	long double tick_nominal;

	if (adjtimex(&tx) < 0)
		die("adjtimex: %s", strerror(errno));
	tick_nominal = 1e6L / (user_hz > 0 ? user_hz : 100);
	E.rt_rate = ((long double)tx.tick / tick_nominal) *
		    (1.0L + (long double)tx.freq / 65536.0L / 1e6L);
}

/* Refine the TSC frequency from the first raw sample to a new one. */
static void calibrate(void)
{
	struct sample s;
	long double dt_ns;

	sample_clock(CLOCK_MONOTONIC_RAW, &s);
	dt_ns = (long double)(s.ns - E.cal0.ns);
	if (dt_ns < 1e6L)
		return;
	E.freq = (long double)(s.tsc - E.cal0.tsc) * 1e9L / dt_ns;
	/* Both brackets plus 1 ns of clock resolution at each end. */
	E.freq_relerr = (long double)(E.cal0.hw + s.hw) / (s.tsc - E.cal0.tsc) +
			2.0L / dt_ns;
	read_rt_rate();
}

static void calibrate_initial(void)
{
	struct timespec d = { 0, 200 * 1000 * 1000 };

	sample_clock(CLOCK_MONOTONIC_RAW, &E.cal0);
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	calibrate();
	if (E.freq < 1e7L)
		die("TSC calibration failed (%.0Lf Hz)", E.freq);
	logmsg("host TSC %.6Lf MHz (+-%.3Lf ppm after 200 ms), realtime rate %.9Lf",
	       E.freq / 1e6L, E.freq_relerr * 1e6L, E.rt_rate);
}

/* ------------------------------------------------------------ the page */

static uint8_t scenario_type(void)
{
	switch (E.scenario) {
	case SC_TAI:
	case SC_TAI_NOOFFSET:
		return PP_VMCLOCK_TIME_TAI;
	default:
		return PP_VMCLOCK_TIME_UTC;
	}
}

static uint8_t scenario_leap(void)
{
	if (E.leap_override >= 0)
		return (uint8_t)E.leap_override;
	if (E.scenario == SC_LEAP_PENDING)
		return PP_VMCLOCK_LEAP_PRE_POS;
	if (E.scenario == SC_LEAP_INPROGRESS)
		return PP_VMCLOCK_LEAP_POS;
	return PP_VMCLOCK_LEAP_NONE;
}

static uint64_t scenario_flags(void)
{
	uint64_t f = PP_VMCLOCK_FLAG_PERIOD_ESTERROR_VALID |
		     PP_VMCLOCK_FLAG_PERIOD_MAXERROR_VALID |
		     PP_VMCLOCK_FLAG_TIME_ESTERROR_VALID |
		     PP_VMCLOCK_FLAG_TIME_MAXERROR_VALID |
		     PP_VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT;

	if (E.scenario != SC_TAI_NOOFFSET && E.scenario != SC_UTC_NOOFFSET)
		f |= PP_VMCLOCK_FLAG_TAI_OFFSET_VALID;
	if (E.scenario == SC_MONOTONIC)
		f |= PP_VMCLOCK_FLAG_TIME_MONOTONIC;
	return (f | E.flags_set) & ~E.flags_clear;
}

/* 128-bit comparison of two published (sec, frac) times. */
static int time_cmp(uint64_t s1, uint64_t f1, uint64_t s2, uint64_t f2)
{
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	if (f1 != f2)
		return f1 < f2 ? -1 : 1;
	return 0;
}

/* Time the last published page gives for @counter, as (sec, frac). */
static bool last_time_at(uint64_t counter, uint64_t *sec, uint64_t *frac)
{
	const struct pp_vmclock_abi *p = &E.last;
	unsigned __int128 t;
	unsigned int shift = p->counter_period_shift;
	uint64_t delta = counter - le64toh(p->counter_value);

	if ((int64_t)delta < 0 || shift > 127)
		return false;
	t = (unsigned __int128)delta * le64toh(p->counter_period_frac_sec);
	t >>= shift;
	t += le64toh(p->time_frac_sec);
	*sec = le64toh(p->time_sec) + (uint64_t)(t >> 64);
	*frac = (uint64_t)t;
	return true;
}

/* Build the page contents for "now" into @p. */
static void build_page(struct pp_vmclock_abi *p, const struct sample *rt)
{
	long double period;
	unsigned int shift = 0;
	int64_t t_ns, sec, nsec;
	uint64_t frac, maxerr, esterr, guest_tsc;
	long double per_err;
	uint8_t type = scenario_type();
	bool tai_valid;

	memset(p, 0, sizeof(*p));
	p->magic = htole32(PP_VMCLOCK_MAGIC);
	p->size = htole32(PAGE_SZ);
	p->version = htole16(PP_VMCLOCK_VERSION);
	p->counter_id = E.arm_period_ns ? PP_VMCLOCK_COUNTER_ARM_VCNT :
					  PP_VMCLOCK_COUNTER_X86_TSC;
	p->time_type = type;
	p->disruption_marker = htole64(E.disruption_marker);
	p->flags = htole64(scenario_flags());
	tai_valid = le64toh(p->flags) & PP_VMCLOCK_FLAG_TAI_OFFSET_VALID;
	p->clock_status = E.status_override >= 0 ? (uint8_t)E.status_override :
			  PP_VMCLOCK_STATUS_SYNCHRONIZED;
	p->leap_second_smearing_hint = 0;
	p->tai_offset_sec = htole16((uint16_t)(int16_t)(!tai_valid ? 0 :
				    E.tai_negated ? -E.tai_offset : E.tai_offset));
	p->leap_indicator = scenario_leap();

	/*
	 * Period in units of 2^-(64 + shift) s: the largest shift that keeps
	 * it below 2^64, i.e. 2^shift <= f, gives 63-64 significant bits.
	 */
	while (shift < 63 &&
	       (long double)(1ULL << (shift + 1)) <= E.freq / E.rt_rate)
		shift++;
	period = 18446744073709551616.0L * (long double)(1ULL << shift) *
		 E.rt_rate * (1.0L + E.slew_ppm / 1e6L) / E.freq;
	if (period >= 18446744073709551616.0L)
		period = 18446744073709551615.0L;
	p->counter_period_shift = (uint8_t)shift;
	p->counter_period_frac_sec = htole64((uint64_t)period);
	/* Estimated rate error: the calibration; maximum: 10x that + 0.1 ppm. */
	per_err = period * E.freq_relerr;
	p->counter_period_esterror_rate_frac_sec = htole64((uint64_t)per_err + 1);
	p->counter_period_maxerror_rate_frac_sec =
		htole64((uint64_t)(per_err * 10 + period * 1e-7L) + 1);

	/* Time at the sample, in the page's time scale. */
	guest_tsc = rt->tsc + (uint64_t)E.tsc_offset;
	t_ns = rt->ns + E.step_ns + slew_ns(rt->ns);
	if (type == PP_VMCLOCK_TIME_TAI)
		t_ns += (int64_t)E.tai_offset * NSEC_PER_SEC;
	sec = t_ns / NSEC_PER_SEC;
	nsec = t_ns % NSEC_PER_SEC;
	if (nsec < 0) {
		nsec += NSEC_PER_SEC;
		sec--;
	}
	frac = (uint64_t)(((unsigned __int128)nsec << 64) / NSEC_PER_SEC);
	p->counter_value = htole64(guest_tsc);
	p->time_sec = htole64((uint64_t)sec);
	p->time_frac_sec = htole64(frac);

	/*
	 * Errors of the mapping to the host's CLOCK_REALTIME (the host's own
	 * error against UTC is not known here): the bracket of the sample,
	 * the uncertainty of the TSC offset, 1 ns of rounding.
	 */
	esterr = (uint64_t)ticks_to_ns(rt->hw + E.offset_err / 2) + 1;
	maxerr = (uint64_t)ticks_to_ns(rt->hw + E.offset_err) + 1000;
	p->time_esterror_nanosec = htole64(esterr);
	p->time_maxerror_nanosec = htole64(maxerr);
	p->vm_generation_counter = htole64(E.vm_gen);

	/* Monotonic promise: never go back against the previous update. */
	if (E.scenario == SC_MONOTONIC && E.last_valid &&
	    E.last.disruption_marker == p->disruption_marker &&
	    E.last.time_type == p->time_type) {
		uint64_t s_old, f_old;

		if (last_time_at(guest_tsc, &s_old, &f_old) &&
		    time_cmp(s_old, f_old, sec, frac) > 0) {
			p->time_sec = htole64(s_old);
			p->time_frac_sec = htole64(f_old);
		}
	}
	E.last = *p;
	E.last_valid = true;

	switch (E.brk) {
	case BRK_NONE:
		break;
	case BRK_MAGIC:
		p->magic = htole32(PP_VMCLOCK_MAGIC ^ 0x20);
		break;
	case BRK_VERSION:
		p->version = htole16(2);
		break;
	case BRK_SIZE:
		p->size = htole32(offsetof(struct pp_vmclock_abi, time_sec));
		break;
	case BRK_SIZE_NOERR:
		/* time fields, but neither error field nor the generation */
		p->size = htole32(offsetof(struct pp_vmclock_abi, time_esterror_nanosec));
		break;
	case BRK_COUNTER:
		p->counter_id = PP_VMCLOCK_COUNTER_INVALID;
		break;
	case BRK_COUNTER_ARM:
		p->counter_id = PP_VMCLOCK_COUNTER_ARM_VCNT;
		break;
	case BRK_PERIOD:
		p->counter_period_frac_sec = 0;
		break;
	case BRK_TYPE:
		p->time_type = PP_VMCLOCK_TIME_MONOTONIC;
		break;
	case BRK_TYPE_SMEARED:
		p->time_type = PP_VMCLOCK_TIME_INVALID_SMEARED;
		break;
	case BRK_SHIFT:
		p->counter_period_shift = 128;
		break;
	}
}

/* Notify the guest of a new even seq_count (--doorbell). */
static void ring_doorbell(const struct pp_vmclock_abi *p)
{
	static const char bell = '.';
	int fd = __atomic_load_n(&E.bell_fd, __ATOMIC_RELAXED);

	if (fd < 0 || __atomic_load_n(&E.bell_off, __ATOMIC_RELAXED) ||
	    !(le64toh(p->flags) & PP_VMCLOCK_FLAG_NOTIFICATION_PRESENT))
		return;
	/* Non-blocking: a guest that stopped reading loses rings, not us. */
	if (write(fd, &bell, 1) == 1)
		__atomic_add_fetch(&E.rings, 1, __ATOMIC_RELAXED);
}

/*
 * Writer side of the seq_count protocol: odd while the fields change, even
 * afterwards; the fences keep the field stores between the two counts.
 */
static void publish(const struct pp_vmclock_abi *p)
{
	volatile uint8_t *dst = (volatile uint8_t *)E.page;
	const uint8_t *src = (const uint8_t *)p;
	size_t i;

	E.seq |= 1;
	__atomic_store_n(&E.page->seq_count, htole32(E.seq), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 0; i < sizeof(*p); i++) {
		if (i >= offsetof(struct pp_vmclock_abi, seq_count) &&
		    i < offsetof(struct pp_vmclock_abi, disruption_marker))
			continue;
		dst[i] = src[i];
	}
	if (E.stalled)
		return;		/* leave seq_count odd */
	E.seq++;
	__atomic_store_n(&E.page->seq_count, htole32(E.seq), __ATOMIC_RELEASE);
	ring_doorbell(p);
}

/*
 * Read the page back as a guest would (seq protocol) and compare the time
 * it gives for the TSC now with the host clock: a self-check of the math.
 */
static void self_check(void)
{
	struct pp_vmclock_abi p;
	struct ptp_pure_time t;
	struct sample rt;
	int64_t want, got;

	/* Single-threaded: nobody writes the page while we read it. */
	memcpy(&p, (const void *)E.page, sizeof(p));
	sample_clock(CLOCK_REALTIME, &rt);

	if (ptp_pure_period_time(rt.tsc + (uint64_t)E.tsc_offset,
				 le64toh(p.counter_value),
				 le64toh(p.counter_period_frac_sec),
				 p.counter_period_shift, le64toh(p.time_sec),
				 le64toh(p.time_frac_sec), &t))
		return;
	want = rt.ns + E.step_ns + slew_ns(rt.ns);
	if (p.time_type == PP_VMCLOCK_TIME_TAI)
		want += (int64_t)E.tai_offset * NSEC_PER_SEC;
	got = (int64_t)t.sec * NSEC_PER_SEC + t.nsec;
	stat_add(&E.st_check, (double)llabs(got - want));
}

static void update(void)
{
	struct pp_vmclock_abi p;
	struct sample rt;
	uint64_t t0, t1, t2;

	if (E.stalled && (E.seq & 1))
		return;		/* a stalled page stays as it is */
	t0 = rdtsc_ordered();
	calibrate();
	sample_clock(CLOCK_REALTIME, &rt);
	build_page(&p, &rt);
	t1 = rdtsc_ordered();
	publish(&p);
	t2 = rdtsc_ordered();
	stat_add(&E.st_write, ticks_to_ns(t2 - t1));
	stat_add(&E.st_update, ticks_to_ns(t2 - t0));
	E.updates++;
	if (!E.stalled && E.brk == BRK_NONE)
		self_check();
}

/* ------------------------------------------------------------ RAM file */

static void map_guest_ram(void)
{
	int64_t deadline = mono_ns() + WAIT_FILE_SEC * NSEC_PER_SEC;
	struct timespec d = { 0, 20 * 1000 * 1000 };
	struct stat st;
	bool said = false;
	int fd;

	if (E.addr % PAGE_SZ)
		die("--addr 0x%" PRIx64 " is not page aligned", E.addr);
	for (;;) {
		fd = open(E.mem_path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			if (fstat(fd, &st))
				die("fstat %s: %s", E.mem_path, strerror(errno));
			if ((uint64_t)st.st_size >= E.addr + PAGE_SZ)
				break;
			close(fd);
		} else if (errno != ENOENT) {
			die("open %s: %s", E.mem_path, strerror(errno));
		}
		if (mono_ns() > deadline)
			die("%s: no RAM file of at least 0x%" PRIx64 " bytes after %d s",
			    E.mem_path, E.addr + PAGE_SZ, WAIT_FILE_SEC);
		if (!said)
			logmsg("waiting for QEMU to create %s", E.mem_path);
		said = true;
		nanosleep(&d, NULL);
		check_signals();
	}
	E.mem_size = (size_t)st.st_size;
	E.mem = mmap(NULL, E.mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (E.mem == MAP_FAILED)
		die("mmap %s (%zu bytes): %s", E.mem_path, E.mem_size, strerror(errno));
	close(fd);
	/* QEMU has it open and mapped once it has its full size. */
	if (E.unlink_mem && unlink(E.mem_path))
		die("unlink %s: %s", E.mem_path, strerror(errno));
	E.page = (volatile struct pp_vmclock_abi *)(E.mem + E.addr);
	logmsg("mapped %s (%zu MiB), vmclock page at 0x%" PRIx64, E.mem_path,
	       E.mem_size >> 20, E.addr);
}

/* ------------------------------------------------------------ sockets */

/* Connect to a UNIX socket; -1 with errno set when it is not there yet. */
static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, saved;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int unix_connect_wait(const char *path)
{
	int64_t deadline = mono_ns() + WAIT_FILE_SEC * NSEC_PER_SEC;
	struct timespec d = { 0, 10 * 1000 * 1000 };
	int fd;

	while ((fd = unix_connect(path)) < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			die("connect %s: %s", path, strerror(errno));
		if (mono_ns() > deadline)
			die("connect %s: nobody listening after %d s", path, WAIT_FILE_SEC);
		nanosleep(&d, NULL);
		check_signals();
	}
	return fd;
}

static void write_all(int fd, const char *buf, size_t len, const char *what)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write to %s: %s", what, strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
}

/* Read one QMP line (up to \n) with a timeout; returns its length. */
static size_t qmp_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = E.sig_fd, .events = POLLIN },
	};
	ssize_t r;
	char c;

	for (;;) {
		int pr = poll(pfd, 2, 10000);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			die("poll on QMP: %s", strerror(errno));
		if (pr == 0)
			die("QMP: no answer within 10 s");
		check_signals();
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read from QMP: %s", strerror(errno));
		if (r == 0)
			die("QMP: QEMU closed the connection");
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = 0;
	return n;
}

/* Send a QMP command and wait for its return, skipping events. */
static void qmp_cmd(int fd, const char *cmd, char *reply, size_t len)
{
	write_all(fd, cmd, strlen(cmd), "QMP");
	for (;;) {
		qmp_line(fd, reply, len);
		if (strstr(reply, "\"return\""))
			return;
		if (strstr(reply, "\"error\""))
			die("QMP %s failed: %s", cmd, reply);
	}
}

/*
 * Start the paused guest ourselves: QEMU's TCG starts the guest TSC at 0
 * when the virtual CPUs are started, so the host TSC around "cont" gives
 * the offset to within the command's round trip.
 */
static void qmp_start_guest(void)
{
	char buf[4096];
	uint64_t t0, t1;
	int fd;

	fd = unix_connect_wait(E.qmp_path);
	logmsg("connected to QMP %s", E.qmp_path);
	qmp_line(fd, buf, sizeof(buf));
	if (!strstr(buf, "\"QMP\""))
		die("%s: not a QMP greeting: %s", E.qmp_path, buf);
	qmp_cmd(fd, "{\"execute\":\"qmp_capabilities\"}\n", buf, sizeof(buf));
	qmp_cmd(fd, "{\"execute\":\"query-status\"}\n", buf, sizeof(buf));
	if (strstr(buf, "\"running\": true") || strstr(buf, "\"running\":true")) {
		logmsg("QEMU is already running (no -S): the TSC offset is a guess "
		       "until a guest runs tscsync");
	} else {
		update();	/* a valid page before the first guest instruction */
		t0 = rdtsc_ordered();
		qmp_cmd(fd, "{\"execute\":\"cont\"}\n", buf, sizeof(buf));
		t1 = rdtsc_ordered();
		/* guest = host - H with H in [t0, t1]: take the lower offset. */
		E.tsc_offset = -(int64_t)t1;
		E.offset_err = t1 - t0;
		E.off_src = OFF_QMP;
		logmsg("started the guest (QMP cont took %.1f us): tsc offset %" PRId64,
		       ticks_to_ns(t1 - t0) / 1e3, E.tsc_offset);
		E.last_valid = false;
		update();
	}
	E.qmp_fd = fd;	/* for "pause" */
}

/*
 * "pause MS": stop the virtual CPUs for MS ms (QMP stop, cont).  QEMU's TCG
 * stops the guest TSC with them, so afterwards the guest's counter is about
 * MS ms behind where the adopted offset puts it: the page describes the
 * wrong counter until the offset is measured again (what a host whose own
 * TSC steps back does to a TCG guest, made on purpose).
 */
static void cmd_pause(long ms, char *out, size_t len)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
	char buf[4096];
	uint64_t t0, t1;

	if (E.qmp_fd < 0) {
		snprintf(out, len, "err pause: no QMP connection (--qmp)");
		return;
	}
	t0 = rdtsc_ordered();
	qmp_cmd(E.qmp_fd, "{\"execute\":\"stop\"}\n", buf, sizeof(buf));
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	qmp_cmd(E.qmp_fd, "{\"execute\":\"cont\"}\n", buf, sizeof(buf));
	t1 = rdtsc_ordered();
	snprintf(out, len, "ok pause %ld ms (stop to cont %.0f us)", ms,
		 ticks_to_ns(t1 - t0) / 1e3);
}

/* ------------------------------------------------------------ tscsync */

static bool tsync_wait(volatile uint32_t *word, uint32_t want, int64_t deadline)
{
	unsigned int spins = 0;

	while (le32toh(__atomic_load_n(word, __ATOMIC_ACQUIRE)) != want) {
		if (++spins % 4096 == 0) {
			if (mono_ns() > deadline)
				return false;
			check_signals();
		}
		__builtin_ia32_pause();
	}
	return true;
}

/*
 * "tscsync ADDR ROUNDS [adopt|measure]": ping-pong with the guest through
 * its page at ADDR.  Each round bounds the offset: the host read h1..h2
 * happened after the guest's g1 and before its g2.
 */
static void cmd_tscsync(int ac, char **av, char *out, size_t len)
{
	volatile struct tsync_box *box;
	const char *a = av[1], *r = av[2], *m = av[3];
	char *end;
	uint64_t gpa, rounds, i, rtt_min = UINT64_MAX;
	int64_t lo = INT64_MIN, hi = INT64_MAX, prev = E.tsc_offset;
	uint64_t prev_w = E.offset_err, page_err_ns;
	bool adopt = true, consistent;

	if (ac < 3 || ac > 4) {
		snprintf(out, len, "err usage: tscsync ADDR ROUNDS [adopt|measure]");
		return;
	}
	errno = 0;
	gpa = strtoull(a, &end, 0);
	/* From here on, the offset in the RAM file. */
	gpa -= E.ram_base;
	if (errno || *end || gpa % PAGE_SZ || gpa + PAGE_SZ > E.mem_size ||
	    gpa == E.addr) {
		snprintf(out, len, "err tscsync: bad mailbox address %s", a);
		return;
	}
	rounds = strtoull(r, &end, 0);
	if (*end || rounds < 1 || rounds > TSYNC_MAX_ROUNDS) {
		snprintf(out, len, "err tscsync: rounds must be 1..%d", TSYNC_MAX_ROUNDS);
		return;
	}
	if (m && !strcmp(m, "measure")) {
		adopt = false;
	} else if (m && strcmp(m, "adopt")) {
		snprintf(out, len, "err tscsync: mode must be adopt or measure");
		return;
	}
	box = (volatile struct tsync_box *)(E.mem + gpa);
	if (le64toh(box->magic) != TSYNC_MAGIC || le32toh(box->rounds) != rounds) {
		snprintf(out, len, "err tscsync: no mailbox at 0x%" PRIx64, gpa);
		return;
	}
	for (i = 0; i < rounds; i++) {
		volatile struct tsync_rec *rec = &box->rec[i];
		struct timespec ts;
		uint64_t h1, h2;

		if (!tsync_wait(&box->req, (uint32_t)i + 1,
				mono_ns() + TSYNC_ROUND_TIMEOUT_NS)) {
			snprintf(out, len, "err tscsync: guest silent in round %" PRIu64, i);
			return;
		}
		h1 = rdtsc_ordered();
		if (clock_gettime(CLOCK_REALTIME, &ts))
			die("clock_gettime: %s", strerror(errno));
		h2 = rdtsc_ordered();
		rec->h1 = htole64(h1);
		rec->h2 = htole64(h2);
		rec->rt_ns = htole64((uint64_t)ts_ns(&ts));
		__atomic_store_n(&box->ack, htole32((uint32_t)i + 1), __ATOMIC_RELEASE);
	}
	if (!tsync_wait(&box->done, 1, mono_ns() + TSYNC_ROUND_TIMEOUT_NS)) {
		snprintf(out, len, "err tscsync: guest did not finish");
		return;
	}
	for (i = 0; i < rounds; i++) {
		volatile struct tsync_rec *rec = &box->rec[i];
		uint64_t g1 = le64toh(rec->g1), g2 = le64toh(rec->g2);
		uint64_t h1 = le64toh(rec->h1), h2 = le64toh(rec->h2);
		int64_t l = (int64_t)(g1 - h1), h = (int64_t)(g2 - h2);

		if (l > lo)
			lo = l;
		if (h < hi)
			hi = h;
		if (g2 - g1 < rtt_min)
			rtt_min = g2 - g1;
	}
	if (lo > hi) {
		snprintf(out, len, "err tscsync: inconsistent rounds (offset bounds "
			 "%" PRId64 " > %" PRId64 ")", lo, hi);
		logmsg("tscsync: inconsistent bounds lo=%" PRId64 " hi=%" PRId64, lo, hi);
		return;
	}
	/*
	 * The offset the page uses is known to lie in [prev, prev + prev_w];
	 * this measurement puts it in [lo, hi].  Disjoint intervals mean the
	 * guest's counter moved against the host's since it was adopted.
	 */
	consistent = lo <= prev + (int64_t)prev_w && prev <= hi;
	/*
	 * How far a correct reader's time may lie from host time: the page's
	 * own time_maxerror plus its period's maximum error over one second
	 * (the page is rewritten every 1/hz s; a preempted emulator may be
	 * late, but not by a second).
	 */
	page_err_ns = le64toh(E.last.time_maxerror_nanosec) +
		      (uint64_t)((E.freq_relerr * 10 + 1e-7L) * 1e9L) + 1;
	snprintf(out, len, "ok tscsync offset=%" PRId64 " width=%" PRId64
		 " prev=%" PRId64 " prev_src=%s prev_width=%" PRIu64
		 " diff=%" PRId64 " diff_ns=%.0f diff_err_ns=%.0f consistent=%d"
		 " page_err_ns=%" PRIu64
		 " rtt_min=%" PRIu64 " rounds=%" PRIu64 " mode=%s",
		 lo, hi - lo, prev, off_src_names[E.off_src], prev_w, lo - prev,
		 (double)((lo - prev) * 1e9L / E.freq),
		 ticks_to_ns((uint64_t)(hi - lo) + prev_w), consistent, page_err_ns,
		 rtt_min, rounds, adopt ? "adopt" : "measure");
	logmsg("tscsync: offset in [%" PRId64 ", %" PRId64 "] (%.0f ns wide), "
	       "%s offset %" PRId64 " was %.0f ns off%s, rtt_min %.0f ns%s",
	       lo, hi, ticks_to_ns((uint64_t)(hi - lo)), off_src_names[E.off_src],
	       prev, (double)((lo - prev) * 1e9L / E.freq),
	       consistent ? "" : " (the guest counter moved)", ticks_to_ns(rtt_min),
	       adopt ? "; adopted" : "");
	if (adopt) {
		/* The lower bound: counter_value never lies in the guest's future. */
		E.tsc_offset = lo;
		E.offset_err = (uint64_t)(hi - lo);
		E.off_src = OFF_TSCSYNC;
		E.last_valid = false;
		update();
	}
}

/* ------------------------------------------------------------ commands */

static int lookup(const char *name, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(name, names[i]))
			return (int)i;
	return -1;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool parse_long(const char *s, long min, long max, long *v)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtol(s, &end, 0);
	return !errno && !*end && *v >= min && *v <= max;
}

static void cmd_get(char *out, size_t len)
{
	struct pp_vmclock_abi p;
	uint32_t s1;

	memcpy(&p, (const void *)E.page, sizeof(p));
	s1 = le32toh(p.seq_count);

	snprintf(out, len,
		 "ok seq=%u magic=0x%x size=%u version=%u counter_id=%u time_type=%u"
		 " marker=%" PRIu64 " flags=0x%" PRIx64 " status=%u leap=%u"
		 " tai_offset=%d shift=%u counter=%" PRIu64 " period=0x%" PRIx64
		 " time=%" PRIu64 ".%09u esterr_ns=%" PRIu64 " maxerr_ns=%" PRIu64
		 " gen=%" PRIu64 " scenario=%s break=%s stalled=%d step_ns=%" PRId64
		 " tsc_offset=%" PRId64 " offset_src=%s tsc_mhz=%.6f hz=%u",
		 s1, le32toh(p.magic), le32toh(p.size), le16toh(p.version),
		 p.counter_id, p.time_type, le64toh(p.disruption_marker),
		 le64toh(p.flags), p.clock_status, p.leap_indicator,
		 (int16_t)le16toh(p.tai_offset_sec), p.counter_period_shift,
		 le64toh(p.counter_value), le64toh(p.counter_period_frac_sec),
		 le64toh(p.time_sec), ptp_pure_frac_to_ns(le64toh(p.time_frac_sec)),
		 le64toh(p.time_esterror_nanosec), le64toh(p.time_maxerror_nanosec),
		 le64toh(p.vm_generation_counter), scenario_names[E.scenario],
		 brk_names[E.brk], E.stalled, E.step_ns, E.tsc_offset,
		 off_src_names[E.off_src], (double)(E.freq / 1e6L), E.hz);
}

static void cmd_stats(char *out, size_t len)
{
	char w[64], u[64], c[64];

	stat_fmt(w, sizeof(w), "write", &E.st_write);
	stat_fmt(u, sizeof(u), "update", &E.st_update);
	stat_fmt(c, sizeof(c), "selfcheck_err", &E.st_check);
	snprintf(out, len, "ok updates=%" PRIu64 " %s %s %s (min/mean/max)"
		 " tsc_ppm_err=%.4f rings=%" PRIu64, E.updates, w, u, c,
		 (double)(E.freq_relerr * 1e6L),
		 __atomic_load_n(&E.rings, __ATOMIC_RELAXED));
}

static void reset_state(void)
{
	E.scenario = SC_STEADY;
	E.brk = BRK_NONE;
	E.stalled = false;
	E.status_override = E.leap_override = -1;
	E.tai_negated = false;
	E.flags_set = E.flags_clear = 0;
	E.step_ns = 0;
	E.slew_ppm = 0;
	E.slew_acc_ns = 0;
}

/* Apply one scenario word (also used by --scenario). */
static bool apply_scenario(const char *name)
{
	int i;

	if (!strncmp(name, "break-", 6)) {
		i = lookup(name + 6, brk_names, ARRAY_SIZE(brk_names));
		if (i < 0)
			return false;
		E.brk = (enum brk)i;
		return true;
	}
	if (!strcmp(name, "stall")) {
		E.stalled = true;
		return true;
	}
	i = lookup(name, scenario_names, ARRAY_SIZE(scenario_names));
	if (i < 0)
		return false;
	E.scenario = (enum scenario)i;
	E.status_override = E.leap_override = -1;
	E.last_valid = false;
	return true;
}

static bool parse_flag_mask(const char *s, uint64_t *v)
{
	char *end;

	if (!s)
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

#define MAX_ARGS 8

/* One command line; @out gets the one-line reply ("" for an empty line). */
/*
 * A second writer for the stress commands, so the guest gets its reply and
 * reads while the page changes:
 *   churn MS   for MS ms, seq_count is odd (in update) but for the
 *              instant it moves on through the next even count, so a
 *              reader sees the same even count at begin and retry only if
 *              the host deschedules this thread in that instant; anywhere
 *              else the count stays odd while it is descheduled
 *   bump N MS  N disruptions (marker + 1, no time step), MS ms apart
 * While it runs, the periodic update and every command but get, stats,
 * idle and help wait ("err busy").
 */
static struct {
	pthread_t thread;
	bool started;
	int busy;	/* atomic */
	bool churn;
	long n, ms;
} W;

static void *writer_main(void *arg)
{
	int64_t end = mono_ns() + W.ms * 1000000;
	struct timespec d = { W.ms / 1000, (W.ms % 1000) * 1000000 };
	long i;

	(void)arg;
	if (W.churn) {
		/* Odd before the first even count and after the last. */
		E.seq |= 1;
		__atomic_store_n(&E.page->seq_count, htole32(E.seq), __ATOMIC_RELEASE);
		while (mono_ns() < end) {
			__atomic_store_n(&E.page->seq_count, htole32(E.seq + 1),
					 __ATOMIC_RELEASE);
			E.seq += 2;
			__atomic_store_n(&E.page->seq_count, htole32(E.seq),
					 __ATOMIC_RELEASE);
		}
		/* The next update makes it even again. */
	} else {
		for (i = 0; i < W.n; i++) {
			E.disruption_marker++;
			E.last_valid = false;
			update();
			while (nanosleep(&d, &d) && errno == EINTR)
				;
		}
	}
	__atomic_store_n(&W.busy, 0, __ATOMIC_RELEASE);
	return NULL;
}

static bool writer_busy(void)
{
	return __atomic_load_n(&W.busy, __ATOMIC_ACQUIRE);
}

static void writer_start(bool churn, long n, long ms, char *out, size_t len)
{
	if (W.started)
		pthread_join(W.thread, NULL);
	W.started = false;
	W.churn = churn;
	W.n = n;
	W.ms = ms;
	__atomic_store_n(&W.busy, 1, __ATOMIC_RELEASE);
	if (pthread_create(&W.thread, NULL, writer_main, NULL)) {
		W.busy = 0;
		snprintf(out, len, "err cannot start the writer thread");
		return;
	}
	W.started = true;
	if (churn)
		snprintf(out, len, "ok churn %ld ms", ms);
	else
		snprintf(out, len, "ok bump %ld every %ld ms", n, ms);
}

static void handle_command(char *line, char *out, size_t len)
{
	char *av[MAX_ARGS + 1] = { NULL }, *save;
	const char *cmd;
	int ac = 0, i;
	uint64_t m;
	long v;

	for (av[0] = strtok_r(line, " \t", &save); av[ac] && ac < MAX_ARGS;)
		av[++ac] = strtok_r(NULL, " \t", &save);
	if (!ac) {
		out[0] = 0;
		return;
	}
	cmd = av[0];
	if (writer_busy() && strcmp(cmd, "get") && strcmp(cmd, "stats") &&
	    strcmp(cmd, "idle") && strcmp(cmd, "help")) {
		snprintf(out, len, "err busy");
		return;
	}
	if (!strcmp(cmd, "idle")) {
		snprintf(out, len, writer_busy() ? "err busy" : "ok idle");
		return;
	} else if (!strcmp(cmd, "churn")) {
		if (ac != 2 || !parse_long(av[1], 1, 60000, &v)) {
			snprintf(out, len, "err churn MS: 1..60000");
			return;
		}
		writer_start(true, 0, v, out, len);
		return;
	} else if (!strcmp(cmd, "bump")) {
		long n;

		if (ac != 3 || !parse_long(av[1], 1, 100000, &n) ||
		    !parse_long(av[2], 1, 10000, &v)) {
			snprintf(out, len, "err bump N MS: 1..100000, 1..10000");
			return;
		}
		writer_start(false, n, v, out, len);
		return;
	} else if (!strcmp(cmd, "scenario")) {
		if (ac != 2 || !strncmp(av[1], "break-", 6) ||
		    !strcmp(av[1], "stall") || !apply_scenario(av[1])) {
			snprintf(out, len, "err scenario: steady|tai|tai-nooffset|"
				 "utc-nooffset|leap-pending|leap-inprogress|monotonic");
			return;
		}
		snprintf(out, len, "ok scenario %s", av[1]);
	} else if (!strcmp(cmd, "status")) {
		if (ac != 2 || !parse_long(av[1], 0, 255, &v)) {
			snprintf(out, len, "err status N: 0..255");
			return;
		}
		E.status_override = (int)v;
		snprintf(out, len, "ok status %ld", v);
	} else if (!strcmp(cmd, "leap")) {
		if (ac != 2 || !parse_long(av[1], 0, 255, &v)) {
			snprintf(out, len, "err leap N: 0..255");
			return;
		}
		E.leap_override = (int)v;
		snprintf(out, len, "ok leap %ld", v);
	} else if (!strcmp(cmd, "disrupt")) {
		v = DEFAULT_STEP_MS;
		if (ac > 2 || (ac == 2 && !parse_long(av[1], -100000, 100000, &v))) {
			snprintf(out, len, "err disrupt [MS]: step -100000..100000 ms");
			return;
		}
		E.disruption_marker++;
		E.step_ns += v * 1000000;
		E.last_valid = false;
		snprintf(out, len, "ok disrupt marker=%" PRIu64 " step_ns=%" PRId64,
			 E.disruption_marker, E.step_ns);
	} else if (!strcmp(cmd, "snapshot")) {
		v = 0;
		if (ac > 2 || (ac == 2 && !parse_long(av[1], -100000000, 100000000, &v))) {
			snprintf(out, len, "err snapshot [MS]: step -100000000..100000000 ms");
			return;
		}
		E.vm_gen++;
		E.disruption_marker++;
		E.step_ns += v * 1000000;
		E.last_valid = false;
		snprintf(out, len, "ok snapshot gen=%" PRIu64 " marker=%" PRIu64
			 " step_ns=%" PRId64, E.vm_gen, E.disruption_marker, E.step_ns);
	} else if (!strcmp(cmd, "slew")) {
		struct sample rt;

		if (ac != 2 || !parse_long(av[1], -100000, 100000, &v)) {
			snprintf(out, len, "err slew PPM: -100000..100000");
			return;
		}
		sample_clock(CLOCK_REALTIME, &rt);
		E.slew_acc_ns = slew_ns(rt.ns);
		E.slew_t0 = rt.ns;
		E.slew_ppm = (long double)v;
		snprintf(out, len, "ok slew %ld ppm, %" PRId64 " ns so far", v,
			 E.slew_acc_ns);
	} else if (!strcmp(cmd, "tai")) {
		if (ac != 2 || !parse_long(av[1], -32768, 32767, &v)) {
			snprintf(out, len, "err tai N: -32768..32767");
			return;
		}
		E.tai_offset = (int)v;
		snprintf(out, len, "ok tai %ld", v);
	} else if (!strcmp(cmd, "tai-sign")) {
		if (ac != 2 || (strcmp(av[1], "spec") && strcmp(av[1], "negated"))) {
			snprintf(out, len, "err tai-sign spec|negated");
			return;
		}
		E.tai_negated = !strcmp(av[1], "negated");
		snprintf(out, len, "ok tai-sign %s", av[1]);
	} else if (!strcmp(cmd, "stall")) {
		E.stalled = true;
		snprintf(out, len, "ok stall");
	} else if (!strcmp(cmd, "unstall")) {
		E.stalled = false;
		snprintf(out, len, "ok unstall");
	} else if (!strcmp(cmd, "break")) {
		i = ac == 2 ? lookup(av[1], brk_names, ARRAY_SIZE(brk_names)) : -1;
		if (i <= 0) {
			snprintf(out, len, "err break: magic|version|size|counter|"
				 "counter-arm|period|type|type-smeared|shift");
			return;
		}
		E.brk = (enum brk)i;
		snprintf(out, len, "ok break %s", av[1]);
	} else if (!strcmp(cmd, "fix")) {
		E.brk = BRK_NONE;
		E.stalled = false;
		snprintf(out, len, "ok fix");
	} else if (!strcmp(cmd, "reset")) {
		reset_state();
		E.last_valid = false;
		snprintf(out, len, "ok reset");
	} else if (!strcmp(cmd, "flags")) {
		if (ac == 2 && !strcmp(av[1], "auto")) {
			E.flags_set = E.flags_clear = 0;
		} else if (ac == 3 && !strcmp(av[1], "set") && parse_flag_mask(av[2], &m)) {
			E.flags_set |= m;
			E.flags_clear &= ~m;
		} else if (ac == 3 && !strcmp(av[1], "clear") && parse_flag_mask(av[2], &m)) {
			E.flags_clear |= m;
			E.flags_set &= ~m;
		} else {
			snprintf(out, len, "err flags set MASK|clear MASK|auto");
			return;
		}
		snprintf(out, len, "ok flags set=0x%" PRIx64 " clear=0x%" PRIx64,
			 E.flags_set, E.flags_clear);
	} else if (!strcmp(cmd, "hz")) {
		if (ac != 2 || !parse_long(av[1], 1, 1000, &v)) {
			snprintf(out, len, "err hz N: 1..1000");
			return;
		}
		E.hz = (unsigned int)v;
		snprintf(out, len, "ok hz %ld", v);
	} else if (!strcmp(cmd, "pause")) {
		if (ac != 2 || !parse_long(av[1], 1, 10000, &v)) {
			snprintf(out, len, "err pause MS: 1..10000");
			return;
		}
		cmd_pause(v, out, len);
		return;
	} else if (!strcmp(cmd, "tscsync")) {
		cmd_tscsync(ac, av, out, len);
		return;		/* it updates the page itself when needed */
	} else if (!strcmp(cmd, "get")) {
		cmd_get(out, len);
		return;
	} else if (!strcmp(cmd, "stats")) {
		cmd_stats(out, len);
		return;
	} else if (!strcmp(cmd, "doorbell")) {
		if (ac != 2 || (strcmp(av[1], "on") && strcmp(av[1], "off"))) {
			snprintf(out, len, "err doorbell on|off");
			return;
		}
		__atomic_store_n(&E.bell_off, !strcmp(av[1], "off"), __ATOMIC_RELAXED);
		snprintf(out, len, "ok doorbell %s%s rings=%" PRIu64, av[1],
			 E.bell_fd < 0 ? " (not connected)" : "",
			 __atomic_load_n(&E.rings, __ATOMIC_RELAXED));
	} else if (!strcmp(cmd, "help")) {
		snprintf(out, len, "ok commands: scenario NAME, status N, leap N, "
			 "disrupt [MS], snapshot [MS], slew PPM, tai N, tai-sign spec|negated, "
			 "stall, unstall, "
			 "break WHAT, fix, "
			 "reset, flags set|clear MASK|auto, hz N, "
			 "tscsync ADDR N [adopt|measure], pause MS, churn MS, bump N MS, idle, "
			 "doorbell on|off, get, stats, quit");
		return;
	} else if (!strcmp(cmd, "quit")) {
		E.quit = true;
		snprintf(out, len, "ok quit");
		return;
	} else {
		snprintf(out, len, "err unknown command '%s' (try help)", cmd);
		return;
	}
	update();	/* changes show at once */
}

/* Bytes from the guest: complete lines are commands; each gets one reply. */
static void ctl_input(void)
{
	char buf[256], out[1024], cmd[LINE_MAX_LEN];
	ssize_t n, i;

	n = read(E.ctl_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0)
		die("read from %s: %s", E.ctl_path, strerror(errno));
	if (n == 0) {
		logmsg("QEMU closed the control socket: exiting");
		E.quit = true;
		return;
	}
	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\r')
			continue;
		if (c != '\n') {
			if (E.line_len + 1 < sizeof(E.line))
				E.line[E.line_len++] = c;
			else
				E.line_overflow = true;
			continue;
		}
		E.line[E.line_len] = 0;
		snprintf(cmd, sizeof(cmd), "%s", E.line);
		if (E.line_overflow)
			snprintf(out, sizeof(out), "err line too long");
		else
			handle_command(E.line, out, sizeof(out));
		E.line_len = 0;
		E.line_overflow = false;
		if (!out[0])
			continue;	/* empty line: no answer */
		logmsg("< %s", cmd);
		logmsg("> %s", out);
		strncat(out, "\n", sizeof(out) - strlen(out) - 1);
		write_all(E.ctl_fd, out, strlen(out), E.ctl_path);
	}
}

/* ------------------------------------------------------------ main */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: vmclock-emu --mem FILE --addr GPA [options]\n"
		"  --mem FILE        guest RAM backing file (memory-backend-file, share=on)\n"
		"  --unlink-mem      remove FILE once QEMU and we have mapped it\n"
		"  --addr GPA        guest physical address of the vmclock page (= file offset)\n"
		"  --control SOCKET  QEMU chardev socket (server) of the guest's command port\n"
		"  --qmp SOCKET      QMP socket of a QEMU started with -S: start the guest and\n"
		"                    take the TSC offset from the 'cont' command\n"
		"  --scenario LIST   comma-separated: steady tai tai-nooffset utc-nooffset\n"
		"                    leap-pending leap-inprogress monotonic break-WHAT stall\n"
		"  --hz N            page updates per second (default 10)\n"
		"  --tai-offset N    TAI - UTC in seconds (default: the host kernel's, else 37)\n"
		"  --tsc-offset N    guest TSC - host TSC, if known\n"
		"  --arm-vcnt NS     arm64 guest: the page carries the virtual counter, whose\n"
		"                    period under TCG is NS ns of the host's CLOCK_MONOTONIC\n"
		"  --ram-base GPA    guest physical address of the RAM file's start (tscsync)\n"
		"  --doorbell SOCKET QEMU chardev socket (server): a byte after every update of\n"
		"                    a page with NOTIFICATION_PRESENT raises the guest's interrupt\n"
		"  --log FILE        log here (appending) instead of stderr\n");
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "unlink-mem", no_argument, NULL, 'u' },
		{ "addr", required_argument, NULL, 'a' },
		{ "control", required_argument, NULL, 'c' },
		{ "qmp", required_argument, NULL, 'q' },
		{ "scenario", required_argument, NULL, 's' },
		{ "hz", required_argument, NULL, 'z' },
		{ "tai-offset", required_argument, NULL, 't' },
		{ "tsc-offset", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'l' },
		{ "arm-vcnt", required_argument, NULL, 'A' },
		{ "ram-base", required_argument, NULL, 'B' },
		{ "doorbell", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *scen = NULL, *tok, *save, *end;
	const char *log_path = NULL;
	bool have_addr = false, have_tai = false;
	struct timex tx = { 0 };
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			E.mem_path = optarg;
			break;
		case 'u':
			E.unlink_mem = true;
			break;
		case 'a':
			errno = 0;
			E.addr = strtoull(optarg, &end, 0);
			if (errno || *end)
				die("--addr %s: not a number", optarg);
			have_addr = true;
			break;
		case 'c':
			E.ctl_path = optarg;
			break;
		case 'q':
			E.qmp_path = optarg;
			break;
		case 's':
			scen = optarg;
			break;
		case 'z':
			if (!parse_long(optarg, 1, 1000, &v))
				die("--hz %s: 1..1000", optarg);
			E.hz = (unsigned int)v;
			break;
		case 't':
			if (!parse_long(optarg, -32768, 32767, &v))
				die("--tai-offset %s: not a 16-bit number", optarg);
			E.tai_offset = (int)v;
			have_tai = true;
			break;
		case 'o':
			errno = 0;
			E.tsc_offset = strtoll(optarg, &end, 0);
			if (errno || *end)
				die("--tsc-offset %s: not a number", optarg);
			E.off_src = OFF_OPTION;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'A':
			if (!parse_long(optarg, 1, 1000, &v))
				die("--arm-vcnt %s: a period of 1..1000 ns", optarg);
			E.arm_period_ns = v;
			break;
		case 'D':
			E.bell_path = optarg;
			break;
		case 'B':
			errno = 0;
			E.ram_base = strtoull(optarg, &end, 0);
			if (errno || *end)
				die("--ram-base %s: not a number", optarg);
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || !E.mem_path || !have_addr)
		usage(2);
	if (log_path) {
		emu_log = fopen(log_path, "ae");
		if (!emu_log)
			die("--log %s: %s", log_path, strerror(errno));
	}
	if (!have_tai && adjtimex(&tx) >= 0 && tx.tai > 0)
		E.tai_offset = tx.tai;
	if (scen) {
		for (tok = strtok_r(scen, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!apply_scenario(tok))
				die("--scenario: unknown scenario '%s'", tok);
	}
}

static void setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die("sigprocmask: %s", strerror(errno));
	E.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (E.sig_fd < 0)
		die("signalfd: %s", strerror(errno));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal(SIGPIPE): %s", strerror(errno));
}

static void try_connect_control(void)
{
	int flags;

	E.ctl_fd = unix_connect(E.ctl_path);
	if (E.ctl_fd < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			die("connect %s: %s", E.ctl_path, strerror(errno));
		return;
	}
	flags = fcntl(E.ctl_fd, F_GETFL);
	if (flags < 0 || fcntl(E.ctl_fd, F_SETFL, flags | O_NONBLOCK))
		die("fcntl on %s: %s", E.ctl_path, strerror(errno));
	logmsg("connected to the control port %s", E.ctl_path);
}

static void try_connect_doorbell(void)
{
	int fd = unix_connect(E.bell_path), flags;

	if (fd < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			die("connect %s: %s", E.bell_path, strerror(errno));
		return;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		die("fcntl on %s: %s", E.bell_path, strerror(errno));
	__atomic_store_n(&E.bell_fd, fd, __ATOMIC_RELEASE);
	logmsg("connected to the doorbell %s", E.bell_path);
}

static void main_loop(void)
{
	int64_t next = mono_ns(), ctl_deadline = next + WAIT_FILE_SEC * NSEC_PER_SEC;
	struct signalfd_siginfo si;

	while (!E.quit) {
		struct pollfd pfd[2] = {
			{ .fd = E.sig_fd, .events = POLLIN },
			{ .fd = E.ctl_fd, .events = POLLIN },
		};
		int64_t now = mono_ns(), wait;
		struct timespec to;
		int n;

		if (now >= next) {
			if (!writer_busy())
				update();
			next += NSEC_PER_SEC / E.hz;
			if (next < now)
				next = now + NSEC_PER_SEC / E.hz;
			if (E.bell_path && E.bell_fd < 0)
				try_connect_doorbell();
			if (E.ctl_path && E.ctl_fd < 0) {
				try_connect_control();
				if (E.ctl_fd < 0 && now > ctl_deadline)
					die("control socket %s: nobody listening after %d s",
					    E.ctl_path, WAIT_FILE_SEC);
			}
			continue;
		}
		wait = next - now;
		to.tv_sec = wait / NSEC_PER_SEC;
		to.tv_nsec = wait % NSEC_PER_SEC;
		n = ppoll(pfd, E.ctl_fd >= 0 ? 2 : 1, &to, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("ppoll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN) {
			if (read(E.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				logmsg("signal %u: exiting", si.ssi_signo);
			E.quit = true;
		}
		if (E.ctl_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			ctl_input();
	}
}

int main(int argc, char **argv)
{
	char st[1024];

	emu_log_init("vmclock-emu");
	parse_args(argc, argv);
	setup_signals();
	map_guest_ram();
	if (E.off_src == OFF_GUESS) {
		/* Until told better: the guest TSC started now (it is lower). */
		E.tsc_offset = -(int64_t)rdtsc_ordered();
		E.offset_err = 0;
	}
	memset((void *)E.page, 0, PAGE_SZ);
	calibrate_initial();
	if (E.off_src == OFF_GUESS)
		E.offset_err = (uint64_t)E.freq;	/* one second */
	if (E.qmp_path)
		qmp_start_guest();
	update();
	logmsg("serving: scenario %s, break %s%s, tai_offset %d, %u Hz",
	       scenario_names[E.scenario], brk_names[E.brk],
	       E.stalled ? ", stalled" : "", E.tai_offset, E.hz);
	main_loop();
	cmd_stats(st, sizeof(st));
	logmsg("%s", st + 3);
	return 0;
}
