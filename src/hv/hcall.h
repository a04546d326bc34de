/* SPDX-License-Identifier: MIT */
/*
 * The hypercall dispatcher's table and the interface its handlers use (private to src/hv
 * and its tests). A hypercall is a row: code, kind, what the control word may carry, the
 * CPUID bit that gates it, its fixed input size and its handler. The dispatcher
 * (hypercall.c) does every generic check in KVM's order before it calls the handler.
 */
#ifndef HVEMU_HV_HCALL_H
#define HVEMU_HV_HCALL_H

#include "hv/hv_internal.h"

enum hv_hc_kind {
	HV_HC_SIMPLE,	 /* rep count and rep start must be 0 */
	HV_HC_REP,	 /* rep count >= 1, rep start < rep count */
	HV_HC_UNCHECKED, /* no var/rep checks (KVM's debug and extended calls) */
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
	 * (TLFS "XMM Fast Hypercall Input"), so that a handler reads offset N of the input
	 * the same way for fast and memory calls. fast_len is 16, or 112 with XMM input.
	 */
	uint64_t fast_in[2 + 2 * HV_HYPERCALL_MAX_XMM_REGISTERS];
	uint32_t fast_len;
	/* Out: reps completed, counted from 0 (TLFS "Hypercall Outputs"). */
	uint16_t reps_done;
};

struct hv_hc_row {
	uint16_t code;
	uint16_t code_last; /* a range of codes up to this one; 0 = just code */
	const char *name;
	enum hv_hc_kind kind;
	bool varhead;	     /* accepts a variable header */
	bool fast;	     /* may be called fast; else fast -> INVALID_PARAMETER (KVM) */
	bool xmm;	     /* fast input continues into XMM0-5 (KVM is_xmm_fast_hypercall) */
	bool rep_start_zero; /* KVM rejects a rep start index (the flush lists) */
	uint16_t in_size;    /* fixed input header in bytes; 0 = the input is not read */
	uint16_t rep_size;   /* bytes per rep element */
	enum hv_hc_gate gate;
	enum hv_hc_stat stat;
	/* Returns an HV_STATUS (and sets hc->reps_done for rep calls) or HV_HC_SUSPEND. */
	int (*handler)(struct hv_vp *vp, struct hv_hcall *hc);
};

/* The table hv_hypercall() uses. */
extern const struct hv_hc_row hv_hcall_table[];
extern const size_t hv_hcall_table_size;

/* hv_hypercall() with another table: the dispatcher itself, for tests. */
enum hv_hcall_outcome hv_hypercall_dispatch(struct hv_vp *vp, const struct hv_cpu_mode *mode,
					    struct hv_regs *regs, const struct hv_hc_row *table,
					    size_t n);

/*
 * Copies len bytes at offset of the input (the guest page at ingpa, or the fast
 * parameter block) into dst. Returns 0 or an HV_STATUS:
 *   fast, beyond the registers              INVALID_HYPERCALL_INPUT (KVM kvm_hv_get_hc_data)
 *   memory, crossing the input's page       INVALID_ALIGNMENT (TLFS "Hypercall Status Codes":
 *                                           "input ... parameter lists spans pages")
 *   memory, not guest RAM                   INVALID_HYPERCALL_INPUT (KVM: a failed
 *                                           kvm_read_guest)
 */
uint16_t hv_hc_read(struct hv_vp *vp, const struct hv_hcall *hc, uint32_t offset, void *dst,
		    uint32_t len);

/*
 * Reads the sparse banks of an HV_VP_SET (TLFS datatypes/hv_vp_set), one per set bit of
 * valid_bank_mask, from offset, into set (which it clears first). VP indexes >= max_vps
 * are read (so the input is validated) but dropped, as KVM ignores banks beyond its VPs.
 * Returns 0 or an HV_STATUS.
 */
uint16_t hv_vpset_read_banks(struct hv_vp *vp, const struct hv_hcall *hc, uint32_t offset,
			     uint64_t valid_bank_mask, struct hv_vpset *set);
/* Clears set, or makes it the processor mask of the non-Ex calls (bank 0). */
void hv_vpset_clear(struct hv_vpset *set);
void hv_vpset_from_mask(struct hv_vpset *set, uint64_t mask, uint32_t max_vps);
/* How many VPs of set exist in the partition now (statistics). */
uint32_t hv_vpset_count_present(struct hv_partition *part, const struct hv_vpset *set);

/* Handlers (flush.c, ipi.c). */
int hv_hc_flush(struct hv_vp *vp, struct hv_hcall *hc);
int hv_hc_send_ipi(struct hv_vp *vp, struct hv_hcall *hc);

#endif
