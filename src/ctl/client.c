// SPDX-License-Identifier: MIT
/*
 * `hvemu ctl`: a client for people. It connects, checks the greeting, sends one request
 * built from COMMAND key=value..., waits (with a time limit) for the reply with its id,
 * skipping the events that arrive meanwhile, and prints it readably (or raw with --json).
 * `watch` prints events as they arrive.
 *
 * Values are typed by the command's argument table when the command is known (so
 * slot=2 is an integer and inhibit=on a boolean); otherwise by their look.
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/time.h"

#define EXIT_OK	     0
#define EXIT_ERROR   1 /* the server answered with an error */
#define EXIT_USAGE   2
#define EXIT_CONNECT 3 /* cannot reach the socket, or no answer in time */

#define CLIENT_DEFAULT_TIMEOUT_S 10.0
#define CLIENT_MAX_LINE		 (64u << 20) /* query-stats of many vCPUs is large */
#define CLIENT_REQUEST_ID	 "hvemu-ctl"

struct client_opts {
	const char *path;
	bool json;
	double timeout_s; /* 0: none */
	bool timeout_given;
	const char *cmd;
	int nr_kv;
	char **kv;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hvemu ctl --api-socket PATH [--json] [--timeout SECONDS] COMMAND "
		   "[key=value ...]\n"
		   "       hvemu ctl --api-socket PATH [--json] [--timeout SECONDS] watch "
		   "[count=N] [event=NAME]\n"
		   "       hvemu ctl help\n"
		   "Values: integers (12, 0x1f), booleans (on/off/true/false), lists (0,1,2 or "
		   "JSON [0,1]), strings; quote JSON to force a string (key='\"12\"').\n"
		   "Exit status: 0 success, 1 error reply, 2 usage error, 3 socket unreachable "
		   "or no reply in time.\n");
}

static void list_commands(FILE *f)
{
	size_t n;
	const struct ctl_cmd_spec *t = ctl_cmd_table(&n);

	usage(f);
	fprintf(f, "\nCommands:\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  %-22s %s\n", t[i].name, t[i].help);
		for (unsigned a = 0; a < CTL_MAX_ARGS && t[i].args[a].name; a++)
			fprintf(f, "      %s=%s%s: %s\n", t[i].args[a].name,
				ctl_arg_type_name(t[i].args[a].type),
				t[i].args[a].required ? "" : " (optional)", t[i].args[a].help);
	}
	fprintf(f,
		"  %-22s %s\n      count=N: stop after N events\n"
		"      event=NAME: only events with this name\n",
		"watch", "print events as they arrive");
}

/* --- options and values ------------------------------------------------------------------ */

static int parse_opts(int argc, char **argv, struct client_opts *o, FILE *err)
{
	int i;

	*o = (struct client_opts){ .timeout_s = CLIENT_DEFAULT_TIMEOUT_S };
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *val = NULL;
		char *end;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->cmd = "help";
			return 0;
		}
		if (!strncmp(a, "--api-socket=", 13))
			val = a + 13;
		else if (!strncmp(a, "--timeout=", 10))
			val = a + 10;
		else if (!strcmp(a, "--api-socket") || !strcmp(a, "--timeout"))
			val = i + 1 < argc ? argv[++i] : NULL;
		else {
			fprintf(err, "hvemu ctl: unknown option %s\n", a);
			return -EINVAL;
		}
		if (!val || !val[0]) {
			fprintf(err, "hvemu ctl: %s needs a value\n", a);
			return -EINVAL;
		}
		if (!strncmp(a, "--api-socket", 12)) {
			o->path = val;
			continue;
		}
		errno = 0;
		o->timeout_s = strtod(val, &end);
		if (errno || end == val || *end || !(o->timeout_s >= 0 && o->timeout_s < 1e6)) {
			fprintf(err, "hvemu ctl: --timeout: '%s' is not a number of seconds\n",
				val);
			return -EINVAL;
		}
		o->timeout_given = true;
	}
	if (i >= argc) {
		fprintf(err, "hvemu ctl: no command given (try: hvemu ctl help)\n");
		return -EINVAL;
	}
	o->cmd = argv[i];
	o->kv = argv + i + 1;
	o->nr_kv = argc - i - 1;
	if (strcmp(o->cmd, "help") != 0 && !o->path) {
		fprintf(err, "hvemu ctl: --api-socket PATH is required\n");
		return -EINVAL;
	}
	return 0;
}

static bool parse_int(const char *s, json_int_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	return s[0] && !errno && !*end;
}

/* -1: not a boolean word */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "on", "true", "yes" }, *const no[] = { "off", "false",
										  "no" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/* A value by its look: JSON text, integer, boolean word, else a string. */
static json_t *guess_value(const char *s)
{
	json_int_t i;
	int b;

	if (s[0] == '[' || s[0] == '{' || s[0] == '"') {
		json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);

		if (j)
			return j;
	}
	if (parse_int(s, &i))
		return json_integer(i);
	b = parse_bool(s);
	if (b >= 0)
		return json_boolean(b);
	return json_string(s);
}

/* The value for an argument of known type; NULL with a message when it does not fit. */
static json_t *typed_value(const char *key, const char *s, enum ctl_arg_type t, FILE *err)
{
	json_t *j = NULL, *el;
	json_int_t i;
	int b;

	switch (t) {
	case CTL_ARG_INT:
		if (parse_int(s, &i))
			return json_integer(i);
		break;
	case CTL_ARG_BOOL:
		b = parse_bool(s);
		if (b >= 0)
			return json_boolean(b);
		break;
	case CTL_ARG_STR:
		if (s[0] == '"')
			j = json_loads(s, JSON_DECODE_ANY, NULL);
		if (json_is_string(j))
			return j;
		json_decref(j);
		return json_string(s);
	case CTL_ARG_INT_LIST:
	case CTL_ARG_STR_LIST: {
		enum ctl_arg_type et = t == CTL_ARG_INT_LIST ? CTL_ARG_INT : CTL_ARG_STR;
		char *copy, *tok, *save = NULL;

		if (s[0] == '[') {
			j = json_loads(s, 0, NULL);
			break; /* the server checks the element types */
		}
		j = json_array();
		copy = strdup(s);
		if (!j || !copy) {
			free(copy);
			json_decref(j);
			return NULL;
		}
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			el = typed_value(key, tok, et, err);
			if (!el || json_array_append_new(j, el)) {
				free(copy);
				json_decref(j);
				return NULL;
			}
		}
		free(copy);
		return j;
	}
	}
	if (j)
		return j;
	fprintf(err, "hvemu ctl: %s=%s: expected %s\n", key, s, ctl_arg_type_desc(t));
	return NULL;
}

static json_t *build_args(const struct client_opts *o, const struct ctl_cmd_spec *spec, FILE *err)
{
	json_t *args = json_object();

	for (int i = 0; args && i < o->nr_kv; i++) {
		char *eq = strchr(o->kv[i], '=');
		char key[128];
		json_t *v;
		const struct ctl_arg_spec *a = NULL;

		if (!eq || eq == o->kv[i] || (size_t)(eq - o->kv[i]) >= sizeof(key)) {
			fprintf(err, "hvemu ctl: '%s' is not key=value\n", o->kv[i]);
			goto fail;
		}
		memcpy(key, o->kv[i], (size_t)(eq - o->kv[i]));
		key[eq - o->kv[i]] = '\0';
		if (json_object_get(args, key)) {
			fprintf(err, "hvemu ctl: %s is given twice\n", key);
			goto fail;
		}
		for (unsigned k = 0; spec && k < CTL_MAX_ARGS && spec->args[k].name; k++)
			if (!strcmp(spec->args[k].name, key))
				a = &spec->args[k];
		if (spec && !a) {
			fprintf(err, "hvemu ctl: %s has no argument '%s' (see: hvemu ctl help)\n",
				spec->name, key);
			goto fail;
		}
		v = a ? typed_value(key, eq + 1, a->type, err) : guess_value(eq + 1);
		if (!v || json_object_set_new(args, key, v))
			goto fail;
	}
	return args;
fail:
	json_decref(args);
	return NULL;
}

/* --- the connection ---------------------------------------------------------------------- */

struct reader {
	int fd;
	char *buf;
	size_t len, cap;
};

/*
 * Next line (NUL-terminated, without '\n') into *line, at the start of the buffer.
 * Returns the bytes it takes (for drop_line) or -errno (-EPIPE at EOF).
 */
static int read_line(struct reader *r, uint64_t deadline, char **line)
{
	for (;;) {
		char *nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t n;
		int tmo = -1;

		if (nl) {
			*nl = '\0';
			*line = r->buf;
			return (int)(nl - r->buf) + 1; /* bytes to drop before the next read */
		}
		if (r->len == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4096;
			char *b;

			if (cap > CLIENT_MAX_LINE)
				return -EMSGSIZE;
			b = realloc(r->buf, cap);
			if (!b)
				return -ENOMEM;
			r->buf = b;
			r->cap = cap;
		}
		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline)
				return -ETIMEDOUT;
			tmo = (int)MIN((deadline - now) / NSEC_PER_MSEC + 1, (uint64_t)INT_MAX);
		}
		n = poll(&p, 1, tmo);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n > 0)
			r->len += (size_t)n;
	}
}

static void drop_line(struct reader *r, int used)
{
	memmove(r->buf, r->buf + used, r->len - (size_t)used);
	r->len -= (size_t)used;
}

/* Reads the next JSON line; *j is a new reference. */
static int read_json(struct reader *r, uint64_t deadline, json_t **j, char **raw, FILE *err)
{
	char *line = NULL;
	int n = read_line(r, deadline, &line);
	json_error_t jerr;

	if (n < 0 || !line)
		return n < 0 ? n : -EPROTO;
	*j = json_loads(line, 0, &jerr);
	if (raw)
		*raw = strdup(line);
	drop_line(r, n);
	if (!*j || (raw && !*raw)) {
		fprintf(err, "hvemu ctl: the server sent a line that is not JSON: %s\n", jerr.text);
		json_decref(*j);
		if (raw)
			free(*raw);
		return -EPROTO;
	}
	return 0;
}

static void io_error(FILE *err, const struct client_opts *o, int r, const char *what)
{
	if (r == -ETIMEDOUT)
		fprintf(err, "hvemu ctl: no %s from %s within %g s\n", what, o->path, o->timeout_s);
	else if (r == -EPIPE)
		fprintf(err, "hvemu ctl: %s closed the connection\n", o->path);
	else if (r != -EPROTO)
		fprintf(err, "hvemu ctl: reading from %s: %s\n", o->path, strerror(-r));
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int do_watch(const struct client_opts *o, struct reader *rd, uint64_t deadline, FILE *out,
		    FILE *err)
{
	json_int_t count = 0, seen = 0;
	const char *only = NULL;

	for (int i = 0; i < o->nr_kv; i++) {
		if (!strncmp(o->kv[i], "count=", 6) && parse_int(o->kv[i] + 6, &count) && count > 0)
			continue;
		if (!strncmp(o->kv[i], "event=", 6) && o->kv[i][6]) {
			only = o->kv[i] + 6;
			continue;
		}
		fprintf(err, "hvemu ctl: watch: bad argument '%s' (count=N, event=NAME)\n",
			o->kv[i]);
		return EXIT_USAGE;
	}
	for (;;) {
		json_t *j;
		char *raw;
		const char *name;
		int r = read_json(rd, deadline, &j, &raw, err);

		if (r == -EPIPE) {
			fprintf(err, "hvemu ctl: the connection was closed\n");
			return EXIT_OK;
		}
		if (r) {
			io_error(err, o, r, "event");
			return r == -ETIMEDOUT ? EXIT_ERROR : EXIT_CONNECT;
		}
		name = json_string_value(json_object_get(j, "event"));
		if (name && (!only || !strcmp(only, name))) {
			if (o->json)
				fprintf(out, "%s\n", raw);
			else
				ctl_format_event(out, j);
			fflush(out);
			seen++;
		}
		json_decref(j);
		free(raw);
		if (count && seen >= count)
			return EXIT_OK;
	}
}

static int do_request(const struct client_opts *o, struct reader *rd, uint64_t deadline,
		      json_t *args, FILE *out, FILE *err)
{
	json_t *req = json_pack("{s:s, s:O, s:s}", "execute", o->cmd, "arguments", args, "id",
				CLIENT_REQUEST_ID);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int r;

	json_decref(req);
	r = text ? send_all(rd->fd, text, strlen(text)) : -ENOMEM;
	if (r == 0)
		r = send_all(rd->fd, "\n", 1);
	free(text);
	if (r) {
		fprintf(err, "hvemu ctl: sending to %s: %s\n", o->path, strerror(-r));
		return EXIT_CONNECT;
	}
	for (;;) {
		json_t *j, *e;
		const char *id;
		char *raw;

		r = read_json(rd, deadline, &j, &raw, err);
		if (r) {
			io_error(err, o, r, "reply");
			return EXIT_CONNECT;
		}
		/* Events (and replies to nobody) may come first: wait for our id. */
		id = json_string_value(json_object_get(j, "id"));
		if (!json_object_get(j, "event") && id && !strcmp(id, CLIENT_REQUEST_ID)) {
			e = json_object_get(j, "error");
			if (o->json)
				fprintf(out, "%s\n", raw);
			else if (e)
				fprintf(err, "error: %s: %s\n",
					json_string_value(json_object_get(e, "class")),
					json_string_value(json_object_get(e, "desc")));
			else
				ctl_format_return(out, o->cmd, json_object_get(j, "return"));
			r = e ? EXIT_ERROR : EXIT_OK;
			json_decref(j);
			free(raw);
			return r;
		}
		json_decref(j);
		free(raw);
	}
}

int ctl_client_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct client_opts o;
	struct reader rd = { .fd = -1 };
	const struct ctl_cmd_spec *spec;
	json_t *args = NULL, *greet = NULL, *ge;
	uint64_t deadline = 0;
	bool watch;
	int r, status;

	if (parse_opts(argc, argv, &o, err))
		return EXIT_USAGE;
	if (!strcmp(o.cmd, "help")) {
		list_commands(out);
		return EXIT_OK;
	}
	watch = !strcmp(o.cmd, "watch");
	spec = ctl_cmd_find(o.cmd);
	if (!watch) {
		args = build_args(&o, spec, err);
		if (!args)
			return EXIT_USAGE;
	}
	r = ctl_sock_connect(o.path, &rd.fd);
	if (r) {
		fprintf(err, "hvemu ctl: cannot reach %s: %s%s\n", o.path, strerror(-r),
			r == -ENOENT || r == -ECONNREFUSED
			    ? " (is hvemu running with --api-socket at this path?)"
			    : "");
		json_decref(args);
		return EXIT_CONNECT;
	}
	if (o.timeout_s > 0 && (!watch || o.timeout_given))
		deadline = now_ns() + (uint64_t)(o.timeout_s * 1e9);
	r = read_json(&rd, deadline, &greet, NULL, err);
	ge = r ? NULL : json_object_get(greet, "error");
	if (r || ge || !json_object_get(greet, "QMP")) {
		if (r)
			io_error(err, &o, r, "greeting");
		else if (ge)
			fprintf(err, "hvemu ctl: %s refused the connection: %s\n", o.path,
				json_string_value(json_object_get(ge, "desc")));
		else
			fprintf(err, "hvemu ctl: %s is not an hvemu control socket\n", o.path);
		status = EXIT_CONNECT;
	} else if (watch) {
		status = do_watch(&o, &rd, deadline, out, err);
	} else {
		status = do_request(&o, &rd, deadline, args, out, err);
	}
	json_decref(greet);
	json_decref(args);
	close(rd.fd);
	free(rd.buf);
	fflush(out);
	return status;
}

int ctl_client_main(int argc, char **argv)
{
	return ctl_client_run(argc, argv, stdout, stderr);
}
