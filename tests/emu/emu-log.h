/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emu-log.h - log lines and fatal errors of the host emulators (vmclock-emu,
 * cipu-emu): "NAME [seconds since start] message" lines to stderr or to the
 * --log file.  Each program includes it once and calls emu_log_init() first.
 */
#ifndef EMU_LOG_H
#define EMU_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static FILE *emu_log;			/* stderr until --log opens a file */
static const char *emu_name;
static struct timespec emu_t0;

static void emu_log_init(const char *name)
{
	emu_log = stderr;
	emu_name = name;
	clock_gettime(CLOCK_MONOTONIC, &emu_t0);
}

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	struct timespec now;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(emu_log, "%s [%7.3f] ", emu_name,
		(double)(now.tv_sec - emu_t0.tv_sec) +
		(now.tv_nsec - emu_t0.tv_nsec) / 1e9);
	va_start(ap, fmt);
	vfprintf(emu_log, fmt, ap);
	va_end(ap);
	fputc('\n', emu_log);
	fflush(emu_log);
}

/* Log the error (also to stderr when logging to a file) and exit 1. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (emu_log && emu_log != stderr)
		logmsg("error: %s", buf);
	fprintf(stderr, "%s: error: %s\n", emu_name, buf);
	exit(1);
}

#endif /* EMU_LOG_H */
