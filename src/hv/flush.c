// SPDX-License-Identifier: MIT
/*
 * The remote TLB flush hypercalls: TLFS "HvCallFlushVirtualAddressSpace",
 * "HvCallFlushVirtualAddressList", "HvCallFlushVirtualAddressSpaceEx" and
 * "HvCallFlushVirtualAddressListEx", parsed as KVM parses them (kvm_hv_flush_tlb,
 * hyperv-facts §2.3), then the TLB-flush inhibit check (suspend.c), then ops->flush_tlb.
 *
 * Input layouts (memory or fast; fast input is RDX, R8, XMM0.lo, XMM0.hi, ... so the byte
 * offsets are the same, see hcall.h):
 *   non-Ex: 0 address_space, 8 flags, 16 processor_mask, 24 gva_list[]
 *   Ex:     0 address_space, 8 flags, 16 format, 24 valid_bank_mask, 32 banks[var_cnt],
 *           then gva_list[]
 *
 * KVM-defined results kept here (the selftests check them):
 *   - processor_mask == 0 without HV_FLUSH_ALL_PROCESSORS flushes every VP (KVM's
 *     workaround for WS2012, which sends that and crashes if nothing is flushed); the
 *     TLFS would say INVALID_PARAMETER.
 *   - Ex with a sparse set and no banks: SUCCESS, nothing flushed, nothing else read.
 *   - Ex: var_cnt must equal popcount(valid_bank_mask), also for HV_GENERIC_SET_ALL, and
 *     any format other than HV_GENERIC_SET_SPARSE_4K means all VPs.
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

#define GVA_CHUNK 64

/*
 * Reads and validates the GVA ranges (the rep elements) at offset. User space cannot flush
 * a single GVA of another vCPU (hyperv-facts §2.12 C: no such ioctl; the only handle is a
 * full guest TLB flush), so the backend always flushes everything and the ranges are only
 * checked (they must be readable, like KVM's kvm_hv_get_tlb_flush_entries) and counted.
 * KVM skips the read when the list is longer than its 15-entry FIFO; hvemu reads every
 * list, which its own XMM/page checks already bound to one page or 112 bytes.
 */
static uint16_t read_gva_list(struct hv_vp *vp, const struct hv_hcall *hc, uint32_t offset,
			      uint64_t flags)
{
	struct hv_partition *part = vp->part;
	uint64_t entries[GVA_CHUNK];
	uint64_t pages = 0;
	uint32_t first = hc->rep_idx, n = (uint32_t)(hc->rep_cnt - hc->rep_idx);
	uint64_t extra_mask = (flags & HV_FLUSH_USE_EXTENDED_RANGE_FORMAT)
				  ? HV_GVA_RANGE_EXT_ADDITIONAL_MASK
				  : HV_GVA_RANGE_ADDITIONAL_MASK;

	for (uint32_t done = 0; done < n;) {
		uint32_t cnt = n - done < GVA_CHUNK ? n - done : GVA_CHUNK;
		uint16_t st = hv_hc_read(vp, hc, offset + (first + done) * 8u, entries,
					 cnt * (uint32_t)sizeof(entries[0]));

		if (st)
			return st;
		for (uint32_t i = 0; i < cnt; i++)
			pages += (entries[i] & extra_mask) + 1;
		done += cnt;
	}
	stat_add(&part->stats.flush_gva_ranges, n);
	stat_add(&part->stats.flush_gva_pages, pages);
	return HV_STATUS_SUCCESS;
}

static void count_form(struct hv_partition *part, const struct hv_hcall *hc)
{
	switch (hc->code) {
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
		stat_inc(&part->stats.flush_space);
		break;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
		stat_inc(&part->stats.flush_list);
		break;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
		stat_inc(&part->stats.flush_space_ex);
		break;
	default:
		stat_inc(&part->stats.flush_list_ex);
		break;
	}
	stat_inc(hc->fast ? &part->stats.flush_fast : &part->stats.flush_slow);
}

int hv_hc_flush(struct hv_vp *vp, struct hv_hcall *hc)
{
	struct hv_partition *part = vp->part;
	bool ex = hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX ||
		  hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
	bool list = hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST ||
		    hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;
	struct hv_vpset targets;
	uint32_t data_off;
	uint64_t flags;
	uint32_t blocker, gen;
	uint16_t st;
	int r;

	count_form(part, hc);
	hv_vpset_clear(&targets);
	if (!ex) {
		struct hv_tlb_flush in;

		st = hv_hc_read(vp, hc, 0, &in, sizeof(in));
		if (st)
			return st;
		flags = in.flags;
		/* KVM: "Work around possible WS2012 bug": processor_mask 0 means all. */
		if ((flags & HV_FLUSH_ALL_PROCESSORS) || in.processor_mask == 0)
			targets.all = true;
		else
			hv_vpset_from_mask(&targets, in.processor_mask, part->max_vps);
		data_off = sizeof(in);
	} else {
		struct hv_tlb_flush_ex in;

		st = hv_hc_read(vp, hc, 0, &in, sizeof(in));
		if (st)
			return st;
		flags = in.flags;
		if (hc->var_cnt != __builtin_popcountll(in.hv_vp_set.valid_bank_mask))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (in.hv_vp_set.format != HV_GENERIC_SET_SPARSE_4K) {
			targets.all = true;
		} else if (!hc->var_cnt) {
			/* An empty sparse set (e.g. all targets lazy): nothing to flush. */
			stat_inc(&part->stats.flush_empty);
			hc->reps_done = hc->rep_cnt;
			return HV_STATUS_SUCCESS;
		} else {
			st = hv_vpset_read_banks(vp, hc, sizeof(in), in.hv_vp_set.valid_bank_mask,
						 &targets);
			if (st)
				return st;
		}
		/* The GVA list follows the banks even for SET_ALL (KVM skips var_cnt). */
		data_off = (uint32_t)sizeof(in) + hc->var_cnt * 8u;
	}
	if (list) {
		st = read_gva_list(vp, hc, data_off, flags);
		if (st)
			return st;
	}
	if ((flags & ~HV_FLUSH_KNOWN_FLAGS) ||
	    (list && (flags & HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY)))
		stat_inc(&part->stats.flush_flags_ignored);
	if (targets.all) {
		stat_inc(&part->stats.flush_all);
	} else if (hv_vpset_next(&targets, 0, part->max_vps) < 0) {
		/* Only VP indexes beyond max_vps, or none: nobody to flush or wait for. */
		stat_inc(&part->stats.flush_empty);
		hc->reps_done = hc->rep_cnt;
		return HV_STATUS_SUCCESS;
	}

	/*
	 * TLFS §9.1.4: a flush that targets a VP with TlbFlushInhibit suspends the caller and
	 * is re-executed when the inhibit is cleared. The read section lets
	 * hv_tlb_flush_inhibit_sync() wait for flushes that got past this check.
	 */
	gen = hv_flush_read_lock(part);
	blocker = hv_suspend_on_inhibited(vp, &targets);
	if (blocker != HV_VP_NONE) {
		hv_flush_read_unlock(part, gen);
		return HV_HC_SUSPEND;
	}
	r = part->ops->flush_tlb(part->opaque, vp, &targets);
	hv_flush_read_unlock(part, gen);
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
	stat_add(&part->stats.flush_targets, hv_vpset_count_present(part, &targets));
	/* "We always do full TLB flush, set 'Reps completed' = 'Rep Count'" (KVM). */
	hc->reps_done = hc->rep_cnt;
	return HV_STATUS_SUCCESS;
}
