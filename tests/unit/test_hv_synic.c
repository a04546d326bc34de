// SPDX-License-Identifier: MIT
/*
 * The SynIC without /dev/kvm (src/hv/synic*.c): the MSR rules, message slots with the
 * msg_pending protocol and their retry (EOM, the poll), event flags, SINT routes,
 * connections and the HvPostMessage/HvSignalEvent statuses, what reaches ops->raise_irq.
 * The controls run the message tests with the msg_pending logic switched off (a fault
 * point) and check that they fail.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "hv/hv_internal.h"
#include "hv_mock.h"
#include "util/fault.h"

#define RAM_SIZE  (1024 * 1024)
#define SIMP_GPA  0x10000ull
#define SIEFP_GPA 0x11000ull
#define IN_GPA	  0x20000ull
#define VEC	  0x55

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp0, *vp1;
};

static void env_init(struct env *e, const char *features)
{
	e->m = hvmock_new(RAM_SIZE);
	CHECK(e->m != NULL);
	CHECK_EQ(hvmock_partition(e->m, features, 8, &e->part), 0);
	e->vp0 = hvmock_vp(e->part, 0);
	e->vp1 = hvmock_vp(e->part, 1);
	CHECK(e->vp0 && e->vp1);
	hvmock_guest_os_id(e->vp0);
}

static void env_fini(struct env *e)
{
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

/* vp's SynIC as a guest sets it up: pages per VP (page + 2 * index), SINT sint = VEC. */
static void synic_up(struct env *e, struct hv_vp *vp, uint32_t sint, uint64_t sint_flags)
{
	uint64_t off = 0x2000ull * hv_vp_index(vp);

	CHECK_EQ(hv_msr_write(vp, HV_X64_MSR_SIMP, (SIMP_GPA + off) | 1), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(vp, HV_X64_MSR_SIEFP, (SIEFP_GPA + off) | 1), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(vp, HV_X64_MSR_SCONTROL, 1), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(vp, HV_X64_MSR_SINT0 + sint, VEC | sint_flags), HV_MSR_OK);
	(void)e;
}

static struct hv_message *slot(struct env *e, struct hv_vp *vp, uint32_t sint)
{
	struct hv_message_page *p = hvmock_gpa(e->m, SIMP_GPA + 0x2000ull * hv_vp_index(vp));

	return &p->sint_message[sint];
}

static uint64_t *flags(struct env *e, struct hv_vp *vp, uint32_t sint)
{
	struct hv_synic_event_flags_page *p =
	    hvmock_gpa(e->m, SIEFP_GPA + 0x2000ull * hv_vp_index(vp));

	return p->sintevent_flags[sint].flags;
}

/* The guest frees a slot: type 0, then EOM if msg_pending (as Linux). */
static void guest_done(struct hv_vp *vp, struct hv_message *m, bool eom)
{
	m->header.message_type = HVMSG_NONE;
	if (eom && (m->header.message_flags & HV_MESSAGE_FLAG_PENDING))
		hv_msr_write(vp, HV_X64_MSR_EOM, 0);
}

static void test_msr_rules(void)
{
	struct env e;
	uint64_t v;
	uint8_t *pg;

	env_init(&e, "vpindex,synic");
	CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_SCONTROL, &v), HV_MSR_OK);
	CHECK_EQ(v, 1);
	CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_SVERSION, &v), HV_MSR_OK);
	CHECK_EQ(v, 1);
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SVERSION, 1), HV_MSR_GP);
	for (uint32_t i = 0; i < 16; i++) {
		CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_SINT0 + i, &v), HV_MSR_OK);
		CHECK_EQ(v, HV_SYNIC_SINT_MASKED);
	}
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_EOM, 5), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_EOM, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	/* Vectors below 16 only masked; everything else stored as written. */
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SINT0 + 2, 15), HV_MSR_GP);
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SINT0 + 2, 15 | HV_SYNIC_SINT_MASKED), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SINT0 + 2, ~0ull), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_SINT0 + 2, &v), HV_MSR_OK);
	CHECK_EQ(v, ~0ull);
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SCONTROL, 0xf0f0), HV_MSR_OK);
	CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_SCONTROL, &v), HV_MSR_OK);
	CHECK_EQ(v, 0xf0f0);
	/* Enabling zeroes the page; a page that is not RAM is #GP and not stored. */
	pg = hvmock_gpa(e.m, SIMP_GPA);
	memset(pg, 0xaa, HV_PAGE_SIZE);
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SIMP, SIMP_GPA | 0xffe), HV_MSR_OK);
	CHECK_EQ(pg[100], 0xaa); /* not enabled: untouched */
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SIMP, SIMP_GPA | 1), HV_MSR_OK);
	CHECK_EQ(pg[100], 0);
	CHECK_EQ(pg[HV_PAGE_SIZE - 1], 0);
	CHECK_EQ(hv_msr_write(e.vp0, HV_X64_MSR_SIEFP, (RAM_SIZE + 0x1000ull) | 1), HV_MSR_GP);
	CHECK_EQ(hv_msr_read(e.vp0, HV_X64_MSR_SIEFP, &v), HV_MSR_OK);
	CHECK_EQ(v, 0);
	CHECK_EQ(hvmock_pstat(e.part, "msr_synic_gp"), 3);
	env_fini(&e);
}

/* VP 1's SINT 4 set up, a route to it, and its message slot. */
static struct hv_message *route_env(struct env *e, struct hv_sint_route **r)
{
	env_init(e, "vpindex,synic");
	synic_up(e, e->vp1, 4, 0);
	CHECK_EQ(hv_sint_route_create(e->part, 1, 4, r), 0);
	return slot(e, e->vp1, 4);
}

/* A device route: messages to a free slot, a busy slot, a staged one, EOM. */
static void test_route_messages(void)
{
	struct env e;
	struct hv_sint_route *r;
	struct hv_message *m = route_env(&e, &r);
	uint64_t pl = 0x1111;

	CHECK_EQ(hv_sint_route_post(r, 0x77, &pl, 8), 0);
	CHECK_EQ(m->header.message_type, 0x77);
	CHECK_EQ(m->header.payload_size, 8);
	CHECK_EQ(m->payload[0], 0x1111);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	/* Busy: msg_pending, no interrupt, staged (the post still succeeds). */
	pl = 0x2222;
	CHECK_EQ(hv_sint_route_post(r, 0x77, &pl, 8), 0);
	CHECK(m->header.message_flags & HV_MESSAGE_FLAG_PENDING);
	CHECK_EQ(m->payload[0], 0x1111);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	CHECK_EQ(hv_vp_synic_waiting(e.vp1), 1u << 4);
	/* A third post while one waits: INSUFFICIENT_BUFFERS for the caller. */
	CHECK_EQ(hv_sint_route_post(r, 0x77, &pl, 8), -EAGAIN);
	/* Freed and EOM: delivered, interrupt, msg_pending clear. */
	guest_done(e.vp1, m, true);
	CHECK_EQ(m->header.message_type, 0x77);
	CHECK_EQ(m->payload[0], 0x2222);
	CHECK(!(m->header.message_flags & HV_MESSAGE_FLAG_PENDING));
	CHECK_EQ(e.m->raised[1][VEC], 2);
	CHECK_EQ(hv_vp_synic_waiting(e.vp1), 0);
	CHECK_EQ(hvmock_pstat(e.part, "synic_msgs_pending"), 1);
	CHECK_EQ(hvmock_pstat(e.part, "synic_msgs_redelivered"), 1);
	hv_sint_route_destroy(r);
	env_fini(&e);
}

/* The control: with the msg_pending logic off, the same test must fail. */
static void test_route_messages_control(void)
{
	struct env e;
	struct hv_sint_route *r;
	struct hv_message *m = route_env(&e, &r);
	uint64_t pl = 1;

	CHECK_EQ(hv_sint_route_post(r, 0x77, &pl, 8), 0);
	CHECK_EQ(fault_arm("synic.msg_pending*"), 0);
	pl = 2;
	CHECK_EQ(hv_sint_route_post(r, 0x77, &pl, 8), 0);
	fault_disarm_all();
	/* What the real test asserts does not hold: no msg_pending, nothing after EOM. */
	CHECK(!(m->header.message_flags & HV_MESSAGE_FLAG_PENDING));
	guest_done(e.vp1, m, true);
	CHECK_EQ(m->header.message_type, HVMSG_NONE);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	CHECK_EQ(hvmock_pstat(e.part, "synic_msgs_dropped"), 1);
	hv_sint_route_destroy(r);
	env_fini(&e);
}

/* Without EOM the poll finds the freed slot (the EOI the VMM cannot see). */
static void test_poll_redelivery(void)
{
	struct env e;
	struct hv_sint_route *r;
	struct hv_message *m;
	uint64_t pl = 1;

	env_init(&e, "vpindex,synic");
	synic_up(&e, e.vp0, 6, 0);
	CHECK_EQ(hv_sint_route_create(e.part, 0, 6, &r), 0);
	m = slot(&e, e.vp0, 6);
	hv_sint_route_post(r, 1, &pl, 8);
	pl = 2;
	hv_sint_route_post(r, 1, &pl, 8);
	CHECK_EQ(e.m->raised[0][VEC], 1);
	guest_done(e.vp0, m, false);
	hvmock_advance(e.m, HV_SYNIC_POLL_NS / 2);
	CHECK_EQ(m->header.message_type, HVMSG_NONE);
	hvmock_advance(e.m, HV_SYNIC_POLL_NS);
	CHECK_EQ(m->header.message_type, 1);
	CHECK_EQ(m->payload[0], 2);
	CHECK_EQ(e.m->raised[0][VEC], 2);
	CHECK(hvmock_pstat(e.part, "synic_msg_polls") >= 1);
	/* Nothing waits any more: the poll stops. */
	CHECK_EQ(hv_vp_synic_waiting(e.vp0), 0);
	CHECK_EQ(tsvc_count(e.m->timers), 0);
	hv_sint_route_destroy(r);
	env_fini(&e);
}

static void test_no_interrupt_cases(void)
{
	struct env e;
	struct hv_sint_route *r;
	uint64_t pl = 9;

	env_init(&e, "vpindex,synic");
	CHECK_EQ(hv_sint_route_create(e.part, 0, 3, &r), 0);
	/* SIMP disabled: the message cannot be written; the post still succeeds. */
	CHECK_EQ(hv_sint_route_post(r, 5, &pl, 8), 0);
	CHECK_EQ(hvmock_pstat(e.part, "synic_msgs_dropped"), 1);
	/* Polling mode: written, no interrupt. */
	synic_up(&e, e.vp0, 3, HV_SYNIC_SINT_POLLING);
	CHECK_EQ(hv_sint_route_post(r, 5, &pl, 8), 0);
	CHECK_EQ(slot(&e, e.vp0, 3)->header.message_type, 5);
	CHECK_EQ(hvmock_raised(e.m, 0), 0);
	slot(&e, e.vp0, 3)->header.message_type = 0;
	/* Masked: written, no interrupt. */
	hv_msr_write(e.vp0, HV_X64_MSR_SINT0 + 3, VEC | HV_SYNIC_SINT_MASKED);
	CHECK_EQ(hv_sint_route_post(r, 6, &pl, 8), 0);
	CHECK_EQ(slot(&e, e.vp0, 3)->header.message_type, 6);
	CHECK_EQ(hvmock_raised(e.m, 0), 0);
	slot(&e, e.vp0, 3)->header.message_type = 0;
	/* SCONTROL off: a device route raises nothing. */
	hv_msr_write(e.vp0, HV_X64_MSR_SINT0 + 3, VEC);
	hv_msr_write(e.vp0, HV_X64_MSR_SCONTROL, 0);
	CHECK_EQ(hv_sint_route_set_sint(r), -ENOENT);
	hv_msr_write(e.vp0, HV_X64_MSR_SCONTROL, 1);
	CHECK_EQ(hv_sint_route_set_sint(r), 0);
	CHECK_EQ(e.m->raised[0][VEC], 1);
	/* AutoEOI reaches the backend as such. */
	hv_msr_write(e.vp0, HV_X64_MSR_SINT0 + 3, VEC | HV_SYNIC_SINT_AUTO_EOI);
	CHECK_EQ(hv_sint_route_set_sint(r), 0);
	CHECK_EQ(e.m->raised_aeoi[0], 1);
	/* A payload beyond 240 bytes is refused. */
	CHECK_EQ(hv_sint_route_post(r, 6, &pl, 241), -EINVAL);
	hv_sint_route_destroy(r);
	CHECK_EQ(hv_sint_route_create(e.part, 5, 0, &r), -ENOENT);
	CHECK_EQ(hv_sint_route_create(e.part, 0, 16, &r), -EINVAL);
	env_fini(&e);
}

static void test_events(void)
{
	struct env e;
	struct hv_sint_route *r;
	uint64_t *f;

	env_init(&e, "vpindex,synic");
	CHECK_EQ(hv_sint_route_create(e.part, 1, 9, &r), 0);
	CHECK_EQ(hv_sint_route_set_event(r, 70), -ENXIO); /* SIEFP off */
	synic_up(&e, e.vp1, 9, 0);
	f = flags(&e, e.vp1, 9);
	CHECK_EQ(hv_sint_route_set_event(r, 70), 0);
	CHECK_EQ(f[1], 1ull << 6);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	/* Already set: no interrupt (only 0 -> 1 raises). */
	CHECK_EQ(hv_sint_route_set_event(r, 70), 0);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	f[1] = 0;
	CHECK_EQ(hv_sint_route_set_event(r, 70), 0);
	CHECK_EQ(e.m->raised[1][VEC], 2);
	CHECK_EQ(hv_sint_route_set_event(r, 2048), -EINVAL);
	hv_msr_write(e.vp1, HV_X64_MSR_SCONTROL, 0);
	f[1] = 0;
	CHECK_EQ(hv_sint_route_set_event(r, 70), -ENXIO);
	CHECK_EQ(f[1], 0);
	CHECK_EQ(hvmock_pstat(e.part, "synic_event_flags_set"), 2);
	CHECK_EQ(hvmock_pstat(e.part, "synic_event_flags_already"), 1);
	hv_sint_route_destroy(r);
	env_fini(&e);
}

static uint16_t echo(void *opaque, struct hv_vp *caller, const struct hv_input_post_message *msg)
{
	struct hv_sint_route *r = opaque;
	int ret;

	(void)caller;
	ret = hv_sint_route_post(r, msg->message_type, msg->payload, msg->payload_size);
	return ret == -EAGAIN ? HV_STATUS_INSUFFICIENT_BUFFERS : ret ? 3 : 0;
}

static uint32_t ev_seen;
static uint16_t ev(void *opaque, struct hv_vp *caller, uint32_t conn)
{
	(void)opaque;
	(void)caller;
	ev_seen = conn;
	return HV_STATUS_SUCCESS;
}

#define POST(vp, ctl, gpa) hvmock_hcall(vp, ctl, gpa, 0, NULL)

static void test_connections_and_hypercalls(void)
{
	struct env e;
	struct hv_sint_route *r;
	struct hv_input_post_message *in;
	uint64_t *p;

	env_init(&e, "vpindex,synic");
	synic_up(&e, e.vp0, 2, 0);
	CHECK_EQ(hv_sint_route_create(e.part, 0, 2, &r), 0);
	CHECK_EQ(hv_conn_add_msg(e.part, 0x10, echo, r), 0);
	CHECK_EQ(hv_conn_add_msg(e.part, 0x10, echo, r), -EEXIST);
	CHECK_EQ(hv_conn_add_msg(e.part, 0x1000000, echo, r), -EINVAL);
	CHECK_EQ(hv_conn_add_msg(e.part, 0x11, NULL, r), -EINVAL);
	CHECK_EQ(hv_conn_add_event(e.part, 0x10, ev, NULL), 0); /* another name space */

	in = hvmock_gpa(e.m, IN_GPA);
	in->connection_id = 0xff000010; /* bits above 23 are not part of the ID (QEMU) */
	in->message_type = 0x4242;
	in->payload_size = 16;
	in->payload[0] = 1;
	in->payload[1] = 2;
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA) & 0xffff, 0);
	CHECK_EQ(slot(&e, e.vp0, 2)->header.message_type, 0x4242);
	CHECK_EQ(slot(&e, e.vp0, 2)->payload[1], 2);
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA) & 0xffff, 0); /* staged */
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA) & 0xffff, HV_STATUS_INSUFFICIENT_BUFFERS);
	in->payload_size = 241;
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA) & 0xffff,
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	in->payload_size = 8;
	in->connection_id = 0x12;
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA) & 0xffff,
		 HV_STATUS_INVALID_CONNECTION_ID);
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE | HV_HYPERCALL_FAST_BIT, IN_GPA) & 0xffff,
		 HV_STATUS_INVALID_HYPERCALL_CODE);
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA + 4) & 0xffff,
		 HV_STATUS_INVALID_ALIGNMENT);
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, IN_GPA + 0xf08) & 0xffff,
		 HV_STATUS_INVALID_ALIGNMENT);
	CHECK_EQ(POST(e.vp0, HVCALL_POST_MESSAGE, RAM_SIZE) & 0xffff,
		 HV_STATUS_INSUFFICIENT_MEMORY);
	CHECK_EQ(POST(e.vp0, hvmock_control(HVCALL_POST_MESSAGE, 0, 0, 1, 0), IN_GPA) & 0xffff,
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	CHECK_EQ(POST(e.vp0, hvmock_control(HVCALL_POST_MESSAGE, 0, 1, 0, 0), IN_GPA) & 0xffff,
		 HV_STATUS_INVALID_HYPERCALL_INPUT);

	/* HvSignalEvent, fast and from memory. */
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 0x10) & 0xffff, 0);
	CHECK_EQ(ev_seen, 0x10);
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 0x10 | 1ull << 32) &
		     0xffff,
		 HV_STATUS_INVALID_PORT_ID);
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 0x10 | 1ull << 24) &
		     0xffff,
		 HV_STATUS_INVALID_HYPERCALL_INPUT);
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 0x11) & 0xffff,
		 HV_STATUS_INVALID_CONNECTION_ID);
	p = hvmock_gpa(e.m, IN_GPA + 0x800);
	*p = 0x10;
	ev_seen = 0;
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT, IN_GPA + 0x800) & 0xffff, 0);
	CHECK_EQ(ev_seen, 0x10);
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT, IN_GPA + 0x804) & 0xffff,
		 HV_STATUS_INVALID_ALIGNMENT);
	CHECK_EQ(POST(e.vp0, HVCALL_SIGNAL_EVENT, RAM_SIZE) & 0xffff, HV_STATUS_INVALID_ALIGNMENT);

	CHECK_EQ(hv_conn_remove(e.part, HV_CONN_MESSAGE, 0x10), 0);
	CHECK_EQ(hv_conn_remove(e.part, HV_CONN_MESSAGE, 0x10), -ENOENT);
	CHECK_EQ(hv_conn_remove(e.part, HV_CONN_EVENT, 0x10), 0);
	CHECK_EQ(hvmock_pstat(e.part, "synic_msgs_posted"), 2);
	CHECK_EQ(hvmock_pstat(e.part, "synic_event_signals"), 2);
	CHECK_EQ(hvmock_pstat(e.part, "hcalls_post_message"), 11);
	hv_sint_route_destroy(r);
	env_fini(&e);
}

static void test_no_synic(void)
{
	struct env e;
	struct hv_sint_route *r;

	env_init(&e, "vpindex");
	CHECK_EQ(hv_sint_route_create(e.part, 0, 1, &r), -EINVAL);
	CHECK_EQ(hv_conn_add_event(e.part, 1, ev, NULL), -EINVAL);
	CHECK_EQ(hv_conn_remove(e.part, HV_CONN_EVENT, 1), -ENOENT);
	env_fini(&e);
}

int main(void)
{
	RUN(test_msr_rules);
	RUN(test_route_messages);
	RUN(test_route_messages_control);
	RUN(test_poll_redelivery);
	RUN(test_no_interrupt_cases);
	RUN(test_events);
	RUN(test_connections_and_hypercalls);
	RUN(test_no_synic);
	return t_done();
}
