/* 6.17+ (x86): cpuid() lives in <asm/cpuid/api.h>, no longer in processor.h */
#include <asm/cpuid/api.h>
unsigned int conftest(void);
unsigned int conftest(void) { return cpuid_eax(0); }
