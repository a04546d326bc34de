// SPDX-License-Identifier: MIT
#include "util/bgcall.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/fault.h"
#include "util/futex.h"
#include "util/time.h"

#define BGCALL_STACK (64u << 10)

struct bgcall_state {
	bgcall_fn fn;
	bgcall_cleanup_fn cleanup;
	intptr_t arg, result;
	_Atomic uint32_t done;	/* fn returned: result is set */
	_Atomic bool abandoned; /* the owner stopped waiting: the thread cleans up */
	_Atomic uint32_t users; /* the thread and the owner: the last frees */
};

static void put(struct bgcall_state *st)
{
	if (atomic_fetch_sub(&st->users, 1) != 1)
		return;
	/* Both are done with it; a result nobody took goes to the cleanup. */
	if (atomic_load(&st->abandoned) && st->cleanup)
		st->cleanup(st->result);
	free(st);
}

static void *bgcall_main(void *p)
{
	struct bgcall_state *st = p;

	st->result = st->fn(st->arg);
	atomic_store(&st->done, 1);
	futex_wake(&st->done, INT_MAX);
	put(st);
	return NULL;
}

int bgcall_start(struct bgcall *c, bgcall_fn fn, intptr_t arg, bgcall_cleanup_fn cleanup)
{
	struct bgcall_state *st = calloc(1, sizeof(*st));
	pthread_attr_t attr;
	int r;

	c->st = NULL;
	if (!st)
		return -ENOMEM;
	st->fn = fn;
	st->cleanup = cleanup;
	st->arg = arg;
	atomic_init(&st->users, 2);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, BGCALL_STACK);
	r = fault_hit("bgcall.thread") ? EAGAIN
				       : pthread_create(&c->thread, &attr, bgcall_main, st);
	pthread_attr_destroy(&attr);
	c->st = st;
	c->joinable = r == 0;
	if (r) {
		/* No thread: the call is made here, only its overlap is lost. */
		st->result = fn(arg);
		atomic_store(&st->done, 1);
		atomic_store(&st->users, 1);
	}
	return 0;
}

int bgcall_wait(struct bgcall *c, uint64_t timeout_ns, intptr_t *result)
{
	struct bgcall_state *st = c->st;

	if (!st)
		return -ENOENT;
	c->st = NULL;
	if (futex_wait_change(&st->done, 0, now_ns() + timeout_ns)) {
		atomic_store(&st->abandoned, true);
		pthread_detach(c->thread);
		put(st);
		return -ETIMEDOUT;
	}
	if (c->joinable)
		pthread_join(c->thread, NULL); /* it has returned, or is returning: at once */
	*result = st->result;
	put(st);
	return 0;
}
