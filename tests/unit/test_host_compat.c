// SPDX-License-Identifier: MIT
/*
 * Unit tests of the compatibility rules (src/host/compat.c) and of the measurements on
 * the CPU the test runs on (src/host/cpucheck.c).
 */
#include "harness.h"
#include "host/compat.h"
#include "host/cpucheck.h"
#include "host/host.h"

#include <cpuid.h>
#include <string.h>

/* Feature-table indexes used below (host_feat_regs order). */
enum {
	R_1_EDX,
	R_1_ECX,
	R_7_EBX,
	R_7_ECX,
	R_7_EDX,
	R_7_1_EAX,
	R_D_1_EAX,
	R_X1_ECX
};

static void good_profile(struct host_cpu_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->valid = true;
	for (unsigned i = 0; i < HOST_NR_FEAT_REGS; i++)
		p->regs[i] = 0xffffffffu;
	p->xcr0 = 0x2e7;
	p->tsc_khz = 2600000;
	p->tsc_uncert_ppm = 10;
}

static void test_table_names(void)
{
	char n[40];

	CHECK_STR(host_feat_bit_name(R_7_EBX, 5), "avx2");
	CHECK_STR(host_feat_bit_name(R_1_ECX, 21), "x2apic");
	CHECK_STR(host_feat_bit_name(R_1_ECX, 31), "hypervisor");
	CHECK_STR(host_feat_bit_name(R_1_EDX, 25), "sse");
	CHECK_STR(host_feat_bit_name(R_7_ECX, 22), "rdpid");
	CHECK_STR(host_feat_bit_name(R_7_EDX, 29), "arch_capabilities");
	CHECK_STR(host_feat_bit_name(R_X1_ECX, 0), "lahf_lm");
	CHECK(host_feat_bit_name(R_1_EDX, 10) == NULL);
	CHECK(host_feat_bit_name(HOST_NR_FEAT_REGS, 0) == NULL);
	host_feat_reg_name(R_7_EBX, n, sizeof(n));
	CHECK_STR(n, "CPUID.7.0:EBX");
	host_feat_reg_name(R_D_1_EAX, n, sizeof(n));
	CHECK_STR(n, "CPUID.0xD.1:EAX");
	host_feat_reg_name(R_X1_ECX, n, sizeof(n));
	CHECK_STR(n, "CPUID.0x80000001:ECX");
	host_feat_reg_name(R_1_ECX, n, sizeof(n));
	CHECK_STR(n, "CPUID.1:ECX");
}

static void test_req_excludes_emulated_bits(void)
{
	const struct host_cpuid_leaf leaves[] = {
		/* x2apic, tsc-deadline, osxsave, hypervisor and sse4.2 */
		{ .function = 1,
		  .index = 0,
		  .ecx = (1u << 21) | (1u << 24) | (1u << 27) | (1u << 31) | (1u << 20) },
		/* tsc_adjust and avx2; ospke; arch_capabilities and md_clear */
		{ .function = 7,
		  .index = 0,
		  .ebx = (1u << 1) | (1u << 5),
		  .ecx = 1u << 4,
		  .edx = (1u << 29) | (1u << 10) },
		{ .function = 0x40000001, .eax = 0xffffffff }, /* hvemu's own leaf: ignored */
		{ .function = 0x80000007, .edx = (1u << 8) | 0xff },
	};
	struct host_req req;

	host_req_build(leaves, 4, 0x7, 2600000, &req);
	CHECK_EQ(req.regs[R_1_ECX], 1u << 20);
	CHECK_EQ(req.regs[R_7_EBX], 1u << 5);
	CHECK_EQ(req.regs[R_7_ECX], 0);
	CHECK_EQ(req.regs[R_7_EDX], 1u << 10);
	CHECK_EQ(req.regs[R_1_EDX], 0);
	CHECK_EQ(req.regs[9], 1u << 8); /* 0x80000007:EDX: only invariant TSC */
	CHECK_EQ(req.xcr0, 7);
	CHECK_EQ(req.tsc_khz, 2600000);
	host_req_build(NULL, 0, 0, 0, &req);
	for (unsigned i = 0; i < HOST_NR_FEAT_REGS; i++)
		CHECK_EQ(req.regs[i], 0);
}

static void test_leaf_index_matching(void)
{
	/* Leaf 1 has no subleaves: any index matches. Leaf 7 subleaf 1 is its own register. */
	const struct host_cpuid_leaf leaves[] = {
		{ .function = 1, .index = 3, .edx = 1u << 26 },
		{ .function = 7, .index = 1, .eax = 1u << 4, .ebx = 1u << 5 },
	};
	struct host_req req;

	host_req_build(leaves, 2, 0, 0, &req);
	CHECK_EQ(req.regs[R_1_EDX], 1u << 26);
	CHECK_EQ(req.regs[R_7_1_EAX], 1u << 4);
	CHECK_EQ(req.regs[R_7_EBX], 0); /* that EBX belongs to subleaf 1, not 0 */
}

static void test_missing_feature_reason(void)
{
	const struct host_cpuid_leaf leaves[] = {
		{ .function = 7, .index = 0, .ebx = (1u << 5) | (1u << 16) | (1u << 17) },
	};
	struct host_cpu_profile p;
	struct host_req req;
	char why[HOST_REASON_MAX];

	host_req_build(leaves, 1, 0, 0, &req);
	good_profile(&p);
	CHECK(host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "");
	p.regs[R_7_EBX] &= ~(1u << 5);
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "missing CPUID.7.0:EBX bit 5 (avx2)");
	p.regs[R_7_EBX] &= ~((1u << 16) | (1u << 17));
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "missing CPUID.7.0:EBX bit 5 (avx2) and 2 more features");
	/* A bit without a name. */
	good_profile(&p);
	req.regs[R_1_EDX] = 1u << 10;
	p.regs[R_1_EDX] = 0;
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "missing CPUID.1:EDX bit 10");
}

static void test_xcr0_reason(void)
{
	struct host_cpu_profile p;
	struct host_req req;
	char why[HOST_REASON_MAX];

	host_req_build(NULL, 0, 0xe7, 0, &req);
	good_profile(&p);
	p.xcr0 = 0x7;
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "XCR0 lacks 0xe0 (opmask,zmm_hi256,hi16_zmm)");
	p.xcr0 = 0;
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why,
		  "XCR0 lacks 0xe7 (x87,sse,avx,opmask,zmm_hi256,hi16_zmm): XSAVE is not enabled");
	p.xcr0 = 0xff;
	CHECK(host_compat_check(&req, &p, why, sizeof(why)));
}

static void test_tsc_rule(void)
{
	struct host_cpu_profile p;
	struct host_req req;
	char why[HOST_REASON_MAX];

	host_req_build(NULL, 0, 0, 2600000, &req);
	good_profile(&p);
	p.tsc_khz = 2592000; /* 3076 ppm slow */
	p.tsc_uncert_ppm = 12;
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "TSC 2592000 kHz differs from 2600000 kHz by 3076 ppm (more than 250 ppm + "
		       "12 ppm measurement uncertainty)");
	p.tsc_khz = 2600500; /* 192 ppm: the same rate for KVM */
	CHECK(host_compat_check(&req, &p, why, sizeof(why)));
	/* Beyond the tolerance but not beyond tolerance + uncertainty: not certain, kept. */
	p.tsc_khz = 2600780; /* 300 ppm */
	p.tsc_uncert_ppm = 100;
	CHECK(host_compat_check(&req, &p, why, sizeof(why)));
	p.tsc_uncert_ppm = 10;
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	p.tsc_khz = 0;
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "TSC rate could not be measured");
	/* The VM asks for no TSC comparison. */
	req.tsc_khz = 0;
	CHECK(host_compat_check(&req, &p, why, sizeof(why)));
}

static void test_invalid_profile(void)
{
	struct host_cpu_profile p;
	struct host_req req;
	char why[HOST_REASON_MAX];

	host_req_build(NULL, 0, 0, 0, &req);
	memset(&p, 0, sizeof(p));
	snprintf(p.fail, sizeof(p.fail), "could not run on the CPU (ran on CPU 0)");
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "could not run on the CPU (ran on CPU 0)");
	p.fail[0] = '\0';
	CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
	CHECK_STR(why, "not checked");
}

/* The real measurements on this CPU agree with CPUID executed here and with themselves. */
static void test_local_measurement(void)
{
	struct host_cpuid_leaf leaves[3];
	struct host_cpu_profile p;
	struct host_req req;
	unsigned a, b, c, d;
	char why[HOST_REASON_MAX];

	host_check_read_local(&p);
	CHECK(p.valid);
	__cpuid_count(1, 0, a, b, c, d);
	CHECK_EQ(p.regs[R_1_EDX], d);
	CHECK_EQ(p.regs[R_1_ECX], c);
	CHECK(p.tsc_khz > 100000); /* any x86-64 TSC runs faster than 100 MHz */
	CHECK(p.tsc_uncert_ppm < 100000);
	if (c & (1u << 27))
		CHECK((p.xcr0 & 3) == 3); /* x87 and SSE are always enabled with XSAVE */
	/* A VM modelled on this very CPU is compatible with it. */
	leaves[0] =
	    (struct host_cpuid_leaf){ .function = 1, .eax = a, .ebx = b, .ecx = c, .edx = d };
	__cpuid_count(7, 0, a, b, c, d);
	leaves[1] =
	    (struct host_cpuid_leaf){ .function = 7, .eax = a, .ebx = b, .ecx = c, .edx = d };
	__cpuid_count(0x80000001u, 0, a, b, c, d);
	leaves[2] = (struct host_cpuid_leaf){ .function = 0x80000001u, .ecx = c, .edx = d };
	host_req_build(leaves, 3, p.xcr0, p.tsc_khz, &req);
	CHECK_MSG(host_compat_check(&req, &p, why, sizeof(why)), "self-check failed: %s", why);
	/* And one asking for one bit more is not. */
	{
		uint32_t lacking = ~p.regs[R_7_EBX] & ~(1u << 1); /* tsc_adjust is never required */

		if (lacking) {
			req.regs[R_7_EBX] |= lacking & -lacking;
			CHECK(!host_compat_check(&req, &p, why, sizeof(why)));
			CHECK(strncmp(why, "missing CPUID.7.0:EBX bit ", 26) == 0);
		}
	}
}

static struct host_cpu_profile profs[CPU_SETSIZE];

/* The pinned checks: one per CPU, on that CPU; a CPU that cannot run one fails cleanly. */
static void test_check_cpus(void)
{
	cpu_set_t set;
	uint64_t fails0 = host_stats_get()->check_failures;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(1000, &set); /* no such CPU here: the thread cannot be pinned there */
	memset(profs, 0, sizeof(profs));
	CHECK_EQ(host_check_cpus(&set, profs, 2000000000ull, NULL), 2);
	CHECK(profs[0].valid);
	CHECK(profs[0].tsc_khz > 100000);
	CHECK(!profs[1000].valid);
	CHECK_STR(profs[1000].fail, "could not run on the CPU: Invalid argument");
	CHECK_EQ(host_stats_get()->check_failures, fails0 + 1);
	/* A stop request before the first batch: nothing is checked. */
	{
		_Atomic bool stop = true;

		CHECK_EQ(host_check_cpus(&set, profs, 2000000000ull, &stop), 0);
	}
}

/*
 * A check that does not finish in time is given up on: its CPU fails, and the thread,
 * detached, frees itself when it ends (ASan would report the leak, TSan the race).
 */
static void test_check_timeout(void)
{
	cpu_set_t set;
	uint64_t to0 = host_stats_get()->check_timeouts;
	bool timed_out = false;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	/*
	 * 1 ms, while the TSC measurement alone takes HOST_TSC_WINDOW_NS (5 ms). On a loaded
	 * host the waiter itself may be delayed past the end of the check: then try again.
	 */
	for (int attempt = 0; attempt < 10 && !timed_out; attempt++) {
		CHECK_EQ(host_check_cpus(&set, profs, 1000000ull, NULL), 1);
		timed_out = !profs[0].valid;
	}
	CHECK(timed_out);
	CHECK_STR(profs[0].fail, "could not run on the CPU (the check did not finish within 1 ms)");
	CHECK_EQ(host_stats_get()->check_timeouts, to0 + 1);
	CHECK(host_check_stragglers() <= 1); /* it may have ended already */
	CHECK_EQ(host_check_wait_stragglers(5000000000ull), 0);
	CHECK_EQ(host_check_stragglers(), 0);
}

int main(void)
{
	RUN(test_table_names);
	RUN(test_req_excludes_emulated_bits);
	RUN(test_leaf_index_matching);
	RUN(test_missing_feature_reason);
	RUN(test_xcr0_reason);
	RUN(test_tsc_rule);
	RUN(test_invalid_profile);
	RUN(test_local_measurement);
	RUN(test_check_cpus);
	RUN(test_check_timeout);
	return t_done();
}
