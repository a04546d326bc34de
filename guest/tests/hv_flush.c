// SPDX-License-Identifier: MIT
/*
 * hv_flush.elf: remote TLB flushes through HvCallFlushVirtualAddressSpace/List(+Ex),
 * after KVM's hyperv_tlb_flush selftest (hyperv-facts §4.1.2) in spirit.
 *
 * The readers (the CPUs with VP index 2 and 65) read a test page from CPL3 in a loop (on
 * this KVM only CPL3 code sees a stale TLB entry). Each iteration the boot CPU maps the
 * test address to the next of NPAGES pages, holding a new value, with a PTE store made at
 * CPL3 (which leaves the readers' translations stale), issues the flush, and when it has
 * returned publishes the generation in `go`. Each reader answers with the value it read
 * after it saw that generation: anything but the new value is a stale translation that
 * survived the flush, and fails the test.
 *
 * Options:
 *   mode=stages     (default) the 10 slow and 10 fast stages of §4.1.2 (status and reps
 *                   checked), then the same check through flush_tlb_others()
 *   mode=noflush    the PTE changes without any flush: a stale value must be seen (the
 *                   control that proves this test can fail here)
 *   mode=fallback   the CPU of VP 65 has VP_INVAL in hv_vp_index[]: flush_tlb_others()
 *                   must take the native path and lose no flush
 *   mode=stress seconds=N senders=S   S CPUs flush and send IPIs to random sets of the
 *                   other CPUs for N seconds; every target checks every flush and IPI
 *   mode=bench test=flush|ipi64|flush2 samples=N   timings for bench/20_flush.sh
 *   iters=N         iterations per stage (default 5)
 */
#include "libguest.h"
#include "x86/hv.h"
#include "x86/tlbflush.h"

#define NPAGES	       4
#define TEST_VA	       (TEST_VA_BASE + 0x800000)
#define VALUE(g)       (0xf1a5000000000000ull | (g))
#define ACK_TIMEOUT_MS 10000
#define JOB_TIMEOUT_MS 30000
#define FLUSH_ALL_VAS  HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES
#define VP_A	       2
#define VP_B	       65
#define BENCH_VECTOR   0xe0
#define STRESS_VECTOR  0xc0 /* + sender number */
#define STRESS_SENDERS 16

/* A test address and the pages it rotates through. */
struct tpage {
	u64 va;
	u64 *pte;
	u64 *page[NPAGES];
	u64 gen;
};

struct reader {
	u64 ack;  /* the last generation answered */
	u64 seen; /* the value read after seeing it */
	int exit; /* how the CPL3 loop ended */
} __aligned(64);

static struct tpage tp;
static struct reader readers[MAX_CPUS];
static u64 go;
static u32 readers_stop;
static int cpu_a = -1, cpu_b = -1;
static u32 iters;

static bool tpage_init(struct tpage *t, u64 va)
{
	for (int i = 0; i < NPAGES; i++) {
		t->page[i] = alloc_page();
		if (!t->page[i])
			return false;
		t->page[i][0] = VALUE(0);
	}
	t->va = va;
	t->gen = 0;
	if (map_page(va, hv_pa(t->page[0]), PTE_USER))
		return false;
	t->pte = vm_pte(va, false);
	return t->pte != NULL;
}

/* Maps the next page, holding VALUE(new generation), by a PTE store at CPL3. */
static u64 tpage_next(struct tpage *t)
{
	u64 g = ++t->gen;
	u64 *pg = t->page[g % NPAGES];

	WRITE_ONCE(pg[0], VALUE(g));
	if (pte_write_cpl3(t->pte, hv_pa(pg) | PTE_PRESENT | PTE_USER))
		panic("PTE store at CPL3 faulted");
	return g;
}

static u64 reader_user(u64 arg)
{
	struct reader *r = (struct reader *)(uintptr_t)arg;
	const volatile u64 *p = (const volatile u64 *)(uintptr_t)TEST_VA;
	u64 acked = READ_ONCE(r->ack);

	while (!READ_ONCE(readers_stop)) {
		/* x86 keeps loads in order: the page is read after the generation. */
		u64 g = READ_ONCE(go);
		u64 v = *p;

		if (g != acked) {
			WRITE_ONCE(r->seen, v);
			WRITE_ONCE(r->ack, g);
			acked = g;
		}
		cpu_relax();
	}
	return 0;
}

static void reader_job(void *arg)
{
	struct reader *r = arg;

	r->exit = run_user(reader_user, (u64)(uintptr_t)r, 0, NULL);
}

static void readers_start(void)
{
	int cpus[2] = { cpu_a, cpu_b };

	WRITE_ONCE(readers_stop, 0);
	for (int i = 0; i < 2; i++) {
		readers[cpus[i]].ack = READ_ONCE(go);
		if (cpu_job_start((u32)cpus[i], reader_job, &readers[cpus[i]]))
			panic("cannot start the reader on CPU %d", cpus[i]);
	}
}

static void readers_stop_all(void)
{
	int cpus[2] = { cpu_a, cpu_b };

	WRITE_ONCE(readers_stop, 1);
	for (int i = 0; i < 2; i++) {
		if (!cpu_job_wait((u32)cpus[i], JOB_TIMEOUT_MS))
			panic("reader on CPU %d does not stop", cpus[i]);
		if (readers[cpus[i]].exit != FAULT_NONE)
			report(false, "reader on CPU %d ended with exception %d", cpus[i],
			       readers[cpus[i]].exit);
	}
}

struct tally {
	u32 stale, timeouts, bad, last_cpu;
	u64 last_seen, last_want;
};

/* Publishes generation @g and checks what each CPU in @mask read after it. */
static void check_readers(u64 g, const struct cpumask *mask, struct tally *t)
{
	u32 cpu;

	atomic_store(&go, g);
	for_each_cpu (cpu, mask) {
		u64 start = rdtsc(), limit = tsc_ms_to_cycles(ACK_TIMEOUT_MS);
		u32 spins = 0;
		bool timed_out = false;

		while (atomic_load(&readers[cpu].ack) != g) {
			cpu_relax();
			if ((++spins & 255) == 0 && rdtsc() - start > limit) {
				timed_out = true;
				break;
			}
		}
		if (timed_out) {
			t->timeouts++;
		} else if (READ_ONCE(readers[cpu].seen) != VALUE(g)) {
			t->stale++;
			t->last_cpu = cpu;
			t->last_seen = READ_ONCE(readers[cpu].seen);
			t->last_want = VALUE(g);
		}
	}
}

/* --- the stages of §4.1.2
 * ------------------------------------------------------------ */

enum vpset {
	SET_A,	  /* VP 2: ProcessorMask BIT(2), or bank 0 */
	SET_B,	  /* VP 65: bank 1 */
	SET_BOTH, /* banks 0 and 1 */
	SET_ALLP, /* non-Ex HV_FLUSH_ALL_PROCESSORS */
	SET_ALL,  /* Ex HV_GENERIC_SET_ALL */
};

struct stage {
	u16 code;
	enum vpset set;
	const char *name;
};

static const struct stage stages[10] = {
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, SET_A, "SPACE {2}" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, SET_A, "LIST {2}" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, SET_ALLP, "SPACE ALL_PROCESSORS" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, SET_ALLP, "LIST ALL_PROCESSORS" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, SET_B, "SPACE_EX {65}" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, SET_B, "LIST_EX {65}" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, SET_BOTH, "SPACE_EX {2,65}" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, SET_BOTH, "LIST_EX {2,65}" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, SET_ALL, "SPACE_EX SET_ALL" },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, SET_ALL, "LIST_EX SET_ALL" },
};

static bool is_list(u16 code)
{
	return code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST ||
	       code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
}

static bool is_ex(u16 code)
{
	return code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX ||
	       code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
}

/*
 * The call's input as 64-bit words, laid out as the slow call reads it; the
 * fast call passes words 0 and 1 in RDX and R8 and the rest in XMM0.lo,
 * XMM0.hi, XMM1.lo, ...
 */
static u16 stage_input(const struct stage *s, u64 *w, u16 *varhead)
{
	u16 n = 2, nb = 0;

	w[0] = 0; /* address space: ignored with ALL_VIRTUAL_ADDRESS_SPACES */
	w[1] = FLUSH_ALL_VAS;
	if (!is_ex(s->code)) {
		w[n++] = s->set == SET_A ? BIT_ULL(VP_A) : 0;
		if (s->set == SET_ALLP)
			w[1] |= HV_FLUSH_ALL_PROCESSORS;
	} else if (s->set == SET_ALL) {
		w[n++] = HV_GENERIC_SET_ALL;
		w[n++] = 0;
	} else {
		w[n++] = HV_GENERIC_SET_SPARSE_4K;
		if (s->set == SET_B) {
			w[n++] = BIT_ULL(1);
			w[n++] = BIT_ULL(VP_B % 64);
			nb = 1;
		} else {
			w[n++] = BIT_ULL(0) | BIT_ULL(1);
			w[n++] = BIT_ULL(VP_A);
			w[n++] = BIT_ULL(VP_B % 64);
			nb = 2;
		}
	}
	if (is_list(s->code))
		w[n++] = TEST_VA; /* one page: 0 additional pages */
	*varhead = nb;
	return n;
}

static u64 stage_call(const struct stage *s, bool fast)
{
	u64 w[16], xmm[12];
	u16 varhead, n = stage_input(s, w, &varhead);
	u64 control = hv_control(s->code, fast, varhead, is_list(s->code) ? 1 : 0, 0);
	struct hv_cpu *c = hv_this_cpu();
	u64 *in = c->input;

	if (!fast) {
		for (u16 i = 0; i < 16; i++)
			in[i] = i < n ? w[i] : 0;
		return hv_hypercall(control, hv_pa(in), hv_pa(c->output));
	}
	for (u16 i = 0; i < 12; i++)
		xmm[i] = i + 2u < n ? w[i + 2] : 0;
	return hv_hypercall_xmm(control, w[0], w[1], xmm);
}

static void stage_mask(enum vpset set, struct cpumask *m)
{
	cpumask_clear(m);
	if (set != SET_B)
		cpumask_set(m, (u32)cpu_a);
	if (set != SET_A)
		cpumask_set(m, (u32)cpu_b);
}

static void run_stage(const struct stage *s, int num, bool fast)
{
	struct tally t = { 0 };
	struct cpumask m;
	u32 bad_status = 0;
	u64 last = 0;

	stage_mask(s->set, &m);
	for (u32 i = 0; i < iters; i++) {
		u64 g = tpage_next(&tp), r = stage_call(s, fast);

		if (hv_result_status(r) != HV_STATUS_SUCCESS ||
		    hv_result_reps(r) != (is_list(s->code) ? 1 : 0)) {
			bad_status++;
			last = r;
		}
		check_readers(g, &m, &t);
	}
	report(!t.stale && !t.timeouts && !bad_status,
	       "%s stage %2d %-22s: %u iterations, %u stale, %u timeouts, %u bad "
	       "results%s",
	       fast ? "fast" : "slow", num, s->name, iters, t.stale, t.timeouts, bad_status,
	       bad_status ? " (see below)" : "");
	if (bad_status)
		report_info("  last bad result %#lx (status %#x, reps %u)", (unsigned long)last,
			    hv_result_status(last), hv_result_reps(last));
	if (t.stale)
		report_info("  CPU %u read %#lx after the flush, want %#lx", t.last_cpu,
			    (unsigned long)t.last_seen, (unsigned long)t.last_want);
}

/* --- flush_tlb_others(): the call Linux would make
 * ---------------------------------- */

struct lib_case {
	const char *name;
	bool a, b, all; /* targets: CPU of VP 2, of VP 65, every present CPU */
	u64 len;	/* range length; 0: TLB_FLUSH_ALL */
	enum tlb_mode mode;
	enum tlb_path want;
	u16 want_code, want_reps, want_varhead;
};

static void run_lib_case(const struct lib_case *lc)
{
	struct tally t = { 0 };
	struct cpumask m, check;
	struct tlb_result res = { 0 };
	u32 wrong = 0;

	cpumask_clear(&m);
	if (lc->all)
		cpumask_copy(&m, &cpu_present_mask);
	if (lc->a)
		cpumask_set(&m, (u32)cpu_a);
	if (lc->b)
		cpumask_set(&m, (u32)cpu_b);
	stage_mask(lc->all || (lc->a && lc->b) ? SET_BOTH : lc->a ? SET_A : SET_B, &check);
	tlb_mode = lc->mode;
	for (u32 i = 0; i < iters; i++) {
		u64 g = tpage_next(&tp);
		enum tlb_path p = flush_tlb_others(
		    &m, TEST_VA, lc->len ? TEST_VA + lc->len : TLB_FLUSH_ALL, &res);

		if (p != lc->want || res.code != lc->want_code || res.reps != lc->want_reps ||
		    res.varhead != lc->want_varhead || res.status != HV_STATUS_SUCCESS)
			wrong++;
		check_readers(g, &check, &t);
	}
	tlb_mode = TLB_MODE_PV;
	report(!t.stale && !t.timeouts && !wrong,
	       "flush_tlb_others %-26s: path %s call %#x status %#x reps %u/%u "
	       "varhead %u; "
	       "%u stale, %u timeouts, %u unexpected",
	       lc->name, tlb_path_name(res.path), res.code, res.status, res.reps, res.rep_count,
	       res.varhead, t.stale, t.timeouts, wrong);
}

static const struct lib_case lib_cases[] = {
	{ "{2} one page", true, false, false, PAGE_SIZE, TLB_MODE_PV, TLB_PATH_PV,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 1, 0 },
	{ "{2} everything", true, false, false, 0, TLB_MODE_PV, TLB_PATH_PV,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0 },
	{ "{2} 40 MiB (3 entries)", true, false, false, 40 * MiB, TLB_MODE_PV, TLB_PATH_PV,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 3, 0 },
	{ "{2} 16 GiB (too many entries)", true, false, false, 16ull << 30, TLB_MODE_PV,
	  TLB_PATH_PV, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0 },
	{ "{65} one page", false, true, false, PAGE_SIZE, TLB_MODE_PV, TLB_PATH_PV_EX,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 1, 2 },
	{ "{2,65} one page", true, true, false, PAGE_SIZE, TLB_MODE_PV, TLB_PATH_PV_EX,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 1, 2 },
	{ "{2,65} everything", true, true, false, 0, TLB_MODE_PV, TLB_PATH_PV_EX,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 2 },
	{ "{2,65} 40 MiB (3 entries)", true, true, false, 40 * MiB, TLB_MODE_PV, TLB_PATH_PV_EX,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 3, 2 },
	{ "all present, one page", false, false, true, PAGE_SIZE, TLB_MODE_PV, TLB_PATH_PV_ALL,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 1, 0 },
	{ "all present, everything", false, false, true, 0, TLB_MODE_PV, TLB_PATH_PV_ALL,
	  HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0 },
	{ "{2,65} native mode", true, true, false, PAGE_SIZE, TLB_MODE_NATIVE, TLB_PATH_NATIVE, 0,
	  0, 0 },
};

static void test_stages(void)
{
	bool xmm = hv_feature_edx(HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE);

	readers_start();
	for (int i = 0; i < 10; i++)
		run_stage(&stages[i], i + 1, false);
	for (int i = 0; i < 10; i++) {
		if (xmm)
			run_stage(&stages[i], i + 1, true);
		else
			report_skip("fast stage %d %s: no XMM fast input offered", i + 1,
				    stages[i].name);
	}
	if (!tlbflush_pv_available() || !tlbflush_ex_available()) {
		report_skip("flush_tlb_others: PV flush or Ex masks not recommended");
	} else {
		for (unsigned int i = 0; i < ARRAY_SIZE(lib_cases); i++)
			run_lib_case(&lib_cases[i]);
	}
	readers_stop_all();
}

/* The control: no flush at all must leave a stale translation visible at least
 * once. */
static void test_noflush(void)
{
	struct tally t = { 0 };
	struct cpumask m;
	u32 n = iters < 10 ? 10 : iters;

	stage_mask(SET_BOTH, &m);
	readers_start();
	for (u32 i = 0; i < n; i++) {
		u64 g = tpage_next(&tp);

		mdelay(1);
		check_readers(g, &m, &t);
	}
	flush_tlb_native_range(&m, TEST_VA, TEST_VA + PAGE_SIZE);
	readers_stop_all();
	report(t.stale > 0 && !t.timeouts,
	       "control without flush: %u stale reads in %u iterations x 2 CPUs "
	       "(must be > 0), "
	       "%u timeouts",
	       t.stale, n, t.timeouts);
}

/* A target whose VP index is unknown (a CPU coming online, seed 003): native
 * path. */
static void test_fallback(void)
{
	u32 saved = hv_vp_index[cpu_b];
	struct tally t = { 0 }, tpv = { 0 }, tb = { 0 };
	struct cpumask both, one, one_b;
	struct tlb_result res;
	u32 wrong = 0, pv = 0, nat = 0;
	enum tlb_path g_path;

	stage_mask(SET_BOTH, &both);
	stage_mask(SET_A, &one);
	readers_start();
	/* What Linux's table holds while that CPU is still coming online. */
	WRITE_ONCE(hv_vp_index[cpu_b], VP_INVAL);
	tlb_stats_reset();
	for (u32 i = 0; i < iters; i++) {
		u64 g = tpage_next(&tp);

		if (flush_tlb_others(&both, TEST_VA, TEST_VA + PAGE_SIZE, &res) !=
		    TLB_PATH_NATIVE_VPINVAL)
			wrong++;
		check_readers(g, &both, &t);
		g = tpage_next(&tp);
		if (flush_tlb_others(&one, TEST_VA, TEST_VA + PAGE_SIZE, &res) == TLB_PATH_PV)
			pv++;
		check_readers(g, &one, &tpv);
	}
	report(!wrong && !t.stale && !t.timeouts,
	       "VP 65 unknown: %u flushes to {2,65} took the native path (%lu "
	       "counted native-"
	       "vpinval), %u stale, %u timeouts",
	       iters - wrong, (unsigned long)tlb_stats.flush[TLB_PATH_NATIVE_VPINVAL], t.stale,
	       t.timeouts);
	report(pv == iters && !tpv.stale && !tpv.timeouts,
	       "VP 65 unknown: %u of %u flushes to {2} still used the hypercall, %u "
	       "stale, %u "
	       "timeouts",
	       pv, iters, tpv.stale, tpv.timeouts);
	stage_mask(SET_B, &one_b);
	for (u32 i = 0; i < iters; i++) {
		u64 g = tpage_next(&tp);

		/* TLB_JOB_VECTOR: an interrupt whose handler does nothing. */
		if (send_ipi_mask(&one_b, TLB_JOB_VECTOR, NULL) == TLB_PATH_NATIVE_VPINVAL &&
		    flush_tlb_others(&one_b, TEST_VA, TEST_VA + PAGE_SIZE, NULL) ==
			TLB_PATH_NATIVE_VPINVAL)
			nat++;
		check_readers(g, &one_b, &tb);
	}
	report(nat == iters && !tb.stale && !tb.timeouts,
	       "VP 65 unknown: IPI and flush to {65} alone went native %u/%u, %u stale", nat, iters,
	       tb.stale);
	WRITE_ONCE(hv_vp_index[cpu_b], saved);
	g_path = flush_tlb_others(&both, TEST_VA, TEST_VA + PAGE_SIZE, &res);
	report(g_path == TLB_PATH_PV_EX && res.status == HV_STATUS_SUCCESS,
	       "VP 65 known again: {2,65} uses the Ex hypercall (%s)", tlb_path_name(g_path));
	readers_stop_all();
}

/* --- mode=stress: many senders, random target sets, every flush checked
 * ---------------- */

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
static struct tpage spage[STRESS_SENDERS];
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
		g = tpage_next(&spage[s]);
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
			if (READ_ONCE(stress_cpus[cpu].seen[s]) != VALUE(g)) {
				st->stale++;
				st->last_cpu = cpu;
				st->last_seen = stress_cpus[cpu].seen[s];
				st->last_want = VALUE(g);
			}
		}
		st->iters++;
	}
}

static void test_stress(void)
{
	u64 seconds = cmdline_u64("seconds", 20), total = 0, stale = 0, tmo = 0, bad = 0;
	u32 want = (u32)cmdline_u64("senders", 8), cpu, n = 0;
	bool ok = true;

	if (want > STRESS_SENDERS)
		want = STRESS_SENDERS;
	if (smp_nr_online() < want + 2) {
		report_skip("stress: needs at least %u CPUs", want + 2);
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
		if (!tpage_init(&spage[s], STRESS_VA + s * PAGE_SIZE))
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
	report_info("stress: IPI paths: pv %lu, pv-all %lu, pv-ex %lu, native %lu, "
		    "native-vpinval %lu, native-failed %lu",
		    (unsigned long)tlb_stats.ipi[TLB_PATH_PV],
		    (unsigned long)tlb_stats.ipi[TLB_PATH_PV_ALL],
		    (unsigned long)tlb_stats.ipi[TLB_PATH_PV_EX],
		    (unsigned long)tlb_stats.ipi[TLB_PATH_NATIVE],
		    (unsigned long)tlb_stats.ipi[TLB_PATH_NATIVE_VPINVAL],
		    (unsigned long)tlb_stats.ipi[TLB_PATH_NATIVE_FAILED]);
	report(ok && n == nsend && !stale && !tmo && !bad,
	       "stress: %lu flushes+IPIs by %u senders in %lu s (all made progress: "
	       "%s), "
	       "%lu stale, %lu timeouts (lost flush or IPI), %lu fallbacks to native",
	       (unsigned long)total, nsend, (unsigned long)seconds, n == nsend ? "yes" : "no",
	       (unsigned long)stale, (unsigned long)tmo, (unsigned long)bad);
}

/* --- mode=bench
 * ---------------------------------------------------------------------- */

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

static void sort_u64(u64 *a, u32 n)
{
	for (u32 gap = n / 2; gap; gap /= 2) {
		for (u32 i = gap; i < n; i++) {
			u64 v = a[i];
			u32 j = i;

			for (; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
	}
}

static void bench_print(const char *name, u64 *cyc, u32 n)
{
	u32 i99 = (n * 99 + 99) / 100;

	sort_u64(cyc, n);
	if (i99 > n)
		i99 = n;
	printf("BENCH %s p50=%lu p99=%lu n=%u\n", name,
	       (unsigned long)tsc_cycles_to_ns(cyc[(n - 1) / 2]),
	       (unsigned long)tsc_cycles_to_ns(cyc[i99 - 1]), n);
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

static void test_bench(void)
{
	char test[16] = "flush";
	u32 n = (u32)cmdline_u64("samples", 300), wrong = 0;
	u64 *a = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	u64 *b = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	u64 *c = alloc_pages((n * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	struct cpumask m;

	if (!a || !b || !c || !n)
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
				p = flush_tlb_others(&m, TEST_VA, TEST_VA + PAGE_SIZE, NULL);
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
		u32 spins;

		if (smp_nr_online() < 65) {
			report_skip("bench ipi64: needs 65 CPUs");
			return;
		}
		bench_mask(&m, 64);
		for (u32 i = 0; i < n; i++) {
			u64 t0, t1;

			tlb_ipi_hook(false);
			t0 = rdtsc();
			on_cpus(&m, bench_nop, NULL);
			t1 = rdtsc();
			a[i] = t1 - t0;
			tlb_ipi_hook(true);
			t0 = rdtsc();
			on_cpus(&m, bench_nop, NULL);
			t1 = rdtsc();
			tlb_ipi_hook(false);
			c[i] = t1 - t0;
			WRITE_ONCE(bench_acks, 0);
			t0 = rdtsc();
			if (!tlb_path_is_pv(send_ipi_mask(&m, BENCH_VECTOR, NULL)))
				wrong++;
			t1 = rdtsc();
			b[i] = t1 - t0;
			spins = 0;
			while (atomic_load(&bench_acks) < 64 && ++spins < 100000000)
				cpu_relax();
			if (atomic_load(&bench_acks) != 64)
				wrong++;
		}
		report_info("bench ipi64: %u CPUs, 64 targets, %u samples", smp_nr_online(), n);
		bench_print("ipi64_native_acks_ns", a, n);
		bench_print("ipi64_pv_send_ns", b, n);
		bench_print("ipi64_pv_acks_ns", c, n);
		report(!wrong,
		       "bench ipi64: every PV IPI was a hypercall and reached all 64 (%u "
		       "did not)",
		       wrong);
	} else {
		report(false, "unknown bench test=%s", test);
	}
}

static int find_cpus(void)
{
	cpu_a = cpu_of_vp(VP_A);
	cpu_b = cpu_of_vp(VP_B);
	if (cpu_a < 0 || cpu_b < 0) {
		report_skip("needs CPUs with VP index %d and %d (boot at least %d vCPUs)", VP_A,
			    VP_B, VP_B + 1);
		return -1;
	}
	return 0;
}

void ap_main(void)
{
	cpu_job_loop();
}

int main(void)
{
	char mode[16] = "stages";
	int r;

	cmdline_get_str("mode", mode, sizeof(mode));
	iters = (u32)cmdline_u64("iters", 5);
	cpu_job_init();
	r = hv_init();
	if (r) {
		report_skip("no Hyper-V (%d)", r);
		return report_summary();
	}
	tlbflush_init();
	if (!tpage_init(&tp, TEST_VA))
		panic("cannot map the test pages");
	if (!strcmp(mode, "stress"))
		test_stress();
	else if (!strcmp(mode, "bench"))
		test_bench();
	else if (find_cpus() == 0) {
		report_info("readers: CPU %d (VP %d), CPU %d (VP %d); %u CPUs online, %u "
			    "iterations per stage; hypercall page %p",
			    cpu_a, VP_A, cpu_b, VP_B, smp_nr_online(), iters, hv_hypercall_pg);
		if (!strcmp(mode, "stages"))
			test_stages();
		else if (!strcmp(mode, "noflush"))
			test_noflush();
		else if (!strcmp(mode, "fallback"))
			test_fallback();
		else
			report(false, "unknown mode=%s", mode);
	}
	report_info("flush paths: pv %lu, pv-all %lu, pv-ex %lu, native %lu, native-vpinval "
		    "%lu, native-failed %lu",
		    (unsigned long)tlb_stats.flush[TLB_PATH_PV],
		    (unsigned long)tlb_stats.flush[TLB_PATH_PV_ALL],
		    (unsigned long)tlb_stats.flush[TLB_PATH_PV_EX],
		    (unsigned long)tlb_stats.flush[TLB_PATH_NATIVE],
		    (unsigned long)tlb_stats.flush[TLB_PATH_NATIVE_VPINVAL],
		    (unsigned long)tlb_stats.flush[TLB_PATH_NATIVE_FAILED]);
	return report_summary();
}
