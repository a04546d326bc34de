// SPDX-License-Identifier: MIT
#include "cmdline.h"
#include "string.h"

static const char *args = "";

void cmdline_init(const char *full)
{
	const char *p = full ? full : "";
	const char *w;

	while (*p == ' ')
		p++;
	w = p;
	while (*p && *p != ' ')
		p++;
	/* A first word with '=' is an option, not a kernel path. */
	for (const char *q = w; q < p; q++) {
		if (*q == '=') {
			args = w;
			return;
		}
	}
	while (*p == ' ')
		p++;
	args = p;
}

const char *cmdline_args(void)
{
	return args;
}

/* Finds the word for @key; sets *val and *len to its value (empty for a bare flag). */
static bool find(const char *key, const char **val, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = args;

	while (*p) {
		const char *w = p;

		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) >= klen && !strncmp(w, key, klen) &&
		    (w + klen == p || w[klen] == '=')) {
			const char *v = w + klen;

			if (*v == '=')
				v++;
			*val = v;
			*len = (size_t)(p - v);
			return true;
		}
		while (*p == ' ')
			p++;
	}
	return false;
}

bool cmdline_has(const char *key)
{
	const char *v;
	size_t n;

	return find(key, &v, &n);
}

int cmdline_get_str(const char *key, char *buf, size_t size)
{
	const char *v;
	size_t n;

	if (!find(key, &v, &n))
		return -ENOENT;
	if (!size)
		return -E2BIG;
	if (n >= size) {
		memcpy(buf, v, size - 1);
		buf[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

int cmdline_get_u64(const char *key, u64 *val)
{
	char buf[32];
	const char *end;
	u64 v;
	int r = cmdline_get_str(key, buf, sizeof(buf));

	if (r == -E2BIG)
		return -EINVAL;
	if (r)
		return r;
	if (parse_u64(buf, &end, &v) || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

u64 cmdline_u64(const char *key, u64 def)
{
	u64 v;

	return cmdline_get_u64(key, &v) ? def : v;
}
