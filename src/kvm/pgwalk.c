// SPDX-License-Identifier: MIT
#include "kvm/pgwalk.h"

#include <errno.h>

#define PTE_PRESENT   (1ull << 0)
#define PTE_LARGE     (1ull << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define CR4_LA57      (1ull << 12)

int pgwalk_long_mode(const struct guest_ram *ram, uint64_t cr3, uint64_t cr4, uint64_t gva,
		     uint64_t *gpa)
{
	int levels = (cr4 & CR4_LA57) ? 5 : 4;
	unsigned va_bits = (unsigned)(12 + 9 * levels);
	uint64_t table = cr3 & PTE_ADDR_MASK;
	int64_t sext = (int64_t)(gva << (64 - va_bits)) >> (64 - va_bits);

	if ((uint64_t)sext != gva)
		return -EINVAL;
	for (int level = levels; level >= 1; level--) {
		unsigned shift = (unsigned)(12 + 9 * (level - 1));
		uint64_t idx = (gva >> shift) & 0x1ff;
		const uint64_t *ep = guest_ram_ptr(ram, table + idx * 8, 8);
		uint64_t e;

		if (!ep)
			return -EFAULT;
		e = __atomic_load_n(ep, __ATOMIC_RELAXED);
		if (!(e & PTE_PRESENT))
			return -EFAULT;
		/* 1 GiB (level 3) and 2 MiB (level 2) pages. */
		if ((level == 2 || level == 3) && (e & PTE_LARGE)) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = (e & PTE_ADDR_MASK & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}
