// SPDX-License-Identifier: MIT
#include "x86/tsc.h"
#include "x86/processor.h"
#include "x86/percpu.h"
#include "printf.h"

#define PIT_HZ		1193182ull
#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define CALIBRATE_MS	10
#define CALIBRATE_POLLS 200000 /* far more than 10 ms worth of exits */
#define FALLBACK_KHZ	1000000

static u64 khz;

/* Latches and reads channel 0's count (low byte, then high byte). */
static u16 pit_read_ch0(void)
{
	u8 lo, hi;

	outb(PIT_CMD, 0x00);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return lo | (u16)(hi << 8);
}

/*
 * Channel 0 in mode 0 (one-shot) from 0xffff counts down at 1.193182 MHz whatever the
 * gate (channel 2 would need the speaker port 0x61, which a VMM may not implement). The
 * elapsed ticks between two latched reads, against the TSC read right after each, give
 * the frequency; the exit costs at both ends cancel. Its one interrupt stays masked.
 */
static u64 calibrate_pit(void)
{
	u64 target = PIT_HZ * CALIBRATE_MS / 1000;
	u64 t0, t1 = 0, elapsed = 0;
	u16 c0;
	int i;

	outb(PIT_CMD, 0x30); /* channel 0, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	c0 = pit_read_ch0();
	t0 = rdtsc();
	for (i = 0; i < CALIBRATE_POLLS; i++) {
		u16 c = pit_read_ch0();

		t1 = rdtsc();
		/* Counts down and wraps: fine while less than 65536 ticks (55 ms) pass. */
		elapsed = (u16)(c0 - c);
		if (elapsed >= target)
			break;
	}
	if (i == CALIBRATE_POLLS || !elapsed)
		return 0;
	return (t1 - t0) * PIT_HZ / elapsed / 1000;
}

/* CPUID leaf 0x16 (processor base frequency in MHz), when the PIT cannot be used. */
static u64 cpuid_khz(void)
{
	if (cpuid(0).a >= 0x16)
		return (u64)(cpuid(0x16).a & 0xffff) * 1000;
	return 0;
}

void tsc_calibrate(void)
{
	khz = calibrate_pit();
	if (!khz) {
		khz = cpuid_khz();
		printf("WARN: PIT calibration failed; TSC %s\n",
		       khz ? "frequency from CPUID leaf 0x16" : "assumed to run at 1 GHz");
		if (!khz)
			khz = FALLBACK_KHZ;
	}
}

u64 tsc_khz(void)
{
	return khz;
}

u64 tsc_cycles_to_ns(u64 cycles)
{
	u64 k = khz ? khz : FALLBACK_KHZ;

	/* Split to avoid overflowing 64 bits (and a 128-bit division, which needs libgcc). */
	return cycles / k * 1000000 + cycles % k * 1000000 / k;
}

u64 tsc_ms_to_cycles(u64 ms)
{
	return ms * (khz ? khz : FALLBACK_KHZ);
}

u64 tsc_us_to_cycles(u64 us)
{
	return us * (khz ? khz : FALLBACK_KHZ) / 1000;
}

u64 now_ns(void)
{
	return tsc_cycles_to_ns(rdtsc() - per_cpu(0)->boot_tsc);
}

void udelay(u64 us)
{
	u64 end = rdtsc() + tsc_us_to_cycles(us);

	while (rdtsc() < end)
		asm volatile("pause");
}

void mdelay(u64 ms)
{
	udelay(ms * 1000);
}
