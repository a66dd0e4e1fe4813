// SPDX-License-Identifier: GPL-2.0
/*
 * klp_posix_clock - a live patch of the kernel's posix_clock_register(),
 * for the test guests only, never packaged
 *
 * posix_clock_register() makes the character device visible
 * (cdev_device_add()) before it sets clk->dev and clk->cdev.owner.  An
 * open() of /dev/ptpN in between gets no reference on the device
 * (get_device(NULL)) and none on the owning module (owner still NULL), but
 * its close() drops both.  The device's last reference then goes one put
 * early: "refcount_t: underflow; use-after-free" from
 * ptp_clock_unregister().  Documentation/upstream/ holds the analysis and
 * the upstream patch; this module applies the same change to a running
 * stock kernel (CONFIG_LIVEPATCH), so that the tests can tell that kernel
 * bug from a reference our own modules drop.
 *
 * The replacement needs the kernel's static posix_clock_file_operations,
 * which no module can link against: the loader passes its address from
 * /proc/kallsyms, and the module checks the name at that address before
 * it patches anything:
 *
 *   modprobe klp_posix_clock fops=0x$(awk \
 *       '$3 == "posix_clock_file_operations" { print $1 }' /proc/kallsyms)
 *
 * Unloading: echo 0 > /sys/kernel/livepatch/klp_posix_clock/enabled, wait
 * for the transition, then rmmod.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/posix-clock.h>
#include <linux/rwsem.h>
#include <linux/string.h>

static unsigned long fops;
module_param(fops, ulong, 0400);
MODULE_PARM_DESC(fops, "address of posix_clock_file_operations (from /proc/kallsyms)");

static const struct file_operations *pc_fops;

/*
 * The kernel's posix_clock_register() with the two assignments moved
 * before cdev_device_add(): once the device node exists, an open() finds
 * clk->dev and the owner it must take references on.
 */
static int klp_pc_posix_clock_register(struct posix_clock *clk,
				       struct device *dev)
{
	int err;

	init_rwsem(&clk->rwsem);
	cdev_init(&clk->cdev, pc_fops);
	clk->cdev.owner = clk->ops.owner;
	clk->dev = dev;
	err = cdev_device_add(&clk->cdev, dev);
	if (err)
		pr_err("%s unable to add device %d:%d\n", dev_name(dev),
		       MAJOR(dev->devt), MINOR(dev->devt));
	return err;
}

static struct klp_func klp_pc_funcs[] = {
	{
		.old_name = "posix_clock_register",
		.new_func = klp_pc_posix_clock_register,
	},
	{ }
};

static struct klp_object klp_pc_objs[] = {
	{
		/* name NULL: vmlinux */
		.funcs = klp_pc_funcs,
	},
	{ }
};

static struct klp_patch klp_pc_patch = {
	.mod = THIS_MODULE,
	.objs = klp_pc_objs,
};

static int __init klp_pc_init(void)
{
	static const char want[] = "posix_clock_file_operations+0x0/";
	char sym[KSYM_SYMBOL_LEN];

	if (!fops) {
		pr_err("fops= (address of posix_clock_file_operations) is required\n");
		return -EINVAL;
	}
	sprint_symbol(sym, fops);
	if (strncmp(sym, want, sizeof(want) - 1)) {
		pr_err("fops=%#lx is %s, not posix_clock_file_operations\n",
		       fops, sym);
		return -EINVAL;
	}
	pc_fops = (const struct file_operations *)fops;
	return klp_enable_patch(&klp_pc_patch);
}

static void __exit klp_pc_exit(void)
{
}

module_init(klp_pc_init);
module_exit(klp_pc_exit);
MODULE_DESCRIPTION("Test guests only: posix_clock_register() sets the device and owner before the node exists");
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
