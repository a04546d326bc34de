/* SPDX-License-Identifier: MIT */
/*
 * Formatted output. Conversions: %d %i %u %x %X %o %c %s %p %% with flags '-' '0' ' ' '+'
 * '#', a width (digits or *), a precision for %s and integers, and the length modifiers
 * hh h l ll z t j.
 *
 * printf() writes to the console (COM1) and holds the console lock for the whole call,
 * so one printf() call never interleaves with another CPU's output.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include "types.h"

typedef void (*emit_fn)(void *ctx, const char *s, size_t n);

/* Formats through @emit; returns the number of characters produced. */
int vcbprintf(emit_fn emit, void *ctx, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __printf(1, 2);
/* Writes a string as it is (no newline added). */
void puts(const char *s);

#endif
