/* SPDX-License-Identifier: GPL-2.0 */
/*
 * phc_util.h - helpers shared by the userspace PHC test and bench programs
 */
#ifndef PHC_UTIL_H
#define PHC_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLOCKFD 3
#define FD_TO_CLOCKID(fd) ((clockid_t)((((unsigned int)~(fd)) << 3) | CLOCKFD))

/*
 * N of the /dev/ptpN whose clock_name is @name, found in sysfs (the guests
 * have no udev), or -1.
 */
static inline int phc_find(const char *name)
{
	DIR *d = opendir("/sys/class/ptp");
	struct dirent *e;
	char path[300], buf[64];
	int idx = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		FILE *f;

		if (strncmp(e->d_name, "ptp", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/class/ptp/%s/clock_name", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = 0;
			if (!strcmp(buf, name))
				idx = atoi(e->d_name + 3);
		}
		fclose(f);
	}
	closedir(d);
	return idx;
}

#endif /* PHC_UTIL_H */
