// SPDX-License-Identifier: MIT
/*
 * --hv parsing and formatting, the CPUID leaves for several feature sets, partition and VP
 * creation, and the VP set helpers.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hv/hv_internal.h"
#include "hv_mock.h"

static void test_parse_words(void)
{
	static const struct {
		const char *word;
		enum hv_feature feat;
	} words[] = {
		{ "vpindex", HV_FEAT_VPINDEX }, { "runtime", HV_FEAT_RUNTIME },
		{ "time", HV_FEAT_TIME },	{ "frequencies", HV_FEAT_FREQUENCIES },
		{ "vapic", HV_FEAT_VAPIC },	{ "reset", HV_FEAT_RESET },
		{ "crash", HV_FEAT_CRASH },	{ "xmm-input", HV_FEAT_XMM_INPUT },
	};
	struct hv_features f;
	char err[128];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		CHECK_EQ(hv_features_parse(words[i].word, &f, err, sizeof(err)), 0);
		CHECK_EQ(f.mask, 1u << words[i].feat);
		CHECK_EQ(f.spinlock_retries, HYPERV_SPINLOCK_NEVER_NOTIFY);
	}
	CHECK_EQ(hv_features_parse("vpindex,tlbflush", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.mask, (1u << HV_FEAT_VPINDEX) | (1u << HV_FEAT_TLBFLUSH));
	CHECK_EQ(hv_features_parse("ipi,vpindex", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.mask, (1u << HV_FEAT_VPINDEX) | (1u << HV_FEAT_IPI));
	CHECK_EQ(hv_features_parse("spinlocks=4095", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.mask, 1u << HV_FEAT_SPINLOCKS);
	CHECK_EQ(f.spinlock_retries, 4095);
	CHECK_EQ(hv_features_parse("spinlocks=0xffffffff", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.spinlock_retries, 0xFFFFFFFF);
	CHECK_EQ(hv_features_parse("spinlocks=0X1F", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.spinlock_retries, 0x1F);
	CHECK_EQ(hv_features_parse("", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.mask, 0);
	CHECK_EQ(hv_features_parse("vpindex,vpindex", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.mask, 1u << HV_FEAT_VPINDEX);

	CHECK_EQ(hv_features_parse("all", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.mask, (1u << HV_FEAT_NR) - 1);
	CHECK_EQ(f.spinlock_retries, 0xFFF);
	/* An explicit value wins, in either order. */
	CHECK_EQ(hv_features_parse("spinlocks=100,all", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.spinlock_retries, 100);
	CHECK_EQ(hv_features_parse("all,spinlocks=200", &f, err, sizeof(err)), 0);
	CHECK_EQ(f.spinlock_retries, 200);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *list, *msg;
	} bad[] = {
		{ "tlbflush", "tlbflush needs vpindex" },
		{ "ipi", "ipi needs vpindex" },
		{ "time,ipi,reset", "ipi needs vpindex" },
		{ "vpindex,bogus", "unknown Hyper-V feature 'bogus'" },
		{ "hv-vpindex", "unknown Hyper-V feature 'hv-vpindex'" },
		{ "VPINDEX", "unknown Hyper-V feature 'VPINDEX'" },
		{ "vpindex,,time", "empty Hyper-V feature name in the list" },
		{ "vpindex,", "empty Hyper-V feature name in the list" },
		{ ",vpindex", "empty Hyper-V feature name in the list" },
		{ "spinlocks", "spinlocks needs a value (spinlocks=N)" },
		{ "spinlocks=",
		  "bad spinlocks value '' (want 1-4294967295, 0xffffffff = never notify)" },
		{ "spinlocks=0",
		  "bad spinlocks value '0' (want 1-4294967295, 0xffffffff = never notify)" },
		{ "spinlocks=-1",
		  "bad spinlocks value '-1' (want 1-4294967295, 0xffffffff = never notify)" },
		{ "spinlocks=4294967296", "bad spinlocks value '4294967296' (want 1-4294967295, "
					  "0xffffffff = never notify)" },
		{ "spinlocks=0x",
		  "bad spinlocks value '0x' (want 1-4294967295, 0xffffffff = never notify)" },
		{ "spinlocks=12a",
		  "bad spinlocks value '12a' (want 1-4294967295, 0xffffffff = never notify)" },
		{ "spinlocks= 5",
		  "bad spinlocks value ' 5' (want 1-4294967295, 0xffffffff = never notify)" },
		{ "time=1", "Hyper-V feature 'time' takes no value" },
		{ "all=1", "unknown Hyper-V feature 'all'" },
		{ " vpindex", "unknown Hyper-V feature ' vpindex'" },
	};
	struct hv_features f = { .mask = 0x5a, .spinlock_retries = 7 };
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(hv_features_parse(bad[i].list, &f, err, sizeof(err)) == -EINVAL, "'%s'",
			  bad[i].list);
		CHECK_STR(err, bad[i].msg);
		CHECK_EQ(f.mask, 0x5a); /* untouched on error */
	}
	CHECK_EQ(hv_features_parse(NULL, &f, err, sizeof(err)), -EINVAL);
	CHECK_EQ(hv_features_parse("bogus", &f, NULL, 0), -EINVAL); /* no message buffer */
	/* A tiny message buffer is truncated, still terminated. */
	CHECK_EQ(hv_features_parse("bogus", &f, err, 5), -EINVAL);
	CHECK_STR(err, "unkn");
}

static void test_format(void)
{
	struct hv_features f;
	char buf[256];

	CHECK_EQ(hv_features_parse("all", &f, NULL, 0), 0);
	CHECK_EQ(hv_features_format(&f, buf, sizeof(buf)),
		 (int)strlen("vpindex,runtime,time,frequencies,vapic,tlbflush,ipi,reset,crash,"
			     "spinlocks=0xfff,xmm-input,synic,stimer,stimer-direct,tsc-invariant"));
	CHECK_STR(buf, "vpindex,runtime,time,frequencies,vapic,tlbflush,ipi,reset,crash,"
		       "spinlocks=0xfff,xmm-input,synic,stimer,stimer-direct,tsc-invariant");
	/* The text parses back to the same set. */
	{
		struct hv_features g;

		CHECK_EQ(hv_features_parse(buf, &g, NULL, 0), 0);
		CHECK_EQ(g.mask, f.mask);
		CHECK_EQ(g.spinlock_retries, f.spinlock_retries);
	}
	CHECK_EQ(hv_features_parse("ipi,vpindex", &f, NULL, 0), 0);
	CHECK_EQ(hv_features_format(&f, buf, sizeof(buf)), 11);
	CHECK_STR(buf, "vpindex,ipi");
	f.mask = 0;
	CHECK_EQ(hv_features_format(&f, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	CHECK_EQ(hv_features_parse("vpindex,time", &f, NULL, 0), 0);
	CHECK_EQ(hv_features_format(&f, buf, 10), -ENOSPC);
	CHECK_STR(buf, "vpindex");
	CHECK_EQ(hv_features_format(&f, buf, 0), -ENOSPC);
}

static const struct hv_cpuid_leaf *find_leaf(const struct hv_cpuid_leaf *l, int n, uint32_t fn)
{
	for (int i = 0; i < n; i++)
		if (l[i].function == fn)
			return &l[i];
	return NULL;
}

static void test_cpuid(void)
{
	struct hv_cpuid_leaf l[16];
	const struct hv_cpuid_leaf *x;
	struct hv_features f;
	int n;

	/* No features: no Hyper-V leaves at all. */
	CHECK_EQ(hv_features_parse("", &f, NULL, 0), 0);
	CHECK_EQ(hv_cpuid_build(&f, 8, l, 16), 0);

	/* Minimal: vpindex. */
	CHECK_EQ(hv_features_parse("vpindex", &f, NULL, 0), 0);
	n = hv_cpuid_build(&f, 8, l, 16);
	CHECK_EQ(n, HV_CPUID_NR_LEAVES);
	x = find_leaf(l, n, 0x40000000);
	CHECK(x && x->eax == 0x4000000A && x->ebx == 0x7263694D && x->ecx == 0x666F736F &&
	      x->edx == 0x76482074);
	CHECK(x && !memcmp(&x->ebx, "Micr", 4) && !memcmp(&x->ecx, "osof", 4) &&
	      !memcmp(&x->edx, "t Hv", 4));
	x = find_leaf(l, n, 0x40000001);
	CHECK(x && !memcmp(&x->eax, "Hv#1", 4) && x->ebx == 0 && x->ecx == 0 && x->edx == 0);
	x = find_leaf(l, n, 0x40000002);
	CHECK(x && x->eax == 0x3839 && x->ebx == 0x000A0000);
	x = find_leaf(l, n, 0x40000003);
	CHECK(x && x->eax == (HV_X64_MSR_HYPERCALL_AVAILABLE | HV_X64_MSR_VP_INDEX_AVAILABLE));
	CHECK(x && x->ebx == 0 && x->ecx == 0 &&
	      x->edx == HV_X64_CPU_DYNAMIC_PARTITIONING_AVAILABLE);
	x = find_leaf(l, n, 0x40000004);
	CHECK(x && x->eax == HV_X64_RELAXED_TIMING_RECOMMENDED && x->ebx == 0xFFFFFFFF);
	x = find_leaf(l, n, 0x40000005);
	CHECK(x && x->eax == 8 && x->ebx == 64);
	for (uint32_t fn = 0x40000006; fn <= 0x4000000A; fn++) {
		x = find_leaf(l, n, fn);
		CHECK(x && x->eax == 0 && x->ebx == 0 && x->ecx == 0 && x->edx == 0 &&
		      x->index == 0);
	}

	/* Even "time" alone gets HypercallMsrs + VpIndex (QEMU), so Linux detects Hyper-V. */
	CHECK_EQ(hv_features_parse("time", &f, NULL, 0), 0);
	n = hv_cpuid_build(&f, 1, l, 16);
	x = find_leaf(l, n, 0x40000003);
	CHECK(x &&
	      x->eax == (HV_X64_MSR_HYPERCALL_AVAILABLE | HV_X64_MSR_VP_INDEX_AVAILABLE |
			 HV_X64_MSR_TIME_REF_COUNT_AVAILABLE | HV_X64_MSR_REFERENCE_TSC_AVAILABLE));

	/* Everything. */
	CHECK_EQ(hv_features_parse("all,spinlocks=0x2000", &f, NULL, 0), 0);
	n = hv_cpuid_build(&f, 1024, l, 16);
	x = find_leaf(l, n, 0x40000003);
	CHECK(x &&
	      x->eax == (HV_X64_MSR_VP_RUNTIME_AVAILABLE | HV_X64_MSR_TIME_REF_COUNT_AVAILABLE |
			 HV_X64_MSR_APIC_ACCESS_AVAILABLE | HV_X64_MSR_HYPERCALL_AVAILABLE |
			 HV_X64_MSR_VP_INDEX_AVAILABLE | HV_X64_MSR_RESET_AVAILABLE |
			 HV_X64_MSR_REFERENCE_TSC_AVAILABLE | HV_X64_ACCESS_FREQUENCY_MSRS |
			 HV_X64_MSR_SYNIC_AVAILABLE | HV_X64_MSR_SYNTIMER_AVAILABLE |
			 HV_X64_ACCESS_TSC_INVARIANT));
	CHECK(x && x->ebx == (HV_POST_MESSAGES | HV_SIGNAL_EVENTS));
	CHECK(x && x->edx ==
		       (HV_X64_CPU_DYNAMIC_PARTITIONING_AVAILABLE |
			HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE | HV_FEATURE_FREQUENCY_MSRS_AVAILABLE |
			HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE | HV_STIMER_DIRECT_MODE_AVAILABLE));
	/* Linux's hv_spinlock.c would wait in RDMSR GUEST_IDLE, which hvemu does not halt on. */
	CHECK(x && !(x->eax & HV_X64_MSR_GUEST_IDLE_AVAILABLE));
	x = find_leaf(l, n, 0x40000004);
	CHECK(x &&
	      x->eax == (HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED | HV_X64_RELAXED_TIMING_RECOMMENDED |
			 HV_X64_CLUSTER_IPI_RECOMMENDED | HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED |
			 HV_DEPRECATING_AEOI_RECOMMENDED));
	CHECK(x && !(x->eax & HV_X64_APIC_ACCESS_RECOMMENDED));
	CHECK(x && x->ebx == 0x2000);
	x = find_leaf(l, n, 0x40000005);
	CHECK(x && x->eax == 1024);

	/* tlbflush alone / ipi alone bring EX masks with them. */
	CHECK_EQ(hv_features_parse("vpindex,ipi", &f, NULL, 0), 0);
	n = hv_cpuid_build(&f, 4, l, 16);
	x = find_leaf(l, n, 0x40000004);
	CHECK(x && x->eax == (HV_X64_RELAXED_TIMING_RECOMMENDED | HV_X64_CLUSTER_IPI_RECOMMENDED |
			      HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED));

	/* Errors. */
	CHECK_EQ(hv_cpuid_build(&f, 4, l, HV_CPUID_NR_LEAVES - 1), -ENOSPC);
	CHECK_EQ(hv_cpuid_build(&f, 4, NULL, 16), -ENOSPC);
	f.mask = 1u << HV_FEAT_TLBFLUSH; /* breaks a dependency */
	CHECK_EQ(hv_cpuid_build(&f, 4, l, 16), -EINVAL);
}

static void test_partition_and_vps(void)
{
	struct hvmock *m = hvmock_new(4096);
	struct hv_platform_ops ops = hvmock_ops;
	struct hv_partition_params p = {
		.max_vps = 4, .tsc_hz = HVMOCK_TSC_HZ, .ops = &ops, .opaque = m, .timers = m->timers
	};
	struct hv_partition *part;
	struct hv_vp *vp, *vp2;
	uint32_t gen;

	CHECK_EQ(hv_features_parse("all", &p.features, NULL, 0), 0);
	ops.get_xmm = NULL;
	CHECK_EQ(hv_partition_create(&p, &part), -EINVAL);
	ops.get_xmm = hvmock_ops.get_xmm;
	ops.unsuspended = NULL; /* optional */
	p.max_vps = 0;
	CHECK_EQ(hv_partition_create(&p, &part), -EINVAL);
	p.max_vps = HV_VPSET_MAX_VP + 1;
	CHECK_EQ(hv_partition_create(&p, &part), -EINVAL);
	p.features.mask = 1u << HV_FEAT_IPI;
	p.max_vps = 4;
	CHECK_EQ(hv_partition_create(&p, &part), -EINVAL);
	CHECK_EQ(hv_partition_create(NULL, &part), -EINVAL);
	CHECK_EQ(hv_features_parse("all", &p.features, NULL, 0), 0);
	CHECK_EQ(hv_partition_create(&p, &part), 0);
	CHECK_EQ(hv_partition_features(part)->mask, p.features.mask);

	CHECK_EQ(hv_vp_create(part, 4, NULL, &vp), -EINVAL);
	CHECK_EQ(hv_vp_create(part, 1, (void *)0x1234, &vp), 0);
	CHECK_EQ(hv_vp_index(vp), 1);
	CHECK(hv_vp_opaque(vp) == (void *)0x1234);
	CHECK(hv_vp_lookup(part, 1) == vp);
	CHECK(hv_vp_lookup(part, 0) == NULL);
	CHECK(hv_vp_lookup(part, 99) == NULL);
	CHECK_EQ(hv_vp_create(part, 1, NULL, &vp2), -EEXIST);
	/* A reader that found the VP before its destruction may use it to the end. */
	gen = hv_read_lock(part);
	CHECK(hv_vp_lookup(part, 1) == vp);
	hv_vp_destroy(vp);
	CHECK(hv_vp_lookup(part, 1) == NULL);
	CHECK_EQ(hv_vp_index(vp), 1); /* ASan: still allocated */
	CHECK_EQ(hvmock_pstat(part, "vps_retired"), 1);
	CHECK_EQ(hvmock_pstat(part, "vps_freed"), 0);
	hv_read_unlock(part, gen);
	/* Once no reader can hold it, the next create (or destroy) frees it. */
	CHECK_EQ(hv_vp_create(part, 1, NULL, &vp2), 0);
	CHECK(vp2 != vp);
	CHECK_EQ(hvmock_pstat(part, "vps_retired"), 0);
	CHECK_EQ(hvmock_pstat(part, "vps_freed"), 1);
	CHECK(hv_vp_lookup(part, 1) == vp2);
	/* Without readers a destroyed VP is freed at once. */
	hv_vp_destroy(vp2);
	CHECK_EQ(hvmock_pstat(part, "vps_retired"), 0);
	CHECK_EQ(hvmock_pstat(part, "vps_freed"), 2);
	/* A destroyed VP held by a reader at the end is freed with the partition (ASan). */
	CHECK_EQ(hv_vp_create(part, 2, NULL, &vp), 0);
	gen = hv_read_lock(part);
	hv_vp_destroy(vp);
	CHECK_EQ(hvmock_pstat(part, "vps_retired"), 1);
	hv_read_unlock(part, gen);
	hv_partition_destroy(part);
	hv_partition_destroy(NULL);
	hvmock_free(m);
}

static void test_vpset_helpers(void)
{
	struct hv_vpset s;
	int64_t vp;
	unsigned n = 0;
	int64_t seen[8] = { 0 };

	memset(&s, 0, sizeof(s));
	s.bank[0] = (1ull << 2) | (1ull << 63);
	s.bank[1] = 1ull << 1;
	s.bank[63] = 1ull << 63;
	CHECK_EQ(hv_vpset_count(&s, 4096), 4);
	CHECK_EQ(hv_vpset_count(&s, 65), 2);
	CHECK_EQ(hv_vpset_count(&s, 66), 3);
	CHECK_EQ(hv_vpset_count(&s, 100000), 4);
	vpset_for_each (vp, &s, 4096) {
		if (n < 8)
			seen[n] = vp;
		n++;
	}
	CHECK_EQ(n, 4);
	CHECK(seen[0] == 2 && seen[1] == 63 && seen[2] == 65 && seen[3] == 4095);
	CHECK_EQ(hv_vpset_next(&s, 3, 4096), 63);
	CHECK_EQ(hv_vpset_next(&s, 64, 4096), 65);
	CHECK_EQ(hv_vpset_next(&s, 66, 4096), 4095);
	CHECK_EQ(hv_vpset_next(&s, 66, 4095), -1);
	CHECK_EQ(hv_vpset_next(&s, 4096, 4096), -1);
	CHECK(hv_vpset_test(&s, 65) && !hv_vpset_test(&s, 64) && !hv_vpset_test(&s, 5000));
	s.all = true;
	CHECK_EQ(hv_vpset_count(&s, 10), 10);
	CHECK_EQ(hv_vpset_next(&s, 7, 10), 7);
	CHECK_EQ(hv_vpset_next(&s, 10, 10), -1);
}

int main(void)
{
	RUN(test_parse_words);
	RUN(test_parse_errors);
	RUN(test_format);
	RUN(test_cpuid);
	RUN(test_partition_and_vps);
	RUN(test_vpset_helpers);
	return t_done();
}
