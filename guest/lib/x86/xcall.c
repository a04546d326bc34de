// SPDX-License-Identifier: MIT
/*
 * Cross-CPU function calls. Each CPU has one call slot. A caller claims the slot of every
 * target (FREE -> FILLING), fills it, publishes it (READY), sends the IPIs and waits for
 * the shared counter of outstanding calls to reach zero. A target frees its slot before
 * running the function, so the next caller can queue behind it.
 *
 * Every waiting loop here also serves this CPU's own slot: two CPUs calling each other,
 * or a caller with interrupts disabled, still make progress.
 */
#include "x86/smp.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/tsc.h"
#include "atomic.h"
#include "printf.h"
#include "report.h"

enum {
	XCALL_FREE,
	XCALL_FILLING,
	XCALL_READY
};

#define XCALL_TIMEOUT_MS 30000

void (*smp_ipi_mask_hook)(const struct cpumask *mask, u8 vector);

static void xcall_run_pending(struct percpu *pc)
{
	struct xcall_slot *s = &pc->xcall;
	void (*fn)(void *);
	void *arg;
	u32 *remaining;

	if (atomic_load(&s->state) != XCALL_READY)
		return;
	fn = s->fn;
	arg = s->arg;
	remaining = s->remaining;
	atomic_store(&s->state, (u32)XCALL_FREE);
	fn(arg);
	atomic_dec(remaining);
}

static void xcall_interrupt(struct ex_regs *regs)
{
	(void)regs;
	xcall_run_pending(this_cpu());
}

void xcall_init(void)
{
	handle_irq(XCALL_VECTOR, xcall_interrupt);
}

void smp_send_ipi_mask_native(const struct cpumask *mask, u8 vector)
{
	struct cpumask others;
	u32 cpu, me = smp_id();

	cpumask_clear(&others);
	cpumask_copy(&others, &cpu_online_mask);
	cpumask_clear_cpu(&others, me);
	if (!cpumask_test(mask, me) && cpumask_equal(mask, &others)) {
		apic_send_ipi_allbutself(vector);
		return;
	}
	for_each_cpu (cpu, mask) {
		struct percpu *pc = per_cpu(cpu);

		if (!pc)
			continue;
		if (cpu == me)
			apic_send_ipi_self(vector);
		else
			apic_send_ipi(pc->apic_id, vector);
	}
}

void smp_send_ipi_mask(const struct cpumask *mask, u8 vector)
{
	void (*hook)(const struct cpumask *, u8) = smp_ipi_mask_hook;

	if (hook)
		hook(mask, vector);
	else
		smp_send_ipi_mask_native(mask, vector);
}

/* rdtsc is emulated at CPL0 (about a microsecond): look at the clock now and then only. */
static void wait_stuck(const char *what, u64 start, u32 *spins)
{
	if ((++*spins & 1023) == 0 && rdtsc() - start > tsc_ms_to_cycles(XCALL_TIMEOUT_MS))
		panic("cross-CPU call: %s for %u ms", what, XCALL_TIMEOUT_MS);
}

static void claim_slot(struct percpu *me, struct percpu *target)
{
	u64 start = rdtsc();
	u32 spins = 0;

	for (;;) {
		u32 expected = XCALL_FREE;

		if (atomic_cmpxchg(&target->xcall.state, &expected, (u32)XCALL_FILLING))
			return;
		xcall_run_pending(me);
		cpu_relax();
		wait_stuck("CPU slot stays busy", start, &spins);
	}
}

static void wait_done(struct percpu *me, u32 *remaining)
{
	u64 start = rdtsc();
	u32 spins = 0;

	while (atomic_load(remaining)) {
		xcall_run_pending(me);
		cpu_relax();
		wait_stuck("waiting for CPUs to run the call", start, &spins);
	}
}

void on_cpus(const struct cpumask *mask, void (*fn)(void *arg), void *arg)
{
	struct percpu *me = this_cpu();
	struct cpumask targets;
	u32 remaining = 0, cpu;
	bool run_here = false;

	cpumask_clear(&targets);
	cpumask_and(&targets, mask, &cpu_online_mask);
	if (cpumask_test(&targets, me->cpu)) {
		run_here = true;
		cpumask_clear_cpu(&targets, me->cpu);
	}
	remaining = cpumask_weight(&targets);
	for_each_cpu (cpu, &targets) {
		struct percpu *pc = per_cpu(cpu);

		claim_slot(me, pc);
		pc->xcall.fn = fn;
		pc->xcall.arg = arg;
		pc->xcall.remaining = &remaining;
		atomic_store(&pc->xcall.state, (u32)XCALL_READY);
	}
	if (remaining)
		smp_send_ipi_mask(&targets, XCALL_VECTOR);
	if (run_here) {
		u64 flags = irq_save();

		fn(arg);
		irq_restore(flags);
	}
	wait_done(me, &remaining);
}

/*
 * One target: no mask arithmetic, one ICR write (this path is emulated instruction by
 * instruction, and its length is the latency the native IPI benchmarks see).
 */
void on_cpu(u32 cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *me = this_cpu(), *pc = per_cpu(cpu);
	u32 remaining = 1;

	if (!pc || !cpumask_test(&cpu_online_mask, cpu))
		return;
	if (pc == me) {
		u64 flags = irq_save();

		fn(arg);
		irq_restore(flags);
		return;
	}
	claim_slot(me, pc);
	pc->xcall.fn = fn;
	pc->xcall.arg = arg;
	pc->xcall.remaining = &remaining;
	atomic_store(&pc->xcall.state, (u32)XCALL_READY);
	if (smp_ipi_mask_hook) {
		struct cpumask m;

		cpumask_clear(&m);
		cpumask_set(&m, cpu);
		smp_ipi_mask_hook(&m, XCALL_VECTOR);
	} else {
		apic_send_ipi(pc->apic_id, XCALL_VECTOR);
	}
	wait_done(me, &remaining);
}

void on_all_cpus(void (*fn)(void *arg), void *arg)
{
	on_cpus(&cpu_online_mask, fn, arg);
}
