/* 5.13+: <linux/clocksource_ids.h> */
#include <linux/clocksource_ids.h>
