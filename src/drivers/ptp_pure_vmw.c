// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_vmw - the VMware precision clock as a ptp_pure_core clock
 *
 * A VMware host announces its precision clock with the ACPI device
 * VMW0005 and serves its time through the backdoor: precision-clock
 * command 97, sub-command 0, answers with a status and the host's time in
 * nanoseconds (include/ptp_pure_vmw_abi.h).  Each read of this backend is
 * one such call.  The sample is not paired with a system counter, so
 * ptp_pure_core brackets it for PTP_SYS_OFFSET_EXTENDED; the backend takes
 * those system timestamps itself (PTP_PURE_F_OWN_STS), right around the
 * call, so the window holds the hypercall and nothing else.
 *
 * Binding: a platform driver matching ACPI VMW0005 (acpi_driver is gone in
 * 7.3), registered only when the kernel detected VMware as the hypervisor;
 * anywhere else the module refuses to load with -ENODEV and one log line.
 * At probe one test read decides: a host that does not answer the command
 * gets no clock (one log line, the device stays unbound) instead of a
 * clock whose every read fails.  A read that fails later returns -EIO,
 * logged with a rate limit (here with the host's status, and by the core).
 *
 * The call itself: the kernel's vmware_hypercall3() from 6.12, before that
 * an equivalent in include/ptp_pure_compat.h.
 *
 * The clock is named "ptp_vmw" like the in-tree driver's, so udev rules
 * and configurations written for it keep working.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define PTP_PURE_COMPAT_VMWARE

#include <linux/acpi.h>
#include <linux/err.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <asm/hypervisor.h>

#include "ptp_pure.h"
#include "ptp_pure_compat.h"
#include "ptp_pure_vmw_abi.h"

#define PP_VMW_CLOCK_NAME	"ptp_vmw"

/* One precision-clock read: the host's status; *@hi, *@lo its answer. */
static __always_inline unsigned long pp_vmw_call(u32 *hi, u32 *lo)
{
	return compat_vmware_hypercall3(PTP_PURE_VMW_CMD_PCLK_GETTIME, 0,
					hi, lo);
}

static int pp_vmw_read(void *priv, struct ptp_pure_sample *sample,
		       unsigned int flags)
{
	struct device *dev = priv;
	struct ptp_pure_time t;
	unsigned long status;
	u32 hi, lo;

	ptp_read_system_prets(sample->sts);
	status = pp_vmw_call(&hi, &lo);
	ptp_read_system_postts(sample->sts);
	if (ptp_pure_vmw_decode(status, hi, lo, &t)) {
		dev_warn_ratelimited(dev, "precision clock read failed: host status %#lx\n",
				     status);
		return -EIO;
	}
	sample->time.tv_sec = t.sec;
	sample->time.tv_nsec = t.nsec;
	sample->timescale = PTP_PURE_TS_UTC;
	return 0;
}

static const struct ptp_pure_ops pp_vmw_ops = {
	.read = pp_vmw_read,
};

static int pp_vmw_probe(struct platform_device *pdev)
{
	struct ptp_pure_config cfg = {
		.name = PP_VMW_CLOCK_NAME,
		.ops = &pp_vmw_ops,
		.priv = &pdev->dev,
		.flags = PTP_PURE_F_OWN_STS,
	};
	struct ptp_pure_clock *clk;
	struct ptp_pure_time t;
	unsigned long status;
	u32 hi, lo;

	status = pp_vmw_call(&hi, &lo);
	if (ptp_pure_vmw_decode(status, hi, lo, &t)) {
		dev_info(&pdev->dev,
			 "no clock: the host does not answer the precision-clock command (backdoor command %d returned status %#lx)\n",
			 PTP_PURE_VMW_CMD_PCLK, status);
		return -ENODEV;
	}
	clk = devm_ptp_pure_register(&pdev->dev, &cfg);
	if (IS_ERR(clk))
		return dev_err_probe(&pdev->dev, PTR_ERR(clk),
				     "cannot register the clock\n");
	return 0;
}

static const struct acpi_device_id pp_vmw_acpi_ids[] = {
	{ "VMW0005", 0 },
	{ }
};
MODULE_DEVICE_TABLE(acpi, pp_vmw_acpi_ids);

static struct platform_driver pp_vmw_driver = {
	.probe = pp_vmw_probe,
	.driver = {
		.name = "ptp_pure_vmw",
		.acpi_match_table = pp_vmw_acpi_ids,
	},
};

static int __init pp_vmw_init(void)
{
	if (!hypervisor_is_type(X86_HYPER_VMWARE)) {
		pr_info("not loaded: not a VMware guest (the kernel did not detect VMware as the hypervisor)\n");
		return -ENODEV;
	}
	return platform_driver_register(&pp_vmw_driver);
}
module_init(pp_vmw_init);

static void __exit pp_vmw_exit(void)
{
	platform_driver_unregister(&pp_vmw_driver);
}
module_exit(pp_vmw_exit);

MODULE_DESCRIPTION("VMware precision clock through ptp_pure_core");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
