/* SPDX-License-Identifier: MIT */
/*
 * Command-line options. The Multiboot command line is "<kernel path> <arguments>" (as
 * GRUB, QEMU and hvemu form it); the first word is skipped unless it contains '='.
 * Arguments are space-separated words "key=value" or "flag" (no quoting).
 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include "types.h"

void cmdline_init(const char *full);
/* The arguments after the kernel path ("" when none). */
const char *cmdline_args(void);
/* True when the word "key" or "key=..." is present. */
bool cmdline_has(const char *key);
/* Copies the value of key=value; returns 0, -ENOENT (absent) or -E2BIG (truncated). */
int cmdline_get_str(const char *key, char *buf, size_t size);
/* Parses the value as a number (decimal or 0x hex): 0, -ENOENT or -EINVAL. */
int cmdline_get_u64(const char *key, u64 *val);
/* The value, or @def when the option is absent or not a number. */
u64 cmdline_u64(const char *key, u64 def);

#endif
