// SPDX-License-Identifier: MIT
/*
 * The control socket server over real Unix sockets in a temporary directory: greeting,
 * several clients, events in order to everyone, bad input that must not hurt the
 * connection, clients that vanish mid-request or never read, backpressure, the socket
 * file rules (stale, live, not a socket, too long, mode 0600), limits, and a clean stop
 * (no fd or thread left behind).
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_internal.h"
#include "harness.h"
#include "test_ctl_mock.h"
#include "util/log.h"

static char dir[64], path[96];
static struct mock_be mock;

static void setup_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hvemu-ctl-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/api.sock", dir);
}

static struct ctl_server *start(const struct ctl_limits *lim)
{
	struct ctl_server *s = NULL;

	mock_destroy(&mock);
	mock_init(&mock);
	CHECK_EQ(ctl_server_start_ex(path, &mock_ops, &mock, lim, &s, NULL, 0), 0);
	mock.server = s;
	return s;
}

static uint64_t ctr(struct ctl_server *s, const char *name);

/* Waits (at most 5 s) until the counter reaches v. */
static bool wait_ctr(struct ctl_server *s, const char *name, uint64_t v)
{
	for (int i = 0; i < 5000; i++) {
		if (ctr(s, name) == v)
			return true;
		usleep(1000);
	}
	return false;
}

struct ctr_find {
	const char *name;
	uint64_t v;
};

static void ctr_cb(void *ctx, const char *name, enum stat_type t, enum stat_unit u, uint64_t v)
{
	struct ctr_find *f = ctx;

	(void)t;
	(void)u;
	if (!strcmp(name, f->name))
		f->v = v;
}

static uint64_t ctr(struct ctl_server *s, const char *name)
{
	struct ctr_find f = { name, UINT64_MAX };

	ctl_server_stats_visit(s, ctr_cb, &f);
	return f.v;
}

/* --- a tiny blocking client -------------------------------------------------------------- */

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

static bool conn_open(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	return c->fd >= 0 && connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

static bool conn_send(struct conn *c, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

/* The next line as JSON; NULL at EOF, on error or after timeout_ms. */
static json_t *conn_read(struct conn *c, int timeout_ms)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			json_t *j = json_loadb(c->buf, (size_t)(nl - c->buf), 0, NULL);

			c->len -= (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len);
			return j;
		}
		if (c->len == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 4096;
			c->buf = realloc(c->buf, c->cap);
			if (!c->buf)
				return NULL;
		}
		if (poll(&p, 1, timeout_ms) <= 0)
			return NULL;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

/* The next reply, skipping events. */
static json_t *conn_reply(struct conn *c)
{
	for (;;) {
		json_t *j = conn_read(c, 5000);

		if (!j || !json_object_get(j, "event"))
			return j;
		json_decref(j);
	}
}

/* True when the server closed the connection (EOF) within 5 s, after any data. */
static bool conn_sees_eof(struct conn *c)
{
	char b[4096];

	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			return false;
		n = recv(c->fd, b, sizeof(b), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0)
			return false;
	}
}

static bool is_greeting(json_t *j)
{
	bool ok = json_is_object(json_object_get(json_object_get(j, "QMP"), "version"));

	json_decref(j);
	return ok;
}

static const char *err_class(json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "class"));
}

/* --- tests ------------------------------------------------------------------------------- */

static void test_greeting_and_request(void)
{
	struct ctl_server *s = start(NULL);
	struct conn c;
	struct stat st;
	json_t *r;

	CHECK(conn_open(&c));
	r = conn_read(&c, 5000);
	CHECK_EQ(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(json_object_get(r, "QMP"), "version"), "hvemu"),
		"major")),
	    HVEMU_VERSION_MAJOR);
	json_decref(r);
	CHECK(conn_send(&c, "{\"execute\": \"qmp_capabilities\"}\n"));
	r = conn_reply(&c);
	CHECK(json_is_object(json_object_get(r, "return")));
	json_decref(r);
	CHECK(conn_send(&c, "{\"execute\": \"query-status\", \"id\": {\"n\": 1}}\r\n"));
	r = conn_reply(&c);
	CHECK_STR(json_string_value(json_object_get(json_object_get(r, "return"), "status")),
		  "running");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(r, "id"), "n")), 1);
	json_decref(r);
	CHECK_EQ(stat(path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(ctr(s, "ctl_requests"), 2);
	CHECK(ctr(s, "ctl_bytes_in") > 50 && ctr(s, "ctl_bytes_out") > 100);
	CHECK_EQ(ctr(s, "ctl_clients"), 1);
	conn_close(&c);
	ctl_server_stop(s);
	CHECK_EQ(access(path, F_OK), -1); /* unlinked */
}

static void test_several_clients(void)
{
	struct ctl_server *s = start(NULL);
	struct conn c[6];
	json_t *r;

	for (int i = 0; i < 6; i++) {
		CHECK(conn_open(&c[i]));
		CHECK(is_greeting(conn_read(&c[i], 5000)));
	}
	/* interleaved, and several requests in one write: replies in order, to the asker */
	for (int i = 5; i >= 0; i--) {
		char line[256];

		snprintf(line, sizeof(line),
			 "{\"execute\": \"query-version\", \"id\": %d}\n{\"execute\": \"nope\", "
			 "\"id\": %d}\n",
			 i, 100 + i);
		CHECK(conn_send(&c[i], line));
	}
	for (int i = 0; i < 6; i++) {
		r = conn_reply(&c[i]);
		CHECK_EQ(json_integer_value(json_object_get(r, "id")), i);
		CHECK(json_object_get(r, "return") != NULL);
		json_decref(r);
		r = conn_reply(&c[i]);
		CHECK_EQ(json_integer_value(json_object_get(r, "id")), 100 + i);
		CHECK_STR(err_class(r), "CommandNotFound");
		json_decref(r);
	}
	CHECK_EQ(ctr(s, "ctl_clients_peak"), 6);
	CHECK_EQ(ctr(s, "ctl_errors_command_not_found"), 6);
	for (int i = 0; i < 6; i++)
		conn_close(&c[i]);
	CHECK(wait_ctr(s, "ctl_clients", 0));
	ctl_server_stop(s);
}

struct emitter {
	struct ctl_server *s;
	int id, n, burst;
	bool marker; /* end with a SHUTDOWN that is surely queued */
	/* flow control: stay at most window events ahead of *progress (a reading client) */
	_Atomic int *progress;
	int window;
	bool stalled;
	uint64_t max_call_ns, total_ns, marker_drops;
};

static void *emit_thread(void *arg)
{
	struct emitter *e = arg;
	uint64_t t0 = now_ns();

	for (int i = 0; i < e->n; i++) {
		uint64_t t, d;

		for (int w = 0; e->progress && i - atomic_load(e->progress) >= e->window; w++) {
			if (w == 50000) { /* 5 s: the reader is stuck */
				e->stalled = true;
				return NULL;
			}
			usleep(100);
		}
		t = now_ns();

		ctl_event(e->s, CTL_EVENT_VCPU_RESUMED, CTL_EV_INT("thread", e->id),
			  CTL_EV_INT("seq", i));
		d = now_ns() - t;
		if (d > e->max_call_ns)
			e->max_call_ns = d;
		if (e->burst && i % e->burst == e->burst - 1)
			usleep(1000);
	}
	e->total_ns = now_ns() - t0;
	while (e->marker) {
		uint64_t before = ctr(e->s, "ctl_events_dropped");

		ctl_event(e->s, CTL_EVENT_SHUTDOWN);
		if (ctr(e->s, "ctl_events_dropped") == before)
			break;
		e->marker_drops++;
		usleep(1000);
	}
	return NULL;
}

static void test_events_in_order(void)
{
	struct ctl_limits lim = { .event_queue = 4096 };
	struct ctl_server *s = start(&lim);
	struct emitter em[2] = { { .s = s, .id = 0, .n = 500 }, { .s = s, .id = 1, .n = 500 } };
	pthread_t th[2];
	struct conn c[3];
	int order[3][1000];

	for (int i = 0; i < 3; i++) {
		CHECK(conn_open(&c[i]));
		CHECK(is_greeting(conn_read(&c[i], 5000)));
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, emit_thread, &em[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < 3; k++) {
		int next[2] = { 0, 0 }, got = 0;
		json_int_t last_ts = 0;

		for (; got < 1000; got++) {
			json_t *ev = conn_read(&c[k], 5000), *d = json_object_get(ev, "data");
			json_t *ts = json_object_get(ev, "timestamp");
			int t = (int)json_integer_value(json_object_get(d, "thread"));
			json_int_t us =
			    json_integer_value(json_object_get(ts, "seconds")) * 1000000 +
			    json_integer_value(json_object_get(ts, "microseconds"));

			if (!ev ||
			    strcmp(json_string_value(json_object_get(ev, "event")),
				   "VCPU_RESUMED") != 0 ||
			    t < 0 || t > 1 ||
			    json_integer_value(json_object_get(d, "seq")) != next[t] ||
			    us < last_ts) {
				json_decref(ev);
				break;
			}
			next[t]++;
			last_ts = us;
			order[k][got] = t;
			json_decref(ev);
		}
		CHECK_EQ(got, 1000);
	}
	/* every client saw the same interleaving of the two emitters */
	CHECK(memcmp(order[0], order[1], sizeof(order[0])) == 0);
	CHECK(memcmp(order[0], order[2], sizeof(order[0])) == 0);
	CHECK_EQ(ctr(s, "ctl_events"), 1000);
	CHECK_EQ(ctr(s, "ctl_events_dropped"), 0);
	for (int i = 0; i < 3; i++)
		conn_close(&c[i]);
	ctl_server_stop(s);
	ctl_event(NULL, CTL_EVENT_SHUTDOWN); /* no server: nothing happens */
	ctl_event_list(NULL, "X", CTL_EV_T_END);
}

static void test_command_events(void)
{
	struct ctl_server *s = start(NULL);
	struct conn a, b;
	json_t *r;

	CHECK(conn_open(&a) && conn_open(&b));
	CHECK(is_greeting(conn_read(&a, 5000)) && is_greeting(conn_read(&b, 5000)));
	CHECK(conn_send(&a, "{\"execute\": \"cpu-add\", \"id\": 1}\n"));
	r = conn_reply(&a);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(r, "return"), "slot")), 3);
	json_decref(r);
	r = conn_read(&b, 5000);
	CHECK_STR(json_string_value(json_object_get(r, "event")), "VCPU_ADDED");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(r, "data"), "slot")), 3);
	json_decref(r);
	CHECK(conn_send(&b, "{\"execute\": \"quit\"}\n"));
	r = conn_reply(&b);
	CHECK(json_object_get(r, "return") != NULL);
	json_decref(r);
	CHECK_EQ(mock_calls(&mock, MOCK_QUIT), 1);
	/* the VMM's answer to quit: SHUTDOWN, then stop; both clients get it before EOF */
	ctl_event(s, CTL_EVENT_SHUTDOWN, CTL_EV_STR("reason", "quit"));
	ctl_server_stop(s);
	for (int i = 0; i < 2; i++) {
		struct conn *c = i ? &b : &a;
		json_t *ev;

		do {
			ev = conn_read(c, 5000);
			r = json_object_get(ev, "event");
			if (r && !strcmp(json_string_value(r), "SHUTDOWN"))
				break;
			json_decref(ev);
		} while (ev);
		CHECK_STR(json_string_value(json_object_get(json_object_get(ev, "data"), "reason")),
			  "quit");
		json_decref(ev);
		CHECK(conn_sees_eof(c));
	}
	conn_close(&a);
	conn_close(&b);
}

static void test_bad_input_keeps_connection(void)
{
	struct ctl_limits lim = { .max_line = 1024 };
	struct ctl_server *s = start(&lim);
	struct conn c;
	char big[3000];
	json_t *r;

	CHECK(conn_open(&c));
	CHECK(is_greeting(conn_read(&c, 5000)));
	/* "\r\r\r" is blank (no reply, as in QMP); CRLF ends a request as LF does */
	CHECK(conn_send(&c, "not json\n[1]\n{\"execute\": 1}\n\n\r\r\r\n{\"execute\": "
			    "\"query-version\", \"id\": 1}\r\n"));
	for (int i = 0; i < 3; i++) {
		r = conn_reply(&c);
		CHECK_STR(err_class(r), "GenericError");
		json_decref(r);
	}
	r = conn_reply(&c);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	/* an oversized line: one error, the rest of it skipped, then normal service */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(conn_send(&c, big));
	CHECK(conn_send(&c, big));
	CHECK(conn_send(&c, "\"}\n{\"execute\": \"query-version\", \"id\": 2}\n"));
	r = conn_reply(&c);
	CHECK_STR(err_class(r), "GenericError");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(r, "error"), "desc")),
		     "too long (the limit is 1024 bytes)") != NULL);
	json_decref(r);
	r = conn_reply(&c);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 2);
	json_decref(r);
	/* exactly max_line bytes is still a line */
	memset(big, ' ', 1024);
	memcpy(big + 1024 - 34, "{\"execute\":\"query-version\",\"id\":3}", 34);
	big[1024] = '\n';
	big[1025] = '\0';
	CHECK(conn_send(&c, big));
	r = conn_reply(&c);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 3);
	json_decref(r);
	CHECK_EQ(ctr(s, "ctl_lines_oversized"), 1);
	CHECK_EQ(ctr(s, "ctl_errors_generic"), 4);
	CHECK_EQ(ctr(s, "ctl_clients_dropped"), 0);
	conn_close(&c);
	ctl_server_stop(s);
}

static void test_default_line_limit(void)
{
	struct ctl_server *s = start(NULL);
	struct conn c;
	char *big = malloc(CTL_DEFAULT_MAX_LINE + 100);
	json_t *r;

	CHECK(conn_open(&c));
	CHECK(is_greeting(conn_read(&c, 5000)));
	memset(big, '[', CTL_DEFAULT_MAX_LINE + 99);
	big[CTL_DEFAULT_MAX_LINE + 99] = '\0';
	CHECK(conn_send(&c, big));
	CHECK(conn_send(&c, "\n{\"execute\": \"query-version\", \"id\": 9}\n"));
	r = conn_reply(&c);
	CHECK_STR(err_class(r), "GenericError");
	json_decref(r);
	r = conn_reply(&c);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 9);
	json_decref(r);
	/* deep nesting inside the limit: a parse error, not a stack overflow */
	memset(big, '[', 60000);
	big[60000] = '\n';
	big[60001] = '\0';
	CHECK(conn_send(&c, big));
	r = conn_reply(&c);
	CHECK_STR(err_class(r), "GenericError");
	json_decref(r);
	free(big);
	conn_close(&c);
	ctl_server_stop(s);
}

static void test_disconnect_mid_request(void)
{
	struct ctl_server *s = start(NULL);
	struct conn a, b;
	json_t *r;

	CHECK(conn_open(&a) && conn_open(&b));
	CHECK(is_greeting(conn_read(&b, 5000)));
	CHECK(conn_send(&a, "{\"execute\": \"cpu-add\", \"argu"));
	conn_close(&a);
	CHECK(wait_ctr(s, "ctl_clients", 1));
	/* a complete request and an immediate close: no one to answer, nothing breaks */
	CHECK(conn_open(&a));
	CHECK(conn_send(&a, "{\"execute\": \"query-cpus\"}\n{\"execute\": \"cpu-"));
	conn_close(&a);
	CHECK(wait_ctr(s, "ctl_clients", 1));
	CHECK(conn_send(&b, "{\"execute\": \"query-status\", \"id\": 1}\n"));
	r = conn_reply(&b);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	CHECK_EQ(mock_calls(&mock, MOCK_ADD), 0); /* half a line is never run */
	CHECK_EQ(ctr(s, "ctl_clients_dropped"), 0);
	/* half-closed: the client shuts its side after the request and still gets the reply */
	CHECK(conn_open(&a));
	CHECK(is_greeting(conn_read(&a, 5000)));
	CHECK(conn_send(&a, "{\"execute\": \"query-version\", \"id\": 7}\n{\"execute\": \"cpu"));
	shutdown(a.fd, SHUT_WR);
	r = conn_reply(&a);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 7);
	json_decref(r);
	CHECK(conn_sees_eof(&a));
	CHECK(ctr(s, "ctl_lines_incomplete") >= 1); /* counted, not logged per client */
	conn_close(&a);
	conn_close(&b);
	ctl_server_stop(s);
}

static void test_non_reader_dropped(void)
{
	struct ctl_limits lim = { .max_out = 64 * 1024 };
	struct ctl_server *s = start(&lim);
	_Atomic int progress = 0;
	struct emitter em = {
		.s = s, .n = 6000, .marker = true, .progress = &progress, .window = 200
	};
	struct conn a, b;
	pthread_t th;
	json_int_t next = 0;
	bool ordered = true, done = false;
	uint64_t got = 0;

	CHECK(conn_open(&a) && conn_open(&b));
	CHECK(is_greeting(conn_read(&b, 5000)));
	CHECK(wait_ctr(s, "ctl_clients", 2));
	pthread_create(&th, NULL, emit_thread, &em);
	/* b reads everything while a never reads */
	while (!done) {
		json_t *ev = conn_read(&b, 5000), *d = json_object_get(ev, "data");
		const char *name = json_string_value(json_object_get(ev, "event"));

		if (!name) {
			json_decref(ev);
			break;
		}
		if (!strcmp(name, "SHUTDOWN")) {
			done = true;
		} else {
			json_int_t seq = json_integer_value(json_object_get(d, "seq"));

			ordered &= seq == next;
			next = seq + 1;
			got++;
			atomic_store(&progress, (int)got);
		}
		json_decref(ev);
	}
	pthread_join(th, NULL);
	/*
	 * The emitter got through 6000 events (several times what a's socket and queue hold)
	 * although a never read: ctl_event does not wait for clients. b got all of them.
	 */
	CHECK(!em.stalled);
	CHECK(done);
	CHECK(ordered);
	CHECK_EQ(got, (uint64_t)em.n);
	CHECK_EQ(ctr(s, "ctl_events_dropped"), 0);
	CHECK_EQ(ctr(s, "ctl_clients_dropped"), 1);
	CHECK(conn_sees_eof(&a));
	/* generous: only preemption of a loaded machine, never a client, may delay a call */
	CHECK_MSG(em.max_call_ns < NSEC_PER_SEC, "slowest ctl_event took %llu ns",
		  (unsigned long long)em.max_call_ns);
	/* b is still served */
	CHECK(conn_send(&b, "{\"execute\": \"query-version\", \"id\": 1}\n"));
	json_decref(conn_reply(&b));
	CHECK_EQ(ctr(s, "ctl_clients"), 1);
	conn_close(&a);
	conn_close(&b);
	ctl_server_stop(s);
}

struct flood {
	struct conn *c;
	int n;
	bool ok;
};

static void *request_flood(void *arg)
{
	struct flood *f = arg;
	char line[96];

	f->ok = true;
	for (int i = 0; i < f->n && f->ok; i++) {
		snprintf(line, sizeof(line), "{\"execute\": \"query-version\", \"id\": %d}\n", i);
		f->ok = conn_send(f->c, line);
	}
	return NULL;
}

static void test_backpressure(void)
{
	struct ctl_limits lim = { .max_out = 64 * 1024 };
	struct ctl_server *s = start(&lim);
	struct conn a, b;
	struct flood f = { &a, 8000, false };
	pthread_t th;
	json_t *r;
	int i;

	CHECK(conn_open(&a) && conn_open(&b));
	CHECK(is_greeting(conn_read(&a, 5000)) && is_greeting(conn_read(&b, 5000)));
	pthread_create(&th, NULL, request_flood, &f);
	usleep(100000); /* a's replies pile up: the server stops reading a */
	CHECK(conn_send(&b, "{\"execute\": \"query-status\", \"id\": \"b\"}\n"));
	r = conn_reply(&b);
	CHECK_STR(json_string_value(json_object_get(r, "id")), "b");
	json_decref(r);
	for (i = 0; i < f.n; i++) {
		r = conn_reply(&a);
		if (json_integer_value(json_object_get(r, "id")) != i) {
			json_decref(r);
			break;
		}
		json_decref(r);
	}
	pthread_join(th, NULL);
	CHECK(f.ok);
	CHECK_EQ(i, f.n); /* every reply, in order: a pipelining client is slowed, not dropped */
	CHECK_EQ(ctr(s, "ctl_clients_dropped"), 0);
	conn_close(&a);
	conn_close(&b);
	ctl_server_stop(s);
}

static void test_too_many_clients(void)
{
	struct ctl_limits lim = { .max_clients = 2 };
	struct ctl_server *s = start(&lim);
	struct conn c[3];
	json_t *r;

	for (int i = 0; i < 3; i++)
		CHECK(conn_open(&c[i]));
	CHECK(is_greeting(conn_read(&c[0], 5000)) && is_greeting(conn_read(&c[1], 5000)));
	r = conn_read(&c[2], 5000);
	CHECK_STR(err_class(r), "GenericError");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(r, "error"), "desc")),
		     "too many clients") != NULL);
	json_decref(r);
	CHECK(conn_sees_eof(&c[2]));
	CHECK_EQ(ctr(s, "ctl_clients_refused"), 1);
	conn_close(&c[2]);
	conn_close(&c[0]);
	CHECK(wait_ctr(s, "ctl_clients", 1));
	CHECK(conn_open(&c[0]));
	CHECK(is_greeting(conn_read(&c[0], 5000)));
	conn_close(&c[0]);
	conn_close(&c[1]);
	ctl_server_stop(s);
}

/*
 * A client can connect as often as it likes: each refusal is counted, but the log gets at
 * most one burst of lines per window, not a line per refused client.
 */
static void test_refused_clients_log_limited(void)
{
	struct ctl_limits lim = { .max_clients = 1 };
	struct ctl_server *s = start(&lim);
	FILE *logf = tmpfile();
	struct conn keep, c;
	const unsigned n = 200;

	CHECK(logf != NULL);
	if (!logf)
		return;
	CHECK(conn_open(&keep));
	CHECK(is_greeting(conn_read(&keep, 5000)));
	log_set_level(LOG_WARN);
	log_set_output(logf);
	for (unsigned i = 0; i < n; i++) {
		CHECK_MSG(conn_open(&c), "connect %u", i);
		json_decref(conn_read(&c, 5000));
		conn_close(&c);
	}
	CHECK(wait_ctr(s, "ctl_clients_refused", n));
	log_set_output(NULL);
	log_set_level(LOG_ERR);
	CHECK_MSG(t_count_lines(logf, "refused") > 0, "the first refusal is logged");
	CHECK_MSG(t_count_lines(logf, "refused") <= RATELIMIT_BURST,
		  "%u log lines for %u refused clients", t_count_lines(logf, "refused"), n);
	fclose(logf);
	conn_close(&keep);
	ctl_server_stop(s);
}

static void test_socket_file_rules(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *s, *s2 = NULL;
	char longpath[200], buf[8];
	struct conn c;
	int fd;

	/* stale: a socket file nobody listens on is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	CHECK_EQ(access(path, F_OK), 0);
	s = start(NULL);
	CHECK(s != NULL);
	CHECK(conn_open(&c));
	CHECK(is_greeting(conn_read(&c, 5000)));
	/* live: a second server on the same path is refused, the first keeps working */
	CHECK_EQ(ctl_server_start(path, &mock_ops, &mock, &s2, NULL, 0), -EADDRINUSE);
	CHECK(s2 == NULL);
	CHECK(conn_send(&c, "{\"execute\": \"query-version\", \"id\": 1}\n"));
	json_decref(conn_reply(&c));
	conn_close(&c);
	ctl_server_stop(s);
	/* not a socket: never removed */
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK_EQ(write(fd, "keep", 4), 4);
	close(fd);
	CHECK_EQ(ctl_server_start(path, &mock_ops, &mock, &s2, NULL, 0), -EEXIST);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	unlink(path);
	/* too long for sun_path */
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK_EQ(ctl_server_start(longpath, &mock_ops, &mock, &s2, NULL, 0), -ENAMETOOLONG);
	CHECK_EQ(ctl_server_start("", &mock_ops, &mock, &s2, NULL, 0), -EINVAL);
	CHECK(s2 == NULL);
	/* a directory that does not exist; the reason comes back in err, nothing is logged */
	{
		FILE *logf = tmpfile();
		char err[256] = "";

		log_set_level(LOG_INFO);
		log_set_output(logf);
		CHECK_EQ(ctl_server_start("/nonexistent-hvemu-dir/x.sock", &mock_ops, &mock, &s2,
					  err, sizeof(err)),
			 -ENOENT);
		CHECK(strstr(err, "cannot listen on /nonexistent-hvemu-dir/x.sock") != NULL);
		CHECK_EQ(ctl_server_start("", &mock_ops, &mock, &s2, err, sizeof(err)), -EINVAL);
		CHECK_STR(err, "the socket path is empty");
		log_set_output(NULL);
		log_set_level(LOG_ERR);
		CHECK_EQ(t_count_lines(logf, "ctl"), 0);
		fclose(logf);
	}
}

static int count_dir(const char *d)
{
	DIR *dp = opendir(d);
	int n = 0;

	if (!dp)
		return -1;
	while (readdir(dp))
		n++;
	closedir(dp);
	return n;
}

/* True when a thread of this process is named name. */
static bool thread_named(const char *name)
{
	DIR *dp = opendir("/proc/self/task");
	struct dirent *de;
	bool found = false;

	while (dp && !found && (de = readdir(dp))) {
		char p[300], comm[32] = "";
		FILE *f;

		snprintf(p, sizeof(p), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(p, "r");
		if (f && fgets(comm, sizeof(comm), f))
			found =
			    strcmp(comm, name) == 0 ||
			    (strncmp(comm, name, strlen(name)) == 0 && comm[strlen(name)] == '\n');
		if (f)
			fclose(f);
	}
	if (dp)
		closedir(dp);
	return found;
}

static void test_stop_leaves_nothing(void)
{
	int fds = count_dir("/proc/self/fd"), tasks = count_dir("/proc/self/task");

	for (int round = 0; round < 3; round++) {
		struct ctl_server *s = start(NULL);
		struct conn c[3];

		CHECK_EQ(count_dir("/proc/self/task"), tasks + 1); /* the ctl thread */
		CHECK(thread_named("ctl"));
		for (int i = 0; i < 3; i++)
			CHECK(conn_open(&c[i]));
		CHECK(is_greeting(conn_read(&c[0], 5000)));
		CHECK(conn_send(&c[1], "{\"execute\": \"query-"));
		ctl_event(s, CTL_EVENT_HOST_CPU_OFFLINE, CTL_EV_INT("cpu", 3));
		ctl_server_stop(s);
		for (int i = 0; i < 3; i++) {
			CHECK(conn_sees_eof(&c[i]));
			conn_close(&c[i]);
		}
	}
	CHECK_EQ(count_dir("/proc/self/fd"), fds);
	for (int i = 0; i < 1000 && count_dir("/proc/self/task") != tasks; i++)
		usleep(1000); /* a joined thread leaves /proc a moment later */
	CHECK_EQ(count_dir("/proc/self/task"), tasks);
	CHECK_EQ(access(path, F_OK), -1);
}

int main(void)
{
	log_set_level(LOG_ERR); /* the refusals below log on purpose */
	mock_init(&mock);
	setup_dir();
	RUN(test_greeting_and_request);
	RUN(test_several_clients);
	RUN(test_events_in_order);
	RUN(test_command_events);
	RUN(test_bad_input_keeps_connection);
	RUN(test_default_line_limit);
	RUN(test_disconnect_mid_request);
	RUN(test_non_reader_dropped);
	RUN(test_backpressure);
	RUN(test_too_many_clients);
	RUN(test_refused_clients_log_limited);
	RUN(test_socket_file_rules);
	RUN(test_stop_leaves_nothing);
	unlink(path);
	rmdir(dir);
	mock_destroy(&mock);
	return t_done();
}
