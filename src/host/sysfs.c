// SPDX-License-Identifier: MIT
/* Reading the kernel's CPU lists and a thread's current CPU. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host_internal.h"
#include "util/cpulist.h"
#include "util/log.h"

/* Reads a whole small file; returns its length or -errno. */
static ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (used < size) {
		ssize_t n = read(fd, buf + used, size - used);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (used == size)
		return -EFBIG;
	return (ssize_t)used;
}

int host_read_cpulist_file(const char *path, cpu_set_t *out)
{
	static _Atomic bool clip_warned;
	char *buf;
	ssize_t n;
	bool clipped = false;
	int r;

	/* 1024 CPUs listed one by one take under 5 KiB; 16 KiB leaves room for more. */
	buf = malloc(16384);
	if (!buf)
		return -ENOMEM;
	n = read_small_file(path, buf, 16384);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	r = cpulist_parse_n(buf, (size_t)n, out, true, &clipped, NULL);
	free(buf);
	if (r == 0 && clipped && !atomic_exchange(&clip_warned, true))
		pr_warn("%s lists CPUs beyond %d: hvemu leaves them alone", path, CPU_SETSIZE - 1);
	return r;
}

int host_parse_stat_cpu(const char *buf, size_t len)
{
	const char *p, *end = buf + len;
	long v;
	int field;

	/* The name (field 2) is in parentheses and may hold anything: start after the last ')'. */
	p = NULL;
	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p)
		return -EINVAL;
	p++;
	/* p now precedes field 3; skip to field 39. */
	for (field = 3; field <= 39; field++) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p == '\0')
			return -EINVAL;
		if (field == 39)
			break;
		while (p < end && *p != ' ' && *p != '\0')
			p++;
	}
	v = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v >= CPU_SETSIZE)
			return -EINVAL;
		p++;
	}
	if (p < end && *p != ' ' && *p != '\n' && *p != '\0')
		return -EINVAL;
	return (int)v;
}

int host_vcpu_current_cpu(pid_t tid)
{
	char path[64], buf[1024];
	ssize_t n;

	if (tid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	n = read_small_file(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	buf[n] = '\0';
	return host_parse_stat_cpu(buf, (size_t)n);
}
