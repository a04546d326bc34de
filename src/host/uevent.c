// SPDX-License-Identifier: MIT
#include "host/uevent.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "util/compiler.h"

static const char *const action_names[] = {
	[HOST_UEVENT_ADD] = "add",	 [HOST_UEVENT_REMOVE] = "remove",
	[HOST_UEVENT_CHANGE] = "change", [HOST_UEVENT_MOVE] = "move",
	[HOST_UEVENT_ONLINE] = "online", [HOST_UEVENT_OFFLINE] = "offline",
	[HOST_UEVENT_BIND] = "bind",	 [HOST_UEVENT_UNBIND] = "unbind",
	[HOST_UEVENT_OTHER] = "other",
};

const char *host_uevent_action_name(enum host_uevent_action a)
{
	if ((unsigned)a < ARRAY_SIZE(action_names))
		return action_names[a];
	return "?";
}

static enum host_uevent_action action_from(const char *s)
{
	for (unsigned i = 0; i < HOST_UEVENT_OTHER; i++)
		if (strcmp(s, action_names[i]) == 0)
			return (enum host_uevent_action)i;
	return HOST_UEVENT_OTHER;
}

static bool is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* A decimal u64 without sign, spaces or overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* "/devices/system/cpu/cpuN" exactly, N without leading zeros and below CPU_SETSIZE. */
static int cpu_from_devpath(const char *devpath)
{
	static const char prefix[] = "/devices/system/cpu/cpu";
	const char *p;
	unsigned v = 0;

	if (strncmp(devpath, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	p = devpath + sizeof(prefix) - 1;
	if (!*p || (p[0] == '0' && p[1]))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v >= CPU_SETSIZE)
			return -1;
	}
	return (int)v;
}

enum {
	K_ACTION,
	K_DEVPATH,
	K_SUBSYSTEM,
	K_SEQNUM,
	K_NR
};

int host_uevent_parse(const void *buf, size_t len, struct host_uevent *out)
{
	static const char *const known[K_NR] = { "ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM" };
	const char *vals[K_NR] = { NULL };
	const char *s = buf, *end, *hdr_end, *at, *field;
	struct host_uevent ev;
	size_t hdr_len;

	if (!buf || !out || len == 0 || len > HOST_UEVENT_MAX_LEN || s[len - 1] != '\0')
		return -EINVAL;
	end = s + len;
	/* The udev daemon's re-broadcasts start with "libudev\0"; only the kernel is trusted. */
	if (len >= 8 && memcmp(s, "libudev", 8) == 0)
		return -EINVAL;

	hdr_len = strlen(s); /* bounded: s[len - 1] is NUL */
	hdr_end = s + hdr_len;
	at = memchr(s, '@', hdr_len);
	if (!at || at == s || at[1] != '/')
		return -EINVAL;

	/* Duplicate keys are rejected as a whole: "which ACTION is true" has no answer. */
	for (field = hdr_end + 1; field < end; field += strlen(field) + 1) {
		const char *eq = strchr(field, '=');
		size_t klen;

		if (!eq || eq == field)
			return -EINVAL;
		klen = (size_t)(eq - field);
		for (size_t i = 0; i < klen; i++)
			if (!is_key_char(field[i]))
				return -EINVAL;
		for (unsigned k = 0; k < K_NR; k++) {
			if (strlen(known[k]) == klen && memcmp(field, known[k], klen) == 0) {
				if (vals[k])
					return -EINVAL;
				vals[k] = eq + 1;
			}
		}
		/* Unknown keys are allowed but must not repeat a known one: checked above. */
	}
	for (unsigned k = 0; k < K_NR; k++)
		if (!vals[k])
			return -EINVAL;
	/* The header repeats ACTION and DEVPATH: they must agree. */
	if ((size_t)(at - s) != strlen(vals[K_ACTION]) ||
	    memcmp(s, vals[K_ACTION], (size_t)(at - s)) != 0 ||
	    strcmp(at + 1, vals[K_DEVPATH]) != 0)
		return -EINVAL;
	if (vals[K_SUBSYSTEM][0] == '\0')
		return -EINVAL;

	memset(&ev, 0, sizeof(ev));
	if (parse_u64(vals[K_SEQNUM], &ev.seqnum))
		return -EINVAL;
	ev.action_str = vals[K_ACTION];
	ev.action = action_from(ev.action_str);
	ev.devpath = vals[K_DEVPATH];
	ev.subsystem = vals[K_SUBSYSTEM];
	ev.cpu = strcmp(ev.subsystem, "cpu") == 0 ? cpu_from_devpath(ev.devpath) : -1;
	*out = ev;
	return 0;
}

bool host_uevent_is_cpu(const struct host_uevent *ev)
{
	return ev && ev->subsystem && strcmp(ev->subsystem, "cpu") == 0;
}
