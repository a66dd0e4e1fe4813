/* 6.11+: system_counterval_t.use_nsecs */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
void conftest(struct system_counterval_t *sc);
void conftest(struct system_counterval_t *sc) { sc->use_nsecs = false; }
