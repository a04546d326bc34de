/* SPDX-License-Identifier: MIT */
/*
 * The server's insides, shared by server.c (the thread, events, start and stop) and
 * conn.c (one client's buffers and I/O). Everything here is used by the ctl thread only,
 * except struct ctl_server's evq and stopping.
 */
#ifndef HVEMU_CTL_SERVER_H
#define HVEMU_CTL_SERVER_H

#include <sys/un.h>

#include "ctl/ctl_internal.h"
#include "util/time.h"

#define CTL_ACCEPT_RETRY_NS (100ull * NSEC_PER_MSEC)
#define CTL_EVENT_BATCH	    16
#define CTL_IOV_MAX	    16

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
	bool dead;	 /* closed, freed at the end of the epoll batch */
	bool eof;	 /* the client shut down its side: finish replies, then close */
	bool discarding; /* skipping the rest of an oversized line */
	uint32_t ep_mask;
	char *in; /* max_line + 1 bytes */
	size_t in_len;
	struct ctl_out *out_head, *out_tail;
	size_t out_off;	  /* bytes of out_head already sent */
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
	bool draining;		   /* stopping: send what is queued, run no more requests */
};

/* --- conn.c ------------------------------------------------------------------------------ */

/* Takes text (malloc'd, no newline) and appends the newline; NULL on ENOMEM (text freed). */
struct ctl_buf *ctl_buf_from_text(char *text);
void ctl_buf_put(struct ctl_buf *b);
/* Queues b; an event that would pass max_out gives -ENOBUFS (the caller drops c). */
int ctl_client_queue(struct ctl_server *s, struct ctl_client *c, struct ctl_buf *b, bool is_event);
/* Sends what the socket takes now; -errno when the connection is broken. */
int ctl_client_flush(struct ctl_server *s, struct ctl_client *c);
/* Closes c (dropped: counted and logged as the server's decision) and frees it later. */
void ctl_client_close(struct ctl_server *s, struct ctl_client *c, bool dropped, const char *why);
/* Frees the clients closed during this epoll batch. */
void ctl_reap_dead(struct ctl_server *s);
/* After I/O: resume reading once replies drained, pick the epoll mask, close when done. */
void ctl_client_settle(struct ctl_server *s, struct ctl_client *c);
/* An epoll event of c. */
void ctl_client_io(struct ctl_server *s, struct ctl_client *c, uint32_t events);
/* Accepts pending connections (greeting, or an error and close when over the limit). */
void ctl_accept_clients(struct ctl_server *s);

#endif
