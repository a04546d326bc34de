// SPDX-License-Identifier: MIT
/*
 * The hypercall dispatcher (TLFS "Hypercall Interface"): every check that does not depend
 * on what a call means, and the reads of its input, driven by its row (hcall.h).
 *
 * The checks run in KVM's order (arch/x86/kvm/hyperv.c kvm_hv_hypercall), because the KVM
 * selftests define what guests see when several things are wrong:
 *   0. GUEST_OS_ID == 0: not a Hyper-V hypercall at all (KVM's kvm_hv_hypercall_enabled)
 *   1. CPL > 0 or real mode                          -> #UD
 *   2. decode (64-bit: RCX/RDX/R8; 32-bit: EDX:EAX, EBX:ECX, EDI:ESI)
 *   3. the row's CPUID gate                          -> HV_STATUS_ACCESS_DENIED
 *   4. reserved control bits (incl. bit 31)          -> HV_STATUS_INVALID_HYPERCALL_INPUT
 *   5. XMM fast input without 0x40000003.EDX b4      -> #UD
 *   6. unknown call code                             -> HV_STATUS_INVALID_HYPERCALL_CODE
 *   7. the row's kind and varhead: a variable header on a call without one, rep count or
 *      start out of its rules                        -> HV_STATUS_INVALID_HYPERCALL_INPUT;
 *      an input form the row lacks                   -> HV_STATUS_INVALID_PARAMETER (KVM's
 *                                                       debug and extended calls)
 *   8. memory input GPA not 8-byte aligned           -> HV_STATUS_INVALID_ALIGNMENT
 *   9. the fixed header (in_size bytes), then the row's decoder with its own checks
 *  10. the VP set of an Ex call (KVM's order in kvm_hv_flush_tlb and kvm_hv_send_ipi):
 *      var_cnt != popcount(valid_bank_mask)          -> HV_STATUS_INVALID_HYPERCALL_INPUT;
 *      a sparse set with no banks completes the call with nothing read after it; else the
 *      banks
 *  11. the rep list of a rep call
 *  12. the handler
 * A read in 9-11 fails with INVALID_ALIGNMENT when it leaves the input page (TLFS), and
 * with INVALID_HYPERCALL_INPUT outside guest RAM or beyond the fast registers (KVM).
 * Step 8 is the TLFS rule (hypercall-interface "Alignment Requirements" and "Hypercall
 * Status Codes"); KVM does not check it for these calls. Guests put their input on a page
 * boundary (Linux uses a per-CPU page, the selftests a page), so it never fires for them,
 * and it keeps every read inside one guest page.
 */
#include <errno.h>
#include <linux/kvm_para.h> /* KVM_ENOSYS, KVM_EPERM: KVM's results for a non-Hyper-V call */
#include <string.h>

#include "hv/hcall.h"
#include "util/log.h"

static bool gate_open(const struct hv_cpuid_cache *c, enum hv_hc_gate gate)
{
	switch (gate) {
	case HV_GATE_ALWAYS:
		return true;
	case HV_GATE_TLBFLUSH_EX:
		return (c->enlight_eax & HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED) &&
		       (c->enlight_eax & HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED);
	case HV_GATE_TLBFLUSH:
		return c->enlight_eax & HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED;
	case HV_GATE_IPI_EX:
		return (c->enlight_eax & HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED) &&
		       (c->enlight_eax & HV_X64_CLUSTER_IPI_RECOMMENDED);
	case HV_GATE_IPI:
		return c->enlight_eax & HV_X64_CLUSTER_IPI_RECOMMENDED;
	case HV_GATE_SPIN_WAIT:
		return c->enlight_ebx && c->enlight_ebx != HYPERV_SPINLOCK_NEVER_NOTIFY;
	case HV_GATE_POST_MESSAGES:
		return c->features_ebx & HV_POST_MESSAGES;
	case HV_GATE_SIGNAL_EVENTS:
		return c->features_ebx & HV_SIGNAL_EVENTS;
	case HV_GATE_EXTENDED:
		return c->features_ebx & HV_ENABLE_EXTENDED_HYPERCALLS;
	}
	return false;
}

static enum hv_res_stat res_stat(uint16_t status)
{
	switch (status) {
	case HV_STATUS_SUCCESS:
		return HV_RES_SUCCESS;
	case HV_STATUS_INVALID_HYPERCALL_CODE:
		return HV_RES_INVALID_HYPERCALL_CODE;
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
		return HV_RES_INVALID_HYPERCALL_INPUT;
	case HV_STATUS_INVALID_ALIGNMENT:
		return HV_RES_INVALID_ALIGNMENT;
	case HV_STATUS_INVALID_PARAMETER:
		return HV_RES_INVALID_PARAMETER;
	case HV_STATUS_ACCESS_DENIED:
		return HV_RES_ACCESS_DENIED;
	case HV_STATUS_OPERATION_DENIED:
		return HV_RES_OPERATION_DENIED;
	case HV_STATUS_TIME_OUT:
		return HV_RES_TIME_OUT;
	default:
		return HV_RES_OTHER;
	}
}

/*
 * Copies len bytes at offset of the input (the guest page at ingpa, or the fast parameter
 * block) into dst. Returns 0 or an HV_STATUS:
 *   fast, beyond the registers           INVALID_HYPERCALL_INPUT (KVM kvm_hv_get_hc_data)
 *   memory, leaving the input's page     INVALID_ALIGNMENT (TLFS "Hypercall Status Codes":
 *                                        "input ... parameter lists spans pages")
 *   memory, not guest RAM                INVALID_HYPERCALL_INPUT (KVM: a failed
 *                                        kvm_read_guest)
 * So nothing is copied unless len fits in one page (the bound of struct hv_hc_req.reps).
 */
static uint16_t input_read(struct hv_vp *vp, const struct hv_hcall *hc, uint32_t offset, void *dst,
			   uint32_t len)
{
	const void *src;

	if (!len)
		return HV_STATUS_SUCCESS;
	if (offset > UINT32_MAX - len)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (hc->fast) {
		if (offset + len > hc->fast_len)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		memcpy(dst, (const uint8_t *)hc->fast_in + offset, len);
		return HV_STATUS_SUCCESS;
	}
	if ((hc->ingpa & (HV_PAGE_SIZE - 1)) + offset + len > HV_PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	src = vp->part->ops->gpa_ptr(vp->part->opaque, hc->ingpa + offset, len);
	if (!src)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* One copy: the guest may change its input while we look at it. */
	memcpy(dst, src, len);
	return HV_STATUS_SUCCESS;
}

static bool is_rep(const struct hv_hc_row *row)
{
	return row->kind == HV_HC_REP || row->kind == HV_HC_REP_WHOLE;
}

static const struct hv_hc_row *find_row(const struct hv_hc_row *t, size_t n, uint16_t code)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t last = t[i].code_last ? t[i].code_last : t[i].code;

		if (code >= t[i].code && code <= last)
			return &t[i];
	}
	return NULL;
}

static void decode(const struct hv_cpu_mode *mode, const struct hv_regs *regs, struct hv_hcall *hc)
{
	hc->is_64bit = mode->is_64bit;
	if (mode->is_64bit) {
		hc->control = regs->rcx;
		hc->ingpa = regs->rdx;
		hc->outgpa = regs->r8;
	} else {
		/* TLFS "Hypercall Register Conventions (x86/x64)", as KVM decodes them. */
		hc->control = (regs->rdx << 32) | (regs->rax & 0xFFFFFFFFull);
		hc->ingpa = (regs->rbx << 32) | (regs->rcx & 0xFFFFFFFFull);
		hc->outgpa = (regs->rdi << 32) | (regs->rsi & 0xFFFFFFFFull);
	}
	hc->code = (uint16_t)(hc->control & HV_HYPERCALL_CODE_MASK);
	hc->fast = hc->control & HV_HYPERCALL_FAST_BIT;
	hc->var_cnt =
	    (uint16_t)((hc->control & HV_HYPERCALL_VARHEAD_MASK) >> HV_HYPERCALL_VARHEAD_OFFSET);
	hc->rep_cnt =
	    (uint16_t)((hc->control & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET);
	hc->rep_idx = (uint16_t)((hc->control & HV_HYPERCALL_REP_START_MASK) >>
				 HV_HYPERCALL_REP_START_OFFSET);
	hc->fast_in[0] = hc->ingpa;
	hc->fast_in[1] = hc->outgpa;
	hc->fast_len = 0;
	hc->reps_done = 0;
}

/* TLFS "Hypercall Outputs": status in 15:0, reps completed in 43:32; x86: EDX:EAX. */
static void set_result(struct hv_regs *regs, const struct hv_hcall *hc, uint64_t result)
{
	if (hc->is_64bit) {
		regs->rax = result;
		regs->dirty |= HV_REG_DIRTY_RAX;
	} else {
		regs->rdx = result >> 32;
		regs->rax = result & 0xFFFFFFFFull;
		regs->dirty |= HV_REG_DIRTY_RAX | HV_REG_DIRTY_RDX;
	}
}

/* Checks of the control word against the row (KVM's per-call case in kvm_hv_hypercall). */
static uint16_t check_control(const struct hv_hc_row *row, const struct hv_hcall *hc)
{
	if (row->kind != HV_HC_UNCHECKED && row->varhead == HV_HC_VARHEAD_NONE && hc->var_cnt)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	switch (row->kind) {
	case HV_HC_SIMPLE:
		if (hc->rep_cnt || hc->rep_idx)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		break;
	case HV_HC_REP:
	case HV_HC_REP_WHOLE:
		/*
		 * TLFS "Hypercall Inputs": the rep start index must be below the rep count.
		 * KVM also rejects any start index on the flush lists, which it always
		 * completes in one call.
		 */
		if (!hc->rep_cnt || hc->rep_idx >= hc->rep_cnt ||
		    (row->kind == HV_HC_REP_WHOLE && hc->rep_idx))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		break;
	case HV_HC_UNCHECKED:
		break;
	}
	if (!(row->input & (hc->fast ? HV_HC_IN_FAST : HV_HC_IN_MEM)))
		return HV_STATUS_INVALID_PARAMETER;
	if (!hc->fast && row->in_size && (hc->ingpa & 7))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}

/*
 * The VP set of an Ex call, as KVM reads it (kvm_hv_flush_tlb, kvm_hv_send_ipi): the bank
 * count must match valid_bank_mask even when the format means all VPs, whose banks are then
 * skipped; a sparse set with no banks is empty.
 */
static uint16_t read_vp_set(struct hv_vp *vp, const struct hv_hcall *hc,
			    const struct hv_hc_row *row, struct hv_hc_req *req)
{
	uint64_t banks[HV_MAX_SPARSE_VCPU_BANKS];
	uint16_t st;

	if (hc->var_cnt != __builtin_popcountll(req->vp_set.valid_bank_mask))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (req->vp_set.all) {
		hv_vpset_fill(&req->targets);
		return HV_STATUS_SUCCESS;
	}
	if (!hc->var_cnt) {
		req->empty_set = true;
		return HV_STATUS_SUCCESS;
	}
	st = input_read(vp, hc, row->in_size, banks, hc->var_cnt * 8u);
	if (st)
		return st;
	hv_vpset_from_banks(&req->targets, req->vp_set.valid_bank_mask, banks, vp->part->max_vps);
	return HV_STATUS_SUCCESS;
}

/*
 * Steps 9-11: the typed request from the input. TLFS "Variable Sized Hypercall Input
 * Headers" and "Rep Hypercalls": the fixed header, then var_cnt 8-byte words of variable
 * header, then the rep elements.
 */
static uint16_t read_request(struct hv_vp *vp, const struct hv_hcall *hc,
			     const struct hv_hc_row *row, struct hv_hc_req *req)
{
	union hv_hc_hdr hdr;
	uint32_t reps_off;
	uint16_t st;

	req->vp_set.all = false;
	req->vp_set.valid_bank_mask = 0;
	req->empty_set = false;
	req->nreps = 0;
	st = input_read(vp, hc, 0, &hdr, row->in_size);
	if (!st && row->decode)
		st = row->decode(vp, hc, &hdr, req);
	if (!st && row->varhead == HV_HC_VARHEAD_BANKS)
		st = read_vp_set(vp, hc, row, req);
	if (st || req->empty_set || !is_rep(row))
		return st;
	reps_off = row->in_size + hc->var_cnt * 8u + hc->rep_idx * 8u;
	req->nreps = (uint32_t)(hc->rep_cnt - hc->rep_idx);
	return input_read(vp, hc, reps_off, req->reps, req->nreps * 8u);
}

/* GUEST_OS_ID == 0: KVM hands the VMCALL to its own PV hypercall code instead. */
static enum hv_hcall_outcome not_hyperv(struct hv_partition *part, const struct hv_cpu_mode *m,
					struct hv_regs *regs)
{
	uint64_t ret = m->cpl ? (uint64_t)-KVM_EPERM : (uint64_t)-KVM_ENOSYS;

	if (!m->is_64bit)
		ret &= 0xFFFFFFFFull;
	regs->rax = ret;
	regs->dirty |= HV_REG_DIRTY_RAX;
	stat_inc(&part->stats.hcall_disabled);
	pr_info_ratelimited("hv: hypercall with GUEST_OS_ID 0: not a Hyper-V hypercall\n");
	return HV_HCALL_DONE;
}

enum hv_hcall_outcome hv_hypercall_dispatch(struct hv_vp *vp, const struct hv_cpu_mode *mode,
					    struct hv_regs *regs, const struct hv_hc_row *table,
					    size_t n)
{
	struct hv_partition *part = vp->part;
	const struct hv_hc_row *row;
	struct hv_hcall hc;
	struct hv_hc_req req; /* about 5 KiB, not cleared: read_request sets what is read */
	uint64_t result;
	uint16_t status;
	uint16_t reps = 0;
	int r;

	hv_suspend_account(vp);
	stat_inc(&vp->stats.hypercalls);
	if (!atomic_load(&part->guest_os_id))
		return not_hyperv(part, mode, regs);

	/* TLFS "Legal Hypercall Environments": #UD from CPL > 0 and from real mode. */
	if (!mode->protected_mode || mode->cpl != 0) {
		stat_inc(&part->stats.hcall_ud);
		return HV_HCALL_INJECT_UD;
	}

	decode(mode, regs, &hc);
	row = find_row(table, n, hc.code);
	if (!row)
		stat_inc(&part->stats.hcall_unknown);
	else if (table == hv_hcall_table)
		stat_inc(&part->stats.hcall[row - table]);

	/* TLFS "Ordering of Error Conditions": ACCESS_DENIED comes first. */
	if (row && !gate_open(&part->cpuid, row->gate)) {
		status = HV_STATUS_ACCESS_DENIED;
		goto complete;
	}
	if (hc.control & HV_HYPERCALL_RSVD_MASK) {
		status = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto complete;
	}
	if (hc.fast && row && (row->input & HV_HC_IN_XMM) == HV_HC_IN_XMM) {
		/* TLFS "XMM Fast Hypercall Input": #UD when not offered. */
		if (!(part->cpuid.features_edx & HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE)) {
			stat_inc(&part->stats.hcall_ud);
			return HV_HCALL_INJECT_UD;
		}
		if (part->ops->get_xmm(part->opaque, vp, &hc.fast_in[2])) {
			stat_inc(&part->stats.hcall_xmm_errors);
			pr_warn_ratelimited("hv: vp %u: cannot read XMM input\n", vp->index);
			status = HV_STATUS_INVALID_HYPERCALL_INPUT;
			goto complete;
		}
		hc.fast_len = HV_HYPERCALL_FAST_INPUT_BYTES;
	} else if (hc.fast) {
		hc.fast_len = 2 * sizeof(uint64_t);
	}
	if (!row) {
		pr_info_ratelimited("hv: vp %u: unknown hypercall code 0x%x\n", vp->index, hc.code);
		status = HV_STATUS_INVALID_HYPERCALL_CODE;
		goto complete;
	}
	status = check_control(row, &hc);
	if (!status)
		status = read_request(vp, &hc, row, &req);
	if (status)
		goto complete;

	hc.reps_done = is_rep(row) ? hc.rep_idx : 0;
	r = row->handler(vp, &hc, &req);
	if (r == HV_HC_SUSPEND) {
		/* Nothing is written: the call is re-executed once the VP is unsuspended. */
		stat_inc(&part->stats.hcall_suspended);
		return HV_HCALL_SUSPENDED;
	}
	status = (uint16_t)r;
	if (is_rep(row)) {
		reps = hc.reps_done < hc.rep_cnt ? hc.reps_done : hc.rep_cnt;
		/*
		 * TLFS "Rep Hypercalls" / "Volatile Registers": a call that returns with reps
		 * left reports the total done so far and, on x64, leaves the next start index
		 * in RCX so that re-issuing RCX continues. (x86 has no spare register: the
		 * caller rebuilds the control word from reps completed, as Linux's
		 * hv_do_rep_hypercall does on both.)
		 */
		if (status == HV_STATUS_SUCCESS && reps < hc.rep_cnt) {
			stat_inc(&part->stats.hcall_continued);
			if (hc.is_64bit) {
				regs->rcx = (hc.control & ~HV_HYPERCALL_REP_START_MASK) |
					    ((uint64_t)reps << HV_HYPERCALL_REP_START_OFFSET);
				regs->dirty |= HV_REG_DIRTY_RCX;
			}
		}
	}
complete:
	result = (uint64_t)status | ((uint64_t)reps << HV_HYPERCALL_REP_COMP_SHIFT);
	set_result(regs, &hc, result);
	stat_inc(&part->stats.hcall_result[res_stat(status)]);
	return HV_HCALL_DONE;
}

enum hv_hcall_outcome hv_hypercall(struct hv_vp *vp, const struct hv_cpu_mode *mode,
				   struct hv_regs *regs)
{
	return hv_hypercall_dispatch(vp, mode, regs, hv_hcall_table, hv_hcall_table_size);
}
