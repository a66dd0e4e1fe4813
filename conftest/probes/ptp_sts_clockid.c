/* 6.11+: struct ptp_system_timestamp carries the requested clockid */
#include <linux/ptp_clock_kernel.h>
int conftest(struct ptp_system_timestamp *sts);
int conftest(struct ptp_system_timestamp *sts) { return sts->clockid; }
