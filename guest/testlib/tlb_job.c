// SPDX-License-Identifier: MIT
/*
 * Test support for the flush and IPI guests: the boot CPU hands jobs to APs (an idle AP
 * halts with interrupts on, serving cross-CPU calls and costing the host nothing: these
 * tests run many vCPUs on few host CPUs; a posted job is announced with TLB_JOB_VECTOR),
 * and the test pages whose mapping changes without a flush.
 */
#include "x86/vm.h"
#include "alloc.h"
#include "atomic.h"
#include "report.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "testlib/tlbtest.h"
#include "x86/tsc.h"

struct cpu_job {
	void (*fn)(void *arg);
	void *arg;
	u32 state; /* JOB_IDLE, JOB_FILLING, JOB_POSTED, JOB_RUNNING */
} __aligned(64);

enum {
	JOB_IDLE,
	JOB_FILLING,
	JOB_POSTED,
	JOB_RUNNING
};

static struct cpu_job jobs[MAX_CPUS];

static void job_wake(struct ex_regs *regs)
{
	(void)regs;
}

void cpu_job_init(void)
{
	handle_irq(TLB_JOB_VECTOR, job_wake);
}

__noreturn void cpu_job_loop(void)
{
	struct cpu_job *j = &jobs[smp_id()];

	for (;;) {
		irq_disable();
		while (atomic_load(&j->state) != JOB_POSTED) {
			safe_halt();
			irq_disable();
		}
		atomic_store(&j->state, (u32)JOB_RUNNING);
		irq_enable();
		j->fn(j->arg);
		atomic_store(&j->state, (u32)JOB_IDLE);
	}
}

int cpu_job_start(u32 cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *pc = per_cpu(cpu);
	struct cpu_job *j;
	u32 idle = JOB_IDLE;

	if (!pc || !fn || cpu == smp_id() || !cpumask_test(&cpu_online_mask, cpu))
		return -EINVAL;
	j = &jobs[cpu];
	if (!atomic_cmpxchg(&j->state, &idle, (u32)JOB_FILLING))
		return -EBUSY;
	j->fn = fn;
	j->arg = arg;
	atomic_store(&j->state, (u32)JOB_POSTED);
	apic_send_ipi(pc->apic_id, TLB_JOB_VECTOR);
	return 0;
}

bool cpu_job_busy(u32 cpu)
{
	return cpu < MAX_CPUS && atomic_load(&jobs[cpu].state) != JOB_IDLE;
}

bool cpu_job_wait(u32 cpu, u64 timeout_ms)
{
	u64 start = rdtsc(), limit = tsc_ms_to_cycles(timeout_ms);
	u32 spins = 0;

	while (cpu_job_busy(cpu)) {
		cpu_relax();
		if ((++spins & 255) == 0 && rdtsc() - start > limit)
			return false;
	}
	return true;
}

bool cpu_job_run_all(void (*fn)(void *arg), void *arg, u64 timeout_ms)
{
	u32 cpu, me = smp_id();
	bool ok = true;

	for_each_cpu (cpu, &cpu_online_mask) {
		if (cpu != me && cpu_job_start(cpu, fn, arg))
			ok = false;
	}
	fn(arg);
	for_each_cpu (cpu, &cpu_online_mask) {
		if (cpu != me && !cpu_job_wait(cpu, timeout_ms))
			ok = false;
	}
	return ok;
}

int cpu_of_vp(u32 vp)
{
	u32 cpu;

	for_each_cpu (cpu, &cpu_online_mask) {
		if (hv_cpu_number_to_vp_number(cpu) == vp)
			return (int)cpu;
	}
	return -ENOENT;
}

bool tlb_test_page_init(struct tlb_test_page *t, u64 va)
{
	for (int i = 0; i < TLB_TEST_PAGES; i++) {
		t->page[i] = alloc_page();
		if (!t->page[i])
			return false;
		t->page[i][0] = TLB_TEST_VALUE(0);
	}
	t->va = va;
	t->gen = 0;
	if (map_page(va, hv_pa(t->page[0]), PTE_USER))
		return false;
	t->pte = vm_pte(va, false);
	return t->pte != NULL;
}

u64 tlb_test_page_next(struct tlb_test_page *t)
{
	u64 g = ++t->gen;
	u64 *pg = t->page[g % TLB_TEST_PAGES];

	WRITE_ONCE(pg[0], TLB_TEST_VALUE(g));
	if (pte_write_cpl3(t->pte, hv_pa(pg) | PTE_PRESENT | PTE_USER))
		panic("PTE store at CPL3 faulted");
	return g;
}
