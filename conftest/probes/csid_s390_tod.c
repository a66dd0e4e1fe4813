/* 6.13+: s390 TOD clocksource id */
#include <linux/clocksource_ids.h>
int conftest(void);
int conftest(void) { return CSID_S390_TOD; }
