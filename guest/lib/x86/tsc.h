/* SPDX-License-Identifier: MIT */
/*
 * The TSC clock, calibrated once at boot against the PIT (KVM's in-kernel i8254): 10 ms
 * of channel 0 counting, read with latch commands. Each read is an exit to KVM (a few
 * microseconds) and the costs at both ends cancel, so the frequency is known to about
 * 0.1%. Without a PIT: CPUID leaf 0x16, else 1 GHz is assumed (with a warning).
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
