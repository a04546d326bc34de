/* SPDX-License-Identifier: MIT */
/*
 * Remote TLB flushes and IPIs the way a Linux guest on Hyper-V does them
 * (arch/x86/hyperv/mmu.c hyperv_flush_tlb_multi(), arch/x86/hyperv/hv_apic.c):
 *
 *   - every target's VP index below 64, or the mask is every present CPU
 *     (HV_FLUSH_ALL_PROCESSORS): the cheap non-Ex hypercall;
 *   - some VP index >= 64: the Ex hypercall with a sparse VP set whose valid_bank_mask is
 *     contiguous from bank 0 (Linux's __cpumask_to_vpset());
 *   - a target whose VP index is not known yet (VP_INVAL: a CPU still coming online),
 *     a feature the hypervisor does not recommend, or a hypercall that fails:
 *     the native path (IPIs, and for flushes the cross-CPU call whose handler runs invlpg
 *     or reloads CR3, with acknowledgements).
 *
 * tlb_mode selects the native path for every call, so one run can compare PV and native.
 * Every call is counted by the path it took (tlb_stats).
 *
 * The VP indexes come from hv_vp_index[] (Linux's table of the same name), filled from
 * per_cpu(cpu)->vp_index by tlbflush_init() and tlbflush_cpu_online(); a test may set an
 * entry to VP_INVAL to force the fallback.
 *
 * Everything here runs at CPL0, which this KVM emulates instruction by instruction (about
 * 0.5 us each, more with a memory operand): the mask is walked once, a word at a time.
 */
#ifndef GUEST_X86_TLBFLUSH_H
#define GUEST_X86_TLBFLUSH_H

#include "types.h"
#include "cpumask.h"
#include "x86/hv.h"

enum tlb_mode {
	TLB_MODE_PV = 0,     /* hypercalls where Linux would use them */
	TLB_MODE_NATIVE = 1, /* always IPIs (the baseline) */
};
extern enum tlb_mode tlb_mode;

/* Which way a call went. */
enum tlb_path {
	TLB_PATH_NONE = 0,	 /* empty mask: nothing to do */
	TLB_PATH_PV,		 /* non-Ex hypercall, ProcessorMask */
	TLB_PATH_PV_ALL,	 /* HV_FLUSH_ALL_PROCESSORS / HV_GENERIC_SET_ALL */
	TLB_PATH_PV_EX,		 /* Ex hypercall, sparse VP set */
	TLB_PATH_NATIVE,	 /* native by choice (tlb_mode, no PV feature, bad vector) */
	TLB_PATH_NATIVE_VPINVAL, /* native: a target's VP index is VP_INVAL */
	TLB_PATH_NATIVE_FAILED,	 /* native: the hypercall returned an error */
	TLB_PATH_NR
};
const char *tlb_path_name(enum tlb_path p);

static inline bool tlb_path_is_pv(enum tlb_path p)
{
	return p == TLB_PATH_PV || p == TLB_PATH_PV_ALL || p == TLB_PATH_PV_EX;
}

/* Call counts by path, updated atomically by every CPU. */
struct tlb_stats {
	u64 flush[TLB_PATH_NR];
	u64 ipi[TLB_PATH_NR];
};
extern struct tlb_stats tlb_stats;
void tlb_stats_reset(void);

/* What one call did; the hypercall fields are 0 when none was made. */
struct tlb_result {
	enum tlb_path path;
	u16 code;      /* HVCALL_* of the last hypercall made */
	u16 status;    /* its HV_STATUS */
	u16 reps;      /* reps completed (List calls) */
	u16 rep_count; /* reps asked for */
	u16 varhead;   /* banks in the variable header (Ex calls) */
};

/* The guest's VP index of each CPU (VP_INVAL: not known yet). */
extern u32 hv_vp_index[MAX_CPUS];

static inline u32 hv_cpu_number_to_vp_number(u32 cpu)
{
	return cpu < MAX_CPUS ? READ_ONCE(hv_vp_index[cpu]) : VP_INVAL;
}

/*
 * Reads what the hypervisor recommends (hv_info must be filled: hv_init() first), sets
 * every hv_vp_index[] entry to VP_INVAL, then copies the VP index of each online CPU.
 * 0, or -ENODEV (no Hyper-V: every call then takes the native path).
 */
int tlbflush_init(void);
/* Learns @cpu's VP index (Linux's hv_common_cpu_init() step), after its hv_cpu_init(). */
void tlbflush_cpu_online(u32 cpu);
/*
 * Called, when set, with the variable-header size (in 8-byte units: the sparse banks) of
 * each Ex hypercall, flush or IPI, just before it is made; the call is sent with the size
 * it returns. NULL (the default) sends it unchanged. It lets a test make the hypervisor
 * refuse a call (guest/testlib/tlbtest.h tlb_inject_bad_varhead()) and so exercise the
 * fallback to the native path after a failed hypercall.
 */
extern u16 (*tlb_ex_varhead_hook)(u16 varhead);

static inline u16 tlb_ex_varhead(u16 varhead)
{
	u16 (*hook)(u16) = READ_ONCE(tlb_ex_varhead_hook);

	return hook ? hook(varhead) : varhead;
}

/* Whether the PV flush, the Ex calls and the PV IPI are usable at all. */
bool tlbflush_pv_available(void);
bool tlbflush_ex_available(void);
bool ipi_pv_available(void);

/*
 * Builds the banks of a sparse VP set from @mask in one walk: banks[0..nr_bank-1], every
 * one written (empty ones 0). Returns nr_bank (>= 1), 0 when a VP index needs more than
 * 64 banks, or -1 when a CPU of @mask has VP_INVAL. @banks has room for 64.
 */
int cpumask_to_banks(const struct cpumask *mask, u64 *banks);
/*
 * Linux's __cpumask_to_vpset(): @set gets format SPARSE_4K, valid_bank_mask
 * GENMASK(nr_bank - 1, 0) (contiguous from bank 0, empty banks included) and the banks.
 * Same return values as cpumask_to_banks().
 */
int cpumask_to_vpset(struct hv_vp_set *set, const struct cpumask *mask);

/*
 * Flushes [start, end) (end = TLB_FLUSH_ALL: everything) on every online CPU in @mask,
 * the caller included when it is in @mask, and returns when they have all flushed.
 * Returns the path taken; @res (may be NULL) gets the details.
 */
enum tlb_path flush_tlb_others(const struct cpumask *mask, u64 start, u64 end,
			       struct tlb_result *res);
/* The native shootdown of [start, end): cross-CPU call, invlpg or CR3 reload. */
void flush_tlb_native_range(const struct cpumask *mask, u64 start, u64 end);

/*
 * Sends a fixed interrupt @vector to every CPU in @mask (Linux's hv_send_ipi_mask()).
 * Returns the path taken; @res (may be NULL) gets the details.
 */
enum tlb_path send_ipi_mask(const struct cpumask *mask, u8 vector, struct tlb_result *res);
/*
 * Makes the runtime's cross-CPU calls (and so the native flush) send their IPIs with
 * send_ipi_mask() (true) or natively (false), as Linux's apic->send_IPI_mask does once
 * hv_apic_init() replaced it.
 */
void tlb_ipi_hook(bool on);

/*
 * EOI through HV_X64_MSR_EOI (TLFS "Virtual Processor Interrupt Controller Registers") in
 * x2APIC mode when the hypervisor offers the APIC MSRs; else the runtime keeps the native
 * EOI. Returns true when the MSR is used.
 */
bool hv_eoi_msr_install(void);
/* How many EOIs went through HV_X64_MSR_EOI. */
extern u64 hv_eoi_msr_count;

/*
 * The index of the first non-zero word of @bits at or after @i, or @nw. One `repe scasq`:
 * CPL0 guest code runs in KVM's instruction emulator on some hosts, where every instruction
 * costs a fetch and a decode; a repeated string instruction is decoded once. Scanning the
 * 16 words of a 2-CPU mask of 1024 CPUs took 91 us with an unrolled OR loop, 48 us this way
 * (bench flush2). DF is clear, as the ABI guarantees.
 */
static inline u32 tlb_mask_next_word(const u64 *bits, u32 i, u32 nw)
{
	const u64 *p = bits + i;
	u64 n = i < nw ? nw - i : 0;
	bool zero;

	if (!n)
		return nw;
	asm volatile("repe scasq" : "+D"(p), "+c"(n), "=@ccz"(zero) : "a"(0ull) : "memory");
	return zero ? nw : (u32)(p - 1 - bits);
}

/* Runs the statement after it for every CPU set in @mask (w and i are scratch). */
#define for_each_cpu_fast(cpu, w, i, mask)                                                        \
	for ((i) = tlb_mask_next_word((mask)->bits, 0, nr_cpumask_words); (i) < nr_cpumask_words; \
	     (i) = tlb_mask_next_word((mask)->bits, (i) + 1, nr_cpumask_words))                   \
		for ((w) = READ_ONCE((mask)->bits[i]); (w) && ((cpu) = (i)*64 + ffs64(w), 1);     \
		     (w) &= (w)-1)

#endif
