// SPDX-License-Identifier: MIT
/*
 * host_uevent_parse on arbitrary bytes: the netlink socket is the host CPU manager's one
 * input from outside the process. The input is copied into an exactly-sized heap buffer,
 * so ASan reports any read past the message. On success, every returned string must lie
 * inside the message and end there, and the CPU number must be consistent with the
 * subsystem. The same bytes also go through the CPU-list parser (the online file's
 * syntax), whose output must format and parse back to the same set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/uevent.h"
#include "util/cpulist.h"

static void check_str(const char *s, const char *buf, size_t len)
{
	if (!s || s < buf || s >= buf + len)
		__builtin_trap();
	if (!memchr(s, '\0', (size_t)(buf + len - s)))
		__builtin_trap();
}

static void fuzz_cpulist(const uint8_t *data, size_t size)
{
	static char text[CPULIST_MAX_LEN];
	cpu_set_t set, back;
	bool clipped;

	if (cpulist_parse_n((const char *)data, size, &set, true, &clipped, NULL))
		return;
	if (cpulist_format(&set, text, sizeof(text)) >= sizeof(text))
		__builtin_trap();
	if (cpulist_parse(text, &back, NULL) || !CPU_EQUAL(&set, &back))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_uevent ev;
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (host_uevent_parse(buf, size, &ev) == 0) {
		check_str(ev.action_str, buf, size);
		check_str(ev.devpath, buf, size);
		check_str(ev.subsystem, buf, size);
		if (ev.devpath[0] != '/' || ev.subsystem[0] == '\0')
			__builtin_trap();
		if (ev.cpu >= CPU_SETSIZE || ev.cpu < -1)
			__builtin_trap();
		if (ev.cpu >= 0 && !host_uevent_is_cpu(&ev))
			__builtin_trap();
		if (!host_uevent_action_name(ev.action))
			__builtin_trap();
	}
	free(buf);
	fuzz_cpulist(data, size);
	return 0;
}
