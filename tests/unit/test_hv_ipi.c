// SPDX-License-Identifier: MIT
/*
 * The synthetic cluster IPI hypercalls: the 10 steps of the KVM selftest hyperv_ipi (linux:
 * tools/testing/selftests/kvm/x86/hyperv_ipi.c) with receivers at VP indexes 2 and 65,
 * checking exactly one interrupt per addressed receiver and none to the others; then KVM's
 * vector and set rules.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hv/hcall.h"
#include "hv_mock.h"

#define RAM_SIZE (16 * 1024)
#define IN_GPA	 0x1000ull
#define VEC	 0xFE

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp0;
};

static void env_init(struct env *e)
{
	e->m = hvmock_new(RAM_SIZE);
	e->vp0 = hvmock_guest_ready(e->m, "vpindex,ipi,xmm-input", 128, &e->part);
	CHECK(e->vp0 != NULL);
	CHECK(hvmock_vp(e->part, 2) && hvmock_vp(e->part, 65));
}

static void env_fini(struct env *e)
{
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

static uint64_t ipi_slow(struct env *e, uint64_t *in, unsigned n, uint16_t code, unsigned var)
{
	memset(hvmock_gpa(e->m, IN_GPA), 0, 4096);
	memcpy(hvmock_gpa(e->m, IN_GPA), in, n * sizeof(uint64_t));
	return hvmock_hcall(e->vp0, hvmock_control(code, false, var, 0, 0), IN_GPA, 0, NULL);
}

static uint64_t ipi_ex_fast(struct env *e, uint64_t vector, uint64_t format, uint64_t vbm,
			    const uint64_t *banks, unsigned nbanks)
{
	memset(e->m->xmm, 0, sizeof(e->m->xmm));
	e->m->xmm[0] = vbm;
	for (unsigned i = 0; i < nbanks; i++)
		e->m->xmm[1 + i] = banks[i];
	return hvmock_hcall(e->vp0, hvmock_control(HVCALL_SEND_IPI_EX, true, nbanks, 0, 0), vector,
			    format, NULL);
}

static void expect_counts(struct env *e, const char *step, unsigned d0, unsigned d2, unsigned d65,
			  unsigned before[3])
{
	CHECK_MSG(e->m->ipis_to[0] - before[0] == d0 && e->m->ipis_to[2] - before[1] == d2 &&
		      e->m->ipis_to[65] - before[2] == d65,
		  "step %s: deltas %u/%u/%u, want %u/%u/%u", step, e->m->ipis_to[0] - before[0],
		  e->m->ipis_to[2] - before[1], e->m->ipis_to[65] - before[2], d0, d2, d65);
	CHECK_EQ(e->m->last_vector, VEC);
	for (unsigned v = 0; v < HV_VPSET_MAX_VP; v++)
		if (v != 0 && v != 2 && v != 65)
			CHECK_MSG(e->m->ipis_to[v] == 0, "step %s: VP %u got an IPI", step, v);
	before[0] = e->m->ipis_to[0];
	before[1] = e->m->ipis_to[2];
	before[2] = e->m->ipis_to[65];
}

static void test_selftest_steps(void)
{
	struct env e;
	unsigned before[3] = { 0, 0, 0 };
	uint64_t in[6];
	uint64_t both[2] = { 1ull << 2, 1ull << 1 };

	env_init(&e);
	/* 1. slow SEND_IPI {vector, cpu_mask 1 << 2} */
	in[0] = VEC;
	in[1] = 1ull << 2;
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_SUCCESS);
	expect_counts(&e, "1", 0, 1, 0, before);
	/* 2. fast SEND_IPI: RDX = vector, R8 = mask */
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_SEND_IPI, true, 0, 0, 0), VEC, 1ull << 2,
			      NULL),
		 HV_STATUS_SUCCESS);
	expect_counts(&e, "2", 0, 1, 0, before);
	/* 3. slow SEND_IPI_EX, sparse, bank 0 = BIT(2) */
	in[0] = VEC;
	in[1] = HV_GENERIC_SET_SPARSE_4K;
	in[2] = 1;
	in[3] = 1ull << 2;
	CHECK_EQ(ipi_slow(&e, in, 4, HVCALL_SEND_IPI_EX, 1), HV_STATUS_SUCCESS);
	expect_counts(&e, "3", 0, 1, 0, before);
	/* 4. XMM fast of 3 */
	CHECK_EQ(ipi_ex_fast(&e, VEC, 0, 1, &both[0], 1), HV_STATUS_SUCCESS);
	expect_counts(&e, "4", 0, 1, 0, before);
	/* 5. slow to 65: bank 1 = BIT(1) */
	in[2] = 1ull << 1;
	in[3] = 1ull << 1;
	CHECK_EQ(ipi_slow(&e, in, 4, HVCALL_SEND_IPI_EX, 1), HV_STATUS_SUCCESS);
	expect_counts(&e, "5", 0, 0, 1, before);
	/* 6. XMM fast of 5 */
	CHECK_EQ(ipi_ex_fast(&e, VEC, 0, 2, &both[1], 1), HV_STATUS_SUCCESS);
	expect_counts(&e, "6", 0, 0, 1, before);
	/* 7. slow, both */
	in[2] = 3;
	in[3] = both[0];
	in[4] = both[1];
	CHECK_EQ(ipi_slow(&e, in, 5, HVCALL_SEND_IPI_EX, 2), HV_STATUS_SUCCESS);
	expect_counts(&e, "7", 0, 1, 1, before);
	/* 8. XMM fast, both (banks in XMM0.hi and XMM1.lo) */
	CHECK_EQ(ipi_ex_fast(&e, VEC, 0, 3, both, 2), HV_STATUS_SUCCESS);
	expect_counts(&e, "8", 0, 1, 1, before);
	/* 9. slow HV_GENERIC_SET_ALL: the sender gets one too */
	in[1] = HV_GENERIC_SET_ALL;
	in[2] = 0;
	CHECK_EQ(ipi_slow(&e, in, 3, HVCALL_SEND_IPI_EX, 0), HV_STATUS_SUCCESS);
	CHECK(e.m->last_ipi.all);
	expect_counts(&e, "9", 1, 1, 1, before);
	/* 10. XMM fast SET_ALL, valid_bank_mask 0 */
	CHECK_EQ(ipi_ex_fast(&e, VEC, HV_GENERIC_SET_ALL, 0, NULL, 0), HV_STATUS_SUCCESS);
	expect_counts(&e, "10", 1, 1, 1, before);
	CHECK_EQ(e.m->ipi_calls, 10);
	env_fini(&e);
}

static void test_vectors_and_sets(void)
{
	struct env e;
	uint64_t in[4];

	env_init(&e);
	/* Vector range 0x10-0xFF, else INVALID_HYPERCALL_INPUT (KVM, not the TLFS's 5). */
	in[1] = 1;
	for (unsigned v = 0; v < 0x120; v += 0x7) {
		uint64_t want =
		    v >= 0x10 && v <= 0xFF ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_HYPERCALL_INPUT;

		in[0] = v;
		CHECK_MSG(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0) == want, "vector 0x%x", v);
	}
	in[0] = 0x10;
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_SUCCESS);
	in[0] = 0xFF;
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_SUCCESS);
	in[0] = 0x10F; /* not truncated to 8 bits */
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* The memory form's reserved word is not checked (KVM). */
	in[0] = 0xdead00000030ull;
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_SUCCESS);
	/* Fast: RDX[63:32] must be 0. */
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_SEND_IPI, true, 0, 0, 0),
			      (1ull << 40) | 0x30, 1, NULL),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* Fast Ex: vector is (u32)RDX, no check of the high half (KVM). */
	CHECK_EQ(ipi_ex_fast(&e, (1ull << 40) | 0x30, HV_GENERIC_SET_ALL, 0, NULL, 0),
		 HV_STATUS_SUCCESS);

	/* Empty sparse Ex set: success before the vector check, nothing sent. */
	e.m->ipi_calls = 0;
	CHECK_EQ(ipi_ex_fast(&e, 0, HV_GENERIC_SET_SPARSE_4K, 0, NULL, 0), HV_STATUS_SUCCESS);
	/* ... but SET_ALL checks the vector. */
	CHECK_EQ(ipi_ex_fast(&e, 0, HV_GENERIC_SET_ALL, 0, NULL, 0),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* A format other than SET_ALL is sparse for IPIs (KVM), unlike flushes. */
	{
		uint64_t bank = 1ull << 2;

		CHECK_EQ(ipi_ex_fast(&e, 0x40, 5, 1, &bank, 1), HV_STATUS_SUCCESS);
		CHECK(!e.m->last_ipi.all);
		CHECK_EQ(e.m->last_ipi.bank[0], 1ull << 2);
		CHECK_EQ(ipi_ex_fast(&e, 0, 5, 0, NULL, 0), HV_STATUS_SUCCESS);
	}
	/* Non-Ex mask 0: nobody, but the vector is still checked. */
	in[0] = 0x40;
	in[1] = 0;
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_SUCCESS);
	in[0] = 0;
	CHECK_EQ(ipi_slow(&e, in, 2, HVCALL_SEND_IPI, 0), HV_STATUS_INVALID_HYPERCALL_INPUT);
	CHECK_EQ(e.m->ipi_calls, 1);
	/* Ex banks must match the varhead size. */
	CHECK_EQ(ipi_ex_fast(&e, 0x40, 0, 3, (const uint64_t[]){ 4 }, 1),
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* Ex banks beyond XMM: 11 banks need XMM0.hi..XMM5.hi: fits; 12 do not. */
	{
		uint64_t banks[12] = { 4 };

		CHECK_EQ(ipi_ex_fast(&e, 0x40, 0, 0x7FF, banks, 11), HV_STATUS_SUCCESS);
		e.m->xmm[0] = 0xFFF;
		CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_SEND_IPI_EX, true, 12, 0, 0),
				      0x40, 0, NULL),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	}
	env_fini(&e);
}

static void test_delivery_failure_still_succeeds(void)
{
	struct env e;

	env_init(&e);
	e.m->ipi_ret = -EIO;
	/* KVM ignores delivery failures; resending natively could deliver twice. */
	CHECK_EQ(hvmock_hcall(e.vp0, hvmock_control(HVCALL_SEND_IPI, true, 0, 0, 0), 0x40, 4, NULL),
		 HV_STATUS_SUCCESS);
	CHECK_EQ(e.m->ipi_calls, 1);
	env_fini(&e);
}

int main(void)
{
	RUN(test_selftest_steps);
	RUN(test_vectors_and_sets);
	RUN(test_delivery_failure_still_succeeds);
	return t_done();
}
