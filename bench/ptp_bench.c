// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_bench - read-path costs of a PHC, run inside a guest
 *
 * Usage: ptp_bench NAME [ROUNDS]
 *        ptp_bench compare NAME1 NAME2 [N]
 *        ptp_bench pair NAME1 NAME2 [ROUNDS]
 *        ptp_bench insn NAME1 NAME2 [N [ROUNDS]]   (below)
 *   NAME    clock_name of the PHC (see /sys/class/ptp/ptpN/clock_name)
 *   ROUNDS  measurement rounds (default 20)
 *
 * compare reads the two clocks alternately N times (default 101) with
 * PTP_SYS_OFFSET_EXTENDED and prints the median and largest difference of
 * their offsets to CLOCK_REALTIME: "compare median_ns M max_ns X".
 *
 * Per round it measures, against CLOCK_REALTIME:
 *   window  width of the PTP_SYS_OFFSET_EXTENDED window (post - pre), ns,
 *           median over 25 samples of one ioctl
 *   ioctl   wall time of one PTP_SYS_OFFSET_EXTENDED ioctl with 1 sample, ns,
 *           median over 200 calls
 *   gettime wall time of clock_gettime() on the PHC, ns, median over 200
 *   mt1/mt2 reads per second from 1 and from 2 threads (each thread on its
 *           own CPU when there are two), 200 ms each
 * and prints one line per round:
 *   round N window W ioctl I gettime G mt1 R1 mt2 R2
 * The host side (bench/run.sh) turns rounds into min/median/max and ratios.
 *
 * pair measures two clocks in one process, alternating: the per-call costs
 * call by call (400 of each per round, the order swapped every call, on
 * CPU 0) and the throughputs in 100 ms slices (4 of each per round).  Each
 * round prints two lines, the round line above prefixed by the clock's name.
 *
 *        ptp_bench insn NAME1 NAME2 [N [ROUNDS]]
 * insn is for the TCG plugin bench/insn/insn_count.c (bench/insn.sh): each
 * read is bracketed by the plugin's markers (bench/insn/insn_mark.h), so the
 * plugin logs the guest instructions of every read.  Per round (default 5)
 * it does blocks of N (default 200) reads: an empty region (the baseline),
 * getppid() (a syscall, for reference), then for each clock, alternating
 * which comes first, clock_gettime() on the PHC, PTP_SYS_OFFSET_EXTENDED (1
 * sample) and PTP_SYS_OFFSET_PRECISE; after each block one line
 *   INSN ROUND CLOCK OP N        (CLOCK 1 or 2 for NAME1/NAME2, - for none)
 * in the order of the plugin's lines.  An operation the clock refuses (say
 * PRECISE: EOPNOTSUPP) is tried once outside the markers and reported as
 *   INSNSKIP CLOCK OP errno
 * instead.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../tests/guest/phc_util.h"
#include "insn/insn_mark.h"


static char dev_path[64];

static int64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int64_t pct_ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * 1000000000LL + t->nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t median(int64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp64);
	return v[n / 2];
}

static int extended(int fd, unsigned int n, struct ptp_sys_offset_extended *e)
{
	memset(e, 0, sizeof(*e));
	e->n_samples = n;
	return ioctl(fd, PTP_SYS_OFFSET_EXTENDED, e);
}

struct reader {
	const char *path;
	int cpu;
	long reads;
	int64_t until;
	int err;
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	struct timespec t;
	cpu_set_t set;
	int fd = open(r->path, O_RDONLY);

	if (fd < 0) {
		r->err = errno;
		return NULL;
	}
	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (now_ns(CLOCK_MONOTONIC) < r->until) {
		if (clock_gettime(FD_TO_CLOCKID(fd), &t)) {
			r->err = errno;
			break;
		}
		r->reads++;
	}
	close(fd);
	return NULL;
}

/* Reads of @path per second from @n threads on CPUs 0..n-1 for @ms ms. */
static long throughput(const char *path, int n, int ms)
{
	struct reader r[2];
	pthread_t th[2];
	int64_t until = now_ns(CLOCK_MONOTONIC) + ms * 1000000LL;
	long total = 0;
	int i, ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].path = path;
		r[i].cpu = i % (ncpu > 0 ? ncpu : 1);
		r[i].until = until;
		pthread_create(&th[i], NULL, reader_thread, &r[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (r[i].err) {
			fprintf(stderr, "ptp_bench: read: %s\n", strerror(r[i].err));
			exit(1);
		}
		total += r[i].reads;
	}
	return total * 1000 / ms;
}

/* Open the PHC named @name; its path is left in @path (64 bytes). */
static int open_named(const char *name, char *path)
{
	int idx = phc_find(name), fd;

	if (idx < 0) {
		fprintf(stderr, "ptp_bench: no PTP clock named '%s'\n", name);
		exit(1);
	}
	snprintf(path, 64, "/dev/ptp%d", idx);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "ptp_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Wall time of one clock_gettime() (@ioctl_read 0) or EXTENDED ioctl (1), ns. */
static int64_t one_read(int fd, int ioctl_read)
{
	struct ptp_sys_offset_extended e;
	struct timespec ts;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	int ret = ioctl_read ? extended(fd, 1, &e) :
			       clock_gettime(FD_TO_CLOCKID(fd), &ts);

	if (ret) {
		fprintf(stderr, "ptp_bench: read: %s\n", strerror(errno));
		exit(1);
	}
	return now_ns(CLOCK_MONOTONIC) - t0;
}

/* Median width (post - pre) of the samples of one full EXTENDED ioctl, ns. */
static int64_t window_ns(int fd)
{
	struct ptp_sys_offset_extended e;
	int64_t w[PTP_MAX_SAMPLES];
	int i;

	if (extended(fd, PTP_MAX_SAMPLES, &e)) {
		fprintf(stderr, "ptp_bench: EXTENDED: %s\n", strerror(errno));
		exit(1);
	}
	for (i = 0; i < PTP_MAX_SAMPLES; i++)
		w[i] = pct_ns(&e.ts[i][2]) - pct_ns(&e.ts[i][0]);
	return median(w, PTP_MAX_SAMPLES);
}

#define PAIR_READS	400
#define PAIR_SLICES	4

/*
 * The metrics of both clocks, read alternately call by call (the order
 * swapped every call) and, for throughput, in alternating 100 ms slices, so
 * that both see the same emulated CPU.  Prints a round line for each,
 * prefixed with its name.
 */
static int pair(const char *name[2], int rounds)
{
	static int64_t v[2][2][PAIR_READS];
	char path[2][64];
	int64_t w[2];
	long mt[2][2];
	int fd[2], r, i, k, m, n;
	cpu_set_t all, one;

	/* The per-call costs on one vCPU: no migration in between */
	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	for (k = 0; k < 2; k++)
		fd[k] = open_named(name[k], path[k]);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 2; k++)
			w[k] = window_ns(fd[k]);
		sched_setaffinity(0, sizeof(one), &one);
		for (m = 0; m < 2; m++)
			for (i = 0; i < PAIR_READS; i++)
				for (k = 0; k < 2; k++)
					v[(k + i) & 1][m][i] = one_read(fd[(k + i) & 1], m);
		sched_setaffinity(0, sizeof(all), &all);
		memset(mt, 0, sizeof(mt));
		for (i = 0; i < PAIR_SLICES; i++)
			for (n = 1; n <= 2; n++)
				for (k = 0; k < 2; k++)
					mt[(k + i) & 1][n - 1] +=
						throughput(path[(k + i) & 1], n, 100) / PAIR_SLICES;
		for (k = 0; k < 2; k++)
			printf("%s round %d window %lld ioctl %lld gettime %lld mt1 %ld mt2 %ld\n",
			       name[k], r, (long long)w[k],
			       (long long)median(v[k][1], PAIR_READS),
			       (long long)median(v[k][0], PAIR_READS), mt[k][0], mt[k][1]);
		fflush(stdout);
	}
	return 0;
}

enum insn_op { OP_NONE, OP_SYSCALL, OP_GETTIME, OP_EXTENDED, OP_PRECISE, OP_COUNT };
static const char *const insn_op_name[OP_COUNT] = {
	"none", "syscall", "gettime", "extended", "precise"
};

/* One read of kind @op on @fd: the code between the markers. */
static __attribute__((noinline)) int insn_read(int fd, enum insn_op op,
					       struct ptp_sys_offset_extended *e,
					       struct ptp_sys_offset_precise *p)
{
	struct timespec ts;

	switch (op) {
	case OP_SYSCALL:
		return getppid() > 0 ? 0 : -1;
	case OP_GETTIME:
		return clock_gettime(FD_TO_CLOCKID(fd), &ts);
	case OP_EXTENDED:
		return ioctl(fd, PTP_SYS_OFFSET_EXTENDED, e);
	case OP_PRECISE:
		return ioctl(fd, PTP_SYS_OFFSET_PRECISE, p);
	default:
		return 0;
	}
}

/* @n reads of kind @op on @fd, each between the plugin's markers. */
static void insn_block(int fd, enum insn_op op, int n)
{
	static struct ptp_sys_offset_extended e = { .n_samples = 1 };
	static struct ptp_sys_offset_precise p;
	int i, ret;

	for (i = 0; i < n; i++) {
		INSN_MARK_BEGIN();
		ret = insn_read(fd, op, &e, &p);
		INSN_MARK_END();
		if (ret) {
			fprintf(stderr, "ptp_bench: %s: %s\n", insn_op_name[op], strerror(errno));
			exit(1);
		}
	}
}

static int insn(const char *name[2], int n, int rounds)
{
	struct ptp_sys_offset_extended e = { .n_samples = 1 };
	struct ptp_sys_offset_precise p;
	int fd[2], ok[2][OP_COUNT], r, k, c;
	enum insn_op op;
	char path[64];

	for (k = 0; k < 2; k++) {
		fd[k] = open_named(name[k], path);
		/* Which reads work, and warm caches and pages up, unmarked. */
		for (op = OP_GETTIME; op < OP_COUNT; op++) {
			memset(&p, 0, sizeof(p));
			ok[k][op] = !insn_read(fd[k], op, &e, &p);
			if (!ok[k][op])
				printf("INSNSKIP %d %s %d\n", k + 1, insn_op_name[op], errno);
		}
	}
	for (r = 0; r < rounds; r++) {
		for (op = OP_NONE; op <= OP_SYSCALL; op++) {
			insn_block(-1, op, n);
			printf("INSN %d - %s %d\n", r, insn_op_name[op], n);
		}
		for (op = OP_GETTIME; op < OP_COUNT; op++)
			for (c = 0; c < 2; c++) {
				k = (c + r) & 1;
				if (!ok[k][op])
					continue;
				insn_block(fd[k], op, n);
				printf("INSN %d %d %s %d\n", r, k + 1, insn_op_name[op], n);
			}
		fflush(stdout);
	}
	return 0;
}

/* PHC - CLOCK_REALTIME at the middle of one EXTENDED sample. */
static int64_t offset_ns(int fd)
{
	struct ptp_sys_offset_extended e;

	if (extended(fd, 1, &e)) {
		fprintf(stderr, "ptp_bench: EXTENDED: %s\n", strerror(errno));
		exit(1);
	}
	return pct_ns(&e.ts[0][1]) -
	       (pct_ns(&e.ts[0][0]) + pct_ns(&e.ts[0][2])) / 2;
}

static int compare(const char *a, const char *b, int n)
{
	char pa[64], pb[64];
	int fa = open_named(a, pa), fb = open_named(b, pb), i;
	int64_t *d = calloc(n, sizeof(*d)), max = 0;

	if (!d)
		return 1;
	for (i = 0; i < n; i++) {
		d[i] = llabs((long long)(offset_ns(fa) - offset_ns(fb)));
		if (d[i] > max)
			max = d[i];
	}
	printf("compare median_ns %lld max_ns %lld\n", (long long)median(d, n),
	       (long long)max);
	free(d);
	close(fa);
	close(fb);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t c[200], g[200], w;
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	int fd, r, i;

	if (argc >= 4 && !strcmp(argv[1], "compare"))
		return compare(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 101);
	if (argc >= 4 && !strcmp(argv[1], "insn"))
		return insn((const char **)argv + 2, argc > 4 ? atoi(argv[4]) : 200,
			    argc > 5 ? atoi(argv[5]) : 5);
	if (argc >= 4 && !strcmp(argv[1], "pair"))
		return pair((const char **)argv + 2, argc > 4 ? atoi(argv[4]) : 20);
	if (argc < 2) {
		fprintf(stderr, "usage: ptp_bench NAME [ROUNDS] | compare NAME1 NAME2 [N] | pair NAME1 NAME2 [ROUNDS] | insn NAME1 NAME2 [N [ROUNDS]]\n");
		return 2;
	}
	fd = open_named(argv[1], dev_path);
	for (r = 0; r < rounds; r++) {
		w = window_ns(fd);
		for (i = 0; i < 200; i++)
			c[i] = one_read(fd, 1);
		for (i = 0; i < 200; i++)
			g[i] = one_read(fd, 0);
		printf("round %d window %lld ioctl %lld gettime %lld mt1 %ld mt2 %ld\n",
		       r, (long long)w, (long long)median(c, 200), (long long)median(g, 200),
		       throughput(dev_path, 1, 200), throughput(dev_path, 2, 200));
		fflush(stdout);
	}
	close(fd);
	return 0;
}
