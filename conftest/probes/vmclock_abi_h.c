/* 6.13+: the kernel's own vmclock ABI header */
#include <linux/types.h>
#include <linux/vmclock-abi.h>
int conftest(struct vmclock_abi *p);
int conftest(struct vmclock_abi *p) { return p->counter_id; }
