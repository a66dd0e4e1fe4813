// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_xts - measure a PTP clock against CLOCK_REALTIME, for shell tests
 *
 * Statically linked, run inside the guests.  Prints one line that the
 * caller judges, and exits 0 when every call worked:
 *
 *   ptp_xts finit FILE            load the module FILE with exactly one
 *                                 finit_module() call (busybox's insmod
 *                                 retries a failed load with init_module):
 *                                 "ok" or "err errno=E (text)"
 *   ptp_xts cost DEV1 DEV2 N      N clock_gettime() calls on each of two
 *                                 PHCs (/dev paths), alternating call by
 *                                 call, the order swapped every call:
 *                                 "cost a=A b=B" medians in ns (CLOCK_MONOTONIC_RAW)
 *   ptp_xts slab N MS [SKIP...]   the slab memory in use, 1 + N samples
 *                                 (do_slab): "cache NAME BYTES" lines,
 *                                 then "slab settle=S n=N min=A max=B"
 *   ptp_xts tod DEV N [precise]   s390x: N reads of DEV (clock_gettime, or
 *                                 the device time of PTP_SYS_OFFSET_PRECISE),
 *                                 each between two STCKE of this process
 *                                 converted here: "tod n=N early=E late=L
 *                                 narrow=M win=W" (tod_bracket)
 *   ptp_xts cpuid                 "KVMKVMKVM <features hex>" from the
 *                                 hypervisor CPUID leaves, or "none <sig>"
 *   ptp_xts caps DEV              "caps xts=<cross_timestamping>"
 *   ptp_xts precise DEV N         N PTP_SYS_OFFSET_PRECISE calls:
 *   ptp_xts sysoff DEV N          N PTP_SYS_OFFSET samples:
 *   ptp_xts extended DEV N        N PTP_SYS_OFFSET_EXTENDED samples:
 *       "ok n=N min=A max=B win=W narrow=M lead=L out=O": device -
 *       CLOCK_REALTIME in ns, smallest and largest over the samples (the
 *       bracket's middle for the bracketing ioctls), W the widest bracket
 *       and M the narrowest (0 for precise), L the smallest device - start
 *       of its bracket, O the farthest a device time lies outside its own
 *       bracket (<= 0: every one inside); or "err errno=E (text)" with exit
 *       status 3
 *   ptp_xts precise-for DEV MS    PTP_SYS_OFFSET_PRECISE in a loop for MS
 *       milliseconds, going on after errors: "ok n=N min=A max=B win=0
 *       errors=E errno=X" (N successful calls, E failed ones, X the last
 *       errno or 0); exit status 3 if any call failed
 *
 * DEV is /dev/ptpN or a clock_name looked up in /sys/class/ptp.
 */
#define _GNU_SOURCE
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ptp_clock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#include "phc_util.h"

#define NSEC 1000000000LL

static int64_t pct(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * NSEC + t->nsec;
}

struct stats {
	int n;
	int64_t min, max, win, narrow, lead, out;
};

/* off: device - middle of its bracket; win: the bracket's width */
static void add(struct stats *s, int64_t off, int64_t win)
{
	int64_t lead = off + win / 2, out = (off < 0 ? -off : off) - win / 2;

	if (!s->n || off < s->min)
		s->min = off;
	if (!s->n || off > s->max)
		s->max = off;
	if (win > s->win)
		s->win = win;
	if (!s->n || win < s->narrow)
		s->narrow = win;
	if (!s->n || lead < s->lead)
		s->lead = lead;
	if (!s->n || out > s->out)
		s->out = out;
	s->n++;
}

static int report(const struct stats *s, int err)
{
	if (err) {
		printf("err errno=%d (%s)\n", err, strerror(err));
		return 3;
	}
	printf("ok n=%d min=%" PRId64 " max=%" PRId64 " win=%" PRId64
	       " narrow=%" PRId64 " lead=%" PRId64 " out=%" PRId64 "\n",
	       s->n, s->min, s->max, s->win, s->narrow, s->lead, s->out);
	return 0;
}

static int do_finit(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		printf("err errno=%d (%s)\n", errno, strerror(errno));
		return 3;
	}
	printf("ok\n");
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

#define COST_MAX 10000

static int do_cost(const char *p1, const char *p2, int n)
{
	static int64_t c[2][COST_MAX];
	struct timespec t0, t1, ts;
	int fd[2], i, k, j;

	fd[0] = open(p1, O_RDONLY);
	fd[1] = open(p2, O_RDONLY);
	if (fd[0] < 0 || fd[1] < 0 || n < 1 || n > COST_MAX) {
		printf("err open %s %s or N out of 1..%d\n", p1, p2, COST_MAX);
		return 2;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			k = (i + j) & 1;
			clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
			if (clock_gettime(FD_TO_CLOCKID(fd[k]), &ts)) {
				printf("err errno=%d (%s)\n", errno, strerror(errno));
				return 3;
			}
			clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
			c[k][i] = (t1.tv_sec - t0.tv_sec) * NSEC + t1.tv_nsec - t0.tv_nsec;
		}
	}
	qsort(c[0], n, sizeof(c[0][0]), cmp64);
	qsort(c[1], n, sizeof(c[1][0]), cmp64);
	printf("cost a=%" PRId64 " b=%" PRId64 "\n", c[0][n / 2], c[1][n / 2]);
	return 0;
}

#define SLAB_CACHES 1024
#define SLAB_SAMPLES 64
#define SLABINFO_MAX (1 << 20)

/* /proc/slabinfo (@fd) into @buf (SLABINFO_MAX bytes): 0 or -1. */
static int read_slabinfo(int fd, char *buf)
{
	size_t len = 0;
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET))
		return -1;
	while ((r = read(fd, buf + len, SLABINFO_MAX - 1 - len)) > 0)
		len += r;
	if (r < 0 || len == SLABINFO_MAX - 1)
		return -1;
	buf[len] = 0;
	return 0;
}

/* Is cache @name one of the @nskip names in @skip? */
static int skipped(const char *name, char **skip, int nskip)
{
	int i;

	for (i = 0; i < nskip; i++)
		if (!strcmp(name, skip[i]))
			return 1;
	return 0;
}

/*
 * The bytes in active objects that slabinfo text @buf lists, less those of
 * the caches in @skip, or -1; with @out, one line "cache NAME BYTES" per
 * cache (skipped ones too) written there.
 */
static int64_t slabinfo_bytes(const char *buf, char **skip, int nskip, FILE *out)
{
	unsigned long active, num, size;
	const char *p;
	char name[64];
	int64_t sum = 0;

	/* "slabinfo - version: 2.1", "# name <active_objs> <num_objs> <objsize> ..." */
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "slabinfo", 8) || *p == '#')
			continue;
		if (sscanf(p, "%63s %lu %lu %lu", name, &active, &num, &size) != 4)
			return -1;
		if (!skipped(name, skip, nskip))
			sum += (int64_t)active * size;
		if (out)
			fprintf(out, "cache %s %lu\n", name, active * size);
	}
	return sum;
}

/*
 * slab N MS [SKIP...]: the slab memory in use, sampled 1 + N times MS ms
 * apart.  Each sample: sync, drop_caches (3), MS ms for RCU to free what
 * that released, every cache shrunk (/sys/kernel/slab/NAME/shrink: its
 * per-CPU slabs flushed, its empty slabs freed), then the bytes in active
 * objects summed over /proc/slabinfo, less the caches named SKIP.  The
 * first sample settles what the activity before left to free and is only
 * printed.  Prints "cache NAME BYTES" for every cache of the smallest of
 * the N others, then "slab settle=S n=N min=A max=B samples=X,Y,..." (bytes,
 * the N in the order taken; N <= SLAB_SAMPLES).  Every file
 * is opened, and slabinfo read once, before the first sample, so that this
 * process allocates (almost) nothing between a shrink and the read: an
 * allocation after the shrink takes a slab from the partial list, whose
 * free objects then count as active.
 */
static int do_slab(int n, int ms, char **skip, int nskip)
{
	static char buf[SLABINFO_MAX], minbuf[SLABINFO_MAX];
	static int shrink[SLAB_CACHES];
	int64_t samples[SLAB_SAMPLES];
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int info, drop, ns = 0, i, k;
	int64_t v, settle = 0, min = 0, max = 0;
	struct dirent *e;
	char path[300];
	DIR *d;

	if (n < 1 || n > SLAB_SAMPLES) {
		printf("err N must be 1..%d\n", SLAB_SAMPLES);
		return 2;
	}
	info = open("/proc/slabinfo", O_RDONLY);
	drop = open("/proc/sys/vm/drop_caches", O_WRONLY);
	d = opendir("/sys/kernel/slab");
	if (info < 0 || drop < 0 || !d) {
		printf("err /proc/slabinfo, drop_caches or /sys/kernel/slab: %s\n",
		       strerror(errno));
		return 2;
	}
	/* the real caches; the other entries are links to them (aliases) */
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		if (ns == SLAB_CACHES) {
			printf("err more than %d caches\n", SLAB_CACHES);
			return 2;
		}
		shrink[ns] = open(path, O_WRONLY);
		if (shrink[ns] < 0) {
			printf("err open %s: %s\n", path, strerror(errno));
			return 2;
		}
		ns++;
	}
	closedir(d);
	if (read_slabinfo(info, buf) || slabinfo_bytes(buf, skip, nskip, NULL) < 0) {
		printf("err cannot parse /proc/slabinfo\n");
		return 2;
	}
	for (i = 0; i <= n; i++) {
		sync();
		if (pwrite(drop, "3", 1, 0) != 1) {
			printf("err drop_caches: %s\n", strerror(errno));
			return 3;
		}
		nanosleep(&ts, NULL);
		for (k = 0; k < ns; k++)
			if (pwrite(shrink[k], "1", 1, 0) != 1) {
				printf("err shrink: %s\n", strerror(errno));
				return 3;
			}
		v = read_slabinfo(info, buf) ? -1 :
		    slabinfo_bytes(buf, skip, nskip, NULL);
		if (v < 0) {
			printf("err cannot parse /proc/slabinfo\n");
			return 3;
		}
		if (!i) {
			settle = v;
			continue;
		}
		samples[i - 1] = v;
		if (i == 1 || v < min) {
			min = v;
			memcpy(minbuf, buf, strlen(buf) + 1);
		}
		if (i == 1 || v > max)
			max = v;
	}
	slabinfo_bytes(minbuf, skip, nskip, stdout);
	printf("slab settle=%" PRId64 " n=%d min=%" PRId64 " max=%" PRId64 " samples=",
	       settle, n, min, max);
	for (i = 0; i < n; i++)
		printf("%s%" PRId64, i ? "," : "", samples[i]);
	printf("\n");
	return 0;
}

#if !defined(__x86_64__) && !defined(__i386__)
static int do_cpuid(void)
{
	printf("none no-cpuid-on-this-architecture\n");
	return 1;
}
#else
static int do_cpuid(void)
{
	unsigned int a, b, c, d, feat = 0;
	char sig[13];

	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (strcmp(sig, "KVMKVMKVM")) {
		printf("none %.12s\n", sig);
		return 1;
	}
	if (a >= 0x40000001) {
		__cpuid(0x40000001, a, b, c, d);
		feat = a;
	}
	printf("%s %#x\n", sig, feat);
	return 0;
}
#endif

#ifdef __s390x__
/*
 * The TOD clock read in this process (STORE CLOCK EXTENDED is not
 * privileged), in ns since 1970: byte 0 is the epoch index, bytes 1-8 the
 * TOD, whose bit 51 is 1 us (4096 units per us); the Unix epoch is
 * 2208988800 s after the TOD's (1900).  Written here from those facts, not
 * with include/ptp_pure_math.h.
 */
static int64_t user_tod_ns(void)
{
	struct {
		unsigned char b[16];
	} c;
	unsigned __int128 v = 0;
	int i;

	asm volatile("stcke %0" : "=Q" (c) : : "cc");
	for (i = 0; i <= 8; i++)
		v = (v << 8) | c.b[i];
	return (int64_t)(v * 1000 / 4096 - 2208988800ULL * (unsigned __int128)NSEC);
}

/*
 * tod DEV N [precise]: N reads of DEV, each between two TOD reads of this
 * process: "tod n=N early=E late=L narrow=M win=W", E the most a read lay
 * before the TOD just before it, L the most it lay after the TOD just after
 * it (both <= 0 for a clock that shows the TOD: both sides round down), M
 * and W the narrowest and the widest bracket, in ns.
 */
static int tod_bracket(int fd, int n, int use_precise)
{
	int64_t early = INT64_MIN, late = INT64_MIN, narrow = INT64_MAX, win = 0;
	int64_t a, b, t;
	struct ptp_sys_offset_precise p;
	struct timespec ts;
	int i, r;

	for (i = 0; i < n; i++) {
		memset(&p, 0, sizeof(p));
		a = user_tod_ns();
		r = use_precise ? ioctl(fd, PTP_SYS_OFFSET_PRECISE, &p) :
				  clock_gettime(FD_TO_CLOCKID(fd), &ts);
		b = user_tod_ns();
		if (r) {
			printf("err errno=%d (%s)\n", errno, strerror(errno));
			return 3;
		}
		t = use_precise ? pct(&p.device) : ts.tv_sec * NSEC + ts.tv_nsec;
		if (a - t > early)
			early = a - t;
		if (t - b > late)
			late = t - b;
		if (b - a > win)
			win = b - a;
		if (b - a < narrow)
			narrow = b - a;
	}
	printf("tod n=%d early=%" PRId64 " late=%" PRId64 " narrow=%" PRId64
	       " win=%" PRId64 "\n", n, early, late, narrow, win);
	return 0;
}
#else
static int tod_bracket(int fd, int n, int use_precise)
{
	(void)fd;
	(void)n;
	(void)use_precise;
	printf("err no TOD clock on this architecture\n");
	return 2;
}
#endif

static int precise(int fd, int n)
{
	struct ptp_sys_offset_precise p;
	struct stats s = { 0 };
	int i;

	for (i = 0; i < n; i++) {
		memset(&p, 0, sizeof(p));
		if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &p))
			return report(&s, errno);
		add(&s, pct(&p.device) - pct(&p.sys_realtime), 0);
	}
	return report(&s, 0);
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int precise_for(int fd, int ms)
{
	struct ptp_sys_offset_precise p;
	struct stats s = { 0 };
	int64_t end = mono_ms() + ms;
	long errors = 0;
	int last = 0;

	while (mono_ms() < end) {
		memset(&p, 0, sizeof(p));
		if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &p)) {
			errors++;
			last = errno;
			continue;
		}
		add(&s, pct(&p.device) - pct(&p.sys_realtime), 0);
	}
	printf("ok n=%d min=%" PRId64 " max=%" PRId64 " win=0 errors=%ld errno=%d\n",
	       s.n, s.min, s.max, errors, last);
	return errors ? 3 : 0;
}

static int sysoff(int fd, int n)
{
	struct ptp_sys_offset so;
	struct stats s = { 0 };
	int i;

	if (n > PTP_MAX_SAMPLES)
		n = PTP_MAX_SAMPLES;
	memset(&so, 0, sizeof(so));
	so.n_samples = n;
	if (ioctl(fd, PTP_SYS_OFFSET, &so))
		return report(&s, errno);
	for (i = 0; i < n; i++) {
		int64_t pre = pct(&so.ts[2 * i]), post = pct(&so.ts[2 * i + 2]);

		add(&s, pct(&so.ts[2 * i + 1]) - (pre + post) / 2, post - pre);
	}
	return report(&s, 0);
}

static int extended(int fd, int n)
{
	struct ptp_sys_offset_extended e;
	struct stats s = { 0 };
	int i;

	if (n > PTP_MAX_SAMPLES)
		n = PTP_MAX_SAMPLES;
	memset(&e, 0, sizeof(e));
	e.n_samples = n;
	if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &e))
		return report(&s, errno);
	for (i = 0; i < n; i++) {
		int64_t pre = pct(&e.ts[i][0]), post = pct(&e.ts[i][2]);

		add(&s, pct(&e.ts[i][1]) - (pre + post) / 2, post - pre);
	}
	return report(&s, 0);
}

int main(int argc, char **argv)
{
	char path[64];
	int fd, n;

	if (argc >= 2 && !strcmp(argv[1], "cpuid"))
		return do_cpuid();
	if (argc == 3 && !strcmp(argv[1], "finit"))
		return do_finit(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "cost"))
		return do_cost(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 4 && !strcmp(argv[1], "slab"))
		return do_slab(atoi(argv[2]), atoi(argv[3]), argv + 4, argc - 4);
	if (argc < 3) {
		fprintf(stderr, "usage: ptp_xts cpuid | caps DEV | precise|sysoff|extended DEV N\n");
		return 2;
	}
	if (argv[2][0] == '/') {
		snprintf(path, sizeof(path), "%s", argv[2]);
	} else {
		int idx = phc_find(argv[2]);

		if (idx < 0) {
			printf("err no PTP clock named '%s'\n", argv[2]);
			return 2;
		}
		snprintf(path, sizeof(path), "/dev/ptp%d", idx);
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("err open %s: %s\n", path, strerror(errno));
		return 2;
	}
	n = argc >= 4 ? atoi(argv[3]) : 1;
	if (n < 1)
		n = 1;
	if (!strcmp(argv[1], "caps")) {
		struct ptp_clock_caps caps;
		struct stats none = { 0 };

		memset(&caps, 0, sizeof(caps));
		if (ioctl(fd, PTP_CLOCK_GETCAPS, &caps))
			return report(&none, errno);
		printf("caps xts=%d\n", caps.cross_timestamping);
		return 0;
	}
	if (!strcmp(argv[1], "precise"))
		return precise(fd, n);
	if (!strcmp(argv[1], "precise-for"))
		return precise_for(fd, n);
	if (!strcmp(argv[1], "sysoff"))
		return sysoff(fd, n);
	if (!strcmp(argv[1], "extended"))
		return extended(fd, n);
	if (!strcmp(argv[1], "tod"))
		return tod_bracket(fd, n, argc >= 5 && !strcmp(argv[4], "precise"));
	fprintf(stderr, "ptp_xts: unknown mode %s\n", argv[1]);
	return 2;
}
