/* SPDX-License-Identifier: MIT */
/*
 * The hypercall table and what its rows plug into (private to src/hv and its tests).
 *
 * A hypercall is one row of hv_hcall_table (hcall_table.c) saying what the dispatcher
 * (hypercall.c) must check and read before the call's own code runs:
 *   .code .name   the call code (or a range of codes) and its statistic, hcalls_<name>
 *   .kind         what the rep count and rep start may be
 *   .varhead      what the variable header holds (if the call takes one)
 *   .input        the input forms it takes: memory, fast (RDX, R8), fast with XMM0-5
 *   .gate         the CPUID bit without which the call is ACCESS_DENIED
 *   .in_size      the fixed input header the dispatcher reads (0: the input is not read)
 *   .decode       turns that header into the call's typed request (struct hv_hc_req); a
 *                 decoder of a row without in_size reads the input itself (the SynIC
 *                 calls, whose statuses for a fast or unmapped input are QEMU's)
 *   .handler      acts on the request: the flush engine (flush.c), the IPI engine (ipi.c)...
 * The dispatcher does the generic checks in KVM's order, reads the fixed header, calls the
 * decoder, reads the sparse VP-set banks (the variable header) and the rep list into the
 * request, calls the handler and writes the result. Adding a call is a row, a decoder
 * (when it has input) and a handler.
 */
#ifndef HVEMU_HV_HCALL_H
#define HVEMU_HV_HCALL_H

#include "hv/hv_internal.h"

enum hv_hc_kind {
	HV_HC_SIMPLE,	 /* rep count and rep start must be 0 */
	HV_HC_REP,	 /* rep count >= 1, rep start < rep count; may return with reps left */
	HV_HC_REP_WHOLE, /* as HV_HC_REP with rep start 0: KVM completes its flush lists at once */
	HV_HC_UNCHECKED, /* no variable header or rep checks (KVM's debug and extended calls) */
};

/* What the variable header (TLFS "Variable Sized Hypercall Input Headers") holds. */
enum hv_hc_varhead {
	HV_HC_VARHEAD_NONE,  /* the call takes none: a non-zero size is INVALID_HYPERCALL_INPUT */
	HV_HC_VARHEAD_BANKS, /* the banks of the request's sparse VP set (the Ex calls) */
};

/*
 * The input forms a call takes (TLFS "Hypercall Classes", "XMM Fast Hypercall Input"). A call
 * made in a form its row lacks gets HV_STATUS_INVALID_PARAMETER, KVM's answer for its
 * memory-only debug and extended calls.
 */
enum {
	HV_HC_IN_MEM = 1u << 0,	 /* the input page at the GPA in RDX */
	HV_HC_IN_FAST = 1u << 1, /* fast: RDX, R8 */
	/* fast, on into XMM0-5 (KVM's is_xmm_fast_hypercall) */
	HV_HC_IN_XMM = (1u << 2) | HV_HC_IN_FAST,
};

/* The CPUID condition of KVM's hv_check_hypercall_access() for a call. */
enum hv_hc_gate {
	HV_GATE_ALWAYS,
	HV_GATE_TLBFLUSH,      /* 0x40000004.EAX REMOTE_TLB_FLUSH_RECOMMENDED */
	HV_GATE_TLBFLUSH_EX,   /* ... and EX_PROCESSOR_MASKS_RECOMMENDED */
	HV_GATE_IPI,	       /* 0x40000004.EAX CLUSTER_IPI_RECOMMENDED */
	HV_GATE_IPI_EX,	       /* ... and EX_PROCESSOR_MASKS_RECOMMENDED */
	HV_GATE_SPIN_WAIT,     /* 0x40000004.EBX != 0 && != 0xFFFFFFFF */
	HV_GATE_POST_MESSAGES, /* 0x40000003.EBX HV_POST_MESSAGES */
	HV_GATE_SIGNAL_EVENTS, /* 0x40000003.EBX HV_SIGNAL_EVENTS */
	HV_GATE_EXTENDED,      /* 0x40000003.EBX HV_ENABLE_EXTENDED_HYPERCALLS */
};

/* A handler's return value that is not an HV_STATUS: the caller was suspended. */
#define HV_HC_SUSPEND (-1)

/* The decoded hypercall (KVM's struct kvm_hv_hcall). */
struct hv_hcall {
	uint64_t control; /* the hypercall input value */
	uint64_t ingpa;	  /* input GPA, or fast input param 1 (RDX / EBX:ECX) */
	uint64_t outgpa;  /* output GPA, or fast input param 2 (R8 / EDI:ESI) */
	uint16_t code, var_cnt, rep_cnt, rep_idx;
	bool fast;
	bool is_64bit;
	/*
	 * Fast input as one parameter block: RDX, R8, then XMM0.lo, XMM0.hi, ... XMM5.hi
	 * (TLFS "XMM Fast Hypercall Input"), so that offset N of the input reads the same way
	 * for fast and memory calls. fast_len is 16, or 112 with XMM input.
	 */
	uint64_t fast_in[2 + 2 * HV_HYPERCALL_MAX_XMM_REGISTERS];
	uint32_t fast_len;
	/* Out: reps completed, counted from 0 (TLFS "Hypercall Outputs"). */
	uint16_t reps_done;
};

/* The fixed input headers the decoders read (include/hv/tlfs.h has the layouts). */
union hv_hc_hdr {
	struct hv_tlb_flush flush;
	struct hv_tlb_flush_ex flush_ex;
	struct hv_send_ipi send_ipi;
	struct hv_send_ipi_ex send_ipi_ex;
};

/* A remote TLB flush, what the four flush calls decode to (flush.c); the List calls' GVA
 * ranges are the request's rep elements. */
struct hv_flush_req {
	uint64_t flags; /* HV_FLUSH_*: not validated (KVM ignores them) */
};

/* A synthetic cluster IPI, what the two IPI calls decode to (ipi.c). */
struct hv_ipi_req {
	uint32_t vector;
};

/* HvPostMessage's input and HvSignalEvent's parameter (synic_conn.c). */
struct hv_post_message_req {
	struct hv_input_post_message msg;
};
struct hv_signal_event_req {
	uint64_t param; /* connection ID 23:0, flag number 47:32 */
};

/* Memory input lies in one page, so a rep list has at most this many 8-byte elements. */
#define HV_HC_MAX_REPS (HV_PAGE_SIZE / sizeof(uint64_t))

/* A call's typed request: filled by its decoder and the dispatcher, read by its handler. */
struct hv_hc_req {
	/* The VPs the call names: the decoder sets them from a processor mask ... */
	struct hv_vpset targets;
	/*
	 * ... or, with HV_HC_VARHEAD_BANKS, describes the HV_VP_SET of its header here and the
	 * dispatcher builds targets from it and the banks.
	 */
	struct {
		bool all; /* the format means every VP (flush and IPI read it differently) */
		uint64_t valid_bank_mask;
	} vp_set;
	/*
	 * Set by the dispatcher: the VP set is sparse with no banks. The call completes with
	 * nothing done, and nothing after the banks is read (KVM).
	 */
	bool empty_set;
	/* Set by the dispatcher for rep calls: elements [rep_idx, rep_cnt) of the rep list. */
	uint32_t nreps;
	uint64_t reps[HV_HC_MAX_REPS];
	union {
		struct hv_flush_req flush;
		struct hv_ipi_req ipi;
		struct hv_post_message_req post_message;
		struct hv_signal_event_req signal_event;
	};
};

/* Fills req from the row's fixed header. Returns 0 or an HV_STATUS. */
typedef uint16_t (*hv_hc_decode_fn)(struct hv_vp *vp, const struct hv_hcall *hc,
				    const union hv_hc_hdr *hdr, struct hv_hc_req *req);
/* Returns an HV_STATUS (and sets hc->reps_done for rep calls) or HV_HC_SUSPEND. */
typedef int (*hv_hc_handler_fn)(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req);

struct hv_hc_row {
	uint16_t code;
	uint16_t code_last; /* a range of codes up to this one; 0 = just code */
	const char *name;
	enum hv_hc_kind kind;
	enum hv_hc_varhead varhead;
	uint8_t input; /* HV_HC_IN_* */
	enum hv_hc_gate gate;
	uint16_t in_size; /* <= sizeof(union hv_hc_hdr); memory input must then be 8-aligned */
	hv_hc_decode_fn decode; /* NULL: nothing to decode */
	hv_hc_handler_fn handler;
};

/* The table hv_hypercall() uses (hcall_table.c); its rows index part->stats.hcall[]. */
extern const struct hv_hc_row hv_hcall_table[];
extern const size_t hv_hcall_table_size;

/* hv_hypercall() with another table: the dispatcher itself, for tests. Only calls through
 * hv_hcall_table are counted per call. */
enum hv_hcall_outcome hv_hypercall_dispatch(struct hv_vp *vp, const struct hv_cpu_mode *mode,
					    struct hv_regs *regs, const struct hv_hc_row *table,
					    size_t n);

/* Decoders (one per input structure) and handlers of the table's rows. */
uint16_t hv_decode_flush(struct hv_vp *vp, const struct hv_hcall *hc, const union hv_hc_hdr *hdr,
			 struct hv_hc_req *req);
uint16_t hv_decode_flush_ex(struct hv_vp *vp, const struct hv_hcall *hc, const union hv_hc_hdr *hdr,
			    struct hv_hc_req *req);
uint16_t hv_decode_send_ipi(struct hv_vp *vp, const struct hv_hcall *hc, const union hv_hc_hdr *hdr,
			    struct hv_hc_req *req);
uint16_t hv_decode_send_ipi_ex(struct hv_vp *vp, const struct hv_hcall *hc,
			       const union hv_hc_hdr *hdr, struct hv_hc_req *req);
/*
 * HvPostMessage and HvSignalEvent read their own input (in_size 0): what KVM + QEMU answer
 * for a fast or unmapped input differs from the dispatcher's generic statuses
 * (synic_conn.c).
 */
uint16_t hv_decode_post_message(struct hv_vp *vp, const struct hv_hcall *hc,
				const union hv_hc_hdr *hdr, struct hv_hc_req *req);
uint16_t hv_decode_signal_event(struct hv_vp *vp, const struct hv_hcall *hc,
				const union hv_hc_hdr *hdr, struct hv_hc_req *req);
/* The flush engine (flush.c), the IPI engine (ipi.c) and the SynIC calls (synic_conn.c). */
int hv_flush(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req);
int hv_send_ipi(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req);
int hv_post_message(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req);
int hv_signal_event(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req);

/* vpset.c: building a set: every VP; the processor mask of the non-Ex calls (bank 0); ... */
void hv_vpset_fill(struct hv_vpset *set);
void hv_vpset_from_mask(struct hv_vpset *set, uint64_t mask, uint32_t max_vps);
/* ... the sparse banks of an HV_VP_SET (TLFS datatypes/hv_vp_set): banks[i] is the i-th set bit
 * of valid_bank_mask. VP indexes >= max_vps are dropped (KVM ignores them). */
void hv_vpset_from_banks(struct hv_vpset *set, uint64_t valid_bank_mask, const uint64_t *banks,
			 uint32_t max_vps);
/* How many VPs of set exist in the partition now (statistics). */
uint32_t hv_vpset_count_present(struct hv_partition *part, const struct hv_vpset *set);

#endif
