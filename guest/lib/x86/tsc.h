/* SPDX-License-Identifier: MIT */
/*
 * The TSC clock, calibrated once at boot against PIT channel 2 (the in-kernel PIT): a
 * 10 ms one-shot count, timed by polling the channel's output through port 0x61. Each
 * poll is an exit to KVM (a few microseconds), so the frequency is known to about 0.1%.
 */
#ifndef GUEST_X86_TSC_H
#define GUEST_X86_TSC_H

#include "types.h"

void tsc_calibrate(void);
/* TSC frequency in kHz (0 before calibration). */
u64 tsc_khz(void);
u64 tsc_cycles_to_ns(u64 cycles);
u64 tsc_ms_to_cycles(u64 ms);
u64 tsc_us_to_cycles(u64 us);
/* Nanoseconds since the runtime started (boot CPU's first C instruction). */
u64 now_ns(void);
void udelay(u64 us);
void mdelay(u64 ms);

#endif
