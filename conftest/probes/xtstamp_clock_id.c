/* 7.2+: crosststamp takes the system clock id as input, returns sys_systime */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
ktime_t conftest(struct system_device_crosststamp *x);
ktime_t conftest(struct system_device_crosststamp *x) { x->clock_id = CLOCK_REALTIME; return x->sys_systime; }
