// SPDX-License-Identifier: MIT
/*
 * The event queue. Emitters are vCPU threads, the host CPU monitor and the main thread;
 * none of them may wait for a client. So ctl_event() copies the event (name, typed
 * fields, a wall-clock timestamp as QMP uses) into a preallocated ring under a mutex
 * that is only ever held for a copy, and pokes the ctl thread's eventfd. The ctl thread
 * turns records into JSON and broadcasts them. A full ring drops the new event and
 * counts it: losing an event is better than stalling a vCPU.
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

int ctl_evq_init(struct ctl_evq *q, unsigned cap, int wake_fd, struct ctl_counters *stats)
{
	int r;

	memset(q, 0, sizeof(*q));
	if (cap == 0)
		return -EINVAL;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	r = pthread_mutex_init(&q->lock, NULL);
	if (r) {
		free(q->ring);
		q->ring = NULL;
		return -r;
	}
	q->cap = cap;
	q->wake_fd = wake_fd;
	q->stats = stats;
	return 0;
}

void ctl_evq_destroy(struct ctl_evq *q)
{
	if (!q->ring)
		return;
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	q->ring = NULL;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Fills r from the (type, key, value) list; false for an unknown type (list unusable). */
static bool fill_fields(struct ctl_event_rec *r, va_list ap)
{
	for (;;) {
		int type = va_arg(ap, int);
		struct ctl_event_field f;
		const char *key, *s;

		if (type == CTL_EV_T_END)
			return true;
		memset(&f, 0, sizeof(f));
		f.type = (uint8_t)type;
		key = va_arg(ap, const char *);
		switch (type) {
		case CTL_EV_T_INT:
			f.v.i = va_arg(ap, int64_t);
			break;
		case CTL_EV_T_BOOL:
			f.v.b = va_arg(ap, int) != 0;
			break;
		case CTL_EV_T_STR:
			s = va_arg(ap, const char *);
			if (s)
				copy_str(f.str, sizeof(f.str), s);
			else
				f.null_str = true;
			break;
		case CTL_EV_T_HEX:
			f.v.u = va_arg(ap, uint64_t);
			break;
		default:
			return false; /* cannot know how to skip its value */
		}
		/* Fields beyond the limit are dropped; the others are still sent. */
		if (r->nr_fields < CTL_EVENT_FIELDS_MAX && key) {
			copy_str(f.key, sizeof(f.key), key);
			r->fields[r->nr_fields++] = f;
		}
	}
}

bool ctl_evq_push_va(struct ctl_evq *q, const char *name, va_list ap)
{
	struct ctl_event_rec *r;
	uint64_t one = 1;
	bool ok = false, full;
	va_list aq;

	pthread_mutex_lock(&q->lock);
	full = q->count >= q->cap;
	if (!full) {
		r = &q->ring[(q->head + q->count) % q->cap];
		memset(r, 0, sizeof(*r));
		copy_str(r->name, sizeof(r->name), name ? name : "UNNAMED");
		/* Taken under the lock, so timestamps follow the delivery order. */
		clock_gettime(CLOCK_REALTIME, &r->ts);
		va_copy(aq, ap);
		ok = fill_fields(r, aq);
		va_end(aq);
		if (ok)
			q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	if (!ok) {
		if (q->stats)
			stat_inc(&q->stats->ctl_events_dropped);
		pr_warn_ratelimited("ctl: event %s dropped (%s)", name ? name : "?",
				    full ? "queue full" : "bad field type");
		return false;
	}
	if (q->stats)
		stat_inc(&q->stats->ctl_events);
	/* An eventfd counter cannot overflow here; EAGAIN would only mean "already set". */
	if (q->wake_fd >= 0 && write(q->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn_ratelimited("ctl: cannot wake the ctl thread: %s", strerror(errno));
	return true;
}

unsigned ctl_evq_pop(struct ctl_evq *q, struct ctl_event_rec *out, unsigned max)
{
	unsigned n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->count) {
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

static json_t *field_value(const struct ctl_event_field *f)
{
	char hex[24];

	switch (f->type) {
	case CTL_EV_T_INT:
		return json_integer(f->v.i);
	case CTL_EV_T_BOOL:
		return json_boolean(f->v.b);
	case CTL_EV_T_STR:
		return f->null_str ? json_null() : ctl_json_string(f->str);
	case CTL_EV_T_HEX:
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)f->v.u);
		return json_string(hex);
	}
	return json_null();
}

char *ctl_event_to_line(const struct ctl_event_rec *r)
{
	json_t *ev, *data;
	char *s = NULL;

	data = json_object();
	if (!data)
		return NULL;
	for (unsigned i = 0; i < r->nr_fields; i++) {
		if (ctl_json_set_new(data, r->fields[i].key, field_value(&r->fields[i]))) {
			json_decref(data);
			return NULL;
		}
	}
	ev = json_pack("{s:o, s:o, s:{s:I, s:I}}", "event", ctl_json_string(r->name), "data", data,
		       "timestamp", "seconds", (json_int_t)r->ts.tv_sec, "microseconds",
		       (json_int_t)(r->ts.tv_nsec / 1000));
	if (ev) {
		s = json_dumps(ev, JSON_COMPACT);
		json_decref(ev);
	}
	return s;
}
