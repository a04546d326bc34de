/* SPDX-License-Identifier: MIT */
/*
 * The guest side of Hyper-V (TLFS only: nothing here knows which hypervisor runs it).
 *
 *   hv_detect()          CPUID 0x40000000-0x40000005 into hv_info ("Microsoft Hv", "Hv#1")
 *   hv_init()            detect, HV_X64_MSR_GUEST_OS_ID, the hypercall page, then
 *                        hv_cpu_init() on every online CPU
 *   hv_cpu_init()        this CPU: hypercall input/output pages, VP index into
 *                        this_cpu()->vp_index, CR4.OSFXSR for XMM fast input
 *   hv_hypercall*()      the calls through the page (TLFS "Hypercall Interface"): slow
 *                        (GPAs in RDX/R8), fast (values in RDX/R8), XMM fast (RDX, R8 and
 *                        XMM0-XMM5), the rep loop, and *_safe variants that return the
 *                        exception (#UD, #GP) the call raised instead of dying of it
 * (The x86 32-bit calling convention, for testing a hypervisor's decoding of it, is
 * hv_call32() in guest/testlib/hv_compat32.h.)
 *
 * A hypercall returns the whole result value (TLFS "Hypercall Outputs"): HV_STATUS in
 * 15:0 and reps completed in 43:32, see hv_result_status() and hv_result_reps().
 *
 * Memory passed as a GPA must be identity-mapped (the runtime's allocator returns such
 * pages, so hv_pa() of them is their GPA). The TLFS wants slow-call input and output
 * 8-byte aligned and within one page: the per-CPU pages satisfy both.
 */
#ifndef GUEST_X86_HV_H
#define GUEST_X86_HV_H

#include "types.h"
#include "x86/percpu.h"

#include "hv/tlfs.h"

#ifndef EAGAIN
#define EAGAIN 11 /* Linux numbering, as types.h */
#endif

/* --- discovery (TLFS "Feature and Interface Discovery") ----------------------------- */

struct hv_info {
	bool hypervisor_bit; /* CPUID.1:ECX[31]: some hypervisor is present */
	bool present;	     /* "Microsoft Hv", max leaf >= 0x40000005 and "Hv#1" */
	char vendor[13];     /* 0x40000000.EBX:ECX:EDX as text */
	u32 max_leaf;	     /* 0x40000000.EAX */
	u32 interface;	     /* 0x40000001.EAX */
	u32 build, version;  /* 0x40000002.EAX, EBX */
	u32 features_eax, features_ebx, features_ecx, features_edx; /* 0x40000003 */
	u32 enlight_eax, enlight_ebx, enlight_ecx;		    /* 0x40000004 */
	u32 max_vps, max_lps;					    /* 0x40000005 */
};

extern struct hv_info hv_info;

/* Fills hv_info. 0 when the Hyper-V interface is present, else -ENODEV. */
int hv_detect(void);

static inline bool hv_priv(u32 features_eax_bit)
{
	return hv_info.features_eax & features_eax_bit;
}

static inline bool hv_feature_edx(u32 bit)
{
	return hv_info.features_edx & bit;
}

static inline bool hv_recommended(u32 enlight_eax_bit)
{
	return hv_info.enlight_eax & enlight_eax_bit;
}

/* --- set-up --------------------------------------------------------------------------- */

/*
 * The GUEST_OS_ID the runtime reports (encoding in hv/tlfs.h): open source, OS type 0
 * (not one the TLFS lists), version 1.
 */
#define HV_GUEST_OS_ID_DEFAULT (HV_GUEST_OS_ID_OPEN_SOURCE | 0x10000ull)

/*
 * The hypercall page hv_init() enables: a page-aligned page of the guest image itself
 * (ud2 until the hypervisor fills it), so that hv_hypercall() and friends reach it with a
 * direct CALL. Where CPL0 code runs in an instruction emulator, a direct call is about
 * half as costly as Linux's indirect `call *hv_hypercall_pg`, which also reads a pointer
 * from memory. hv_hypercall_via() calls any other enabled page.
 */
extern u8 hv_hypercall_page[];
/* The page hv_hypercall_enable() enabled last (NULL before). */
extern void *hv_hypercall_pg;

/*
 * Writes HV_X64_MSR_HYPERCALL = GPA of @page | enable and reads it back (TLFS
 * "Establishing the Hypercall Interface"). Returns 0; -EIO when the WRMSR faulted or the
 * read-back lacks the enable bit (e.g. GUEST_OS_ID is still 0).
 */
int hv_hypercall_enable(void *page);
/* Clears the enable bit; later calls through the page are the caller's risk. */
int hv_hypercall_disable(void);

/*
 * Detects Hyper-V, writes GUEST_OS_ID (HV_GUEST_OS_ID_DEFAULT), enables
 * hv_hypercall_page, installs the fault catcher of the *_safe calls and runs
 * hv_cpu_init() on every online CPU. Returns 0, -ENODEV (no Hyper-V, or no HypercallMsrs
 * privilege), -ENOMEM, or -EIO (an MSR refused).
 */
int hv_init(void);

/* Per-CPU state, this_cpu()->hv. */
struct hv_cpu {
	void *input;			     /* hypercall input page (slow calls) */
	void *output;			     /* hypercall output page */
	struct hv_vp_assist_page *vp_assist; /* allocated by hv_vp_assist_enable() */
	struct hv_synic_cpu *synic;	     /* synic.h */
	u32 safe;			     /* a *_safe call is in flight: its faults are caught */
	int fault; /* the vector the last *_safe call raised, or FAULT_NONE */
};

/*
 * On the calling CPU: allocates its input/output pages (kept across offline/online, as
 * Linux keeps hyperv_pcpu_input_arg), reads HV_X64_MSR_VP_INDEX into
 * this_cpu()->vp_index when the VpIndex privilege is offered, and sets CR4.OSFXSR so
 * the SSE moves of XMM fast input do not #UD. hv_init() runs it on the CPUs online then;
 * a CPU brought online later must run it before its first hypercall (Linux does this in
 * its CPUHP_AP_HYPERV_ONLINE step). Returns 0, -ENOMEM or -EIO.
 */
int hv_cpu_init(void);

static inline struct hv_cpu *hv_this_cpu(void)
{
	return (struct hv_cpu *)this_cpu()->hv;
}

/*
 * HV_X64_MSR_VP_ASSIST_PAGE (TLFS "Virtual Processor Assist Page") on this CPU: enable
 * writes a zeroed page's GPA | enable, disable writes 0 (as Linux does on CPU offline).
 * Both read the MSR back. 0, -ENOMEM or -EIO.
 */
int hv_vp_assist_enable(void);
int hv_vp_assist_disable(void);

/* --- hypercalls ----------------------------------------------------------------------- */

static inline u64 hv_pa(const void *p)
{
	return (u64)(uintptr_t)p;
}

/* The hypercall input value (TLFS "Hypercall Inputs"). */
static inline u64 hv_control(u16 code, bool fast, u16 varhead, u16 rep_count, u16 rep_start)
{
	return code | (fast ? HV_HYPERCALL_FAST_BIT : 0) |
	       ((u64)(varhead & HV_HYPERCALL_MAX_VARHEAD) << HV_HYPERCALL_VARHEAD_OFFSET) |
	       ((u64)(rep_count & HV_HYPERCALL_MAX_REP) << HV_HYPERCALL_REP_COMP_OFFSET) |
	       ((u64)(rep_start & HV_HYPERCALL_MAX_REP) << HV_HYPERCALL_REP_START_OFFSET);
}

static inline u16 hv_result_status(u64 result)
{
	return (u16)(result & HV_HYPERCALL_RESULT_MASK);
}

static inline u16 hv_result_reps(u64 result)
{
	return (u16)((result >> HV_HYPERCALL_REP_COMP_SHIFT) & HV_HYPERCALL_MAX_REP);
}

/*
 * The 64-bit convention: RCX = control, RDX = input GPA or fast value 1, R8 = output GPA
 * or fast value 2; the result in RAX. For a rep call that returns early, the hypervisor
 * leaves the next start index in RCX (TLFS "Volatile Registers"): hv_hypercall_rcx()
 * stores RCX after the call into *control_inout. These call hv_hypercall_page: only
 * after hv_init() (or hv_hypercall_enable(hv_hypercall_page)).
 */
u64 hv_hypercall(u64 control, u64 rdx, u64 r8);
u64 hv_hypercall_rcx(u64 *control_inout, u64 rdx, u64 r8);
/* The same through any enabled hypercall page (an indirect CALL). */
u64 hv_hypercall_via(const void *page, u64 control, u64 rdx, u64 r8);

/* Slow call with this CPU's input page (filled by the caller) and output page. */
u64 hv_hypercall_pcpu(u64 control);

/* Fast calls (Linux's hv_do_fast_hypercall8/16); @code gets the fast bit. */
u64 hv_fast_hypercall8(u16 code, u64 input1);
u64 hv_fast_hypercall16(u16 code, u64 input1, u64 input2);

/*
 * XMM fast input (TLFS "XMM Fast Hypercall Input"): loads XMM0-XMM5 from xmm[0..11]
 * (XMM0.lo, XMM0.hi, XMM1.lo, ...) with movdqu, then calls with RDX and R8. Only when
 * 0x40000003.EDX HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE is set; otherwise the call raises
 * #UD (use the _safe variant to see it). XMM registers are not preserved: the runtime is
 * built -mgeneral-regs-only, so nothing else lives there.
 */
u64 hv_hypercall_xmm(u64 control, u64 rdx, u64 r8, const u64 xmm[12]);
/* movdqu XMM0-5 <-> memory, for checking that the emulator performs them. */
void hv_xmm_load(const u64 xmm[12]);
void hv_xmm_store(u64 xmm[12]);

/*
 * A rep call run to completion as Linux's hv_do_rep_hypercall() does: submit, and while
 * the status is success and reps completed < @rep_count, resubmit with the start index
 * = reps completed. Returns the last result value.
 */
u64 hv_rep_hypercall(u16 code, u16 rep_count, u16 varhead, u64 in_gpa, u64 out_gpa);

/*
 * The _safe variants return 0 and store the result, or return the vector of the
 * exception the call raised (#UD = 6, #GP = 13; *result is then untouched). They need
 * hv_init() (the fault catcher) and this CPU's hv_cpu_init().
 */
int hv_hypercall_safe(u64 control, u64 rdx, u64 r8, u64 *result);
int hv_hypercall_xmm_safe(u64 control, u64 rdx, u64 r8, const u64 xmm[12], u64 *result);

/* --- partition reference time (TLFS "Partition Reference TSC Mechanism") ---------------- */

/*
 * Reads the reference time from a reference TSC page, with the sequence protocol. 0 and
 * the time in 100 ns units, or -EAGAIN when the page is not valid (sequence 0, or
 * 0xFFFFFFFF while the hypervisor updates it): read HV_X64_MSR_TIME_REF_COUNT then.
 */
int hv_ref_tsc_read(const volatile struct hv_reference_tsc_page *pg, u64 *time);

#endif
