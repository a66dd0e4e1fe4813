/* 5.16+ (and some backports): cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT) */
#include <linux/cc_platform.h>
int conftest(void);
int conftest(void) { return cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT); }
