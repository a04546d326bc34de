// SPDX-License-Identifier: MIT
/*
 * String functions. CPL0 code is emulated on this KVM and every store costs microseconds:
 * measured per byte, a C loop costs ~4 us, rep stosb ~1 us, rep stosq ~0.07 us (0.5 us per
 * quadword). memcpy/memset therefore move quadwords, and hand blocks of USER_BULK_MIN
 * bytes and more to CPL3, which runs natively (run_user_bulk()).
 */
#include "string.h"
#include "x86/usermode.h"

struct bulk_args {
	void *dst;
	const void *src;
	size_t n;
	int c;
};

static void copy_fwd(void *d, const void *s, size_t n)
{
	size_t q = n / 8, r = n % 8;

	asm volatile("rep movsq; movq %3, %%rcx; rep movsb"
		     : "+D"(d), "+S"(s), "+c"(q)
		     : "r"(r)
		     : "memory");
}

static void fill(void *d, int c, size_t n)
{
	u64 pattern = 0x0101010101010101ull * (u8)c;
	size_t q = n / 8, r = n % 8;

	asm volatile("rep stosq; movq %3, %%rcx; rep stosb"
		     : "+D"(d), "+c"(q)
		     : "a"(pattern), "r"(r)
		     : "memory");
}

static u64 copy_user(u64 arg)
{
	const struct bulk_args *b = (const struct bulk_args *)(uintptr_t)arg;

	copy_fwd(b->dst, b->src, b->n);
	return 0;
}

static u64 fill_user(u64 arg)
{
	const struct bulk_args *b = (const struct bulk_args *)(uintptr_t)arg;

	fill(b->dst, b->c, b->n);
	return 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	struct bulk_args b = { dst, src, n, 0 };

	if (n < USER_BULK_MIN || !run_user_bulk(copy_user, (u64)(uintptr_t)&b, NULL))
		copy_fwd(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		copy_fwd(dst, src, n);
		return dst;
	}
	/* Overlapping with dst above src: copy backwards. */
	d += n - 1;
	s += n - 1;
	asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	struct bulk_args b = { dst, NULL, n, c };

	if (n < USER_BULK_MIN || !run_user_bulk(fill_user, (u64)(uintptr_t)&b, NULL))
		fill(dst, c, n);
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++) {
		if (!strncmp(haystack, needle, n))
			return (char *)haystack;
	}
	return n ? NULL : (char *)haystack;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

int parse_u64(const char *s, const char **end, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;
	int d, ndigits = 0, ret = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2], 16) >= 0) {
		base = 16;
		s += 2;
	}
	while ((d = digit_value(*s, base)) >= 0) {
		if (v > (UINT64_MAX - (u64)d) / base)
			ret = -ERANGE;
		v = v * base + (u64)d;
		ndigits++;
		s++;
	}
	if (end)
		*end = s;
	if (!ndigits)
		return -EINVAL;
	if (ret)
		return ret;
	*out = v;
	return 0;
}
