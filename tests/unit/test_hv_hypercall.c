// SPDX-License-Identifier: MIT
/*
 * The hypercall dispatcher: every generic check and its status in KVM's order (one table
 * of cases), the KVM selftest hyperv_features hypercall stages, the 32-bit convention,
 * XMM fast input, rep continuation with a synthetic rep row, and the disabled state.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hv/hcall.h"
#include "hv_mock.h"

#define RAM_SIZE (64 * 1024)
#define IN_GPA	 0x1000ull
#define OUT_GPA	 0x2000ull
#define HOLE	 0x8000ull /* [0x8000, 0x9000) is not RAM */

enum expect_kind {
	X_STATUS,
	X_UD
};

struct hc_case {
	const char *name;
	const char *features;
	/* 0x40000004.EAX bits taken out of what the features offer (KVM's stages add the
	 * CPUID bits one at a time, which --hv names cannot express). */
	uint32_t enlight_eax_clear;
	bool is_32bit, real_mode;
	unsigned cpl;
	uint64_t control, ingpa, outgpa;
	uint64_t mem[6]; /* at IN_GPA */
	uint64_t xmm[12];
	enum expect_kind expect;
	uint16_t status;
	uint16_t reps;
};

#define C(code, fast, var, rep, idx) hvmock_control(code, fast, var, rep, idx)
#define ALL			     "all"
/* Everything but the SynIC, whose hypercalls are then ACCESS_DENIED. */
#define NO_SYNIC "vpindex,runtime,time,frequencies,vapic,tlbflush,ipi,reset,crash,xmm-input"

static const struct hc_case cases[] = {
	/* 1. TLFS "Legal Hypercall Environments" */
	{ "cpl3 takes #UD", ALL, .cpl = 3, .control = C(0xbeef, 0, 0, 0, 0), .expect = X_UD },
	{ "real mode takes #UD", ALL, .real_mode = true, .control = C(0xbeef, 0, 0, 0, 0),
	  .expect = X_UD },
	/*
	 * KVM selftest hyperv_features hypercall stages 0-20 (linux:
	 * tools/testing/selftests/kvm/x86/hyperv_features.c), each named "stageN <call>,
	 * <what is offered>: <result>". Stages 6, 7 and 20 need features hvemu does not
	 * offer (SynDbg, EBX b20).
	 */
	{ "stage0 unknown code: invalid code", "vpindex", .control = C(0xbeef, 0, 0, 0, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_CODE },
	{ "stage1 post message, not offered: access denied", NO_SYNIC,
	  .control = C(HVCALL_POST_MESSAGE, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "stage3 signal event, not offered: access denied", NO_SYNIC,
	  .control = C(HVCALL_SIGNAL_EVENT, 1, 0, 0, 0), .status = HV_STATUS_ACCESS_DENIED },
	/* With the SynIC (stages 2 and 4 cannot happen: it is always active then). */
	{ "post message, no connection: invalid connection id", ALL,
	  .control = C(HVCALL_POST_MESSAGE, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_CONNECTION_ID },
	{ "signal event, no connection: invalid connection id", ALL,
	  .control = C(HVCALL_SIGNAL_EVENT, 1, 0, 0, 0),
	  .status = HV_STATUS_INVALID_CONNECTION_ID },
	{ "stage5 reset debug session, syndbg off: invalid code", ALL,
	  .control = C(HVCALL_RESET_DEBUG_SESSION, 0, 0, 0, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_CODE },
	{ "stage8 flush space, no remote flush: access denied", "vpindex,ipi",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "stage9 flush space, remote flush: all-zero input succeeds", "vpindex,tlbflush",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_SUCCESS },
	{ "stage10 flush space ex, remote flush without Ex masks: access denied",
	  "vpindex,tlbflush", .enlight_eax_clear = HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "flush space ex, Ex masks (from ipi) without remote flush: access denied", "vpindex,ipi",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "stage11 flush space ex, remote flush and Ex masks: zero input succeeds",
	  "vpindex,tlbflush", .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0, 0, 0),
	  .ingpa = IN_GPA, .status = HV_STATUS_SUCCESS },
	{ "stage12 send ipi, no cluster ipi: access denied", "vpindex,tlbflush",
	  .control = C(HVCALL_SEND_IPI, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "stage13 send ipi, cluster ipi: vector 0 is invalid input", "vpindex,ipi",
	  .control = C(HVCALL_SEND_IPI, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "stage14 send ipi ex: empty sparse set succeeds", "vpindex,ipi",
	  .control = C(HVCALL_SEND_IPI_EX, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_SUCCESS },
	{ "stage15 long spin wait, spinlocks off: access denied", "vpindex",
	  .control = C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 0, 0, 0),
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "long spin wait, spinlocks never notify: access denied", "vpindex,spinlocks=0xffffffff",
	  .control = C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 0, 0, 0),
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "stage16 long spin wait, spinlocks=1: succeeds", "vpindex,spinlocks=1",
	  .control = C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 0, 0, 0), .status = HV_STATUS_SUCCESS },
	{ "stage17 xmm fast flush without xmm-input: #UD", "vpindex,tlbflush",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 1, 0, 0, 0), .expect = X_UD },
	{ "stage18 xmm fast flush with xmm-input: succeeds", "vpindex,tlbflush,xmm-input",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 1, 0, 0, 0),
	  .status = HV_STATUS_SUCCESS },
	{ "stage19 extended call, not offered: access denied", ALL,
	  .control = C(HV_EXT_CALL_QUERY_CAPABILITIES, 0, 0, 0, 0),
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "last extended call", ALL, .control = C(HV_EXT_CALL_LAST, 1, 0, 0, 0),
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "after the extended range", ALL, .control = C(HV_EXT_CALL_LAST + 1, 0, 0, 0, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_CODE },

	/* Order: access check, then reserved bits, then XMM #UD, then the code. */
	{ "access before reserved", "vpindex",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 1, 0, 0, 0) | (1ull << 31),
	  .status = HV_STATUS_ACCESS_DENIED },
	{ "reserved bit 27", ALL, .control = C(HVCALL_SEND_IPI, 1, 0, 0, 0) | (1ull << 27),
	  .ingpa = 0x20, .outgpa = 1, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "reserved bit 31 (nested)", ALL, .control = C(0xbeef, 0, 0, 0, 0) | (1ull << 31),
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "reserved bit 44", ALL, .control = C(HVCALL_SEND_IPI, 1, 0, 0, 0) | (1ull << 44),
	  .ingpa = 0x20, .outgpa = 1, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "reserved bit 63", ALL, .control = C(HVCALL_SEND_IPI, 1, 0, 0, 0) | (1ull << 63),
	  .ingpa = 0x20, .outgpa = 1, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "reserved before xmm #UD", "vpindex,tlbflush",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 1, 0, 0, 0) | (1ull << 60),
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "xmm #UD before varhead check", "vpindex,tlbflush",
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 1, 3, 0, 0), .expect = X_UD },
	{ "fast non-xmm ipi needs no xmm-input", "vpindex,ipi",
	  .control = C(HVCALL_SEND_IPI, 1, 0, 0, 0), .ingpa = 0x20, .outgpa = 1,
	  .status = HV_STATUS_SUCCESS },

	/* Per-call control-word checks (TLFS "Hypercall Inputs", KVM's per-call cases). */
	{ "varhead on a non-Ex flush", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 1, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "varhead on send ipi", ALL, .control = C(HVCALL_SEND_IPI, 1, 1, 0, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "varhead on spin wait", ALL, .control = C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 1, 0, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep count on a simple call", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 1, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep start on a simple call", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0, 0, 1), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep count on send ipi ex", ALL, .control = C(HVCALL_SEND_IPI_EX, 0, 0, 2, 0),
	  .ingpa = IN_GPA, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "rep count on spin wait", ALL, .control = C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 0, 1, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "list with rep count 0", ALL, .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 0, 0),
	  .ingpa = IN_GPA, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "list with a rep start (KVM)", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 2, 1), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "list ex with rep count 0", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "list with varhead", ALL, .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 1, 1, 0),
	  .ingpa = IN_GPA, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "fast post debug data", ALL, .control = C(HVCALL_POST_DEBUG_DATA, 1, 0, 0, 0),
	  .status = HV_STATUS_INVALID_PARAMETER },
	{ "fast retrieve debug data", ALL, .control = C(HVCALL_RETRIEVE_DEBUG_DATA, 1, 0, 0, 0),
	  .status = HV_STATUS_INVALID_PARAMETER },
	{ "debug call ignores var/rep (KVM)", ALL, .control = C(HVCALL_POST_DEBUG_DATA, 0, 5, 3, 1),
	  .ingpa = 3, .status = HV_STATUS_INVALID_HYPERCALL_CODE },

	/* Memory input (TLFS "Alignment Requirements", "Hypercall Status Codes"). */
	{ "unaligned input gpa", ALL, .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 0, 0),
	  .ingpa = IN_GPA + 4, .status = HV_STATUS_INVALID_ALIGNMENT },
	{ "input crossing a page", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 0, 0), .ingpa = IN_GPA + 4080,
	  .status = HV_STATUS_INVALID_ALIGNMENT },
	{ "input ending at the page end", ALL, .control = C(HVCALL_SEND_IPI, 0, 0, 0, 0),
	  .ingpa = IN_GPA + 4080, .status = HV_STATUS_INVALID_HYPERCALL_INPUT /* zero vector */ },
	{ "input beyond RAM", ALL, .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 0, 0),
	  .ingpa = RAM_SIZE, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "input at 2^64 - 8", ALL, .control = C(HVCALL_SEND_IPI, 0, 0, 0, 0), .ingpa = ~7ull,
	  .status = HV_STATUS_INVALID_ALIGNMENT },
	{ "input in an MMIO hole", ALL, .control = C(HVCALL_SEND_IPI_EX, 0, 0, 0, 0),
	  .ingpa = HOLE + 8, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "spin wait does not read its input", ALL,
	  .control = C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 0, 0, 0), .ingpa = 3,
	  .status = HV_STATUS_SUCCESS },
	{ "output gpa ignored", ALL, .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0, 0, 0),
	  .ingpa = IN_GPA, .outgpa = 5, .status = HV_STATUS_SUCCESS },

	/* Call-specific KVM results. */
	{ "fast ipi with RDX[63:32] set", ALL, .control = C(HVCALL_SEND_IPI, 1, 0, 0, 0),
	  .ingpa = (1ull << 32) | 0x20, .outgpa = 1, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "ex flush: varhead != popcount", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 1, 0, 0), .ingpa = IN_GPA,
	  .mem = { 0, 0, 0, 0x3 }, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "ex flush SET_ALL: varhead != popcount", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0, 0, 0), .ingpa = IN_GPA,
	  .mem = { 0, 0, HV_GENERIC_SET_ALL, 0x1 }, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "ipi ex: varhead != popcount", ALL, .control = C(HVCALL_SEND_IPI_EX, 0, 2, 0, 0),
	  .ingpa = IN_GPA, .mem = { 0xfe, 0, 0x1 }, .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "list returns reps = count", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 3, 0), .ingpa = IN_GPA,
	  .mem = { 0, HV_FLUSH_ALL_PROCESSORS, 0, 0x1000, 0x2000, 0x3005 },
	  .status = HV_STATUS_SUCCESS, .reps = 3 },
	{ "ex list: gva list crossing the page", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 0, 1, 600, 0), .ingpa = IN_GPA,
	  .mem = { 0, 0, 0, 1, 4 }, .status = HV_STATUS_INVALID_ALIGNMENT },
	{ "ex list: 507 ranges fill the page", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 0, 1, 507, 0), .ingpa = IN_GPA,
	  .mem = { 0, 0, 0, 1, 4 }, .status = HV_STATUS_SUCCESS, .reps = 507 },
	{ "fast ex flush: banks beyond XMM5", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 1, 11, 0, 0), .xmm = { 0, 0x7ff },
	  .status = HV_STATUS_INVALID_HYPERCALL_INPUT },
	{ "fast ex flush: 10 banks fill XMM5", ALL,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 1, 10, 0, 0), .xmm = { 0, 0x3ff, 4 },
	  .status = HV_STATUS_SUCCESS },

	/* 32-bit convention: EDX:EAX control, EBX:ECX input GPA, result EDX:EAX. */
	{ "32-bit flush list", ALL, .is_32bit = true,
	  .control = C(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, 0, 2, 0), .ingpa = IN_GPA,
	  .mem = { 0, HV_FLUSH_ALL_PROCESSORS, 0, 0x1000, 0x2000 }, .status = HV_STATUS_SUCCESS,
	  .reps = 2 },
	{ "32-bit unknown code", ALL, .is_32bit = true, .control = C(0x1234, 0, 0, 0, 0),
	  .status = HV_STATUS_INVALID_HYPERCALL_CODE },
};

static void run_case(const struct hc_case *c)
{
	struct hvmock *m = hvmock_new(RAM_SIZE);
	struct hv_cpu_mode mode = { .protected_mode = !c->real_mode,
				    .is_64bit = !c->is_32bit,
				    .cpl = c->cpl };
	struct hv_regs regs = { 0 };
	struct hv_partition *part;
	enum hv_hcall_outcome o;
	struct hv_vp *vp;
	uint64_t result;

	CHECK(m != NULL);
	if (!m)
		return;
	m->hole_start = HOLE;
	m->hole_end = HOLE + 0x1000;
	vp = hvmock_guest_ready(m, c->features, 128, &part);
	CHECK(vp != NULL);
	if (!vp)
		goto free;
	part->cpuid.enlight_eax &= ~c->enlight_eax_clear;
	CHECK(hvmock_vp(part, 2) && hvmock_vp(part, 65));
	memcpy(hvmock_gpa(m, IN_GPA), c->mem, sizeof(c->mem));
	memcpy(m->xmm, c->xmm, sizeof(c->xmm));

	if (c->is_32bit) {
		regs.rdx = c->control >> 32;
		regs.rax = c->control & 0xFFFFFFFF;
		regs.rbx = c->ingpa >> 32;
		regs.rcx = c->ingpa & 0xFFFFFFFF;
		regs.rdi = c->outgpa >> 32;
		regs.rsi = c->outgpa & 0xFFFFFFFF;
	} else {
		regs.rcx = c->control;
		regs.rdx = c->ingpa;
		regs.r8 = c->outgpa;
		regs.rax = 0x5a5a5a5a5a5a5a5aull;
	}
	o = hv_hypercall(vp, &mode, &regs);
	if (c->expect == X_UD) {
		CHECK_MSG(o == HV_HCALL_INJECT_UD, "%s: outcome %d, want #UD", c->name, o);
		CHECK_MSG(regs.dirty == 0, "%s: #UD must not touch registers", c->name);
		goto out;
	}
	CHECK_MSG(o == HV_HCALL_DONE, "%s: outcome %d", c->name, o);
	if (c->is_32bit) {
		CHECK_MSG(regs.dirty == (HV_REG_DIRTY_RAX | HV_REG_DIRTY_RDX), "%s: dirty 0x%x",
			  c->name, regs.dirty);
		CHECK_MSG(regs.rax <= 0xFFFFFFFF && regs.rdx <= 0xFFFFFFFF, "%s: 32-bit halves",
			  c->name);
		result = regs.rdx << 32 | regs.rax;
	} else {
		CHECK_MSG(regs.dirty == HV_REG_DIRTY_RAX, "%s: dirty 0x%x", c->name, regs.dirty);
		result = regs.rax;
	}
	CHECK_MSG((result & 0xFFFF) == c->status, "%s: status 0x%llx, want 0x%x", c->name,
		  (unsigned long long)(result & 0xFFFF), c->status);
	CHECK_MSG(((result >> 32) & 0xFFF) == c->reps, "%s: reps %llu, want %u", c->name,
		  (unsigned long long)((result >> 32) & 0xFFF), c->reps);
	CHECK_MSG((result & ~0xFFF0000FFFFull) == 0, "%s: reserved result bits set", c->name);
out:
	hv_partition_destroy(part);
free:
	hvmock_free(m);
}

static void test_dispatch_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* --- a synthetic rep call: the generic rep-start continuation ----------------------- */

static unsigned rep_calls;
static uint64_t rep_sum;

/* Adds up its elements, at most 3 per call; element value 0xdead fails the call. */
static int hc_rep_sum(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req)
{
	unsigned done = 0;

	(void)vp;
	rep_calls++;
	while (hc->reps_done < hc->rep_cnt && done < 3) {
		/* req->reps holds the elements from the rep start index on. */
		uint64_t e = req->reps[hc->reps_done - hc->rep_idx];

		if (e == 0xdead)
			return HV_STATUS_INVALID_PARAMETER;
		rep_sum += e;
		hc->reps_done++;
		done++;
	}
	return HV_STATUS_SUCCESS;
}

static const struct hv_hc_row rep_rows[] = {
	{ .code = 0x7001,
	  .name = "test_rep_sum",
	  .kind = HV_HC_REP,
	  .input = HV_HC_IN_MEM,
	  .gate = HV_GATE_ALWAYS,
	  .in_size = 8,
	  .handler = hc_rep_sum },
	{ .code = 0x7002,
	  .name = "test_gated",
	  .kind = HV_HC_SIMPLE,
	  .input = HV_HC_IN_MEM | HV_HC_IN_FAST,
	  .gate = HV_GATE_IPI,
	  .handler = hc_rep_sum },
};

static void test_rep_continuation(void)
{
	struct hvmock *m = hvmock_new(RAM_SIZE);
	struct hv_cpu_mode mode64 = { .protected_mode = true, .is_64bit = true };
	struct hv_cpu_mode mode32 = { .protected_mode = true, .is_64bit = false };
	struct hv_partition *part;
	uint64_t *in = hvmock_gpa(m, IN_GPA);
	struct hv_regs regs;
	struct hv_vp *vp;
	uint64_t ctl;

	vp = hvmock_guest_ready(m, "vpindex", 4, &part);
	CHECK(vp != NULL);
	for (int i = 0; i < 10; i++)
		in[1 + i] = (uint64_t)i + 1; /* elements 1..10 */

	/* TLFS example: start 5, count 10 -> reps completed reported as the total. */
	rep_sum = 0;
	rep_calls = 0;
	ctl = hvmock_control(0x7001, false, 0, 10, 5);
	memset(&regs, 0, sizeof(regs));
	regs.rcx = ctl;
	regs.rdx = IN_GPA;
	CHECK_EQ(hv_hypercall_dispatch(vp, &mode64, &regs, rep_rows, 2), HV_HCALL_DONE);
	CHECK_EQ(regs.rax & 0xFFFF, HV_STATUS_SUCCESS);
	CHECK_EQ((regs.rax >> 32) & 0xFFF, 8); /* 5 + 3 done */
	CHECK_EQ(regs.dirty, HV_REG_DIRTY_RAX | HV_REG_DIRTY_RCX);
	CHECK_EQ(regs.rcx, hvmock_control(0x7001, false, 0, 10, 8));
	CHECK_EQ(rep_sum, 6 + 7 + 8);
	/* Re-issuing RCX continues where it stopped. */
	regs.dirty = 0;
	CHECK_EQ(hv_hypercall_dispatch(vp, &mode64, &regs, rep_rows, 2), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, HV_STATUS_SUCCESS | (10ull << 32));
	CHECK_EQ(regs.dirty, HV_REG_DIRTY_RAX); /* done: RCX left alone */
	CHECK_EQ(rep_sum, 6 + 7 + 8 + 9 + 10);
	CHECK_EQ(rep_calls, 2);

	/* An error reports the reps completed before it. */
	in[1 + 4] = 0xdead;
	memset(&regs, 0, sizeof(regs));
	regs.rcx = hvmock_control(0x7001, false, 0, 10, 3);
	regs.rdx = IN_GPA;
	hv_hypercall_dispatch(vp, &mode64, &regs, rep_rows, 2);
	CHECK_EQ(regs.rax, HV_STATUS_INVALID_PARAMETER | (4ull << 32));
	CHECK_EQ(regs.dirty, HV_REG_DIRTY_RAX);
	in[1 + 4] = 5;

	/* Start index not below the count. */
	memset(&regs, 0, sizeof(regs));
	regs.rcx = hvmock_control(0x7001, false, 0, 4, 4);
	regs.rdx = IN_GPA;
	rep_calls = 0;
	hv_hypercall_dispatch(vp, &mode64, &regs, rep_rows, 2);
	CHECK_EQ(regs.rax, HV_STATUS_INVALID_HYPERCALL_INPUT);
	CHECK_EQ(rep_calls, 0);

	/* Fast on a memory-only row. */
	memset(&regs, 0, sizeof(regs));
	regs.rcx = hvmock_control(0x7001, true, 0, 4, 0);
	hv_hypercall_dispatch(vp, &mode64, &regs, rep_rows, 2);
	CHECK_EQ(regs.rax, HV_STATUS_INVALID_PARAMETER);

	/* A row's gate: this partition offers no IPI. */
	memset(&regs, 0, sizeof(regs));
	regs.rcx = hvmock_control(0x7002, true, 0, 0, 0);
	hv_hypercall_dispatch(vp, &mode64, &regs, rep_rows, 2);
	CHECK_EQ(regs.rax, HV_STATUS_ACCESS_DENIED);

	/* 32-bit: the result in EDX:EAX; no register left for the start index. */
	memset(&regs, 0, sizeof(regs));
	ctl = hvmock_control(0x7001, false, 0, 7, 0);
	regs.rdx = ctl >> 32;
	regs.rax = ctl & 0xFFFFFFFF;
	regs.rcx = IN_GPA;
	rep_sum = 0;
	hv_hypercall_dispatch(vp, &mode32, &regs, rep_rows, 2);
	CHECK_EQ(regs.rax, HV_STATUS_SUCCESS);
	CHECK_EQ(regs.rdx, 3);
	CHECK_EQ(regs.dirty, HV_REG_DIRTY_RAX | HV_REG_DIRTY_RDX);
	CHECK_EQ(rep_sum, 1 + 2 + 3);

	hv_partition_destroy(part);
	hvmock_free(m);
}

/* Before GUEST_OS_ID is written, the exit is not a Hyper-V hypercall (KVM). */
static void test_disabled_until_guest_os_id(void)
{
	struct hvmock *m = hvmock_new(RAM_SIZE);
	struct hv_cpu_mode mode = { .protected_mode = true, .is_64bit = true };
	struct hv_partition *part;
	struct hv_regs regs = { .rcx = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, .rdx = IN_GPA };
	struct hv_vp *vp;

	CHECK_EQ(hvmock_partition(m, "all", 4, &part), 0);
	vp = hvmock_vp(part, 0);
	CHECK_EQ(hv_hypercall(vp, &mode, &regs), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, (uint64_t)-1000);
	CHECK_EQ(m->flushes, 0);
	mode.is_64bit = false;
	CHECK_EQ(hv_hypercall(vp, &mode, &regs), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, 0xFFFFFC18);
	mode.cpl = 3;
	mode.is_64bit = true;
	CHECK_EQ(hv_hypercall(vp, &mode, &regs), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, (uint64_t)-1);

	/* Set, then cleared again: disabled again. */
	hvmock_guest_os_id(vp);
	CHECK_EQ(hvmock_hcall(vp, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, IN_GPA, 0, NULL),
		 HV_STATUS_SUCCESS);
	CHECK_EQ(hv_msr_write(vp, HV_X64_MSR_GUEST_OS_ID, 0), HV_MSR_OK);
	CHECK_EQ(hvmock_hcall(vp, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, IN_GPA, 0, NULL),
		 (uint64_t)-1000);
	CHECK_EQ(m->flushes, 1);
	hv_partition_destroy(part);
	hvmock_free(m);
}

static void test_xmm_errors(void)
{
	struct hvmock *m = hvmock_new(RAM_SIZE);
	struct hv_partition *part;
	struct hv_vp *vp;

	vp = hvmock_guest_ready(m, "all", 4, &part);
	CHECK(vp != NULL);
	m->xmm_ret = -EIO;
	CHECK_EQ(hvmock_hcall(vp, hvmock_control(HVCALL_SEND_IPI_EX, true, 0, 0, 0), 0xfe, 0, NULL),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	CHECK_EQ(m->xmm_reads, 1);
	/* Non-Ex fast IPI never reads XMM. */
	CHECK_EQ(hvmock_hcall(vp, hvmock_control(HVCALL_SEND_IPI, true, 0, 0, 0), 0xfe, 1, NULL),
		 HV_STATUS_SUCCESS);
	CHECK_EQ(m->xmm_reads, 1);
	hv_partition_destroy(part);
	hvmock_free(m);
}

static void test_stats(void)
{
	struct hvmock *m = hvmock_new(RAM_SIZE);
	struct hv_partition *part;
	struct hv_vp *vp;

	vp = hvmock_guest_ready(m, "all", 4, &part);
	CHECK(vp != NULL);
	hvmock_hcall(vp, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, IN_GPA, 0, NULL);
	hvmock_hcall(vp, 0x4444, 0, 0, NULL);
	hvmock_hcall(vp, hvmock_control(HVCALL_SEND_IPI, true, 0, 0, 0), 0x30, 1, NULL);
	CHECK_EQ(hvmock_pstat(part, "hcalls_flush_space"), 1);
	CHECK_EQ(hvmock_pstat(part, "hcalls_unknown"), 1);
	CHECK_EQ(hvmock_pstat(part, "hcalls_send_ipi"), 1);
	CHECK_EQ(hvmock_pstat(part, "hcall_status_success"), 2);
	CHECK_EQ(hvmock_pstat(part, "hcall_status_invalid_hypercall_code"), 1);
	CHECK_EQ(hvmock_pstat(part, "ipis_sent"), 1);
	CHECK_EQ(hvmock_pstat(part, "msr_guest_os_id_writes"), 1);
	CHECK_EQ(hvmock_vstat(vp, "hypercalls"), 3);
	hv_partition_destroy(part);
	hvmock_free(m);
}

/*
 * The rows of hv_hcall_table say what the dispatcher relies on: a name (the statistic), a
 * handler, an input form, a fixed header that fits union hv_hc_hdr (and, fast without XMM,
 * RDX and R8) with a decoder for it, a decoder for the VP set of the banks, and codes that
 * no other row claims.
 */
static void test_table_rows(void)
{
	for (size_t i = 0; i < hv_hcall_table_size; i++) {
		const struct hv_hc_row *r = &hv_hcall_table[i];
		uint16_t last = r->code_last ? r->code_last : r->code;
		bool fast_xmm = (r->input & HV_HC_IN_XMM) == HV_HC_IN_XMM;

		CHECK_MSG(r->name && r->name[0], "row %zu: no name", i);
		if (!r->name)
			continue;
		CHECK_MSG(r->handler, "%s: no handler", r->name);
		CHECK_MSG(r->input & (HV_HC_IN_MEM | HV_HC_IN_FAST), "%s: takes no input form",
			  r->name);
		CHECK_MSG(r->in_size <= sizeof(union hv_hc_hdr), "%s: in_size %u > %zu", r->name,
			  r->in_size, sizeof(union hv_hc_hdr));
		CHECK_MSG(!(r->input & HV_HC_IN_FAST) || fast_xmm || r->in_size <= 16,
			  "%s: fast header beyond RDX and R8", r->name);
		/* A decoder without a fixed header reads its own input (the SynIC calls). */
		CHECK_MSG(!r->in_size || r->decode, "%s: in_size %u without a decoder", r->name,
			  r->in_size);
		CHECK_MSG(r->varhead != HV_HC_VARHEAD_BANKS || r->decode,
			  "%s: VP-set banks without a decoder", r->name);
		CHECK_MSG(last >= r->code, "%s: code range 0x%x-0x%x", r->name, r->code, last);
		for (size_t j = 0; j < i; j++) {
			const struct hv_hc_row *o = &hv_hcall_table[j];
			uint16_t olast = o->code_last ? o->code_last : o->code;

			CHECK_MSG(last < o->code || r->code > olast, "%s: codes overlap %s",
				  r->name, o->name);
			CHECK_MSG(!o->name || strcmp(r->name, o->name) != 0, "%s: name used twice",
				  r->name);
		}
	}
}

int main(void)
{
	RUN(test_table_rows);
	RUN(test_dispatch_table);
	RUN(test_rep_continuation);
	RUN(test_disabled_until_guest_os_id);
	RUN(test_xmm_errors);
	RUN(test_stats);
	return t_done();
}
