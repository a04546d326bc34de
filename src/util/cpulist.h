/* SPDX-License-Identifier: MIT */
/*
 * The Linux CPU-list syntax: "0-3,5,8-11", as in /sys/devices/system/cpu/online and
 * possible, taskset -c, and hvemu's --host-cpus option.
 *
 *   list  := "" | item ("," item)*
 *   item  := cpu | cpu "-" cpu        (first <= last)
 *   cpu   := decimal digits           (no sign; below CPU_SETSIZE unless clipping)
 *
 * Whitespace (spaces, tabs, newlines) is accepted before and after the whole list, so a
 * sysfs file's trailing newline is fine, but not inside it. The empty list is the empty
 * set. The kernel's stride form ("0-7:2/4") is not accepted.
 *
 * Sets are glibc cpu_set_t (CPU_SETSIZE = 1024 CPUs), so they can be handed to
 * sched_setaffinity directly.
 */
#ifndef HVEMU_UTIL_CPULIST_H
#define HVEMU_UTIL_CPULIST_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Parses s into *set. Returns 0; -EINVAL for bad syntax (an empty item, a reversed
 * range, a stray character); -ERANGE for a CPU number >= CPU_SETSIZE. On error *set is
 * unchanged and, when err_off is not NULL, *err_off is the offset in s of the offending
 * character (for a message like "bad CPU list '0-3,x' at 'x'").
 */
int cpulist_parse(const char *s, cpu_set_t *set, size_t *err_off);

/*
 * The same over len bytes (no NUL needed). When clip is true, CPU numbers >= CPU_SETSIZE
 * are accepted and left out of the set (*clipped is set to true when one was), which
 * suits reading a kernel file on a host with more CPUs than hvemu manages.
 */
int cpulist_parse_n(const char *s, size_t len, cpu_set_t *set, bool clip, bool *clipped,
		    size_t *err_off);

/*
 * Writes the set as a list with maximal ranges ("0-3,5"; "" for the empty set) into buf,
 * always NUL-terminated when size > 0. Returns the length the whole list needs (without
 * the NUL), like snprintf: the output was truncated if the result is >= size.
 */
size_t cpulist_format(const cpu_set_t *set, char *buf, size_t size);

/* Highest CPU in the set, or -1 when it is empty. */
int cpulist_last(const cpu_set_t *set);

/* Room for any formatted list of a cpu_set_t ("0,2,4,...,1022" is the longest). */
#define CPULIST_MAX_LEN 4096

#endif
