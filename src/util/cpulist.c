// SPDX-License-Identifier: MIT
#include "util/cpulist.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads a decimal number at s[*pos..end). Numbers too large for the set saturate at
 * UINT32_MAX instead of overflowing, so the caller can tell "too large" from bad syntax.
 */
static int read_num(const char *s, size_t end, size_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	size_t p = *pos;

	if (p >= end || !is_digit(s[p]))
		return -EINVAL;
	while (p < end && is_digit(s[p])) {
		v = v * 10 + (uint64_t)(s[p] - '0');
		if (v > UINT32_MAX)
			v = UINT32_MAX;
		p++;
	}
	*pos = p;
	*out = (uint32_t)v;
	return 0;
}

int cpulist_parse_n(const char *s, size_t len, cpu_set_t *set, bool clip, bool *clipped,
		    size_t *err_off)
{
	size_t begin = 0, end = len, pos;
	bool was_clipped = false;
	cpu_set_t tmp;

	if (!s || !set)
		return -EINVAL;
	while (begin < end && is_space(s[begin]))
		begin++;
	while (end > begin && is_space(s[end - 1]))
		end--;
	CPU_ZERO(&tmp);
	pos = begin;
	while (pos < end) {
		size_t item = pos;
		uint32_t first, last;

		if (read_num(s, end, &pos, &first))
			goto bad_syntax;
		last = first;
		if (pos < end && s[pos] == '-') {
			pos++;
			if (read_num(s, end, &pos, &last))
				goto bad_syntax;
			if (last < first) {
				pos = item;
				goto bad_syntax;
			}
		}
		if (pos < end) {
			if (s[pos] != ',')
				goto bad_syntax;
			pos++;
			if (pos == end) /* a trailing comma is an empty item */
				goto bad_syntax;
		}
		if (last >= CPU_SETSIZE) {
			if (!clip) {
				if (err_off)
					*err_off = item;
				return -ERANGE;
			}
			was_clipped = true;
			if (first >= CPU_SETSIZE)
				continue;
			last = CPU_SETSIZE - 1;
		}
		for (uint32_t c = first; c <= last; c++)
			CPU_SET(c, &tmp);
	}
	*set = tmp;
	if (clipped)
		*clipped = was_clipped;
	return 0;

bad_syntax:
	if (err_off)
		*err_off = pos;
	return -EINVAL;
}

int cpulist_parse(const char *s, cpu_set_t *set, size_t *err_off)
{
	if (!s)
		return -EINVAL;
	return cpulist_parse_n(s, strlen(s), set, false, NULL, err_off);
}

int cpulist_last(const cpu_set_t *set)
{
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, set))
			return c;
	return -1;
}

size_t cpulist_format(const cpu_set_t *set, char *buf, size_t size)
{
	size_t need = 0;
	int c = 0;

	if (size)
		buf[0] = '\0';
	while (c < CPU_SETSIZE) {
		char item[32];
		int first, n;

		if (!CPU_ISSET(c, set)) {
			c++;
			continue;
		}
		first = c;
		while (c + 1 < CPU_SETSIZE && CPU_ISSET(c + 1, set))
			c++;
		if (c == first)
			n = snprintf(item, sizeof(item), "%s%d", need ? "," : "", first);
		else
			n = snprintf(item, sizeof(item), "%s%d-%d", need ? "," : "", first, c);
		if (n > 0) {
			if (need + (size_t)n < size)
				memcpy(buf + need, item, (size_t)n + 1);
			else if (need < size)
				buf[need] = '\0';
			need += (size_t)n;
		}
		c++;
	}
	return need;
}
