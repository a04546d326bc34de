// SPDX-License-Identifier: MIT
/*
 * QEMU's hyperv-testdev on the SynIC (src/dev/hyperv_testdev.c) with the hv mock: the
 * register decoding, routes, message and event connections echoing hypercalls, and every
 * request QEMU would abort on counted and ignored instead.
 */
#include <errno.h>
#include <string.h>

#include "dev/hyperv_testdev.h"
#include "harness.h"
#include "hv/hv_internal.h"
#include "hv_mock.h"
#include "hvemu/hyperv_testdev.h"

#define RAM_SIZE (256 * 1024)
#define SIMP	 0x10000ull
#define SIEFP	 0x11000ull
#define IN_GPA	 0x20000ull
#define VEC	 0x70

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp;
	struct hyperv_testdev d;
};

static void env_init(struct env *e)
{
	e->m = hvmock_new(RAM_SIZE);
	CHECK_EQ(hvmock_partition(e->m, "vpindex,synic", 4, &e->part), 0);
	e->vp = hvmock_vp(e->part, 2);
	CHECK(e->vp != NULL);
	hvmock_guest_os_id(e->vp);
	hv_msr_write(e->vp, HV_X64_MSR_SIMP, SIMP | 1);
	hv_msr_write(e->vp, HV_X64_MSR_SIEFP, SIEFP | 1);
	for (uint32_t s = 0; s < 16; s++)
		hv_msr_write(e->vp, HV_X64_MSR_SINT0 + s, VEC + s);
	CHECK_EQ(hyperv_testdev_init(&e->d, e->part), 0);
}

static void env_fini(struct env *e)
{
	hyperv_testdev_destroy(&e->d);
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

static void w(struct env *e, uint32_t ctl, uint32_t vp, uint32_t sint, uint32_t conn)
{
	hyperv_testdev_write(&e->d, HV_TESTDEV_CMD(ctl, vp, sint, conn));
}

struct find {
	const char *name;
	uint64_t v;
};

static void find_fn(void *ctx, const char *name, enum stat_type t, enum stat_unit u, uint64_t v)
{
	struct find *f = ctx;

	(void)t;
	(void)u;
	if (!strcmp(name, f->name))
		f->v = v;
}

static uint64_t stat(struct env *e, const char *name)
{
	struct find f = { name, ~0ull };

	hyperv_testdev_stats_visit(&e->d, find_fn, &f);
	return f.v;
}

static void test_routes(void)
{
	struct env e;

	env_init(&e);
	w(&e, HV_TEST_DEV_SINT_ROUTE_CREATE, 2, 5, 0);
	w(&e, HV_TEST_DEV_SINT_ROUTE_SET_SINT, 2, 5, 0);
	CHECK_EQ(e.m->raised[2][VEC + 5], 1);
	/* Duplicate, unknown VP, unknown route, bad SINT, unknown control: counted only. */
	w(&e, HV_TEST_DEV_SINT_ROUTE_CREATE, 2, 5, 0);
	w(&e, HV_TEST_DEV_SINT_ROUTE_CREATE, 3, 5, 0);
	w(&e, HV_TEST_DEV_SINT_ROUTE_SET_SINT, 2, 6, 0);
	w(&e, HV_TEST_DEV_SINT_ROUTE_CREATE, 2, 16, 0);
	w(&e, 9, 2, 5, 0);
	CHECK_EQ(stat(&e, "hyperv_testdev_bad_requests"), 5);
	w(&e, HV_TEST_DEV_SINT_ROUTE_DESTROY, 2, 5, 0);
	w(&e, HV_TEST_DEV_SINT_ROUTE_SET_SINT, 2, 5, 0);
	CHECK_EQ(e.m->raised[2][VEC + 5], 1);
	CHECK_EQ(stat(&e, "hyperv_testdev_bad_requests"), 6);
	CHECK_EQ(stat(&e, "hyperv_testdev_writes"), 9);
	env_fini(&e);
}

static void test_message_echo(void)
{
	struct env e;
	struct hv_input_post_message *in;
	struct hv_message_page *pg;

	env_init(&e);
	w(&e, HV_TEST_DEV_MSG_CONN_CREATE, 2, 8, 0x21);
	w(&e, HV_TEST_DEV_MSG_CONN_CREATE, 2, 9, 0x21); /* the ID is taken */
	CHECK_EQ(stat(&e, "hyperv_testdev_bad_requests"), 1);
	in = hvmock_gpa(e.m, IN_GPA);
	in->connection_id = 0x21;
	in->message_type = 0x1234;
	in->payload_size = 4;
	in->payload[0] = 0xabcd;
	CHECK_EQ(hvmock_hcall(e.vp, HVCALL_POST_MESSAGE, IN_GPA, 0, NULL) & 0xffff, 0);
	pg = hvmock_gpa(e.m, SIMP);
	CHECK_EQ(pg->sint_message[8].header.message_type, 0x1234);
	CHECK_EQ(pg->sint_message[8].header.payload_size, 4);
	CHECK_EQ(pg->sint_message[8].payload[0], 0xabcd);
	CHECK_EQ(e.m->raised[2][VEC + 8], 1);
	/* Busy slot: staged (success); a second one waits too: INSUFFICIENT_BUFFERS. */
	CHECK_EQ(hvmock_hcall(e.vp, HVCALL_POST_MESSAGE, IN_GPA, 0, NULL) & 0xffff, 0);
	CHECK_EQ(hvmock_hcall(e.vp, HVCALL_POST_MESSAGE, IN_GPA, 0, NULL) & 0xffff,
		 HV_STATUS_INSUFFICIENT_BUFFERS);
	w(&e, HV_TEST_DEV_MSG_CONN_DESTROY, 0, 0, 0x21);
	CHECK_EQ(hvmock_hcall(e.vp, HVCALL_POST_MESSAGE, IN_GPA, 0, NULL) & 0xffff,
		 HV_STATUS_INVALID_CONNECTION_ID);
	w(&e, HV_TEST_DEV_MSG_CONN_DESTROY, 0, 0, 0x21);
	CHECK_EQ(stat(&e, "hyperv_testdev_bad_requests"), 2);
	CHECK_EQ(stat(&e, "hyperv_testdev_msgs_echoed"), 2);
	env_fini(&e);
}

static void test_event_echo(void)
{
	struct env e;
	struct hv_synic_event_flags_page *pg;

	env_init(&e);
	w(&e, HV_TEST_DEV_EVT_CONN_CREATE, 2, 3, 0x42);
	CHECK_EQ(hvmock_hcall(e.vp, HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 0x42, 0, NULL) &
		     0xffff,
		 0);
	pg = hvmock_gpa(e.m, SIEFP);
	CHECK_EQ(pg->sintevent_flags[3].flags[1], 1ull << 2); /* flag 0x42 */
	CHECK_EQ(e.m->raised[2][VEC + 3], 1);
	/* Left at destroy: destroy() removes it. */
	env_fini(&e);
}

static void test_needs_synic(void)
{
	struct hvmock *m = hvmock_new(RAM_SIZE);
	struct hv_partition *part;
	struct hyperv_testdev d;

	CHECK_EQ(hvmock_partition(m, "vpindex", 4, &part), 0);
	CHECK_EQ(hyperv_testdev_init(&d, part), -EINVAL);
	CHECK_EQ(hyperv_testdev_init(&d, NULL), -EINVAL);
	hv_partition_destroy(part);
	hvmock_free(m);
}

int main(void)
{
	RUN(test_routes);
	RUN(test_message_echo);
	RUN(test_event_echo);
	RUN(test_needs_synic);
	return t_done();
}
