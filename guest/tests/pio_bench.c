// SPDX-License-Identifier: MIT
/*
 * pio_bench.elf: n=COUNT (default 100000) `inl` from a port no device claims (0x3E0: not
 * used by hvemu, nor by QEMU's PC machine with -nodefaults), in blocks of block=COUNT
 * (default 100), each block timed with rdtsc. The same image runs under hvemu and under
 * QEMU (bench/40_pio_qemu.sh); both run on the same host TSC, so the figures compare
 * directly: in TSC cycles (the guest's own TSC calibration may be off on a busy host). The
 * median block is robust to the moments a busy host takes the vCPU away. Prints
 *	BENCH pio_in_cycles median=<cycles per inl> p99=<cycles per inl> n=<blocks>
 *	BENCH pio_in_ns median=<ns per inl> p99=<ns per inl> n=<blocks>
 */
#include "libguest.h"
#include "testlib/samples.h"

#define PIO_BENCH_PORT 0x3E0

/*
 * count `inl` from the port. The loop is written out so that bench/kvm_floor.c can run the
 * same bytes (ED 48 83 C1 01 01 C3 49 39 CC 75 F4) with no VMM around them.
 */
static u32 in_loop(u64 count)
{
	register u64 end asm("r12") = count;
	u64 i = 0;
	u32 sum = 0, v;

	asm volatile("1: in (%%dx), %%eax\n"
		     "add $1, %%rcx\n"
		     "add %%eax, %%ebx\n"
		     "cmp %%rcx, %%r12\n"
		     "jne 1b"
		     : "+c"(i), "+b"(sum), "=&a"(v)
		     : "d"(PIO_BENCH_PORT), "r"(end)
		     : "cc");
	return sum;
}

int main(void)
{
	u64 n = cmdline_u64("n", 100000), block = cmdline_u64("block", 100), t0, total = 0;
	struct samples s;
	u32 sum = 0;

	if (!block || n < block || n / block > 1000000) {
		printf("pio_bench: n must be a multiple of block, at most 10^6 blocks\n");
		return 1;
	}
	s.n = (u32)(n / block);
	s.v = alloc_pages(ALIGN_UP(s.n * sizeof(u64), PAGE_SIZE) / PAGE_SIZE);
	if (!s.v) {
		printf("pio_bench: no memory for %u samples\n", s.n);
		return 1;
	}
	bool cli = cmdline_has("cli");
	u64 flags = cli ? irq_save() : 0;

	for (u32 b = 0; b < s.n; b++) {
		t0 = rdtsc();
		sum += in_loop(block);
		s.v[b] = (rdtsc() - t0) / block;
		total += s.v[b] * block;
	}
	if (cli)
		irq_restore(flags);
	printf("BENCH pio_total_ms=%lu sum=%u\n",
	       (unsigned long)(tsc_cycles_to_ns(total) / 1000000), sum);
	samples_sort(&s);
	printf("BENCH pio_in_cycles median=%lu p99=%lu n=%u\n", (unsigned long)s.v[s.n / 2],
	       (unsigned long)s.v[(u64)s.n * 99 / 100], s.n);
	samples_report("pio_in_ns", &s);
	return 0;
}
