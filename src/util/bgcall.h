/* SPDX-License-Identifier: MIT */
/*
 * One blocking call on a short-lived thread, so that a kernel call that mostly waits
 * (a grace period, kernel text patching) runs beside the caller's other work instead of
 * on its critical path (docs/architecture.md §3, "boot helpers").
 *
 * bgcall_start runs fn(arg) on a new thread (or at once, on the caller, if no thread
 * can be made: fault point "bgcall.thread"); bgcall_wait takes its result within a time
 * limit. A call that does not return in time is abandoned: the thread then frees its own
 * state and hands the result nobody took to the cleanup function (e.g. to close a file
 * descriptor it opened). So arg must not point at the caller's memory: pass values.
 */
#ifndef HVEMU_UTIL_BGCALL_H
#define HVEMU_UTIL_BGCALL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef intptr_t (*bgcall_fn)(intptr_t arg);
typedef void (*bgcall_cleanup_fn)(intptr_t result);

struct bgcall_state;
struct bgcall {
	pthread_t thread;
	struct bgcall_state *st; /* NULL: not started, or taken */
	bool joinable;		 /* false: the call was made by bgcall_start itself */
};

/* Returns 0, or -ENOMEM (nothing started: bgcall_wait then reports -ENOMEM too). */
int bgcall_start(struct bgcall *c, bgcall_fn fn, intptr_t arg, bgcall_cleanup_fn cleanup);
/*
 * Returns 0 with fn's result in *result, -ETIMEDOUT (abandoned, see above), or -ENOENT when
 * there is nothing to wait for (never started, or already taken). Idempotent.
 */
int bgcall_wait(struct bgcall *c, uint64_t timeout_ns, intptr_t *result);

#endif
