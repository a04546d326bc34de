/* SPDX-License-Identifier: MIT */
/*
 * Futex wait/wake on a 32-bit atomic word: the building block for every
 * cross-thread wait in hvemu (kick acknowledgements, suspended vCPUs, parked vCPUs).
 */
#ifndef HVEMU_UTIL_FUTEX_H
#define HVEMU_UTIL_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Sleeps while *addr == expected, at most timeout_ns (0 = no limit).
 * Returns 0 when woken or when *addr != expected, -ETIMEDOUT, or -EINTR.
 * Spurious returns are possible: callers re-check their condition.
 */
int futex_wait(_Atomic uint32_t *addr, uint32_t expected, uint64_t timeout_ns);
/* Wakes up to n waiters (INT32_MAX for all). */
void futex_wake(_Atomic uint32_t *addr, int n);

/*
 * Waits until *addr != val or the deadline (CLOCK_MONOTONIC ns) passes.
 * Returns 0 or -ETIMEDOUT. Spins briefly first: the waits it serves are short.
 */
int futex_wait_change(_Atomic uint32_t *addr, uint32_t val, uint64_t deadline_ns);

#endif
