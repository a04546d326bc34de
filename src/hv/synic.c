// SPDX-License-Identifier: MIT
/*
 * The synthetic interrupt controller of a VP (TLFS "Synthetic Interrupt Controller
 * (SynIC)"): its MSRs and how a SINT becomes an interrupt.
 *
 * The MSR rules are KVM's (arch/x86/kvm/hyperv.c synic_set_msr/synic_get_msr, SynIC
 * always active once the feature is on):
 *   SCONTROL  0x40000080  any value is stored; reset value 1 (KVM_CAP_HYPERV_SYNIC2)
 *   SVERSION  0x40000081  reads 1; a guest write is #GP
 *   SIEFP     0x40000082  bit 0 enable, 63:12 GPFN; enabling zeroes the page (#GP, nothing
 *   SIMP      0x40000083  stored, when it is not RAM); no reserved-bit check
 *   EOM       0x40000084  reads 0; a write retries what waits for a slot, on every SINT
 *   SINT0-15  0x40000090  7:0 vector, 16 masked, 17 AutoEOI, 18 polling; an unmasked vector
 *                         below 16 is #GP; reset value 0x10000
 */
#include <errno.h>
#include <string.h>

#include "hv/hv_internal.h"
#include "util/log.h"

bool hv_synic_msr(uint32_t msr)
{
	return (msr >= HV_X64_MSR_SCONTROL && msr <= HV_X64_MSR_EOM) ||
	       (msr >= HV_X64_MSR_SINT0 && msr <= HV_X64_MSR_SINT15);
}

static void poll_fire(struct tsvc_timer *t, uint32_t seq);

void hv_synic_init(struct hv_vp *vp)
{
	struct hv_synic *s = &vp->synic;

	pthread_mutex_init(&s->lock, NULL);
	s->scontrol = HV_SYNIC_CONTROL_ENABLE;
	for (int i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		atomic_init(&s->sint[i], HV_SYNIC_SINT_RESET);
	atomic_init(&s->waiting, 0);
	tsvc_timer_init(&s->poll, poll_fire, vp);
	hv_stimer_init(vp);
}

void hv_synic_start(struct hv_vp *vp)
{
	pthread_mutex_lock(&vp->synic.lock);
	vp->synic.dead = false;
	pthread_mutex_unlock(&vp->synic.lock);
}

void hv_synic_stop(struct hv_vp *vp)
{
	struct hv_synic *s = &vp->synic;
	struct tsvc *timers = vp->part->timers;

	if (!hv_has(&vp->part->features, HV_FEAT_SYNIC))
		return;
	pthread_mutex_lock(&s->lock);
	s->dead = true;
	s->poll_seq++;
	if (timers)
		tsvc_cancel(timers, &s->poll);
	hv_stimer_stop_all_locked(vp);
	pthread_mutex_unlock(&s->lock);
	if (!timers)
		return;
	/*
	 * A callback already taken off the heap may still run: it sees a stale sequence
	 * number under the lock and does nothing, but it touches the VP, which may be freed
	 * once this returns (hv_vp_destroy). Nothing re-arms a dead SynIC's timers.
	 */
	tsvc_cancel_sync(timers, &s->poll);
	for (int i = 0; i < HV_SYNIC_STIMER_COUNT; i++)
		tsvc_cancel_sync(timers, &vp->stimer[i].timer);
}

int hv_synic_raise_locked(struct hv_vp *vp, uint32_t sint, bool need_scontrol)
{
	struct hv_partition *part = vp->part;
	uint64_t v = atomic_load(&vp->synic.sint[sint]);
	int r;

	if ((v & HV_SYNIC_SINT_MASKED) ||
	    (need_scontrol && !(vp->synic.scontrol & HV_SYNIC_CONTROL_ENABLE))) {
		stat_inc(&part->stats.synic_sints_masked);
		return -ENOENT;
	}
	/* TLFS "SINTx Registers": in polling mode the guest looks for messages itself. */
	if (v & HV_SYNIC_SINT_POLLING) {
		stat_inc(&part->stats.synic_sints_polled);
		return 0;
	}
	r = part->ops->raise_irq(part->opaque, vp, (uint32_t)(v & HV_SYNIC_SINT_VECTOR_MASK),
				 v & HV_SYNIC_SINT_AUTO_EOI);
	if (r) {
		stat_inc(&part->stats.synic_raise_errors);
		pr_warn_ratelimited("hv: vp %u: raising SINT%u (vector %u) failed: %d\n", vp->index,
				    sint, (unsigned)(v & HV_SYNIC_SINT_VECTOR_MASK), r);
		return r;
	}
	stat_inc(&part->stats.synic_sints_raised);
	return 0;
}

void hv_synic_arm_poll_locked(struct hv_vp *vp)
{
	struct hv_synic *s = &vp->synic;
	struct tsvc *timers = vp->part->timers;

	if (s->dead || !timers || !atomic_load(&s->waiting) || tsvc_armed(timers, &s->poll))
		return;
	tsvc_arm_in(timers, &s->poll, HV_SYNIC_POLL_NS, ++s->poll_seq);
}

/* Delivers what waits for the SINTs in mask: timer expirations first, then route messages. */
static void retry_waiting(struct hv_vp *vp, uint32_t mask)
{
	struct hv_synic *s = &vp->synic;

	if (!(atomic_load(&s->waiting) & mask))
		return;
	pthread_mutex_lock(&s->lock);
	hv_stimer_retry_locked(vp, mask);
	pthread_mutex_unlock(&s->lock);
	hv_synic_retry_routes(vp, mask);
}

/*
 * The guest cannot tell hvemu that it freed a slot by an EOI (the in-kernel local APIC
 * handles EOIs without an exit), so what waits is retried every HV_SYNIC_POLL_NS while
 * anything waits, besides EOM and the VP's own exits (docs/synic.md).
 */
static void poll_fire(struct tsvc_timer *t, uint32_t seq)
{
	struct hv_vp *vp = t->arg;
	struct hv_synic *s = &vp->synic;

	pthread_mutex_lock(&s->lock);
	if (seq != s->poll_seq || s->dead) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	stat_inc(&vp->part->stats.synic_msg_polls);
	retry_waiting(vp, ~0u);
	pthread_mutex_lock(&s->lock);
	hv_synic_arm_poll_locked(vp);
	pthread_mutex_unlock(&s->lock);
}

uint32_t hv_vp_synic_waiting(struct hv_vp *vp)
{
	return atomic_load_explicit(&vp->synic.waiting, memory_order_relaxed);
}

void hv_vp_synic_poll(struct hv_vp *vp)
{
	retry_waiting(vp, ~0u);
}

/* Enabling a page zeroes it, as KVM does for a guest write (kvm_clear_guest). */
static enum hv_msr_result write_page(struct hv_vp *vp, uint64_t *reg, uint64_t value)
{
	if (value & HV_SYNIC_SIMP_ENABLE) {
		void *pg = vp->part->ops->gpa_ptr(vp->part->opaque, value & HV_PAGE_MASK_ULL,
						  HV_PAGE_SIZE);

		if (!pg)
			return HV_MSR_GP;
		memset(pg, 0, HV_PAGE_SIZE);
	}
	__atomic_store_n(reg, value, __ATOMIC_RELEASE);
	return HV_MSR_OK;
}

enum hv_msr_result hv_synic_msr_read(struct hv_vp *vp, uint32_t msr, uint64_t *value)
{
	struct hv_synic *s = &vp->synic;

	switch (msr) {
	case HV_X64_MSR_SCONTROL:
		*value = __atomic_load_n(&s->scontrol, __ATOMIC_ACQUIRE);
		return HV_MSR_OK;
	case HV_X64_MSR_SVERSION:
		*value = HV_SYNIC_VERSION_1;
		return HV_MSR_OK;
	case HV_X64_MSR_SIEFP:
		*value = __atomic_load_n(&s->siefp, __ATOMIC_ACQUIRE);
		return HV_MSR_OK;
	case HV_X64_MSR_SIMP:
		*value = __atomic_load_n(&s->simp, __ATOMIC_ACQUIRE);
		return HV_MSR_OK;
	case HV_X64_MSR_EOM:
		*value = 0;
		return HV_MSR_OK;
	default:
		if (msr >= HV_X64_MSR_SINT0 && msr <= HV_X64_MSR_SINT15) {
			*value = atomic_load(&s->sint[msr - HV_X64_MSR_SINT0]);
			return HV_MSR_OK;
		}
		return HV_MSR_GP;
	}
}

enum hv_msr_result hv_synic_msr_write(struct hv_vp *vp, uint32_t msr, uint64_t value)
{
	struct hv_synic *s = &vp->synic;
	enum hv_msr_result res = HV_MSR_OK;

	if (msr == HV_X64_MSR_EOM) {
		/* TLFS "End of Message (EOM) Register": KVM acknowledges every SINT. */
		retry_waiting(vp, ~0u);
		return HV_MSR_OK;
	}
	if (msr == HV_X64_MSR_SVERSION)
		return HV_MSR_GP;
	pthread_mutex_lock(&s->lock);
	switch (msr) {
	case HV_X64_MSR_SCONTROL:
		__atomic_store_n(&s->scontrol, value, __ATOMIC_RELEASE);
		break;
	case HV_X64_MSR_SIEFP:
		res = write_page(vp, &s->siefp, value);
		break;
	case HV_X64_MSR_SIMP:
		res = write_page(vp, &s->simp, value);
		break;
	default: {
		uint32_t vector = (uint32_t)(value & HV_SYNIC_SINT_VECTOR_MASK);

		/*
		 * KVM synic_set_sint: vectors 0-15 are invalid unless masked ("nested Hyper-V
		 * attempts to write default '0x10000' value on boot").
		 */
		if (vector < HV_SYNIC_FIRST_VALID_VECTOR && !(value & HV_SYNIC_SINT_MASKED))
			res = HV_MSR_GP;
		else
			atomic_store(&s->sint[msr - HV_X64_MSR_SINT0], value);
		break;
	}
	}
	pthread_mutex_unlock(&s->lock);
	return res;
}

void hv_vp_synic_info(struct hv_vp *vp, struct hv_synic_info *out)
{
	struct hv_synic *s = &vp->synic;

	memset(out, 0, sizeof(*out));
	out->enabled = hv_has(&vp->part->features, HV_FEAT_SYNIC);
	if (!out->enabled)
		return;
	pthread_mutex_lock(&s->lock);
	out->scontrol = s->scontrol;
	out->simp = s->simp;
	out->siefp = s->siefp;
	for (int i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		out->sint[i] = atomic_load(&s->sint[i]);
	for (int i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		out->stimer_config[i] = vp->stimer[i].config;
		out->stimer_count[i] = vp->stimer[i].count;
		out->stimer_exp_time[i] = vp->stimer[i].exp_time;
	}
	out->waiting = atomic_load(&s->waiting);
	pthread_mutex_unlock(&s->lock);
}
