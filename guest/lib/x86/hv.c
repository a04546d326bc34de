// SPDX-License-Identifier: MIT
/*
 * Hyper-V discovery and set-up (TLFS "Feature and Interface Discovery", "Establishing the
 * Hypercall Interface", "Virtual Processor Index", "Virtual Processor Assist Page",
 * "Partition Reference TSC Mechanism"). The calls themselves are in hv_call.c.
 */
#include "x86/hv.h"
#include "x86/fault.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "alloc.h"
#include "atomic.h"
#include "string.h"

#define CPUID_1_ECX_HYPERVISOR BIT(31)

struct hv_info hv_info;
void *hv_hypercall_pg;

/* hv_call.c: catches the faults of the *_safe calls. */
void hv_install_fault_catcher(void);

int hv_detect(void)
{
	struct hv_info *h = &hv_info;
	struct cpuid r;

	memset(h, 0, sizeof(*h));
	h->hypervisor_bit = cpuid(1).c & CPUID_1_ECX_HYPERVISOR;
	/*
	 * The TLFS asks to check the hypervisor bit first; without it leaf 0x40000000 may
	 * return another leaf's data (Intel answers out-of-range leaves with the highest
	 * basic leaf), which the signature checks below reject anyway.
	 */
	r = cpuid(HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS);
	h->max_leaf = r.a;
	memcpy(&h->vendor[0], &r.b, 4);
	memcpy(&h->vendor[4], &r.c, 4);
	memcpy(&h->vendor[8], &r.d, 4);
	h->vendor[12] = '\0';
	if (!h->hypervisor_bit || r.b != HYPERV_CPUID_VENDOR_EBX ||
	    r.c != HYPERV_CPUID_VENDOR_ECX || r.d != HYPERV_CPUID_VENDOR_EDX ||
	    h->max_leaf < HYPERV_CPUID_IMPLEMENT_LIMITS)
		return -ENODEV;
	h->interface = cpuid(HYPERV_CPUID_INTERFACE).a;
	if (h->interface != HYPERV_CPUID_SIGNATURE_EAX)
		return -ENODEV;
	r = cpuid(HYPERV_CPUID_VERSION);
	h->build = r.a;
	h->version = r.b;
	r = cpuid(HYPERV_CPUID_FEATURES);
	h->features_eax = r.a;
	h->features_ebx = r.b;
	h->features_ecx = r.c;
	h->features_edx = r.d;
	r = cpuid(HYPERV_CPUID_ENLIGHTMENT_INFO);
	h->enlight_eax = r.a;
	h->enlight_ebx = r.b;
	h->enlight_ecx = r.c;
	r = cpuid(HYPERV_CPUID_IMPLEMENT_LIMITS);
	h->max_vps = r.a;
	h->max_lps = r.b;
	h->present = true;
	return 0;
}

int hv_hypercall_enable(void *page)
{
	u64 want =
	    (hv_pa(page) & HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_MASK) | HV_X64_MSR_HYPERCALL_ENABLE;
	u64 v;

	if (wrmsr_safe(HV_X64_MSR_HYPERCALL, want) || rdmsr_safe(HV_X64_MSR_HYPERCALL, &v))
		return -EIO;
	if ((v & (HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_MASK | HV_X64_MSR_HYPERCALL_ENABLE)) != want)
		return -EIO;
	WRITE_ONCE(hv_hypercall_pg, page);
	return 0;
}

int hv_hypercall_disable(void)
{
	u64 v;

	if (rdmsr_safe(HV_X64_MSR_HYPERCALL, &v) ||
	    wrmsr_safe(HV_X64_MSR_HYPERCALL, v & ~HV_X64_MSR_HYPERCALL_ENABLE))
		return -EIO;
	return 0;
}

int hv_cpu_init(void)
{
	struct percpu *pc = this_cpu();
	struct hv_cpu *c = pc->hv;
	u64 v;

	if (!c) {
		c = alloc_bytes(sizeof(*c), 8);
		if (!c)
			return -ENOMEM;
		c->fault = FAULT_NONE;
		pc->hv = c;
	}
	if (!c->input)
		c->input = alloc_page();
	if (!c->output)
		c->output = alloc_page();
	if (!c->input || !c->output)
		return -ENOMEM;
	/*
	 * SSE moves (XMM fast input) #UD unless the OS declared FXSAVE support. Set whether
	 * or not XMM input is offered, so that a #UD from an XMM call is the hypervisor's.
	 */
	if ((read_cr4() & X86_CR4_OSFXSR) == 0)
		write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	if (hv_priv(HV_X64_MSR_VP_INDEX_AVAILABLE)) {
		if (rdmsr_safe(HV_X64_MSR_VP_INDEX, &v))
			return -EIO;
		pc->vp_index = (u32)v;
	}
	return 0;
}

static void cpu_init_fn(void *arg)
{
	int *err = arg;
	int r = hv_cpu_init();

	if (r)
		WRITE_ONCE(*err, r);
}

int hv_init(void)
{
	int err = 0;
	u64 v;

	if (hv_detect() || !hv_priv(HV_X64_MSR_HYPERCALL_AVAILABLE))
		return -ENODEV;
	if (wrmsr_safe(HV_X64_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_DEFAULT) ||
	    rdmsr_safe(HV_X64_MSR_GUEST_OS_ID, &v) || v != HV_GUEST_OS_ID_DEFAULT)
		return -EIO;
	if (hv_hypercall_enable(hv_hypercall_page))
		return -EIO;
	hv_install_fault_catcher();
	on_all_cpus(cpu_init_fn, &err);
	return err;
}

int hv_vp_assist_enable(void)
{
	struct hv_cpu *c = hv_this_cpu();
	u64 want, v;

	if (!c)
		return -EIO;
	if (!c->vp_assist)
		c->vp_assist = alloc_page();
	if (!c->vp_assist)
		return -ENOMEM;
	want = hv_pa(c->vp_assist) | HV_X64_MSR_VP_ASSIST_PAGE_ENABLE;
	if (wrmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, want) ||
	    rdmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, &v) || v != want)
		return -EIO;
	return 0;
}

int hv_vp_assist_disable(void)
{
	u64 v;

	if (wrmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, 0) || rdmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, &v) ||
	    v)
		return -EIO;
	return 0;
}

/* ((a * b) >> 64), one mulq. */
static inline u64 mul_hi64(u64 a, u64 b)
{
	u64 hi, lo;

	asm("mulq %3" : "=d"(hi), "=a"(lo) : "a"(a), "rm"(b) : "cc");
	(void)lo;
	return hi;
}

int hv_ref_tsc_read(const volatile struct hv_reference_tsc_page *pg, u64 *time)
{
	u32 seq;
	u64 scale, t;
	s64 offset;

	do {
		seq = pg->tsc_sequence;
		if (seq == HV_TSC_SEQUENCE_INVALID || seq == HV_TSC_SEQUENCE_UPDATING)
			return -EAGAIN;
		smp_rmb();
		scale = pg->tsc_scale;
		offset = pg->tsc_offset;
		t = mul_hi64(rdtsc(), scale) + (u64)offset;
		smp_rmb();
	} while (pg->tsc_sequence != seq);
	*time = t;
	return 0;
}
