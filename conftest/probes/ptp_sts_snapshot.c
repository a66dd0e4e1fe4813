/* 7.2+: pre/post system times are full timekeeping snapshots */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/ptp_clock_kernel.h>
ktime_t conftest(struct ptp_system_timestamp *sts);
ktime_t conftest(struct ptp_system_timestamp *sts) { return sts->pre_sts.systime; }
