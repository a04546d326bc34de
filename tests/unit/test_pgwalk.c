// SPDX-License-Identifier: MIT
/* The user-space guest page walk used to perform the hypercall page's `ret`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kvm/pgwalk.h"
#include "x86/pgtable.h"

#define RAM (16u << 20)
/* Short names for the fixtures below. */
#define P  PTE_PRESENT
#define W  PTE_WRITE
#define PS PTE_PS

static uint64_t *pte(struct guest_ram *r, uint64_t gpa)
{
	return (uint64_t *)(r->low + gpa);
}

static void test_walks(void)
{
	struct guest_ram r = { .low = calloc(1, RAM), .low_size = RAM };
	uint64_t gpa = 0;

	/* PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
	*pte(&r, 0x1000) = 0x2000 | P | W;
	*pte(&r, 0x2000) = 0x3000 | P | W;
	*pte(&r, 0x3000 + 8 * 1) = 0x400000 | P | W | PS;      /* 2 MiB page at VA 2M */
	*pte(&r, 0x3000 + 8 * 2) = 0x4000 | P | W;	       /* PT for VA 4M..6M */
	*pte(&r, 0x4000 + 8 * 3) = 0x777000 | P | W;	       /* VA 0x403000 */
	*pte(&r, 0x2000 + 8 * 1) = 0x40000000ull | P | W | PS; /* 1 GiB page at VA 1G */
	/* Kernel half: PML4[511] -> PDPT 0x5000 -> 1 GiB page. */
	*pte(&r, 0x1000 + 8 * 511) = 0x5000 | P;
	*pte(&r, 0x5000 + 8 * 510) = 0x80000000ull | P | PS;

	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x200123, &gpa), 0);
	CHECK_EQ(gpa, 0x400123);
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x403ff8, &gpa), 0);
	CHECK_EQ(gpa, 0x777ff8);
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000 | 0x5, 0, 0x40001234ull, &gpa), 0); /* PCID bits */
	CHECK_EQ(gpa, 0x40001234ull);
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0xffffffff80001000ull, &gpa), 0);
	CHECK_EQ(gpa, 0x80001000ull);
	/* Not present at each level, non-canonical, tables outside RAM. */
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x404000, &gpa), -EFAULT);
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x600000, &gpa), -EFAULT);
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x8000000000ull, &gpa), -EFAULT);
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x0000800000000000ull, &gpa), -EINVAL);
	CHECK_EQ(pgwalk_long_mode(&r, 0x40000000ull, 0, 0x1000, &gpa), -EFAULT);
	*pte(&r, 0x3000 + 8 * 5) = 0xfff000000ull | P; /* PT beyond RAM */
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0xa00000, &gpa), -EFAULT);
	/* 5-level paging: a 57-bit address is canonical only with LA57. */
	CHECK_EQ(pgwalk_long_mode(&r, 0x1000, 0, 0x00ff000000000000ull, &gpa), -EINVAL);
	free(r.low);
}

/* The modes a hypercall page's caller may be in besides long mode. */
static void test_translate_modes(void)
{
	struct guest_ram r = { .low = calloc(1, RAM), .low_size = RAM };
	struct pgwalk_regs regs = { 0 };
	uint32_t *pd32 = (uint32_t *)(r.low + 0x1000), *pt32 = (uint32_t *)(r.low + 0x2000);
	uint64_t gpa = 0;

	/* Paging off: the linear address is physical, 32 bits outside long mode. */
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x123456, &gpa), 0);
	CHECK_EQ(gpa, 0x123456);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x100123456ull, &gpa), 0);
	CHECK_EQ(gpa, 0x123456);

	/* 32-bit paging: PD at 0x1000; a 4 KiB page and a 4 MiB page (CR4.PSE). */
	regs.cr0 = 1ull << 31 | 1;
	regs.cr3 = 0x1000;
	pd32[1] = 0x2000 | P | W;	       /* VA 4M..8M -> PT 0x2000 */
	pt32[5] = 0x9000 | P;		       /* VA 0x405000 */
	pd32[2] = 0x800000 | P | PS | 1 << 13; /* VA 8M: 4 MiB page, PSE-36 bit 32 */
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x405abc, &gpa), 0);
	CHECK_EQ(gpa, 0x9abc);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x406000, &gpa), -EFAULT);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x812345, &gpa), -EFAULT); /* PS without CR4.PSE */
	regs.cr4 = 1 << 4;
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x812345, &gpa), 0);
	CHECK_EQ(gpa, 0x100812345ull);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0xc00000, &gpa), -EFAULT);

	/* PAE: PDPT at 0x3020 (32-byte aligned), PD 0x4000, PT 0x5000; 2 MiB pages. */
	regs.cr4 = 1 << 5;
	regs.cr3 = 0x3020;
	*pte(&r, 0x3020 + 8 * 3) = 0x4000 | P; /* VA 3G.. */
	*pte(&r, 0x4000 + 8 * 1) = 0x5000 | P | W;
	*pte(&r, 0x5000 + 8 * 7) = 0xa000 | P;
	*pte(&r, 0x4000 + 8 * 2) = 0x600000 | P | PS;
	CHECK_EQ(pgwalk_translate(&r, &regs, 0xc0207123u, &gpa), 0);
	CHECK_EQ(gpa, 0xa123);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0xc0412345u, &gpa), 0);
	CHECK_EQ(gpa, 0x612345);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x00207123u, &gpa), -EFAULT); /* PDPTE 0 absent */
	*pte(&r, 0x3020) = 0xfff0000ull | P;				   /* a PD beyond RAM */
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x1000, &gpa), -EFAULT);

	/* Long mode: pgwalk_long_mode, whatever CR4.PAE says. */
	regs.efer = 1 << 10;
	regs.cr3 = 0x6000;
	*pte(&r, 0x6000) = 0x7000 | P;
	*pte(&r, 0x7000) = 0x40000000ull | P | PS;
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x3456789, &gpa), 0);
	CHECK_EQ(gpa, 0x43456789ull);
	CHECK_EQ(pgwalk_translate(&r, &regs, 0x0000800000000000ull, &gpa), -EINVAL);
	free(r.low);
}

int main(void)
{
	RUN(test_walks);
	RUN(test_translate_modes);
	return t_done();
}
