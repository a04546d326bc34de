// SPDX-License-Identifier: MIT
/*
 * The remote TLB flush hypercalls: TLFS "HvCallFlushVirtualAddressSpace",
 * "HvCallFlushVirtualAddressList", "HvCallFlushVirtualAddressSpaceEx" and
 * "HvCallFlushVirtualAddressListEx". A decoder per input structure (a List call has its
 * Space call's header; its GVA ranges are the rep list) turns the fixed header into a
 * struct hv_flush_req and its targets, and the dispatcher reads the Ex banks and the GVA
 * list after it, in the order of KVM's kvm_hv_flush_tlb. hv_flush() is the one engine
 * behind the four: the TLB-flush inhibit check (suspend.c), then ops->flush_tlb.
 *
 * KVM-defined results kept here (the selftests check them):
 *   - processor_mask == 0 without HV_FLUSH_ALL_PROCESSORS flushes every VP (KVM's
 *     workaround for WS2012, which sends that and crashes if nothing is flushed); the
 *     TLFS would say INVALID_PARAMETER.
 *   - Ex: any format other than HV_GENERIC_SET_SPARSE_4K means all VPs; a sparse set with
 *     no banks is SUCCESS with nothing flushed and nothing else read (hypercall.c).
 *   - Flags are not validated (KVM ignores them, including reserved bits and
 *     NON_GLOBAL_MAPPINGS_ONLY on the lists, which the TLFS calls invalid); the address
 *     space is ignored: every target flushes everything.
 *   - Reps completed = rep count.
 */
#include "hv/hcall.h"
#include "util/log.h"

#define HV_FLUSH_KNOWN_FLAGS                                             \
	(HV_FLUSH_ALL_PROCESSORS | HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES | \
	 HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY | HV_FLUSH_USE_EXTENDED_RANGE_FORMAT)

/*
 * TLFS HvCallFlushVirtualAddressSpace and HvCallFlushVirtualAddressList: struct
 * hv_tlb_flush, whose processor mask names VPs 0-63 (the List call's GVA ranges follow as its
 * rep elements).
 */
uint16_t hv_decode_flush(struct hv_vp *vp, const struct hv_hcall *hc, const union hv_hc_hdr *hdr,
			 struct hv_hc_req *req)
{
	const struct hv_tlb_flush *in = &hdr->flush;

	(void)hc;
	req->flush.flags = in->flags;
	/* KVM: "Work around possible WS2012 bug": processor_mask 0 means all. */
	if ((in->flags & HV_FLUSH_ALL_PROCESSORS) || !in->processor_mask)
		hv_vpset_fill(&req->targets);
	else
		hv_vpset_from_mask(&req->targets, in->processor_mask, vp->part->max_vps);
	return HV_STATUS_SUCCESS;
}

/*
 * TLFS HvCallFlushVirtualAddressSpaceEx and HvCallFlushVirtualAddressListEx: struct
 * hv_tlb_flush_ex, an HV_VP_SET whose banks are the variable header (and the ListEx call's
 * GVA ranges its rep elements).
 */
uint16_t hv_decode_flush_ex(struct hv_vp *vp, const struct hv_hcall *hc, const union hv_hc_hdr *hdr,
			    struct hv_hc_req *req)
{
	const struct hv_tlb_flush_ex *in = &hdr->flush_ex;

	(void)vp;
	(void)hc;
	req->flush.flags = in->flags;
	/* KVM: every format but sparse is all VPs (IPIs read it differently, see ipi.c). */
	req->vp_set.all = in->hv_vp_set.format != HV_GENERIC_SET_SPARSE_4K;
	req->vp_set.valid_bank_mask = in->hv_vp_set.valid_bank_mask;
	return HV_STATUS_SUCCESS;
}

/*
 * The GVA ranges (TLFS HV_GVA_RANGE) are only counted: user space cannot flush one GVA of
 * another vCPU (docs/flush.md, "Making a vCPU flush"), so every target flushes everything.
 * The dispatcher has read them, so a list that is not readable fails as in KVM's
 * kvm_hv_get_tlb_flush_entries. (KVM skips the read when the list is longer than its
 * 15-entry FIFO; hvemu reads every list, which one page or 112 bytes of fast input bound.)
 */
static void count_gva_ranges(struct hv_partition *part, const struct hv_hc_req *req)
{
	uint64_t extra_mask = (req->flush.flags & HV_FLUSH_USE_EXTENDED_RANGE_FORMAT)
				  ? HV_GVA_RANGE_EXT_ADDITIONAL_MASK
				  : HV_GVA_RANGE_ADDITIONAL_MASK;
	uint64_t pages = 0;

	for (uint32_t i = 0; i < req->nreps; i++)
		pages += (req->reps[i] & extra_mask) + 1;
	stat_add(&part->stats.flush_gva_ranges, req->nreps);
	stat_add(&part->stats.flush_gva_pages, pages);
}

/* Nobody to flush or wait for: the call is complete. */
static int flush_nobody(struct hv_partition *part, struct hv_hcall *hc)
{
	stat_inc(&part->stats.flush_empty);
	hc->reps_done = hc->rep_cnt;
	return HV_STATUS_SUCCESS;
}

int hv_flush(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req)
{
	struct hv_partition *part = vp->part;
	uint64_t flags = req->flush.flags;
	uint32_t blocker, gen;
	int r;

	stat_inc(hc->fast ? &part->stats.flush_fast : &part->stats.flush_slow);
	if (req->empty_set)
		return flush_nobody(part, hc);
	count_gva_ranges(part, req);
	if ((flags & ~HV_FLUSH_KNOWN_FLAGS) ||
	    (req->nreps && (flags & HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY)))
		stat_inc(&part->stats.flush_flags_ignored);
	if (req->targets.all)
		stat_inc(&part->stats.flush_all);
	else if (hv_vpset_next(&req->targets, 0, part->max_vps) < 0)
		return flush_nobody(part, hc); /* only VP indexes beyond max_vps */

	/*
	 * TLFS §9.1.4: a flush that targets a VP with TlbFlushInhibit suspends the caller and
	 * is re-executed when the inhibit is cleared. The read section lets
	 * hv_tlb_flush_inhibit_sync() wait for flushes that got past this check.
	 */
	gen = hv_read_lock(part);
	blocker = hv_suspend_on_inhibited(vp, &req->targets);
	if (blocker != HV_VP_NONE) {
		hv_read_unlock(part, gen);
		return HV_HC_SUSPEND;
	}
	r = part->ops->flush_tlb(part->opaque, vp, &req->targets);
	hv_read_unlock(part, gen);
	if (r) {
		/*
		 * Some target did not acknowledge in time. Not every target may have flushed,
		 * so success would be a lie; HV_STATUS_TIME_OUT names the condition, and a
		 * Linux guest treats any failure by falling back to its native IPI flush
		 * (hyperv_flush_tlb_multi), which is correct if slower.
		 */
		stat_inc(&part->stats.flush_errors);
		pr_warn_ratelimited("hv: vp %u: remote TLB flush failed (%d)\n", vp->index, r);
		return HV_STATUS_TIME_OUT;
	}
	stat_inc(&vp->stats.flushes);
	stat_add(&part->stats.flush_targets, hv_vpset_count_present(part, &req->targets));
	/* "We always do full TLB flush, set 'Reps completed' = 'Rep Count'" (KVM). */
	hc->reps_done = hc->rep_cnt;
	return HV_STATUS_SUCCESS;
}
