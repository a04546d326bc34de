// SPDX-License-Identifier: MIT
/*
 * The kick primitive and acknowledged cross-thread calls (src/kvm/kick.c), exercised by
 * fake vCPU threads that follow the run loop's protocol with a stand-in for KVM_RUN:
 * "inside KVM_RUN" is a wait that only a kick (immediate_exit, set by the signal
 * handler) ends, exactly as a vCPU spinning in the guest. Runs under TSan in make check.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "kvm/vcpu.h"
#include "util/futex.h"
#include "util/time.h"

struct fake {
	struct vcpu v;
	struct kvm_run run;
	pthread_t th;
	_Atomic bool stuck;    /* stops processing requests (a wedged vCPU) */
	_Atomic uint64_t runs; /* pretend KVM_RUN calls */
	_Atomic uint64_t flushes;
};

static void *fake_loop(void *arg)
{
	struct fake *f = arg;
	struct vcpu *v = &f->v;
	const struct timespec tick = { .tv_nsec = 1000000 };
	sigset_t in_run, kick;

	vcpu_kick_bind_thread(v);
	/*
	 * Like KVM_RUN, the stand-in must return when the kick signal is pending, whether or
	 * not its handler has run yet: TSan defers handlers outside its blocking calls, and
	 * about one run in three under TSan lost the first kick when the stand-in waited for
	 * immediate_exit alone. So the signal stays blocked except inside ppoll().
	 */
	pthread_sigmask(SIG_BLOCK, NULL, &in_run);
	sigdelset(&in_run, SIGUSR1);
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	atomic_store(&v->tid, gettid());
	for (;;) {
		uint32_t req;

		while (atomic_load(&f->stuck))
			usleep(1000);
		atomic_fetch_add(&v->run_gen, 1);
		req = atomic_load(&v->requests);
		if (req) {
			atomic_fetch_add(&v->run_gen, 1);
			if (atomic_load(&v->gen_waiters))
				futex_wake(&v->run_gen, INT_MAX);
			req = atomic_exchange(&v->requests, 0);
			if (req & VCPU_REQ_STOP)
				break;
			if (req & VCPU_REQ_WORK)
				vcpu_do_work(v);
			if (req & VCPU_REQ_FLUSH)
				atomic_fetch_add(&f->flushes, 1);
			continue;
		}
		/* "KVM_RUN": returns only when kicked (EINTR, or immediate_exit). */
		atomic_fetch_add(&f->runs, 1);
		while (!__atomic_load_n(&f->run.immediate_exit, __ATOMIC_RELAXED) &&
		       ppoll(NULL, 0, &tick, &in_run) >= 0)
			;
		atomic_fetch_add(&v->run_gen, 1);
		if (atomic_load(&v->gen_waiters))
			futex_wake(&v->run_gen, INT_MAX);
		__atomic_store_n(&f->run.immediate_exit, 0, __ATOMIC_RELAXED);
	}
	if (atomic_load(&v->run_gen) & 1)
		atomic_fetch_add(&v->run_gen, 1);
	return NULL;
}

static struct fake *fake_start(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->v.run = &f->run;
	f->v.slot = 1;
	pthread_mutex_init(&f->v.work_lock, NULL);
	pthread_create(&f->th, NULL, fake_loop, f);
	while (atomic_load(&f->v.tid) == 0)
		usleep(100);
	return f;
}

static void fake_stop(struct fake *f)
{
	atomic_store(&f->stuck, false);
	vcpu_request(&f->v, VCPU_REQ_STOP);
	pthread_join(f->th, NULL);
	pthread_mutex_destroy(&f->v.work_lock);
	free(f);
}

static void add_one(struct vcpu *v, void *arg)
{
	(void)v;
	atomic_fetch_add((_Atomic uint64_t *)arg, 1);
}

struct caller {
	struct fake *f;
	_Atomic uint64_t *counter;
	int n, failures;
};

static void *caller_thread(void *arg)
{
	struct caller *c = arg;

	for (int i = 0; i < c->n; i++)
		if (vcpu_call(&c->f->v, add_one, c->counter, 2 * NSEC_PER_SEC))
			c->failures++;
	return NULL;
}

/* Many threads call into one busy vCPU: every call is acknowledged and runs exactly once. */
static void test_calls_never_lost(void)
{
	struct fake *f = fake_start();
	_Atomic uint64_t counter = 0;
	struct caller c[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		c[i] = (struct caller){ .f = f, .counter = &counter, .n = 200 };
		pthread_create(&th[i], NULL, caller_thread, &c[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(c[i].failures, 0);
	}
	CHECK_EQ(atomic_load(&counter), 800);
	CHECK(atomic_load(&f->runs) > 0); /* it was really "in the guest" between calls */
	fake_stop(f);
}

/* A stuck vCPU: the call times out and its function never runs, even later. */
static void test_call_timeout_is_an_error(void)
{
	struct fake *f = fake_start();
	_Atomic uint64_t counter = 0;
	uint64_t t0;
	int r;

	atomic_store(&f->stuck, true);
	usleep(20000); /* let it reach the stuck point, outside the request check */
	t0 = now_ns();
	r = vcpu_call(&f->v, add_one, &counter, 50 * NSEC_PER_MSEC);
	CHECK_EQ(r, -ETIMEDOUT);
	CHECK(now_ns() - t0 >= 50 * NSEC_PER_MSEC);
	CHECK(now_ns() - t0 < 2 * NSEC_PER_SEC);
	atomic_store(&f->stuck, false);
	usleep(20000);
	CHECK_EQ(atomic_load(&counter), 0);
	/* And the vCPU still answers the next call. */
	CHECK_EQ(vcpu_call(&f->v, add_one, &counter, NSEC_PER_SEC), 0);
	CHECK_EQ(atomic_load(&counter), 1);
	fake_stop(f);
}

static bool always(struct vcpu *v)
{
	(void)v;
	return true;
}

/* Waiting for a vCPU to leave its current KVM_RUN. */
static void test_wait_gen_change(void)
{
	struct fake *f = fake_start();
	uint32_t gen;
	uint64_t t0;

	/* Wait until it is "inside KVM_RUN" (odd generation, spinning). */
	while (!(atomic_load(&f->v.run_gen) & 1) || atomic_load(&f->runs) == 0)
		usleep(100);
	gen = atomic_load(&f->v.run_gen);
	CHECK(gen & 1);
	t0 = now_ns();
	CHECK_EQ(vcpu_wait_gen_change(&f->v, gen, now_ns() + 30 * NSEC_PER_MSEC, NULL), -ETIMEDOUT);
	CHECK(now_ns() - t0 >= 30 * NSEC_PER_MSEC);
	CHECK_EQ(vcpu_wait_gen_change(&f->v, gen, now_ns() + NSEC_PER_SEC, always), 0);
	CHECK(vcpu_kick(&f->v));
	CHECK_EQ(vcpu_wait_gen_change(&f->v, gen, now_ns() + 2 * NSEC_PER_SEC, NULL), 0);
	fake_stop(f);
}

/* Requests sent while the vCPU is outside and inside "KVM_RUN" are all seen. */
static void test_requests_seen(void)
{
	struct fake *f = fake_start();
	uint64_t t0 = now_ns();

	for (int i = 0; i < 500; i++) {
		uint64_t before = atomic_load(&f->flushes);

		vcpu_request(&f->v, VCPU_REQ_FLUSH);
		while (atomic_load(&f->flushes) == before && now_ns() - t0 < 10 * NSEC_PER_SEC)
			sched_yield();
	}
	CHECK_EQ(atomic_load(&f->flushes), 500);
	fake_stop(f);
}

int main(void)
{
	vcpu_kick_init();
	RUN(test_calls_never_lost);
	RUN(test_call_timeout_is_an_error);
	RUN(test_wait_gen_change);
	RUN(test_requests_seen);
	return t_done();
}
