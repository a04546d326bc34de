// SPDX-License-Identifier: MIT
/*
 * The synthetic MSRs: CPUID gating of every MSR (feature on and off, KVM's enforced-CPUID
 * rules), read-only MSRs, the hypercall page, the GUEST_OS_ID rule, the reference TSC page
 * against TIME_REF_COUNT, the VP assist page, the APIC MSR forwarding, reset and crash.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hv/hv_internal.h"
#include "hv_mock.h"

#define RAM_SIZE (64 * 1024)

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp;
};

static void env_init(struct env *e, const char *features)
{
	e->m = hvmock_new(RAM_SIZE);
	CHECK_EQ(hvmock_partition(e->m, features, 8, &e->part), 0);
	e->vp = hvmock_vp(e->part, 3);
	CHECK(e->vp != NULL);
}

static void env_fini(struct env *e)
{
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

/* NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding): a test table */
static const struct {
	uint32_t msr;
	const char *on;	 /* a feature list that offers it */
	const char *off; /* one that does not */
	bool writable;	 /* a guest write of 0 is accepted when offered */
} gating[] = {
	{ HV_X64_MSR_GUEST_OS_ID, "reset", "", true },
	{ HV_X64_MSR_HYPERCALL, "time", "", true },
	{ HV_X64_MSR_VP_INDEX, "crash", "", false },
	{ HV_X64_MSR_RESET, "reset", "vpindex", true },
	{ HV_X64_MSR_VP_RUNTIME, "runtime", "vpindex,time", false },
	{ HV_X64_MSR_TIME_REF_COUNT, "time", "vpindex,runtime", false },
	{ HV_X64_MSR_REFERENCE_TSC, "time", "vpindex,frequencies", true },
	{ HV_X64_MSR_TSC_FREQUENCY, "frequencies", "vpindex,time", false },
	{ HV_X64_MSR_APIC_FREQUENCY, "frequencies", "vpindex,time", false },
	{ HV_X64_MSR_EOI, "vapic", "vpindex", true },
	{ HV_X64_MSR_ICR, "vapic", "vpindex", true },
	{ HV_X64_MSR_TPR, "vapic", "vpindex", true },
	{ HV_X64_MSR_VP_ASSIST_PAGE, "vapic", "vpindex", true },
	{ HV_X64_MSR_CRASH_P0, "crash", "vpindex", true },
	{ HV_X64_MSR_CRASH_P4, "crash", "vpindex", true },
	{ HV_X64_MSR_CRASH_CTL, "crash", "vpindex", true },
	{ HV_X64_MSR_SCONTROL, "vpindex,synic", "vpindex", true },
	{ HV_X64_MSR_EOM, "vpindex,synic", "vpindex,time", true },
	{ HV_X64_MSR_SINT0 + 7, "vpindex,synic", "vpindex", false }, /* vector 0 unmasked */
	{ HV_X64_MSR_STIMER0_COUNT, "vpindex,synic,time,stimer", "vpindex,synic,time", true },
	{ HV_X64_MSR_STIMER3_CONFIG, "vpindex,synic,time,stimer", "vpindex,synic", true },
	{ HV_X64_MSR_TSC_INVARIANT_CONTROL, "tsc-invariant", "vpindex,time", true },
};

static void test_gating(void)
{
	for (size_t i = 0; i < sizeof(gating) / sizeof(gating[0]); i++) {
		struct env e;
		uint64_t v = 0x1234;

		env_init(&e, gating[i].on);
		CHECK_MSG(hv_msr_read(e.vp, gating[i].msr, &v) == HV_MSR_OK, "read 0x%x with %s",
			  gating[i].msr, gating[i].on);
		CHECK_MSG(hv_msr_write(e.vp, gating[i].msr, 0) ==
			      (gating[i].writable ? HV_MSR_OK : HV_MSR_GP),
			  "write 0x%x with %s", gating[i].msr, gating[i].on);
		env_fini(&e);

		env_init(&e, gating[i].off);
		v = 0x1234;
		CHECK_MSG(hv_msr_read(e.vp, gating[i].msr, &v) == HV_MSR_GP, "read 0x%x with '%s'",
			  gating[i].msr, gating[i].off);
		CHECK_MSG(v == 0x1234, "a #GP read must not write the value");
		CHECK_MSG(hv_msr_write(e.vp, gating[i].msr, 0) == HV_MSR_GP, "write 0x%x with '%s'",
			  gating[i].msr, gating[i].off);
		env_fini(&e);
	}
}

static void test_unimplemented_and_foreign(void)
{
	static const uint32_t unimpl[] = {
		HV_X64_MSR_GUEST_IDLE,
		HV_X64_MSR_SYNDBG_OPTIONS,
		HV_X64_MSR_REENLIGHTENMENT_CONTROL,
		HV_X64_MSR_TSC_EMULATION_STATUS,
		0x40000004u,
		HV_X64_MSR_SYNTHETIC_LAST,
	};
	struct env e;
	uint64_t v;

	env_init(&e, "all");
	for (size_t i = 0; i < sizeof(unimpl) / sizeof(unimpl[0]); i++) {
		CHECK_MSG(hv_msr_read(e.vp, unimpl[i], &v) == HV_MSR_GP, "read 0x%x", unimpl[i]);
		CHECK_MSG(hv_msr_write(e.vp, unimpl[i], 1) == HV_MSR_GP, "write 0x%x", unimpl[i]);
	}
	CHECK(!hv_msr_is_synthetic(0x3FFFFFFF));
	CHECK(hv_msr_is_synthetic(0x40000000));
	CHECK(hv_msr_is_synthetic(0x400001FF));
	CHECK(!hv_msr_is_synthetic(0x40000200));
	CHECK_EQ(hv_msr_read(e.vp, 0x10, &v), HV_MSR_UNKNOWN);
	CHECK_EQ(hv_msr_write(e.vp, 0x40000200, 0), HV_MSR_UNKNOWN);
	CHECK_EQ(hv_msr_write(e.vp, 0x830, 0), HV_MSR_UNKNOWN);
	env_fini(&e);
}

static void test_read_only(void)
{
	static const uint32_t ro[] = { HV_X64_MSR_VP_INDEX, HV_X64_MSR_VP_RUNTIME,
				       HV_X64_MSR_TIME_REF_COUNT, HV_X64_MSR_TSC_FREQUENCY,
				       HV_X64_MSR_APIC_FREQUENCY };
	struct env e;
	uint64_t v;

	env_init(&e, "all");
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		CHECK_MSG(hv_msr_write(e.vp, ro[i], 7) == HV_MSR_GP, "write 0x%x", ro[i]);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_VP_INDEX, &v), HV_MSR_OK);
	CHECK_EQ(v, 3);
	e.m->runtime_ns = 123456789;
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_VP_RUNTIME, &v), HV_MSR_OK);
	CHECK_EQ(v, 1234567);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TSC_FREQUENCY, &v), HV_MSR_OK);
	CHECK_EQ(v, HVMOCK_TSC_HZ);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_APIC_FREQUENCY, &v), HV_MSR_OK);
	CHECK_EQ(v, HVMOCK_APIC_HZ);
	env_fini(&e);
}

static void test_hypercall_page(void)
{
	struct env e;
	uint8_t *page;
	uint64_t v;

	env_init(&e, "vpindex");
	page = hvmock_gpa(e.m, 0x3000);
	memset(page, 0x11, 4096);

	/* Enable while GUEST_OS_ID is 0: dropped entirely (KVM), page untouched. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x3001), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_HYPERCALL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	CHECK_EQ(page[0], 0x11);

	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_GUEST_OS_ID, 0x8100000000001234ull), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_GUEST_OS_ID, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x8100000000001234ull);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x3001), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_HYPERCALL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x3001);
	/* out %al, $0xE6; ret; then int3 to the end of the page. */
	CHECK_EQ(page[0], 0xE6);
	CHECK_EQ(page[1], HV_HYPERCALL_EXIT_PORT);
	CHECK_EQ(page[2], 0xC3);
	{
		bool all_int3 = true;

		for (int i = 3; i < 4096; i++)
			all_int3 &= page[i] == 0xCC;
		CHECK(all_int3);
	}
	CHECK_EQ(((uint8_t *)hvmock_gpa(e.m, 0x4000))[0], 0); /* next page untouched */

	/* Disable: stored as written (Locked and reserved bits too), page left alone. */
	page[0] = 0x90;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x3002 | 0x10), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_HYPERCALL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x3012);
	CHECK_EQ(page[0], 0x90);
	/* Locked is not enforced (KVM; HypercallMsrLock is not offered): relocation works. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x5003), HV_MSR_OK);
	CHECK_EQ(((uint8_t *)hvmock_gpa(e.m, 0x5000))[0], 0xE6);

	/* A GPFN outside RAM: #GP, value unchanged. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, (uint64_t)RAM_SIZE | 1), HV_MSR_GP);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0xFFFFFFFFFFFFF001ull), HV_MSR_GP);
	e.m->hole_start = 0x6000;
	e.m->hole_end = 0x7000;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x6001), HV_MSR_GP);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_HYPERCALL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x5003);

	/* Zeroing GUEST_OS_ID disables the page (clears enable, keeps the rest). */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_GUEST_OS_ID, 0), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_HYPERCALL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x5002);
	/* ... and writes are dropped again. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x3000), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_HYPERCALL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x5002);
	env_fini(&e);
}

/* Port 0xE6 is a hypercall only from the enabled page, at the `out` hvemu wrote there. */
static void test_hypercall_exit_from_page(void)
{
	struct env e;
	uint8_t *page;

	env_init(&e, "vpindex");
	page = hvmock_gpa(e.m, 0x3000);
	/* GUEST_OS_ID 0, nothing enabled: no GPA is the page. */
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3000));
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3002));
	hv_msr_write(e.vp, HV_X64_MSR_GUEST_OS_ID, 0x8100000000001234ull);
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3002)); /* set, but no page */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x3001), HV_MSR_OK);
	/* RIP at the `out` (not yet retired) or just after it (retired). */
	CHECK(hv_hypercall_exit_from_page(e.part, 0x3000));
	CHECK(hv_hypercall_exit_from_page(e.part, 0x3002));
	/* Anything else in the page, or the same offsets in another page, is not. */
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3001));
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3003));
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3ffe));
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x2002));
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x4002));
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x2));
	/* The guest overwrote its page: its own code there is not hvemu's. */
	page[2] = 0xE6;
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3002));
	page[2] = 0xC3;
	CHECK(hv_hypercall_exit_from_page(e.part, 0x3002));
	/* Disabled, then re-enabled elsewhere: the old page is no longer the page. */
	hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x3000);
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3002));
	hv_msr_write(e.vp, HV_X64_MSR_HYPERCALL, 0x5001);
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x3002));
	CHECK(hv_hypercall_exit_from_page(e.part, 0x5002));
	/* Zeroing GUEST_OS_ID disables it. */
	hv_msr_write(e.vp, HV_X64_MSR_GUEST_OS_ID, 0);
	CHECK(!hv_hypercall_exit_from_page(e.part, 0x5002));
	env_fini(&e);
}

static uint64_t page_time(const struct hv_reference_tsc_page *pg, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * pg->tsc_scale) >> 64) +
	       (uint64_t)pg->tsc_offset;
}

static void test_reference_time(void)
{
	struct env e;
	struct hv_reference_tsc_page *pg;
	uint64_t v, t0, t1, tsc;
	uint32_t seq;

	env_init(&e, "time");
	/* The guest TSC the backend reports before the guest first looks does not matter
	 * (hvemu's backend learns the TSC offset from its first vCPU, after creation). */
	atomic_store(&e.m->tsc, 0xFFFFFFFF00000000ull);
	/* Starts near 0 when the guest first uses it. */
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TIME_REF_COUNT, &t0), HV_MSR_OK);
	CHECK(t0 < 10);
	/* One second of guest TSC is 10^7 units. */
	atomic_fetch_add(&e.m->tsc, HVMOCK_TSC_HZ);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TIME_REF_COUNT, &t1), HV_MSR_OK);
	CHECK(t1 - t0 >= 10000000 - 1 && t1 - t0 <= 10000000 + 1);

	pg = hvmock_gpa(e.m, 0x2000);
	memset(pg, 0x5a, 4096);
	/* Without enable: stored, page untouched. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x2000), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_REFERENCE_TSC, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x2000);
	CHECK_EQ(pg->tsc_sequence, 0x5a5a5a5a);
	CHECK_EQ(pg->tsc_scale, 0x5a5a5a5a5a5a5a5aull);

	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x2001), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_REFERENCE_TSC, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x2001);
	CHECK(pg->tsc_sequence != 0 && pg->tsc_sequence != 0xFFFFFFFF);
	CHECK_EQ(pg->tsc_scale, (uint64_t)((((unsigned __int128)10000000) << 64) / HVMOCK_TSC_HZ));
	CHECK_EQ(((uint8_t *)pg)[24], 0x5a); /* the rest of the page is left alone */

	/* Page time equals the MSR at the same TSC, at several points in time. */
	for (int i = 0; i < 5; i++) {
		tsc = atomic_load(&e.m->tsc);
		CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TIME_REF_COUNT, &v), HV_MSR_OK);
		CHECK_EQ(page_time(pg, tsc), v);
		atomic_fetch_add(&e.m->tsc, 987654321ull * (uint64_t)(i + 1));
	}
	/* Monotonic with the TSC. */
	e.m->tsc_step = 1000;
	t0 = 0;
	for (int i = 0; i < 1000; i++) {
		CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TIME_REF_COUNT, &v), HV_MSR_OK);
		if (v < t0)
			CHECK_MSG(false, "time went back: %llu < %llu", (unsigned long long)v,
				  (unsigned long long)t0);
		t0 = v;
	}

	/* Re-enabling writes a new sequence; it never becomes 0 or 0xFFFFFFFF. */
	seq = pg->tsc_sequence;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x2001), HV_MSR_OK);
	CHECK(pg->tsc_sequence != seq);
	pg->tsc_sequence = 0xFFFFFFFE;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x2001), HV_MSR_OK);
	CHECK_EQ(pg->tsc_sequence, 1);
	pg->tsc_sequence = 0xFFFFFFFF;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x2001), HV_MSR_OK);
	CHECK_EQ(pg->tsc_sequence, 1);

	/* Disable reads back as written. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_REFERENCE_TSC, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	/* Enabled on a GPA that is not RAM: accepted (KVM), nothing written. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, (uint64_t)RAM_SIZE | 1), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_REFERENCE_TSC, &v), HV_MSR_OK);
	CHECK_EQ(v, (uint64_t)RAM_SIZE | 1);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TIME_REF_COUNT, &v), HV_MSR_OK);
	env_fini(&e);
}

static void test_reference_time_origin(void)
{
	struct env e;
	struct hv_reference_tsc_page *pg;
	uint64_t v;

	e.m = hvmock_new(RAM_SIZE);
	e.m->tsc_step = 7;
	CHECK_EQ(hvmock_partition(e.m, "time", 1, &e.part), 0);
	CHECK_EQ(atomic_load(&e.m->tsc), 1000000); /* creation does not read the TSC */
	e.vp = hvmock_vp(e.part, 0);
	/* A write without enable does not fix the origin either. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x1000), HV_MSR_OK);
	CHECK_EQ(atomic_load(&e.m->tsc), 1000000);
	/* Enabling the page first: the page starts near 0, and the MSR agrees with it. */
	atomic_store(&e.m->tsc, 5ull << 40);
	e.m->tsc_step = 0;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_REFERENCE_TSC, 0x1001), HV_MSR_OK);
	pg = hvmock_gpa(e.m, 0x1000);
	CHECK_EQ(page_time(pg, 5ull << 40), 0);
	atomic_fetch_add(&e.m->tsc, HVMOCK_TSC_HZ / 10);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TIME_REF_COUNT, &v), HV_MSR_OK);
	CHECK_EQ(v, page_time(pg, (5ull << 40) + HVMOCK_TSC_HZ / 10));
	CHECK(v >= 1000000 - 1 && v <= 1000000 + 1); /* 0.1 s */
	env_fini(&e);
}

static void test_low_tsc_rejected(void)
{
	struct hvmock *m = hvmock_new(4096);
	struct hv_partition_params p = {
		.max_vps = 1, .tsc_hz = 10000000, .ops = &hvmock_ops, .opaque = m
	};
	struct hv_partition *part = (struct hv_partition *)&p;

	CHECK_EQ(hv_features_parse("time", &p.features, NULL, 0), 0);
	CHECK_EQ(hv_partition_create(&p, &part), -EINVAL);
	CHECK(part == NULL);
	p.tsc_hz = 10000001;
	CHECK_EQ(hv_partition_create(&p, &part), 0);
	hv_partition_destroy(part);
	hvmock_free(m);
}

static void test_apic_msrs(void)
{
	struct env e;
	uint64_t v;

	env_init(&e, "vapic");
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_EOI, 1), HV_MSR_OK);
	CHECK_EQ(e.m->last_apic_msr, 0x80B);
	CHECK_EQ(e.m->last_apic_value, 1);
	/* Hyper-V ICR = ICR-high:ICR-low, which is the x2APIC ICR: forwarded unchanged. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_ICR, 0x0000000500004030ull), HV_MSR_OK);
	CHECK_EQ(e.m->last_apic_msr, 0x830);
	CHECK_EQ(e.m->last_apic_value, 0x0000000500004030ull);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_TPR, 0x20), HV_MSR_OK);
	CHECK_EQ(e.m->last_apic_msr, 0x808);
	e.m->apic_read_value = 0x30;
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_TPR, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x30);
	CHECK_EQ(e.m->apic_writes, 3);
	/* Not in x2APIC mode (or EOI read): the backend says no, the guest gets #GP. */
	e.m->apic_ret = -EOPNOTSUPP;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_ICR, 0), HV_MSR_GP);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_EOI, &v), HV_MSR_GP);
	env_fini(&e);
}

static void test_vp_assist_page(void)
{
	struct env e;
	uint32_t *pg;
	uint64_t v;

	env_init(&e, "vapic");
	pg = hvmock_gpa(e.m, 0x4000);
	pg[0] = 0xFFFFFFFF;
	pg[1] = 0xAAAAAAAA;
	pg[100] = 0xBBBBBBBB;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, 0x4001), HV_MSR_OK);
	CHECK_EQ(pg[0], 0);	     /* apic_assist cleared */
	CHECK_EQ(pg[1], 0xAAAAAAAA); /* the rest kept */
	CHECK_EQ(pg[100], 0xBBBBBBBB);
	CHECK_EQ(e.m->vp_assist_calls, 1);
	CHECK_EQ(e.m->last_vp_assist_gpa, 0x4000);
	CHECK(e.m->last_vp_assist_enable);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x4001);
	/* Disable (Linux's hv_cpu_die writes 0). */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, 0), HV_MSR_OK);
	CHECK(!e.m->last_vp_assist_enable);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	/* Not RAM: #GP, nothing programmed. */
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, (uint64_t)RAM_SIZE | 1), HV_MSR_GP);
	CHECK_EQ(e.m->vp_assist_calls, 2);
	/* The backend failing: #GP, value unchanged. */
	e.m->vp_assist_ret = -EIO;
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, 0x4001), HV_MSR_GP);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_VP_ASSIST_PAGE, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	env_fini(&e);
}

static void test_reset_and_crash(void)
{
	struct env e;
	uint64_t v;

	env_init(&e, "vpindex,reset,crash");
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_RESET, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_RESET, 0), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_RESET, 3), HV_MSR_OK); /* KVM: only 1 resets */
	CHECK_EQ(e.m->resets, 0);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_RESET, 1), HV_MSR_OK);
	CHECK_EQ(e.m->resets, 1);

	for (uint32_t i = 0; i < 5; i++)
		CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_CRASH_P0 + i, 0x100 + i), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_CRASH_P3, &v), HV_MSR_OK);
	CHECK_EQ(v, 0x103);
	CHECK_EQ(hv_msr_read(e.vp, HV_X64_MSR_CRASH_CTL, &v), HV_MSR_OK);
	CHECK_EQ(v, HV_CRASH_CTL_CRASH_NOTIFY);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_CRASH_CTL, HV_CRASH_CTL_CRASH_NOTIFY_MSG),
		 HV_MSR_OK);
	CHECK_EQ(e.m->crashes, 0);
	CHECK_EQ(hv_msr_write(e.vp, HV_X64_MSR_CRASH_CTL, HV_CRASH_CTL_CRASH_NOTIFY), HV_MSR_OK);
	CHECK_EQ(e.m->crashes, 1);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(e.m->crash_params[i], 0x100 + (uint64_t)i);
	env_fini(&e);
}

static void test_msr_stats(void)
{
	struct env e;
	uint64_t v;

	env_init(&e, "vpindex");
	hv_msr_read(e.vp, HV_X64_MSR_VP_INDEX, &v);
	hv_msr_write(e.vp, HV_X64_MSR_VP_INDEX, 1);
	hv_msr_read(e.vp, HV_X64_MSR_TSC_FREQUENCY, &v);
	hv_msr_read(e.vp, HV_X64_MSR_SCONTROL, &v);
	hv_msr_read(e.vp, HV_X64_MSR_GUEST_IDLE, &v);
	CHECK_EQ(hvmock_pstat(e.part, "msr_vp_index_reads"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "msr_vp_index_gp"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "msr_tsc_frequency_gp"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "msr_synic_gp"), 1); /* no synic feature */
	CHECK_EQ(hvmock_pstat(e.part, "msr_unimplemented"), 1);
	env_fini(&e);
}

int main(void)
{
	RUN(test_gating);
	RUN(test_unimplemented_and_foreign);
	RUN(test_read_only);
	RUN(test_hypercall_page);
	RUN(test_hypercall_exit_from_page);
	RUN(test_reference_time);
	RUN(test_reference_time_origin);
	RUN(test_low_tsc_rejected);
	RUN(test_apic_msrs);
	RUN(test_vp_assist_page);
	RUN(test_reset_and_crash);
	RUN(test_msr_stats);
	return t_done();
}
