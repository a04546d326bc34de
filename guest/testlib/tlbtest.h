/* SPDX-License-Identifier: MIT */
/*
 * Test support for the flush and IPI guests (hv_flush, hv_ipi), on top of the runtime's
 * x86/tlbflush.h: an AP job loop, test pages whose mapping changes without a flush, the
 * stress and benchmark modes, the path counters' report, and a fault knob that makes the
 * hypervisor refuse the runtime's Ex hypercalls.
 */
#ifndef GUEST_TESTLIB_TLBTEST_H
#define GUEST_TESTLIB_TLBTEST_H

#include "types.h"
#include "x86/tlbflush.h"

/* report_info("<what> paths: pv N, pv-all N, ...") for every path but none. */
void tlb_paths_report(const char *what, const u64 counts[TLB_PATH_NR]);

/*
 * The next @n Ex hypercalls (flush or IPI) of the runtime are sent with a variable header
 * one bank longer than their VP set, which a hypervisor must refuse with
 * HV_STATUS_INVALID_HYPERCALL_INPUT before acting (TLFS "Variable Sized Hypercall Input
 * Headers"; KVM checks var_cnt against valid_bank_mask): the runtime's fallback to the
 * native path after a failed call can then be tested. 0 stops it. Installs
 * tlb_ex_varhead_hook.
 */
void tlb_inject_bad_varhead(u32 n);

/* --- tlb_job.c: an AP runs jobs the boot CPU hands it ------------------------------------ */

/* The wake-up interrupt of idle job loops (its handler does nothing). */
#define TLB_JOB_VECTOR 0xe8

/* Installs the wake-up handler; the boot CPU calls it before the first cpu_job_start(). */
void cpu_job_init(void);
/*
 * An AP's loop, called from ap_main(): halts (interrupts on, so cross-CPU calls are
 * served) until a job is posted, runs it, marks it done. Never returns.
 */
__noreturn void cpu_job_loop(void);
/* Posts fn(arg) to @cpu and wakes it. 0, -EBUSY (a job is still pending) or -EINVAL. */
int cpu_job_start(u32 cpu, void (*fn)(void *arg), void *arg);
/* Waits until @cpu's job is done: true, or false after @timeout_ms. */
bool cpu_job_wait(u32 cpu, u64 timeout_ms);
/*
 * Runs fn(arg) on every online CPU at once (the caller's inline) and waits for all: false
 * when a job could not be posted or did not finish within @timeout_ms.
 */
bool cpu_job_run_all(void (*fn)(void *arg), void *arg, u64 timeout_ms);
/* Whether @cpu has a job posted or running. */
bool cpu_job_busy(u32 cpu);
/* The first online CPU with that VP index in hv_vp_index[], or -ENOENT. */
int cpu_of_vp(u32 vp);

/*
 * A test address mapped in turn to one of TLB_TEST_PAGES pages; the page mapped at
 * generation g holds TLB_TEST_VALUE(g) in its first word, so a read through a stale
 * translation returns an older value.
 */
#define TLB_TEST_PAGES	  4
#define TLB_TEST_VALUE(g) (0xf1a5000000000000ull | (g))

struct tlb_test_page {
	u64 va;
	u64 *pte;
	u64 *page[TLB_TEST_PAGES];
	u64 gen;
};

/* Allocates the pages and maps @va (user, read-only) to the first. False on failure. */
bool tlb_test_page_init(struct tlb_test_page *t, u64 va);
/*
 * Maps the next page, holding TLB_TEST_VALUE(new generation), with a PTE store at CPL3
 * (which leaves other CPUs' CPL3 translations stale until a flush). Returns the generation.
 */
u64 tlb_test_page_next(struct tlb_test_page *t);

/* hv_flush mode=stress (tlb_stress.c) and mode=bench (tlb_bench.c). */
void tlb_test_stress(void);
void tlb_test_bench(u64 va);

#endif
