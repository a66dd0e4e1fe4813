/* 5.13+: arm64 architected counter clocksource id */
#include <linux/clocksource_ids.h>
int conftest(void);
int conftest(void) { return CSID_ARM_ARCH_COUNTER; }
