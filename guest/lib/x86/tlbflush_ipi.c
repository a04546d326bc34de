// SPDX-License-Identifier: MIT
/*
 * IPIs through HvCallSendSyntheticClusterIpi (TLFS 0x000B) and
 * HvCallSendSyntheticClusterIpiEx (0x0015), chosen as Linux's
 * hv_send_ipi_mask() chooses them (arch/x86/hyperv/hv_apic.c), with the local
 * APIC as the fallback; and the EOI through HV_X64_MSR_EOI.
 */
#include "atomic.h"
#include "string.h"
#include "x86/apic.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/tlbflush.h"

u64 hv_eoi_msr_count;

bool ipi_pv_available(void)
{
	return hv_info.present && READ_ONCE(hv_hypercall_pg) &&
	       hv_priv(HV_X64_MSR_VP_INDEX_AVAILABLE) &&
	       hv_recommended(HV_X64_CLUSTER_IPI_RECOMMENDED);
}

/*
 * Linux's __send_ipi_mask() and __send_ipi_mask_ex(): the banks are built once, in the
 * per-CPU input page where the Ex call wants them; bank 0 alone makes the fast non-Ex
 * call. Interrupts are off while the page is in use.
 */
static enum tlb_path ipi_pv(const struct cpumask *mask, u8 vector, struct tlb_result *res)
{
	struct hv_cpu *c = hv_this_cpu();
	struct hv_send_ipi_ex *in;
	enum tlb_path path = TLB_PATH_PV_EX;
	int nr_bank = 0;
	u16 varhead;
	u64 r;

	if (vector < HV_IPI_LOW_VECTOR || !c || !c->input)
		return TLB_PATH_NATIVE;
	in = c->input;
	nr_bank = cpumask_to_vpset((struct hv_vp_set *)&in->vp_set, mask);
	if (nr_bank < 0)
		return TLB_PATH_NATIVE_VPINVAL;
	if (nr_bank == 0)
		return TLB_PATH_NATIVE;
	if (nr_bank == 1) {
		if (!in->bank_contents[0])
			return TLB_PATH_NONE;
		/* Always fast, as Linux and Windows do: RDX = vector, R8 = mask. */
		r = hv_fast_hypercall16(HVCALL_SEND_IPI, vector, in->bank_contents[0]);
		res->code = HVCALL_SEND_IPI;
		res->status = hv_result_status(r);
		return res->status == HV_STATUS_SUCCESS ? TLB_PATH_PV : TLB_PATH_NATIVE_FAILED;
	}
	if (!tlbflush_ex_available())
		return TLB_PATH_NATIVE;
	if (cpumask_equal(mask, &cpu_present_mask)) {
		/* Linux: HV_GENERIC_SET_ALL when every present CPU is a target. */
		in->vp_set.format = HV_GENERIC_SET_ALL;
		in->vp_set.valid_bank_mask = 0;
		nr_bank = 0;
		path = TLB_PATH_PV_ALL;
	}
	in->vector = vector;
	in->reserved = 0;
	varhead = tlb_ex_varhead((u16)nr_bank);
	r = hv_hypercall_pcpu(hv_control(HVCALL_SEND_IPI_EX, false, varhead, 0, 0));
	res->code = HVCALL_SEND_IPI_EX;
	res->status = hv_result_status(r);
	res->varhead = varhead;
	return res->status == HV_STATUS_SUCCESS ? path : TLB_PATH_NATIVE_FAILED;
}

enum tlb_path send_ipi_mask(const struct cpumask *mask, u8 vector, struct tlb_result *res)
{
	struct tlb_result local;
	enum tlb_path path = TLB_PATH_NATIVE;

	if (!res)
		res = &local;
	*res = (struct tlb_result){ 0 };
	if (tlb_mode == TLB_MODE_PV && ipi_pv_available()) {
		u64 flags = irq_save();

		path = ipi_pv(mask, vector, res);
		irq_restore(flags);
	}
	if (!tlb_path_is_pv(path) && path != TLB_PATH_NONE)
		smp_send_ipi_mask_native(mask, vector);
	res->path = path;
	atomic_inc(&tlb_stats.ipi[path]);
	return path;
}

static void ipi_hook(const struct cpumask *mask, u8 vector)
{
	send_ipi_mask(mask, vector, NULL);
}

void tlb_ipi_hook(bool on)
{
	WRITE_ONCE(smp_ipi_mask_hook, on ? ipi_hook : NULL);
}

/* TLFS HV_X64_MSR_EOI: any write ends the highest-priority in-service
 * interrupt. */
static void hv_eoi_msr(void)
{
	wrmsr(HV_X64_MSR_EOI, 0);
	atomic_inc(&hv_eoi_msr_count);
}

bool hv_eoi_msr_install(void)
{
	if (!apic_x2apic_mode() || !hv_info.present || !hv_priv(HV_X64_MSR_APIC_ACCESS_AVAILABLE))
		return false;
	WRITE_ONCE(apic_eoi_hook, hv_eoi_msr);
	return true;
}
