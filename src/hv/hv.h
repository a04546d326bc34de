/* SPDX-License-Identifier: MIT */
/*
 * The interface between the KVM backend (src/kvm) and the Hyper-V enlightenment logic
 * (src/hv). Everything in src/hv is pure logic: it never issues a KVM ioctl. What it
 * needs from the machine (guest memory, time, flushing, interrupts, system events) it asks
 * of struct hv_platform_ops, which the backend implements and the unit tests mock.
 *
 * Objects:
 *   struct hv_partition  one per VM: features, partition-wide MSRs (GUEST_OS_ID, HYPERCALL,
 *                        REFERENCE_TSC, crash), the VP-index table, statistics.
 *   struct hv_vp         one per vCPU: its VP index, per-VP MSRs (VP_ASSIST_PAGE, ...),
 *                        the TLB-flush inhibit and suspended state, statistics.
 *
 * Threading: hv_hypercall() and hv_msr_read/write() run on the calling vCPU's thread.
 * hv_set_tlb_flush_inhibit() and the query functions may run on any thread. Partition-wide
 * MSR state is protected by a partition lock inside src/hv (a leaf lock: no platform op is
 * called while it is held, except gpa_ptr).
 */
#ifndef HVEMU_HV_HV_H
#define HVEMU_HV_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/tlfs.h"
#include "util/stats.h"

struct hv_partition;
struct hv_vp;
struct tsvc;

/*
 * The port the hypercall page exits through: the page written on HV_X64_MSR_HYPERCALL
 * enable is "out %al, $HV_HYPERCALL_EXIT_PORT; ret" (E6 E6 C3) followed by int3 padding.
 * A one-byte OUT to this port is a hypercall only when hv_hypercall_exit_from_page() says
 * it came from that page; any other access is an ordinary unclaimed port.
 */
#define HV_HYPERCALL_EXIT_PORT 0xE6
#define HV_HYPERCALL_EXIT_LEN  2 /* bytes of the page's `out` */

/* --- features (the --hv option) ------------------------------------------------------ */

/* One bit per --hv feature, QEMU's vocabulary. */
enum hv_feature {
	HV_FEAT_VPINDEX,       /* vpindex: HV_X64_MSR_VP_INDEX */
	HV_FEAT_RUNTIME,       /* runtime: HV_X64_MSR_VP_RUNTIME */
	HV_FEAT_TIME,	       /* time: TIME_REF_COUNT + REFERENCE_TSC page */
	HV_FEAT_FREQUENCIES,   /* frequencies: TSC_FREQUENCY, APIC_FREQUENCY */
	HV_FEAT_VAPIC,	       /* vapic: VP assist page, EOI/ICR/TPR MSRs */
	HV_FEAT_TLBFLUSH,      /* tlbflush: remote TLB flush hypercalls (+ Ex) (needs vpindex) */
	HV_FEAT_IPI,	       /* ipi: synthetic cluster IPI hypercalls (+ Ex) (needs vpindex) */
	HV_FEAT_RESET,	       /* reset: HV_X64_MSR_RESET */
	HV_FEAT_CRASH,	       /* crash: crash MSRs */
	HV_FEAT_SPINLOCKS,     /* spinlocks=N: 0x40000004.EBX = N, HvCallNotifyLongSpinWait */
	HV_FEAT_XMM_INPUT,     /* xmm-input: XMM fast hypercall input (0x40000003.EDX b4) */
	HV_FEAT_SYNIC,	       /* synic: SynIC MSRs, messages, events (needs vpindex) */
	HV_FEAT_STIMER,	       /* stimer: synthetic timers (needs synic and time) */
	HV_FEAT_STIMER_DIRECT, /* stimer-direct: direct-mode timers (needs stimer) */
	HV_FEAT_TSC_INVARIANT, /* tsc-invariant: HV_X64_MSR_TSC_INVARIANT_CONTROL */
	HV_FEAT_NR,
};

struct hv_features {
	uint32_t mask;		   /* BIT(enum hv_feature) */
	uint32_t spinlock_retries; /* valid with HV_FEAT_SPINLOCKS; 0xFFFFFFFF = never notify */
};

/*
 * Parses a --hv list ("vpindex,tlbflush,spinlocks=4095", "all", "" = none) and checks the
 * dependencies. On error returns -EINVAL and writes a message naming the problem (the
 * unknown word, or "tlbflush needs vpindex") into err.
 */
int hv_features_parse(const char *list, struct hv_features *out, char *err, size_t errlen);
static inline bool hv_has(const struct hv_features *f, enum hv_feature feat)
{
	return f->mask & (1u << feat);
}
/*
 * Canonical text of a feature set (for logs and query-status), e.g.
 * "vpindex,time,tlbflush,spinlocks=0xfff"; "" for none. Returns the length written
 * (without the NUL), or -ENOSPC when it does not fit (buf then holds a truncated,
 * NUL-terminated prefix). "all" sets spinlocks=0xfff (KVM's default) unless a value is given.
 */
int hv_features_format(const struct hv_features *f, char *buf, size_t len);

/* --- CPUID ---------------------------------------------------------------------------- */

struct hv_cpuid_leaf {
	uint32_t function, index;
	uint32_t eax, ebx, ecx, edx;
};

/*
 * Builds the Hyper-V leaves 0x40000000-0x4000000A for the feature set ("Microsoft Hv",
 * "Hv#1", privileges, recommendations, limits). Returns the number of leaves written
 * (HV_CPUID_NR_LEAVES, or 0 when no feature is enabled: no Hyper-V leaf is visible then),
 * -ENOSPC when max is too small, -EINVAL for a bad feature set.
 */
#define HV_CPUID_NR_LEAVES 11
int hv_cpuid_build(const struct hv_features *f, uint32_t max_vps, struct hv_cpuid_leaf *out,
		   unsigned max);

/* --- VP sets ------------------------------------------------------------------------- */

#define HV_VPSET_MAX_VP 4096 /* 64 sparse banks of 64 VPs */

/* A decoded target set: either all VPs, or a bitmap indexed by VP index. */
struct hv_vpset {
	bool all;
	uint64_t bank[HV_VPSET_MAX_VP / 64];
};

static inline bool hv_vpset_test(const struct hv_vpset *s, uint32_t vp)
{
	return s->all || (vp < HV_VPSET_MAX_VP && (s->bank[vp / 64] >> (vp % 64)) & 1);
}

/* The first VP index >= from that is in s and < limit, or -1. */
int64_t hv_vpset_next(const struct hv_vpset *s, uint32_t from, uint32_t limit);
/* How many VP indexes < limit s contains. */
uint32_t hv_vpset_count(const struct hv_vpset *s, uint32_t limit);
/* Iterates vp (an int64_t) over the VP indexes < limit in s, in increasing order. */
#define vpset_for_each(vp, s, limit)                           \
	for ((vp) = hv_vpset_next((s), 0, (limit)); (vp) >= 0; \
	     (vp) = hv_vpset_next((s), (uint32_t)(vp) + 1, (limit)))

/* --- what src/hv needs from the machine ---------------------------------------------- */

enum hv_system_event {
	HV_EVENT_RESET, /* HV_X64_MSR_RESET written with bit 0 */
	HV_EVENT_CRASH, /* HV_X64_MSR_CRASH_CTL written with CRASH_NOTIFY */
};

struct hv_platform_ops {
	/*
	 * Host pointer to guest physical [gpa, gpa + len), or NULL if any byte of it is not
	 * guest RAM. Never crosses into memory the guest does not own.
	 */
	void *(*gpa_ptr)(void *opaque, uint64_t gpa, uint64_t len);
	/*
	 * The guest's TSC now (the value RDTSC returns in the guest). First called when the
	 * guest first uses the reference time (TIME_REF_COUNT, REFERENCE_TSC), which then
	 * starts near 0; never from hv_partition_create, so the backend may learn the guest
	 * TSC offset from its first vCPU.
	 */
	uint64_t (*guest_tsc)(void *opaque);
	/* CPU time the vCPU's thread has used, in ns (for HV_X64_MSR_VP_RUNTIME). */
	uint64_t (*vp_runtime_ns)(void *opaque, struct hv_vp *vp);
	/*
	 * Make every vCPU in targets (VP indexes; unknown ones ignored) flush its guest TLB:
	 * on return each has flushed or will flush before it next runs guest code. The caller
	 * may be among the targets. Returns 0, or -ETIMEDOUT when a target did not acknowledge
	 * in time: the hypercall then fails with HV_STATUS_TIME_OUT (any -errno does), and a
	 * Linux guest falls back to its native IPI flush (see flush.c).
	 */
	int (*flush_tlb)(void *opaque, struct hv_vp *caller, const struct hv_vpset *targets);
	/*
	 * Deliver a fixed, edge interrupt with vector to every VP in targets, exactly once.
	 * An error is counted and logged but the hypercall still succeeds, as in KVM (which
	 * ignores kvm_apic_set_irq failures): see ipi.c.
	 */
	int (*send_ipi)(void *opaque, struct hv_vp *caller, const struct hv_vpset *targets,
			uint32_t vector);
	/*
	 * HV_X64_MSR_EOI / ICR / TPR forwarded as the x2APIC registers (msr = 0x80B, 0x830,
	 * 0x808) with the value unchanged: KVM passes the Hyper-V MSR value to the same
	 * kvm_lapic_msr_write() its x2APIC MSRs use, and the Hyper-V ICR layout (ICR-high in
	 * 63:32) is the x2APIC ICR layout. Returns 0 or -errno (e.g. -EOPNOTSUPP when the APIC
	 * is not in x2APIC mode, or a read of the write-only EOI): the guest then gets #GP.
	 */
	int (*apic_write)(void *opaque, struct hv_vp *vp, uint32_t x2apic_msr, uint64_t value);
	int (*apic_read)(void *opaque, struct hv_vp *vp, uint32_t x2apic_msr, uint64_t *value);
	/* VP assist page enabled at gpa (page aligned) or disabled: the backend programs PV EOI. */
	int (*vp_assist_page)(void *opaque, struct hv_vp *vp, uint64_t gpa, bool enable);
	/*
	 * Reset or crash: the backend stops the VM. params = CRASH_P0..P4 for HV_EVENT_CRASH,
	 * NULL for HV_EVENT_RESET. Called on the vCPU thread, no src/hv lock held.
	 */
	void (*system_event)(void *opaque, struct hv_vp *vp, enum hv_system_event ev,
			     const uint64_t params[5]);
	/* HvCallNotifyLongSpinWait: give the host CPU away (sched_yield). */
	void (*yield)(void *opaque, struct hv_vp *vp);
	/*
	 * XMM0-XMM5 of the calling vCPU as 12 64-bit halves (XMM0.lo, XMM0.hi, ...). Only
	 * called for an XMM fast hypercall; an error fails it with INVALID_HYPERCALL_INPUT.
	 */
	int (*get_xmm)(void *opaque, struct hv_vp *vp, uint64_t xmm[12]);
	/*
	 * A suspended vCPU was unsuspended (wake it: it is not in KVM_RUN). May be NULL: a
	 * vCPU thread blocked in hv_vp_wait_unsuspended() is woken by src/hv itself. Called
	 * from the thread that unsuspends it, no src/hv lock held. Every other op is required.
	 */
	void (*unsuspended)(void *opaque, struct hv_vp *vp);
	/*
	 * SynIC (required with the synic feature): raise `vector` on vp's own local APIC as a
	 * fixed, edge interrupt, from any thread, possibly under vp's SynIC lock (it must not
	 * call back into src/hv). auto_eoi: the SINT has AutoEOI set, so the interrupt must
	 * not need an EOI (a handler that never writes EOI blocks nothing; docs/synic.md).
	 * Returns 0, or -errno when it could not be raised.
	 */
	int (*raise_irq)(void *opaque, struct hv_vp *vp, uint32_t vector, bool auto_eoi);
};

/* --- partition and VPs --------------------------------------------------------------- */

struct hv_partition_params {
	struct hv_features features;
	uint32_t max_vps; /* VP indexes are < max_vps (<= HV_VPSET_MAX_VP) */
	uint64_t tsc_hz;  /* guest TSC frequency (> 10 MHz with HV_FEAT_TIME) */
	uint64_t apic_hz; /* APIC bus frequency (HV_X64_MSR_APIC_FREQUENCY) */
	const struct hv_platform_ops *ops;
	void *opaque; /* passed to every op */
	/*
	 * With the synic feature: the timer service the synthetic timers and the message
	 * retry poll run on (its callbacks call into src/hv). Stop it before destroying the
	 * partition.
	 */
	struct tsvc *timers;
};

/* -EINVAL for bad params (a missing op, max_vps out of range, a feature set that breaks a
 * dependency), -ENOMEM. */
int hv_partition_create(const struct hv_partition_params *p, struct hv_partition **out);
void hv_partition_destroy(struct hv_partition *part);
const struct hv_features *hv_partition_features(const struct hv_partition *part);

/*
 * Creates the Hyper-V state of one VP with the given index (assigned by the backend in
 * vCPU creation order, never reused). Fails with -EEXIST if the index is taken, -EINVAL if
 * out of range. The VP becomes a possible flush/IPI target only after hv_vp_set_online().
 */
int hv_vp_create(struct hv_partition *part, uint32_t vp_index, void *vp_opaque, struct hv_vp **out);
/*
 * Undo hv_vp_create (removal, or rollback of a failed bring-up). Wakes anyone waiting on
 * the VP. The VP is unpublished at once and freed once no read section that could have
 * found it is left (never waits for one); the index may be created again. The caller
 * must first clear any pointer to the VP that it publishes itself.
 */
void hv_vp_destroy(struct hv_vp *vp);
/*
 * Going offline (parked or removed) also unsuspends every VP waiting on this one, like
 * hv_unsuspend_waiters_of(): an offline VP is not a flush target, so it cannot block one.
 */
void hv_vp_set_online(struct hv_vp *vp, bool online);
uint32_t hv_vp_index(const struct hv_vp *vp);
void *hv_vp_opaque(const struct hv_vp *vp);
/*
 * The VP with that index, or NULL. Lock-free. From any thread but the VP's own, call it
 * inside a read section and use the VP only until the section ends.
 */
struct hv_vp *hv_vp_lookup(struct hv_partition *part, uint32_t vp_index);
/*
 * Read sections: a VP of another thread, found by hv_vp_lookup() or through a pointer the
 * backend published, stays allocated until the end of the section it was found in.
 * Sections nest and are cheap (two atomic operations on a partition-wide counter); the
 * destruction of a VP never waits for them. hv_tlb_flush_inhibit_sync() waits for the
 * sections that began before it.
 */
uint32_t hv_read_lock(struct hv_partition *part);
void hv_read_unlock(struct hv_partition *part, uint32_t gen);

/* --- synthetic MSRs (TLFS "Virtual Processor Properties", "Timers", ...) ------------- */

enum hv_msr_result {
	HV_MSR_OK,	/* handled; for reads *value is set */
	HV_MSR_GP,	/* inject #GP */
	HV_MSR_UNKNOWN, /* not a Hyper-V MSR: the caller decides */
};

enum hv_msr_result hv_msr_read(struct hv_vp *vp, uint32_t msr, uint64_t *value);
enum hv_msr_result hv_msr_write(struct hv_vp *vp, uint32_t msr, uint64_t value);
/* True for the MSR range src/hv owns (0x40000000-0x400001FF). */
bool hv_msr_is_synthetic(uint32_t msr);

/* --- hypercalls (TLFS "Hypercall Interface") ----------------------------------------- */

/*
 * Whether a one-byte OUT to HV_HYPERCALL_EXIT_PORT whose instruction pointer translates to
 * guest physical rip_gpa is a hypercall: GUEST_OS_ID is non-zero, the HYPERCALL MSR's enable
 * bit is set, the page still holds the code hvemu wrote, and rip_gpa is its `out`
 * (page + 0: the exit reports the instruction itself, as KVM's fast port-I/O path does) or
 * the instruction after it (page + HV_HYPERCALL_EXIT_LEN: KVM's instruction emulator
 * retires the `out` before exiting). The byte after the `out` is a `ret`, which cannot
 * exit, so the two cases never mix. Lock-free; any thread.
 */
bool hv_hypercall_exit_from_page(struct hv_partition *part, uint64_t rip_gpa);

/* The calling vCPU's registers. hv_hypercall updates them and sets the dirty bits. */
struct hv_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8;
	uint32_t dirty; /* HV_REG_DIRTY_* of the registers hv_hypercall changed */
};
#define HV_REG_DIRTY_RAX (1u << 0)
#define HV_REG_DIRTY_RCX (1u << 1)
#define HV_REG_DIRTY_RDX (1u << 2)

struct hv_cpu_mode {
	bool protected_mode; /* CR0.PE */
	bool is_64bit;	     /* EFER.LMA && CS.L: the 64-bit calling convention */
	unsigned cpl;
};

enum hv_hcall_outcome {
	HV_HCALL_DONE,	    /* result written to the registers: resume the guest */
	HV_HCALL_INJECT_UD, /* CPL > 0 or real mode: inject #UD, registers untouched */
	HV_HCALL_SUSPENDED, /* the caller is suspended (waiting_on set): call
			       hv_vp_wait_unsuspended, then hv_hypercall again */
};

enum hv_hcall_outcome hv_hypercall(struct hv_vp *vp, const struct hv_cpu_mode *mode,
				   struct hv_regs *regs);

/* --- TLB-flush inhibit and the suspended state (TLFS "Virtual Processor States") ----- */

/*
 * Sets or clears the TLB-flush inhibit of a VP (control plane, test device). Clearing it
 * unsuspends every VP waiting on that VP, and only those. Returns -ENOENT for an unknown VP.
 */
int hv_set_tlb_flush_inhibit(struct hv_partition *part, uint32_t vp_index, bool on);
/*
 * Blocks the calling vCPU thread while it is suspended. Returns 0 when unsuspended,
 * -ECANCELED after hv_partition_cancel_waits(), -ETIMEDOUT after timeout_ns (0 = none).
 */
int hv_vp_wait_unsuspended(struct hv_vp *vp, uint64_t timeout_ns);
/* Unsuspends everyone and makes waits return -ECANCELED (VM shutdown or reset). */
void hv_partition_cancel_waits(struct hv_partition *part);
/* Unsuspends every VP waiting on vp_index (the awaited VP was removed or parked). */
void hv_unsuspend_waiters_of(struct hv_partition *part, uint32_t vp_index);
/*
 * Waits until every flush hypercall that had already passed its inhibit check when this
 * was called has finished (what KVM's series did with synchronize_srcu after setting the
 * inhibit). Call after hv_set_tlb_flush_inhibit(on) when the caller must know that no
 * flush is still in flight towards the VP. Not implied by hv_set_tlb_flush_inhibit,
 * because a vCPU thread (the test device) must not wait on a flush that may be waiting
 * for that same thread. Returns 0 or -ETIMEDOUT (timeout_ns 0 = none).
 */
int hv_tlb_flush_inhibit_sync(struct hv_partition *part, uint64_t timeout_ns);

struct hv_vp_suspend_info {
	bool inhibited;
	int64_t waiting_on;	     /* VP index, or -1 */
	uint64_t suspended_since_ns; /* CLOCK_MONOTONIC, valid when waiting_on >= 0 */
	bool in_cycle;		     /* waiting_on leads back to this VP */
};
void hv_vp_suspend_info(struct hv_vp *vp, struct hv_vp_suspend_info *out);

/* --- state the guest set up (the control socket's query-hyperv) --------------------- */

/* HV_X64_MSR_GUEST_OS_ID decoded (TLFS "Reporting the Guest OS Identity"). */
struct hv_guest_os {
	bool open_source;
	uint32_t os_type;		/* open source: 62:56 */
	uint32_t os_id;			/* open source: 55:48; proprietary: 47:40 */
	uint32_t vendor;		/* proprietary: 62:48 */
	uint32_t version;		/* open source: 47:16 */
	uint32_t major, minor, service; /* proprietary */
	uint32_t build;			/* 15:0 */
	char os[24];			/* "Linux", "FreeBSD", "Windows NT", "unknown" */
	char version_text[24];		/* "6.1.192" (Linux's LINUX_VERSION_CODE), "10.0" */
};
/* Decodes id (0: nothing reported, os "none"). */
void hv_guest_os_id_decode(uint64_t id, struct hv_guest_os *out);

struct hv_partition_info {
	/* The CPUID words Linux prints ("privilege flags low, high, hints, misc"). */
	uint32_t privileges_low, privileges_high, hints, misc;
	uint32_t spinlock_retries;
	uint64_t guest_os_id;
	uint64_t hypercall;	/* HV_X64_MSR_HYPERCALL as the guest set it */
	uint64_t reference_tsc; /* HV_X64_MSR_REFERENCE_TSC */
	uint32_t tsc_sequence;	/* of the enabled reference TSC page (0 = invalid/none) */
};
/* A snapshot; callable from any thread. */
void hv_partition_query(struct hv_partition *part, struct hv_partition_info *out);

struct hv_vp_info {
	uint32_t vp_index;
	uint64_t vp_assist_page; /* HV_X64_MSR_VP_ASSIST_PAGE */
};
void hv_vp_query(struct hv_vp *vp, struct hv_vp_info *out);

/* --- SynIC messages, events and connections (TLFS "Inter-Partition Communication") --- */

/*
 * A SINT route: a device's way to reach SINT `sint` of VP `vp_index` (QEMU's HvSintRoute).
 * Messages posted through a route are staged: one at a time, delivered at once when the
 * slot is free, else kept (msg_pending set in the slot) and delivered after the guest
 * frees the slot (EOM, or the retry poll: docs/synic.md).
 */
struct hv_sint_route;
/* -EINVAL (sint >= 16), -ENOENT (no such VP now), -ENOMEM. */
int hv_sint_route_create(struct hv_partition *part, uint32_t vp_index, uint32_t sint,
			 struct hv_sint_route **out);
/* Drops a staged message. */
void hv_sint_route_destroy(struct hv_sint_route *r);
uint32_t hv_sint_route_vp(const struct hv_sint_route *r);
uint32_t hv_sint_route_sint(const struct hv_sint_route *r);
/* Raises the SINT (no message). 0, -ENOENT (VP gone or SINT masked), -ENXIO (SCONTROL off). */
int hv_sint_route_set_sint(struct hv_sint_route *r);
/*
 * Posts a message (payload_size <= 240). 0: delivered or staged behind a busy slot;
 * -EAGAIN: a message is already staged (HV_STATUS_INSUFFICIENT_BUFFERS); -ENOENT: the VP
 * is gone; -EINVAL: bad size. A message that cannot be written (SIMP disabled, page not
 * RAM) is dropped and counted, as the post itself succeeded.
 */
int hv_sint_route_post(struct hv_sint_route *r, uint32_t message_type, const void *payload,
		       uint32_t payload_size);
/* Sets event flag `flag` (< 2048) in the SIEFP slot, raising the SINT on 0 -> 1. */
int hv_sint_route_set_event(struct hv_sint_route *r, uint32_t flag);

/*
 * Connections: what HvPostMessage / HvSignalEvent reach (TLFS "Connection IDs"). A VMM
 * device registers a handler per connection ID (24 bits; message and event IDs are
 * separate spaces). Handlers run on the calling vCPU's thread and return the HV_STATUS of
 * the hypercall; a handler must not add or remove connections.
 */
typedef uint16_t (*hv_msg_handler_fn)(void *opaque, struct hv_vp *caller,
				      const struct hv_input_post_message *msg);
typedef uint16_t (*hv_event_handler_fn)(void *opaque, struct hv_vp *caller, uint32_t conn_id);
enum hv_conn_kind {
	HV_CONN_MESSAGE,
	HV_CONN_EVENT,
};
/* -EINVAL (ID beyond 24 bits, no handler, no SynIC), -EEXIST, -ENOMEM. */
int hv_conn_add_msg(struct hv_partition *part, uint32_t conn_id, hv_msg_handler_fn fn,
		    void *opaque);
int hv_conn_add_event(struct hv_partition *part, uint32_t conn_id, hv_event_handler_fn fn,
		      void *opaque);
/* Waits until no handler of it runs. -ENOENT if there is none. */
int hv_conn_remove(struct hv_partition *part, enum hv_conn_kind kind, uint32_t conn_id);

/* A VP's SynIC and timer registers (control socket). */
struct hv_synic_info {
	bool enabled; /* the synic feature is on */
	uint64_t scontrol, simp, siefp;
	uint64_t sint[HV_SYNIC_SINT_COUNT];
	uint64_t stimer_config[HV_SYNIC_STIMER_COUNT], stimer_count[HV_SYNIC_STIMER_COUNT];
	uint64_t stimer_exp_time[HV_SYNIC_STIMER_COUNT];
	uint32_t waiting; /* SINTs with a message waiting for its slot */
};
void hv_vp_synic_info(struct hv_vp *vp, struct hv_synic_info *out);
/*
 * The backend calls this after an exit of vp (on its thread) when hv_vp_synic_waiting()
 * is non-zero: messages whose slot the guest has freed are delivered now.
 */
void hv_vp_synic_poll(struct hv_vp *vp);
uint32_t hv_vp_synic_waiting(struct hv_vp *vp);

/* --- statistics ---------------------------------------------------------------------- */

void hv_partition_stats_visit(struct hv_partition *part, stat_visit_fn fn, void *ctx);
void hv_vp_stats_visit(struct hv_vp *vp, stat_visit_fn fn, void *ctx);

#endif
