// SPDX-License-Identifier: MIT
/*
 * hv_flush mode=stress seconds=N senders=S: S CPUs each own a test address, and for N
 * seconds map it to a new page, flush it on a random set of the other CPUs (Linux's choice
 * of call, or the native shootdown, or every present CPU), then send an IPI with their own
 * vector to the same set. Each target checks that it reads the new value and counts the
 * interrupt; the sender waits for both (bounded), so a lost flush or IPI is reported, not
 * hung on. Half the targets spin at CPL3 (hvemu must kick them), half halt (hvemu may
 * only flag them).
 */
#include "testlib/tlbtest.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/tsc.h"
#include "x86/usermode.h"
#include "x86/vm.h"
#include "atomic.h"
#include "cmdline.h"
#include "report.h"

#define ACK_TIMEOUT_MS 10000
#define JOB_TIMEOUT_MS 30000
#define STRESS_VECTOR  0xc0 /* + sender number */
#define STRESS_SENDERS 16

#define STRESS_VA (TEST_VA_BASE + 0x1000000)

struct stress_cpu {
	u64 req[STRESS_SENDERS];  /* generation a sender asks this CPU to check */
	u64 ack[STRESS_SENDERS];  /* the last one checked */
	u64 seen[STRESS_SENDERS]; /* what it read */
	u64 irqs[STRESS_SENDERS]; /* STRESS_VECTOR + sender interrupts received */
} __aligned(64);

struct sender_stats {
	u64 iters, stale, timeouts, bad_path, native;
	u64 last_seen, last_want;
	u32 last_cpu;
};

static struct stress_cpu stress_cpus[MAX_CPUS];
static u32 expect_irqs[STRESS_SENDERS][MAX_CPUS];
static struct tlb_test_page spage[STRESS_SENDERS];
static struct sender_stats sstats[STRESS_SENDERS];
static u32 nsend, send_cpu[STRESS_SENDERS], nchk, chk_cpu[MAX_CPUS];
static struct cpumask checkers;
static u64 stress_deadline;
static u32 stress_stop;

static void stress_irq(struct ex_regs *regs)
{
	stress_cpus[smp_id()].irqs[regs->vector - STRESS_VECTOR]++;
}

/* One pass over the senders' requests (CPL3). */
static u64 checker_pass(u64 arg)
{
	struct stress_cpu *c = (struct stress_cpu *)(uintptr_t)arg;
	u32 n = READ_ONCE(nsend);

	for (u32 s = 0; s < n; s++) {
		u64 g = READ_ONCE(c->req[s]);

		if (g != c->ack[s]) {
			u64 v = *(const volatile u64 *)(uintptr_t)(STRESS_VA + s * PAGE_SIZE);

			WRITE_ONCE(c->seen[s], v);
			WRITE_ONCE(c->ack[s], g);
		}
	}
	return 0;
}

static u64 checker_spin(u64 arg)
{
	while (!READ_ONCE(stress_stop)) {
		checker_pass(arg);
		cpu_relax();
	}
	return 0;
}

static bool checker_pending(const struct stress_cpu *c)
{
	for (u32 s = 0; s < nsend; s++) {
		if (READ_ONCE(c->req[s]) != c->ack[s])
			return true;
	}
	return false;
}

/* Spinning checkers stay at CPL3 (on a host CPU: hvemu must kick them). */
static void checker_spin_job(void *arg)
{
	run_user(checker_spin, (u64)(uintptr_t)arg, 0, NULL);
}

/* Halting checkers sleep until an IPI (not on a host CPU: hvemu may only flag
 * them). */
static void checker_halt_job(void *arg)
{
	struct stress_cpu *c = arg;

	irq_disable();
	while (!READ_ONCE(stress_stop)) {
		if (!checker_pending(c)) {
			safe_halt();
			irq_disable();
			continue;
		}
		irq_enable();
		run_user(checker_pass, (u64)(uintptr_t)c, USER_IRQS_OFF, NULL);
		irq_disable();
	}
	irq_enable();
}

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool stress_wait(u32 s, u32 cpu, u64 g)
{
	struct stress_cpu *c = &stress_cpus[cpu];
	u64 start = rdtsc(), limit = tsc_ms_to_cycles(ACK_TIMEOUT_MS);
	u32 spins = 0;

	while (atomic_load(&c->ack[s]) != g || READ_ONCE(c->irqs[s]) != expect_irqs[s][cpu]) {
		cpu_relax();
		if ((++spins & 255) == 0 && rdtsc() - start > limit)
			return false;
	}
	return true;
}

static void sender_job(void *arg)
{
	u32 s = (u32)(uintptr_t)arg, cpu;
	struct sender_stats *st = &sstats[s];
	u64 va = STRESS_VA + s * PAGE_SIZE, seed = 0x9e3779b97f4a7c15ull * (s + 1);
	struct tlb_result res;
	struct cpumask m;

	while (!READ_ONCE(stress_stop) && rdtsc() < stress_deadline) {
		u64 r = rnd(&seed), g;
		u32 k = 1 + (u32)(r % 8);
		enum tlb_path p;

		cpumask_clear(&m);
		for (u32 j = 0; j < k; j++)
			cpumask_set(&m, chk_cpu[rnd(&seed) % nchk]);
		g = tlb_test_page_next(&spage[s]);
		if ((r >> 8) % 16 == 0) {
			/* Every present CPU: HV_FLUSH_ALL_PROCESSORS; check every checker. */
			p = flush_tlb_others(&cpu_present_mask, va, va + PAGE_SIZE, &res);
			cpumask_copy(&m, &checkers);
		} else if ((r >> 8) % 4 == 1) {
			flush_tlb_native_range(&m, va, va + PAGE_SIZE);
			p = TLB_PATH_NATIVE;
			st->native++;
		} else {
			p = flush_tlb_others(&m, va, va + PAGE_SIZE, &res);
		}
		if (p == TLB_PATH_NATIVE_FAILED || p == TLB_PATH_NATIVE_VPINVAL)
			st->bad_path++;
		for_each_cpu (cpu, &m) {
			atomic_store(&stress_cpus[cpu].req[s], g);
			expect_irqs[s][cpu]++;
		}
		p = send_ipi_mask(&m, (u8)(STRESS_VECTOR + s), &res);
		if (p == TLB_PATH_NATIVE_FAILED || p == TLB_PATH_NATIVE_VPINVAL)
			st->bad_path++;
		for_each_cpu (cpu, &m) {
			if (!stress_wait(s, cpu, g)) {
				st->timeouts++;
				st->last_cpu = cpu;
				WRITE_ONCE(stress_stop, 1);
				return;
			}
			if (READ_ONCE(stress_cpus[cpu].seen[s]) != TLB_TEST_VALUE(g)) {
				st->stale++;
				st->last_cpu = cpu;
				st->last_seen = stress_cpus[cpu].seen[s];
				st->last_want = TLB_TEST_VALUE(g);
			}
		}
		st->iters++;
	}
}

void tlb_test_stress(void)
{
	u64 seconds = cmdline_u64("seconds", 20), total = 0, stale = 0, tmo = 0, bad = 0;
	u32 want = (u32)cmdline_u64("senders", 8), cpu, n = 0;
	bool ok = true;

	if (want > STRESS_SENDERS)
		want = STRESS_SENDERS;
	if (smp_nr_online() < want + 2) {
		report_skip("cpus", "stress: needs at least %u CPUs", want + 2);
		return;
	}
	cpumask_clear(&checkers);
	for_each_cpu (cpu, &cpu_online_mask) {
		if (cpu == smp_id())
			continue;
		if (nsend < want) {
			send_cpu[nsend++] = cpu;
			continue;
		}
		cpumask_set(&checkers, cpu);
		chk_cpu[nchk++] = cpu;
	}
	for (u32 s = 0; s < nsend; s++) {
		if (!tlb_test_page_init(&spage[s], STRESS_VA + s * PAGE_SIZE))
			panic("cannot map the stress pages");
		handle_irq((u8)(STRESS_VECTOR + s), stress_irq);
	}
	for (u32 i = 0; i < nchk; i++) {
		if (cpu_job_start(chk_cpu[i], (i & 1) ? checker_halt_job : checker_spin_job,
				  &stress_cpus[chk_cpu[i]]))
			panic("cannot start checker %u", chk_cpu[i]);
	}
	report_info("stress: %u senders, %u checkers (half at CPL3 spinning, half "
		    "halted), %lu s",
		    nsend, nchk, (unsigned long)seconds);
	stress_deadline = rdtsc() + tsc_ms_to_cycles(seconds * 1000);
	for (u32 s = 0; s < nsend; s++)
		cpu_job_start(send_cpu[s], sender_job, (void *)(uintptr_t)s);
	for (u32 s = 0; s < nsend; s++) {
		if (!cpu_job_wait(send_cpu[s], seconds * 1000 + JOB_TIMEOUT_MS)) {
			report(false, "stress: sender on CPU %u hangs", send_cpu[s]);
			ok = false;
		}
	}
	WRITE_ONCE(stress_stop, 1);
	for (u32 i = 0; i < nchk; i++) {
		/* Halted checkers need a wake-up to see the stop. */
		apic_send_ipi(per_cpu(chk_cpu[i])->apic_id, TLB_JOB_VECTOR);
		if (!cpu_job_wait(chk_cpu[i], JOB_TIMEOUT_MS)) {
			report(false, "stress: checker on CPU %u hangs", chk_cpu[i]);
			ok = false;
		}
	}
	for (u32 s = 0; s < nsend; s++) {
		struct sender_stats *st = &sstats[s];

		total += st->iters;
		stale += st->stale;
		tmo += st->timeouts;
		bad += st->bad_path;
		if (st->iters)
			n++;
		if (st->stale || st->timeouts)
			report_info(
			    "  sender %u (CPU %u): %lu iterations, %lu stale, %lu timeouts; "
			    "last CPU %u read %#lx want %#lx",
			    s, send_cpu[s], (unsigned long)st->iters, (unsigned long)st->stale,
			    (unsigned long)st->timeouts, st->last_cpu, (unsigned long)st->last_seen,
			    (unsigned long)st->last_want);
	}
	tlb_paths_report("stress: IPI", tlb_stats.ipi);
	report(ok && n == nsend && !stale && !tmo && !bad,
	       "stress: %lu flushes+IPIs by %u senders in %lu s (all made progress: "
	       "%s), "
	       "%lu stale, %lu timeouts (lost flush or IPI), %lu fallbacks to native",
	       (unsigned long)total, nsend, (unsigned long)seconds, n == nsend ? "yes" : "no",
	       (unsigned long)stale, (unsigned long)tmo, (unsigned long)bad);
}
