// SPDX-License-Identifier: MIT
/*
 * The synthetic cluster IPI hypercalls: TLFS "HvCallSendSyntheticClusterIpi" and
 * "HvCallSendSyntheticClusterIpiEx". Each has a decoder that turns its fixed header into a
 * struct hv_ipi_req and its targets (the dispatcher reads the Ex banks after it);
 * hv_send_ipi() is the one engine behind both. KVM's results (kvm_hv_send_ipi):
 *   - fast non-Ex: RDX = vector with bits 63:32 zero (else INVALID_HYPERCALL_INPUT),
 *     R8 = processor mask; the memory form's reserved word is not checked;
 *   - Ex: HV_GENERIC_SET_ALL means all VPs, any other format is read as sparse; a sparse
 *     set with no banks succeeds before the vector is looked at;
 *   - a vector outside 0x10-0xFF is INVALID_HYPERCALL_INPUT (the TLFS says
 *     INVALID_PARAMETER; the selftests expect KVM's code).
 */
#include "hv/hcall.h"
#include "util/log.h"

/* TLFS HvCallSendSyntheticClusterIpi: struct hv_send_ipi (fast: RDX = vector, R8 = mask). */
uint16_t hv_decode_send_ipi(struct hv_vp *vp, const struct hv_hcall *hc, const union hv_hc_hdr *hdr,
			    struct hv_hc_req *req)
{
	/* KVM, fast only: "'reserved' part of hv_send_ipi should be 0". */
	if (hc->fast && hdr->send_ipi.reserved)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	req->ipi.vector = hdr->send_ipi.vector;
	hv_vpset_from_mask(&req->targets, hdr->send_ipi.cpu_mask, vp->part->max_vps);
	return HV_STATUS_SUCCESS;
}

/*
 * TLFS HvCallSendSyntheticClusterIpiEx: struct hv_send_ipi_ex, the banks as varhead (fast:
 * RDX = vector, bits 63:32 not checked by KVM here; R8 = format; XMM0.lo = valid_bank_mask).
 */
uint16_t hv_decode_send_ipi_ex(struct hv_vp *vp, const struct hv_hcall *hc,
			       const union hv_hc_hdr *hdr, struct hv_hc_req *req)
{
	(void)vp;
	(void)hc;
	req->ipi.vector = hdr->send_ipi_ex.vector;
	req->vp_set.all = hdr->send_ipi_ex.vp_set.format == HV_GENERIC_SET_ALL;
	req->vp_set.valid_bank_mask = hdr->send_ipi_ex.vp_set.valid_bank_mask;
	return HV_STATUS_SUCCESS;
}

int hv_send_ipi(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req)
{
	struct hv_partition *part = vp->part;
	uint32_t vector = req->ipi.vector;
	int r;

	stat_inc(hc->fast ? &part->stats.ipi_fast : &part->stats.ipi_slow);
	if (req->empty_set)
		return HV_STATUS_SUCCESS;
	if (vector < HV_IPI_LOW_VECTOR || vector > HV_IPI_HIGH_VECTOR)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!req->targets.all && hv_vpset_next(&req->targets, 0, part->max_vps) < 0)
		return HV_STATUS_SUCCESS;
	r = part->ops->send_ipi(part->opaque, vp, &req->targets, vector);
	if (r) {
		/*
		 * KVM ignores delivery failures ("We fail only when APIC is disabled") and
		 * succeeds. A failure status would make Linux resend natively, delivering
		 * twice to the targets that did get it; so count it and succeed.
		 */
		stat_inc(&part->stats.ipi_errors);
		pr_warn_ratelimited("hv: vp %u: IPI vector 0x%x failed (%d)\n", vp->index, vector,
				    r);
	}
	stat_add(&part->stats.ipis_sent, hv_vpset_count_present(part, &req->targets));
	return HV_STATUS_SUCCESS;
}
