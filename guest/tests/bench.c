// SPDX-License-Identifier: MIT
/*
 * bench.elf: measurements for `make bench`. Options: test=exit|cpuid|ipi|all (default
 * exit), n=COUNT (default 10000). Each measurement prints one line:
 *
 *	BENCH <name> median=<ns> p99=<ns> n=<count>
 *
 * rdtsc_pair_ns: two back-to-back rdtsc at CPL0 (the timing overhead in every figure).
 * exit_roundtrip_ns: one `out` to the test device's ECHO port (0x5A0) at CPL0, timed
 *   with rdtsc around it (the rdtsc overhead is included).
 * cpuid_ns: `cpuid` at CPL0 (KVM answers it in the kernel).
 * ipi_roundtrip_ns: a cross-CPU call to CPU 1 and its acknowledgement (needs 2 CPUs).
 * The timing loops are tight; sorting the samples runs at CPL3 (natively).
 */
#include "libguest.h"
#include "testlib/tdev.h"
#include "testlib/samples.h"

static void bench_exit(struct samples *s)
{
	u64 *v = s->v;
	u32 n = s->n;

	for (u32 i = 0; i < n; i++) {
		u64 t0 = rdtsc();

		v[i] = rdtsc() - t0;
	}
	samples_report("rdtsc_pair_ns", s);
	for (u32 i = 0; i < n; i++) {
		u64 t0 = rdtsc();

		outl(TDEV_PORT_ECHO, i);
		v[i] = rdtsc() - t0;
	}
	samples_report("exit_roundtrip_ns", s);
}

static void bench_cpuid(struct samples *s)
{
	for (u32 i = 0; i < s->n; i++) {
		u64 t0 = rdtsc();

		cpuid(0);
		s->v[i] = rdtsc() - t0;
	}
	samples_report("cpuid_ns", s);
}

static void nop_call(void *arg)
{
	(void)arg;
}

static void bench_ipi(struct samples *s)
{
	if (smp_nr_online() < 2) {
		printf("BENCH ipi_roundtrip_ns skipped: needs 2 CPUs\n");
		return;
	}
	for (u32 i = 0; i < s->n; i++) {
		u64 t0 = rdtsc();

		on_cpu(1, nop_call, NULL);
		s->v[i] = rdtsc() - t0;
	}
	samples_report("ipi_roundtrip_ns", s);
}

int main(void)
{
	struct samples s;
	char test[16] = "exit";
	bool all;

	s.n = (u32)cmdline_u64("n", 10000);
	if (s.n < 1 || s.n > 10000000) {
		printf("bench: n must be 1..10000000\n");
		return 1;
	}
	s.v = alloc_pages(ALIGN_UP((u64)s.n * sizeof(u64), PAGE_SIZE) / PAGE_SIZE);
	if (!s.v) {
		printf("bench: no memory for %u samples\n", s.n);
		return 1;
	}
	cmdline_get_str("test", test, sizeof(test));
	all = !strcmp(test, "all");
	printf("BENCH tsc_khz value=%lu\n", (unsigned long)tsc_khz());
	if (all || !strcmp(test, "exit"))
		bench_exit(&s);
	if (all || !strcmp(test, "cpuid"))
		bench_cpuid(&s);
	if (all || !strcmp(test, "ipi"))
		bench_ipi(&s);
	if (!all && strcmp(test, "exit") != 0 && strcmp(test, "cpuid") != 0 &&
	    strcmp(test, "ipi") != 0) {
		printf("bench: unknown test=%s (exit, cpuid, ipi, all)\n", test);
		return 1;
	}
	return 0;
}
