// SPDX-License-Identifier: MIT
/*
 * hv_ipi.elf: HvCallSendSyntheticClusterIpi (0x000B) and
 * HvCallSendSyntheticClusterIpiEx (0x0015), after KVM's hyperv_ipi selftest
 * (tools/testing/selftests/kvm/x86/hyperv_ipi.c) in spirit.
 *
 * The receivers are the CPUs with VP index 2 and 65. Every step must deliver
 * exactly one interrupt to each addressed receiver and none to any other CPU
 * (all CPUs count what they get; HV_GENERIC_SET_ALL addresses every CPU, the
 * sender included). The steps run twice: with the receivers halted (sti; hlt)
 * and with them running at CPL3. Invalid vectors (0, 0xF, 0x100) and a fast
 * call with RDX[63:32] != 0 must return HV_STATUS_INVALID_HYPERCALL_INPUT and
 * deliver nothing. The interrupts are acknowledged through HV_X64_MSR_EOI in
 * x2APIC mode (with the APIC MSRs offered), else natively.
 *
 * Options: iters=N (repeat each step N times, default 2).
 */
#include "libguest.h"
#include "x86/hv.h"
#include "testlib/tlbtest.h"

#define IPI_VECTOR     0xe0
#define VP_A	       2
#define VP_B	       65
#define WAIT_MS	       5000
#define SETTLE_MS      20
#define JOB_TIMEOUT_MS 30000

static u32 counts[MAX_CPUS];
static u32 expect[MAX_CPUS];
static u32 recv_stop;
static int cpu_a = -1, cpu_b = -1;

static void ipi_handler(struct ex_regs *regs)
{
	(void)regs;
	atomic_inc(&counts[smp_id()]);
}

static u64 spin_user(u64 arg)
{
	(void)arg;
	while (!READ_ONCE(recv_stop))
		cpu_relax();
	return 0;
}

static void run_job(void *arg)
{
	(void)arg;
	run_user(spin_user, 0, 0, NULL);
}

static void halt_job(void *arg)
{
	(void)arg;
	irq_disable();
	while (!READ_ONCE(recv_stop)) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
}

enum kind {
	SLOW,	 /* HvCallSendSyntheticClusterIpi, input in memory */
	FAST,	 /* the same, RDX = vector, R8 = mask */
	EX_SLOW, /* HvCallSendSyntheticClusterIpiEx, input in memory */
	EX_XMM,	 /* the same, XMM fast input */
};

enum set {
	SET_A,
	SET_B,
	SET_BOTH,
	SET_ALL,
};

struct step {
	enum kind kind;
	enum set set;
	const char *name;
};

static const struct step steps[] = {
	{ SLOW, SET_A, "slow SEND_IPI {2}" },
	{ FAST, SET_A, "fast SEND_IPI {2}" },
	{ EX_SLOW, SET_A, "slow SEND_IPI_EX {2}" },
	{ EX_XMM, SET_A, "XMM fast SEND_IPI_EX {2}" },
	{ EX_SLOW, SET_B, "slow SEND_IPI_EX {65}" },
	{ EX_XMM, SET_B, "XMM fast SEND_IPI_EX {65}" },
	{ EX_SLOW, SET_BOTH, "slow SEND_IPI_EX {2,65}" },
	{ EX_XMM, SET_BOTH, "XMM fast SEND_IPI_EX {2,65}" },
	{ EX_SLOW, SET_ALL, "slow SEND_IPI_EX SET_ALL" },
	{ EX_XMM, SET_ALL, "XMM fast SEND_IPI_EX SET_ALL" },
};

/* Makes the call; @vector is 64 bits so that invalid values can be passed. */
static u64 ipi_call(enum kind kind, enum set set, u64 vector)
{
	struct hv_cpu *c = hv_this_cpu();
	u64 *in = c->input, banks[2], xmm[12] = { 0 }, vbm = 0, format = HV_GENERIC_SET_SPARSE_4K;
	u16 nb = 0;

	if (kind == SLOW || kind == FAST) {
		u64 mask = BIT_ULL(VP_A);

		if (kind == FAST)
			return hv_hypercall(HVCALL_SEND_IPI | HV_HYPERCALL_FAST_BIT, vector, mask);
		in[0] = vector; /* u32 vector, u32 reserved (0 unless vector > 32 bits) */
		in[1] = mask;
		return hv_hypercall(hv_control(HVCALL_SEND_IPI, false, 0, 0, 0), hv_pa(in),
				    hv_pa(c->output));
	}
	switch (set) {
	case SET_A:
		vbm = BIT_ULL(0);
		banks[nb++] = BIT_ULL(VP_A);
		break;
	case SET_B:
		vbm = BIT_ULL(1);
		banks[nb++] = BIT_ULL(VP_B % 64);
		break;
	case SET_BOTH:
		vbm = BIT_ULL(0) | BIT_ULL(1);
		banks[nb++] = BIT_ULL(VP_A);
		banks[nb++] = BIT_ULL(VP_B % 64);
		break;
	case SET_ALL:
		format = HV_GENERIC_SET_ALL;
		break;
	}
	if (kind == EX_XMM) {
		xmm[0] = vbm;
		for (u16 i = 0; i < nb; i++)
			xmm[1 + i] = banks[i];
		return hv_hypercall_xmm(hv_control(HVCALL_SEND_IPI_EX, true, nb, 0, 0), vector,
					format, xmm);
	}
	in[0] = vector;
	in[1] = format;
	in[2] = vbm;
	for (u16 i = 0; i < nb; i++)
		in[3 + i] = banks[i];
	return hv_hypercall(hv_control(HVCALL_SEND_IPI_EX, false, nb, 0, 0), hv_pa(in),
			    hv_pa(c->output));
}

static void expect_set(enum set set)
{
	u32 cpu;

	if (set == SET_ALL) {
		for_each_cpu (cpu, &cpu_online_mask)
			expect[cpu]++;
		return;
	}
	if (set != SET_B)
		expect[cpu_a]++;
	if (set != SET_A)
		expect[cpu_b]++;
}

/*
 * Waits for the expected interrupts, lets stray ones arrive, then compares
 * every CPU. Returns the number of CPUs whose count is wrong; *first gets the
 * first of them.
 */
static u32 settle_and_compare(int *first)
{
	u64 start = rdtsc(), limit = tsc_ms_to_cycles(WAIT_MS);
	u32 cpu, bad = 0;
	bool done;

	irq_enable();
	do {
		done = true;
		for_each_cpu (cpu, &cpu_online_mask) {
			if (atomic_load(&counts[cpu]) < expect[cpu]) {
				done = false;
				break;
			}
		}
		cpu_relax();
	} while (!done && rdtsc() - start < limit);
	mdelay(SETTLE_MS);
	*first = -1;
	for_each_cpu (cpu, &cpu_online_mask) {
		if (atomic_load(&counts[cpu]) != expect[cpu]) {
			if (*first < 0)
				*first = (int)cpu;
			bad++;
		}
	}
	return bad;
}

static void receivers(void (*job)(void *))
{
	WRITE_ONCE(recv_stop, 0);
	if (cpu_job_start((u32)cpu_a, job, NULL) || cpu_job_start((u32)cpu_b, job, NULL))
		panic("cannot start the receivers");
	mdelay(5);
}

static void receivers_stop(void)
{
	WRITE_ONCE(recv_stop, 1);
	apic_send_ipi(per_cpu((u32)cpu_a)->apic_id, TLB_JOB_VECTOR);
	apic_send_ipi(per_cpu((u32)cpu_b)->apic_id, TLB_JOB_VECTOR);
	if (!cpu_job_wait((u32)cpu_a, JOB_TIMEOUT_MS) || !cpu_job_wait((u32)cpu_b, JOB_TIMEOUT_MS))
		panic("a receiver does not stop");
}

static void report_counts(bool ok, u32 bad, int first, const char *what, const char *how,
			  u16 status)
{
	report(ok, "%s, receivers %s: status %#x, %u CPUs with a wrong count%s", what, how, status,
	       bad, bad ? "" : " (one interrupt per target, none elsewhere)");
	if (first >= 0)
		report_info("  CPU %d (VP %u) got %u interrupts, want %u", first,
			    hv_cpu_number_to_vp_number((u32)first), atomic_load(&counts[first]),
			    expect[first]);
}

static void run_steps(const char *how, u32 iters, bool xmm)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		const struct step *s = &steps[i];
		u16 status = 0;
		u32 bad = 0;
		int first = -1;
		bool ok = true;

		if (s->kind == EX_XMM && !xmm) {
			report_skip("xmm", "%s: no XMM fast input offered", s->name);
			continue;
		}
		for (u32 n = 0; n < iters && ok; n++) {
			status = hv_result_status(ipi_call(s->kind, s->set, IPI_VECTOR));
			if (status == HV_STATUS_SUCCESS)
				expect_set(s->set);
			bad = settle_and_compare(&first);
			ok = status == HV_STATUS_SUCCESS && !bad;
		}
		report_counts(ok, bad, first, s->name, how, status);
	}
}

/* Invalid input: status 3 (KVM checks the vector after the set), nothing
 * delivered. */
static void run_invalid(bool xmm)
{
	static const struct {
		enum kind kind;
		enum set set;
		u64 vector;
		const char *name;
	} bad_calls[] = {
		{ SLOW, SET_A, 0, "slow SEND_IPI vector 0" },
		{ SLOW, SET_A, 0xf, "slow SEND_IPI vector 0xF" },
		{ SLOW, SET_A, 0x100, "slow SEND_IPI vector 0x100" },
		{ FAST, SET_A, 0, "fast SEND_IPI vector 0" },
		{ FAST, SET_A, 0x100, "fast SEND_IPI vector 0x100" },
		{ FAST, SET_A, IPI_VECTOR | (1ull << 32), "fast SEND_IPI RDX[63:32] != 0" },
		{ EX_SLOW, SET_BOTH, 0, "slow SEND_IPI_EX vector 0" },
		{ EX_SLOW, SET_BOTH, 0x100, "slow SEND_IPI_EX vector 0x100" },
		{ EX_XMM, SET_BOTH, 0, "XMM fast SEND_IPI_EX vector 0" },
		{ EX_XMM, SET_ALL, 0x100, "XMM fast SEND_IPI_EX SET_ALL vector 0x100" },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(bad_calls); i++) {
		u16 status;
		u32 bad;
		int first;

		if (bad_calls[i].kind == EX_XMM && !xmm)
			continue;
		status = hv_result_status(
		    ipi_call(bad_calls[i].kind, bad_calls[i].set, bad_calls[i].vector));
		bad = settle_and_compare(&first);
		report(status == HV_STATUS_INVALID_HYPERCALL_INPUT && !bad,
		       "%s: status %#x (want 3), %u CPUs got an interrupt", bad_calls[i].name,
		       status, bad);
	}
}

/* send_ipi_mask(): Linux's choice of call, and the native mode. */
static void run_lib(const char *how)
{
	static const struct {
		enum set set;
		enum tlb_mode mode;
		enum tlb_path want;
		const char *name;
	} cases[] = {
		{ SET_A, TLB_MODE_PV, TLB_PATH_PV, "{2}" },
		{ SET_B, TLB_MODE_PV, TLB_PATH_PV_EX, "{65}" },
		{ SET_BOTH, TLB_MODE_PV, TLB_PATH_PV_EX, "{2,65}" },
		{ SET_ALL, TLB_MODE_PV, TLB_PATH_PV_ALL, "all present" },
		{ SET_BOTH, TLB_MODE_NATIVE, TLB_PATH_NATIVE, "{2,65} native mode" },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tlb_result res;
		struct cpumask m;
		enum tlb_path p;
		u32 bad;
		int first;

		cpumask_clear(&m);
		if (cases[i].set == SET_ALL)
			cpumask_copy(&m, &cpu_present_mask);
		if (cases[i].set == SET_A || cases[i].set == SET_BOTH)
			cpumask_set(&m, (u32)cpu_a);
		if (cases[i].set == SET_B || cases[i].set == SET_BOTH)
			cpumask_set(&m, (u32)cpu_b);
		tlb_mode = cases[i].mode;
		p = send_ipi_mask(&m, IPI_VECTOR, &res);
		tlb_mode = TLB_MODE_PV;
		expect_set(cases[i].set);
		bad = settle_and_compare(&first);
		report(p == cases[i].want && !bad,
		       "send_ipi_mask %s, receivers %s: path %s (want %s), status %#x, %u "
		       "CPUs "
		       "with a wrong count",
		       cases[i].name, how, tlb_path_name(p), tlb_path_name(cases[i].want),
		       res.status, bad);
		if (first >= 0)
			report_info("  CPU %d got %u interrupts, want %u", first,
				    atomic_load(&counts[first]), expect[first]);
	}
}

/* A refused Ex call (variable header one bank too long): native fallback, one interrupt. */
static void run_refused(const char *how)
{
	struct tlb_result res;
	struct cpumask m;
	enum tlb_path p;
	u32 bad;
	int first;

	cpumask_clear(&m);
	cpumask_set(&m, (u32)cpu_b);
	tlb_inject_bad_varhead(1);
	p = send_ipi_mask(&m, IPI_VECTOR, &res);
	tlb_inject_bad_varhead(0);
	expect_set(SET_B);
	bad = settle_and_compare(&first);
	report(p == TLB_PATH_NATIVE_FAILED && res.status == HV_STATUS_INVALID_HYPERCALL_INPUT &&
		   !bad,
	       "send_ipi_mask {65} refused by the hypervisor, receivers %s: path %s, status %#x, "
	       "%u CPUs with a wrong count",
	       how, tlb_path_name(p), res.status, bad);
}

void ap_main(void)
{
	cpu_job_loop();
}

int main(void)
{
	u32 iters = (u32)cmdline_u64("iters", 2), total = 0, cpu;
	bool xmm, eoi_msr;
	int r;

	cpu_job_init();
	r = hv_init();
	if (r) {
		report_skip("hv", "no Hyper-V (%d)", r);
		return report_summary();
	}
	tlbflush_init();
	cpu_a = cpu_of_vp(VP_A);
	cpu_b = cpu_of_vp(VP_B);
	if (cpu_a < 0 || cpu_b < 0) {
		report_skip("vp", "needs CPUs with VP index %d and %d (boot at least %d vCPUs)",
			    VP_A, VP_B, VP_B + 1);
		return report_summary();
	}
	if (!ipi_pv_available() || !tlbflush_ex_available()) {
		report_skip("pv-ipi", "the PV IPI or the Ex VP sets are not offered");
		return report_summary();
	}
	xmm = hv_feature_edx(HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE);
	eoi_msr = hv_eoi_msr_install();
	handle_irq(IPI_VECTOR, ipi_handler);
	report_info("receivers: CPU %d (VP %d), CPU %d (VP %d); %u CPUs online; %s; "
		    "EOI via %s",
		    cpu_a, VP_A, cpu_b, VP_B, smp_nr_online(), apic->name,
		    eoi_msr ? "HV_X64_MSR_EOI" : "the local APIC");

	receivers(halt_job);
	run_steps("halted", iters, xmm);
	run_invalid(xmm);
	run_lib("halted");
	run_refused("halted");
	receivers_stop();

	receivers(run_job);
	run_steps("running at CPL3", iters, xmm);
	run_lib("running at CPL3");
	run_refused("running at CPL3");
	receivers_stop();

	for_each_cpu (cpu, &cpu_online_mask)
		total += atomic_load(&counts[cpu]);
	if (eoi_msr)
		report(atomic_load(&hv_eoi_msr_count) >= total,
		       "%lu EOIs through HV_X64_MSR_EOI for %u test interrupts",
		       (unsigned long)atomic_load(&hv_eoi_msr_count), total);
	else
		report_skip("eoi-msr",
			    "HV_X64_MSR_EOI: not in x2APIC mode or no APIC MSRs offered");
	tlb_paths_report("IPI", tlb_stats.ipi);
	return report_summary();
}
