/* 6.13+: hrtimer_setup() sets the callback; hrtimer_init() is gone later */
#include <linux/hrtimer.h>
static enum hrtimer_restart conftest_fn(struct hrtimer *t) { return HRTIMER_NORESTART; }
void conftest(struct hrtimer *t);
void conftest(struct hrtimer *t) { hrtimer_setup(t, conftest_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL); }
