/* SPDX-License-Identifier: MIT */
/*
 * A vCPU: its KVM file descriptor and kvm_run mapping, its thread and the run loop's
 * synchronisation words. Slot number == KVM vCPU id == APIC ID.
 *
 * Synchronisation (docs/architecture.md §4):
 *   run_gen   odd while the thread is inside (or about to enter) KVM_RUN, even outside.
 *             Written only by the vCPU thread (seq_cst); read by kickers and flushers.
 *   requests  VCPU_REQ_* bits, set by anyone (seq_cst), consumed by the vCPU thread before
 *             every KVM_RUN. A request set while run_gen is odd is followed by a kick.
 *   work      one pending cross-thread call (vcpu_call), acknowledged with a time limit.
 */
#ifndef HVEMU_KVM_VCPU_H
#define HVEMU_KVM_VCPU_H

#include <asm/kvm_para.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvm/exit_timing.h"
#include "kvm/oncpu.h"
#include "util/hist.h"
#include "util/stats.h"
#include "util/timersvc.h"

struct vm;
struct hv_vp;
struct flush_wait;

enum vcpu_req {
	VCPU_REQ_STOP = 1u << 0,  /* leave the run loop; the thread exits */
	VCPU_REQ_WORK = 1u << 1,  /* run the pending vcpu_call work item */
	VCPU_REQ_FLUSH = 1u << 2, /* flush the guest TLB before the next entry (SREGS method) */
	VCPU_REQ_AEOI = 1u << 3,  /* inject pending AutoEOI interrupts (autoeoi.c) */
};

/*
 * The life of a vCPU slot: the one vocabulary for it (docs/architecture.md §7.2). The
 * control socket's states are derived from it in one place (ctl_backend.c).
 *
 *   ABSENT ──add──> ADDING ──every step up──> ONLINE ──eject──> REMOVING ──thread gone──> ABSENT
 *                     └──a step failed: rolled back──> ABSENT
 *
 * ADDING and REMOVING are the bring-up steps (lib/cpuhp) running up or down. A removed or
 * rolled-back slot is ABSENT again even though its KVM vCPU stays parked in the slot
 * (KVM cannot destroy a vCPU; the next add reuses it).
 */
enum vcpu_state {
	VCPU_ABSENT,   /* no vCPU: never added, removed, or rolled back */
	VCPU_ADDING,   /* bring-up steps running: not visible to the guest yet */
	VCPU_ONLINE,   /* its thread runs it; visible to the guest and a flush/IPI target */
	VCPU_REMOVING, /* hidden from the guest; its thread is leaving and tears the rest down */
};

struct vcpu_stats {
	_Atomic uint64_t exits;
	_Atomic uint64_t exits_io;
	_Atomic uint64_t exits_mmio;
	_Atomic uint64_t exits_msr;
	_Atomic uint64_t exits_hypercall;
	_Atomic uint64_t exits_intr;
	_Atomic uint64_t kicks_received;
	_Atomic uint64_t flushes_sregs; /* TLB flushes done with the KVM_SET_SREGS toggle */
	_Atomic uint64_t mmio_unclaimed;
	_Atomic uint64_t msr_unknown;
	_Atomic uint64_t hcall_ret_emulated; /* hypercalls whose `ret` hvemu performed */
	_Atomic uint64_t suspended_waits;
	_Atomic uint64_t aeoi_raised;	   /* AutoEOI interrupts requested */
	_Atomic uint64_t aeoi_injected;	   /* ... injected past the local APIC */
	_Atomic uint64_t aeoi_merged;	   /* ... already pending (one interrupt, as an IRR bit) */
	_Atomic uint64_t aeoi_deferred;	   /* attempts that found the interrupt not deliverable */
	_Atomic uint64_t aeoi_retry_kicks; /* retries the timer thread asked for */
	_Atomic uint64_t aeoi_woken;	   /* injections into a halted vCPU */
};

/*
 * AutoEOI interrupts waiting to be injected (autoeoi.c): a 256-bit vector set like an IRR,
 * set by any thread, consumed by the vCPU thread; and its retry timer.
 */
struct vcpu_aeoi {
	_Atomic uint64_t pending[4];
	struct tsvc_timer retry;
	uint32_t retry_seq;  /* vCPU thread only */
	uint64_t backoff_ns; /* vCPU thread only: the next retry delay */
	bool wait_exit;	     /* vCPU thread only: look again after the next exit */
};

struct vcpu {
	struct vm *vm;
	unsigned slot;
	int fd;	      /* KVM vCPU fd, -1 before creation; kept once created */
	int stats_fd; /* KVM binary stats of the vCPU, or -1 */
	struct kvm_run *run;
	bool has_run; /* KVM_RUN was called */
	/* Stopped by a KVM internal error (--internal-error pause): never enters the guest again.
	 */
	_Atomic bool stopped_on_error;
	bool cpuid_set;		   /* KVM_SET_CPUID2 done: kept for the vCPU's lifetime */
	bool x2apic_preset;	   /* started in x2APIC mode (vcpu_steps.c) */
	bool wait_for_sipi_preset; /* KVM_MP_STATE_INIT_RECEIVED before its first run */

	/*
	 * enum vcpu_state; written under vm->lock (hotplug.c and the steps). A futex word:
	 * a remover waits on it for ABSENT.
	 */
	_Atomic uint32_t state;
	/*
	 * The thread (run.c). `thread` is valid while thread_joinable (both under vm->lock):
	 * a thread that has finished its own removal is joined by the next bring-up of its
	 * slot or by vm_destroy.
	 */
	pthread_t thread;
	bool thread_joinable;
	_Atomic pid_t tid;	  /* its Linux TID while it runs, 0 before and after */
	_Atomic uint32_t started; /* futex: set once tid is valid */
	_Atomic uint32_t exited;  /* futex: set as its last access to the vCPU */
	/* futex: the gate sleeps on it; bumped by every request and by going online. */
	_Atomic uint32_t wake_seq;

	_Atomic uint32_t run_gen;
	_Atomic uint32_t gen_waiters;
	_Atomic uint32_t requests;

	/* vcpu_call(): one work item at a time, serialised by work_lock. */
	pthread_mutex_t work_lock;
	void (*work_fn)(struct vcpu *v, void *arg);
	void *work_arg;
	_Atomic uint32_t work_state; /* enum vcpu_work_state in kick.c */

	struct hv_vp *hv;	      /* NULL without --hv or before the Hyper-V step */
	struct kvm_steal_time *steal; /* host pointer into guest RAM, NULL if unavailable */
	struct oncpu oncpu;	      /* is the thread on a host CPU right now? */
	/* --exit-timing: histograms written by the vCPU thread only; NULL when off */
	struct vcpu_exit_timing *exit_timing;
	/* [max_vcpus]: the targets its flushes wait for, allocated by its first (flush.c) */
	struct flush_wait *flush_waits;
	struct vcpu_aeoi aeoi;

	struct vcpu_stats stats;
};

/*
 * v->hv from a thread other than the vCPU's own or the one running its bring-up or
 * teardown: read it once, inside hv_read_lock(), and use it only until hv_read_unlock()
 * (a removed VP is freed once no read section can hold it).
 */
static inline struct hv_vp *vcpu_hv(const struct vcpu *v)
{
	return __atomic_load_n(&v->hv, __ATOMIC_ACQUIRE);
}

/* Index of the vCPU (its slot); usable as an array index below max_vcpus. */
static inline unsigned vcpu_slot(const struct vcpu *v)
{
	return v->slot;
}

static inline enum vcpu_state vcpu_state(const struct vcpu *v)
{
	return (enum vcpu_state)atomic_load(&v->state);
}

/* --- kick.c ---------------------------------------------------------------------------- */

/* Installs the kick signal handler (process-wide, once). */
int vcpu_kick_init(void);
/* The calling thread becomes v's vCPU thread (kick target). */
void vcpu_kick_bind_thread(struct vcpu *v);
/* The calling thread stops being a kick target (it is leaving). */
void vcpu_kick_unbind_thread(void);
/* Sets request bits and kicks the thread out of KVM_RUN (or out of its gate). */
void vcpu_request(struct vcpu *v, uint32_t reqs);
/* Wakes the thread if it waits at its gate (after a change of state). */
void vcpu_wake_gate(struct vcpu *v);
/* Kicks the thread out of KVM_RUN if it is inside (no request). Returns true if it signalled. */
bool vcpu_kick(struct vcpu *v);
/*
 * Runs fn(v, arg) on v's thread and waits for it to finish. The thread must acknowledge
 * within timeout_ns: returns 0, -ETIMEDOUT (fn will then never run) — a stuck vCPU is an
 * error, not a hang — or -ESRCH (the thread left first). Not from v's own thread.
 */
int vcpu_call(struct vcpu *v, void (*fn)(struct vcpu *, void *), void *arg, uint64_t timeout_ns);
/* Called by the vCPU thread with the requests it took: runs a pending work item. */
void vcpu_do_work(struct vcpu *v);
/* Called by the vCPU thread as it leaves: a pending work item fails with -ESRCH at once. */
void vcpu_refuse_work(struct vcpu *v);
/*
 * Waits until the vCPU has left the KVM_RUN it was in when run_gen read `gen`, or the
 * deadline passes (-ETIMEDOUT). stop_early (may be NULL) is polled: true ends the wait.
 */
int vcpu_wait_gen_change(struct vcpu *v, uint32_t gen, uint64_t deadline_ns,
			 bool (*stop_early)(struct vcpu *v));

/* --- run.c: the vCPU thread ---------------------------------------------------------------- */

/*
 * Starts v's thread, which reports its TID (vcpu_thread_wait_started) and then waits at
 * its gate until the vCPU goes online. Does not wait for it: the boot vCPUs' threads start
 * side by side. 0 or -errno (no thread is left).
 */
int vcpu_thread_start(struct vcpu *v);
/* Waits at most timeout_ns until v's thread has reported its TID: 0 or -ETIMEDOUT. */
int vcpu_thread_wait_started(struct vcpu *v, uint64_t timeout_ns);
/*
 * Asks v's thread to stop and joins it, waiting at most timeout_ns for it to leave:
 * 0, or -ETIMEDOUT (it keeps running and stays joinable). Called on the thread itself
 * (its own removal) it only returns 0: the handle is joined later. Under vm->lock only
 * where the thread cannot need that lock (it is at its gate, or it has exited).
 */
int vcpu_thread_stop(struct vcpu *v, uint64_t timeout_ns);
/* Waits at most timeout_ns until v's thread has left (it was asked to stop). 0 or -ETIMEDOUT. */
int vcpu_thread_wait_exit(struct vcpu *v, uint64_t timeout_ns);
/* The vCPU whose thread this is, or NULL on any other thread. */
struct vcpu *vcpu_current(void);

#endif
