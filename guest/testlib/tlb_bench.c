// SPDX-License-Identifier: MIT
/*
 * hv_flush mode=bench test=flush|ipi64|flush2 samples=N (bench/20_flush.sh reads the
 * "BENCH name p50=ns p99=ns n=N" lines):
 *   flush   every present CPU as target: native shootdown and PV flush, interleaved
 *   ipi64   64 targets: native IPIs + acknowledgements, one PV IPI (the guest's send:
 *           the VP set built from the CPU mask, then the hypercall), the hypercall alone
 *           (HvCallSendSyntheticClusterIpiEx with a VP set built before: what the
 *           hypervisor's side costs the sender), and PV IPIs + acknowledgements (the
 *           cross-CPU call with the PV IPI hook). settle_ms=N: time given to the targets
 *           to halt before each hypercall alone, during which the sender spins
 *           (sender=busy, the default: its host thread has used up its scheduler slice
 *           when it calls) or halts (sender=idle: halt_us(), it calls as a thread that
 *           has just woken; docs/architecture.md §4.1); targets=running: they spin in
 *           guest code during it instead; only=hcall: the hypercall alone and nothing
 *           else per round (what bench/kvm_floor_ipi.c measures the floor of)
 *   flush2  two targets (CPUs 1 and 2): PV and native flush; run with 8 and 1024 vCPUs
 * Times are TSC deltas around the call at CPL0.
 */
#include "testlib/tlbtest.h"
#include "testlib/samples.h"
#include "x86/desc.h"
#include "x86/idle.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/tsc.h"
#include "alloc.h"
#include "atomic.h"
#include "cmdline.h"
#include "printf.h"
#include "report.h"
#include "string.h"

#define BENCH_VECTOR 0xe0

static u32 bench_acks;

static void bench_nop(void *arg)
{
	(void)arg;
}

static void bench_irq(struct ex_regs *regs)
{
	(void)regs;
	atomic_inc(&bench_acks);
}

static void bench_print(const char *name, u64 *cyc, u32 n)
{
	u32 i99 = (n * 99 + 99) / 100;

	samples_sort(&(struct samples){ cyc, n });
	if (i99 > n)
		i99 = n;
	printf("BENCH %s p50=%lu p99=%lu n=%u\n", name,
	       (unsigned long)tsc_cycles_to_ns(cyc[(n - 1) / 2]),
	       (unsigned long)tsc_cycles_to_ns(cyc[i99 - 1]), n);
}

/*
 * One HvCallSendSyntheticClusterIpiEx to the targets of @m, timed from the call into the
 * hypercall page to its return. The VP set is built first, then the targets get
 * @settle_ms to halt, the sender halting (@idle) or spinning meanwhile, so that the call
 * follows the wait at once (interrupts are off from the wait's end to the return).
 * Returns the TSC cycles, 0 when the call failed or the halt could not be made.
 */
static u64 ipi_hypercall_alone(const struct cpumask *m, u64 settle_ms, bool idle)
{
	struct hv_cpu *c = hv_this_cpu();
	struct hv_send_ipi_ex *in = c->input;
	int nr_bank = cpumask_to_vpset((struct hv_vp_set *)&in->vp_set, m);
	u16 varhead = tlb_ex_varhead((u16)(nr_bank > 0 ? nr_bank : 0));
	u64 control = hv_control(HVCALL_SEND_IPI_EX, false, varhead, 0, 0);
	u64 in_pa = hv_pa(in), out_pa = hv_pa(c->output);
	bool halted = true;
	u64 flags, t0, t1, r;

	in->vector = BENCH_VECTOR;
	in->reserved = 0;
	if (settle_ms && idle)
		halted = halt_us(settle_ms * 1000);
	else if (settle_ms)
		mdelay(settle_ms);
	flags = irq_save();
	t0 = rdtsc();
	r = hv_hypercall(control, in_pa, out_pa);
	t1 = rdtsc();
	irq_restore(flags);
	return halted && nr_bank > 0 && hv_result_status(r) == HV_STATUS_SUCCESS ? t1 - t0 : 0;
}

static u32 spin_stop;

/* targets=running: the target spins in guest code (CPL0, interrupts on) until told to stop. */
static void bench_spin(void *arg)
{
	(void)arg;
	while (!atomic_load(&spin_stop))
		cpu_relax();
}

static bool wait_acks(u32 want)
{
	u32 spins = 0;

	while (atomic_load(&bench_acks) < want && ++spins < 100000000)
		cpu_relax();
	return atomic_load(&bench_acks) == want;
}

/*
 * One round of the ipi64 comparison for sample i: native IPIs + acknowledgements (a), the
 * same cross-CPU call with the PV IPI hook (c), one PV IPI as Linux sends it (b), then its
 * acknowledgements. Returns the number of wrong outcomes.
 */
static u32 ipi64_round(const struct cpumask *m, u32 i, u64 *a, u64 *b, u64 *c)
{
	u32 wrong = 0;
	u64 t0, t1;

	tlb_ipi_hook(false);
	t0 = rdtsc();
	on_cpus(m, bench_nop, NULL);
	t1 = rdtsc();
	a[i] = t1 - t0;
	tlb_ipi_hook(true);
	t0 = rdtsc();
	on_cpus(m, bench_nop, NULL);
	t1 = rdtsc();
	tlb_ipi_hook(false);
	c[i] = t1 - t0;
	WRITE_ONCE(bench_acks, 0);
	t0 = rdtsc();
	if (!tlb_path_is_pv(send_ipi_mask(m, BENCH_VECTOR, NULL)))
		wrong++;
	t1 = rdtsc();
	b[i] = t1 - t0;
	if (!wait_acks(64))
		wrong++;
	return wrong;
}

static void bench_mask(struct cpumask *m, u32 count)
{
	u32 cpu, n = 0;

	cpumask_clear(m);
	for_each_cpu (cpu, &cpu_online_mask) {
		if (cpu != smp_id() && n < count) {
			cpumask_set(m, cpu);
			n++;
		}
	}
}

void tlb_test_bench(u64 va)
{
	char test[16] = "flush";
	u32 n = (u32)cmdline_u64("samples", 300), wrong = 0;
	u64 *a = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	u64 *b = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	u64 *c = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	u64 *d = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	struct cpumask m;

	if (!a || !b || !c || !d || !n)
		panic("bench: no memory for %u samples", n);
	cmdline_get_str("test", test, sizeof(test));
	handle_irq(BENCH_VECTOR, bench_irq);
	if (!strcmp(test, "flush") || !strcmp(test, "flush2")) {
		bool all = !strcmp(test, "flush");

		if (all)
			cpumask_copy(&m, &cpu_present_mask);
		else
			bench_mask(&m, 2);
		for (u32 i = 0; i < n; i++) {
			for (int k = 0; k < 2; k++) {
				bool native = (k ^ (int)(i & 1)) != 0;
				u64 t0, t1;
				enum tlb_path p;

				tlb_mode = native ? TLB_MODE_NATIVE : TLB_MODE_PV;
				t0 = rdtsc();
				p = flush_tlb_others(&m, va, va + PAGE_SIZE, NULL);
				t1 = rdtsc();
				(native ? a : b)[i] = t1 - t0;
				if (!native && !tlb_path_is_pv(p))
					wrong++;
			}
		}
		tlb_mode = TLB_MODE_PV;
		/* Diagnostic: the guest's own cost of walking the mask (emulated CPL0
		 * code). */
		for (u32 i = 0; i < n; i++) {
			u64 t0 = rdtsc(), t1, w;
			u32 cpu, k = 0, wi;

			for_each_cpu_fast(cpu, w, wi, &m) k +=
			    hv_cpu_number_to_vp_number(cpu) != VP_INVAL;
			t1 = rdtsc();
			c[i] = t1 - t0;
			if (!k)
				wrong++;
		}
		report_info("bench %s: %u CPUs, %u targets, %u samples each, interleaved", test,
			    smp_nr_online(), cpumask_weight(&m), n);
		bench_print(all ? "flush_maskwalk_ns" : "flush2_maskwalk_ns", c, n);
		bench_print(all ? "flush_native_ns" : "flush2_native_ns", a, n);
		bench_print(all ? "flush_pv_ns" : "flush2_pv_ns", b, n);
		report(!wrong, "bench %s: every PV sample took a hypercall (%u did not)", test,
		       wrong);
	} else if (!strcmp(test, "ipi64")) {
		if (smp_nr_online() < 65) {
			report_skip("cpus", "bench ipi64: needs 65 CPUs");
			return;
		}
		u64 settle = cmdline_u64("settle_ms", 0);
		char targets[16] = "halted", only[16] = "", sender[8] = "busy";
		bool running, alone, idle;

		cmdline_get_str("targets", targets, sizeof(targets));
		cmdline_get_str("only", only, sizeof(only));
		cmdline_get_str("sender", sender, sizeof(sender));
		running = !strcmp(targets, "running");
		alone = !strcmp(only, "hcall");
		idle = !strcmp(sender, "idle");
		if (!idle && strcmp(sender, "busy") != 0) {
			report(false, "bench ipi64: sender=%s (busy or idle)", sender);
			return;
		}
		bench_mask(&m, 64);
		for (u32 i = 0; i < n; i++) {
			if (!alone)
				wrong += ipi64_round(&m, i, a, b, c);
			WRITE_ONCE(bench_acks, 0);
			if (running) {
				u32 cpu;

				atomic_store(&spin_stop, 0u);
				for_each_cpu (cpu, &m)
					if (cpu_job_start(cpu, bench_spin, NULL))
						wrong++;
			}
			d[i] = ipi_hypercall_alone(&m, settle, idle);
			if (!d[i] || !wait_acks(64))
				wrong++;
			if (running) {
				u32 cpu;

				atomic_store(&spin_stop, 1u);
				for_each_cpu (cpu, &m)
					if (!cpu_job_wait(cpu, 10000))
						wrong++;
			}
		}
		report_info(
		    "bench ipi64: %u CPUs, 64 targets (%s for the hypercall alone, the sender %s "
		    "before it), %u samples",
		    smp_nr_online(), running ? "running" : "halted", idle ? "halted" : "spinning",
		    n);
		if (!alone) {
			bench_print("ipi64_native_acks_ns", a, n);
			bench_print("ipi64_pv_send_ns", b, n);
			bench_print("ipi64_pv_acks_ns", c, n);
		}
		bench_print("ipi64_hcall_ns", d, n);
		report(!wrong,
		       "bench ipi64: every PV IPI was a hypercall and reached all 64 (%u "
		       "did not)",
		       wrong);
	} else {
		report(false, "unknown bench test=%s", test);
	}
}
