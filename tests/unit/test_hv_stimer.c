// SPDX-License-Identifier: MIT
/*
 * Synthetic timers without /dev/kvm (src/hv/stimer.c) on the mock's manual clock: KVM's
 * CONFIG/COUNT rules, one-shot and periodic expirations and their messages, the period's
 * grid and missed ticks, a busy slot (one-shot waits for EOM, periodic tick dropped),
 * direct mode, timers stopping with their VP.
 */
#include <string.h>

#include "harness.h"
#include "hv/hv_internal.h"
#include "hv_mock.h"

#define RAM_SIZE (256 * 1024)
#define SIMP_GPA 0x10000ull
#define SINT	 2
#define VEC	 0x66
#define MS	 10000ull /* 1 ms in 100 ns units */
#define NS_MS	 1000000ull
#define SLACK_NS 500ull /* the mock's reference time rounds down */

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp;
};

static void env_init(struct env *e, const char *features)
{
	e->m = hvmock_new(RAM_SIZE);
	CHECK(e->m != NULL);
	CHECK_EQ(hvmock_partition(e->m, features, 4, &e->part), 0);
	e->vp = hvmock_vp(e->part, 1);
	CHECK(e->vp != NULL);
	CHECK_EQ(hv_msr_write(e->vp, HV_X64_MSR_SIMP, SIMP_GPA | 1), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(e->vp, HV_X64_MSR_SINT0 + SINT, VEC), HV_MSR_OK);
}

static void env_fini(struct env *e)
{
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

static uint64_t ref_now(struct env *e)
{
	uint64_t v = 0;

	hv_msr_read(e->vp, HV_X64_MSR_TIME_REF_COUNT, &v);
	return v;
}

static struct hv_message *slot(struct env *e)
{
	struct hv_message_page *p = hvmock_gpa(e->m, SIMP_GPA);

	return &p->sint_message[SINT];
}

static const struct hv_timer_message_payload *payload(struct env *e)
{
	return (const void *)slot(e)->payload;
}

static uint64_t rd(struct env *e, uint32_t msr)
{
	uint64_t v = ~0ull;

	hv_msr_read(e->vp, msr, &v);
	return v;
}

static uint64_t msg_cfg(bool periodic, bool auto_enable)
{
	return HV_STIMER_ENABLE | (periodic ? HV_STIMER_PERIODIC : 0) |
	       (auto_enable ? HV_STIMER_AUTOENABLE : 0) | ((uint64_t)SINT << HV_STIMER_SINT_SHIFT);
}

static void test_one_shot(void)
{
	struct env e;
	uint64_t due;

	env_init(&e, "vpindex,synic,time,stimer");
	due = ref_now(&e) + MS;
	CHECK_EQ(hv_msr_write(e.vp, HV_STIMER_COUNT(0), due), HV_MSR_OK);
	CHECK_EQ(hv_msr_write(e.vp, HV_STIMER_CONFIG(0), msg_cfg(false, false)), HV_MSR_OK);
	hvmock_advance(e.m, NS_MS / 2);
	CHECK_EQ(slot(&e)->header.message_type, HVMSG_NONE);
	hvmock_advance(e.m, NS_MS / 2 + SLACK_NS);
	CHECK_EQ(slot(&e)->header.message_type, HVMSG_TIMER_EXPIRED);
	CHECK_EQ(slot(&e)->header.payload_size, 24);
	CHECK_EQ(payload(&e)->timer_index, 0);
	CHECK_EQ(payload(&e)->expiration_time, due);
	CHECK(payload(&e)->delivery_time >= due);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	/* Fired: enable cleared, nothing more. */
	CHECK_EQ(rd(&e, HV_STIMER_CONFIG(0)), msg_cfg(false, false) & ~HV_STIMER_ENABLE);
	slot(&e)->header.message_type = 0;
	hvmock_advance(e.m, 10 * NS_MS);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	/* One already past expires at once. */
	hv_msr_write(e.vp, HV_STIMER_COUNT(1), ref_now(&e) - 5);
	hv_msr_write(e.vp, HV_STIMER_CONFIG(1), msg_cfg(false, false));
	hvmock_advance(e.m, 0);
	CHECK_EQ(payload(&e)->timer_index, 1);
	CHECK_EQ(e.m->raised[1][VEC], 2);
	CHECK_EQ(hvmock_pstat(e.part, "stimer_expirations"), 2);
	CHECK_EQ(hvmock_vstat(e.vp, "stimer_expirations"), 2);
	env_fini(&e);
}

static void test_periodic_grid(void)
{
	struct env e;
	uint64_t start, last = 0;

	env_init(&e, "vpindex,synic,time,stimer");
	start = ref_now(&e);
	hv_msr_write(e.vp, HV_STIMER_COUNT(2), MS);
	hv_msr_write(e.vp, HV_STIMER_CONFIG(2), msg_cfg(true, false));
	hvmock_advance(e.m, 0);
	for (int i = 1; i <= 5; i++) {
		hvmock_advance(e.m, NS_MS);
		CHECK_EQ(slot(&e)->header.message_type, HVMSG_TIMER_EXPIRED);
		CHECK_EQ(payload(&e)->timer_index, 2);
		if (last)
			CHECK_EQ(payload(&e)->expiration_time - last, MS);
		else
			CHECK(payload(&e)->expiration_time >= start + MS);
		last = payload(&e)->expiration_time;
		slot(&e)->header.message_type = 0;
	}
	CHECK_EQ(e.m->raised[1][VEC], 5);
	/* A tick that finds the slot busy is dropped (KVM's lazy periodic), not queued. */
	slot(&e)->header.message_type = 0x99;
	hvmock_advance(e.m, NS_MS);
	CHECK(!(slot(&e)->header.message_flags & HV_MESSAGE_FLAG_PENDING));
	CHECK_EQ(hvmock_pstat(e.part, "stimer_missed_ticks"), 1);
	CHECK_EQ(e.m->raised[1][VEC], 5);
	slot(&e)->header.message_type = 0;
	hvmock_advance(e.m, NS_MS);
	CHECK_EQ(payload(&e)->expiration_time - last, 2 * MS);
	last = payload(&e)->expiration_time;
	slot(&e)->header.message_type = 0;
	/* Late by 3.5 periods: one expiration, then back on the grid, the rest counted. */
	hvmock_advance(e.m, 3 * NS_MS + NS_MS / 2);
	CHECK_EQ(payload(&e)->expiration_time - last, MS);
	last = payload(&e)->expiration_time;
	slot(&e)->header.message_type = 0;
	CHECK_EQ(hvmock_pstat(e.part, "stimer_missed_ticks"), 3);
	hvmock_advance(e.m, NS_MS / 2 + SLACK_NS);
	CHECK_EQ((payload(&e)->expiration_time - last) % MS, 0);
	CHECK_EQ(payload(&e)->expiration_time - last, 3 * MS);
	CHECK_EQ(rd(&e, HV_STIMER_CONFIG(2)), msg_cfg(true, false)); /* still enabled */
	env_fini(&e);
}

static void test_one_shot_busy_slot(void)
{
	struct env e;

	env_init(&e, "vpindex,synic,time,stimer");
	slot(&e)->header.message_type = HVMSG_TIMER_EXPIRED;
	hv_msr_write(e.vp, HV_STIMER_COUNT(0), ref_now(&e) + MS);
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), msg_cfg(false, false));
	hvmock_advance(e.m, 0);
	hvmock_advance(e.m, 2 * NS_MS);
	CHECK(slot(&e)->header.message_flags & HV_MESSAGE_FLAG_PENDING);
	CHECK_EQ(hvmock_raised(e.m, 1), 0);
	CHECK_EQ(hv_vp_synic_waiting(e.vp), 1u << SINT);
	/* Still enabled, waiting: nothing fires while the slot stays busy. */
	hvmock_advance(e.m, 5 * NS_MS);
	CHECK_EQ(hvmock_raised(e.m, 1), 0);
	/* Freed and EOM: it fires. */
	slot(&e)->header.message_type = 0;
	hv_msr_write(e.vp, HV_X64_MSR_EOM, 0);
	hvmock_advance(e.m, 0);
	CHECK_EQ(slot(&e)->header.message_type, HVMSG_TIMER_EXPIRED);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	CHECK(!(rd(&e, HV_STIMER_CONFIG(0)) & HV_STIMER_ENABLE));
	env_fini(&e);
}

/* KVM stimer_set_config / stimer_set_count. */
static void test_config_rules(void)
{
	struct env e;

	env_init(&e, "vpindex,synic,time,stimer");
	/* COUNT 0 clears enable. */
	hv_msr_write(e.vp, HV_STIMER_COUNT(0), MS);
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), msg_cfg(true, false));
	hv_msr_write(e.vp, HV_STIMER_COUNT(0), 0);
	CHECK_EQ(rd(&e, HV_STIMER_CONFIG(0)), msg_cfg(true, false) & ~HV_STIMER_ENABLE);
	/* Auto-enable: a non-zero COUNT sets enable. */
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), msg_cfg(true, true) & ~HV_STIMER_ENABLE);
	hv_msr_write(e.vp, HV_STIMER_COUNT(0), MS);
	CHECK_EQ(rd(&e, HV_STIMER_CONFIG(0)), msg_cfg(true, true));
	CHECK_EQ(rd(&e, HV_STIMER_COUNT(0)), MS);
	/* An enabled timer rewritten with SINTx 0 in message mode loses enable ... */
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_PERIODIC);
	CHECK_EQ(rd(&e, HV_STIMER_CONFIG(0)), HV_STIMER_PERIODIC);
	/* ... a disabled one keeps it (KVM looks at the old enable bit). */
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_PERIODIC);
	CHECK_EQ(rd(&e, HV_STIMER_CONFIG(0)), HV_STIMER_ENABLE | HV_STIMER_PERIODIC);
	/* Direct mode needs CPUID 0x40000003.EDX b19. */
	CHECK_EQ(hv_msr_write(e.vp, HV_STIMER_CONFIG(1), HV_STIMER_DIRECT_MODE), HV_MSR_GP);
	CHECK_EQ(hvmock_pstat(e.part, "msr_stimer_gp"), 1);
	env_fini(&e);
}

static void test_direct_mode(void)
{
	struct env e;

	env_init(&e, "vpindex,synic,time,stimer,stimer-direct");
	hv_msr_write(e.vp, HV_STIMER_COUNT(3), MS);
	CHECK_EQ(hv_msr_write(e.vp, HV_STIMER_CONFIG(3),
			      HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_DIRECT_MODE |
				  (0x77ull << HV_STIMER_APIC_VECTOR_SHIFT)),
		 HV_MSR_OK);
	hvmock_advance(e.m, 0);
	for (int i = 0; i < 3; i++)
		hvmock_advance(e.m, NS_MS);
	CHECK_EQ(e.m->raised[1][0x77], 3);
	CHECK_EQ(slot(&e)->header.message_type, HVMSG_NONE); /* no message in direct mode */
	CHECK_EQ(e.m->raised_aeoi[1], 0);
	CHECK_EQ(hvmock_pstat(e.part, "stimer_direct_irqs"), 3);
	env_fini(&e);
}

/* A parked or removed VP stops its timers; what the backend does on removal. */
static void test_offline_stops(void)
{
	struct env e;

	env_init(&e, "vpindex,synic,time,stimer");
	hv_msr_write(e.vp, HV_STIMER_COUNT(0), MS);
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), msg_cfg(true, false));
	hvmock_advance(e.m, 0);
	hvmock_advance(e.m, NS_MS);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	slot(&e)->header.message_type = 0;
	hv_vp_set_online(e.vp, false);
	CHECK_EQ(tsvc_count(e.m->timers), 0);
	hvmock_advance(e.m, 5 * NS_MS);
	CHECK_EQ(e.m->raised[1][VEC], 1);
	/* A destroyed and re-created VP (hot-remove, hot-add) starts with timers off. */
	hv_vp_destroy(e.vp);
	e.vp = hvmock_vp(e.part, 1);
	CHECK(e.vp != NULL);
	if (e.vp) {
		CHECK_EQ(rd(&e, HV_STIMER_CONFIG(0)), 0);
		CHECK_EQ(rd(&e, HV_STIMER_COUNT(0)), 0);
	}
	env_fini(&e);
}

/* A period below 100 us fires at most every 100 us of host time; the rest are missed. */
static void test_min_period(void)
{
	struct env e;

	env_init(&e, "vpindex,synic,time,stimer");
	hv_msr_write(e.vp, HV_STIMER_COUNT(0), 1);
	hv_msr_write(e.vp, HV_STIMER_CONFIG(0), msg_cfg(true, false));
	hvmock_advance(e.m, 0);
	for (int i = 0; i < 10; i++) {
		slot(&e)->header.message_type = 0;
		hvmock_advance(e.m, 100000);
	}
	CHECK(e.m->raised[1][VEC] <= 11);
	CHECK(e.m->raised[1][VEC] >= 9);
	CHECK(hvmock_pstat(e.part, "stimer_missed_ticks") >= 9000);
	env_fini(&e);
}

int main(void)
{
	RUN(test_one_shot);
	RUN(test_periodic_grid);
	RUN(test_one_shot_busy_slot);
	RUN(test_config_rules);
	RUN(test_direct_mode);
	RUN(test_offline_stops);
	RUN(test_min_period);
	return t_done();
}
