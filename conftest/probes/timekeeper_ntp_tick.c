/* The timekeeper's NTP tick length, as a timekeeping notifier sees it */
#include <linux/pvclock_gtod.h>
#include <linux/timekeeper_internal.h>
u64 conftest(const struct timekeeper *tk);
u64 conftest(const struct timekeeper *tk) { return tk->ntp_tick + tk->cs_was_changed_seq; }
