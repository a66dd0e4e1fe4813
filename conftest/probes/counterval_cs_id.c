/* 6.9+: system_counterval_t names its clocksource by id */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/clocksource_ids.h>
void conftest(struct system_counterval_t *sc);
void conftest(struct system_counterval_t *sc) { sc->cs_id = CSID_GENERIC; }
