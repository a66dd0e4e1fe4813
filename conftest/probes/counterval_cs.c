/* before 6.9: system_counterval_t points at the clocksource */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/clocksource.h>
void conftest(struct system_counterval_t *sc, struct clocksource *cs);
void conftest(struct system_counterval_t *sc, struct clocksource *cs) { sc->cs = cs; }
