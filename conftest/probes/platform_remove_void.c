/* 6.11+: platform_driver.remove returns void */
#include <linux/platform_device.h>
static void conftest_remove(struct platform_device *pdev) { }
struct platform_driver conftest_drv = { .remove = conftest_remove };
