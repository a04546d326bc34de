/* SPDX-License-Identifier: MIT */
/*
 * Waiting without spinning: the CPU halts until a deadline, woken by its local APIC timer
 * in TSC-deadline mode (Intel SDM Vol. 3 "TSC-Deadline Mode"; CPUID.1:ECX[24]). A halted
 * vCPU's host thread sleeps, so the wait costs the host no CPU time, and when the vCPU
 * runs again it starts as a thread that has just woken, not one that has used up its
 * host scheduler slice (docs/architecture.md §4.1 says why a PV IPI's sender cares).
 *
 * Any other interrupt wakes the CPU earlier; it halts again until the deadline. The timer
 * is disarmed and its LVT masked on return, and the caller's interrupt flag is restored
 * (interrupts are enabled while it halts).
 */
#ifndef GUEST_X86_IDLE_H
#define GUEST_X86_IDLE_H

#include "types.h"

/* CPUID.1:ECX[24]: the local APIC timer has TSC-deadline mode. */
bool tsc_deadline_supported(void);
/*
 * Halts until the TSC reaches @tsc. Returns false at once, without waiting, when the CPU
 * has no TSC-deadline timer (the caller decides whether to spin instead).
 */
bool halt_until_tsc(u64 tsc);
/* halt_until_tsc() @us microseconds from now. */
bool halt_us(u64 us);

#endif
