// SPDX-License-Identifier: MIT
/*
 * hv_flush.elf: remote TLB flushes through HvCallFlushVirtualAddressSpace/List(+Ex),
 * after KVM's hyperv_tlb_flush selftest (tools/testing/selftests/kvm/x86/hyperv_tlb_flush.c)
 * in spirit.
 *
 * The readers (the CPUs with VP index 2 and 65) read a test page from CPL3 in a loop (on
 * this KVM only CPL3 code sees a stale TLB entry). Each iteration the boot CPU maps the
 * test address to the next of its pages, holding a new value, with a PTE store made at
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
 *                   must take the native path and lose no flush; the same when the
 *                   hypervisor refuses the call (tlb_inject_bad_varhead)
 *   mode=stress seconds=N senders=S   S CPUs flush and send IPIs to random sets of the
 *                   other CPUs for N seconds; every target checks every flush and IPI
 *   mode=bench test=flush|ipi64|flush2 samples=N   timings for bench/20_flush.sh
 *   iters=N         iterations per stage (default 5)
 */
#include "libguest.h"
#include "x86/hv.h"
#include "testlib/tlbtest.h"

#define TEST_VA	       (TEST_VA_BASE + 0x800000)
#define ACK_TIMEOUT_MS 10000
#define JOB_TIMEOUT_MS 30000
#define FLUSH_ALL_VAS  HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES
#define VP_A	       2
#define VP_B	       65

/* What a reader saw, written by it at CPL3. */
struct reader {
	u64 ack;  /* the last generation answered */
	u64 seen; /* the value read after seeing it */
	int exit; /* how the CPL3 loop ended */
} __aligned(64);

static struct tlb_test_page tp;
static struct reader readers[MAX_CPUS];
static u64 go;
static u32 readers_stop;
static int cpu_a = -1, cpu_b = -1;
static u32 iters;

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
		} else if (READ_ONCE(readers[cpu].seen) != TLB_TEST_VALUE(g)) {
			t->stale++;
			t->last_cpu = cpu;
			t->last_seen = READ_ONCE(readers[cpu].seen);
			t->last_want = TLB_TEST_VALUE(g);
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
		u64 g = tlb_test_page_next(&tp), r = stage_call(s, fast);

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
		u64 g = tlb_test_page_next(&tp);
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

/*
 * tlb_mask_next_word (a `repe scasq` over the mask) against a plain loop, from every start
 * index, for masks of 1024 CPUs with set words at the edges and in between.
 */
static void test_mask_scan(void)
{
	static const u64 patterns[][3] = {
		/* { word index, value } pairs, -1 ends; up to one extra word */
		{ 99, 0, 0 },	   { 0, 1, 99 },    { 15, 1ull << 63, 99 }, { 8, 0x10, 99 },
		{ 7, 0x8000, 12 }, { 1, ~0ull, 2 }, { 0, 1ull << 63, 15 },  { 11, 0x5, 99 },
	};
	u64 bits[16];
	u32 bad = 0, checked = 0;

	for (u32 p = 0; p < ARRAY_SIZE(patterns); p++) {
		memset(bits, 0, sizeof(bits));
		if (patterns[p][0] < 16)
			bits[patterns[p][0]] = patterns[p][1];
		if (patterns[p][2] < 16)
			bits[patterns[p][2]] = patterns[p][1] | 2;
		for (u32 start = 0; start <= 16; start++) {
			u32 want = start;

			while (want < 16 && !bits[want])
				want++;
			checked++;
			if (tlb_mask_next_word(bits, start, 16) != want)
				bad++;
		}
		/* A shorter mask stops at its own end. */
		checked++;
		if (tlb_mask_next_word(bits, 0, 1) != (bits[0] ? 0u : 1u))
			bad++;
	}
	report(!bad, "mask scan: %u of %u next-word lookups wrong", bad, checked);
}

static void test_stages(void)
{
	bool xmm = hv_feature_edx(HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE);

	test_mask_scan();

	readers_start();
	for (int i = 0; i < 10; i++)
		run_stage(&stages[i], i + 1, false);
	for (int i = 0; i < 10; i++) {
		if (xmm)
			run_stage(&stages[i], i + 1, true);
		else
			report_skip("xmm", "fast stage %d %s: no XMM fast input offered", i + 1,
				    stages[i].name);
	}
	if (!tlbflush_pv_available() || !tlbflush_ex_available()) {
		report_skip("pv-flush", "flush_tlb_others: PV flush or Ex masks not recommended");
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
		u64 g = tlb_test_page_next(&tp);

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

/* A target whose VP index is unknown (a CPU coming online): native path. */
static void test_fallback(void)
{
	u32 saved = hv_vp_index[cpu_b];
	struct tally t = { 0 }, tpv = { 0 }, tb = { 0 }, tf = { 0 };
	struct cpumask both, one, one_b;
	struct tlb_result res;
	u32 wrong = 0, pv = 0, nat = 0, failed = 0;
	enum tlb_path g_path;

	stage_mask(SET_BOTH, &both);
	stage_mask(SET_A, &one);
	readers_start();
	/* What Linux's table holds while that CPU is still coming online. */
	WRITE_ONCE(hv_vp_index[cpu_b], VP_INVAL);
	tlb_stats_reset();
	for (u32 i = 0; i < iters; i++) {
		u64 g = tlb_test_page_next(&tp);

		if (flush_tlb_others(&both, TEST_VA, TEST_VA + PAGE_SIZE, &res) !=
		    TLB_PATH_NATIVE_VPINVAL)
			wrong++;
		check_readers(g, &both, &t);
		g = tlb_test_page_next(&tp);
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
		u64 g = tlb_test_page_next(&tp);

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
	/* A refused hypercall: the library must fall back, and no flush may be lost. */
	for (u32 i = 0; i < iters; i++) {
		u64 g = tlb_test_page_next(&tp);

		tlb_inject_bad_varhead(1);
		if (flush_tlb_others(&both, TEST_VA, TEST_VA + PAGE_SIZE, &res) ==
			TLB_PATH_NATIVE_FAILED &&
		    res.status == HV_STATUS_INVALID_HYPERCALL_INPUT)
			failed++;
		check_readers(g, &both, &tf);
	}
	tlb_inject_bad_varhead(0);
	report(failed == iters && !tf.stale && !tf.timeouts,
	       "Ex flush refused (varhead one too long): %u/%u went native after status 3, %u "
	       "stale, %u timeouts",
	       failed, iters, tf.stale, tf.timeouts);
	g_path = flush_tlb_others(&both, TEST_VA, TEST_VA + PAGE_SIZE, &res);
	report(g_path == TLB_PATH_PV_EX && res.status == HV_STATUS_SUCCESS,
	       "VP 65 known again: {2,65} uses the Ex hypercall (%s)", tlb_path_name(g_path));
	readers_stop_all();
}

static int find_cpus(void)
{
	cpu_a = cpu_of_vp(VP_A);
	cpu_b = cpu_of_vp(VP_B);
	if (cpu_a < 0 || cpu_b < 0) {
		report_skip("vp", "needs CPUs with VP index %d and %d (boot at least %d vCPUs)",
			    VP_A, VP_B, VP_B + 1);
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
		report_skip("hv", "no Hyper-V (%d)", r);
		return report_summary();
	}
	tlbflush_init();
	if (!tlb_test_page_init(&tp, TEST_VA))
		panic("cannot map the test pages");
	if (!strcmp(mode, "stress"))
		tlb_test_stress();
	else if (!strcmp(mode, "bench"))
		tlb_test_bench(TEST_VA);
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
	tlb_paths_report("flush", tlb_stats.flush);
	return report_summary();
}
