/* SPDX-License-Identifier: MIT */
/*
 * Freestanding string functions. The compiler may emit calls to memcpy, memset and
 * memmove for structure copies, so they must exist even though -fno-builtin is used.
 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
/* Copies at most size-1 bytes and always terminates (when size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * Parses an unsigned number: decimal, or hexadecimal with a 0x prefix. Stops at the first
 * character that is not a digit; *end (when not NULL) points there. Returns 0, or -EINVAL
 * when there is no digit and -ERANGE on overflow.
 */
int parse_u64(const char *s, const char **end, u64 *out);

#endif
