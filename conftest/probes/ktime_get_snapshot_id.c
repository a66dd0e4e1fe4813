/* 7.2+: ktime_get_snapshot_id(clockid, snap) replaces ktime_get_snapshot() */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
void conftest(struct system_time_snapshot *s);
void conftest(struct system_time_snapshot *s) { ktime_get_snapshot_id(CLOCK_REALTIME, s); }
