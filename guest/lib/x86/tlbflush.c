// SPDX-License-Identifier: MIT
/*
 * Remote TLB flushes (TLFS HvCallFlushVirtualAddressSpace/List and their Ex forms), chosen
 * as Linux's hyperv_flush_tlb_multi() chooses them, with the native shootdown as the
 * fallback. The IPI side is tlbflush_ipi.c.
 */
#include "x86/tlbflush.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/vm.h"
#include "atomic.h"
#include "printf.h"
#include "report.h"
#include "string.h"

/* Linux's tlb_single_page_flush_ceiling: longer ranges reload CR3. */
#define SINGLE_PAGE_FLUSH_CEILING 33

enum tlb_mode tlb_mode = TLB_MODE_PV;
struct tlb_stats tlb_stats;
u32 hv_vp_index[MAX_CPUS];
u16 (*tlb_ex_varhead_hook)(u16 varhead);

static bool pv_flush_ok, pv_ex_ok;

const char *tlb_path_name(enum tlb_path p)
{
	static const char *const names[TLB_PATH_NR] = {
		[TLB_PATH_NONE] = "none",
		[TLB_PATH_PV] = "pv",
		[TLB_PATH_PV_ALL] = "pv-all",
		[TLB_PATH_PV_EX] = "pv-ex",
		[TLB_PATH_NATIVE] = "native",
		[TLB_PATH_NATIVE_VPINVAL] = "native-vpinval",
		[TLB_PATH_NATIVE_FAILED] = "native-failed",
	};

	return (unsigned int)p < TLB_PATH_NR ? names[p] : "?";
}

void tlb_stats_reset(void)
{
	memset(&tlb_stats, 0, sizeof(tlb_stats));
}

void tlbflush_cpu_online(u32 cpu)
{
	struct percpu *pc = per_cpu(cpu);

	if (pc)
		WRITE_ONCE(hv_vp_index[cpu], READ_ONCE(pc->vp_index));
}

int tlbflush_init(void)
{
	bool hv =
	    hv_info.present && READ_ONCE(hv_hypercall_pg) && hv_priv(HV_X64_MSR_VP_INDEX_AVAILABLE);
	u32 cpu;

	for (cpu = 0; cpu < nr_cpumask_words * 64 && cpu < MAX_CPUS; cpu++)
		hv_vp_index[cpu] = VP_INVAL;
	for_each_cpu (cpu, &cpu_online_mask)
		tlbflush_cpu_online(cpu);
	pv_flush_ok = hv && hv_recommended(HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED);
	pv_ex_ok = hv && hv_recommended(HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED);
	return hv ? 0 : -ENODEV;
}

bool tlbflush_pv_available(void)
{
	return pv_flush_ok;
}

/* The Ex calls need ExProcessorMasks (TLFS: "must be indicated via CPUID 0x40000004"). */
bool tlbflush_ex_available(void)
{
	return pv_ex_ok;
}

int cpumask_to_banks(const struct cpumask *mask, u64 *banks)
{
	u32 nr_bank = 1, cpu, i;
	u64 w;

	banks[0] = 0;
	for_each_cpu_fast(cpu, w, i, mask)
	{
		u32 vp = hv_cpu_number_to_vp_number(cpu), bank;

		if (vp == VP_INVAL)
			return -1;
		bank = vp / HV_VCPUS_PER_SPARSE_BANK;
		if (bank >= HV_MAX_SPARSE_VCPU_BANKS)
			return 0;
		/* Banks in between are valid and empty, as Linux sends them. */
		while (nr_bank <= bank)
			banks[nr_bank++] = 0;
		banks[bank] |= 1ull << (vp % HV_VCPUS_PER_SPARSE_BANK);
	}
	return (int)nr_bank;
}

static u64 genmask_banks(int nr_bank)
{
	return nr_bank >= 64 ? ~0ull : (1ull << nr_bank) - 1;
}

int cpumask_to_vpset(struct hv_vp_set *set, const struct cpumask *mask)
{
	int nr_bank = cpumask_to_banks(mask, set->bank_contents);

	set->format = HV_GENERIC_SET_SPARSE_4K;
	set->valid_bank_mask = nr_bank > 0 ? genmask_banks(nr_bank) : 0;
	return nr_bank;
}

struct flush_range {
	u64 start, end;
};

static void flush_range_local(void *arg)
{
	const struct flush_range *r = arg;

	if (r->end == TLB_FLUSH_ALL ||
	    (r->end - r->start) / PAGE_SIZE > SINGLE_PAGE_FLUSH_CEILING) {
		flush_tlb_local();
		return;
	}
	for (u64 va = r->start & ~(u64)(PAGE_SIZE - 1); va < r->end; va += PAGE_SIZE)
		invlpg((void *)(uintptr_t)va);
}

void flush_tlb_native_range(const struct cpumask *mask, u64 start, u64 end)
{
	struct flush_range r = { start, end };

	on_cpus(mask, flush_range_local, &r);
}

/* Linux's fill_gva_list(): one entry per 16 MiB (4096 pages), the last one shorter. */
static u16 fill_gva_list(u64 *gva_list, u64 start, u64 end)
{
	u64 cur = start, diff;
	u16 n = 0;

	do {
		diff = end > cur ? end - cur : 0;
		gva_list[n] = cur & HV_GVA_RANGE_PAGE_MASK;
		if (diff >= HV_TLB_FLUSH_UNIT) {
			gva_list[n] |= HV_GVA_RANGE_ADDITIONAL_MASK;
			cur += HV_TLB_FLUSH_UNIT;
		} else if (diff) {
			gva_list[n] |= (diff - 1) >> 12;
			cur = end;
		}
		n++;
	} while (cur < end);
	return n;
}

/* Whether [start, end) fits in @max_gvas entries; if not, the whole space is flushed. */
static bool range_fits(u64 start, u64 end, u64 max_gvas)
{
	return end != TLB_FLUSH_ALL && (end - start) / HV_TLB_FLUSH_UNIT <= max_gvas;
}

/*
 * Makes the Space call, or the List call with the GVA list at @gva_list; @varhead banks
 * precede it (Ex). Fills @res and returns the status.
 */
static u16 flush_call(u16 space, u16 list, void *input, u64 *gva_list, u16 varhead, u64 max_gvas,
		      u64 start, u64 end, struct tlb_result *res)
{
	struct hv_cpu *c = hv_this_cpu();
	u64 r;
	u16 n = 0;

	if (!range_fits(start, end, max_gvas)) {
		r = hv_hypercall(hv_control(space, false, varhead, 0, 0), hv_pa(input),
				 hv_pa(c->output));
		res->code = space;
	} else {
		n = fill_gva_list(gva_list, start, end);
		r = hv_rep_hypercall(list, n, varhead, hv_pa(input), hv_pa(c->output));
		res->code = list;
	}
	res->status = hv_result_status(r);
	res->reps = hv_result_reps(r);
	res->rep_count = n;
	res->varhead = varhead;
	return res->status;
}

/* The hypercall part; returns the path, or a NATIVE_* path when the caller must go native. */
static enum tlb_path flush_pv(const struct cpumask *mask, u64 start, u64 end,
			      struct tlb_result *res)
{
	struct hv_cpu *c = hv_this_cpu();
	struct hv_tlb_flush *flush;
	struct hv_tlb_flush_ex *ex;
	enum tlb_path path = TLB_PATH_PV;
	int nr_bank;
	u64 max_gvas;
	u16 varhead;

	if (!c || !c->input)
		return TLB_PATH_NATIVE;
	flush = c->input;
	ex = c->input;
	/* As Linux with an mm: this address space, PCID bits stripped, no flags. */
	flush->address_space = read_cr3() & PTE_ADDR_MASK;
	flush->flags = end == TLB_FLUSH_ALL ? HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY : 0;
	if (cpumask_equal(mask, &cpu_present_mask)) {
		/* Linux uses the non-Ex call for "all" even with more than 64 VPs. */
		flush->flags |= HV_FLUSH_ALL_PROCESSORS;
		flush->processor_mask = 0;
		path = TLB_PATH_PV_ALL;
	} else {
		/* The banks go where the Ex call wants them; bank 0 alone is the mask. */
		nr_bank = cpumask_to_banks(mask, ex->data);
		if (nr_bank < 0)
			return TLB_PATH_NATIVE_VPINVAL;
		if (nr_bank == 0)
			return TLB_PATH_NATIVE;
		if (nr_bank > 1)
			goto do_ex;
		if (!ex->data[0])
			return TLB_PATH_NONE;
		flush->processor_mask = ex->data[0];
	}
	max_gvas = (PAGE_SIZE - sizeof(*flush)) / sizeof(u64);
	if (flush_call(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, flush,
		       flush->gva_list, 0, max_gvas, start, end, res) != HV_STATUS_SUCCESS)
		return TLB_PATH_NATIVE_FAILED;
	return path;

do_ex:
	/* hyperv_flush_tlb_others_ex(): needs ExProcessorMasks, never ALL_PROCESSORS. */
	if (!pv_ex_ok)
		return TLB_PATH_NATIVE;
	ex->hv_vp_set.format = HV_GENERIC_SET_SPARSE_4K;
	ex->hv_vp_set.valid_bank_mask = genmask_banks(nr_bank);
	max_gvas = (PAGE_SIZE - sizeof(*ex) - (u64)nr_bank * sizeof(u64)) / sizeof(u64);
	varhead = tlb_ex_varhead((u16)nr_bank);
	if (flush_call(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX,
		       ex, &ex->data[nr_bank], varhead, max_gvas, start, end,
		       res) != HV_STATUS_SUCCESS)
		return TLB_PATH_NATIVE_FAILED;
	return TLB_PATH_PV_EX;
}

enum tlb_path flush_tlb_others(const struct cpumask *mask, u64 start, u64 end,
			       struct tlb_result *res)
{
	struct tlb_result local;
	enum tlb_path path = TLB_PATH_NATIVE;

	if (!res)
		res = &local;
	*res = (struct tlb_result){ 0 };
	if (tlb_mode == TLB_MODE_PV && pv_flush_ok) {
		/* The per-CPU input page is ours until the call returns (Linux: IRQs off). */
		u64 flags = irq_save();

		path = flush_pv(mask, start, end, res);
		irq_restore(flags);
	}
	if (!tlb_path_is_pv(path) && path != TLB_PATH_NONE)
		flush_tlb_native_range(mask, start, end);
	res->path = path;
	atomic_inc(&tlb_stats.flush[path]);
	return path;
}
