// SPDX-License-Identifier: MIT
/*
 * The hypercalls hvemu answers: one row each (hcall.h says what the fields mean), and the
 * handlers of the calls that have no module of their own. Each row names its TLFS section.
 */
#include "hv/hcall.h"
#include "util/compiler.h"

/* TLFS HvCallNotifyLongSpinWait: the caller has spun spinlock_retries times. */
static int hc_notify_long_spin_wait(struct hv_vp *vp, struct hv_hcall *hc,
				    const struct hv_hc_req *req)
{
	(void)hc;
	(void)req;
	stat_inc(&vp->part->stats.spin_waits);
	vp->part->ops->yield(vp->part->opaque, vp);
	return HV_STATUS_SUCCESS;
}

/*
 * TLFS debugging hypercalls (HvPostDebugData, HvRetrieveDebugData, HvResetDebugSession):
 * with SynDbg disabled KVM lets them through the access check and answers
 * INVALID_HYPERCALL_CODE (hyperv_features stage 5), after rejecting fast Post/Retrieve
 * with INVALID_PARAMETER. Extended hypercalls (TLFS "Extended Hypercall Interface") stop
 * at their access check (EBX b20 is never offered: stage 19).
 */
static int hc_not_offered(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req)
{
	(void)vp;
	(void)hc;
	(void)req;
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

#define HV_HC_IN_ANY (HV_HC_IN_MEM | HV_HC_IN_FAST)

const struct hv_hc_row hv_hcall_table[] = {
	/* TLFS HvCallFlushVirtualAddressSpace (0x0002) */
	{ .code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE,
	  .name = "flush_space",
	  .kind = HV_HC_SIMPLE,
	  .input = HV_HC_IN_MEM | HV_HC_IN_XMM,
	  .gate = HV_GATE_TLBFLUSH,
	  .in_size = sizeof(struct hv_tlb_flush),
	  .decode = hv_decode_flush,
	  .handler = hv_flush },
	/* TLFS HvCallFlushVirtualAddressList (0x0003) */
	{ .code = HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST,
	  .name = "flush_list",
	  .kind = HV_HC_REP_WHOLE,
	  .input = HV_HC_IN_MEM | HV_HC_IN_XMM,
	  .gate = HV_GATE_TLBFLUSH,
	  .in_size = sizeof(struct hv_tlb_flush),
	  .decode = hv_decode_flush,
	  .handler = hv_flush },
	/* TLFS HvCallNotifyLongSpinWait (0x0008): its input (the spin count) is not read */
	{ .code = HVCALL_NOTIFY_LONG_SPIN_WAIT,
	  .name = "notify_long_spin_wait",
	  .kind = HV_HC_SIMPLE,
	  .input = HV_HC_IN_ANY,
	  .gate = HV_GATE_SPIN_WAIT,
	  .handler = hc_notify_long_spin_wait },
	/* TLFS HvCallSendSyntheticClusterIpi (0x000B) */
	{ .code = HVCALL_SEND_IPI,
	  .name = "send_ipi",
	  .kind = HV_HC_SIMPLE,
	  .input = HV_HC_IN_ANY,
	  .gate = HV_GATE_IPI,
	  .in_size = sizeof(struct hv_send_ipi),
	  .decode = hv_decode_send_ipi,
	  .handler = hv_send_ipi },
	/* TLFS HvCallFlushVirtualAddressSpaceEx (0x0013) */
	{ .code = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX,
	  .name = "flush_space_ex",
	  .kind = HV_HC_SIMPLE,
	  .varhead = HV_HC_VARHEAD_BANKS,
	  .input = HV_HC_IN_MEM | HV_HC_IN_XMM,
	  .gate = HV_GATE_TLBFLUSH_EX,
	  .in_size = sizeof(struct hv_tlb_flush_ex),
	  .decode = hv_decode_flush_ex,
	  .handler = hv_flush },
	/* TLFS HvCallFlushVirtualAddressListEx (0x0014) */
	{ .code = HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX,
	  .name = "flush_list_ex",
	  .kind = HV_HC_REP_WHOLE,
	  .varhead = HV_HC_VARHEAD_BANKS,
	  .input = HV_HC_IN_MEM | HV_HC_IN_XMM,
	  .gate = HV_GATE_TLBFLUSH_EX,
	  .in_size = sizeof(struct hv_tlb_flush_ex),
	  .decode = hv_decode_flush_ex,
	  .handler = hv_flush },
	/* TLFS HvCallSendSyntheticClusterIpiEx (0x0015) */
	{ .code = HVCALL_SEND_IPI_EX,
	  .name = "send_ipi_ex",
	  .kind = HV_HC_SIMPLE,
	  .varhead = HV_HC_VARHEAD_BANKS,
	  .input = HV_HC_IN_MEM | HV_HC_IN_XMM,
	  .gate = HV_GATE_IPI_EX,
	  .in_size = sizeof(struct hv_send_ipi_ex),
	  .decode = hv_decode_send_ipi_ex,
	  .handler = hv_send_ipi },
	/* TLFS HvCallPostMessage (0x005C): memory input only, read by its decoder */
	{ .code = HVCALL_POST_MESSAGE,
	  .name = "post_message",
	  .kind = HV_HC_SIMPLE,
	  .input = HV_HC_IN_ANY,
	  .gate = HV_GATE_POST_MESSAGES,
	  .decode = hv_decode_post_message,
	  .handler = hv_post_message },
	/* TLFS HvCallSignalEvent (0x005D): fast, or its parameter in memory */
	{ .code = HVCALL_SIGNAL_EVENT,
	  .name = "signal_event",
	  .kind = HV_HC_SIMPLE,
	  .input = HV_HC_IN_ANY,
	  .gate = HV_GATE_SIGNAL_EVENTS,
	  .decode = hv_decode_signal_event,
	  .handler = hv_signal_event },
	/* TLFS HvPostDebugData (0x0069) */
	{ .code = HVCALL_POST_DEBUG_DATA,
	  .name = "post_debug_data",
	  .kind = HV_HC_UNCHECKED,
	  .input = HV_HC_IN_MEM,
	  .gate = HV_GATE_ALWAYS,
	  .handler = hc_not_offered },
	/* TLFS HvRetrieveDebugData (0x006A) */
	{ .code = HVCALL_RETRIEVE_DEBUG_DATA,
	  .name = "retrieve_debug_data",
	  .kind = HV_HC_UNCHECKED,
	  .input = HV_HC_IN_MEM,
	  .gate = HV_GATE_ALWAYS,
	  .handler = hc_not_offered },
	/* TLFS HvResetDebugSession (0x006B) */
	{ .code = HVCALL_RESET_DEBUG_SESSION,
	  .name = "reset_debug_session",
	  .kind = HV_HC_UNCHECKED,
	  .input = HV_HC_IN_ANY,
	  .gate = HV_GATE_ALWAYS,
	  .handler = hc_not_offered },
	/* TLFS "Extended Hypercall Interface": HvExtCallQueryCapabilities (0x8001) and on */
	{ .code = HV_EXT_CALL_QUERY_CAPABILITIES,
	  .code_last = HV_EXT_CALL_LAST,
	  .name = "extended",
	  .kind = HV_HC_UNCHECKED,
	  .input = HV_HC_IN_MEM,
	  .gate = HV_GATE_EXTENDED,
	  .handler = hc_not_offered },
};
const size_t hv_hcall_table_size = ARRAY_SIZE(hv_hcall_table);

_Static_assert(ARRAY_SIZE(hv_hcall_table) <= HV_HCALL_ROWS_MAX, "part->stats.hcall[] too small");
