// SPDX-License-Identifier: MIT
#include "x86/tsc.h"
#include "x86/processor.h"
#include "x86/percpu.h"
#include "printf.h"

#define PIT_HZ		   1193182ull
#define PIT_CH2		   0x42
#define PIT_CMD		   0x43
#define PIT_GATE_PORT	   0x61
#define CALIBRATE_MS	   10
#define CALIBRATE_POLLS    200000 /* far more than 10 ms worth of exits */
#define FALLBACK_KHZ	   1000000

static u64 khz;

static u64 calibrate_pit(void)
{
	u64 count = PIT_HZ * CALIBRATE_MS / 1000;
	u64 t0, t1;
	u8 gate;
	int i;

	/* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0 (one-shot), binary. */
	gate = inb(PIT_GATE_PORT);
	outb(PIT_GATE_PORT, (gate & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	/* Counting starts with the second write; OUT2 (port 0x61 bit 5) rises at zero. */
	t0 = rdtsc();
	for (i = 0; i < CALIBRATE_POLLS; i++) {
		if (inb(PIT_GATE_PORT) & 0x20)
			break;
	}
	t1 = rdtsc();
	outb(PIT_GATE_PORT, gate);
	if (i == CALIBRATE_POLLS || i == 0)
		return 0;
	return (t1 - t0) * PIT_HZ / count / 1000;
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
