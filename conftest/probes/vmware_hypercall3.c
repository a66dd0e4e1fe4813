/* 6.12+ (x86): vmware_hypercall3() and friends in <asm/vmware.h> */
#include <asm/cpufeature.h>
#include <asm/unwind_hints.h>
#include <asm/vmware.h>
unsigned long conftest(void);
unsigned long conftest(void)
{
	u32 b, c;

	return vmware_hypercall3(VMWARE_CMD_GETVERSION, 0, &b, &c);
}
