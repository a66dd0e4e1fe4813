// SPDX-License-Identifier: GPL-2.0
/*
 * phc_read - read a PTP hardware clock, or dump a vmclock page (static binary)
 *
 * Usage: phc_read [-n SAMPLES] /dev/ptpN
 *        phc_read -P /dev/vmclock0
 *        phc_read -H TTY    host_minus_guest_ns, host_rtt_ns: an emulator's
 *                           "now" command over its command port (cipu-emu)
 *
 * PHC mode prints, as key=value lines:
 *   gettime, realtime           clock_gettime() of the PHC and CLOCK_REALTIME
 *   gettime_minus_realtime_ns
 *   ext_realtime_offset_ns      PTP_SYS_OFFSET_EXTENDED: PHC - midpoint of the
 *   ext_realtime_width_ns       system readings around it (narrowest sample)
 *   ext_monoraw_offset_ns ...   the same against CLOCK_MONOTONIC_RAW and
 *   ext_tai_offset_ns ...       CLOCK_TAI (the request's clockid field, once
 *                               reserved: kernels that do not know it or the
 *                               clock refuse it, e.g. ext_tai_error=EINVAL)
 *   precise_realtime_offset_ns  PTP_SYS_OFFSET_PRECISE: PHC - sys_realtime
 *   precise_tai_offset_ns       PHC - (sys_realtime + the kernel's TAI offset)
 *   guest_tai_offset_s          the kernel's TAI - UTC (adjtimex)
 * Failures print NAME_error=ERRNO_NAME.  Exit status 1 if the PHC cannot be
 * read at all (gettime fails), else 0.
 *
 * -P reads the page with read() and prints its fields; exit status 1 if the
 * read fails (read_error=ERRNO_NAME).
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror -static -Iinclude \
 *	     -o phc_read tests/emu/phc_read.c
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>
#include <linux/ptp_clock.h>

#include "ptp_pure_vmclock_abi.h"

#define NSEC_PER_SEC		1000000000L
#define FD_TO_CLOCKID(fd)	((~(clockid_t)(fd) << 3) | 3)

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "unknown";
}

static int64_t pct_ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * NSEC_PER_SEC + t->nsec;
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * NSEC_PER_SEC + t->tv_nsec;
}

/* PTP_SYS_OFFSET_EXTENDED against @clk; the clockid lives in rsv[0]. */
static void sys_offset_ext(int fd, const char *name, clockid_t clk, unsigned int n)
{
	struct ptp_sys_offset_extended req;
	int64_t best_w = INT64_MAX, best_off = 0;
	unsigned int i;

	memset(&req, 0, sizeof(req));
	req.n_samples = n;
	req.rsv[0] = (unsigned int)clk;
	if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &req)) {
		printf("ext_%s_error=%s\n", name, ename(errno));
		return;
	}
	for (i = 0; i < req.n_samples; i++) {
		int64_t pre = pct_ns(&req.ts[i][0]), phc = pct_ns(&req.ts[i][1]);
		int64_t post = pct_ns(&req.ts[i][2]);

		if (post - pre < best_w) {
			best_w = post - pre;
			best_off = phc - (pre + (post - pre) / 2);
		}
	}
	printf("ext_%s_offset_ns=%" PRId64 "\next_%s_width_ns=%" PRId64 "\n",
	       name, best_off, name, best_w);
}

static int phc_mode(const char *path, unsigned int n)
{
	struct ptp_sys_offset_precise pr;
	struct timespec phc, rt;
	struct timex tx = { 0 };
	int fd, tai;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("open_error=%s\n", ename(errno));
		return 1;
	}
	tai = adjtimex(&tx) >= 0 ? tx.tai : 0;
	printf("guest_tai_offset_s=%d\n", tai);
	if (clock_gettime(FD_TO_CLOCKID(fd), &phc)) {
		printf("gettime_error=%s\n", ename(errno));
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	printf("gettime=%lld.%09ld\nrealtime=%lld.%09ld\n", (long long)phc.tv_sec,
	       phc.tv_nsec, (long long)rt.tv_sec, rt.tv_nsec);
	printf("gettime_minus_realtime_ns=%" PRId64 "\n", ts_ns(&phc) - ts_ns(&rt));

	sys_offset_ext(fd, "realtime", CLOCK_REALTIME, n);
	sys_offset_ext(fd, "monoraw", CLOCK_MONOTONIC_RAW, n);
	sys_offset_ext(fd, "tai", CLOCK_TAI, n);

	memset(&pr, 0, sizeof(pr));
	if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &pr)) {
		printf("precise_error=%s\n", ename(errno));
	} else {
		int64_t d = pct_ns(&pr.device), s = pct_ns(&pr.sys_realtime);

		printf("precise_realtime_offset_ns=%" PRId64 "\n", d - s);
		printf("precise_tai_offset_ns=%" PRId64 "\n",
		       (int64_t)(d - (s + (int64_t)tai * NSEC_PER_SEC)));
	}
	close(fd);
	return 0;
}

static int page_mode(const char *path)
{
	uint8_t buf[4096];
	struct pp_vmclock_abi p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("open_error=%s\n", ename(errno));
		return 1;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		printf("read_error=%s\n", ename(errno));
		return 1;
	}
	printf("read_bytes=%zd\n", n);
	memset(&p, 0, sizeof(p));
	memcpy(&p, buf, (size_t)n < sizeof(p) ? (size_t)n : sizeof(p));
	printf("magic=0x%x\nsize=%u\nversion=%u\ncounter_id=%u\ntime_type=%u\n",
	       le32toh(p.magic), le32toh(p.size), le16toh(p.version),
	       p.counter_id, p.time_type);
	printf("seq_count=%u\ndisruption_marker=%" PRIu64 "\nflags=0x%" PRIx64 "\n",
	       le32toh(p.seq_count), le64toh(p.disruption_marker), le64toh(p.flags));
	printf("clock_status=%u\ntai_offset_sec=%d\nleap_indicator=%u\n",
	       p.clock_status, (int16_t)le16toh(p.tai_offset_sec), p.leap_indicator);
	printf("counter_period_shift=%u\ncounter_value=%" PRIu64
	       "\ncounter_period_frac_sec=0x%" PRIx64 "\n", p.counter_period_shift,
	       le64toh(p.counter_value), le64toh(p.counter_period_frac_sec));
	printf("time_sec=%" PRIu64 "\ntime_frac_sec=0x%" PRIx64 "\n",
	       le64toh(p.time_sec), le64toh(p.time_frac_sec));
	printf("time_esterror_nanosec=%" PRIu64 "\ntime_maxerror_nanosec=%" PRIu64
	       "\nvm_generation_counter=%" PRIu64 "\n",
	       le64toh(p.time_esterror_nanosec), le64toh(p.time_maxerror_nanosec),
	       le64toh(p.vm_generation_counter));
	close(fd);
	return 0;
}

/*
 * -H TTY: host CLOCK_REALTIME against ours through an emulator's "now"
 * command (cipu-emu answers "ok now ns=N"), bracketed by our clock; the
 * best of 8 round trips.
 */
static int host_mode(const char *tty)
{
	int64_t best = INT64_MAX, off = 0, a, b, h;
	struct timespec t0, t1;
	struct termios tio;
	char buf[128];
	size_t n;
	int fd, i;

	fd = open(tty, O_RDWR | O_NOCTTY);
	if (fd < 0 || tcgetattr(fd, &tio)) {
		printf("host_error=%s\n", ename(errno));
		return 1;
	}
	cfmakeraw(&tio);
	tcsetattr(fd, TCSANOW, &tio);
	tcflush(fd, TCIOFLUSH);
	for (i = 0; i < 8; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		clock_gettime(CLOCK_REALTIME, &t0);
		if (write(fd, "now\n", 4) != 4)
			break;
		for (n = 0; n + 1 < sizeof(buf); ) {
			if (poll(&p, 1, 2000) <= 0 || read(fd, buf + n, 1) != 1)
				break;
			if (buf[n] == '\n')
				break;
			n++;
		}
		clock_gettime(CLOCK_REALTIME, &t1);
		buf[n] = 0;
		if (sscanf(buf, "ok now ns=%" SCNd64, &h) != 1)
			continue;
		a = ts_ns(&t0);
		b = ts_ns(&t1);
		if (b - a < best) {
			best = b - a;
			off = h - (a + (b - a) / 2);
		}
	}
	close(fd);
	if (best == INT64_MAX) {
		printf("host_error=no answer\n");
		return 1;
	}
	printf("host_minus_guest_ns=%" PRId64 "\nhost_rtt_ns=%" PRId64 "\n", off, best);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = 5;
	int c, page = 0;

	while ((c = getopt(argc, argv, "n:PH:")) != -1) {
		switch (c) {
		case 'H':
			return host_mode(optarg);
		case 'n':
			n = (unsigned int)strtoul(optarg, NULL, 0);
			if (n < 1 || n > PTP_MAX_SAMPLES)
				n = 5;
			break;
		case 'P':
			page = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	return page ? page_mode(argv[optind]) : phc_mode(argv[optind], n);
usage:
	fprintf(stderr, "usage: phc_read [-n SAMPLES] /dev/ptpN | phc_read -P /dev/vmclockN | phc_read -H TTY\n");
	return 2;
}
