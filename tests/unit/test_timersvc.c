// SPDX-License-Identifier: MIT
/*
 * The timer service (src/util/timersvc.c): deadline order over 4096 timers, re-arm and
 * cancel in the heap's middle, sequence numbers handed back, callbacks that re-arm
 * themselves, the real thread's lateness, stop, and tsvc_cancel_sync waiting for a
 * running callback (with plain tsvc_cancel as its control).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util/time.h"
#include "util/timersvc.h"

#define N 4096

struct rec {
	struct tsvc_timer t;
	uint32_t last_seq;
	_Atomic uint64_t at;
	_Atomic uint32_t fired; /* written last: a reader that sees it sees the rest */
};

static struct tsvc *svc;
static uint64_t order[N];
static unsigned norder;

static void rec_fn(struct tsvc_timer *t, uint32_t seq)
{
	struct rec *r = t->arg;

	r->last_seq = seq;
	r->at = tsvc_now(svc);
	if (norder < N)
		order[norder++] = t->deadline;
	r->fired++;
}

static void test_order_and_cancel(void)
{
	struct tsvc_params p = { .manual = true, .capacity = 4 };
	struct rec *r = calloc(N, sizeof(*r));
	unsigned fired = 0, bad = 0;

	CHECK_EQ(tsvc_create(&p, &svc), 0);
	norder = 0;
	/* Pseudo-random deadlines; every third timer re-armed, every fifth cancelled. */
	for (unsigned i = 0; i < N; i++) {
		tsvc_timer_init(&r[i].t, rec_fn, &r[i]);
		CHECK_EQ(tsvc_arm(svc, &r[i].t, (i * 7919u) % 100003u + 1, i), 0);
	}
	for (unsigned i = 0; i < N; i += 3)
		tsvc_arm(svc, &r[i].t, (i * 104729u) % 100003u + 1, i + 1);
	for (unsigned i = 0; i < N; i += 5)
		CHECK(tsvc_cancel(svc, &r[i].t));
	CHECK(!tsvc_cancel(svc, &r[0].t));
	tsvc_set_now(svc, 50000);
	tsvc_run_due(svc);
	tsvc_set_now(svc, 200000);
	tsvc_run_due(svc);
	for (unsigned i = 0; i < N; i++) {
		fired += r[i].fired;
		if ((i % 5 == 0 && r[i].fired) || (i % 5 && r[i].fired != 1))
			bad++;
		if (i % 5 && i % 3 == 0 && r[i].last_seq != i + 1)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(fired, N - (N + 4) / 5);
	for (unsigned i = 1; i < norder; i++)
		if (order[i] < order[i - 1])
			bad++;
	CHECK_EQ(bad, 0); /* in deadline order */
	CHECK_EQ(tsvc_count(svc), 0);
	tsvc_destroy(svc);
	free(r);
}

static struct tsvc_timer self_t;
static unsigned self_n;

static void self_fn(struct tsvc_timer *t, uint32_t seq)
{
	if (++self_n < 5)
		tsvc_arm(svc, t, t->deadline + 10, seq + 1);
}

static void test_rearm_from_callback(void)
{
	struct tsvc_params p = { .manual = true };

	CHECK_EQ(tsvc_create(&p, &svc), 0);
	self_n = 0;
	tsvc_timer_init(&self_t, self_fn, NULL);
	tsvc_arm(svc, &self_t, 10, 0);
	tsvc_set_now(svc, 100);
	/* Re-armed into the past: run_due keeps going until nothing is due. */
	CHECK_EQ(tsvc_run_due(svc), 5);
	CHECK_EQ(self_n, 5);
	tsvc_destroy(svc);
}

static void test_thread(void)
{
	struct tsvc_params p = { .name = "t-timers" };
	struct rec r[8];
	uint64_t start;

	memset(r, 0, sizeof(r));
	CHECK_EQ(tsvc_create(&p, &svc), 0);
	start = now_ns();
	for (int i = 0; i < 8; i++) {
		tsvc_timer_init(&r[i].t, rec_fn, &r[i]);
		tsvc_arm_in(svc, &r[i].t, (uint64_t)(8 - i) * NSEC_PER_MSEC, 0);
	}
	for (int i = 0; i < 200 && r[0].fired == 0; i++)
		usleep(1000);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(r[i].fired, 1);
		/* Never early. */
		CHECK(r[i].at >= start + (uint64_t)(8 - i) * NSEC_PER_MSEC);
	}
	tsvc_stop(svc);
	CHECK_EQ(tsvc_arm_in(svc, &r[0].t, 0, 0), -ESHUTDOWN);
	tsvc_destroy(svc);
}

/* A callback that is running when its timer is cancelled. */
static _Atomic int slow_state; /* 0 armed, 1 running, 2 returned */

static void slow_fn(struct tsvc_timer *t, uint32_t seq)
{
	(void)t;
	(void)seq;
	atomic_store(&slow_state, 1);
	usleep(50000);
	atomic_store(&slow_state, 2);
}

/* run: 1 cancel_sync, 0 plain cancel (the control). The state seen when cancel returned. */
static int cancel_while_running(bool sync)
{
	struct tsvc_params p = { .name = "t-cancel" };
	struct tsvc_timer t;
	int seen;

	atomic_store(&slow_state, 0);
	CHECK_EQ(tsvc_create(&p, &svc), 0);
	tsvc_timer_init(&t, slow_fn, NULL);
	tsvc_arm_in(svc, &t, 0, 0);
	for (int i = 0; i < 2000 && atomic_load(&slow_state) == 0; i++)
		usleep(500);
	CHECK_EQ(atomic_load(&slow_state), 1);
	if (sync)
		CHECK(!tsvc_cancel_sync(svc, &t)); /* off the heap already */
	else
		CHECK(!tsvc_cancel(svc, &t));
	seen = atomic_load(&slow_state);
	tsvc_destroy(svc);
	return seen;
}

/*
 * tsvc_cancel_sync returns only after a callback that was running has returned (what lets
 * a VP be freed after its timers are cancelled); plain tsvc_cancel does not wait, which
 * the same check sees.
 */
static void test_cancel_sync(void)
{
	CHECK_EQ(cancel_while_running(true), 2);
	CHECK_EQ(cancel_while_running(false), 1);
}

int main(void)
{
	RUN(test_order_and_cancel);
	RUN(test_rearm_from_callback);
	RUN(test_thread);
	RUN(test_cancel_sync);
	return t_done();
}
