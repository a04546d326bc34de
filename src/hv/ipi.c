// SPDX-License-Identifier: MIT
/*
 * TLFS "HvCallSendSyntheticClusterIpi" and "HvCallSendSyntheticClusterIpiEx", with KVM's
 * results (kvm_hv_send_ipi, hyperv-facts §2.6):
 *   - fast non-Ex: RDX = vector with bits 63:32 zero (else INVALID_HYPERCALL_INPUT),
 *     R8 = processor mask; the memory form's reserved word is not checked;
 *   - Ex: var_cnt must equal popcount(valid_bank_mask); HV_GENERIC_SET_ALL means all VPs,
 *     any other format is read as sparse; a sparse set with no banks succeeds before the
 *     vector is looked at;
 *   - a vector outside 0x10-0xFF is INVALID_HYPERCALL_INPUT (the TLFS says
 *     INVALID_PARAMETER; the selftests expect KVM's code).
 * Input offsets are the same for memory and fast input: 0 vector, 8 mask (non-Ex) or
 * format (Ex), 16 valid_bank_mask, 24 banks (fast: RDX, R8, XMM0.lo, XMM0.hi, ...).
 */
#include "hv/hcall.h"
#include "util/log.h"

int hv_hc_send_ipi(struct hv_vp *vp, struct hv_hcall *hc)
{
	struct hv_partition *part = vp->part;
	struct hv_vpset targets;
	uint32_t vector;
	uint16_t st;
	int r;

	stat_inc(hc->fast ? &part->stats.ipi_fast : &part->stats.ipi_slow);
	hv_vpset_clear(&targets);
	if (hc->code == HVCALL_SEND_IPI) {
		stat_inc(&part->stats.ipi_calls);
		if (hc->fast) {
			/* KVM: "'reserved' part of hv_send_ipi should be 0". */
			if (hc->ingpa >> 32)
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
			vector = (uint32_t)hc->ingpa;
			hv_vpset_from_mask(&targets, hc->outgpa, part->max_vps);
		} else {
			struct hv_send_ipi in;

			st = hv_hc_read(vp, hc, 0, &in, sizeof(in));
			if (st)
				return st;
			vector = in.vector;
			hv_vpset_from_mask(&targets, in.cpu_mask, part->max_vps);
		}
	} else {
		struct hv_send_ipi_ex in;

		stat_inc(&part->stats.ipi_ex_calls);
		/* Fast: vector = (u32)RDX (no check of 63:32 here in KVM), format = R8. */
		st = hv_hc_read(vp, hc, 0, &in, sizeof(in));
		if (st)
			return st;
		vector = in.vector;
		if (hc->var_cnt != __builtin_popcountll(in.vp_set.valid_bank_mask))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (in.vp_set.format == HV_GENERIC_SET_ALL) {
			targets.all = true;
		} else if (!hc->var_cnt) {
			return HV_STATUS_SUCCESS;
		} else {
			st = hv_vpset_read_banks(vp, hc, sizeof(in), in.vp_set.valid_bank_mask,
						 &targets);
			if (st)
				return st;
		}
	}
	if (vector < HV_IPI_LOW_VECTOR || vector > HV_IPI_HIGH_VECTOR)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;

	if (!targets.all && hv_vpset_next(&targets, 0, part->max_vps) < 0)
		return HV_STATUS_SUCCESS;
	r = part->ops->send_ipi(part->opaque, vp, &targets, vector);
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
	stat_add(&part->stats.ipis_sent, hv_vpset_count_present(part, &targets));
	return HV_STATUS_SUCCESS;
}
