// SPDX-License-Identifier: MIT
/*
 * The TLB flush hypercalls: the 10 encodings of the KVM selftest hyperv_tlb_flush (linux:
 * tools/testing/selftests/kvm/x86/hyperv_tlb_flush.c), memory and XMM fast, with workers at
 * VP indexes 2 and 65 (banks 0 and 1), checking the exact target set handed to
 * ops->flush_tlb; KVM's special results; GVA list validation; failures.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hv/hcall.h"
#include "hv_mock.h"

#define RAM_SIZE (32 * 1024)
#define IN_GPA	 0x2000ull

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp0;
};

static void env_init(struct env *e, const char *features)
{
	e->m = hvmock_new(RAM_SIZE);
	e->vp0 = hvmock_guest_ready(e->m, features, 128, &e->part);
	CHECK(e->vp0 != NULL);
	CHECK(hvmock_vp(e->part, 2) != NULL);
	CHECK(hvmock_vp(e->part, 65) != NULL);
}

static void env_fini(struct env *e)
{
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

/* One flush request, laid out as the selftest does. */
struct flush_req {
	uint16_t code;
	uint64_t flags;
	uint64_t mask;	      /* non-Ex */
	uint64_t format, vbm; /* Ex */
	uint64_t banks[2];
	unsigned nbanks;
	uint64_t gva[2];
	unsigned ngva;
};

static bool is_ex(uint16_t code)
{
	return code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX ||
	       code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
}

/* Builds the input block (the same bytes for memory and fast) and issues the call. */
static uint64_t do_flush(struct env *e, const struct flush_req *r, bool fast)
{
	uint64_t blk[14] = { 0 };
	unsigned n = 0;
	uint64_t ctl;

	blk[n++] = 0; /* address space */
	blk[n++] = r->flags;
	if (is_ex(r->code)) {
		blk[n++] = r->format;
		blk[n++] = r->vbm;
		for (unsigned i = 0; i < r->nbanks; i++)
			blk[n++] = r->banks[i];
	} else {
		blk[n++] = r->mask;
	}
	for (unsigned i = 0; i < r->ngva; i++)
		blk[n++] = r->gva[i];
	ctl = hvmock_control(r->code, fast, is_ex(r->code) ? r->nbanks : 0, r->ngva, 0);
	if (fast) {
		memset(e->m->xmm, 0xee, sizeof(e->m->xmm)); /* unused halves are garbage */
		memcpy(e->m->xmm, &blk[2], (n - 2) * sizeof(uint64_t));
		return hvmock_hcall(e->vp0, ctl, blk[0], blk[1], NULL);
	}
	memset(hvmock_gpa(e->m, IN_GPA), 0xee, 4096);
	memcpy(hvmock_gpa(e->m, IN_GPA), blk, n * sizeof(uint64_t));
	return hvmock_hcall(e->vp0, ctl, IN_GPA, IN_GPA + 4096, NULL);
}

#define B(n)  (1ull << (n))
#define F_AVS HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES
#define GVA   0x7f0000001000ull

static const struct {
	const char *name;
	struct flush_req req;
	bool all;
	uint64_t lo, hi; /* expected banks 0 and 1 */
} stages[] = {
	{ "1 space {2}",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, F_AVS, .mask = B(2) },
	  false,
	  B(2),
	  0 },
	{ "2 list {2}",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, F_AVS, .mask = B(2), .gva = { GVA }, .ngva = 1 },
	  false,
	  B(2),
	  0 },
	{ "3 space all",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, F_AVS | HV_FLUSH_ALL_PROCESSORS, .mask = 0 },
	  true,
	  0,
	  0 },
	{ "4 list all",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, F_AVS | HV_FLUSH_ALL_PROCESSORS, .gva = { GVA },
	    .ngva = 1 },
	  true,
	  0,
	  0 },
	{ "5 space ex {65}",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, F_AVS, .vbm = B(1), .banks = { B(1) },
	    .nbanks = 1 },
	  false,
	  0,
	  B(1) },
	{ "6 list ex {65}",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, F_AVS, .vbm = B(1), .banks = { B(1) },
	    .nbanks = 1, .gva = { GVA }, .ngva = 1 },
	  false,
	  0,
	  B(1) },
	{ "7 space ex {2,65}",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, F_AVS, .vbm = 3, .banks = { B(2), B(1) },
	    .nbanks = 2 },
	  false,
	  B(2),
	  B(1) },
	{ "8 list ex {2,65}",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, F_AVS, .vbm = 3, .banks = { B(2), B(1) },
	    .nbanks = 2, .gva = { GVA }, .ngva = 1 },
	  false,
	  B(2),
	  B(1) },
	{ "9 space ex SET_ALL",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, F_AVS, .format = HV_GENERIC_SET_ALL },
	  true,
	  0,
	  0 },
	{ "10 list ex SET_ALL",
	  { HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, F_AVS, .format = HV_GENERIC_SET_ALL,
	    .gva = { GVA }, .ngva = 1 },
	  true,
	  0,
	  0 },
};

static void test_selftest_stages(void)
{
	struct env e;

	env_init(&e, "all");
	for (int fast = 0; fast <= 1; fast++) {
		for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
			unsigned before = e.m->flushes;
			uint64_t rax = do_flush(&e, &stages[i].req, fast);

			CHECK_MSG(rax == ((uint64_t)stages[i].req.ngva << 32), "%s %s: rax 0x%llx",
				  fast ? "fast" : "slow", stages[i].name, (unsigned long long)rax);
			CHECK_MSG(e.m->flushes == before + 1, "%s %s: flushes %u",
				  fast ? "fast" : "slow", stages[i].name, e.m->flushes - before);
			CHECK_MSG(e.m->last_flush.all == stages[i].all, "%s %s: all",
				  fast ? "fast" : "slow", stages[i].name);
			if (!stages[i].all) {
				CHECK_MSG(e.m->last_flush.bank[0] == stages[i].lo &&
					      e.m->last_flush.bank[1] == stages[i].hi &&
					      hv_vpset_count(&e.m->last_flush, 4096) ==
						  (unsigned)__builtin_popcountll(stages[i].lo) +
						      (unsigned)__builtin_popcountll(stages[i].hi),
					  "%s %s: targets %llx:%llx", fast ? "fast" : "slow",
					  stages[i].name,
					  (unsigned long long)e.m->last_flush.bank[1],
					  (unsigned long long)e.m->last_flush.bank[0]);
			}
			CHECK_EQ(e.m->last_flush_caller, 0);
		}
	}
	env_fini(&e);
}

static void test_kvm_special_results(void)
{
	struct env e;
	struct flush_req r;
	unsigned before;

	env_init(&e, "all");
	/* All-zero input: processor_mask 0 is "all processors" (KVM's WS2012 workaround). */
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE;
	CHECK_EQ(do_flush(&e, &r, false), HV_STATUS_SUCCESS);
	CHECK(e.m->last_flush.all);

	/* Ex sparse with no banks: success, nobody flushed, the GVA list is not read. */
	before = e.m->flushes;
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX;
	CHECK_EQ(do_flush(&e, &r, false), HV_STATUS_SUCCESS);
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(r.code, false, 0, 3, 0), 0x1000 - 32, 0, NULL),
		 3ull << 32); /* the list would cross the page: not looked at */
	CHECK_EQ(e.m->flushes, before);

	/* SET_ALL with banks present: accepted, GVA list after the banks (KVM). */
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
	r.format = HV_GENERIC_SET_ALL;
	r.vbm = 1;
	r.banks[0] = 0xdeadbeef;
	r.nbanks = 1;
	r.gva[0] = 0x5000 | 7;
	r.ngva = 1;
	CHECK_EQ(do_flush(&e, &r, true), 1ull << 32);
	CHECK(e.m->last_flush.all);

	/* Any format other than SPARSE_4K means all (flush; IPI differs, see test_hv_ipi). */
	r.format = 7;
	CHECK_EQ(do_flush(&e, &r, false), 1ull << 32);
	CHECK(e.m->last_flush.all);

	/* Banks beyond max_vps (128) are read but dropped: here nothing is left. */
	before = e.m->flushes;
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX;
	r.vbm = B(5);
	r.banks[0] = ~0ull;
	r.nbanks = 1;
	CHECK_EQ(do_flush(&e, &r, false), HV_STATUS_SUCCESS);
	CHECK_EQ(e.m->flushes, before);
	/* Banks 1 and 5: bank 1 (VPs 65 and 127) survives, bank 5 is dropped. */
	r.vbm = B(1) | B(5);
	r.banks[0] = B(1) | B(63);
	r.banks[1] = ~0ull;
	r.nbanks = 2;
	CHECK_EQ(do_flush(&e, &r, false), HV_STATUS_SUCCESS);
	CHECK_EQ(e.m->last_flush.bank[1], B(1) | B(63));
	CHECK_EQ(e.m->last_flush.bank[5], 0);

	/* Reserved flags and NON_GLOBAL on a list are ignored, as KVM does. */
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST;
	r.flags = HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY | B(40);
	r.mask = B(0);
	r.gva[0] = GVA;
	r.ngva = 1;
	CHECK_EQ(do_flush(&e, &r, false), 1ull << 32);
	CHECK_EQ(e.m->last_flush.bank[0], B(0)); /* the caller itself */

	/* A mask naming only VPs beyond max_vps of a small partition. */
	env_fini(&e);
	e.m = hvmock_new(RAM_SIZE);
	e.vp0 = hvmock_guest_ready(e.m, "all", 4, &e.part);
	CHECK(e.vp0 != NULL);
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE;
	r.mask = B(10);
	CHECK_EQ(do_flush(&e, &r, false), HV_STATUS_SUCCESS);
	CHECK_EQ(e.m->flushes, 0);
	env_fini(&e);
}

static void test_gva_lists(void)
{
	struct env e;
	uint64_t *in;

	env_init(&e, "all");
	in = hvmock_gpa(e.m, IN_GPA);
	memset(in, 0, 4096);
	in[1] = HV_FLUSH_ALL_PROCESSORS;
	in[3] = 0x10000 | 0xFFF; /* 4096 pages */
	in[4] = 0x5000;		 /* 1 page */
	in[5] = 0x8003;		 /* 4 pages */
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 3, 0),
			      IN_GPA, 0, NULL),
		 3ull << 32);
	CHECK_EQ(hvmock_pstat(e.part, "flush_gva_ranges"), 3);
	CHECK_EQ(hvmock_pstat(e.part, "flush_gva_pages"), 4101);

	/* Fast: 11 GVAs fill XMM0.hi..XMM5.hi; a 12th does not fit. */
	memset(e.m->xmm, 0, sizeof(e.m->xmm));
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 1, 0, 11, 0),
			      0, HV_FLUSH_ALL_PROCESSORS, NULL),
		 11ull << 32);
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 1, 0, 12, 0),
			      0, HV_FLUSH_ALL_PROCESSORS, NULL),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* More than KVM's 15-entry FIFO in a fast call: validated, so rejected here. */
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 1, 0, 16, 0),
			      0, HV_FLUSH_ALL_PROCESSORS, NULL),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* Memory: 509 entries fill the page after the header (Linux's max_gvas). */
	CHECK_EQ(hvmock_hcall(e.vp0,
			      hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 509, 0),
			      IN_GPA, 0, NULL),
		 509ull << 32);
	CHECK_EQ(hvmock_hcall(e.vp0,
			      hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 510, 0),
			      IN_GPA, 0, NULL),
		 HV_STATUS_INVALID_ALIGNMENT);
	/* The list in a page that is not RAM. */
	e.m->hole_start = IN_GPA + 2048;
	e.m->hole_end = IN_GPA + 4096;
	CHECK_EQ(hvmock_hcall(e.vp0,
			      hvmock_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 400, 0),
			      IN_GPA, 0, NULL),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	env_fini(&e);
}

static void test_flush_failure_and_stats(void)
{
	struct env e;
	struct flush_req r;

	env_init(&e, "all");
	memset(&r, 0, sizeof(r));
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
	r.vbm = 3;
	r.banks[0] = B(2);
	r.banks[1] = B(1);
	r.nbanks = 2;
	r.gva[0] = GVA;
	r.ngva = 1;
	e.m->flush_ret = -ETIMEDOUT;
	CHECK_EQ(do_flush(&e, &r, false), HV_STATUS_TIME_OUT); /* reps completed 0 */
	CHECK_EQ(hvmock_pstat(e.part, "flush_errors"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "hcall_status_time_out"), 1);
	e.m->flush_ret = 0;
	CHECK_EQ(do_flush(&e, &r, true), 1ull << 32);
	CHECK_EQ(hvmock_pstat(e.part, "hcalls_flush_list_ex"), 2);
	CHECK_EQ(hvmock_pstat(e.part, "flush_fast"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "flush_slow"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "flush_targets"), 2);
	r.code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE;
	r.mask = B(0) | B(2);
	r.ngva = 0;
	CHECK_EQ(do_flush(&e, &r, false), 0);
	CHECK_EQ(hvmock_pstat(e.part, "hcalls_flush_space"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "flush_targets"), 4);
	env_fini(&e);
}

int main(void)
{
	RUN(test_selftest_stages);
	RUN(test_kvm_special_results);
	RUN(test_gva_lists);
	RUN(test_flush_failure_and_stats);
	return t_done();
}
