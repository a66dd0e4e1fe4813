/* The oldest kernel ptp-pure supports: 5.10 */
#include <linux/version.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "older than 5.10"
#endif
