// SPDX-License-Identifier: MIT
/*
 * The hypercall dispatcher (TLFS "Hypercall Interface").
 *
 * The checks run in KVM's order (arch/x86/kvm/hyperv.c kvm_hv_hypercall, hyperv-facts
 * §2.2), because the KVM selftests define what guests see when several things are wrong:
 *   0. GUEST_OS_ID == 0: not a Hyper-V hypercall at all (KVM's kvm_hv_hypercall_enabled)
 *   1. CPL > 0 or real mode                          -> #UD
 *   2. decode (64-bit: RCX/RDX/R8; 32-bit: EDX:EAX, EBX:ECX, EDI:ESI)
 *   3. CPUID access check of the call                -> HV_STATUS_ACCESS_DENIED
 *   4. reserved control bits (incl. bit 31)          -> HV_STATUS_INVALID_HYPERCALL_INPUT
 *   5. XMM fast input without 0x40000003.EDX b4      -> #UD
 *   6. unknown call code                             -> HV_STATUS_INVALID_HYPERCALL_CODE
 *   7. per call: varhead on a call without one, rep rules -> INVALID_HYPERCALL_INPUT;
 *      fast on a memory-only call -> HV_STATUS_INVALID_PARAMETER (KVM's debug/ext calls)
 *   8. memory input GPA not 8-byte aligned           -> HV_STATUS_INVALID_ALIGNMENT
 *   9. the handler (which reads its input through hv_hc_read)
 * Step 8 is the TLFS rule (hypercall-interface "Alignment Requirements" and "Hypercall
 * Status Codes"); KVM does not check it for these calls. Guests put their input on a page
 * boundary (Linux uses a per-CPU page, the selftests a page), so it never fires for them,
 * and it keeps every read inside one guest page.
 */
#include <errno.h>
#include <string.h>

#include "hv/hcall.h"
#include "util/log.h"

/* KVM's own hypercall results for a VMCALL that is not a Hyper-V one (uapi kvm_para.h). */
#define KVM_ENOSYS 1000
#define KVM_EPERM  1

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

uint16_t hv_hc_read(struct hv_vp *vp, const struct hv_hcall *hc, uint32_t offset, void *dst,
		    uint32_t len)
{
	const void *src;

	if (!len)
		return HV_STATUS_SUCCESS;
	if (offset > UINT32_MAX - len)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (hc->fast) {
		/* KVM kvm_hv_get_hc_data: more data than the registers hold. */
		if (offset + len > hc->fast_len)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		memcpy(dst, (const uint8_t *)hc->fast_in + offset, len);
		return HV_STATUS_SUCCESS;
	}
	/* TLFS: the input list may not cross a page boundary. */
	if ((hc->ingpa & (HV_PAGE_SIZE - 1)) + offset + len > HV_PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	src = vp->part->ops->gpa_ptr(vp->part->opaque, hc->ingpa + offset, len);
	if (!src)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* One copy: the guest may change its input while we look at it. */
	memcpy(dst, src, len);
	return HV_STATUS_SUCCESS;
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
	memset(hc, 0, sizeof(*hc));
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
	switch (row->kind) {
	case HV_HC_SIMPLE:
		if (!row->varhead && hc->var_cnt)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (hc->rep_cnt || hc->rep_idx)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		break;
	case HV_HC_REP:
		if (!row->varhead && hc->var_cnt)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		/*
		 * TLFS "Hypercall Inputs": the rep start index must be below the rep count.
		 * KVM also rejects any start index on the flush lists, which it always
		 * completes in one call (rep_start_zero).
		 */
		if (!hc->rep_cnt || (row->rep_start_zero && hc->rep_idx) ||
		    hc->rep_idx >= hc->rep_cnt)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		break;
	case HV_HC_UNCHECKED:
		break;
	}
	if (hc->fast && !row->fast)
		return HV_STATUS_INVALID_PARAMETER;
	if (!hc->fast && row->in_size && (hc->ingpa & 7))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
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
	stat_inc(&part->stats.hcall[row ? row->stat : HV_HC_STAT_UNKNOWN]);

	/* TLFS "Ordering of Error Conditions": ACCESS_DENIED comes first. */
	if (row && !gate_open(&part->cpuid, row->gate)) {
		status = HV_STATUS_ACCESS_DENIED;
		goto complete;
	}
	if (hc.control & HV_HYPERCALL_RSVD_MASK) {
		status = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto complete;
	}
	if (hc.fast && row && row->xmm) {
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
	if (status)
		goto complete;

	hc.reps_done = row->kind == HV_HC_REP ? hc.rep_idx : 0;
	r = row->handler(vp, &hc);
	if (r == HV_HC_SUSPEND) {
		/* Nothing is written: the call is re-executed once the VP is unsuspended. */
		stat_inc(&part->stats.hcall_suspended);
		return HV_HCALL_SUSPENDED;
	}
	status = (uint16_t)r;
	if (row->kind == HV_HC_REP) {
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

/* TLFS HvCallNotifyLongSpinWait: the caller has spun spinlock_retries times. */
static int hc_notify_long_spin_wait(struct hv_vp *vp, struct hv_hcall *hc)
{
	(void)hc;
	stat_inc(&vp->part->stats.spin_waits);
	vp->part->ops->yield(vp->part->opaque, vp);
	return HV_STATUS_SUCCESS;
}

/*
 * TLFS HvCallPostMessage / HvCallSignalEvent: hvemu has no SynIC and never offers
 * PostMessages/SignalEvents, so the access check stops them first (ACCESS_DENIED, KVM
 * selftest hyperv_features stages 1 and 3). Were the bit set, KVM answers
 * INVALID_HYPERCALL_INPUT for an inactive SynIC (stages 2 and 4).
 */
static int hc_no_synic(struct hv_vp *vp, struct hv_hcall *hc)
{
	(void)vp;
	(void)hc;
	return HV_STATUS_INVALID_HYPERCALL_INPUT;
}

/*
 * TLFS debugging hypercalls (HvPostDebugData, HvRetrieveDebugData, HvResetDebugSession):
 * with SynDbg disabled KVM lets them through the access check and answers
 * INVALID_HYPERCALL_CODE (hyperv_features stage 5), after rejecting fast Post/Retrieve
 * with INVALID_PARAMETER. Extended hypercalls (TLFS "Extended Hypercall Interface") stop
 * at their access check (EBX b20 is never offered: stage 19).
 */
static int hc_not_offered(struct hv_vp *vp, struct hv_hcall *hc)
{
	(void)vp;
	(void)hc;
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

const struct hv_hc_row hv_hcall_table[] = {
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, "HvCallFlushVirtualAddressSpace", HV_HC_SIMPLE,
	  false, true, true, false, sizeof(struct hv_tlb_flush), 0, HV_GATE_TLBFLUSH,
	  HV_HC_STAT_FLUSH_SPACE, hv_hc_flush },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, 0, "HvCallFlushVirtualAddressList", HV_HC_REP, false,
	  true, true, true, sizeof(struct hv_tlb_flush), sizeof(uint64_t), HV_GATE_TLBFLUSH,
	  HV_HC_STAT_FLUSH_LIST, hv_hc_flush },
	{ HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, "HvCallNotifyLongSpinWait", HV_HC_SIMPLE, false, true,
	  false, false, 0, 0, HV_GATE_SPIN_WAIT, HV_HC_STAT_SPIN_WAIT, hc_notify_long_spin_wait },
	{ HVCALL_SEND_IPI, 0, "HvCallSendSyntheticClusterIpi", HV_HC_SIMPLE, false, true, false,
	  false, sizeof(struct hv_send_ipi), 0, HV_GATE_IPI, HV_HC_STAT_SEND_IPI, hv_hc_send_ipi },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, "HvCallFlushVirtualAddressSpaceEx",
	  HV_HC_SIMPLE, true, true, true, false, sizeof(struct hv_tlb_flush_ex), 0,
	  HV_GATE_TLBFLUSH_EX, HV_HC_STAT_FLUSH_SPACE_EX, hv_hc_flush },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, 0, "HvCallFlushVirtualAddressListEx", HV_HC_REP,
	  true, true, true, true, sizeof(struct hv_tlb_flush_ex), sizeof(uint64_t),
	  HV_GATE_TLBFLUSH_EX, HV_HC_STAT_FLUSH_LIST_EX, hv_hc_flush },
	{ HVCALL_SEND_IPI_EX, 0, "HvCallSendSyntheticClusterIpiEx", HV_HC_SIMPLE, true, true, true,
	  false, sizeof(struct hv_send_ipi_ex), 0, HV_GATE_IPI_EX, HV_HC_STAT_SEND_IPI_EX,
	  hv_hc_send_ipi },
	{ HVCALL_POST_MESSAGE, 0, "HvCallPostMessage", HV_HC_SIMPLE, false, true, false, false, 0,
	  0, HV_GATE_POST_MESSAGES, HV_HC_STAT_POST_MESSAGE, hc_no_synic },
	{ HVCALL_SIGNAL_EVENT, 0, "HvCallSignalEvent", HV_HC_SIMPLE, false, true, false, false, 0,
	  0, HV_GATE_SIGNAL_EVENTS, HV_HC_STAT_SIGNAL_EVENT, hc_no_synic },
	{ HVCALL_POST_DEBUG_DATA, 0, "HvCallPostDebugData", HV_HC_UNCHECKED, false, false, false,
	  false, 0, 0, HV_GATE_ALWAYS, HV_HC_STAT_DEBUG, hc_not_offered },
	{ HVCALL_RETRIEVE_DEBUG_DATA, 0, "HvCallRetrieveDebugData", HV_HC_UNCHECKED, false, false,
	  false, false, 0, 0, HV_GATE_ALWAYS, HV_HC_STAT_DEBUG, hc_not_offered },
	{ HVCALL_RESET_DEBUG_SESSION, 0, "HvCallResetDebugSession", HV_HC_UNCHECKED, false, true,
	  false, false, 0, 0, HV_GATE_ALWAYS, HV_HC_STAT_DEBUG, hc_not_offered },
	{ HV_EXT_CALL_QUERY_CAPABILITIES, HV_EXT_CALL_LAST, "HvExtCall", HV_HC_UNCHECKED, false,
	  false, false, false, 0, 0, HV_GATE_EXTENDED, HV_HC_STAT_EXTENDED, hc_not_offered },
};
const size_t hv_hcall_table_size = sizeof(hv_hcall_table) / sizeof(hv_hcall_table[0]);

enum hv_hcall_outcome hv_hypercall(struct hv_vp *vp, const struct hv_cpu_mode *mode,
				   struct hv_regs *regs)
{
	return hv_hypercall_dispatch(vp, mode, regs, hv_hcall_table, hv_hcall_table_size);
}
