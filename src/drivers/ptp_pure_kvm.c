// SPDX-License-Identifier: GPL-2.0
/*
 * ptp_pure_kvm - the KVM clock-pairing hypercall as a ptp_pure_core clock
 *
 * A KVM host answers the hypercall KVM_HC_CLOCK_PAIRING with its
 * CLOCK_REALTIME and the guest TSC value of the same instant, written into
 * a buffer whose guest-physical address the guest passes.  Each read of
 * this backend is one such hypercall; the sample it hands to ptp_pure_core
 * is that time paired with that TSC value, and the core does the rest:
 * under the tsc clocksource it uses the TSC value as it is (6.9+), under
 * kvm-clock it converts it inside the pvclock loop of the reading CPU.  So
 * PTP_SYS_OFFSET_PRECISE works under both clocksources, and
 * PTP_SYS_OFFSET_EXTENDED has a zero-width window.
 *
 * Detection: the hypervisor CPUID leaves must carry the signature
 * "KVMKVMKVM".  No KVM feature bit announces the clock-pairing hypercall
 * (it exists on hosts since 4.11, and is refused at run time when the host
 * cannot pair), so one probing hypercall at load decides: the module loads
 * only if it works, and otherwise fails with -ENODEV and one log line that
 * says why.  The module has no device alias: it is loaded explicitly, and
 * is harmless where there is no KVM.
 *
 * Buffers: one 64-byte result slot per possible CPU, in pages allocated at
 * load and, on guests with encrypted memory (SEV, TDX), made decrypted so
 * the host can write them.  A read uses its own CPU's slot with interrupts
 * disabled from the hypercall to the copy of the result, so reads on
 * several CPUs never share a slot and take no lock, and nothing on the
 * same CPU can interleave.
 *
 * arm64: the host offers the same service as the KVM PTP vendor-hypervisor
 * call of SMCCC 1.1: one call returns the host's CLOCK_REALTIME in
 * nanoseconds and the guest's virtual counter (CNTVCT) of the same instant
 * in registers, so no buffer is needed.  The kernel discovers at boot which
 * KVM services its hypervisor offers; the module loads only if the PTP
 * service is among them and one probing call works, and otherwise fails with
 * -ENODEV and one log line.  Samples carry the virtual counter, which the
 * core hands to the timekeeping core as the architected counter (cross
 * timestamps where the kernel can name that clocksource, 6.9+).
 *
 * The clock is named "KVM virtual PTP" like the in-tree ptp_kvm, so
 * systemd's udev rule gives it the /dev/ptp_kvm link.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#ifdef CONFIG_X86
#include <linux/irqflags.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/set_memory.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#endif
#ifdef CONFIG_ARM64
#include <linux/arm-smccc.h>
#include <asm/hypervisor.h>
#endif

#include "ptp_pure.h"
#include "ptp_pure_compat.h"

#define PP_KVM_CLOCK_NAME	"KVM virtual PTP"

static const struct ptp_pure_ops pp_kvm_ops;

/* The clock of either architecture, paired with @counter. */
static struct ptp_pure_clock *pp_kvm_register(void *priv,
					      enum ptp_pure_counter counter)
{
	struct ptp_pure_config cfg = {
		.name = PP_KVM_CLOCK_NAME,
		.ops = &pp_kvm_ops,
		.priv = priv,
		.flags = PTP_PURE_F_PAIRED,
		.counter = counter,
	};

	return ptp_pure_register(NULL, &cfg);
}

#ifdef CONFIG_X86

/* Where hypervisors place their CPUID leaves, in steps of 0x100. */
#define PP_KVM_CPUID_FIRST	0x40000000
#define PP_KVM_CPUID_LAST	0x40010000

/**
 * struct pp_kvm - the backend's state, one per module
 * @buf: a result slot for every possible CPU
 * @buf_pa: guest-physical address of @buf
 * @buf_size: bytes allocated for @buf, whole pages
 * @decrypted: @buf was made decrypted and must be encrypted again before
 *	it is freed
 * @clk: the registered clock
 */
struct pp_kvm {
	struct kvm_clock_pairing *buf;
	phys_addr_t buf_pa;
	size_t buf_size;
	bool decrypted;
	struct ptp_pure_clock *clk;
};

static struct pp_kvm pp_kvm;

/* The base of KVM's hypervisor CPUID leaves, or 0 when not on KVM. */
static u32 pp_kvm_cpuid_base(void)
{
	static const char kvm_sig[12] = "KVMKVMKVM\0\0";
	u32 base, max, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return 0;
	for (base = PP_KVM_CPUID_FIRST; base < PP_KVM_CPUID_LAST; base += 0x100) {
		cpuid(base, &max, &sig[0], &sig[1], &sig[2]);
		/* Old KVM hosts report 0 as the highest leaf. */
		if (!memcmp(sig, kvm_sig, sizeof(sig)) &&
		    (!max || max > base))
			return base;
	}
	return 0;
}

/*
 * One clock-pairing hypercall into this CPU's slot; *@p gets a copy of the
 * result.  Interrupts stay disabled from the call to the copy, so no other
 * read on this CPU can use the slot in between.
 * Return: the hypercall's result: 0 or a negative KVM_E* code.
 */
static long pp_kvm_pair(struct pp_kvm *pk, struct kvm_clock_pairing *p)
{
	unsigned long irqflags;
	unsigned int cpu;
	long ret;

	local_irq_save(irqflags);
	cpu = smp_processor_id();
	ret = kvm_hypercall2(KVM_HC_CLOCK_PAIRING,
			     pk->buf_pa + cpu * sizeof(*pk->buf),
			     KVM_CLOCK_PAIRING_WALLCLOCK);
	if (!ret)
		*p = pk->buf[cpu];
	local_irq_restore(irqflags);
	return ret;
}

static int pp_kvm_read(void *priv, struct ptp_pure_sample *sample,
		       unsigned int flags)
{
	struct kvm_clock_pairing p;
	long ret;

	ret = pp_kvm_pair(priv, &p);
	switch (ret) {
	case 0:
		break;
	case -KVM_EOPNOTSUPP:
		/* The host cannot pair now, e.g. it left the TSC clocksource. */
		return -EOPNOTSUPP;
	case -KVM_EFAULT:
		return -EFAULT;
	default:
		return -EIO;
	}
	sample->time.tv_sec = p.sec;
	sample->time.tv_nsec = p.nsec;
	sample->timescale = PTP_PURE_TS_UTC;
	sample->counter = p.tsc;
	sample->counter_id = PTP_PURE_COUNTER_X86_TSC;
	return 0;
}

static const struct ptp_pure_ops pp_kvm_ops = {
	.read = pp_kvm_read,
};

static void pp_kvm_free_buf(struct pp_kvm *pk)
{
	/*
	 * A page whose encryption cannot be restored must never be reused:
	 * the kernel would put private data into memory the host can read.
	 */
	if (pk->decrypted &&
	    set_memory_encrypted((unsigned long)pk->buf,
				 pk->buf_size >> PAGE_SHIFT)) {
		pr_warn("leaking %zu bytes that could not be encrypted again\n",
			pk->buf_size);
		return;
	}
	free_pages_exact(pk->buf, pk->buf_size);
}

/* Allocate the result slots; on failure, *@why says what went wrong. */
static int pp_kvm_alloc_buf(struct pp_kvm *pk, const char **why)
{
	pk->buf_size = PAGE_ALIGN(nr_cpu_ids * sizeof(*pk->buf));
	pk->buf = alloc_pages_exact(pk->buf_size, GFP_KERNEL | __GFP_ZERO);
	if (!pk->buf) {
		*why = "cannot allocate the hypercall result buffer";
		return -ENOMEM;
	}
	if (compat_guest_mem_encrypted()) {
		if (set_memory_decrypted((unsigned long)pk->buf,
					 pk->buf_size >> PAGE_SHIFT)) {
			/* In an unknown state: never give it back. */
			*why = "set_memory_decrypted() failed on the result buffer";
			return -ENODEV;
		}
		pk->decrypted = true;
		memset(pk->buf, 0, pk->buf_size);
	}
	pk->buf_pa = __pa(pk->buf);
	return 0;
}

static int pp_kvm_arch_init(void)
{
	struct pp_kvm *pk = &pp_kvm;
	struct kvm_clock_pairing p;
	const char *why;
	long hret;
	int ret;

	if (!pp_kvm_cpuid_base()) {
		pr_info("not loaded: not a KVM guest (no KVMKVMKVM hypervisor CPUID signature)\n");
		return -ENODEV;
	}
	ret = pp_kvm_alloc_buf(pk, &why);
	if (ret) {
		pr_err("not loaded: %s\n", why);
		return ret;
	}
	hret = pp_kvm_pair(pk, &p);
	switch (hret) {
	case 0:
		break;
	case -KVM_ENOSYS:
		pr_info("not loaded: the KVM host has no clock-pairing hypercall (KVM_HC_CLOCK_PAIRING)\n");
		goto refuse;
	case -KVM_EOPNOTSUPP:
		pr_info("not loaded: the KVM host refuses clock pairing (its clocksource is not TSC-based, or this vCPU's TSC is in catch-up mode)\n");
		goto refuse;
	default:
		pr_info("not loaded: the clock-pairing hypercall failed with %ld\n",
			hret);
		goto refuse;
	}

	pk->clk = pp_kvm_register(pk, PTP_PURE_COUNTER_X86_TSC);
	if (IS_ERR(pk->clk)) {
		ret = PTR_ERR(pk->clk);
		pp_kvm_free_buf(pk);
		return ret;
	}
	return 0;

refuse:
	pp_kvm_free_buf(pk);
	return -ENODEV;
}

static void pp_kvm_arch_exit(void)
{
	ptp_pure_unregister(pp_kvm.clk);
	pp_kvm_free_buf(&pp_kvm);
}
#endif /* CONFIG_X86 */

#ifdef CONFIG_ARM64
/**
 * struct pp_kvm - the backend's state, one per module
 * @clk: the registered clock
 */
struct pp_kvm {
	struct ptp_pure_clock *clk;
};

static struct pp_kvm pp_kvm;

/*
 * One KVM PTP call: the host's CLOCK_REALTIME in nanoseconds and the virtual
 * counter of the same instant, each as two 32-bit halves.
 * Return: 0, or -EOPNOTSUPP when the host answers NOT_SUPPORTED (e.g. its
 * clocksource is not the architected counter).
 */
static int pp_kvm_smccc(u64 *ns, u64 *cycles)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_invoke(ARM_SMCCC_VENDOR_HYP_KVM_PTP_FUNC_ID,
			     KVM_PTP_VIRT_COUNTER, &res);
	if ((long)res.a0 < 0)
		return -EOPNOTSUPP;
	*ns = (u64)lower_32_bits(res.a0) << 32 | lower_32_bits(res.a1);
	*cycles = (u64)lower_32_bits(res.a2) << 32 | lower_32_bits(res.a3);
	return 0;
}

static int pp_kvm_read(void *priv, struct ptp_pure_sample *sample,
		       unsigned int flags)
{
	u64 ns, cycles;
	int ret;

	ret = pp_kvm_smccc(&ns, &cycles);
	if (ret)
		return ret;
	sample->time = ns_to_timespec64(ns);
	sample->timescale = PTP_PURE_TS_UTC;
	sample->counter = cycles;
	sample->counter_id = PTP_PURE_COUNTER_ARM_VIRT;
	return 0;
}

static const struct ptp_pure_ops pp_kvm_ops = {
	.read = pp_kvm_read,
};

static int pp_kvm_arch_init(void)
{
	u64 ns, cycles;

	/*
	 * The kernel asked the hypervisor at boot which KVM vendor services it
	 * offers (none when SMCCC 1.1 is absent or the hypervisor is not KVM):
	 * the PTP call is never made unless it is listed.
	 */
	if (!kvm_arm_hyp_service_available(ARM_SMCCC_KVM_FUNC_PTP)) {
		pr_info("not loaded: the hypervisor offers no KVM PTP service over SMCCC (not a KVM guest, or a host without it)\n");
		return -ENODEV;
	}
	if (pp_kvm_smccc(&ns, &cycles)) {
		pr_info("not loaded: the KVM host refuses the PTP call (its clocksource is not the architected counter)\n");
		return -ENODEV;
	}
	pp_kvm.clk = pp_kvm_register(&pp_kvm, PTP_PURE_COUNTER_ARM_VIRT);
	return PTR_ERR_OR_ZERO(pp_kvm.clk);
}

static void pp_kvm_arch_exit(void)
{
	ptp_pure_unregister(pp_kvm.clk);
}
#endif /* CONFIG_ARM64 */

static int __init pp_kvm_init(void)
{
	return pp_kvm_arch_init();
}
module_init(pp_kvm_init);

static void __exit pp_kvm_exit(void)
{
	pp_kvm_arch_exit();
}
module_exit(pp_kvm_exit);

MODULE_DESCRIPTION("KVM PTP clock (x86 clock-pairing hypercall, arm64 SMCCC) through ptp_pure_core");
MODULE_AUTHOR("ptp-pure developers");
MODULE_LICENSE("GPL");
