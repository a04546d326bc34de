/* SPDX-License-Identifier: MIT */
/*
 * Private to src/hv: the SynIC and synthetic-timer state of a VP and the helpers the SynIC
 * files share (synic.c: MSRs and interrupts; synic_msg.c: message slots, event flags, SINT
 * routes; synic_conn.c: connections and their hypercalls; stimer.c: the timers).
 * docs/synic.md describes the semantics and how they map to KVM's.
 *
 * Locking (outer to inner; docs/architecture.md §8):
 *   part->conns.lock (rwlock)  the connection tables; readers call the handlers under it
 *   part->routes_lock          SINT routes and their staged messages
 *   vp->synic.lock             the VP's SynIC and timer state, its message slots;
 *                              ops called under it: gpa_ptr, raise_irq, and the timer
 *                              service (whose own lock is a leaf)
 * The timer service runs its callbacks with no lock held; a callback takes vp->synic.lock
 * and drops itself if its sequence number is stale.
 */
#ifndef HVEMU_HV_SYNIC_H
#define HVEMU_HV_SYNIC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"
#include "hv/tlfs.h"
#include "util/timersvc.h"

struct hv_vp;
struct hv_partition;

/* How often messages that wait for a busy slot are retried without an EOM (docs/synic.md). */
#define HV_SYNIC_POLL_NS 1000000ull

struct hv_stimer {
	struct hv_vp *vp;
	uint32_t index;
	uint64_t config;   /* HV_X64_MSR_STIMERn_CONFIG */
	uint64_t count;	   /* HV_X64_MSR_STIMERn_COUNT */
	uint64_t exp_time; /* reference time of the next expiration, 0 = none (KVM's exp_time) */
	bool msg_pending;  /* an expiration waits for its message slot (KVM's msg_pending) */
	uint32_t seq;	   /* arm sequence: a callback with an older one is stale */
	struct tsvc_timer timer;
};

struct hv_synic {
	pthread_mutex_t lock;
	uint64_t scontrol, siefp, simp; /* written under lock; read lock-free by queries */
	_Atomic uint64_t sint[HV_SYNIC_SINT_COUNT];
	/*
	 * SINTs with a message waiting for its slot (a staged route message or a timer with
	 * msg_pending): retried on EOM, on the poll timer and on exits (hv_vp_synic_poll).
	 */
	_Atomic uint32_t waiting;
	uint32_t poll_seq;
	struct tsvc_timer poll;
	bool dead; /* the VP was destroyed: no timer may be re-armed */
};

/* synic.c */
void hv_synic_init(struct hv_vp *vp);
/* The VP is online again: its timers may be armed. */
void hv_synic_start(struct hv_vp *vp);
/* Stops the VP's timers and poll (VP offline or destroyed). */
void hv_synic_stop(struct hv_vp *vp);
/*
 * Raises SINT sint of vp (lock held): nothing when masked (-ENOENT, as KVM) or in polling
 * mode (0), else ops->raise_irq with the SINT's vector and AutoEOI bit. need_scontrol:
 * only while HV_X64_MSR_SCONTROL is enabled (device routes; timers do not check it, as in
 * KVM). Returns 0 or -errno.
 */
int hv_synic_raise_locked(struct hv_vp *vp, uint32_t sint, bool need_scontrol);
/* Arms the retry poll of vp's waiting messages (lock held). */
void hv_synic_arm_poll_locked(struct hv_vp *vp);

/* synic_msg.c */
/*
 * Writes msg into vp's SIMP slot for sint and raises the SINT (KVM's synic_deliver_msg),
 * lock held. A busy slot: no_retry drops the message (returns 1), else msg_pending is set
 * and -EAGAIN returned. -ENOENT: SIMP disabled or the SINT masked (message written);
 * -EFAULT: the page is not RAM. 0: delivered.
 */
int hv_synic_deliver_locked(struct hv_vp *vp, uint32_t sint, const struct hv_message *msg,
			    bool no_retry, bool need_scontrol);
/* Retries staged route messages for the SINTs in mask (EOM, poll). Takes the locks. */
void hv_synic_retry_routes(struct hv_vp *vp, uint32_t mask);
/* Sets event flag `flag` of vp's SIEFP slot for sint, raising it on 0 -> 1 (lock held). */
int hv_synic_set_event_locked(struct hv_vp *vp, uint32_t sint, uint32_t flag);

/* stimer.c */
void hv_stimer_init(struct hv_vp *vp);
/* Cancels every timer of vp (lock held). */
void hv_stimer_stop_all_locked(struct hv_vp *vp);
/* Retries the expirations waiting for a slot of a SINT in mask (lock held). */
void hv_stimer_retry_locked(struct hv_vp *vp, uint32_t mask);
bool hv_stimer_msr(uint32_t msr);

/* The MSR handlers (msr.c routes the SynIC and timer ranges here). */
enum hv_msr_result hv_synic_msr_read(struct hv_vp *vp, uint32_t msr, uint64_t *value);
enum hv_msr_result hv_synic_msr_write(struct hv_vp *vp, uint32_t msr, uint64_t value);
enum hv_msr_result hv_stimer_msr_read(struct hv_vp *vp, uint32_t msr, uint64_t *value);
enum hv_msr_result hv_stimer_msr_write(struct hv_vp *vp, uint32_t msr, uint64_t value);
bool hv_synic_msr(uint32_t msr);

/* synic_conn.c */
void hv_conns_init(struct hv_partition *part);
void hv_conns_destroy(struct hv_partition *part);
/* HvPostMessage / HvSignalEvent on decoded input: the HV_STATUS (synic_conn.c). */
uint16_t hv_synic_post_message(struct hv_vp *vp, const struct hv_input_post_message *msg);
uint16_t hv_synic_signal_event(struct hv_vp *vp, uint64_t param);

#endif
