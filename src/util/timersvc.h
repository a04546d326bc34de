/* SPDX-License-Identifier: MIT */
/*
 * A timer service: many one-shot timers (CLOCK_MONOTONIC deadlines) served by one thread.
 *
 * One min-heap of armed timers and one thread that sleeps until the earliest deadline and
 * runs the callbacks that are due. Arm and cancel are O(log n) under one mutex, so 1024
 * VPs x 4 synthetic timers (and the per-VP helpers) cost no thread each. Measured against
 * one timerfd per timer in an epoll loop: docs/synic.md "Timer service".
 *
 * Callbacks run on the service thread with no service lock held, so they may re-arm or
 * cancel any timer. A callback may run concurrently with a cancel or a re-arm issued by
 * another thread just before it: every arm carries a caller-chosen 32-bit sequence number
 * that the callback gets back, and the owner ignores a callback whose number is stale
 * (checked under the owner's own lock). tsvc_cancel_sync() also waits for such a
 * callback to return, before the timer's memory goes; tsvc_stop() waits until no callback
 * runs.
 *
 * Manual mode (no thread) is for unit tests: time is what tsvc_set_now() says and
 * tsvc_run_due() runs what is due.
 */
#ifndef HVEMU_UTIL_TIMERSVC_H
#define HVEMU_UTIL_TIMERSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/stats.h"

struct tsvc;
struct tsvc_timer;

typedef void (*tsvc_fn)(struct tsvc_timer *t, uint32_t seq);

struct tsvc_timer {
	tsvc_fn fn;
	void *arg;
	/* Service-private: */
	uint64_t deadline;
	uint32_t seq;
	int32_t heap_idx; /* -1 when not armed */
};

struct tsvc_stats {
	_Atomic uint64_t arms;
	_Atomic uint64_t cancels;
	_Atomic uint64_t fired;
	_Atomic uint64_t wakeups;     /* times the thread woke up */
	_Atomic uint64_t late_ns_max; /* worst lateness of a callback (ns) */
	_Atomic uint64_t late_ns_sum; /* summed lateness (divide by fired) */
};

struct tsvc_params {
	bool manual;	   /* no thread: tsvc_set_now() / tsvc_run_due() drive it */
	unsigned capacity; /* initial heap capacity (it grows) */
	const char *name;  /* thread name */
	/* Called on the thread before its first wait, after its name and timer slack are set
	 * (the VMM enters the thread's seccomp filter there). May be NULL. */
	void (*thread_init)(void);
};

/* 0, -ENOMEM, or the pthread_create error. */
int tsvc_create(const struct tsvc_params *p, struct tsvc **out);
/* Stops the thread (waits for a running callback) and frees the service. */
void tsvc_destroy(struct tsvc *s);
/* Stops the thread: afterwards nothing fires and arms are refused (-ESHUTDOWN). */
void tsvc_stop(struct tsvc *s);

void tsvc_timer_init(struct tsvc_timer *t, tsvc_fn fn, void *arg);
/*
 * (Re)arms t for the absolute CLOCK_MONOTONIC deadline (a deadline in the past fires at
 * once). 0, -ENOMEM (the heap could not grow) or -ESHUTDOWN (stopped).
 */
int tsvc_arm(struct tsvc *s, struct tsvc_timer *t, uint64_t deadline_ns, uint32_t seq);
/* Arms for now + delay_ns. */
int tsvc_arm_in(struct tsvc *s, struct tsvc_timer *t, uint64_t delay_ns, uint32_t seq);
/* Disarms t; true if it was armed. A callback already taken off the heap may still run. */
bool tsvc_cancel(struct tsvc *s, struct tsvc_timer *t);
/*
 * Disarms t and waits until a callback of t that was already taken off the heap has
 * returned (on the service thread itself it does not wait): afterwards t's callback does
 * not run unless t is armed again, so its memory may be freed. The caller must not hold
 * a lock that t's callback takes. True if it was armed.
 */
bool tsvc_cancel_sync(struct tsvc *s, struct tsvc_timer *t);
bool tsvc_armed(struct tsvc *s, struct tsvc_timer *t);
/* The service's clock: CLOCK_MONOTONIC, or the manual time. */
uint64_t tsvc_now(struct tsvc *s);
/* Number of armed timers. */
size_t tsvc_count(struct tsvc *s);

/* Manual mode only. */
void tsvc_set_now(struct tsvc *s, uint64_t now_ns);
/* Runs every callback due at the manual time (also those armed by callbacks); the count. */
unsigned tsvc_run_due(struct tsvc *s);

void tsvc_stats_visit(struct tsvc *s, stat_visit_fn fn, void *ctx);

#endif
