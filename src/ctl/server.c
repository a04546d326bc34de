// SPDX-License-Identifier: MIT
/*
 * The control socket server: the "ctl" thread, an epoll loop over the listening socket,
 * the clients and an eventfd (events and stop). Every socket is non-blocking; every
 * client has a bounded input buffer and a bounded output queue (conn.c), so a client can
 * cost the VM some memory and ctl-thread time but can never stall a vCPU or another
 * client:
 *  - a request line longer than max_line gets an error and the rest of it is skipped;
 *  - while more than out_high bytes wait to be sent to a client, its requests are not
 *    read (it has to read its replies first);
 *  - a client whose queue would pass max_out because of events is disconnected.
 * Replies and events for a client go through one queue, so each client sees events in
 * the order they were emitted.
 */
#include "ctl/server.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/time.h"

#define D(field, type, unit) STAT_DESC(struct ctl_counters, field, type, unit)
const struct stat_desc ctl_counter_descs[] = {
	D(ctl_clients, STAT_INSTANT, STAT_UNIT_NONE),
	D(ctl_clients_peak, STAT_PEAK, STAT_UNIT_NONE),
	D(ctl_clients_accepted, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_clients_refused, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_clients_dropped, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_requests, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_errors_generic, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_errors_command_not_found, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_errors_device_not_found, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_lines_oversized, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_lines_incomplete, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_bytes_in, STAT_CUMULATIVE, STAT_UNIT_BYTES),
	D(ctl_bytes_out, STAT_CUMULATIVE, STAT_UNIT_BYTES),
	D(ctl_events, STAT_CUMULATIVE, STAT_UNIT_NONE),
	D(ctl_events_dropped, STAT_CUMULATIVE, STAT_UNIT_NONE),
};
#undef D
const size_t ctl_counter_descs_nr = ARRAY_SIZE(ctl_counter_descs);

void ctl_server_stats_visit(struct ctl_server *s, stat_visit_fn fn, void *ctx)
{
	if (s)
		stats_visit(ctl_counter_descs, ctl_counter_descs_nr, &s->stats, fn, ctx);
}

void ctl_event_list(struct ctl_server *s, const char *name, ...)
{
	va_list ap;

	if (!s)
		return;
	va_start(ap, name);
	ctl_evq_push_va(&s->evq, name, ap);
	va_end(ap);
}

/* Moves queued events to every client's queue, in order. */
static void broadcast_events(struct ctl_server *s)
{
	struct ctl_event_rec recs[CTL_EVENT_BATCH];
	uint64_t cnt;
	unsigned n;

	/* Reset the eventfd first: an event pushed after this read pokes it again. */
	if (read(s->ev_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		pr_warn_ratelimited("ctl: eventfd read: %s", strerror(errno));
	while ((n = ctl_evq_pop(&s->evq, recs, CTL_EVENT_BATCH)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			char *text = ctl_event_to_line(&recs[i]);
			struct ctl_buf *b = text ? ctl_buf_from_text(text) : NULL;

			if (!b) {
				stat_inc(&s->stats.ctl_events_dropped);
				continue;
			}
			for (unsigned j = 0; j < s->nr_clients; j++) {
				struct ctl_client *c = s->clients[j];
				int r = ctl_client_queue(s, c, b, true);

				if (r) {
					ctl_client_close(s, c, true,
							 r == -ENOBUFS ? "does not read its events"
								       : "out of memory");
					j--; /* ctl_client_close moved the last client here */
				}
			}
			ctl_buf_put(b);
		}
		for (unsigned j = 0; j < s->nr_clients; j++) {
			struct ctl_client *c = s->clients[j];
			int r = ctl_client_flush(s, c);

			if (r) {
				ctl_client_close(s, c, false, strerror(-r));
				j--;
			}
		}
	}
	for (unsigned j = 0; j < s->nr_clients; j++) {
		struct ctl_client *c = s->clients[j];

		ctl_client_settle(s, c);
		if (c->dead)
			j--; /* the last client moved here */
	}
}

static void set_mask(struct ctl_server *s, struct ctl_client *c, uint32_t mask)
{
	struct epoll_event ev = { .events = mask, .data.ptr = c };

	if (epoll_ctl(s->ep_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->ep_mask = mask;
}

/* Stop: no new clients or requests; send what is queued for a short while, then close. */
static void shutdown_clients(struct ctl_server *s)
{
	uint64_t deadline = now_ns() + s->lim.stop_flush_ns;
	struct epoll_event evs[16];

	s->draining = true;
	epoll_ctl(s->ep_fd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	close(s->listen_fd);
	s->listen_fd = -1;
	broadcast_events(s);
	for (unsigned j = 0; j < s->nr_clients; j++) {
		struct ctl_client *c = s->clients[j];

		c->eof = true; /* read nothing more */
		set_mask(s, c, c->out_head ? EPOLLOUT : 0);
	}
	for (;;) {
		uint64_t now = now_ns();
		bool pending = false;
		int n;

		for (unsigned j = 0; j < s->nr_clients; j++)
			pending |= s->clients[j]->out_head != NULL;
		if (!pending || now >= deadline)
			break;
		n = epoll_wait(s->ep_fd, evs, 16, (int)((deadline - now) / NSEC_PER_MSEC) + 1);
		for (int i = 0; i < n; i++) {
			struct ctl_client *c = evs[i].data.ptr;

			if (c == (void *)&s->ev_fd || c->dead)
				continue;
			if (ctl_client_flush(s, c))
				ctl_client_close(s, c, false, "closed during stop");
			else if (!c->out_head)
				set_mask(s, c, 0); /* done: no more wake-ups for it */
		}
		ctl_reap_dead(s);
	}
	while (s->nr_clients)
		ctl_client_close(s, s->clients[0], false, "server stopping");
	ctl_reap_dead(s);
}

static void *ctl_thread(void *arg)
{
	struct ctl_server *s = arg;
	struct epoll_event evs[32];

	sandbox_enter(SANDBOX_CTL);
	log_set_thread_name("ctl");
	while (!atomic_load(&s->stopping)) {
		int timeout = -1, n;

		if (s->accept_resume_ns) {
			uint64_t now = now_ns();

			if (now >= s->accept_resume_ns) {
				struct epoll_event ev = { .events = EPOLLIN,
							  .data.ptr = &s->listen_fd };

				s->accept_resume_ns = 0;
				epoll_ctl(s->ep_fd, EPOLL_CTL_MOD, s->listen_fd, &ev);
			} else {
				timeout = (int)((s->accept_resume_ns - now) / NSEC_PER_MSEC) + 1;
			}
		}
		n = epoll_wait(s->ep_fd, evs, ARRAY_SIZE(evs), timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("ctl: epoll_wait: %s; the control socket stops", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;

			if (tag == &s->listen_fd)
				ctl_accept_clients(s);
			else if (tag == &s->ev_fd)
				broadcast_events(s);
			else
				ctl_client_io(s, tag, evs[i].events);
		}
		ctl_reap_dead(s);
	}
	shutdown_clients(s);
	return NULL;
}

/* --- start and stop ---------------------------------------------------------------------- */

static void apply_limits(struct ctl_limits *l, const struct ctl_limits *in)
{
	if (in)
		*l = *in;
	if (!l->max_line)
		l->max_line = CTL_DEFAULT_MAX_LINE;
	if (!l->max_out)
		l->max_out = CTL_DEFAULT_MAX_OUT;
	if (!l->out_high)
		l->out_high = l->max_out / 4;
	if (!l->max_clients)
		l->max_clients = CTL_DEFAULT_MAX_CLIENTS;
	if (!l->event_queue)
		l->event_queue = CTL_DEFAULT_EVENT_QUEUE;
	if (!l->stop_flush_ns)
		l->stop_flush_ns = CTL_DEFAULT_STOP_FLUSH_NS;
}

static void free_server(struct ctl_server *s)
{
	fd_close(&s->ep_fd);
	fd_close(&s->ev_fd);
	fd_close(&s->listen_fd);
	ctl_evq_destroy(&s->evq);
	free(s->clients);
	free(s);
}

int ctl_server_start_ex(const char *path, const struct ctl_backend_ops *ops, void *opaque,
			const struct ctl_limits *limits, struct ctl_server **out, char *err,
			size_t errlen)
{
	struct ctl_server *s;
	struct epoll_event ev;
	sigset_t all, old;
	int r;

	if (!path || !ops || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->listen_fd = s->ep_fd = s->ev_fd = -1;
	apply_limits(&s->lim, limits);
	s->disp = (struct ctl_dispatch){ .ops = ops, .opaque = opaque, .stats = &s->stats };
	if (strlen(path) >= sizeof(s->path)) {
		if (err && errlen)
			snprintf(err, errlen,
				 "the socket path is too long (%zu bytes, at most %zu)",
				 strlen(path), sizeof(s->path) - 1);
		free(s);
		return -ENAMETOOLONG;
	}
	strcpy(s->path, path);
	s->clients = calloc(s->lim.max_clients, sizeof(struct ctl_client *));
	s->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (!s->clients || s->ev_fd < 0 || s->ep_fd < 0) {
		r = s->clients ? -errno : -ENOMEM;
		goto fail;
	}
	r = ctl_evq_init(&s->evq, s->lim.event_queue, s->ev_fd, &s->stats);
	if (r)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.ptr = &s->ev_fd;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, s->ev_fd, &ev)) {
		r = -errno;
		goto fail;
	}
	r = ctl_sock_listen(path, &s->listen_fd, &s->dev, &s->ino, err, errlen);
	if (r)
		goto fail_quiet;
	ev.data.ptr = &s->listen_fd;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, s->listen_fd, &ev)) {
		r = -errno;
		goto fail_unlink;
	}
	/* Signals are for the main thread (SIGINT/SIGTERM) and the vCPU threads (kicks). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, ctl_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		goto fail_unlink;
	pthread_setname_np(s->thread, "ctl");
	pr_info("ctl: API socket %s", path);
	*out = s;
	return 0;

fail_unlink:
	unlink(path);
fail:
	if (err && errlen)
		snprintf(err, errlen, "cannot start the control socket: %s", strerror(-r));
fail_quiet:
	free_server(s);
	return r;
}

int ctl_server_start(const char *path, const struct ctl_backend_ops *ops, void *opaque,
		     struct ctl_server **out, char *err, size_t errlen)
{
	return ctl_server_start_ex(path, ops, opaque, NULL, out, err, errlen);
}

void ctl_server_stop(struct ctl_server *s)
{
	uint64_t one = 1;
	struct stat st;

	if (!s)
		return;
	atomic_store(&s->stopping, true);
	if (write(s->ev_fd, &one, sizeof(one)) < 0)
		pr_warn("ctl: cannot wake the ctl thread: %s", strerror(errno));
	pthread_join(s->thread, NULL);
	/* Another hvemu may have replaced a socket we lost: unlink only our own file. */
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free_server(s);
}
