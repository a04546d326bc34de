// SPDX-License-Identifier: MIT
#include "kvm/pgwalk.h"

#include <errno.h>

#include "x86/msr-index.h"
#include "x86/pgtable.h"
#include "x86/processor-flags.h"

int pgwalk_long_mode(const struct guest_ram *ram, uint64_t cr3, uint64_t cr4, uint64_t gva,
		     uint64_t *gpa)
{
	int levels = (cr4 & X86_CR4_LA57) ? 5 : 4;
	unsigned va_bits = (unsigned)(12 + PT_LEVEL_BITS * levels);
	uint64_t table = cr3 & PTE_ADDR_MASK;
	int64_t sext = (int64_t)(gva << (64 - va_bits)) >> (64 - va_bits);

	if ((uint64_t)sext != gva)
		return -EINVAL;
	for (int level = levels; level >= 1; level--) {
		unsigned shift = (unsigned)(12 + PT_LEVEL_BITS * (level - 1));
		uint64_t idx = (gva >> shift) & (PT_ENTRIES - 1);
		const uint64_t *ep = guest_ram_ptr(ram, table + idx * 8, 8);
		uint64_t e;

		if (!ep)
			return -EFAULT;
		e = __atomic_load_n(ep, __ATOMIC_RELAXED);
		if (!(e & PTE_PRESENT))
			return -EFAULT;
		/* 1 GiB (level 3) and 2 MiB (level 2) pages. */
		if ((level == 2 || level == 3) && (e & PTE_PS)) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = (e & PTE_ADDR_MASK & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

static int read_entry(const struct guest_ram *ram, uint64_t gpa, unsigned size, uint64_t *e)
{
	const void *p = guest_ram_ptr(ram, gpa, size);

	if (!p)
		return -EFAULT;
	if (size == 4)
		*e = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	else
		*e = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	return *e & PTE_PRESENT ? 0 : -EFAULT;
}

/* Intel SDM vol. 3 "32-Bit Paging": 1024-entry tables, 4 MiB pages with PSE. */
static int walk_32bit(const struct guest_ram *ram, const struct pgwalk_regs *regs, uint32_t la,
		      uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_entry(ram, (regs->cr3 & 0xfffff000u) + (la >> 22) * 4u, 4, &pde))
		return -EFAULT;
	if ((pde & PTE_PS) && (regs->cr4 & X86_CR4_PSE)) {
		/* Bits 20:13 of the PDE are physical address bits 39:32 (PSE-36). */
		*gpa = (pde & 0xffc00000u) | ((pde >> 13) & 0xff) << 32 | (la & 0x3fffff);
		return 0;
	}
	if (read_entry(ram, (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4u, 4, &pte))
		return -EFAULT;
	*gpa = (pte & 0xfffff000u) | (la & 0xfff);
	return 0;
}

/* Intel SDM vol. 3 "PAE Paging": 4 PDPTEs, then 512-entry tables, 2 MiB pages. */
static int walk_pae(const struct guest_ram *ram, const struct pgwalk_regs *regs, uint32_t la,
		    uint64_t *gpa)
{
	uint64_t e;

	if (read_entry(ram, (regs->cr3 & 0xffffffe0u) + (la >> 30) * 8u, 8, &e) ||
	    read_entry(ram, (e & PTE_ADDR_MASK) + ((la >> 21) & 0x1ff) * 8u, 8, &e))
		return -EFAULT;
	if (e & PTE_PS) {
		*gpa = (e & PTE_ADDR_MASK & ~0x1fffffull) | (la & 0x1fffff);
		return 0;
	}
	if (read_entry(ram, (e & PTE_ADDR_MASK) + ((la >> 12) & 0x1ff) * 8u, 8, &e))
		return -EFAULT;
	*gpa = (e & PTE_ADDR_MASK) | (la & 0xfff);
	return 0;
}

int pgwalk_translate(const struct guest_ram *ram, const struct pgwalk_regs *regs, uint64_t la,
		     uint64_t *gpa)
{
	if (regs->efer & EFER_LMA)
		return pgwalk_long_mode(ram, regs->cr3, regs->cr4, la, gpa);
	if (!(regs->cr0 & X86_CR0_PG)) {
		*gpa = la & 0xffffffffu;
		return 0;
	}
	if (regs->cr4 & X86_CR4_PAE)
		return walk_pae(ram, regs, (uint32_t)la, gpa);
	return walk_32bit(ram, regs, (uint32_t)la, gpa);
}
