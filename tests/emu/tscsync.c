// SPDX-License-Identifier: GPL-2.0
/*
 * tscsync - guest side of vmclock-emu's "tscsync" command (static binary)
 *
 * Usage: tscsync [-d TTY] [-n ROUNDS] [-m adopt|measure] [-p PHC] [-s]
 *
 * Puts a mailbox (tscsync.h) in a locked page of its own memory, finds the
 * page's physical address in /proc/self/pagemap, asks the emulator over the
 * command port to play ping-pong with it, and so learns, to within a round
 * trip, which guest TSC value the host's TSC and CLOCK_REALTIME readings
 * belong to.  With "adopt" (default) the emulator then uses the measured
 * TSC offset for the vmclock page; "measure" only reports it.
 *
 * -p PHC  reads that PTP clock between the rounds and compares it with the
 *         host's CLOCK_REALTIME at the same guest TSC (interpolated between
 *         the rounds around the read): an end-to-end check of the page, the
 *         driver and the offset that does not rely on the guest's clock.
 * -s      sets the guest's CLOCK_REALTIME to the host's.
 *
 * Prints key=value lines; exit status 0 on success, 1 on failure.
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o tscsync tscsync.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timex.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tscsync.h"

#define NSEC_PER_SEC		1000000000LL
#define ROUND_TIMEOUT_NS	(3 * NSEC_PER_SEC)
#define REPLY_TIMEOUT_MS	5000
#define FD_TO_CLOCKID(fd)	((~(clockid_t)(fd) << 3) | 3)

struct phc_sample {
	uint64_t x1, x2;	/* guest TSC around the read */
	int64_t ns;		/* PHC time */
	int err;		/* errno of a failed read */
};

/* The command port: the third UART on x86, the second virtio console on arm64. */
#if defined(__aarch64__)
static const char *tty = "/dev/hvc1";
#else
static const char *tty = "/dev/ttyS2";
#endif

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("error=");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* The guest counter of the vmclock page: the TSC, or arm64's CNTVCT_EL0. */
static inline uint64_t rdtsc_ordered(void)
{
#if defined(__aarch64__)
	uint64_t v;

	__asm__ __volatile__("isb; mrs %0, cntvct_el0; isb" : "=r"(v) : : "memory");
	return v;
#else
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
#endif
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int open_tty(void)
{
	struct termios t;
	int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		fail("open %s: %s", tty, strerror(errno));
	if (tcgetattr(fd, &t))
		fail("tcgetattr %s: %s", tty, strerror(errno));
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t))
		fail("tcsetattr %s: %s", tty, strerror(errno));
	if (tcflush(fd, TCIFLUSH))
		fail("tcflush %s: %s", tty, strerror(errno));
	return fd;
}

/* Read one reply line from the command port. */
static void read_reply(int fd, char *buf, size_t len)
{
	int64_t deadline = mono_ns() + REPLY_TIMEOUT_MS * 1000000LL;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	char c;

	for (;;) {
		int left = (int)((deadline - mono_ns()) / 1000000), r;

		if (left <= 0)
			fail("no reply from the emulator on %s within %d ms", tty,
			     REPLY_TIMEOUT_MS);
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("poll %s: %s", tty, strerror(errno));
		if (r == 0)
			continue;
		r = (int)read(fd, &c, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			fail("read %s: %s", tty, r ? strerror(errno) : "end of file");
		if (c == '\n')
			break;
		if (c != '\r' && n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = 0;
}

/* Physical address of the page at @p (needs CAP_SYS_ADMIN). */
static uint64_t phys_addr(const void *p)
{
	uint64_t entry, pfn;
	long psz = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (off_t)((uintptr_t)p / (uintptr_t)psz * sizeof(entry));

	if (fd < 0)
		fail("open /proc/self/pagemap: %s", strerror(errno));
	if (pread(fd, &entry, sizeof(entry), off) != (ssize_t)sizeof(entry))
		fail("read /proc/self/pagemap: %s", strerror(errno));
	close(fd);
	pfn = entry & ((1ULL << 55) - 1);
	if (!(entry >> 63) || !pfn)
		fail("no physical address for the mailbox (not root?)");
	return pfn * (uint64_t)psz;
}

static bool wait_ack(volatile struct tsync_box *box, uint32_t want)
{
	int64_t deadline = mono_ns() + ROUND_TIMEOUT_NS;
	unsigned int spins = 0;

	while (__atomic_load_n(&box->ack, __ATOMIC_ACQUIRE) != want) {
		if (++spins % 1024 == 0 && mono_ns() > deadline)
			return false;
#if defined(__aarch64__)
		__asm__ __volatile__("yield");
#else
		__builtin_ia32_pause();
#endif
	}
	return true;
}

static void read_phc(int fd, struct phc_sample *s)
{
	struct timespec ts;

	s->x1 = rdtsc_ordered();
	s->err = clock_gettime(FD_TO_CLOCKID(fd), &ts) ? errno : 0;
	s->x2 = rdtsc_ordered();
	s->ns = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Guest CLOCK_REALTIME minus the host's, extrapolated from the last round:
 * the narrowest of 16 TSC brackets around the clock read (a vCPU that is
 * switched out between the reads widens one by milliseconds).  @err_ns gets
 * how far it may be off: half that bracket.
 */
static int64_t guest_minus_host(const struct tsync_rec *rec, const long double *m,
				unsigned int rounds, long double ns_per_tick,
				int64_t *err_ns)
{
	struct timespec ts, best_ts = { 0, 0 };
	uint64_t x1, x2, best_w = UINT64_MAX, best_x1 = 0;
	long double x, host;
	int i;

	for (i = 0; i < 16; i++) {
		x1 = rdtsc_ordered();
		clock_gettime(CLOCK_REALTIME, &ts);
		x2 = rdtsc_ordered();
		if (x2 - x1 < best_w) {
			best_w = x2 - x1;
			best_x1 = x1;
			best_ts = ts;
		}
	}
	x = (long double)best_x1 + (long double)best_w / 2;
	host = rec[rounds - 1].rt_ns + (x - m[rounds - 1]) * ns_per_tick;
	*err_ns = (int64_t)((long double)best_w / 2 * ns_per_tick) + 1;
	return (int64_t)((long double)best_ts.tv_sec * NSEC_PER_SEC + best_ts.tv_nsec - host);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	volatile struct tsync_box *box;
	struct tsync_rec rec[TSYNC_MAX_ROUNDS];
	struct phc_sample phc[TSYNC_MAX_ROUNDS];
	int64_t lo = INT64_MIN, hi = INT64_MAX, diffs[TSYNC_MAX_ROUNDS], g, g_err;
	long double m[TSYNC_MAX_ROUNDS], ns_per_tick, off_mid;
	const char *mode = "adopt", *phc_path = NULL;
	unsigned int rounds = 16, i, n_phc = 0, n_err = 0;
	uint64_t pa, rtt_min = UINT64_MAX, phc_w = 0, host_w = 0;
	char cmd[128], reply[1024];
	bool set_clock = false;
	int c, fd, phc_fd = -1, first_err = 0;
	void *page;

	while ((c = getopt(argc, argv, "d:n:m:p:s")) != -1) {
		switch (c) {
		case 'd':
			tty = optarg;
			break;
		case 'n':
			rounds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'p':
			phc_path = optarg;
			break;
		case 's':
			set_clock = true;
			break;
		default:
			fprintf(stderr, "usage: tscsync [-d TTY] [-n ROUNDS] "
				"[-m adopt|measure] [-p PHC] [-s]\n");
			return 2;
		}
	}
	if (rounds < 2 || rounds > TSYNC_MAX_ROUNDS)
		fail("-n: 2..%d rounds", TSYNC_MAX_ROUNDS);
	if (strcmp(mode, "adopt") && strcmp(mode, "measure"))
		fail("-m: adopt or measure");
	if (phc_path) {
		phc_fd = open(phc_path, O_RDONLY | O_CLOEXEC);
		if (phc_fd < 0)
			fail("open %s: %s", phc_path, strerror(errno));
	}

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (page == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	if (mlock(page, 4096))
		fail("mlock: %s", strerror(errno));
	memset(page, 0, 4096);
	box = page;
	box->magic = TSYNC_MAGIC;
	box->rounds = rounds;
	pa = phys_addr(page);

	fd = open_tty();
	snprintf(cmd, sizeof(cmd), "tscsync 0x%" PRIx64 " %u %s\n", pa, rounds, mode);
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		fail("write %s: %s", tty, strerror(errno));

	for (i = 0; i < rounds; i++) {
		box->rec[i].g1 = rdtsc_ordered();
		__atomic_store_n(&box->req, i + 1, __ATOMIC_RELEASE);
		if (!wait_ack(box, i + 1)) {
			box->done = 2;
			read_reply(fd, reply, sizeof(reply));
			fail("no answer in round %u; emulator said: %s", i, reply);
		}
		box->rec[i].g2 = rdtsc_ordered();
		if (phc_fd >= 0 && i + 1 < rounds)
			read_phc(phc_fd, &phc[n_phc++]);
	}
	__atomic_store_n(&box->done, 1, __ATOMIC_RELEASE);
	memcpy(rec, (const void *)box->rec, sizeof(rec[0]) * rounds);
	read_reply(fd, reply, sizeof(reply));
	printf("reply=%s\n", reply);
	if (strncmp(reply, "ok", 2))
		return 1;

	/* The same bounds the emulator computed. */
	for (i = 0; i < rounds; i++) {
		int64_t l = (int64_t)(rec[i].g1 - rec[i].h1);
		int64_t h = (int64_t)(rec[i].g2 - rec[i].h2);

		if (l > lo)
			lo = l;
		if (h < hi)
			hi = h;
		if (rec[i].g2 - rec[i].g1 < rtt_min)
			rtt_min = rec[i].g2 - rec[i].g1;
		if (rec[i].h2 - rec[i].h1 > host_w)
			host_w = rec[i].h2 - rec[i].h1;
	}
	printf("pagemap_pa=0x%" PRIx64 "\n", pa);
	printf("offset_lo=%" PRId64 "\noffset_hi=%" PRId64 "\n", lo, hi);
	if (lo > hi)
		fail("inconsistent offset bounds");
	off_mid = (long double)lo + (long double)(hi - lo) / 2;
	/* Host reading i, placed on the guest TSC scale. */
	for (i = 0; i < rounds; i++)
		m[i] = (long double)rec[i].h1 + (long double)(rec[i].h2 - rec[i].h1) / 2 +
		       off_mid;
	ns_per_tick = (long double)(rec[rounds - 1].rt_ns - rec[0].rt_ns) /
		      (m[rounds - 1] - m[0]);
	printf("offset_width_ns=%.0Lf\n", (long double)(hi - lo) * ns_per_tick);
	printf("rtt_min_ns=%.0Lf\n", (long double)rtt_min * ns_per_tick);
	printf("tsc_mhz=%.3Lf\n", 1e3L / ns_per_tick);
	printf("span_us=%.1Lf\n", (m[rounds - 1] - m[0]) * ns_per_tick / 1e3L);

	/* PHC read i lies between host readings i and i + 1. */
	for (i = 0; i < n_phc; i++) {
		long double x = ((long double)phc[i].x1 + phc[i].x2) / 2, host;

		if (phc[i].err) {
			if (!n_err++)
				first_err = phc[i].err;
			continue;
		}
		host = rec[i].rt_ns + (x - m[i]) *
		       (long double)(rec[i + 1].rt_ns - rec[i].rt_ns) / (m[i + 1] - m[i]);
		diffs[i - n_err] = (int64_t)((long double)phc[i].ns - host);
		if (phc[i].x2 - phc[i].x1 > phc_w)
			phc_w = phc[i].x2 - phc[i].x1;
	}
	if (phc_fd >= 0) {
		unsigned int n = n_phc - n_err;

		printf("phc_samples=%u\nphc_errors=%u\n", n, n_err);
		if (n_err)
			printf("phc_error=%s\n", strerrorname_np(first_err) ?
			       strerrorname_np(first_err) : strerror(first_err));
		if (n) {
			qsort(diffs, n, sizeof(diffs[0]), cmp_i64);
			printf("phc_minus_host_ns_min=%" PRId64 "\n", diffs[0]);
			printf("phc_minus_host_ns=%" PRId64 "\n", diffs[n / 2]);
			printf("phc_minus_host_ns_max=%" PRId64 "\n", diffs[n - 1]);
			printf("phc_read_max_ns=%.0Lf\n", (long double)phc_w * ns_per_tick);
			/*
			 * How far each difference may lie from the truth for a
			 * PHC that is exact: the clock was read somewhere in its
			 * bracket (half of it from the midpoint used), the host
			 * reading somewhere in its own, and the offset that
			 * places host readings on the guest's counter anywhere
			 * in [lo, hi] (half of it from off_mid); +1 ns rounding.
			 */
			printf("phc_bound_ns=%.0Lf\n",
			       (long double)(phc_w + host_w + (uint64_t)(hi - lo)) / 2 *
			       ns_per_tick + 1);
		}
	}

	/* The guest's own clock against the host's, after the last round. */
	if (set_clock) {
		struct timespec ts;
		struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
		long double host;
		int64_t r;

		/* A coarse step, then the residual as an atomic relative step. */
		host = rec[rounds - 1].rt_ns +
		       ((long double)rdtsc_ordered() - m[rounds - 1]) * ns_per_tick;
		ts.tv_sec = (time_t)(host / NSEC_PER_SEC);
		ts.tv_nsec = (long)(host - (long double)ts.tv_sec * NSEC_PER_SEC);
		if (clock_settime(CLOCK_REALTIME, &ts))
			fail("clock_settime: %s", strerror(errno));
		r = guest_minus_host(rec, m, rounds, ns_per_tick, &g_err);
		r = -r;
		tx.time.tv_sec = r / NSEC_PER_SEC;
		tx.time.tv_usec = r % NSEC_PER_SEC;
		if (tx.time.tv_usec < 0) {
			tx.time.tv_usec += NSEC_PER_SEC;
			tx.time.tv_sec--;
		}
		if (adjtimex(&tx) < 0)
			fail("adjtimex(ADJ_SETOFFSET): %s", strerror(errno));
		printf("set_clock=ok\n");
	}
	g = guest_minus_host(rec, m, rounds, ns_per_tick, &g_err);
	/* Its uncertainty: the clock read's and the offset's brackets. */
	printf("guest_rt_minus_host_ns=%" PRId64 "\n", g);
	printf("guest_rt_err_ns=%.0Lf\n",
	       g_err + (long double)(hi - lo) / 2 * ns_per_tick + 1);
	return 0;
}
