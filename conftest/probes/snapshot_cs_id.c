/* 5.13+: a timekeeping snapshot says which clocksource it was taken from */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
int conftest(struct system_time_snapshot *s);
int conftest(struct system_time_snapshot *s) { return s->cs_id; }
