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
 *   ptp_xts cpuid                 "KVMKVMKVM <features hex>" from the
 *                                 hypervisor CPUID leaves, or "none <sig>"
 *   ptp_xts caps DEV              "caps xts=<cross_timestamping>"
 *   ptp_xts precise DEV N         N PTP_SYS_OFFSET_PRECISE calls:
 *   ptp_xts sysoff DEV N          N PTP_SYS_OFFSET samples:
 *   ptp_xts extended DEV N        N PTP_SYS_OFFSET_EXTENDED samples:
 *       "ok n=N min=A max=B win=W": device - CLOCK_REALTIME in ns, smallest
 *       and largest over the samples (the bracket's middle for the
 *       bracketing ioctls), W the widest bracket (0 for precise);
 *       or "err errno=E (text)" with exit status 3
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

#include "phc_util.h"

#define NSEC 1000000000LL

static int64_t pct(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * NSEC + t->nsec;
}

struct stats {
	int n;
	int64_t min, max, win;
};

static void add(struct stats *s, int64_t off, int64_t win)
{
	if (!s->n || off < s->min)
		s->min = off;
	if (!s->n || off > s->max)
		s->max = off;
	if (win > s->win)
		s->win = win;
	s->n++;
}

static int report(const struct stats *s, int err)
{
	if (err) {
		printf("err errno=%d (%s)\n", err, strerror(err));
		return 3;
	}
	printf("ok n=%d min=%" PRId64 " max=%" PRId64 " win=%" PRId64 "\n",
	       s->n, s->min, s->max, s->win);
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
	fprintf(stderr, "ptp_xts: unknown mode %s\n", argv[1]);
	return 2;
}
