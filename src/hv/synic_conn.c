// SPDX-License-Identifier: MIT
/*
 * Connections and the SynIC hypercalls: HvPostMessage (0x005C) and HvSignalEvent (0x005D)
 * (TLFS "HvCallPostMessage", "HvCallSignalEvent").
 *
 * With KVM the kernel checks the call and hands every connection it does not know to user
 * space (KVM_EXIT_HYPERV_HCALL), where QEMU looks it up; hvemu is both. The status codes
 * are those a guest gets from KVM + QEMU (arch/x86/kvm/hyperv.c kvm_hv_hypercall and
 * kvm_hvcall_signal_event, QEMU hw/hyperv/hyperv.c hyperv_hcall_post_message and
 * hyperv_hcall_signal_event):
 *
 *   HvPostMessage (memory input only)
 *     rep count or variable header                      INVALID_HYPERCALL_INPUT (KVM)
 *     fast                                               INVALID_HYPERCALL_CODE (QEMU)
 *     input GPA not 8-byte aligned                       INVALID_ALIGNMENT
 *     input not RAM                                      INSUFFICIENT_MEMORY (QEMU's map)
 *     input crosses a page                               INVALID_ALIGNMENT (TLFS rule;
 *                                                        QEMU would read both pages)
 *     payload_size > 240                                 INVALID_HYPERCALL_INPUT
 *     connection_id & 0xFFFFFF unknown                   INVALID_CONNECTION_ID
 *     else the connection's handler (the test device: SUCCESS, or INSUFFICIENT_BUFFERS
 *     while its previous message still waits for the slot)
 *   HvSignalEvent (fast, or the 8-byte parameter in memory)
 *     rep count or variable header                      INVALID_HYPERCALL_INPUT
 *     memory: GPA not 8-byte aligned or not readable     INVALID_ALIGNMENT (KVM)
 *     flag number (bits 47:32) non-zero                  INVALID_PORT_ID
 *     other bits beyond the 24-bit connection ID         INVALID_HYPERCALL_INPUT
 *     unknown connection                                 INVALID_CONNECTION_ID
 * KVM's "SynIC not active" (INVALID_HYPERCALL_INPUT) cannot happen: hvemu offers the two
 * privileges only with the synic feature, and then every VP's SynIC is active.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hcall.h"
#include "util/log.h"

struct hv_conn {
	enum hv_conn_kind kind;
	uint32_t id;
	hv_msg_handler_fn msg_fn;
	hv_event_handler_fn event_fn;
	void *opaque;
};

void hv_conns_init(struct hv_partition *part)
{
	pthread_rwlock_init(&part->conns.lock, NULL);
}

void hv_conns_destroy(struct hv_partition *part)
{
	free(part->conns.v);
	part->conns.v = NULL;
	pthread_rwlock_destroy(&part->conns.lock);
}

/* The connection, or NULL (lock held). */
static struct hv_conn *find(struct hv_conns *c, enum hv_conn_kind kind, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].kind == kind && c->v[i].id == id)
			return &c->v[i];
	return NULL;
}

static int add(struct hv_partition *part, const struct hv_conn *conn)
{
	struct hv_conns *c = &part->conns;
	int r = 0;

	if (!hv_has(&part->features, HV_FEAT_SYNIC) || conn->id > HV_CONNECTION_ID_MASK)
		return -EINVAL;
	pthread_rwlock_wrlock(&c->lock);
	if (find(c, conn->kind, conn->id)) {
		r = -EEXIST;
	} else {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct hv_conn *v = realloc(c->v, cap * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				goto out;
			}
			c->v = v;
			c->cap = cap;
		}
		c->v[c->n++] = *conn;
	}
out:
	pthread_rwlock_unlock(&c->lock);
	return r;
}

int hv_conn_add_msg(struct hv_partition *part, uint32_t conn_id, hv_msg_handler_fn fn, void *opaque)
{
	struct hv_conn c = {
		.kind = HV_CONN_MESSAGE, .id = conn_id, .msg_fn = fn, .opaque = opaque
	};

	return fn ? add(part, &c) : -EINVAL;
}

int hv_conn_add_event(struct hv_partition *part, uint32_t conn_id, hv_event_handler_fn fn,
		      void *opaque)
{
	struct hv_conn c = {
		.kind = HV_CONN_EVENT, .id = conn_id, .event_fn = fn, .opaque = opaque
	};

	return fn ? add(part, &c) : -EINVAL;
}

int hv_conn_remove(struct hv_partition *part, enum hv_conn_kind kind, uint32_t conn_id)
{
	struct hv_conns *c = &part->conns;
	struct hv_conn *e;
	int r = -ENOENT;

	if (!hv_has(&part->features, HV_FEAT_SYNIC))
		return -ENOENT;
	/* The write lock waits for the handlers running under read locks. */
	pthread_rwlock_wrlock(&c->lock);
	e = find(c, kind, conn_id);
	if (e) {
		*e = c->v[--c->n];
		r = 0;
	}
	pthread_rwlock_unlock(&c->lock);
	return r;
}

/* The logic of HvPostMessage on a decoded input. */
uint16_t hv_synic_post_message(struct hv_vp *vp, const struct hv_input_post_message *msg)
{
	struct hv_partition *part = vp->part;
	struct hv_conns *c = &part->conns;
	struct hv_conn *conn;
	uint16_t status;

	if (msg->payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	pthread_rwlock_rdlock(&c->lock);
	conn = find(c, HV_CONN_MESSAGE, msg->connection_id & HV_CONNECTION_ID_MASK);
	if (conn) {
		status = conn->msg_fn(conn->opaque, vp, msg);
	} else {
		status = HV_STATUS_INVALID_CONNECTION_ID;
		stat_inc(&part->stats.synic_bad_conn);
	}
	pthread_rwlock_unlock(&c->lock);
	if (status == HV_STATUS_SUCCESS)
		stat_inc(&part->stats.synic_msgs_posted);
	return status;
}

/* The logic of HvSignalEvent on its 64-bit parameter. */
uint16_t hv_synic_signal_event(struct hv_vp *vp, uint64_t param)
{
	struct hv_partition *part = vp->part;
	struct hv_conns *c = &part->conns;
	struct hv_conn *conn;
	uint16_t status;

	/* KVM and QEMU: "we have no use for [the flag number] ... report lookup failure". */
	if (param & HV_SIGNAL_EVENT_FLAG_MASK)
		return HV_STATUS_INVALID_PORT_ID;
	if (param & ~HV_CONNECTION_ID_MASK)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	pthread_rwlock_rdlock(&c->lock);
	conn = find(c, HV_CONN_EVENT, (uint32_t)param);
	if (conn) {
		status = conn->event_fn(conn->opaque, vp, (uint32_t)param);
	} else {
		status = HV_STATUS_INVALID_CONNECTION_ID;
		stat_inc(&part->stats.synic_bad_conn);
	}
	pthread_rwlock_unlock(&c->lock);
	if (status == HV_STATUS_SUCCESS)
		stat_inc(&part->stats.synic_event_signals);
	return status;
}

/* --- the rows' decoders and handlers (hcall_table.c) ------------------------------------ */

uint16_t hv_decode_post_message(struct hv_vp *vp, const struct hv_hcall *hc,
				const union hv_hc_hdr *hdr, struct hv_hc_req *req)
{
	const void *in;

	(void)hdr;
	if (hc->fast)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if (hc->ingpa & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	/* TLFS: the input may not span pages (QEMU would read both). */
	if ((hc->ingpa & (HV_PAGE_SIZE - 1)) + sizeof(req->post_message.msg) > HV_PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	in = vp->part->ops->gpa_ptr(vp->part->opaque, hc->ingpa, sizeof(req->post_message.msg));
	if (!in)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	/* One copy: the guest may change its input while we look at it. */
	memcpy(&req->post_message.msg, in, sizeof(req->post_message.msg));
	return HV_STATUS_SUCCESS;
}

int hv_post_message(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req)
{
	(void)hc;
	return hv_synic_post_message(vp, &req->post_message.msg);
}

uint16_t hv_decode_signal_event(struct hv_vp *vp, const struct hv_hcall *hc,
				const union hv_hc_hdr *hdr, struct hv_hc_req *req)
{
	const uint64_t *p;

	(void)hdr;
	if (hc->fast) {
		req->signal_event.param = hc->ingpa;
		return HV_STATUS_SUCCESS;
	}
	/* KVM kvm_hvcall_signal_event: any failure to read is INVALID_ALIGNMENT. */
	if ((hc->ingpa & 7) ||
	    !(p = vp->part->ops->gpa_ptr(vp->part->opaque, hc->ingpa, sizeof(*p))))
		return HV_STATUS_INVALID_ALIGNMENT;
	req->signal_event.param = __atomic_load_n(p, __ATOMIC_RELAXED);
	return HV_STATUS_SUCCESS;
}

int hv_signal_event(struct hv_vp *vp, struct hv_hcall *hc, const struct hv_hc_req *req)
{
	(void)hc;
	return hv_synic_signal_event(vp, req->signal_event.param);
}
