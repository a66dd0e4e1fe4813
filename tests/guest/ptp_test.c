// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_test - in-guest tests of a pure PTP clock through the userspace ABI
 *
 * Statically linked, run inside the QEMU guests.  The clock is found by its
 * clock_name in /sys/class/ptp (no udev in the guest), and what it should
 * show is given in the environment:
 *
 *   PTP_NAME       clock_name to test (required)
 *   PTP_OFFSET_NS  expected PHC - source offset in ns (default 0)
 *   PTP_SOURCE     "realtime" (default) or "raw": the system clock the PHC
 *                  follows, plus PTP_OFFSET_NS
 *   PTP_XTS        1 if PTP_SYS_OFFSET_PRECISE must work, 0 if it must be
 *                  refused (required)
 *   PTP_EXACT      1 if device and system time come from one counter read
 *                  (zero-width EXTENDED window, exact PRECISE)
 *   PTP_OFFSET_SELF  1 if PTP_OFFSET_NS was measured on the clock under
 *                  test: the checks against it then show only that the
 *                  clock agrees with itself, and their names say so
 *                  (NAME/self_consistent); the caller checks the clock
 *                  against an independent reference beside them
 *
 * Usage:
 *   ptp_test            run the suite; prints PASS/FAIL/SKIP lines
 *   ptp_test errno N    every read path must fail with errno N
 *   ptp_test hammer S   read in a loop for up to S seconds until the clock
 *                       goes away; exit 0 if that gave ENODEV
 *   ptp_test read US    one clock_gettime must work and take at least US
 *                       microseconds (slow backends)
 *   ptp_test bounded S MS [ext]   every read for S seconds ends within MS ms
 *   ptp_test coldread N MS        N reads, each entered after an MS ms
 *                       busy-wait; prints the quickest and median in ns
 *   ptp_test timeouts S MS COLD_NS   reads that give up after MS ms do so,
 *                       to a bound measured in the same run (see timeouts())
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ptp_clock.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "phc_util.h"

#define NSEC 1000000000LL

/* Slack for bracketing methods on top of the measured window (TCG guests). */
#define SLACK_NS 2000000LL
/* Exact methods: device and system time from one counter read. */
#define EXACT_NS 1000LL

static char dev_path[64];
static int ptp_index = -1;
static int64_t want_offset;
/* How far want_offset itself may be off (PTP_OFFSET_ERR_NS): the caller's
 * measurement of it, added to every bracketing tolerance. */
static int64_t offset_err;
static clockid_t source_clock = CLOCK_REALTIME;
static int want_xts = -1;	/* PRECISE works now */
static int want_cap = -1;	/* and GETCAPS offers it */
static int exact;
static int offset_self;

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * NSEC + t->tv_nsec;
}

static int64_t pct_ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * NSEC + t->nsec;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return ts_ns(&t);
}

static int open_clock(int flags)
{
	int fd = open(dev_path, flags);

	ck_assert_msg(fd >= 0, "open %s: %s", dev_path, strerror(errno));
	return fd;
}

/* |got - want| <= tol, with a readable message */
#define assert_near(got, want, tol, what)				\
	ck_assert_msg(llabs((long long)((got) - (want))) <= (tol),	\
		      "%s: %lld ns off (tolerance %lld)", what,		\
		      (long long)((got) - (want)), (long long)(tol))

START_TEST(caps)
{
	struct ptp_clock_caps caps;
	struct ptp_sys_offset_precise p;
	int fd = open_clock(O_RDONLY), r;

	memset(&caps, 0, sizeof(caps));
	ck_assert_int_eq(ioctl(fd, PTP_CLOCK_GETCAPS, &caps), 0);
	ck_assert_int_eq(caps.max_adj, 0);
	ck_assert_int_eq(caps.n_alarm, 0);
	ck_assert_int_eq(caps.n_ext_ts, 0);
	ck_assert_int_eq(caps.n_per_out, 0);
	ck_assert_int_eq(caps.pps, 0);
	ck_assert_int_eq(caps.n_pins, 0);
	ck_assert_int_eq(caps.cross_timestamping, want_cap);
	/* Works when expected; never without being advertised. */
	memset(&p, 0, sizeof(p));
	r = ioctl(fd, PTP_SYS_OFFSET_PRECISE, &p);
	ck_assert_int_eq(r == 0, want_xts);
	ck_assert(r != 0 || caps.cross_timestamping);
	close(fd);
}
END_TEST

START_TEST(gettime)
{
	struct timespec t;
	int fd = open_clock(O_RDONLY);
	int64_t before, after, phc;

	before = now_ns(source_clock);
	ck_assert_int_eq(clock_gettime(FD_TO_CLOCKID(fd), &t), 0);
	after = now_ns(source_clock);
	phc = ts_ns(&t) - want_offset;
	ck_assert_msg(phc >= before - SLACK_NS - offset_err &&
		      phc <= after + SLACK_NS + offset_err,
		      "PHC - offset %" PRId64 " outside [%" PRId64 ", %" PRId64 "]",
		      phc, before, after);
	ck_assert_int_eq(clock_getres(FD_TO_CLOCKID(fd), &t), 0);
	close(fd);
}
END_TEST

static void check_sys_offset(int fd, unsigned int n)
{
	struct ptp_sys_offset so;
	unsigned int i;

	memset(&so, 0, sizeof(so));
	so.n_samples = n;
	ck_assert_msg(ioctl(fd, PTP_SYS_OFFSET, &so) == 0,
		      "PTP_SYS_OFFSET n=%u: %s", n, strerror(errno));
	for (i = 0; i < n; i++) {
		int64_t pre = pct_ns(&so.ts[2 * i]);
		int64_t phc = pct_ns(&so.ts[2 * i + 1]);
		int64_t post = pct_ns(&so.ts[2 * i + 2]);

		ck_assert(pre <= post);
		if (source_clock == CLOCK_REALTIME)
			assert_near(phc - (pre + post) / 2, want_offset,
				    (post - pre) / 2 + SLACK_NS + offset_err,
				    "PTP_SYS_OFFSET");
	}
}

START_TEST(sys_offset)
{
	struct ptp_sys_offset so;
	int fd = open_clock(O_RDONLY);

	check_sys_offset(fd, 1);
	check_sys_offset(fd, PTP_MAX_SAMPLES);
	memset(&so, 0, sizeof(so));
	so.n_samples = PTP_MAX_SAMPLES + 1;
	ck_assert_int_eq(ioctl(fd, PTP_SYS_OFFSET, &so), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

/*
 * PTP_SYS_OFFSET_EXTENDED with a system clock id (6.12+ reads rsv[0] as the
 * clock id; older kernels refuse any non-zero rsv with EINVAL).
 */
static int extended(int fd, clockid_t c, unsigned int n,
		    struct ptp_sys_offset_extended *e)
{
	memset(e, 0, sizeof(*e));
	e->n_samples = n;
	e->rsv[0] = (unsigned int)c;
	return ioctl(fd, PTP_SYS_OFFSET_EXTENDED, e);
}

static void check_extended(int fd, clockid_t c)
{
	struct ptp_sys_offset_extended e;
	int64_t src_minus_c, c0, c1;
	unsigned int i;

	ck_assert_msg(extended(fd, c, PTP_MAX_SAMPLES, &e) == 0,
		      "EXTENDED clockid %d: %s", c, strerror(errno));
	/*
	 * PHC = source + offset; the samples are against clock c.  The
	 * difference between the two system clocks is itself measured between
	 * two reads of c, which bounds its own error.
	 */
	c0 = now_ns(c);
	src_minus_c = now_ns(source_clock);
	c1 = now_ns(c);
	src_minus_c -= c0 + (c1 - c0) / 2;
	for (i = 0; i < PTP_MAX_SAMPLES; i++) {
		int64_t pre = pct_ns(&e.ts[i][0]);
		int64_t phc = pct_ns(&e.ts[i][1]);
		int64_t post = pct_ns(&e.ts[i][2]);

		ck_assert_msg(pre <= post, "pre %" PRId64 " > post %" PRId64,
			      pre, post);
		if (exact && (c == CLOCK_REALTIME || c == CLOCK_MONOTONIC_RAW) &&
		    c == source_clock) {
			/* one counter read: zero window, exact offset */
			ck_assert_msg(pre == post, "window %" PRId64 " ns, want 0",
				      post - pre);
			assert_near(phc - pre, want_offset, EXACT_NS,
				    "EXTENDED exact");
		} else {
			assert_near(phc - (pre + post) / 2 - src_minus_c,
				    want_offset,
				    (post - pre) / 2 + (c1 - c0) / 2 + SLACK_NS +
				    offset_err,
				    "EXTENDED");
		}
	}
}

START_TEST(sys_offset_extended)
{
	struct ptp_sys_offset_extended e;
	int fd = open_clock(O_RDONLY);

	check_extended(fd, CLOCK_REALTIME);
	ck_assert_int_eq(extended(fd, CLOCK_REALTIME, 1, &e), 0);
	ck_assert_int_eq(extended(fd, CLOCK_REALTIME, PTP_MAX_SAMPLES + 1, &e), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

/*
 * Other clock ids: tested where the kernel accepts them, which the kernel
 * decides, not the driver: the PTP core checks the clock id before it
 * calls gettimex64.  From 6.12 on (its uapi has the clockid field of
 * PTP_SYS_OFFSET_EXTENDED) the tests always run, so that a driver failing
 * them fails; before that, only where the kernel's own check passes (a
 * backport), else the skip names the kernel.
 */
static int kernel_takes_clockid(clockid_t c)
{
	struct ptp_sys_offset_extended e;
	struct utsname u;
	unsigned int major = 0, minor = 0;
	int fd, r;

	if (!uname(&u) && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	    (major > 6 || (major == 6 && minor >= 12)))
		return 1;
	fd = open(dev_path, O_RDONLY);
	if (fd < 0)
		return 0;
	r = extended(fd, c, 1, &e);
	close(fd);
	return r == 0;
}

START_TEST(sys_offset_extended_monotonic)
{
	int fd = open_clock(O_RDONLY);

	check_extended(fd, CLOCK_MONOTONIC);
	close(fd);
}
END_TEST

START_TEST(sys_offset_extended_raw)
{
	int fd = open_clock(O_RDONLY);

	check_extended(fd, CLOCK_MONOTONIC_RAW);
	close(fd);
}
END_TEST

START_TEST(sys_offset_precise)
{
	struct ptp_sys_offset_precise p;
	int fd = open_clock(O_RDONLY);
	int64_t t0, t1, dev, sys;

	memset(&p, 0, sizeof(p));
	t0 = now_ns(CLOCK_REALTIME);
	if (!want_xts) {
		ck_assert_int_eq(ioctl(fd, PTP_SYS_OFFSET_PRECISE, &p), -1);
		ck_assert_int_eq(errno, EOPNOTSUPP);
		close(fd);
		return;
	}
	ck_assert_msg(ioctl(fd, PTP_SYS_OFFSET_PRECISE, &p) == 0,
		      "PRECISE: %s", strerror(errno));
	t1 = now_ns(CLOCK_REALTIME);
	dev = pct_ns(&p.device);
	sys = pct_ns(source_clock == CLOCK_REALTIME ? &p.sys_realtime :
		     &p.sys_monoraw);
	ck_assert(pct_ns(&p.sys_realtime) >= t0 - SLACK_NS &&
		  pct_ns(&p.sys_realtime) <= t1 + SLACK_NS);
	assert_near(dev - sys, want_offset,
		    exact ? EXACT_NS : t1 - t0 + SLACK_NS + offset_err, "PRECISE");
	close(fd);
}
END_TEST

START_TEST(monotonic_reads)
{
	int fd = open_clock(O_RDONLY);
	struct timespec t;
	int64_t last = 0, v;
	int i;

	for (i = 0; i < 20000; i++) {
		ck_assert_int_eq(clock_gettime(FD_TO_CLOCKID(fd), &t), 0);
		v = ts_ns(&t);
		ck_assert_msg(v >= last, "went back %" PRId64 " ns at read %d",
			      last - v, i);
		last = v;
	}
	close(fd);
}
END_TEST

START_TEST(adjust_refused)
{
	int fd = open_clock(O_RDWR);
	clockid_t c = FD_TO_CLOCKID(fd);
	struct timespec t;
	struct timex tx;

	ck_assert_int_eq(clock_gettime(c, &t), 0);
	ck_assert_int_eq(clock_settime(c, &t), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_usec = 1000;
	ck_assert_int_eq(clock_adjtime(c, &tx), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);

	/* max_adj 0: any frequency change is out of range ... */
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 65536;
	ck_assert_int_eq(clock_adjtime(c, &tx), -1);
	ck_assert_int_eq(errno, ERANGE);
	/* ... and a zero one reaches adjfine, which refuses */
	tx.freq = 0;
	ck_assert_int_eq(clock_adjtime(c, &tx), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);

	/* reading the state is fine */
	memset(&tx, 0, sizeof(tx));
	ck_assert_int_ge(clock_adjtime(c, &tx), 0);
	ck_assert_int_eq(tx.freq, 0);
	close(fd);
}
END_TEST

/* The checks that compare the clock with PTP_OFFSET_NS (PRECISE: if it works). */
static const char *const offset_checks[] = {
	"gettime", "sys_offset", "sys_offset_extended",
	"sys_offset_extended_monotonic", "sys_offset_extended_raw",
	"sys_offset_precise", NULL
};

/* @name, or NAME/self_consistent for an offset check (PTP_OFFSET_SELF). */
static const char *check_name(const char *name)
{
	const char *const *c;
	char *n;

	if (!offset_self)
		return name;
	for (c = offset_checks; *c; c++)
		if (!strcmp(*c, name))
			break;
	/* refused PRECISE (PTP_XTS=0): no offset to compare with */
	if (!*c || (!strcmp(name, "sys_offset_precise") && !want_xts))
		return name;
	if (asprintf(&n, "%s/self_consistent", name) < 0) {
		perror("ptp_test: asprintf");
		exit(2);
	}
	return n;	/* the test case keeps it until exit */
}

static void add(Suite *s, const char *name, const TTest *t)
{
	TCase *tc = tcase_create(check_name(name));

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

#define ADD(s, t) add(s, #t, t)

static int run_suite(void)
{
	Suite *s = suite_create("ptp_pure");
	TestResult **res;
	SRunner *sr;
	int i, n, failed = 0;

	ADD(s, caps);
	ADD(s, gettime);
	ADD(s, sys_offset);
	ADD(s, sys_offset_extended);
	if (kernel_takes_clockid(CLOCK_MONOTONIC))
		ADD(s, sys_offset_extended_monotonic);
	else
		printf("SKIP sys_offset_extended_monotonic: kernel refuses a clock id in PTP_SYS_OFFSET_EXTENDED (before 6.12)\n");
	if (kernel_takes_clockid(CLOCK_MONOTONIC_RAW))
		ADD(s, sys_offset_extended_raw);
	else
		printf("SKIP sys_offset_extended_raw: kernel refuses a clock id in PTP_SYS_OFFSET_EXTENDED (before 6.12)\n");
	ADD(s, sys_offset_precise);
	ADD(s, monotonic_reads);
	ADD(s, adjust_refused);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_SILENT);
	n = srunner_ntests_run(sr);
	res = srunner_results(sr);
	for (i = 0; i < n; i++) {
		if (tr_rtype(res[i]) == CK_PASS) {
			printf("PASS %s\n", tr_tcname(res[i]));
		} else {
			printf("FAIL %s: %s:%d: %s\n", tr_tcname(res[i]),
			       tr_lfile(res[i]), tr_lno(res[i]), tr_msg(res[i]));
			failed++;
		}
	}
	free(res);
	srunner_free(sr);
	fflush(stdout);
	return failed ? 1 : 0;
}

/* Every read path must fail with errno @want. */
static int expect_errno(int want)
{
	struct ptp_sys_offset_extended e;
	struct ptp_sys_offset so;
	struct timespec t;
	int fd = open(dev_path, O_RDONLY), bad = 0;

	if (fd < 0) {
		printf("FAIL errno_%d: open: %s\n", want, strerror(errno));
		return 1;
	}
	errno = 0;
	if (clock_gettime(FD_TO_CLOCKID(fd), &t) == 0 || errno != want) {
		printf("FAIL errno_%d: clock_gettime gave %s\n", want, strerror(errno));
		bad++;
	}
	memset(&so, 0, sizeof(so));
	so.n_samples = 3;
	errno = 0;
	if (ioctl(fd, PTP_SYS_OFFSET, &so) == 0 || errno != want) {
		printf("FAIL errno_%d: PTP_SYS_OFFSET gave %s\n", want, strerror(errno));
		bad++;
	}
	errno = 0;
	if (extended(fd, CLOCK_REALTIME, 3, &e) == 0 || errno != want) {
		printf("FAIL errno_%d: PTP_SYS_OFFSET_EXTENDED gave %s\n", want,
		       strerror(errno));
		bad++;
	}
	close(fd);
	if (!bad)
		printf("PASS errno_%d\n", want);
	return bad ? 1 : 0;
}

/* Read until the clock disappears; ENODEV is the only acceptable end. */
/*
 * pollattr PATH MS: wait for sysfs_notify() on an attribute, as poll(2)
 * users of sysfs do (read it, then POLLPRI|POLLERR); exit 0 when woken,
 * 1 after MS ms.
 */
static int poll_attr(const char *path, int ms)
{
	struct pollfd p = { .events = POLLPRI | POLLERR };
	char buf[64];
	int64_t t0;
	int r;

	p.fd = open(path, O_RDONLY);
	if (p.fd < 0 || read(p.fd, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "pollattr: %s: %s\n", path, strerror(errno));
		return 2;
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	r = poll(&p, 1, ms);
	printf("pollattr: %s after %lld ms\n", r > 0 ? "woken" : "timed out",
	       (long long)(now_ns(CLOCK_MONOTONIC) - t0) / 1000000);
	close(p.fd);
	return r > 0 ? 0 : 1;
}

/* The clock's device opened for @who's loop; -1 (said on stderr) if it cannot be. */
static int open_for(const char *who)
{
	int fd = open(dev_path, O_RDONLY);

	if (fd < 0)
		fprintf(stderr, "%s: open: %s\n", who, strerror(errno));
	return fd;
}

/*
 * One read of the clock on @fd: clock_gettime, or with @ext one
 * PTP_SYS_OFFSET_EXTENDED sample of CLOCK_REALTIME.  Returns its result
 * (errno set on failure); *@dt: how long it took on CLOCK_MONOTONIC.
 */
static int timed_read(int fd, int ext, int64_t *dt)
{
	struct ptp_sys_offset_extended e;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec t;
	int r = ext ? extended(fd, CLOCK_REALTIME, 1, &e) :
		      clock_gettime(FD_TO_CLOCKID(fd), &t);

	*dt = now_ns(CLOCK_MONOTONIC) - t0;
	return r;
}

/*
 * bounded SECONDS MAXMS [ext]: clock_gettime (or PTP_SYS_OFFSET_EXTENDED
 * of CLOCK_REALTIME, one sample) for SECONDS; every read must end within
 * MAXMS ms, with success or ETIMEDOUT.  Prints the counts; exit 0 if all
 * reads were bounded and no other error came.
 */
static int bounded(int seconds, int max_ms, int ext)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + seconds * 1000000000LL, worst = 0;
	long ok = 0, timeouts = 0, other = 0;
	int fd = open_for("bounded");

	if (fd < 0)
		return 2;
	while (now_ns(CLOCK_MONOTONIC) < end) {
		int64_t dt;
		int r = timed_read(fd, ext, &dt);

		if (dt > worst)
			worst = dt;
		if (!r)
			ok++;
		else if (errno == ETIMEDOUT)
			timeouts++;
		else
			other++;
	}
	close(fd);
	printf("bounded: ok=%ld timeouts=%ld other=%ld worst_ms=%lld\n", ok,
	       timeouts, other, (long long)(worst / 1000000));
	return other || worst > max_ms * 1000000LL;
}

/*
 * One pause of a busy-wait, the instruction the kernel's cpu_relax() is on
 * x86 and arm64 (and nothing on s390, where cpu_relax() is a compiler
 * barrier).  Under TCG it ends the vCPU's translation block and lets the
 * other vCPUs run, so a loop with it takes a step of tens of microseconds.
 */
static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Busy-wait @ns on CLOCK_MONOTONIC the way the driver waits for a deadline. */
static int64_t busy_wait(int64_t ns)
{
	int64_t c0 = now_ns(CLOCK_MONOTONIC), dt;

	while ((dt = now_ns(CLOCK_MONOTONIC) - c0) < ns)
		relax();
	return dt;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * coldread N MS: N reads (at most 100), each after an MS ms busy-wait,
 * timed one by one; prints the quickest and the median in ns.  A read
 * entered after a long busy-wait costs more than one in a tight loop (under
 * TCG the first system call after 50 ms of spinning takes tens of
 * microseconds, not one), and that is how every timed-out read of
 * timeouts() is entered: its enter and leave costs are measured here, with
 * the device failing reads at once so that they leave by the error path a
 * timed-out read takes.
 */
static int coldread(int n, int ms)
{
	int64_t dt[100];
	long ok = 0, failed = 0;
	int i, fd;

	if (n < 1 || n > 100)
		return 2;
	fd = open_for("coldread");
	if (fd < 0)
		return 2;
	for (i = 0; i < n; i++) {
		busy_wait(ms * 1000000LL);
		if (timed_read(fd, 0, &dt[i]))
			failed++;
		else
			ok++;
	}
	close(fd);
	qsort(dt, n, sizeof(dt[0]), cmp_i64);
	printf("coldread: reads=%d ok=%ld failed=%ld quickest_ns=%lld median_ns=%lld\n",
	       n, ok, failed, (long long)dt[0], (long long)dt[n / 2]);
	return 0;
}

/*
 * timeouts SECONDS TIMEOUT_MS COLD_NS: clock_gettime on a device whose
 * reads give up after TIMEOUT_MS (ETIMEDOUT).  After each timed-out read a
 * control: userspace busy-waits TIMEOUT_MS the way the driver waits for its
 * deadline, and how far that overruns is what one step of such a loop and
 * this vCPU's stalls (a host that does not run it, guest preemption) add to
 * anything that lasts TIMEOUT_MS, measured in the same run.  Every timed-out
 * read must take at least TIMEOUT_MS (the deadline starts after the read
 * does), and the quickest must overrun TIMEOUT_MS by no more than the worst
 * control did plus twice COLD_NS, what entering and leaving a read after
 * such a busy-wait costs (the median of coldread(), same boot).  A timed-out
 * read pays that twice: it is entered after the control's busy-wait, and
 * left after its own TIMEOUT_MS in the kernel, while a cold read is left at
 * once; each of the two costs at most what a whole cold read does, so a
 * read late by no more than that is within the bound unless its costs
 * exceed the median, which all timed-out reads of a run do with a chance of
 * about 2^-timeouts.  A read that gives up later than its timeout, every
 * time, fails; a single read's overrun is not judged: a stall can hit it
 * and miss every control.  Prints the counts and the bound; exit 0 if the
 * reads held to it, at least one timed out, and no other error came.
 */
static int timeouts(int seconds, int timeout_ms, int64_t cold)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + seconds * 1000000000LL;
	int64_t tmo = timeout_ms * 1000000LL, shortest = INT64_MAX, longest = 0;
	int64_t overrun = 0, bound;
	long ok = 0, timedout = 0, other = 0;
	int fd = open_for("timeouts");

	if (fd < 0)
		return 2;
	while (now_ns(CLOCK_MONOTONIC) < end) {
		int64_t dt;
		int r = timed_read(fd, 0, &dt);

		if (!r) {
			ok++;
			continue;
		}
		if (errno != ETIMEDOUT) {
			other++;
			continue;
		}
		timedout++;
		if (dt < shortest)
			shortest = dt;
		if (dt > longest)
			longest = dt;
		dt = busy_wait(tmo);
		if (dt - tmo > overrun)
			overrun = dt - tmo;
	}
	close(fd);
	bound = tmo + overrun + 2 * cold;
	printf("timeouts: ok=%ld timeouts=%ld other=%ld shortest_us=%lld longest_us=%lld bound_us=%lld (%d ms + control overrun %lld us + 2 x cold read %lld us)\n",
	       ok, timedout, other, (long long)(timedout ? shortest / 1000 : 0),
	       (long long)(longest / 1000), (long long)(bound / 1000), timeout_ms,
	       (long long)(overrun / 1000), (long long)(cold / 1000));
	return other || !timedout || shortest < tmo || shortest > bound;
}

static int hammer(int seconds)
{
	struct ptp_sys_offset_extended e;
	struct timespec t;
	long ok = 0;
	int fd = open_for("hammer");
	time_t end = time(NULL) + seconds;

	if (fd < 0)
		return 1;
	while (time(NULL) < end) {
		int r = (ok & 1) ? clock_gettime(FD_TO_CLOCKID(fd), &t) :
				   extended(fd, CLOCK_REALTIME, 5, &e);

		if (r == 0) {
			ok++;
			continue;
		}
		if (errno == ENODEV) {
			printf("hammer: %ld reads, then ENODEV\n", ok);
			close(fd);
			return ok ? 0 : 3;
		}
		fprintf(stderr, "hammer: read failed: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	fprintf(stderr, "hammer: clock still there after %d s\n", seconds);
	close(fd);
	return 2;
}

/* One read that must succeed and take at least @min_us. */
static int slow_read(long min_us)
{
	struct timespec t;
	int64_t t0, dt;
	int fd = open(dev_path, O_RDONLY), r;

	if (fd < 0) {
		printf("FAIL slow_read: open: %s\n", strerror(errno));
		return 1;
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_gettime(FD_TO_CLOCKID(fd), &t);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	close(fd);
	if (r) {
		printf("FAIL slow_read: clock_gettime: %s\n", strerror(errno));
		return 1;
	}
	if (dt < min_us * 1000) {
		printf("FAIL slow_read: read took %" PRId64 " us, expected >= %ld\n",
		       dt / 1000, min_us);
		return 1;
	}
	printf("PASS slow_read (%" PRId64 " us)\n", dt / 1000);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = getenv("PTP_NAME"), *v;

	if (argc >= 4 && !strcmp(argv[1], "pollattr"))
		return poll_attr(argv[2], atoi(argv[3]));
	if (!name) {
		fprintf(stderr, "ptp_test: PTP_NAME is not set\n");
		return 2;
	}
	ptp_index = phc_find(name);
	if (ptp_index < 0) {
		printf("FAIL find_clock: no PTP clock named '%s' in /sys/class/ptp\n", name);
		return 1;
	}
	snprintf(dev_path, sizeof(dev_path), "/dev/ptp%d", ptp_index);
	v = getenv("PTP_OFFSET_NS");
	want_offset = v ? strtoll(v, NULL, 0) : 0;
	v = getenv("PTP_OFFSET_ERR_NS");
	offset_err = v ? llabs(strtoll(v, NULL, 0)) : 0;
	v = getenv("PTP_SOURCE");
	if (v && !strcmp(v, "raw"))
		source_clock = CLOCK_MONOTONIC_RAW;
	v = getenv("PTP_EXACT");
	exact = v && atoi(v);
	v = getenv("PTP_OFFSET_SELF");
	offset_self = v && atoi(v);
	v = getenv("PTP_XTS");
	want_xts = v ? atoi(v) : -1;
	v = getenv("PTP_XTS_CAP");
	want_cap = v ? atoi(v) : want_xts;

	if (argc >= 3 && !strcmp(argv[1], "errno"))
		return expect_errno(atoi(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "bounded"))
		return bounded(atoi(argv[2]), atoi(argv[3]),
			       argc >= 5 && !strcmp(argv[4], "ext"));
	if (argc >= 4 && !strcmp(argv[1], "coldread"))
		return coldread(atoi(argv[2]), atoi(argv[3]));
	if (argc >= 5 && !strcmp(argv[1], "timeouts"))
		return timeouts(atoi(argv[2]), atoi(argv[3]), atoll(argv[4]));
	if (argc >= 3 && !strcmp(argv[1], "hammer"))
		return hammer(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "read"))
		return slow_read(atol(argv[2]));
	if (want_xts < 0) {
		fprintf(stderr, "ptp_test: PTP_XTS is not set\n");
		return 2;
	}
	return run_suite();
}
