// SPDX-License-Identifier: MIT
/*
 * The request side of the protocol: one line in, one reply out. A line is parsed with
 * jansson, the envelope {"execute", "arguments", "id"} is checked, the arguments are
 * validated against the command's table row (so that an error names the argument), and
 * the command runs. Nothing here touches a socket, so the whole path is unit-tested and
 * fuzzed without one.
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const err_class_names[CTL_ERR_NR] = {
	[CTL_ERR_GENERIC] = "GenericError",
	[CTL_ERR_COMMAND_NOT_FOUND] = "CommandNotFound",
	[CTL_ERR_DEVICE_NOT_FOUND] = "DeviceNotFound",
};

const char *ctl_err_class_name(enum ctl_err_class cls)
{
	return (unsigned)cls < CTL_ERR_NR ? err_class_names[cls] : "GenericError";
}

enum ctl_err_class ctl_errno_class(int neg_errno)
{
	switch (neg_errno) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return CTL_ERR_DEVICE_NOT_FOUND;
	default:
		return CTL_ERR_GENERIC;
	}
}

void ctl_error_set(struct ctl_error *e, enum ctl_err_class cls, const char *fmt, ...)
{
	va_list ap;

	e->cls = cls;
	va_start(ap, fmt);
	vsnprintf(e->desc, sizeof(e->desc), fmt, ap);
	va_end(ap);
}

void ctl_error_backend(struct ctl_error *e, const char *cmd, int ret, const char *msg)
{
	char buf[128];

	if (ret >= 0)
		ret = -EIO; /* a backend bug: failure without an errno */
	if (msg && msg[0]) {
		ctl_error_set(e, ctl_errno_class(ret), "%s", msg);
		return;
	}
	/* "No such file or directory" would puzzle a user asking for a vCPU. */
	if (ctl_errno_class(ret) == CTL_ERR_DEVICE_NOT_FOUND)
		ctl_error_set(e, CTL_ERR_DEVICE_NOT_FOUND, "%s: no such vCPU, VP or host CPU", cmd);
	else
		ctl_error_set(e, CTL_ERR_GENERIC, "%s failed: %s", cmd,
			      strerror_r(-ret, buf, sizeof(buf)));
}

/* --- JSON helpers ------------------------------------------------------------------------ */

json_t *ctl_json_string(const char *s)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	/* Not UTF-8 (a backend message with odd bytes): keep ASCII, mark the rest. */
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

int ctl_json_set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	/* json_object_set_new takes the reference even when it fails. */
	return json_object_set_new(obj, key, v) ? -ENOMEM : 0;
}

int ctl_json_set_int(json_t *obj, const char *key, json_int_t v)
{
	return ctl_json_set_new(obj, key, json_integer(v));
}

int ctl_json_set_str(json_t *obj, const char *key, const char *s)
{
	return ctl_json_set_new(obj, key, ctl_json_string(s));
}

int ctl_json_set_bool(json_t *obj, const char *key, bool v)
{
	return ctl_json_set_new(obj, key, json_boolean(v));
}

json_t *ctl_version_json(void)
{
	return json_pack("{s:{s:i, s:i, s:i}, s:s}", "hvemu", "major", HVEMU_VERSION_MAJOR, "minor",
			 HVEMU_VERSION_MINOR, "micro", HVEMU_VERSION_MICRO, "package", "hvemu");
}

static char *dump_and_free(json_t *j)
{
	char *s;

	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

char *ctl_proto_greeting(void)
{
	/* QMP's shape; "events": events flow without a qmp_capabilities handshake. */
	return dump_and_free(json_pack("{s:{s:o, s:[s]}}", "QMP", "version", ctl_version_json(),
				       "capabilities", "events"));
}

static void count_error(struct ctl_counters *stats, enum ctl_err_class cls)
{
	if (!stats)
		return;
	switch (cls) {
	case CTL_ERR_COMMAND_NOT_FOUND:
		stat_inc(&stats->ctl_errors_command_not_found);
		break;
	case CTL_ERR_DEVICE_NOT_FOUND:
		stat_inc(&stats->ctl_errors_device_not_found);
		break;
	default:
		stat_inc(&stats->ctl_errors_generic);
		break;
	}
}

/* {"error": {"class", "desc"}, "id"}; id is borrowed (NULL: none). */
static json_t *error_reply(struct ctl_counters *stats, enum ctl_err_class cls, const char *desc,
			   json_t *id)
{
	json_t *r;

	count_error(stats, cls);
	r = json_pack("{s:{s:s, s:o}}", "error", "class", ctl_err_class_name(cls), "desc",
		      ctl_json_string(desc));
	if (r && id && json_object_set(r, "id", id)) {
		json_decref(r);
		return NULL;
	}
	return r;
}

char *ctl_proto_error_line(struct ctl_counters *stats, enum ctl_err_class cls, const char *desc)
{
	return dump_and_free(error_reply(stats, cls, desc, NULL));
}

/* --- argument validation ----------------------------------------------------------------- */

const char *ctl_arg_type_name(enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_INT:
		return "integer";
	case CTL_ARG_BOOL:
		return "boolean";
	case CTL_ARG_STR:
		return "string";
	case CTL_ARG_INT_LIST:
		return "array of integers";
	case CTL_ARG_STR_LIST:
		return "array of strings";
	}
	return "?";
}

const char *ctl_arg_type_desc(enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_INT:
		return "an integer";
	case CTL_ARG_BOOL:
		return "a boolean";
	case CTL_ARG_STR:
		return "a string";
	case CTL_ARG_INT_LIST:
		return "an array of integers";
	case CTL_ARG_STR_LIST:
		return "an array of strings";
	}
	return "?";
}

static bool arg_type_ok(enum ctl_arg_type t, const json_t *v)
{
	switch (t) {
	case CTL_ARG_INT:
		return json_is_integer(v);
	case CTL_ARG_BOOL:
		return json_is_boolean(v);
	case CTL_ARG_STR:
		return json_is_string(v);
	case CTL_ARG_INT_LIST:
	case CTL_ARG_STR_LIST:
		if (!json_is_array(v))
			return false;
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *el = json_array_get(v, i);

			if (t == CTL_ARG_INT_LIST ? !json_is_integer(el) : !json_is_string(el))
				return false;
		}
		return true;
	}
	return false;
}

static const struct ctl_arg_spec *find_arg(const struct ctl_cmd_spec *c, const char *key)
{
	for (unsigned i = 0; i < CTL_MAX_ARGS && c->args[i].name; i++)
		if (strcmp(c->args[i].name, key) == 0)
			return &c->args[i];
	return NULL;
}

static void expected_args(const struct ctl_cmd_spec *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < CTL_MAX_ARGS && c->args[i].name && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", c->args[i].name);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* 0, or -EINVAL with e naming the first problem. */
static int validate_args(const struct ctl_cmd_spec *c, json_t *args, struct ctl_error *e)
{
	char names[128];

	for (void *it = json_object_iter(args); it; it = json_object_iter_next(args, it)) {
		const char *key = json_object_iter_key(it);
		const struct ctl_arg_spec *a = find_arg(c, key);
		json_t *v = json_object_iter_value(it);

		if (!a) {
			expected_args(c, names, sizeof(names));
			ctl_error_set(e, CTL_ERR_GENERIC,
				      "%s: unexpected argument '%s' (arguments: %s)", c->name, key,
				      names);
			return -EINVAL;
		}
		if (!arg_type_ok(a->type, v)) {
			ctl_error_set(e, CTL_ERR_GENERIC, "%s: argument '%s' must be %s", c->name,
				      key, ctl_arg_type_desc(a->type));
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < CTL_MAX_ARGS && c->args[i].name; i++) {
		if (c->args[i].required && !json_object_get(args, c->args[i].name)) {
			ctl_error_set(e, CTL_ERR_GENERIC, "%s: missing argument '%s' (%s)", c->name,
				      c->args[i].name, ctl_arg_type_name(c->args[i].type));
			return -EINVAL;
		}
	}
	return 0;
}

/* --- the envelope ------------------------------------------------------------------------ */

static bool blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

/* Runs a parsed request; returns the reply object (NULL: ENOMEM). */
static json_t *run_request(const struct ctl_dispatch *d, json_t *req)
{
	struct ctl_error e = { .cls = CTL_ERR_GENERIC };
	const struct ctl_cmd_spec *c;
	json_t *id, *exec, *args, *ret = NULL, *reply;
	int r;

	if (!json_is_object(req))
		return error_reply(d->stats, CTL_ERR_GENERIC, "a request must be a JSON object",
				   NULL);
	id = json_object_get(req, "id");
	for (void *it = json_object_iter(req); it; it = json_object_iter_next(req, it)) {
		const char *key = json_object_iter_key(it);

		if (strcmp(key, "execute") != 0 && strcmp(key, "arguments") != 0 &&
		    strcmp(key, "id") != 0) {
			ctl_error_set(&e, CTL_ERR_GENERIC,
				      "unexpected request member '%s' (expected execute, "
				      "arguments, id)",
				      key);
			return error_reply(d->stats, e.cls, e.desc, id);
		}
	}
	exec = json_object_get(req, "execute");
	if (!json_is_string(exec))
		return error_reply(d->stats, CTL_ERR_GENERIC,
				   exec ? "'execute' must be a string"
					: "missing 'execute' (the command name)",
				   id);
	c = ctl_cmd_find(json_string_value(exec));
	if (!c) {
		ctl_error_set(&e, CTL_ERR_COMMAND_NOT_FOUND, "the command '%s' does not exist",
			      json_string_value(exec));
		return error_reply(d->stats, e.cls, e.desc, id);
	}
	args = json_object_get(req, "arguments");
	if (args && !json_is_object(args))
		return error_reply(d->stats, CTL_ERR_GENERIC, "'arguments' must be an object", id);
	args = args ? json_incref(args) : json_object();
	if (!args)
		return NULL;
	r = validate_args(c, args, &e);
	if (r == 0)
		r = c->fn(d, args, &ret, &e);
	json_decref(args);
	if (r == -ENOMEM && !e.desc[0])
		ctl_error_set(&e, CTL_ERR_GENERIC, "%s: out of memory", c->name);
	if (r < 0)
		return error_reply(d->stats, e.cls, e.desc, id);
	if (!ret)
		ret = json_object();
	reply = json_pack("{s:o}", "return", ret);
	if (reply && id && json_object_set(reply, "id", id)) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}

int ctl_proto_handle_line(const struct ctl_dispatch *d, const char *line, size_t len, char **reply)
{
	json_error_t jerr;
	json_t *req, *rep;
	char desc[CTL_DESC_MAX];

	*reply = NULL;
	if (blank(line, len))
		return 0;
	if (d->stats)
		stat_inc(&d->stats->ctl_requests);
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(desc, sizeof(desc), "JSON parse error at column %d: %s", jerr.column,
			 jerr.text);
		rep = error_reply(d->stats, CTL_ERR_GENERIC, desc, NULL);
	} else {
		rep = run_request(d, req);
		json_decref(req);
	}
	*reply = dump_and_free(rep);
	return *reply ? 0 : -ENOMEM;
}
