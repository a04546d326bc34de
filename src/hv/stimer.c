// SPDX-License-Identifier: MIT
/*
 * Synthetic timers (TLFS "Synthetic Timers"): four per VP, counting partition reference
 * time (100 ns units, the clock of HV_X64_MSR_TIME_REF_COUNT and the reference TSC page).
 *
 * The semantics are KVM's (arch/x86/kvm/hyperv.c stimer_set_config, stimer_set_count,
 * stimer_start, stimer_expiration, kvm_hv_process_stimers):
 *   - COUNT = 0 clears enable; with auto-enable a non-zero COUNT sets it.
 *   - A CONFIG write that keeps an enabled timer in message mode with SINTx = 0 clears
 *     enable (KVM looks at the old enable bit); direct mode without CPUID 0x40000003.EDX
 *     b19 is #GP.
 *   - One-shot: COUNT is the absolute expiration time; one already past fires at once;
 *     after firing, enable is cleared.
 *   - Periodic: COUNT is the period; the first expiration is now + period, the next ones
 *     stay on that grid, skipping (and counting) ticks that were missed.
 *   - Expiration: message mode writes HVMSG_TIMER_EXPIRED {index, expiration time,
 *     delivery time} into the SINTx slot; a busy slot makes a one-shot wait (msg_pending,
 *     retried on EOM) and drops a periodic tick ("lazy"); direct mode raises the APIC
 *     vector on the VP's own local APIC.
 * Every write and every expiration is processed like KVM's KVM_REQ_HV_STIMER: the timer is
 * marked due (armed at once) and the timer service thread runs process().
 *
 * hvemu adds one limit: a periodic timer is re-armed at most every HV_STIMER_MIN_PERIOD_NS
 * of host time, so a guest cannot keep the shared timer thread busy; faster ticks are
 * counted as missed (docs/synic.md).
 */
#include <string.h>

#include "hv/hv_internal.h"
#include "util/log.h"

#define HV_STIMER_MIN_PERIOD_NS 100000ull /* 100 us */
#define REF_UNIT_NS		100ull

static void stimer_fire(struct tsvc_timer *tt, uint32_t seq);

bool hv_stimer_msr(uint32_t msr)
{
	return msr >= HV_X64_MSR_STIMER0_CONFIG && msr <= HV_X64_MSR_STIMER3_COUNT;
}

void hv_stimer_init(struct hv_vp *vp)
{
	for (uint32_t i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		struct hv_stimer *t = &vp->stimer[i];

		memset(t, 0, sizeof(*t));
		t->vp = vp;
		t->index = i;
		tsvc_timer_init(&t->timer, stimer_fire, t);
	}
}

static uint32_t stimer_sint(const struct hv_stimer *t)
{
	return (uint32_t)((t->config & HV_STIMER_SINT_MASK) >> HV_STIMER_SINT_SHIFT);
}

static void arm_in(struct hv_stimer *t, uint64_t delay_ns)
{
	struct hv_vp *vp = t->vp;

	if (vp->synic.dead)
		return;
	if (tsvc_arm_in(vp->part->timers, &t->timer, delay_ns, ++t->seq)) {
		stat_inc(&vp->part->stats.stimer_arm_errors);
		pr_warn_ratelimited("hv: vp %u: synthetic timer %u could not be armed\n", vp->index,
				    t->index);
	}
}

/* KVM stimer_mark_pending: process at once (on the timer thread). */
static void mark_pending(struct hv_stimer *t)
{
	arm_in(t, 0);
}

/* KVM stimer_cleanup. */
static void cleanup(struct hv_stimer *t)
{
	t->seq++;
	tsvc_cancel(t->vp->part->timers, &t->timer);
	t->msg_pending = false;
	t->exp_time = 0;
}

static void arm_ref(struct hv_stimer *t, uint64_t exp, uint64_t now, bool periodic)
{
	uint64_t delay = (exp - now) * REF_UNIT_NS;

	if (periodic && delay < HV_STIMER_MIN_PERIOD_NS)
		delay = HV_STIMER_MIN_PERIOD_NS;
	arm_in(t, delay);
}

/* KVM stimer_start: count != 0 and enable set. */
static void start(struct hv_stimer *t)
{
	struct hv_partition *part = t->vp->part;
	uint64_t now = hv_ref_time(part);

	if (t->config & HV_STIMER_PERIODIC) {
		if (!t->exp_time) {
			t->exp_time = now + t->count;
		} else if (now >= t->exp_time) {
			uint64_t late = now - t->exp_time;
			uint64_t missed = late / t->count;

			/* The next point of the period's grid after now. */
			t->exp_time = now + (t->count - late % t->count);
			if (missed) {
				stat_add(&part->stats.stimer_missed_ticks, missed);
				stat_add(&t->vp->stats.stimer_missed_ticks, missed);
			}
		}
		arm_ref(t, t->exp_time, now, true);
		return;
	}
	t->exp_time = t->count;
	/* TLFS: "If a one shot is enabled and the specified count is in the past, it will
	 * expire immediately." */
	if (now >= t->count)
		mark_pending(t);
	else
		arm_ref(t, t->count, now, false);
}

static int send_msg(struct hv_stimer *t)
{
	struct hv_vp *vp = t->vp;
	struct hv_message msg;
	struct hv_timer_message_payload *p = (struct hv_timer_message_payload *)msg.payload;
	int r;

	memset(&msg.header, 0, sizeof(msg.header));
	msg.header.message_type = HVMSG_TIMER_EXPIRED;
	msg.header.payload_size = sizeof(*p);
	p->timer_index = t->index;
	p->reserved = 0;
	p->expiration_time = t->exp_time;
	p->delivery_time = hv_ref_time(vp->part);
	r = hv_synic_deliver_locked(vp, stimer_sint(t), &msg, t->config & HV_STIMER_PERIODIC,
				    false);
	if (r == 1) {
		/* A periodic tick that found its slot busy is lost, as in KVM. */
		stat_inc(&vp->part->stats.stimer_missed_ticks);
		stat_inc(&vp->stats.stimer_missed_ticks);
	}
	return r;
}

/* KVM stimer_expiration. */
static void expiration(struct hv_stimer *t)
{
	struct hv_vp *vp = t->vp;
	struct hv_partition *part = vp->part;
	bool direct = t->config & HV_STIMER_DIRECT_MODE;
	int r;

	t->msg_pending = true;
	if (direct) {
		uint32_t vector = (uint32_t)((t->config & HV_STIMER_APIC_VECTOR_MASK) >>
					     HV_STIMER_APIC_VECTOR_SHIFT);

		r = part->ops->raise_irq(part->opaque, vp, vector, false);
		if (!r)
			stat_inc(&part->stats.stimer_direct_irqs);
	} else {
		r = send_msg(t);
	}
	if (r < 0) {
		/* Retried when the guest frees the slot (EOM, poll), as KVM retries on EOM/EOI. */
		if (!direct) {
			atomic_fetch_or(&vp->synic.waiting, 1u << stimer_sint(t));
			hv_synic_arm_poll_locked(vp);
		}
		return;
	}
	/* Delivered, or (r == 1) a periodic tick dropped: either way this one is done. */
	t->msg_pending = false;
	if (r == 0) {
		stat_inc(&part->stats.stimer_expirations);
		stat_inc(&vp->stats.stimer_expirations);
	}
	if (!(t->config & HV_STIMER_PERIODIC))
		t->config &= ~HV_STIMER_ENABLE;
}

/* KVM kvm_hv_process_stimers for one timer. */
static void process(struct hv_stimer *t)
{
	if (!(t->config & HV_STIMER_ENABLE))
		return;
	if (t->exp_time && hv_ref_time(t->vp->part) >= t->exp_time)
		expiration(t);
	if ((t->config & HV_STIMER_ENABLE) && t->count) {
		if (!t->msg_pending)
			start(t);
	} else {
		cleanup(t);
	}
}

static void stimer_fire(struct tsvc_timer *tt, uint32_t seq)
{
	struct hv_stimer *t = tt->arg;
	struct hv_synic *s = &t->vp->synic;

	pthread_mutex_lock(&s->lock);
	if (seq == t->seq && !s->dead)
		process(t);
	pthread_mutex_unlock(&s->lock);
}

void hv_stimer_stop_all_locked(struct hv_vp *vp)
{
	for (int i = 0; i < HV_SYNIC_STIMER_COUNT; i++)
		cleanup(&vp->stimer[i]);
}

void hv_stimer_retry_locked(struct hv_vp *vp, uint32_t mask)
{
	for (int i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		struct hv_stimer *t = &vp->stimer[i];

		/* KVM kvm_hv_notify_acked_sint. */
		if (t->msg_pending && (t->config & HV_STIMER_ENABLE) &&
		    !(t->config & HV_STIMER_DIRECT_MODE) && (mask & (1u << stimer_sint(t))))
			mark_pending(t);
	}
}

enum hv_msr_result hv_stimer_msr_read(struct hv_vp *vp, uint32_t msr, uint64_t *value)
{
	struct hv_stimer *t = &vp->stimer[(msr - HV_X64_MSR_STIMER0_CONFIG) / 2];

	pthread_mutex_lock(&vp->synic.lock);
	*value = (msr - HV_X64_MSR_STIMER0_CONFIG) % 2 ? t->count : t->config;
	pthread_mutex_unlock(&vp->synic.lock);
	return HV_MSR_OK;
}

/* TLFS "Synthetic Timer Configuration Register" with KVM's stimer_set_config. */
static enum hv_msr_result set_config(struct hv_stimer *t, uint64_t config)
{
	struct hv_partition *part = t->vp->part;
	uint64_t old = t->config;

	if ((config & HV_STIMER_DIRECT_MODE) &&
	    !(part->cpuid.features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE))
		return HV_MSR_GP;
	cleanup(t);
	if ((old & HV_STIMER_ENABLE) && !(config & HV_STIMER_DIRECT_MODE) &&
	    !(config & HV_STIMER_SINT_MASK))
		config &= ~HV_STIMER_ENABLE;
	t->config = config;
	if (config & HV_STIMER_ENABLE)
		mark_pending(t);
	return HV_MSR_OK;
}

/* TLFS "Synthetic Timer Count Register" with KVM's stimer_set_count. */
static void set_count(struct hv_stimer *t, uint64_t count)
{
	cleanup(t);
	t->count = count;
	if (!count)
		t->config &= ~HV_STIMER_ENABLE;
	else if (t->config & HV_STIMER_AUTOENABLE)
		t->config |= HV_STIMER_ENABLE;
	if (t->config & HV_STIMER_ENABLE)
		mark_pending(t);
}

enum hv_msr_result hv_stimer_msr_write(struct hv_vp *vp, uint32_t msr, uint64_t value)
{
	struct hv_stimer *t = &vp->stimer[(msr - HV_X64_MSR_STIMER0_CONFIG) / 2];
	enum hv_msr_result res = HV_MSR_OK;

	pthread_mutex_lock(&vp->synic.lock);
	if ((msr - HV_X64_MSR_STIMER0_CONFIG) % 2)
		set_count(t, value);
	else
		res = set_config(t, value);
	pthread_mutex_unlock(&vp->synic.lock);
	return res;
}
