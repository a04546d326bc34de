// SPDX-License-Identifier: MIT
/*
 * The Hyper-V CPUID leaves 0x40000000-0x4000000A (TLFS "Feature and Interface Discovery").
 *
 * The same bits gate the synthetic MSRs and the hypercalls (msr.c, hypercall.c), exactly
 * as KVM's hv_check_msr_access()/hv_check_hypercall_access() read its cpuid_cache with
 * KVM_CAP_HYPERV_ENFORCE_CPUID: what the guest is told is what it can use.
 */
#include <errno.h>
#include <string.h>

#include "hv/hv_internal.h"

/* 0x40000002: WS2016 (build 14393, 10.0), the version KVM reports (kvm_get_hv_cpuid). */
#define HV_VERSION_BUILD       0x00003839u
#define HV_VERSION_MAJOR_MINOR 0x000A0000u
/* 0x40000005.EBX: maximum logical processors; KVM and QEMU both report 64. */
#define HV_MAX_LOGICAL_PROCESSORS 64u

void hv_cpuid_cache_build(const struct hv_features *f, struct hv_cpuid_cache *c)
{
	memset(c, 0, sizeof(*c));
	if (!f->mask)
		return;

	/*
	 * HypercallMsrs and VpIndex whenever any enlightenment is on, as QEMU does ("Hv#1"
	 * promises GUEST_OS_ID, HYPERCALL and VP_INDEX). Linux's ms_hyperv_platform() needs
	 * both bits to take the Hyper-V path at all.
	 */
	c->features_eax = HV_X64_MSR_HYPERCALL_AVAILABLE | HV_X64_MSR_VP_INDEX_AVAILABLE;
	if (hv_has(f, HV_FEAT_RUNTIME))
		c->features_eax |= HV_X64_MSR_VP_RUNTIME_AVAILABLE;
	if (hv_has(f, HV_FEAT_TIME))
		c->features_eax |=
		    HV_X64_MSR_TIME_REF_COUNT_AVAILABLE | HV_X64_MSR_REFERENCE_TSC_AVAILABLE;
	if (hv_has(f, HV_FEAT_VAPIC))
		c->features_eax |= HV_X64_MSR_APIC_ACCESS_AVAILABLE;
	if (hv_has(f, HV_FEAT_RESET))
		c->features_eax |= HV_X64_MSR_RESET_AVAILABLE;
	if (hv_has(f, HV_FEAT_FREQUENCIES)) {
		/* Linux reads the frequency MSRs only when both bits are set. */
		c->features_eax |= HV_X64_ACCESS_FREQUENCY_MSRS;
		c->features_edx |= HV_FEATURE_FREQUENCY_MSRS_AVAILABLE;
	}
	if (hv_has(f, HV_FEAT_CRASH))
		c->features_edx |= HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE;
	if (hv_has(f, HV_FEAT_XMM_INPUT))
		c->features_edx |= HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE;
	if (hv_has(f, HV_FEAT_SYNIC)) {
		c->features_eax |= HV_X64_MSR_SYNIC_AVAILABLE;
		c->features_ebx |= HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
	}
	if (hv_has(f, HV_FEAT_STIMER))
		c->features_eax |= HV_X64_MSR_SYNTIMER_AVAILABLE;
	if (hv_has(f, HV_FEAT_STIMER_DIRECT))
		c->features_edx |= HV_STIMER_DIRECT_MODE_AVAILABLE;
	if (hv_has(f, HV_FEAT_TSC_INVARIANT))
		c->features_eax |= HV_X64_ACCESS_TSC_INVARIANT;
	/*
	 * CPU dynamic partitioning: not exposed by KVM, but QEMU always sets it because
	 * Windows needs it for CPU hotplug (target/i386/kvm/kvm.c hyperv_fill_cpuids), and
	 * hvemu hot-adds vCPUs.
	 */
	c->features_edx |= HV_X64_CPU_DYNAMIC_PARTITIONING_AVAILABLE;

	/*
	 * Relaxed timing: vCPUs here are emulated (CPL0 code runs in KVM's emulator at
	 * ~0.3 us per instruction) and routinely overcommitted, so a guest watchdog that
	 * expects bare-metal timing would fire spuriously. Windows disables such watchdogs
	 * on this hint; KVM offers it in its supported set.
	 *
	 * APIC_ACCESS_RECOMMENDED is deliberately NOT set even with vapic: with it Linux
	 * routes xAPIC EOI/ICR/TPR through HV_X64_MSR_EOI/ICR/TPR, which user space can only
	 * forward race-free in x2APIC mode (a host write of the x2APIC MSR; in xAPIC mode
	 * KVM_SET_LAPIC would overwrite IRR bits set meanwhile). Without it Linux uses the
	 * native APIC and the VP assist page EOI shortcut stays off.
	 */
	c->enlight_eax = HV_X64_RELAXED_TIMING_RECOMMENDED;
	if (hv_has(f, HV_FEAT_TLBFLUSH))
		c->enlight_eax |=
		    HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED | HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED;
	if (hv_has(f, HV_FEAT_IPI))
		c->enlight_eax |=
		    HV_X64_CLUSTER_IPI_RECOMMENDED | HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED;
	/*
	 * KVM's supported set recommends against AutoEOI (Linux then never sets it on its
	 * SINTs). hvemu supports AutoEOI anyway (docs/synic.md), at a higher delivery cost.
	 */
	if (hv_has(f, HV_FEAT_SYNIC))
		c->enlight_eax |= HV_DEPRECATING_AEOI_RECOMMENDED;
	c->enlight_ebx =
	    hv_has(f, HV_FEAT_SPINLOCKS) ? f->spinlock_retries : HYPERV_SPINLOCK_NEVER_NOTIFY;
}

static struct hv_cpuid_leaf *leaf(struct hv_cpuid_leaf *out, unsigned *n, uint32_t function)
{
	struct hv_cpuid_leaf *l = &out[(*n)++];

	memset(l, 0, sizeof(*l));
	l->function = function;
	return l;
}

int hv_cpuid_build(const struct hv_features *f, uint32_t max_vps, struct hv_cpuid_leaf *out,
		   unsigned max)
{
	struct hv_cpuid_cache c;
	struct hv_cpuid_leaf *l;
	unsigned n = 0;

	if (!f || hv_features_check(f, NULL, 0))
		return -EINVAL;
	if (!f->mask)
		return 0;
	if (!out || max < HV_CPUID_NR_LEAVES)
		return -ENOSPC;
	hv_cpuid_cache_build(f, &c);

	l = leaf(out, &n, HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS);
	l->eax = HYPERV_CPUID_NESTED_FEATURES;
	l->ebx = HYPERV_CPUID_VENDOR_EBX;
	l->ecx = HYPERV_CPUID_VENDOR_ECX;
	l->edx = HYPERV_CPUID_VENDOR_EDX;

	l = leaf(out, &n, HYPERV_CPUID_INTERFACE);
	l->eax = HYPERV_CPUID_SIGNATURE_EAX;

	l = leaf(out, &n, HYPERV_CPUID_VERSION);
	l->eax = HV_VERSION_BUILD;
	l->ebx = HV_VERSION_MAJOR_MINOR;

	l = leaf(out, &n, HYPERV_CPUID_FEATURES);
	l->eax = c.features_eax;
	l->ebx = c.features_ebx;
	l->edx = c.features_edx;

	l = leaf(out, &n, HYPERV_CPUID_ENLIGHTMENT_INFO);
	l->eax = c.enlight_eax;
	l->ebx = c.enlight_ebx;

	l = leaf(out, &n, HYPERV_CPUID_IMPLEMENT_LIMITS);
	l->eax = max_vps;
	l->ebx = HV_MAX_LOGICAL_PROCESSORS;

	/* 0x40000006-0x4000000A: no hardware features in use, no nested virtualization. */
	for (uint32_t fn = HYPERV_CPUID_HW_FEATURES; fn <= HYPERV_CPUID_NESTED_FEATURES; fn++)
		leaf(out, &n, fn);
	return (int)n;
}
