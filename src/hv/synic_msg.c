// SPDX-License-Identifier: MIT
/*
 * SynIC messages and event flags (TLFS "SynIC Message Flags", "Message Buffers", "Event
 * Flags"), and SINT routes: how a VMM device reaches a VP's SINT.
 *
 * A message slot belongs to the hypervisor while its message_type is HVMSG_NONE and to the
 * guest otherwise. hvemu writes slots from any thread (the posting vCPU, the timer thread)
 * while the target VP may be running, so the order of accesses is the protocol:
 *   writer (vp->synic.lock held)           guest
 *   load type; busy: msg_pending = 1        message_type = HVMSG_NONE
 *     (seq_cst RMW), load type again        full barrier
 *     still busy: wait (-EAGAIN)            load msg_pending; set: write EOM
 *   free: payload, header, then the type (release) and the interrupt
 * Either the writer sees the slot freed, or the guest sees msg_pending and writes EOM,
 * which retries the waiting message: none is left waiting on a free slot. KVM writes the
 * slot on the target vCPU's own thread instead (synic_deliver_msg), where the order does
 * not matter; the outcome for the guest is the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv_internal.h"
#include "util/fault.h"
#include "util/log.h"

struct hv_sint_route {
	struct hv_partition *part;
	uint32_t vp_index, sint;
	bool staged; /* msg waits for the slot (under part->routes_lock) */
	struct hv_message msg;
	struct hv_sint_route *next;
};

int hv_synic_deliver_locked(struct hv_vp *vp, uint32_t sint, const struct hv_message *msg,
			    bool no_retry, bool need_scontrol)
{
	struct hv_partition *part = vp->part;
	uint64_t simp = vp->synic.simp;
	struct hv_message *slot;
	uint32_t type;

	if (!(simp & HV_SYNIC_SIMP_ENABLE))
		return -ENOENT;
	slot = part->ops->gpa_ptr(part->opaque,
				  (simp & HV_PAGE_MASK_ULL) + sint * sizeof(struct hv_message),
				  sizeof(*slot));
	if (!slot)
		return -EFAULT;
	type = __atomic_load_n(&slot->header.message_type, __ATOMIC_SEQ_CST);
	if (type != HVMSG_NONE) {
		/*
		 * KVM: periodic timer ticks are not queued behind a busy slot ("lazy"). The fault
		 * point treats every message so: the tests' control without msg_pending.
		 */
		if (no_retry || fault_hit("synic.msg_pending"))
			return 1;
		__atomic_fetch_or(&slot->header.message_flags, HV_MESSAGE_FLAG_PENDING,
				  __ATOMIC_SEQ_CST);
		type = __atomic_load_n(&slot->header.message_type, __ATOMIC_SEQ_CST);
		if (type != HVMSG_NONE) {
			stat_inc(&part->stats.synic_msgs_pending);
			return -EAGAIN;
		}
	}
	memcpy(slot->payload, msg->payload, msg->header.payload_size);
	slot->header.payload_size = msg->header.payload_size;
	/* Clears the msg_pending this writer may just have set: the slot is ours again. */
	__atomic_store_n(&slot->header.message_flags, msg->header.message_flags, __ATOMIC_RELAXED);
	memset(slot->header.reserved, 0, sizeof(slot->header.reserved));
	slot->header.sender = msg->header.sender;
	__atomic_store_n(&slot->header.message_type, msg->header.message_type, __ATOMIC_RELEASE);
	stat_inc(&part->stats.synic_msgs_delivered);
	return hv_synic_raise_locked(vp, sint, need_scontrol);
}

int hv_synic_set_event_locked(struct hv_vp *vp, uint32_t sint, uint32_t flag)
{
	struct hv_partition *part = vp->part;
	uint64_t siefp = vp->synic.siefp, old, bit = 1ull << (flag % 64);
	struct hv_synic_event_flags *f;

	/* QEMU (hyperv_set_event_flag): nothing while SCONTROL or SIEFP is disabled. */
	if (!(vp->synic.scontrol & HV_SYNIC_CONTROL_ENABLE) || !(siefp & HV_SYNIC_SIEFP_ENABLE))
		return -ENXIO;
	f = part->ops->gpa_ptr(part->opaque, (siefp & HV_PAGE_MASK_ULL) + sint * sizeof(*f),
			       sizeof(*f));
	if (!f)
		return -EFAULT;
	old = __atomic_fetch_or(&f->flags[flag / 64], bit, __ATOMIC_SEQ_CST);
	/* TLFS "Event Flags": only a 0 -> 1 transition interrupts. */
	if (old & bit) {
		stat_inc(&part->stats.synic_event_flags_already);
		return 0;
	}
	stat_inc(&part->stats.synic_event_flags_set);
	return hv_synic_raise_locked(vp, sint, true);
}

/* --- routes ------------------------------------------------------------------------------ */

int hv_sint_route_create(struct hv_partition *part, uint32_t vp_index, uint32_t sint,
			 struct hv_sint_route **out)
{
	struct hv_sint_route *r;
	uint32_t gen;
	bool exists;

	*out = NULL;
	if (!hv_has(&part->features, HV_FEAT_SYNIC) || sint >= HV_SYNIC_SINT_COUNT)
		return -EINVAL;
	gen = hv_read_lock(part);
	exists = hv_vp_get(part, vp_index) != NULL;
	hv_read_unlock(part, gen);
	if (!exists)
		return -ENOENT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->part = part;
	r->vp_index = vp_index;
	r->sint = sint;
	pthread_mutex_lock(&part->routes_lock);
	r->next = part->routes;
	part->routes = r;
	pthread_mutex_unlock(&part->routes_lock);
	*out = r;
	return 0;
}

void hv_sint_route_destroy(struct hv_sint_route *r)
{
	struct hv_partition *part;
	struct hv_sint_route **pp;

	if (!r)
		return;
	part = r->part;
	pthread_mutex_lock(&part->routes_lock);
	for (pp = &part->routes; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	if (r->staged)
		stat_inc(&part->stats.synic_msgs_dropped);
	pthread_mutex_unlock(&part->routes_lock);
	free(r);
}

uint32_t hv_sint_route_vp(const struct hv_sint_route *r)
{
	return r->vp_index;
}

uint32_t hv_sint_route_sint(const struct hv_sint_route *r)
{
	return r->sint;
}

int hv_sint_route_set_sint(struct hv_sint_route *r)
{
	uint32_t gen = hv_read_lock(r->part);
	struct hv_vp *vp = hv_vp_get(r->part, r->vp_index);
	int ret = -ENOENT;

	if (vp) {
		pthread_mutex_lock(&vp->synic.lock);
		ret = hv_synic_raise_locked(vp, r->sint, true);
		pthread_mutex_unlock(&vp->synic.lock);
	}
	hv_read_unlock(r->part, gen);
	return ret;
}

int hv_sint_route_set_event(struct hv_sint_route *r, uint32_t flag)
{
	struct hv_vp *vp;
	uint32_t gen;
	int ret = -ENOENT;

	if (flag >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	gen = hv_read_lock(r->part);
	vp = hv_vp_get(r->part, r->vp_index);
	if (vp) {
		pthread_mutex_lock(&vp->synic.lock);
		ret = hv_synic_set_event_locked(vp, r->sint, flag);
		pthread_mutex_unlock(&vp->synic.lock);
	}
	hv_read_unlock(r->part, gen);
	return ret;
}

/*
 * One delivery attempt of r's message (routes_lock held): 0 delivered (or dropped), -EAGAIN
 * still waiting.
 */
static int route_try(struct hv_sint_route *r, struct hv_vp *vp)
{
	struct hv_partition *part = r->part;
	bool simp_on;
	int ret;

	pthread_mutex_lock(&vp->synic.lock);
	ret = hv_synic_deliver_locked(vp, r->sint, &r->msg, false, true);
	if (ret == -EAGAIN) {
		atomic_fetch_or(&vp->synic.waiting, 1u << r->sint);
		hv_synic_arm_poll_locked(vp);
	}
	simp_on = vp->synic.simp & HV_SYNIC_SIMP_ENABLE;
	pthread_mutex_unlock(&vp->synic.lock);
	if (ret == -EAGAIN)
		return ret;
	/*
	 * -ENOENT with SIMP enabled means the message is in the slot but the SINT is masked or
	 * SCONTROL is off: delivered, no interrupt (KVM). A message that could not be written
	 * at all is dropped: QEMU's post succeeded before its delivery failed.
	 */
	if (ret == 1 || ret == -EFAULT || (ret == -ENOENT && !simp_on)) {
		stat_inc(&part->stats.synic_msgs_dropped);
		pr_info_ratelimited("hv: vp %u: message for SINT%u dropped: %s\n", vp->index,
				    r->sint,
				    ret == 1	     ? "slot busy"
				    : ret == -EFAULT ? "SIMP page is not RAM"
						     : "SIMP disabled");
	}
	return 0;
}

int hv_sint_route_post(struct hv_sint_route *r, uint32_t message_type, const void *payload,
		       uint32_t payload_size)
{
	struct hv_partition *part = r->part;
	struct hv_vp *vp;
	uint32_t gen;
	int ret;

	if (payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		return -EINVAL;
	pthread_mutex_lock(&part->routes_lock);
	if (r->staged) {
		/* QEMU: the staging area is taken (hyperv_post_msg -EAGAIN). */
		pthread_mutex_unlock(&part->routes_lock);
		stat_inc(&part->stats.synic_msgs_busy);
		return -EAGAIN;
	}
	/* The VP may be removed meanwhile: use it inside a read section. */
	gen = hv_read_lock(part);
	vp = hv_vp_get(part, r->vp_index);
	if (!vp) {
		hv_read_unlock(part, gen);
		pthread_mutex_unlock(&part->routes_lock);
		return -ENOENT;
	}
	memset(&r->msg.header, 0, sizeof(r->msg.header));
	r->msg.header.message_type = message_type;
	r->msg.header.payload_size = (uint8_t)payload_size;
	memcpy(r->msg.payload, payload, payload_size);
	ret = route_try(r, vp);
	r->staged = ret == -EAGAIN;
	hv_read_unlock(part, gen);
	pthread_mutex_unlock(&part->routes_lock);
	return 0;
}

void hv_synic_retry_routes(struct hv_vp *vp, uint32_t mask)
{
	struct hv_partition *part = vp->part;
	uint32_t still = 0;

	pthread_mutex_lock(&part->routes_lock);
	for (struct hv_sint_route *r = part->routes; r; r = r->next) {
		if (!r->staged || r->vp_index != vp->index)
			continue;
		if ((mask & (1u << r->sint)) && route_try(r, vp) == 0) {
			r->staged = false;
			stat_inc(&part->stats.synic_msgs_redelivered);
			continue;
		}
		still |= 1u << r->sint;
	}
	/*
	 * Recompute the route part of `waiting` (timers keep their own bits: see
	 * hv_stimer_retry_locked); a bit set by a concurrent timer is kept.
	 */
	pthread_mutex_lock(&vp->synic.lock);
	{
		uint32_t timers = 0;

		for (int i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
			const struct hv_stimer *t = &vp->stimer[i];

			if (t->msg_pending && !(t->config & HV_STIMER_DIRECT_MODE))
				timers |= 1u << ((t->config & HV_STIMER_SINT_MASK) >>
						 HV_STIMER_SINT_SHIFT);
		}
		atomic_store(&vp->synic.waiting, still | timers);
	}
	pthread_mutex_unlock(&vp->synic.lock);
	pthread_mutex_unlock(&part->routes_lock);
}
