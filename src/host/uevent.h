/* SPDX-License-Identifier: MIT */
/*
 * Kernel uevents (NETLINK_KOBJECT_UEVENT, multicast group 1), as sent by
 * lib/kobject_uevent.c:
 *
 *   "ACTION@DEVPATH\0ACTION=...\0DEVPATH=...\0SUBSYSTEM=...\0...\0SEQNUM=N\0"
 *
 * A host CPU going down gives "offline@/devices/system/cpu/cpu1" with SUBSYSTEM=cpu,
 * coming up "online@..."; a physical hot-add/remove gives "add@"/"remove@". The cpuid
 * and msr character devices of that CPU send their own events (SUBSYSTEM=cpuid, devpath
 * /devices/virtual/cpuid/cpu1), which are not CPU events.
 *
 * The parser is pure (no allocation, no global state) and rejects anything malformed,
 * since the socket is the one input of the host CPU manager that comes from outside.
 */
#ifndef HVEMU_HOST_UEVENT_H
#define HVEMU_HOST_UEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum host_uevent_action {
	HOST_UEVENT_ADD,
	HOST_UEVENT_REMOVE,
	HOST_UEVENT_CHANGE,
	HOST_UEVENT_MOVE,
	HOST_UEVENT_ONLINE,
	HOST_UEVENT_OFFLINE,
	HOST_UEVENT_BIND,
	HOST_UEVENT_UNBIND,
	HOST_UEVENT_OTHER, /* a well-formed action hvemu does not know */
};

/*
 * The strings point into the parsed buffer (each is NUL-terminated there) and are valid
 * as long as it is.
 */
struct host_uevent {
	enum host_uevent_action action;
	const char *action_str;
	const char *devpath;
	const char *subsystem;
	uint64_t seqnum;
	/* N for SUBSYSTEM=cpu and DEVPATH=/devices/system/cpu/cpuN, otherwise -1. */
	int cpu;
};

/* Largest message the parser accepts (the kernel's own limit is about 2 KiB of env). */
#define HOST_UEVENT_MAX_LEN 8192

/*
 * Parses one message of len bytes. Returns 0, or -EINVAL when it is malformed:
 * empty or longer than HOST_UEVENT_MAX_LEN; not ending with NUL; a header without '@',
 * an empty action or a devpath not starting with '/'; an empty field; a field without
 * '=' or with a key that is not [A-Za-z0-9_]+; a key given twice; ACTION, DEVPATH,
 * SUBSYSTEM or SEQNUM missing; ACTION/DEVPATH disagreeing with the header; SEQNUM not a
 * decimal number; a udev-daemon message ("libudev" magic, which the kernel never sends).
 */
int host_uevent_parse(const void *buf, size_t len, struct host_uevent *out);

/* True for an event of the "cpu" subsystem (a CPU device, or the cpu bus itself). */
bool host_uevent_is_cpu(const struct host_uevent *ev);

const char *host_uevent_action_name(enum host_uevent_action a);

#endif
