// SPDX-License-Identifier: MIT
/* util/bgcall: a blocking call on its own thread, its result, and an abandoned call. */
#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>

#include "harness.h"
#include "util/bgcall.h"
#include "util/fault.h"
#include "util/futex.h"
#include "util/time.h"

static _Atomic uint32_t release;      /* blocking_fn returns once this is 1 */
static _Atomic intptr_t cleaned = -1; /* what cleanup_fn was handed */
static _Atomic int cleanups;
static _Atomic pid_t fn_tid;

static intptr_t twice(intptr_t arg)
{
	atomic_store(&fn_tid, gettid());
	return arg * 2;
}

static intptr_t blocking_fn(intptr_t arg)
{
	while (!atomic_load(&release))
		futex_wait(&release, 0, 0);
	return arg;
}

static void cleanup_fn(intptr_t result)
{
	atomic_store(&cleaned, result);
	atomic_fetch_add(&cleanups, 1);
}

static void test_result(void)
{
	struct bgcall c;
	intptr_t res = 0;

	CHECK_EQ(bgcall_start(&c, twice, 21, cleanup_fn), 0);
	CHECK_EQ(bgcall_wait(&c, NSEC_PER_SEC, &res), 0);
	CHECK_EQ(res, 42);
	CHECK(atomic_load(&fn_tid) != gettid()); /* on a thread of its own */
	CHECK_EQ(atomic_load(&cleanups), 0);	 /* a result that was taken is not cleaned up */
	/* Taken: a second wait has nothing to wait for. */
	CHECK_EQ(bgcall_wait(&c, NSEC_PER_SEC, &res), -ENOENT);
}

/* The call outlives the wait: the result goes to the cleanup, and the thread goes away. */
static void test_abandoned(void)
{
	struct bgcall c;
	intptr_t res = 0;
	uint64_t deadline;

	atomic_store(&release, 0);
	CHECK_EQ(bgcall_start(&c, blocking_fn, 7, cleanup_fn), 0);
	CHECK_EQ(bgcall_wait(&c, 20 * NSEC_PER_MSEC, &res), -ETIMEDOUT);
	CHECK_EQ(atomic_load(&cleanups), 0);
	atomic_store(&release, 1);
	futex_wake(&release, 1);
	deadline = now_ns() + 5 * NSEC_PER_SEC;
	while (!atomic_load(&cleanups) && now_ns() < deadline)
		usleep(1000);
	CHECK_EQ(atomic_load(&cleanups), 1);
	CHECK_EQ(atomic_load(&cleaned), 7);
	CHECK_EQ(bgcall_wait(&c, NSEC_PER_SEC, &res), -ENOENT);
}

/*
 * No thread (fault point bgcall.thread, as when pthread_create fails): the call is made by
 * bgcall_start itself, and the same wait takes its result. Also the control of
 * test_result's "on a thread of its own".
 */
static void test_inline_fallback(void)
{
	struct bgcall c;
	intptr_t res = 0;

	CHECK_EQ(fault_arm("bgcall.thread"), 0);
	CHECK_EQ(bgcall_start(&c, twice, 4, cleanup_fn), 0);
	fault_disarm_all();
	CHECK_EQ(atomic_load(&fn_tid), gettid());
	CHECK_EQ(bgcall_wait(&c, NSEC_PER_SEC, &res), 0);
	CHECK_EQ(res, 8);
}

static void test_never_started(void)
{
	struct bgcall c = { .st = NULL };
	intptr_t res = 5;

	CHECK_EQ(bgcall_wait(&c, NSEC_PER_SEC, &res), -ENOENT);
	CHECK_EQ(res, 5);
}

int main(void)
{
	RUN(test_result);
	RUN(test_abandoned);
	RUN(test_inline_fallback);
	RUN(test_never_started);
	return t_done();
}
