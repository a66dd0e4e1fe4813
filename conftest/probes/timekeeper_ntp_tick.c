/* The timekeeper's NTP tick length, as a timekeeping notifier sees it */
#include <linux/pvclock_gtod.h>
#include <linux/timekeeper_internal.h>
u64 conftest(void *priv);
u64 conftest(void *priv) { return ((struct timekeeper *)priv)->ntp_tick; }
