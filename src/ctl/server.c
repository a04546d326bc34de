// SPDX-License-Identifier: MIT
/*
 * The control socket server: the "ctl" thread, an epoll loop over the listening socket,
 * the clients and an eventfd (events and stop). Every socket is non-blocking; every
 * client has a bounded input buffer and a bounded output queue, so a client can cost
 * the VM some memory and ctl-thread time but can never stall a vCPU or another client:
 *  - a request line longer than max_line gets an error and the rest of it is skipped;
 *  - while more than out_high bytes wait to be sent to a client, its requests are not
 *    read (it has to read its replies first);
 *  - a client whose queue would pass max_out because of events is disconnected.
 * Replies and events for a client go through one queue, so each client sees events in
 * the order they were emitted.
 */
#include "ctl/priv.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "util/time.h"

#define CTL_ACCEPT_RETRY_NS (100ull * NSEC_PER_MSEC)
#define CTL_EVENT_BATCH     16
#define CTL_IOV_MAX         16

/* A line to send, shared by every client it is queued for (only the ctl thread). */
struct ctl_buf {
	unsigned refs;
	size_t len;
	char *data; /* ends with '\n' */
};

struct ctl_out {
	struct ctl_out *next;
	struct ctl_buf *buf;
};

struct ctl_client {
	int fd;
	unsigned id;
	bool dead;       /* closed, freed at the end of the epoll batch */
	bool eof;        /* the client shut down its side: finish replies, then close */
	bool discarding; /* skipping the rest of an oversized line */
	uint32_t ep_mask;
	char *in; /* max_line + 1 bytes */
	size_t in_len;
	struct ctl_out *out_head, *out_tail;
	size_t out_off;   /* bytes of out_head already sent */
	size_t out_bytes; /* bytes queued and not sent */
	struct ctl_client *next_dead;
};

struct ctl_server {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	int listen_fd, ep_fd, ev_fd;
	pthread_t thread;
	struct ctl_limits lim;
	struct ctl_dispatch disp;
	struct ctl_counters stats;
	struct ctl_evq evq;
	_Atomic bool stopping;
	/* ctl thread only: */
	struct ctl_client **clients;
	unsigned nr_clients, next_id;
	struct ctl_client *dead;
	uint64_t accept_resume_ns; /* accept paused (fd limit) until then; 0 = running */
};

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

/* --- output buffers ---------------------------------------------------------------------- */

/* Takes text (malloc'd, no newline) and appends the newline; NULL on ENOMEM (text freed). */
static struct ctl_buf *buf_from_text(char *text)
{
	size_t len = strlen(text);
	struct ctl_buf *b = malloc(sizeof(*b));
	char *d = realloc(text, len + 1);

	if (!b || !d) {
		free(b);
		free(d ? d : text);
		return NULL;
	}
	d[len] = '\n'; /* the NUL is not needed: len says where it ends */
	b->refs = 1;
	b->len = len + 1;
	b->data = d;
	return b;
}

static void buf_put(struct ctl_buf *b)
{
	if (b && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

/* --- clients ----------------------------------------------------------------------------- */

static void client_close(struct ctl_server *s, struct ctl_client *c, bool dropped,
			 const char *why)
{
	struct ctl_out *o, *next;

	if (c->dead)
		return;
	if (dropped) {
		stat_inc(&s->stats.ctl_clients_dropped);
		pr_warn_ratelimited("ctl: client %u dropped: %s (%zu bytes queued)", c->id, why,
				    c->out_bytes);
	} else {
		pr_debug("ctl: client %u: %s", c->id, why);
	}
	epoll_ctl(s->ep_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	for (o = c->out_head; o; o = next) {
		next = o->next;
		buf_put(o->buf);
		free(o);
	}
	c->out_head = c->out_tail = NULL;
	c->out_bytes = 0;
	c->dead = true;
	for (unsigned i = 0; i < s->nr_clients; i++) {
		if (s->clients[i] == c) {
			s->clients[i] = s->clients[--s->nr_clients];
			break;
		}
	}
	stat_set(&s->stats.ctl_clients, s->nr_clients);
	/* Freed after the epoll batch: a later event of the batch may still name it. */
	c->next_dead = s->dead;
	s->dead = c;
}

static void reap_dead(struct ctl_server *s)
{
	while (s->dead) {
		struct ctl_client *c = s->dead;

		s->dead = c->next_dead;
		free(c->in);
		free(c);
	}
}

/* Queues b; an event that would pass max_out gives -ENOBUFS (the caller drops c). */
static int client_queue(struct ctl_server *s, struct ctl_client *c, struct ctl_buf *b,
			bool is_event)
{
	struct ctl_out *o;

	if (is_event && c->out_bytes + b->len > s->lim.max_out)
		return -ENOBUFS;
	o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->next = NULL;
	o->buf = b;
	b->refs++;
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += b->len;
	return 0;
}

/* Sends what the socket takes now; -errno when the connection is broken. */
static int client_flush(struct ctl_server *s, struct ctl_client *c)
{
	while (c->out_head) {
		struct iovec iov[CTL_IOV_MAX];
		struct msghdr msg = { .msg_iov = iov };
		struct ctl_out *o = c->out_head;
		size_t off = c->out_off;
		ssize_t n;

		for (; o && msg.msg_iovlen < CTL_IOV_MAX; o = o->next, off = 0) {
			iov[msg.msg_iovlen].iov_base = o->buf->data + off;
			iov[msg.msg_iovlen++].iov_len = o->buf->len - off;
		}
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		stat_add(&s->stats.ctl_bytes_out, (uint64_t)n);
		c->out_bytes -= (size_t)n;
		while (n > 0) {
			struct ctl_out *h = c->out_head;
			size_t left = h->buf->len - c->out_off;

			if ((size_t)n < left) {
				c->out_off += (size_t)n;
				break;
			}
			n -= (ssize_t)left;
			c->out_off = 0;
			c->out_head = h->next;
			if (!c->out_head)
				c->out_tail = NULL;
			buf_put(h->buf);
			free(h);
		}
	}
	return 0;
}

/* Queues a reply (takes text) and sends what it can. */
static void client_reply(struct ctl_server *s, struct ctl_client *c, char *text)
{
	struct ctl_buf *b = text ? buf_from_text(text) : NULL;
	int r = b ? client_queue(s, c, b, false) : -ENOMEM;

	buf_put(b);
	if (r == 0)
		r = client_flush(s, c);
	if (r == -ENOMEM)
		client_close(s, c, true, "out of memory");
	else if (r)
		client_close(s, c, false, strerror(-r));
}

static void handle_line(struct ctl_server *s, struct ctl_client *c, const char *line,
			size_t len)
{
	char *reply;

	if (ctl_proto_handle_line(&s->disp, line, len, &reply)) {
		client_close(s, c, true, "out of memory");
		return;
	}
	if (reply)
		client_reply(s, c, reply);
}

/* Runs the complete lines in the input buffer, while the client reads its replies. */
static void process_lines(struct ctl_server *s, struct ctl_client *c)
{
	size_t start = 0;
	char desc[96];

	while (!c->dead && c->out_bytes <= s->lim.out_high) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl) {
			if (c->discarding) {
				start = c->in_len;
			} else if (c->in_len - start > s->lim.max_line) {
				stat_inc(&s->stats.ctl_lines_oversized);
				snprintf(desc, sizeof(desc),
					 "request line too long (the limit is %zu bytes)",
					 s->lim.max_line);
				c->discarding = true;
				start = c->in_len;
				client_reply(s, c,
					     ctl_proto_error_line(&s->stats, CTL_ERR_GENERIC, desc));
			}
			break;
		}
		len = (size_t)(nl - (c->in + start));
		if (c->discarding)
			c->discarding = false; /* that was the end of the oversized line */
		else
			handle_line(s, c, c->in + start, len);
		start += len + 1;
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
}

static void client_read(struct ctl_server *s, struct ctl_client *c)
{
	size_t cap = s->lim.max_line + 1;
	ssize_t n;

	if (c->in_len == cap)
		return; /* full of complete lines waiting for the client to read replies */
	n = recv(c->fd, c->in + c->in_len, cap - c->in_len, MSG_DONTWAIT);
	if (n > 0) {
		stat_add(&s->stats.ctl_bytes_in, (uint64_t)n);
		c->in_len += (size_t)n;
		process_lines(s, c);
	} else if (n == 0) {
		c->eof = true;
		process_lines(s, c);
		if (!c->dead && c->in_len && !memchr(c->in, '\n', c->in_len)) {
			/* A request is a line: half a line at EOF is not run. */
			pr_debug("ctl: client %u closed in the middle of a request (%zu bytes)",
				 c->id, c->in_len);
			c->in_len = 0;
		}
	} else if (errno != EAGAIN && errno != EINTR) {
		client_close(s, c, false, strerror(errno));
	}
}

/* After I/O: resume reading once replies drained, pick the epoll mask, close when done. */
static void client_settle(struct ctl_server *s, struct ctl_client *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->dead)
		return;
	if (c->out_bytes <= s->lim.out_high)
		process_lines(s, c);
	if (c->dead)
		return;
	if (c->eof && !c->out_head && !memchr(c->in, '\n', c->in_len)) {
		client_close(s, c, false, "closed by the client");
		return;
	}
	if (!c->eof && c->out_bytes <= s->lim.out_high && c->in_len <= s->lim.max_line)
		want |= EPOLLIN;
	if (c->out_head)
		want |= EPOLLOUT;
	if (want == c->ep_mask)
		return;
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_MOD, c->fd, &ev))
		client_close(s, c, true, "epoll_ctl failed");
	else
		c->ep_mask = want;
}

static void client_io(struct ctl_server *s, struct ctl_client *c, uint32_t events)
{
	int r;

	if (c->dead)
		return;
	if (events & EPOLLERR) {
		client_close(s, c, false, "socket error");
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && !c->eof && (c->ep_mask & EPOLLIN))
		client_read(s, c);
	if (!c->dead && (events & (EPOLLOUT | EPOLLHUP))) {
		r = client_flush(s, c);
		if (r) {
			client_close(s, c, false, strerror(-r));
			return;
		}
	}
	client_settle(s, c);
}

static void accept_clients(struct ctl_server *s)
{
	for (int i = 0; i < 16; i++) {
		struct ctl_client *c;
		struct ctl_buf *b;
		struct epoll_event ev;
		char desc[64], *line;
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			/* Out of fds or memory: stop accepting for a while instead of spinning. */
			pr_warn_ratelimited("ctl: accept: %s", strerror(errno));
			s->accept_resume_ns = now_ns() + CTL_ACCEPT_RETRY_NS;
			ev.events = 0;
			ev.data.ptr = &s->listen_fd;
			epoll_ctl(s->ep_fd, EPOLL_CTL_MOD, s->listen_fd, &ev);
			return;
		}
		if (s->nr_clients >= s->lim.max_clients) {
			stat_inc(&s->stats.ctl_clients_refused);
			snprintf(desc, sizeof(desc), "too many clients (the limit is %u)",
				 s->lim.max_clients);
			line = ctl_proto_error_line(&s->stats, CTL_ERR_GENERIC, desc);
			b = line ? buf_from_text(line) : NULL;
			/* Best effort: the empty buffer of a new socket takes one line. */
			if (b && send(fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
				stat_add(&s->stats.ctl_bytes_out, b->len);
			buf_put(b);
			close(fd);
			pr_warn_ratelimited("ctl: refused a client: %s", desc);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->in = malloc(s->lim.max_line + 1);
		if (!c || !c->in) {
			if (c)
				free(c);
			close(fd);
			pr_warn_ratelimited("ctl: out of memory for a new client");
			continue;
		}
		c->fd = fd;
		c->id = ++s->next_id;
		c->ep_mask = EPOLLIN;
		ev.events = c->ep_mask;
		ev.data.ptr = c;
		if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, fd, &ev)) {
			pr_warn_ratelimited("ctl: epoll_ctl: %s", strerror(errno));
			close(fd);
			free(c->in);
			free(c);
			continue;
		}
		s->clients[s->nr_clients++] = c;
		stat_inc(&s->stats.ctl_clients_accepted);
		stat_set(&s->stats.ctl_clients, s->nr_clients);
		stat_peak(&s->stats.ctl_clients_peak, s->nr_clients);
		pr_debug("ctl: client %u connected", c->id);
		client_reply(s, c, ctl_proto_greeting());
		client_settle(s, c);
	}
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
			struct ctl_buf *b = text ? buf_from_text(text) : NULL;

			if (!b) {
				stat_inc(&s->stats.ctl_events_dropped);
				continue;
			}
			for (unsigned j = 0; j < s->nr_clients; j++) {
				struct ctl_client *c = s->clients[j];
				int r = client_queue(s, c, b, true);

				if (r) {
					client_close(s, c, true,
						     r == -ENOBUFS ? "does not read its events"
								   : "out of memory");
					j--; /* client_close moved the last client here */
				}
			}
			buf_put(b);
		}
		for (unsigned j = 0; j < s->nr_clients; j++) {
			struct ctl_client *c = s->clients[j];
			int r = client_flush(s, c);

			if (r) {
				client_close(s, c, false, strerror(-r));
				j--;
			}
		}
	}
	for (unsigned j = 0; j < s->nr_clients; j++)
		client_settle(s, s->clients[j]);
}

/* Stop: no new clients or requests; send what is queued for a short while, then close. */
static void shutdown_clients(struct ctl_server *s)
{
	uint64_t deadline = now_ns() + s->lim.stop_flush_ns;
	struct epoll_event evs[16];

	epoll_ctl(s->ep_fd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	close(s->listen_fd);
	s->listen_fd = -1;
	broadcast_events(s);
	for (unsigned j = 0; j < s->nr_clients; j++) {
		struct ctl_client *c = s->clients[j];
		struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

		c->eof = true; /* read nothing more */
		if (epoll_ctl(s->ep_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
			c->ep_mask = EPOLLOUT;
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
			if (client_flush(s, c))
				client_close(s, c, false, "closed during stop");
		}
		reap_dead(s);
	}
	while (s->nr_clients)
		client_close(s, s->clients[0], false, "server stopping");
	reap_dead(s);
}

static void *ctl_thread(void *arg)
{
	struct ctl_server *s = arg;
	struct epoll_event evs[32];

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
				accept_clients(s);
			else if (tag == &s->ev_fd)
				broadcast_events(s);
			else
				client_io(s, tag, evs[i].events);
		}
		reap_dead(s);
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
	if (s->ep_fd >= 0)
		close(s->ep_fd);
	if (s->ev_fd >= 0)
		close(s->ev_fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	ctl_evq_destroy(&s->evq);
	free(s->clients);
	free(s);
}

int ctl_server_start_ex(const char *path, const struct ctl_backend_ops *ops, void *opaque,
			const struct ctl_limits *limits, struct ctl_server **out)
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
		pr_err("ctl: socket path is too long (%zu bytes, at most %zu): %s", strlen(path),
		       sizeof(s->path) - 1, path);
		free(s);
		return -ENAMETOOLONG;
	}
	strcpy(s->path, path);
	s->clients = calloc(s->lim.max_clients, sizeof(*s->clients));
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
	r = ctl_sock_listen(path, &s->listen_fd, &s->dev, &s->ino);
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
	pr_err("ctl: cannot start the control socket on %s: %s", path, strerror(-r));
fail_quiet:
	free_server(s);
	return r;
}

int ctl_server_start(const char *path, const struct ctl_backend_ops *ops, void *opaque,
		     struct ctl_server **out)
{
	return ctl_server_start_ex(path, ops, opaque, NULL, out);
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
