/* SPDX-License-Identifier: MIT */
/*
 * The console: COM1. One lock serialises writers so lines from different CPUs do not
 * interleave. The lock remembers its owner: a CPU that faults while printing (or panics)
 * takes it over instead of deadlocking on itself.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "types.h"

void console_init(void);
/* Takes the console lock with interrupts disabled; returns the flags to restore. */
u64 console_lock(void);
void console_unlock(u64 flags);
void console_write_locked(const char *s, size_t n);
/* For the fatal paths: take the lock even if this CPU already holds it. */
void console_lock_force(void);

#endif
