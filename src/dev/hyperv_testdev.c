// SPDX-License-Identifier: MIT
/*
 * QEMU's hyperv-testdev: SINT routes, message connections that echo every HvPostMessage
 * into a VP's message slot, event connections that set a flag in a VP's event page.
 */
#include "dev/hyperv_testdev.h"

#include <errno.h>
#include <string.h>

#include "hvemu/hyperv_testdev.h"
#include "util/compiler.h"
#include "util/log.h"

static void bad(struct hyperv_testdev *d, const char *what, uint32_t value)
{
	stat_inc(&d->stats.bad_requests);
	pr_warn_ratelimited("hyperv-testdev: %s (write 0x%08x ignored)", what, value);
}

/* HvPostMessage on a message connection: the same message into the route's slot. */
static uint16_t echo_msg(void *opaque, struct hv_vp *caller,
			 const struct hv_input_post_message *msg)
{
	struct hyperv_testdev_conn *c = opaque;
	int r;

	(void)caller;
	r = hv_sint_route_post(c->route, msg->message_type, msg->payload, msg->payload_size);
	if (r == 0) {
		stat_inc(&c->dev->stats.msgs_echoed);
		return HV_STATUS_SUCCESS;
	}
	/* QEMU's msg_handler: the previous message still waits for its slot. */
	return r == -EAGAIN ? HV_STATUS_INSUFFICIENT_BUFFERS : HV_STATUS_INVALID_HYPERCALL_INPUT;
}

/* HvSignalEvent on an event connection: flag number conn_id of the route's slot. */
static uint16_t echo_event(void *opaque, struct hv_vp *caller, uint32_t conn_id)
{
	struct hyperv_testdev_conn *c = opaque;
	int r;

	(void)caller;
	r = hv_sint_route_set_event(c->route, conn_id);
	if (r) {
		/* QEMU sets the flag later, on its main loop, and aborts if it cannot. */
		stat_inc(&c->dev->stats.bad_requests);
		pr_warn_ratelimited("hyperv-testdev: event %u for VP %u SINT%u not set: %s",
				    conn_id, hv_sint_route_vp(c->route),
				    hv_sint_route_sint(c->route), strerror(-r));
	} else {
		stat_inc(&c->dev->stats.events_echoed);
	}
	return HV_STATUS_SUCCESS;
}

static void route_create(struct hyperv_testdev *d, uint32_t vp, uint32_t sint, uint32_t value)
{
	int r;

	if (d->routes[vp][sint]) {
		bad(d, "route exists", value);
		return;
	}
	r = hv_sint_route_create(d->part, vp, sint, &d->routes[vp][sint]);
	if (r)
		bad(d, r == -ENOENT ? "no such VP" : "cannot create the route", value);
}

static void conn_create(struct hyperv_testdev *d, bool msg, uint32_t vp, uint32_t sint, uint32_t id,
			uint32_t value)
{
	struct hyperv_testdev_conn *c = msg ? &d->msg[id] : &d->evt[id];
	int r;

	if (c->route) {
		bad(d, "connection exists", value);
		return;
	}
	r = hv_sint_route_create(d->part, vp, sint, &c->route);
	if (r) {
		bad(d, r == -ENOENT ? "no such VP" : "cannot create the route", value);
		return;
	}
	c->dev = d;
	c->id = (uint8_t)id;
	r = msg ? hv_conn_add_msg(d->part, id, echo_msg, c)
		: hv_conn_add_event(d->part, id, echo_event, c);
	if (r) {
		hv_sint_route_destroy(c->route);
		c->route = NULL;
		bad(d, r == -EEXIST ? "connection ID taken" : "cannot add the connection", value);
	}
}

static void conn_destroy(struct hyperv_testdev *d, bool msg, uint32_t id, uint32_t value)
{
	struct hyperv_testdev_conn *c = msg ? &d->msg[id] : &d->evt[id];

	if (!c->route) {
		bad(d, "no such connection", value);
		return;
	}
	/* Waits for a handler still using the route. */
	hv_conn_remove(d->part, msg ? HV_CONN_MESSAGE : HV_CONN_EVENT, id);
	hv_sint_route_destroy(c->route);
	c->route = NULL;
}

void hyperv_testdev_write(struct hyperv_testdev *d, uint32_t value)
{
	uint32_t sint = value & 0xFF, vp = (value >> 8) & 0xFF, ctl = (value >> 16) & 0xFF;
	uint32_t conn = value >> 24;

	stat_inc(&d->stats.writes);
	if (ctl >= HV_TEST_DEV_SINT_ROUTE_CREATE && ctl <= HV_TEST_DEV_EVT_CONN_CREATE &&
	    ctl != HV_TEST_DEV_MSG_CONN_DESTROY && sint >= HV_SYNIC_SINT_COUNT) {
		bad(d, "SINT out of range", value);
		return;
	}
	pthread_mutex_lock(&d->lock);
	switch (ctl) {
	case HV_TEST_DEV_SINT_ROUTE_CREATE:
		route_create(d, vp, sint, value);
		break;
	case HV_TEST_DEV_SINT_ROUTE_DESTROY:
		if (!d->routes[vp][sint]) {
			bad(d, "no such route", value);
			break;
		}
		hv_sint_route_destroy(d->routes[vp][sint]);
		d->routes[vp][sint] = NULL;
		break;
	case HV_TEST_DEV_SINT_ROUTE_SET_SINT:
		if (!d->routes[vp][sint]) {
			bad(d, "no such route", value);
			break;
		}
		/* A masked SINT or SynIC disabled: nothing raised, as with KVM's irqfd. */
		if (!hv_sint_route_set_sint(d->routes[vp][sint]))
			stat_inc(&d->stats.sints_set);
		break;
	case HV_TEST_DEV_MSG_CONN_CREATE:
	case HV_TEST_DEV_EVT_CONN_CREATE:
		conn_create(d, ctl == HV_TEST_DEV_MSG_CONN_CREATE, vp, sint, conn, value);
		break;
	case HV_TEST_DEV_MSG_CONN_DESTROY:
	case HV_TEST_DEV_EVT_CONN_DESTROY:
		conn_destroy(d, ctl == HV_TEST_DEV_MSG_CONN_DESTROY, conn, value);
		break;
	default:
		bad(d, "unknown control", value);
		break;
	}
	pthread_mutex_unlock(&d->lock);
}

static void testdev_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		       uint32_t *data)
{
	struct hyperv_testdev *d = opaque;

	(void)vcpu;
	if (!is_write || size != 4 || port != HV_TESTDEV_PORT) {
		/* QEMU: 4-byte accesses only; reads give 0. */
		stat_inc(&d->stats.bad_accesses);
		if (!is_write)
			*data = 0;
		return;
	}
	hyperv_testdev_write(d, *data);
}

int hyperv_testdev_init(struct hyperv_testdev *d, struct hv_partition *part)
{
	memset(d, 0, sizeof(*d));
	if (!part || !hv_has(hv_partition_features(part), HV_FEAT_SYNIC))
		return -EINVAL;
	d->part = part;
	pthread_mutex_init(&d->lock, NULL);
	return 0;
}

int hyperv_testdev_attach(struct hyperv_testdev *d, struct pio_bus *bus)
{
	return pio_register(bus, HV_TESTDEV_PORT, 4, "hyperv-testdev", testdev_io, d);
}

void hyperv_testdev_destroy(struct hyperv_testdev *d)
{
	if (!d->part)
		return;
	pthread_mutex_lock(&d->lock);
	for (unsigned id = 0; id < 256; id++) {
		if (d->msg[id].route)
			conn_destroy(d, true, id, 0);
		if (d->evt[id].route)
			conn_destroy(d, false, id, 0);
		for (unsigned s = 0; s < HV_SYNIC_SINT_COUNT; s++) {
			hv_sint_route_destroy(d->routes[id][s]);
			d->routes[id][s] = NULL;
		}
	}
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
	d->part = NULL;
}

#define D(f)                                                                                   \
	{                                                                                      \
		.name = "hyperv_testdev_" #f, .type = STAT_CUMULATIVE, .unit = STAT_UNIT_NONE, \
		.offset = offsetof(struct hyperv_testdev_stats, f)                             \
	}

static const struct stat_desc descs[] = {
	D(writes), D(bad_requests), D(bad_accesses), D(sints_set), D(msgs_echoed), D(events_echoed),
};

void hyperv_testdev_stats_visit(struct hyperv_testdev *d, stat_visit_fn fn, void *ctx)
{
	stats_visit(descs, ARRAY_SIZE(descs), &d->stats, fn, ctx);
}
