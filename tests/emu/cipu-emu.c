// SPDX-License-Identifier: GPL-2.0
/*
 * cipu-emu - an emulated Alibaba CIPU time device for a QEMU guest
 *
 * No QEMU model of the device exists.  This program plays it on a stock
 * QEMU ivshmem-doorbell device: it is the device's ivshmem server (QEMU's
 * documented protocol, docs/specs/ivshmem-spec.rst: version, peer ID,
 * shared memory, interrupt eventfds), so it owns the shared memory, which
 * the guest sees as BAR 2, and the eventfds behind the two MSI-X vectors.
 * The register block (include/ptp_pure_cipu_regs.h) lives at offset 0 of
 * the shared memory; the guest binds ptp_pure_cipu to the device with
 * new_id and emu_bar=2.
 *
 * Shared memory cannot answer a read, so the time register is rewritten
 * --hz times a second (default 2000) with the host's CLOCK_REALTIME plus
 * half a period: the guest reads the device time within half a period plus
 * the host's scheduling delay.  The guest's register writes are seen at the
 * next tick: the handshake registers are checked there and put back when
 * the device refuses them (veto), which the driver sees on its read-back
 * after emu_settle_us.  Health bits, threshold and interrupts follow the
 * commands of the control port (README.md).
 *
 * Build: cc -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude \
 *	     -o cipu-emu tests/emu/cipu-emu.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu-log.h"
#include "ptp_pure_cipu_regs.h"

#define NSEC_PER_SEC	1000000000LL
#define SHM_SIZE	4096	/* a power of two: QEMU's BAR size */
#define WAIT_SEC	60
#define QMP_DEV_ID	"cipu0"

struct emu {
	const char *ivs_path, *ctl_path, *qmp_path;
	int sig_fd, ivs_fd, ctl_fd;
	int efd[PP_CIPU_NR_VEC];
	volatile u8 *regs;
	unsigned int hz;
	/* Device configuration (read-only registers). */
	u32 feat, year, prec_ns, leap, max_lat_ns, mt_tout_us, thresh_us;
	/* State. */
	u32 gst, drv, env;
	u8 stat, sync;
	bool invalid, vanished, quit;
	char veto[16];
	s64 maint_end;		/* monotonic ns when a timed maintenance ends */
	unsigned long ticks, vetoes, irqs[PP_CIPU_NR_VEC], late_ticks;
	s64 max_late_ns;
	char line[512];
	size_t line_len;
};

static struct emu E = {
	.hz = 2000,
	.feat = PP_CIPU_FEAT_EPOCH | PP_CIPU_FEAT_IRQ_ABN | PP_CIPU_FEAT_IRQ_REC,
	.year = 2000,
	.prec_ns = 100,
	.leap = 37,
	.max_lat_ns = 1000000000,
	.mt_tout_us = 1000000,
	.thresh_us = 1000,
	.sig_fd = -1, .ivs_fd = -1, .ctl_fd = -1,
	.veto = "none",
};


static s64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (s64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* ------------------------------------------------------------ registers */

static u8 r8(unsigned int off) { return __atomic_load_n(&E.regs[off], __ATOMIC_ACQUIRE); }
static u32 r32(unsigned int off)
{
	return __atomic_load_n((volatile u32 *)(E.regs + off), __ATOMIC_ACQUIRE);
}
static void w8(unsigned int off, u8 v) { __atomic_store_n(&E.regs[off], v, __ATOMIC_RELEASE); }
static void w32(unsigned int off, u32 v)
{
	__atomic_store_n((volatile u32 *)(E.regs + off), v, __ATOMIC_RELEASE);
}
static void w64(unsigned int off, u64 v)
{
	__atomic_store_n((volatile u64 *)(E.regs + off), v, __ATOMIC_RELEASE);
}

/* The read-only registers as configured; the handshake back to RESET. */
static void write_config(void)
{
	w32(PP_CIPU_DEV_FEAT, E.feat);
	w32(PP_CIPU_TM_PREC_NS, E.prec_ns);
	w32(PP_CIPU_EPO_BASE_YR, E.year);
	w32(PP_CIPU_LEAP_SEC, E.leap);
	w32(PP_CIPU_MAX_LAT_NS, E.max_lat_ns);
	w32(PP_CIPU_MT_TOUT_US, E.mt_tout_us);
	w32(PP_CIPU_THRESH_US, E.thresh_us);
	w8(PP_CIPU_SYNC_STAT, E.sync);
}

static void config_changed(void)
{
	if (!E.vanished)
		write_config();
}

static void raise_irq(int v)
{
	u64 one = 1;

	/* The device interrupts only between DRIVER_OK and RESET. */
	if (E.stat != PP_CIPU_STAT_DRIVER_OK || E.vanished)
		return;
	if (write(E.efd[v], &one, sizeof(one)) != sizeof(one))
		die("eventfd write: %s", strerror(errno));
	E.irqs[v]++;
	logmsg("interrupt on vector %d", v);
}

static void set_sync(u8 v)
{
	if (v == E.sync)
		return;
	E.sync = v;
	if (!E.vanished)
		w8(PP_CIPU_SYNC_STAT, v);
	logmsg("health 0x%02x", v);
	raise_irq(PP_CIPU_VEC_SYNC);
}

/* The time register: now + half a tick, so a reader is off by at most that. */
static void write_time(void)
{
	s64 ns = clock_ns(CLOCK_REALTIME) + NSEC_PER_SEC / E.hz / 2, base = 0;
	u64 raw;

	if (E.gst & PP_CIPU_FEAT_TAI)
		ns += (s64)E.leap * NSEC_PER_SEC;
	if ((E.gst & PP_CIPU_FEAT_EPOCH) && pp_cipu_epoch_base(E.year, &base) == 0)
		ns -= base * NSEC_PER_SEC;
	raw = (u64)ns & PP_CIPU_TS_MASK;
	if (E.invalid)
		raw |= PP_CIPU_TS_INVALID;
	w64(PP_CIPU_TSTAMP_NS, raw);
}

static bool vetoed(const char *what)
{
	return !strcmp(E.veto, what);
}

/* One register the guest may write: accept it, or put the old value back. */
static void check_reg(unsigned int off, u32 *acc, const char *name, bool refuse)
{
	u32 v = r32(off);

	if (v == *acc)
		return;
	if (refuse) {
		w32(off, *acc);
		E.vetoes++;
		logmsg("refused %s 0x%x (kept 0x%x)", name, v, *acc);
		return;
	}
	*acc = v;
	logmsg("%s = 0x%x", name, v);
}

static void check_stat(void)
{
	u8 v = r8(PP_CIPU_DEV_STAT);
	bool ok;

	if (v == E.stat)
		return;
	switch (v) {
	case PP_CIPU_STAT_RESET:
		ok = !vetoed("reset");
		break;
	case PP_CIPU_STAT_FEATURE_OK:
		ok = E.stat == PP_CIPU_STAT_RESET && E.drv && E.env &&
		     !vetoed("feature-ok");
		break;
	case PP_CIPU_STAT_DRIVER_OK:
		ok = E.stat == PP_CIPU_STAT_FEATURE_OK && !vetoed("driver-ok");
		break;
	default:
		ok = false;
	}
	if (!ok) {
		w8(PP_CIPU_DEV_STAT, E.stat);
		E.vetoes++;
		logmsg("refused dev_stat %u in state %u", v, E.stat);
		return;
	}
	logmsg("dev_stat %u -> %u", E.stat, v);
	E.stat = v;
	if (v == PP_CIPU_STAT_RESET) {
		/* A new handshake: the negotiated state is forgotten. */
		E.gst = E.drv = E.env = 0;
		w32(PP_CIPU_GST_FEAT, 0);
		w32(PP_CIPU_DRV_VER, 0);
		w32(PP_CIPU_ENV_VER, 0);
		write_config();
	}
}

static void tick(void)
{
	E.ticks++;
	if (E.maint_end && clock_ns(CLOCK_MONOTONIC) >= E.maint_end) {
		E.maint_end = 0;
		set_sync(E.sync & ~PP_CIPU_SYNC_MAINT);
	}
	if (E.vanished)
		return;
	check_reg(PP_CIPU_GST_FEAT, &E.gst, "gst_feat",
		  (r32(PP_CIPU_GST_FEAT) & ~E.feat) || vetoed("feat"));
	check_reg(PP_CIPU_ENV_VER, &E.env, "env_ver", vetoed("env"));
	check_reg(PP_CIPU_DRV_VER, &E.drv, "drv_ver", vetoed("drv"));
	check_stat();
	write_time();
}

/* ------------------------------------------------------------ ivshmem server */

static int unix_connect_wait(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	s64 deadline = clock_ns(CLOCK_MONOTONIC) + WAIT_SEC * NSEC_PER_SEC;
	struct timespec d = { 0, 10 * 1000 * 1000 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("%s: path too long", path);
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		if (errno != ENOENT && errno != ECONNREFUSED)
			die("connect %s: %s", path, strerror(errno));
		close(fd);
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			die("connect %s: nobody listening after %d s", path, WAIT_SEC);
		nanosleep(&d, NULL);
	}
}

/* One protocol message: a little-endian 64-bit number, maybe with an fd. */
static void ivs_send(s64 v, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(E.ivs_fd, &msg, MSG_NOSIGNAL) != sizeof(v))
		die("ivshmem: sendmsg: %s", strerror(errno));
}

/*
 * QEMU (chardev server, wait=on) waits for us before it creates the
 * device: protocol version 0, the guest's peer ID 0, the shared memory,
 * then the guest's own ID once per vector with the eventfd that raises it.
 */
static void ivs_serve(void)
{
	int shm, v;

	shm = memfd_create("cipu-regs", MFD_CLOEXEC);
	if (shm < 0 || ftruncate(shm, SHM_SIZE))
		die("memfd: %s", strerror(errno));
	E.regs = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (E.regs == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	write_config();
	write_time();
	for (v = 0; v < PP_CIPU_NR_VEC; v++) {
		E.efd[v] = eventfd(0, EFD_CLOEXEC);
		if (E.efd[v] < 0)
			die("eventfd: %s", strerror(errno));
	}
	E.ivs_fd = unix_connect_wait(E.ivs_path);
	ivs_send(0, -1);
	ivs_send(0, -1);
	ivs_send(-1, shm);
	for (v = 0; v < PP_CIPU_NR_VEC; v++)
		ivs_send(0, E.efd[v]);
	close(shm);
	logmsg("ivshmem: served %d bytes and %d vectors on %s", SHM_SIZE,
	       PP_CIPU_NR_VEC, E.ivs_path);
}

/* ------------------------------------------------------------ QMP */

static bool qmp_wait(int fd, const char *want, char *buf, size_t len, int ms)
{
	size_t n = 0;
	s64 end = clock_ns(CLOCK_MONOTONIC) + (s64)ms * 1000000;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	for (;;) {
		int left = (int)((end - clock_ns(CLOCK_MONOTONIC)) / 1000000);

		if (left <= 0 || poll(&p, 1, left) <= 0 || read(fd, &c, 1) != 1)
			return false;
		if (c != '\n') {
			if (n + 1 < len)
				buf[n++] = c;
			continue;
		}
		buf[n] = 0;
		n = 0;
		logmsg("qmp: %.200s", buf);
		if (strstr(buf, want) || strstr(buf, "\"error\""))
			return strstr(buf, want) != NULL;
	}
}

static bool qmp(int fd, const char *cmd, const char *want, char *buf, size_t len)
{
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return false;
	return qmp_wait(fd, want, buf, len, 5000);
}

/*
 * device_del of our device; true once QEMU accepted it.  The guest's
 * hotplug driver then unbinds and ejects the device while we keep ticking
 * (the test in the guest waits for that).
 */
static bool unplug(char *why, size_t len)
{
	char buf[2048];
	int fd;
	bool ok;

	if (!E.qmp_path) {
		snprintf(why, len, "no --qmp");
		return false;
	}
	fd = unix_connect_wait(E.qmp_path);
	ok = qmp_wait(fd, "\"QMP\"", buf, sizeof(buf), 5000) &&
	     qmp(fd, "{\"execute\":\"qmp_capabilities\"}\n", "\"return\"", buf, sizeof(buf)) &&
	     qmp(fd, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"" QMP_DEV_ID "\"}}\n",
		 "\"return\"", buf, sizeof(buf));
	if (!ok)
		snprintf(why, len, "QMP: %.200s", buf);
	close(fd);
	return ok;
}

/* ------------------------------------------------------------ commands */

static bool num(const char *s, u32 *v)
{
	char *end;
	unsigned long long n;

	if (!s)
		return false;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || *end || end == s || n > UINT32_MAX)
		return false;
	*v = (u32)n;
	return true;
}

static void cmd_get(char *out, size_t len)
{
	snprintf(out, len,
		 "ok stat=%u gst=0x%x drv=0x%x env=0x%x sync=0x%x feat=0x%x year=%u "
		 "maxlat=%u mttout=%u thresh=%u invalid=%d vanished=%d veto=%s "
		 "vetoes=%lu irq0=%lu irq1=%lu hz=%u late_ticks=%lu max_late_us=%lld",
		 E.stat, E.gst, E.drv, E.env, E.sync, E.feat, E.year, E.max_lat_ns,
		 E.mt_tout_us, E.thresh_us, E.invalid, E.vanished, E.veto, E.vetoes,
		 E.irqs[0], E.irqs[1], E.hz, E.late_ticks, (long long)(E.max_late_ns / 1000));
}

static void handle(char *line, char *out, size_t len)
{
	char *av[4] = { NULL }, *save = NULL, *t;
	int ac = 0;
	u32 v = 0;
	bool has;

	for (t = strtok_r(line, " \t", &save); t && ac < 4; t = strtok_r(NULL, " \t", &save))
		av[ac++] = t;
	if (!ac) {
		out[0] = 0;
		return;
	}
	has = num(av[1], &v);
	snprintf(out, len, "ok %s", av[0]);
	if (!strcmp(av[0], "get")) {
		cmd_get(out, len);
	} else if (!strcmp(av[0], "now")) {
		snprintf(out, len, "ok now ns=%lld", (long long)clock_ns(CLOCK_REALTIME));
	} else if (!strcmp(av[0], "sync") && has && v <= 0xff) {
		set_sync((u8)v);
	} else if (!strcmp(av[0], "maint") && has) {
		/* Maintenance for v ms, then it ends by itself. */
		set_sync(E.sync | PP_CIPU_SYNC_MAINT);
		E.maint_end = clock_ns(CLOCK_MONOTONIC) + (s64)v * 1000000;
	} else if (!strcmp(av[0], "invalid") && has && v <= 1) {
		E.invalid = v;
	} else if (!strcmp(av[0], "thresh") && has) {
		E.thresh_us = v;
		if (!E.vanished)
			w32(PP_CIPU_THRESH_US, v);
		raise_irq(PP_CIPU_VEC_THRESH);
	} else if (!strcmp(av[0], "feat") && has) {
		/* The registers change now; a driver reads them at its handshake. */
		E.feat = v;
		config_changed();
	} else if (!strcmp(av[0], "year") && has) {
		E.year = v;
		config_changed();
	} else if (!strcmp(av[0], "maxlat") && has) {
		E.max_lat_ns = v;
		config_changed();
	} else if (!strcmp(av[0], "mttout") && has) {
		E.mt_tout_us = v;
		config_changed();
	} else if (!strcmp(av[0], "leap") && has) {
		E.leap = v;
		if (!E.vanished)
			w32(PP_CIPU_LEAP_SEC, v);
	} else if (!strcmp(av[0], "veto") && av[1] && strlen(av[1]) < sizeof(E.veto)) {
		strcpy(E.veto, av[1]);
	} else if (!strcmp(av[0], "vanish")) {
		/* What a removed PCI device reads as. */
		E.vanished = true;
		memset((void *)E.regs, 0xff, PP_CIPU_REG_SIZE);
	} else if (!strcmp(av[0], "restore")) {
		/* Back after "vanish": a device in RESET. */
		E.vanished = false;
		E.stat = PP_CIPU_STAT_RESET;
		E.gst = E.drv = E.env = 0;
		memset((void *)E.regs, 0, PP_CIPU_REG_SIZE);
		write_config();
	} else if (!strcmp(av[0], "unplug")) {
		char why[256];

		if (!unplug(why, sizeof(why)))
			snprintf(out, len, "err unplug: %s", why);
	} else if (!strcmp(av[0], "reset")) {
		/* Configuration back to the defaults; the handshake stays. */
		E.feat = PP_CIPU_FEAT_EPOCH | PP_CIPU_FEAT_IRQ_ABN | PP_CIPU_FEAT_IRQ_REC;
		E.year = 2000;
		E.max_lat_ns = 1000000000;
		E.mt_tout_us = 1000000;
		E.leap = 37;
		E.invalid = false;
		E.maint_end = 0;
		strcpy(E.veto, "none");
		set_sync(0);
		config_changed();
	} else if (!strcmp(av[0], "quit")) {
		E.quit = true;
	} else {
		snprintf(out, len, "err bad command");
	}
}

static void ctl_input(void)
{
	char buf[256], out[1024];
	ssize_t n, i;

	n = read(E.ctl_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		logmsg("QEMU closed the control socket: exiting");
		E.quit = true;
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\r')
			continue;
		if (buf[i] != '\n') {
			if (E.line_len + 1 < sizeof(E.line))
				E.line[E.line_len++] = buf[i];
			continue;
		}
		E.line[E.line_len] = 0;
		E.line_len = 0;
		logmsg("< %s", E.line);
		handle(E.line, out, sizeof(out));
		if (!out[0])
			continue;
		logmsg("> %s", out);
		strncat(out, "\n", sizeof(out) - strlen(out) - 1);
		if (write(E.ctl_fd, out, strlen(out)) < 0)
			die("write control: %s", strerror(errno));
	}
}

/* ------------------------------------------------------------ main */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: cipu-emu --ivshmem SOCKET [options]\n"
		"  --ivshmem SOCKET  QEMU's chardev (server, wait=on) of ivshmem-doorbell\n"
		"  --control SOCKET  QEMU chardev socket (server) of the guest's command port\n"
		"  --qmp SOCKET      QEMU's QMP socket, for the unplug command (device id " QMP_DEV_ID ")\n"
		"  --hz N            time register updates per second (default 2000)\n"
		"  --feat N          device features (default 0xe), --year N (2000),\n"
		"  --max-lat-ns N    (1000000000), --mt-tout-us N (1000000)\n"
		"  --log FILE        log here instead of stderr\n");
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ivshmem", 1, NULL, 'i' }, { "control", 1, NULL, 'c' },
		{ "qmp", 1, NULL, 'q' }, { "hz", 1, NULL, 'z' },
		{ "feat", 1, NULL, 'f' }, { "year", 1, NULL, 'y' },
		{ "max-lat-ns", 1, NULL, 'm' }, { "mt-tout-us", 1, NULL, 't' },
		{ "log", 1, NULL, 'l' }, { "help", 0, NULL, 'h' }, { 0 }
	};
	int c;
	u32 v;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (strchr("zfymt", c) && !num(optarg, &v))
			die("%s: not a number", optarg);
		switch (c) {
		case 'i': E.ivs_path = optarg; break;
		case 'c': E.ctl_path = optarg; break;
		case 'q': E.qmp_path = optarg; break;
		case 'z': E.hz = v ? v : 1; break;
		case 'f': E.feat = v; break;
		case 'y': E.year = v; break;
		case 'm': E.max_lat_ns = v; break;
		case 't': E.mt_tout_us = v; break;
		case 'l':
			emu_log = fopen(optarg, "a");
			if (!emu_log)
				die("%s: %s", optarg, strerror(errno));
			break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!E.ivs_path)
		usage(2);
}

static void try_control(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", E.ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		E.ctl_fd = fd;
		logmsg("connected to the control port %s", E.ctl_path);
		return;
	}
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	s64 next, period, now, ctl_deadline;
	sigset_t set;

	emu_log_init("cipu-emu");
	parse_args(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	E.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * The time register is only as fresh as our last tick: ask for a
	 * real-time priority (a few us of work 2000 times a second) so that a
	 * busy host delays the ticks less.  Without the privilege, go on.
	 */
	{
		struct sched_param sp = { .sched_priority = 10 };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			logmsg("no real-time priority (%s): ticks may come late", strerror(errno));
	}
	ivs_serve();
	period = NSEC_PER_SEC / E.hz;
	next = clock_ns(CLOCK_MONOTONIC);
	ctl_deadline = next + WAIT_SEC * NSEC_PER_SEC;
	while (!E.quit) {
		struct pollfd p[2] = {
			{ .fd = E.sig_fd, .events = POLLIN },
			{ .fd = E.ctl_fd, .events = POLLIN },
		};
		struct timespec to;

		now = clock_ns(CLOCK_MONOTONIC);
		if (now >= next) {
			if (now - next > period) {
				E.late_ticks++;
				if (now - next > E.max_late_ns)
					E.max_late_ns = now - next;
			}
			tick();
			next += period;
			if (next < now)
				next = now + period;
			if (E.ctl_path && E.ctl_fd < 0) {
				try_control();
				if (E.ctl_fd < 0 && now > ctl_deadline)
					die("control socket %s: nobody listening", E.ctl_path);
			}
			continue;
		}
		to.tv_sec = (next - now) / NSEC_PER_SEC;
		to.tv_nsec = (next - now) % NSEC_PER_SEC;
		if (ppoll(p, E.ctl_fd >= 0 ? 2 : 1, &to, NULL) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll: %s", strerror(errno));
		}
		if (p[0].revents & POLLIN) {
			logmsg("signal: exiting");
			break;
		}
		if (E.ctl_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			ctl_input();
	}
	logmsg("exit: %lu ticks, %lu late (max %lld us), %lu vetoes, irqs %lu/%lu",
	       E.ticks, E.late_ticks, (long long)(E.max_late_ns / 1000), E.vetoes,
	       E.irqs[0], E.irqs[1]);
	return 0;
}
