// SPDX-License-Identifier: MIT
/* The timer service (timersvc.h): a min-heap of deadlines and one thread. */
#include "util/timersvc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "util/compiler.h"
#include "util/log.h"
#include "util/time.h"

/* Callbacks taken off the heap per lock round trip. */
#define TSVC_BATCH 64

struct tsvc {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_cond_t batch_done; /* the thread finished running a batch */
	/* The batch the thread runs without the lock (tsvc_cancel_sync looks in it). */
	struct tsvc_timer *batch[TSVC_BATCH];
	size_t batch_n;
	struct tsvc_timer **heap;
	size_t n, cap;
	bool manual, stopping, thread_alive;
	void (*thread_init)(void);
	uint64_t manual_now;
	pthread_t thread;
	char name[16];
	struct tsvc_stats stats;
};

static bool before(const struct tsvc_timer *a, const struct tsvc_timer *b)
{
	return a->deadline < b->deadline;
}

static void place(struct tsvc *s, size_t i, struct tsvc_timer *t)
{
	s->heap[i] = t;
	t->heap_idx = (int32_t)i;
}

static void sift_up(struct tsvc *s, size_t i)
{
	struct tsvc_timer *t = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, s->heap[parent]))
			break;
		place(s, i, s->heap[parent]);
		i = parent;
	}
	place(s, i, t);
}

static void sift_down(struct tsvc *s, size_t i)
{
	struct tsvc_timer *t = s->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const struct tsvc_timer *best = t;

		if (l < s->n && before(s->heap[l], best)) {
			m = l;
			best = s->heap[l];
		}
		if (l + 1 < s->n && before(s->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		place(s, i, s->heap[m]);
		i = m;
	}
	place(s, i, t);
}

static void heap_remove(struct tsvc *s, struct tsvc_timer *t)
{
	size_t i = (size_t)t->heap_idx;
	struct tsvc_timer *last = s->heap[--s->n];

	t->heap_idx = -1;
	if (i == s->n)
		return;
	place(s, i, last);
	if (i > 0 && before(last, s->heap[(i - 1) / 2]))
		sift_up(s, i);
	else
		sift_down(s, i);
}

static uint64_t clock_now(const struct tsvc *s)
{
	return s->manual ? s->manual_now : now_ns();
}

/* Takes up to max due timers off the heap (lock held). */
static size_t take_due(struct tsvc *s, uint64_t now, struct tsvc_timer **out, uint32_t *seqs,
		       size_t max)
{
	size_t k = 0;

	while (k < max && s->n && s->heap[0]->deadline <= now) {
		struct tsvc_timer *t = s->heap[0];
		uint64_t late = now - t->deadline;

		heap_remove(s, t);
		seqs[k] = t->seq;
		out[k++] = t;
		stat_inc(&s->stats.fired);
		stat_add(&s->stats.late_ns_sum, late);
		stat_peak(&s->stats.late_ns_max, late);
	}
	return k;
}

static void *tsvc_thread(void *arg)
{
	struct tsvc *s = arg;
	struct tsvc_timer *due[TSVC_BATCH];
	uint32_t seqs[TSVC_BATCH];

	prctl(PR_SET_NAME, s->name);
	log_set_thread_name(s->name);
	/* The default 50 us slack would add up to 5% error to a 1 ms periodic timer. */
	prctl(PR_SET_TIMERSLACK, 1ul);
	if (s->thread_init)
		s->thread_init();
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		uint64_t now = now_ns();
		size_t k = take_due(s, now, due, seqs, TSVC_BATCH);

		if (k) {
			memcpy(s->batch, due, k * sizeof(struct tsvc_timer *));
			s->batch_n = k;
			pthread_mutex_unlock(&s->lock);
			for (size_t i = 0; i < k; i++)
				due[i]->fn(due[i], seqs[i]);
			pthread_mutex_lock(&s->lock);
			s->batch_n = 0;
			pthread_cond_broadcast(&s->batch_done);
			continue;
		}
		if (s->n) {
			struct timespec ts = ns_to_timespec(s->heap[0]->deadline);

			pthread_cond_timedwait(&s->cond, &s->lock, &ts);
		} else {
			pthread_cond_wait(&s->cond, &s->lock);
		}
		stat_inc(&s->stats.wakeups);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int tsvc_create(const struct tsvc_params *p, struct tsvc **out)
{
	struct tsvc *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->cap = p->capacity ? p->capacity : 16;
	s->heap = calloc(s->cap, sizeof(struct tsvc_timer *));
	if (!s->heap) {
		free(s);
		return -ENOMEM;
	}
	s->manual = p->manual;
	s->thread_init = p->thread_init;
	snprintf(s->name, sizeof(s->name), "%s", p->name ? p->name : "timer");
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&s->batch_done, NULL);
	if (!s->manual) {
		r = pthread_create(&s->thread, NULL, tsvc_thread, s);
		if (r) {
			tsvc_destroy(s);
			return -r;
		}
		s->thread_alive = true;
	}
	*out = s;
	return 0;
}

void tsvc_stop(struct tsvc *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->thread_alive) {
		pthread_join(s->thread, NULL);
		s->thread_alive = false;
	}
}

void tsvc_destroy(struct tsvc *s)
{
	if (!s)
		return;
	tsvc_stop(s);
	pthread_cond_destroy(&s->cond);
	pthread_cond_destroy(&s->batch_done);
	pthread_mutex_destroy(&s->lock);
	free(s->heap);
	free(s);
}

void tsvc_timer_init(struct tsvc_timer *t, tsvc_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	t->heap_idx = -1;
}

static int grow(struct tsvc *s)
{
	size_t cap = s->cap * 2;
	struct tsvc_timer **h = realloc(s->heap, cap * sizeof(struct tsvc_timer *));

	if (!h)
		return -ENOMEM;
	s->heap = h;
	s->cap = cap;
	return 0;
}

int tsvc_arm(struct tsvc *s, struct tsvc_timer *t, uint64_t deadline_ns, uint32_t seq)
{
	bool wake;

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return -ESHUTDOWN;
	}
	if (t->heap_idx >= 0)
		heap_remove(s, t);
	if (s->n == s->cap && grow(s)) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	t->deadline = deadline_ns;
	t->seq = seq;
	place(s, s->n++, t);
	sift_up(s, (size_t)t->heap_idx);
	/* The thread sleeps until the old earliest deadline: wake it for a new one. */
	wake = s->heap[0] == t;
	if (wake && !s->manual)
		pthread_cond_signal(&s->cond);
	stat_inc(&s->stats.arms);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int tsvc_arm_in(struct tsvc *s, struct tsvc_timer *t, uint64_t delay_ns, uint32_t seq)
{
	return tsvc_arm(s, t, tsvc_now(s) + delay_ns, seq);
}

/* Lock held: takes t off the heap; true if it was armed. */
static bool cancel_locked(struct tsvc *s, struct tsvc_timer *t)
{
	if (t->heap_idx < 0)
		return false;
	heap_remove(s, t);
	stat_inc(&s->stats.cancels);
	return true;
}

bool tsvc_cancel(struct tsvc *s, struct tsvc_timer *t)
{
	bool was;

	pthread_mutex_lock(&s->lock);
	was = cancel_locked(s, t);
	pthread_mutex_unlock(&s->lock);
	return was;
}

static bool in_batch(const struct tsvc *s, const struct tsvc_timer *t)
{
	for (size_t i = 0; i < s->batch_n; i++)
		if (s->batch[i] == t)
			return true;
	return false;
}

bool tsvc_cancel_sync(struct tsvc *s, struct tsvc_timer *t)
{
	bool was;

	pthread_mutex_lock(&s->lock);
	was = cancel_locked(s, t);
	/* The thread itself (a callback) cannot wait for its own batch. */
	if (!s->manual && !pthread_equal(pthread_self(), s->thread))
		while (in_batch(s, t))
			pthread_cond_wait(&s->batch_done, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return was;
}

bool tsvc_armed(struct tsvc *s, struct tsvc_timer *t)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = t->heap_idx >= 0;
	pthread_mutex_unlock(&s->lock);
	return r;
}

uint64_t tsvc_now(struct tsvc *s)
{
	uint64_t now;

	if (!s->manual)
		return now_ns();
	pthread_mutex_lock(&s->lock);
	now = s->manual_now;
	pthread_mutex_unlock(&s->lock);
	return now;
}

size_t tsvc_count(struct tsvc *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void tsvc_set_now(struct tsvc *s, uint64_t now)
{
	pthread_mutex_lock(&s->lock);
	s->manual_now = now;
	pthread_mutex_unlock(&s->lock);
}

unsigned tsvc_run_due(struct tsvc *s)
{
	struct tsvc_timer *due[TSVC_BATCH];
	uint32_t seqs[TSVC_BATCH];
	unsigned total = 0;

	for (;;) {
		size_t k;

		pthread_mutex_lock(&s->lock);
		k = take_due(s, clock_now(s), due, seqs, TSVC_BATCH);
		pthread_mutex_unlock(&s->lock);
		if (!k)
			return total;
		for (size_t i = 0; i < k; i++)
			due[i]->fn(due[i], seqs[i]);
		total += (unsigned)k;
	}
}

static const struct stat_desc tsvc_descs[] = {
	STAT_DESC(struct tsvc_stats, arms, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct tsvc_stats, cancels, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct tsvc_stats, fired, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct tsvc_stats, wakeups, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct tsvc_stats, late_ns_max, STAT_PEAK, STAT_UNIT_NSEC),
	STAT_DESC(struct tsvc_stats, late_ns_sum, STAT_CUMULATIVE, STAT_UNIT_NSEC),
};

void tsvc_stats_visit(struct tsvc *s, stat_visit_fn fn, void *ctx)
{
	stats_visit(tsvc_descs, ARRAY_SIZE(tsvc_descs), &s->stats, fn, ctx);
}
