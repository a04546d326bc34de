// SPDX-License-Identifier: MIT
/*
 * What query-hyperv reads from src/hv: the guest OS identity decoded (TLFS "Reporting the
 * Guest OS Identity", both encodings, with the IDs Linux and Windows write), and the
 * partition and VP snapshots after the MSR writes Linux's hyperv_init() makes.
 */
#include <string.h>

#include "harness.h"
#include "hv/hv.h"
#include "hv_mock.h"

static void test_decode_linux(void)
{
	struct hv_guest_os o;

	/* Linux 6.1.192: hv_generate_guest_id(LINUX_VERSION_CODE) = 0x8100 << 48 | code << 16 */
	hv_guest_os_id_decode(0x8100000601c00000ull, &o);
	CHECK(o.open_source);
	CHECK_EQ(o.os_type, 1);
	CHECK_EQ(o.os_id, 0);
	CHECK_EQ(o.version, 0x0601c0);
	CHECK_EQ(o.build, 0);
	CHECK_STR(o.os, "Linux");
	CHECK_STR(o.version_text, "6.1.192");
	hv_guest_os_id_decode(0x8100000508001234ull, &o);
	CHECK_STR(o.version_text, "5.8.0");
	CHECK_EQ(o.build, 0x1234);
}

static void test_decode_others(void)
{
	struct hv_guest_os o;

	hv_guest_os_id_decode(0, &o);
	CHECK_STR(o.os, "none");
	CHECK(!o.open_source);
	/* FreeBSD (type 2), version as a number */
	hv_guest_os_id_decode(0x8200000000120000ull | 7, &o);
	CHECK_STR(o.os, "FreeBSD");
	CHECK_STR(o.version_text, "0x12");
	CHECK_EQ(o.build, 7);
	/* hvemu's own test guests: open source, type 0 */
	hv_guest_os_id_decode(0x8000000000010000ull, &o);
	CHECK_STR(o.os, "unknown");
	CHECK_EQ(o.os_type, 0);
	/* Windows Server 2019 as QEMU's docs show it: vendor 1, Windows NT, 10.0, build 17763 */
	hv_guest_os_id_decode(0x0001040a00004563ull, &o);
	CHECK(!o.open_source);
	CHECK_EQ(o.vendor, 1);
	CHECK_EQ(o.os_id, 4);
	CHECK_EQ(o.major, 10);
	CHECK_EQ(o.minor, 0);
	CHECK_EQ(o.build, 0x4563);
	CHECK_STR(o.os, "Windows NT");
	CHECK_STR(o.version_text, "10.0");
}

static void test_snapshot(void)
{
	struct hvmock *m = hvmock_new(64u << 20);
	struct hv_partition *part = NULL;
	struct hv_partition_info pi;
	struct hv_vp_info vi;
	struct hv_vp *vp0, *vp1;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(hvmock_partition(m, "all", 4, &part), 0);
	vp0 = hvmock_vp(part, 0);
	vp1 = hvmock_vp(part, 1);
	CHECK(vp0 && vp1);
	if (!vp0 || !vp1)
		goto out;
	hv_partition_query(part, &pi);
	CHECK_EQ(pi.guest_os_id, 0);
	CHECK_EQ(pi.hypercall, 0);
	CHECK_EQ(pi.reference_tsc, 0);
	CHECK_EQ(pi.tsc_sequence, 0);
	/* The CPUID words Linux prints in "Hyper-V: privilege flags low ..., hints ..." */
	CHECK(pi.privileges_low & HV_X64_MSR_HYPERCALL_AVAILABLE);
	CHECK(pi.privileges_low & HV_X64_MSR_VP_INDEX_AVAILABLE);
	CHECK(pi.hints & HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED);
	CHECK(pi.hints & HV_X64_CLUSTER_IPI_RECOMMENDED);
	CHECK_EQ(pi.spinlock_retries, 0xfff);

	/* hyperv_init(): GUEST_OS_ID, the hypercall page, VP 0's assist page, the TSC page. */
	CHECK_EQ(hv_msr_write(vp0, HV_X64_MSR_GUEST_OS_ID, 0x8100000601c00000ull), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(vp0, HV_X64_MSR_HYPERCALL, 0x200001), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(vp0, HV_X64_MSR_VP_ASSIST_PAGE, 0x300001), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(vp0, HV_X64_MSR_REFERENCE_TSC, 0x400001), HV_MSR_OK);
	hv_partition_query(part, &pi);
	CHECK_EQ(pi.guest_os_id, 0x8100000601c00000ull);
	CHECK_EQ(pi.hypercall, 0x200001);
	CHECK_EQ(pi.reference_tsc, 0x400001);
	CHECK(pi.tsc_sequence != 0 && pi.tsc_sequence != 0xFFFFFFFFu);
	hv_vp_query(vp0, &vi);
	CHECK_EQ(vi.vp_index, 0);
	CHECK_EQ(vi.vp_assist_page, 0x300001);
	hv_vp_query(vp1, &vi);
	CHECK_EQ(vi.vp_index, 1);
	CHECK_EQ(vi.vp_assist_page, 0);
	/* hv_cpu_die(): the assist page off again */
	CHECK_EQ(hv_msr_write(vp0, HV_X64_MSR_VP_ASSIST_PAGE, 0), HV_MSR_OK);
	hv_vp_query(vp0, &vi);
	CHECK_EQ(vi.vp_assist_page, 0);
out:
	hv_partition_destroy(part);
	hvmock_free(m);
}

int main(void)
{
	RUN(test_decode_linux);
	RUN(test_decode_others);
	RUN(test_snapshot);
	return t_done();
}
