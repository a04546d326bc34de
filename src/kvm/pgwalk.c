// SPDX-License-Identifier: MIT
#include "kvm/pgwalk.h"

#include <errno.h>

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
