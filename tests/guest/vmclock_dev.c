// SPDX-License-Identifier: GPL-2.0
/*
 * vmclock_dev - in-guest checks of the /dev/vmclockN misc device
 *
 * Usage: vmclock_dev DEV           checks below, PASS/FAIL lines
 *        vmclock_dev DEV field F   print a field of the page read()
 *                                  (marker, generation, seq, flags, magic,
 *                                  size, version, counter_id, time_type)
 *        vmclock_dev DEV mfield F  the same field through a read-only mmap()
 *        vmclock_dev DEV errno N   read() must fail with errno N
 *        vmclock_dev DEV wait MS   read() the page, then poll() for POLLIN
 *                                  for at most MS ms; prints
 *                                  "poll R revents 0xE after N ms seq A -> B"
 *                                  (A: seq_count read, B: seq_count after)
 *
 * Checks: read() returns the page (magic, version), a read-only mmap()
 * shows the same page, a writable mapping is refused with EROFS, mprotect()
 * cannot make the read-only mapping writable, poll() reports POLLHUP on
 * a device without notifications, and readers sharing one descriptor each
 * get their own part of the page (the file position is not lost).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>
#include "../../include/ptp_pure_vmclock_abi.h"

static int failures;

#define CHECK(name, cond, ...)						\
	do {								\
		if (cond) {						\
			printf("PASS %s\n", name);			\
		} else {						\
			printf("FAIL %s: ", name);			\
			printf(__VA_ARGS__);				\
			printf("\n");					\
			failures++;					\
		}							\
	} while (0)

static int read_page(const char *dev, struct pp_vmclock_abi *a)
{
	int fd = open(dev, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	memset(a, 0, sizeof(*a));
	n = read(fd, a, sizeof(*a));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Print field @f of page @a in decimal (flags and magic in hex). */
static int print_field(const struct pp_vmclock_abi *a, const char *f)
{
	if (!strcmp(f, "marker"))
		printf("%" PRIu64 "\n", (uint64_t)le64toh(a->disruption_marker));
	else if (!strcmp(f, "generation"))
		printf("%" PRIu64 "\n", (uint64_t)le64toh(a->vm_generation_counter));
	else if (!strcmp(f, "seq"))
		printf("%u\n", le32toh(a->seq_count));
	else if (!strcmp(f, "flags"))
		printf("%#" PRIx64 "\n", (uint64_t)le64toh(a->flags));
	else if (!strcmp(f, "magic"))
		printf("%#x\n", le32toh(a->magic));
	else if (!strcmp(f, "size"))
		printf("%u\n", le32toh(a->size));
	else if (!strcmp(f, "version"))
		printf("%u\n", le16toh(a->version));
	else if (!strcmp(f, "counter_id"))
		printf("%u\n", a->counter_id);
	else if (!strcmp(f, "time_type"))
		printf("%u\n", a->time_type);
	else
		return 2;
	return 0;
}

/* The page through a read-only shared mapping, copied once. */
static int map_page(const char *dev, struct pp_vmclock_abi *a)
{
	int fd = open(dev, O_RDONLY);
	void *map;

	if (fd < 0)
		return -errno;
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int e = errno;

		close(fd);
		return -e;
	}
	memcpy(a, map, sizeof(*a));
	munmap(map, 4096);
	close(fd);
	return 0;
}

static long long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/*
 * Wait for the device to say the page changed since this file's last
 * read().  A page update between the read() and the poll() would end the
 * wait at once: that round is repeated (a few times at most), so that what
 * ends the wait is a wakeup.
 */
static int wait_change(const char *dev, int ms)
{
	struct pp_vmclock_abi a, b;
	struct pollfd pfd;
	long long t0, dt;
	int fd, r, tries;

	fd = open(dev, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "vmclock_dev: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	for (tries = 0; tries < 5; tries++) {
		if (pread(fd, &a, sizeof(a), 0) != (ssize_t)sizeof(a)) {
			fprintf(stderr, "vmclock_dev: read: %s\n", strerror(errno));
			return 1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		t0 = mono_ms();
		r = poll(&pfd, 1, ms);
		dt = mono_ms() - t0;
		if (r < 0) {
			fprintf(stderr, "vmclock_dev: poll: %s\n", strerror(errno));
			return 1;
		}
		if (!(r == 1 && (pfd.revents & POLLIN) && dt < 20))
			break;
	}
	memset(&b, 0, sizeof(b));
	if (!(pfd.revents & (POLLHUP | POLLERR)) && read_page(dev, &b))
		memset(&b, 0, sizeof(b));
	printf("poll %d revents %#x after %lld ms seq %u -> %u\n", r,
	       pfd.revents, dt, le32toh(a.seq_count), le32toh(b.seq_count));
	close(fd);
	return 0;
}

/* Threads reading one descriptor in small pieces, all from position 0. */
#define SHARED_THREADS	4
#define SHARED_ROUNDS	100

struct shared {
	int fd;
	pthread_barrier_t *start;
	long bytes;
	int err;
};

static void *shared_reader(void *arg)
{
	struct shared *sh = arg;
	char buf[16];
	ssize_t n;

	pthread_barrier_wait(sh->start);
	while ((n = read(sh->fd, buf, sizeof(buf))) > 0)
		sh->bytes += n;
	if (n < 0)
		sh->err = errno;
	return NULL;
}

/* Return the rounds whose readers together got more or less than @size. */
static int shared_reads(const char *dev, long size, char *why, size_t len)
{
	struct shared sh[SHARED_THREADS];
	pthread_t t[SHARED_THREADS];
	pthread_barrier_t start;
	int fd = open(dev, O_RDONLY), bad = 0, round, i;

	if (fd < 0) {
		snprintf(why, len, "open: %s", strerror(errno));
		return SHARED_ROUNDS;
	}
	for (round = 0; round < SHARED_ROUNDS; round++) {
		long total = 0;

		lseek(fd, 0, SEEK_SET);
		pthread_barrier_init(&start, NULL, SHARED_THREADS);
		for (i = 0; i < SHARED_THREADS; i++) {
			sh[i] = (struct shared){ .fd = fd, .start = &start };
			pthread_create(&t[i], NULL, shared_reader, &sh[i]);
		}
		for (i = 0; i < SHARED_THREADS; i++) {
			pthread_join(t[i], NULL);
			total += sh[i].bytes;
			if (sh[i].err)
				total = -sh[i].err;
		}
		pthread_barrier_destroy(&start);
		if (total != size && !bad++)
			snprintf(why, len, "round %d: %ld bytes read in all, want %ld",
				 round, total, size);
	}
	close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	struct pp_vmclock_abi a;
	struct pollfd pfd;
	void *map;
	int fd, r;

	if (argc < 2) {
		fprintf(stderr, "usage: vmclock_dev DEV [field F | mfield F | errno N | wait MS]\n");
		return 2;
	}
	if (argc >= 4 && (!strcmp(argv[2], "field") || !strcmp(argv[2], "mfield"))) {
		int mapped = argv[2][0] == 'm';

		r = mapped ? map_page(argv[1], &a) : read_page(argv[1], &a);
		if (r) {
			fprintf(stderr, "vmclock_dev: %s: %s\n", mapped ? "mmap" : "read",
				strerror(-r));
			return 1;
		}
		return print_field(&a, argv[3]);
	}
	if (argc >= 4 && !strcmp(argv[2], "wait"))
		return wait_change(argv[1], atoi(argv[3]));
	if (argc >= 4 && !strcmp(argv[2], "errno")) {
		r = read_page(argv[1], &a);
		CHECK("dev/read_errno", r == -atoi(argv[3]), "read gave %s",
		      r ? strerror(-r) : "success");
		return failures ? 1 : 0;
	}

	r = read_page(argv[1], &a);
	CHECK("dev/read", !r && le32toh(a.magic) == PP_VMCLOCK_MAGIC &&
	      le16toh(a.version) == PP_VMCLOCK_VERSION,
	      "read: %s, magic %#x", r ? strerror(-r) : "ok", le32toh(a.magic));
	{
		char why[128] = "";
		int bad = shared_reads(argv[1], le32toh(a.size), why, sizeof(why));

		CHECK("dev/shared_descriptor", !bad, "%d of %d rounds: %s", bad,
		      SHARED_ROUNDS, why);
	}

	/*
	 * Through a read-write descriptor (root may open one), so that only
	 * the driver stands between the mapping and a write.
	 */
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("FAIL dev/open: %s\n", strerror(errno));
		return 1;
	}
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK("dev/mmap_ro", map != MAP_FAILED &&
	      le32toh(((struct pp_vmclock_abi *)map)->magic) == PP_VMCLOCK_MAGIC,
	      "mmap: %s", map == MAP_FAILED ? strerror(errno) : "wrong magic");
	if (map != MAP_FAILED) {
		r = mprotect(map, 4096, PROT_READ | PROT_WRITE);
		CHECK("dev/mprotect_refused", r == -1 && errno == EACCES,
		      "mprotect to writable gave %s", r ? strerror(errno) : "success");
		munmap(map, 4096);
	}
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("dev/mmap_rw_refused", map == MAP_FAILED && errno == EROFS,
	      "writable mmap gave %s", map == MAP_FAILED ? strerror(errno) : "a mapping");
	close(fd);

	fd = open(argv[1], O_RDONLY);
	map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	CHECK("dev/mmap_size_refused", map == MAP_FAILED && errno == EINVAL,
	      "8 KiB mapping gave %s", map == MAP_FAILED ? strerror(errno) : "a mapping");
	pfd.fd = fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, 1000);
	CHECK("dev/poll_hup", r == 1 && (pfd.revents & POLLHUP),
	      "poll gave %d, revents %#x", r, pfd.revents);
	close(fd);
	return failures ? 1 : 0;
}
