/* 6.9+: x86 clocksource ids (TSC, early TSC, kvm-clock) */
#include <linux/clocksource_ids.h>
int conftest(void);
int conftest(void) { return CSID_X86_TSC + CSID_X86_TSC_EARLY + CSID_X86_KVM_CLK; }
