/* SPDX-License-Identifier: MIT */
/*
 * Private to src/hv (and its unit tests): the partition and VP objects, their statistics,
 * and the helpers the modules share. Nothing here is part of the backend's interface.
 *
 * Locking: part->lock protects the partition-wide MSRs (HV_X64_MSR_GUEST_OS_ID writes,
 * HYPERCALL, REFERENCE_TSC, crash); it is a leaf lock under which only ops->gpa_ptr is
 * called. part->ref_lock (leaf, never taken inside part->lock) is only taken by the first
 * use of the reference time. part->vp_lock serialises VP creation and destruction.
 * Everything the hypercall and flush paths read from other threads (the VP table, online,
 * inhibit, waiting_on) is an atomic read without a lock.
 */
#ifndef HVEMU_HV_HV_INTERNAL_H
#define HVEMU_HV_HV_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "hv/hv.h"
#include "hv/synic.h"
#include "hv/tlfs.h"

/* waiting_on of a VP that is not suspended. */
#define HV_VP_NONE 0xFFFFFFFFu

/* The CPUID bits KVM's access checks look at (KVM's kvm_vcpu_hv.cpuid_cache). */
struct hv_cpuid_cache {
	uint32_t features_eax, features_ebx, features_edx; /* 0x40000003 */
	uint32_t enlight_eax, enlight_ebx;		   /* 0x40000004 */
};

/* The synthetic MSRs src/hv implements, in the order of their statistics. */
#define HV_MSR_LIST(X)                    \
	X(GUEST_OS_ID, guest_os_id)       \
	X(HYPERCALL, hypercall)           \
	X(VP_INDEX, vp_index)             \
	X(RESET, reset)                   \
	X(VP_RUNTIME, vp_runtime)         \
	X(TIME_REF_COUNT, time_ref_count) \
	X(REFERENCE_TSC, reference_tsc)   \
	X(TSC_FREQUENCY, tsc_frequency)   \
	X(APIC_FREQUENCY, apic_frequency) \
	X(EOI, eoi)                       \
	X(ICR, icr)                       \
	X(TPR, tpr)                       \
	X(VP_ASSIST_PAGE, vp_assist_page) \
	X(CRASH_P0, crash_p0)             \
	X(CRASH_P1, crash_p1)             \
	X(CRASH_P2, crash_p2)             \
	X(CRASH_P3, crash_p3)             \
	X(CRASH_P4, crash_p4)             \
	X(CRASH_CTL, crash_ctl)           \
	X(TSC_INVARIANT_CONTROL, tsc_invariant_control)

enum hv_msr_idx {
#define HV_MSR_ENUM(u, l) HV_MSR_IDX_##u,
	HV_MSR_LIST(HV_MSR_ENUM)
#undef HV_MSR_ENUM
	HV_MSR_IDX_NR,
};

struct hv_msr_counters {
	_Atomic uint64_t reads, writes, gp;
};

/* Room for hv_hcall_table's rows (hcall_table.c checks): one statistic per call. */
#define HV_HCALL_ROWS_MAX 32

/* Hypercall results, one counter per status the dispatcher can produce. */
enum hv_res_stat {
	HV_RES_SUCCESS,
	HV_RES_INVALID_HYPERCALL_CODE,
	HV_RES_INVALID_HYPERCALL_INPUT,
	HV_RES_INVALID_ALIGNMENT,
	HV_RES_INVALID_PARAMETER,
	HV_RES_ACCESS_DENIED,
	HV_RES_OPERATION_DENIED,
	HV_RES_TIME_OUT,
	HV_RES_OTHER,
	HV_RES_NR,
};

struct hv_partition_stats {
	struct hv_msr_counters msr[HV_MSR_IDX_NR];
	_Atomic uint64_t msr_unimplemented; /* other synthetic MSRs: #GP */
	_Atomic uint64_t hypercall_page_writes;
	_Atomic uint64_t tsc_page_writes;
	_Atomic uint64_t tsc_page_not_ram; /* REFERENCE_TSC enabled on a GPA that is not RAM */
	_Atomic uint64_t apic_msr_errors;
	_Atomic uint64_t resets, crashes;

	_Atomic uint64_t hcall[HV_HCALL_ROWS_MAX]; /* per row of hv_hcall_table: hcalls_<name> */
	_Atomic uint64_t hcall_unknown;		   /* codes in no row: INVALID_HYPERCALL_CODE */
	_Atomic uint64_t hcall_result[HV_RES_NR];
	_Atomic uint64_t hcall_ud;	  /* #UD: CPL > 0, real mode, XMM input not offered */
	_Atomic uint64_t hcall_disabled;  /* GUEST_OS_ID == 0: not a Hyper-V hypercall */
	_Atomic uint64_t hcall_continued; /* rep calls returned with reps left */
	_Atomic uint64_t hcall_suspended; /* calls that suspended their caller */
	_Atomic uint64_t hcall_xmm_errors;

	_Atomic uint64_t flush_fast, flush_slow;
	_Atomic uint64_t flush_all;	      /* ALL_PROCESSORS, mask 0, or HV_GENERIC_SET_ALL */
	_Atomic uint64_t flush_empty;	      /* no target: no banks, or only VPs >= max_vps */
	_Atomic uint64_t flush_targets;	      /* VPs passed to ops->flush_tlb, summed */
	_Atomic uint64_t flush_gva_ranges;    /* List rep elements seen */
	_Atomic uint64_t flush_gva_pages;     /* pages they cover */
	_Atomic uint64_t flush_flags_ignored; /* reserved flag bits set (KVM ignores them) */
	_Atomic uint64_t flush_errors;	      /* ops->flush_tlb failed: HV_STATUS_TIME_OUT */

	_Atomic uint64_t ipi_fast, ipi_slow;
	_Atomic uint64_t ipis_sent; /* target VPs, summed */
	_Atomic uint64_t ipi_errors;
	_Atomic uint64_t spin_waits;

	/* The SynIC MSR ranges, counted per range (SCONTROL-SINT15, STIMERn). */
	struct hv_msr_counters msr_synic, msr_stimer;

	/* SynIC (docs/synic.md). */
	_Atomic uint64_t synic_msgs_posted;	    /* HvPostMessage calls that succeeded */
	_Atomic uint64_t synic_msgs_delivered;	    /* messages written into a slot */
	_Atomic uint64_t synic_msgs_pending;	    /* a busy slot got msg_pending */
	_Atomic uint64_t synic_msgs_redelivered;    /* waiting messages delivered later */
	_Atomic uint64_t synic_msgs_dropped;	    /* not deliverable (SIMP off, not RAM) */
	_Atomic uint64_t synic_msgs_busy;	    /* post refused: one already staged */
	_Atomic uint64_t synic_msg_polls;	    /* retry polls of waiting messages */
	_Atomic uint64_t synic_event_signals;	    /* HvSignalEvent calls that succeeded */
	_Atomic uint64_t synic_event_flags_set;	    /* 0 -> 1 flag transitions (raised) */
	_Atomic uint64_t synic_event_flags_already; /* flag already set: not raised */
	_Atomic uint64_t synic_sints_raised;	    /* interrupts raised for SINTs */
	_Atomic uint64_t synic_sints_masked;	    /* raises that found the SINT masked/off */
	_Atomic uint64_t synic_sints_polled;	    /* polling-mode SINTs: message, no interrupt */
	_Atomic uint64_t synic_raise_errors;	    /* ops->raise_irq failed */
	_Atomic uint64_t synic_bad_conn;	    /* unknown connection IDs */
	_Atomic uint64_t stimer_expirations;	    /* expirations delivered */
	_Atomic uint64_t stimer_missed_ticks;	    /* periodic ticks lost (late or slot busy) */
	_Atomic uint64_t stimer_direct_irqs;	    /* direct-mode expirations */
	_Atomic uint64_t stimer_arm_errors;	    /* the timer service refused an arm */

	_Atomic uint64_t suspensions;	/* times a VP was suspended */
	_Atomic uint64_t suspended_ns;	/* total time VPs spent suspended */
	_Atomic uint64_t suspended_vps; /* instant: VPs suspended now */
	_Atomic uint64_t inhibit_sets, inhibit_clears;
	_Atomic uint64_t unsuspends; /* VPs woken by an inhibit clear, removal or cancel */

	_Atomic uint64_t vps_retired; /* instant: destroyed VPs a reader may still hold */
	_Atomic uint64_t vps_freed;   /* destroyed VPs freed once no reader could hold them */
};

struct hv_vp_stats {
	_Atomic uint64_t hypercalls;
	_Atomic uint64_t flushes;
	_Atomic uint64_t suspensions;
	_Atomic uint64_t suspended_ns;
	_Atomic uint64_t stimer_expirations;
	_Atomic uint64_t stimer_missed_ticks;
};

/*
 * The read sections (readers.c): a two-slot reader count. hv_tlb_flush_inhibit_sync waits
 * for the sections in flight; a destroyed VP is freed once they cannot hold it.
 */
struct hv_readers {
	_Atomic uint32_t gen;
	_Atomic uint32_t count[2];
	pthread_mutex_t writer; /* whoever flips gen: one at a time */
};

struct hv_partition {
	struct hv_features features;
	struct hv_cpuid_cache cpuid;
	uint32_t max_vps;
	uint64_t tsc_hz, apic_hz;
	const struct hv_platform_ops *ops;
	void *opaque;

	/*
	 * Partition reference time = ((tsc * ref_scale) >> 64) + ref_offset. The scale is set
	 * at creation; the offset when the guest first uses the reference time (msr_time.c),
	 * published by ref_ready (release/acquire) and constant afterwards.
	 */
	uint64_t ref_scale;
	uint64_t ref_offset;
	_Atomic uint32_t ref_ready;
	pthread_mutex_t ref_lock; /* leaf: only the first use takes it */

	/* VP index -> VP, read without a lock (inside a read section). */
	_Atomic(struct hv_vp *) *vps;
	pthread_mutex_t vp_lock;
	/*
	 * Destroyed VPs not freed yet, under vp_lock (readers.c): `retired` since the last
	 * flip of readers.gen, `draining` before the flip to draining_gen.
	 */
	struct hv_vp *retired;
	struct hv_vp *draining;
	uint32_t draining_gen;

	pthread_mutex_t lock; /* partition-wide MSRs */
	_Atomic uint64_t guest_os_id;
	_Atomic uint64_t hypercall;
	uint64_t reference_tsc;
	uint64_t crash_p[HV_CRASH_PARAMS];

	uint64_t tsc_invariant_control; /* under lock */

	/* SynIC (synic.h: lock order conns.lock -> routes_lock -> a VP's synic.lock). */
	struct tsvc *timers;
	pthread_mutex_t routes_lock;
	struct hv_sint_route *routes; /* every route, in creation order reversed */
	struct hv_conns {
		pthread_rwlock_t lock;
		struct hv_conn *v; /* [n], unsorted */
		size_t n, cap;
	} conns;

	_Atomic uint32_t cancelled;
	_Atomic uint32_t inhibited_vps; /* VPs with inhibit set: 0 skips the flush scan */
	struct hv_readers readers;

	struct hv_partition_stats stats;
};

struct hv_vp {
	struct hv_partition *part;
	uint32_t index;
	void *opaque;
	_Atomic uint32_t online;

	/* HV_X64_MSR_VP_ASSIST_PAGE: written by its vCPU thread, read by queries (atomic). */
	_Atomic uint64_t vp_assist_page;

	struct hv_synic synic;				/* synic.h */
	struct hv_stimer stimer[HV_SYNIC_STIMER_COUNT]; /* stimer.c */

	/* The suspended state (suspend.c, docs/suspend.md). */
	_Atomic uint32_t inhibit;
	_Atomic uint32_t waiting_on; /* VP index, or HV_VP_NONE; the futex word */
	_Atomic uint64_t suspended_since_ns;
	uint64_t suspend_start_ns; /* vCPU thread only: accounting of the last suspension */
	bool suspend_open;	   /* vCPU thread only: suspend_start_ns not yet accounted */

	struct hv_vp *next_retired;
	struct hv_vp_stats stats;
};

/* cpuid.c */
void hv_cpuid_cache_build(const struct hv_features *f, struct hv_cpuid_cache *c);
int hv_features_check(const struct hv_features *f, char *err, size_t errlen);

/* msr_time.c */
uint64_t hv_ref_time(struct hv_partition *part);
void hv_ref_time_init(struct hv_partition *part);
enum hv_msr_result hv_msr_reference_tsc_write(struct hv_partition *part, uint64_t value);

/* suspend.c */
/* Returns the online, inhibited VP in targets that blocks a flush by vp (suspending vp on
 * it), or HV_VP_NONE when the flush may proceed. Inside a read section. */
uint32_t hv_suspend_on_inhibited(struct hv_vp *vp, const struct hv_vpset *targets);
/* Accounts the end of vp's last suspension if it is over (vCPU thread only). */
void hv_suspend_account(struct hv_vp *vp);

/* readers.c */
void hv_readers_init(struct hv_partition *part);
/* vp_lock held: vp is unpublished; it is freed once no read section can hold it. */
void hv_vp_retire_locked(struct hv_partition *part, struct hv_vp *vp);
/* vp_lock held: frees the retired VPs no read section can hold any more (never waits). */
void hv_vp_reclaim_locked(struct hv_partition *part);
/* hv_partition_destroy: frees every retired VP (no reader is left). */
void hv_readers_destroy(struct hv_partition *part);

/* Inside a read section: the VP with that index, valid until the section ends. */
static inline struct hv_vp *hv_vp_get(struct hv_partition *part, uint32_t index)
{
	if (index >= part->max_vps)
		return NULL;
	return atomic_load_explicit(&part->vps[index], memory_order_acquire);
}

static inline uint64_t hv_mul_u64_u64_shr64(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

#endif
