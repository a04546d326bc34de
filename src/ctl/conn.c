// SPDX-License-Identifier: MIT
/*
 * One client of the control socket: its bounded input buffer (lines, oversized lines),
 * its output queue (replies and events in one order; backpressure; dropping a client
 * that does not read), and accepting new clients.
 */
#include "ctl/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "util/time.h"

/* --- output buffers ---------------------------------------------------------------------- */

struct ctl_buf *ctl_buf_from_text(char *text)
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

void ctl_buf_put(struct ctl_buf *b)
{
	if (b && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

/* --- clients ----------------------------------------------------------------------------- */

void ctl_client_close(struct ctl_server *s, struct ctl_client *c, bool dropped, const char *why)
{
	struct ctl_out *o, *next;

	if (c->dead)
		return;
	if (dropped) {
		stat_inc(&s->stats.ctl_clients_dropped);
		pr_warn_ratelimited("ctl: client %u dropped: %s (%zu bytes queued)", c->id, why,
				    c->out_bytes);
	} else {
		pr_debug_ratelimited("ctl: client %u: %s", c->id, why);
	}
	epoll_ctl(s->ep_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	for (o = c->out_head; o; o = next) {
		next = o->next;
		ctl_buf_put(o->buf);
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

void ctl_reap_dead(struct ctl_server *s)
{
	while (s->dead) {
		struct ctl_client *c = s->dead;

		s->dead = c->next_dead;
		free(c->in);
		free(c);
	}
}

int ctl_client_queue(struct ctl_server *s, struct ctl_client *c, struct ctl_buf *b, bool is_event)
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

int ctl_client_flush(struct ctl_server *s, struct ctl_client *c)
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
		while (n > 0 && c->out_head) {
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
			ctl_buf_put(h->buf);
			free(h);
		}
	}
	return 0;
}

/* Queues a reply (takes text) and sends what it can. */
static void client_reply(struct ctl_server *s, struct ctl_client *c, char *text)
{
	struct ctl_buf *b = text ? ctl_buf_from_text(text) : NULL;
	int r = b ? ctl_client_queue(s, c, b, false) : -ENOMEM;

	ctl_buf_put(b);
	if (r == 0)
		r = ctl_client_flush(s, c);
	if (r == -ENOMEM)
		ctl_client_close(s, c, true, "out of memory");
	else if (r)
		ctl_client_close(s, c, false, strerror(-r));
}

static void handle_line(struct ctl_server *s, struct ctl_client *c, const char *line, size_t len)
{
	char *reply;

	if (ctl_proto_handle_line(&s->disp, line, len, &reply)) {
		ctl_client_close(s, c, true, "out of memory");
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

	while (!c->dead && !s->draining && c->out_bytes <= s->lim.out_high) {
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
				client_reply(
				    s, c, ctl_proto_error_line(&s->stats, CTL_ERR_GENERIC, desc));
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
			stat_inc(&s->stats.ctl_lines_incomplete);
			pr_debug_ratelimited(
			    "ctl: client %u closed in the middle of a request (%zu bytes)", c->id,
			    c->in_len);
			c->in_len = 0;
		}
	} else if (errno != EAGAIN && errno != EINTR) {
		ctl_client_close(s, c, false, strerror(errno));
	}
}

void ctl_client_settle(struct ctl_server *s, struct ctl_client *c)
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
		ctl_client_close(s, c, false, "closed by the client");
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
		ctl_client_close(s, c, true, "epoll_ctl failed");
	else
		c->ep_mask = want;
}

void ctl_client_io(struct ctl_server *s, struct ctl_client *c, uint32_t events)
{
	int r;

	if (c->dead)
		return;
	if (events & EPOLLERR) {
		ctl_client_close(s, c, false, "socket error");
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && !c->eof && (c->ep_mask & EPOLLIN))
		client_read(s, c);
	if (!c->dead && (events & (EPOLLOUT | EPOLLHUP))) {
		r = ctl_client_flush(s, c);
		if (r) {
			ctl_client_close(s, c, false, strerror(-r));
			return;
		}
	}
	ctl_client_settle(s, c);
}

void ctl_accept_clients(struct ctl_server *s)
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
			b = line ? ctl_buf_from_text(line) : NULL;
			/* Best effort: the empty buffer of a new socket takes one line. */
			if (b && send(fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
				stat_add(&s->stats.ctl_bytes_out, b->len);
			ctl_buf_put(b);
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
		pr_debug_ratelimited("ctl: client %u connected", c->id);
		client_reply(s, c, ctl_proto_greeting());
		ctl_client_settle(s, c);
	}
}
