// SPDX-License-Identifier: MIT
/*
 * Readable output of `hvemu ctl`: tables for the vCPUs and host CPUs, grouped
 * statistics, one line per event. Anything without a dedicated layout is printed as
 * indented JSON, so a new command is still usable before it gets one.
 */
#include "ctl/ctl_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The integer member key as text, or "-" when it is absent. */
static const char *int_or_dash(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

static const char *str_or_dash(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && s[0] ? s : "-";
}

static const char *duration(json_int_t ns, char *buf, size_t len)
{
	long long s = (long long)(ns / 1000000000);

	if (ns < 0)
		return "-";
	if (ns < 1000000)
		snprintf(buf, len, "%lld us", (long long)(ns / 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else if (s < 60)
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lldh %02lldm %02llds", s / 3600, s / 60 % 60, s % 60);
	return buf;
}

static void print_json(FILE *out, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);

	fprintf(out, "%s\n", s ? s : "(out of memory)");
	free(s);
}

static void format_status(FILE *out, json_t *r)
{
	json_t *v = json_object_get(r, "vcpus");
	char b1[24], b2[24], b3[24], d[32];

	fprintf(out, "status:      %s\n", str_or_dash(r, "status"));
	fprintf(out, "vcpus:       %s present, %s boot, %s max\n",
		int_or_dash(v, "present", b1, sizeof(b1)), int_or_dash(v, "boot", b2, sizeof(b2)),
		int_or_dash(v, "max", b3, sizeof(b3)));
	fprintf(out, "hv features: %s\n",
		json_string_length(json_object_get(r, "hv-features"))
		    ? str_or_dash(r, "hv-features")
		    : "(none)");
	fprintf(out, "uptime:      %s\n",
		duration(json_is_integer(json_object_get(r, "uptime-ns"))
			     ? json_integer_value(json_object_get(r, "uptime-ns"))
			     : -1,
			 d, sizeof(d)));
}

static void format_cpus(FILE *out, json_t *r)
{
	char b[7][24];

	fprintf(out, "%-5s %-5s %-5s %-10s %-8s %-11s %-10s %-9s %s\n", "SLOT", "VP", "APIC",
		"STATE", "INHIBIT", "WAITING-ON", "SUSPENDED", "HOST-CPU", "TID");
	for (size_t i = 0; i < json_array_size(r); i++) {
		json_t *c = json_array_get(r, i), *sus = json_object_get(c, "suspended-ns");

		fprintf(out, "%-5s %-5s %-5s %-10s %-8s %-11s %-10s %-9s %s\n",
			int_or_dash(c, "slot", b[0], sizeof(b[0])),
			int_or_dash(c, "vp-index", b[1], sizeof(b[1])),
			int_or_dash(c, "apic-id", b[2], sizeof(b[2])), str_or_dash(c, "state"),
			json_is_true(json_object_get(c, "tlb-flush-inhibit")) ? "on" : "off",
			int_or_dash(c, "waiting-on", b[3], sizeof(b[3])),
			json_is_integer(sus) ? duration(json_integer_value(sus), b[4], sizeof(b[4]))
					     : "-",
			int_or_dash(c, "host-cpu", b[5], sizeof(b[5])),
			int_or_dash(c, "thread-id", b[6], sizeof(b[6])));
	}
}

static void format_host_cpus(FILE *out, json_t *r)
{
	char b[24];

	fprintf(out, "%-5s %-9s %s\n", "CPU", "STATE", "REASON");
	for (size_t i = 0; i < json_array_size(r); i++) {
		json_t *c = json_array_get(r, i);

		if (json_object_get(c, "reason"))
			fprintf(out, "%-5s %-9s %s\n", int_or_dash(c, "cpu", b, sizeof(b)),
				str_or_dash(c, "state"), str_or_dash(c, "reason"));
		else
			fprintf(out, "%-5s %s\n", int_or_dash(c, "cpu", b, sizeof(b)),
				str_or_dash(c, "state"));
	}
}

static const char *unit_suffix(const char *unit)
{
	if (!unit || !strcmp(unit, "none"))
		return "";
	if (!strcmp(unit, "nanoseconds"))
		return " ns";
	if (!strcmp(unit, "bytes"))
		return " bytes";
	if (!strcmp(unit, "boolean"))
		return " (boolean)";
	return "";
}

static void format_stats(FILE *out, json_t *r)
{
	char b[24];

	for (size_t i = 0; i < json_array_size(r); i++) {
		json_t *g = json_array_get(r, i), *stats = json_object_get(g, "stats");
		const char *target = str_or_dash(g, "target");

		if (!strcmp(target, "vcpu"))
			fprintf(out, "vcpu %s (%s):\n", int_or_dash(g, "vcpu", b, sizeof(b)),
				str_or_dash(g, "provider"));
		else
			fprintf(out, "%s (%s):\n", target, str_or_dash(g, "provider"));
		for (size_t j = 0; j < json_array_size(stats); j++) {
			json_t *st = json_array_get(stats, j);
			const char *type = str_or_dash(st, "type");

			fprintf(out, "  %-40s %20s%s%s%s\n", str_or_dash(st, "name"),
				int_or_dash(st, "value", b, sizeof(b)),
				unit_suffix(json_string_value(json_object_get(st, "unit"))),
				strcmp(type, "cumulative") != 0 ? "  " : "",
				strcmp(type, "cumulative") != 0 ? type : "");
		}
	}
}

void ctl_format_return(FILE *out, const char *cmd, json_t *ret)
{
	char b[24];

	if (!strcmp(cmd, "query-status") && json_is_object(ret)) {
		format_status(out, ret);
	} else if (!strcmp(cmd, "query-cpus") && json_is_array(ret)) {
		format_cpus(out, ret);
	} else if (!strcmp(cmd, "query-host-cpus") && json_is_array(ret)) {
		format_host_cpus(out, ret);
	} else if (!strcmp(cmd, "query-stats") && json_is_array(ret)) {
		format_stats(out, ret);
	} else if (!strcmp(cmd, "cpu-add") && json_is_object(ret)) {
		fprintf(out, "added a vCPU in slot %s\n", int_or_dash(ret, "slot", b, sizeof(b)));
	} else if (!strcmp(cmd, "query-version") && json_is_object(ret)) {
		json_t *v = json_object_get(ret, "hvemu");
		char b2[24], b3[24];

		fprintf(out, "hvemu %s.%s.%s\n", int_or_dash(v, "major", b, sizeof(b)),
			int_or_dash(v, "minor", b2, sizeof(b2)),
			int_or_dash(v, "micro", b3, sizeof(b3)));
	} else if (!strcmp(cmd, "query-commands") && json_is_array(ret)) {
		for (size_t i = 0; i < json_array_size(ret); i++)
			fprintf(out, "%s\n", str_or_dash(json_array_get(ret, i), "name"));
	} else if (json_is_object(ret) && json_object_size(ret) == 0) {
		fprintf(out, "ok\n");
	} else {
		print_json(out, ret);
	}
}

void ctl_format_event(FILE *out, json_t *ev)
{
	json_t *ts = json_object_get(ev, "timestamp"), *data = json_object_get(ev, "data");
	time_t sec = (time_t)json_integer_value(json_object_get(ts, "seconds"));
	long usec = (long)json_integer_value(json_object_get(ts, "microseconds"));
	char when[32];
	struct tm tm;

	if (!localtime_r(&sec, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%lld", (long long)sec);
	fprintf(out, "%s.%06ld %s", when, usec, str_or_dash(ev, "event"));
	for (void *it = json_object_iter(data); it; it = json_object_iter_next(data, it)) {
		const char *key = json_object_iter_key(it);
		json_t *v = json_object_iter_value(it);
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		fprintf(out, " %s=%s", key, json_is_string(v) ? json_string_value(v) : s ? s : "?");
		free(s);
	}
	fprintf(out, "\n");
}
