// SPDX-License-Identifier: MIT
#include "boot/layout.h"

#include <errno.h>

#include "boot/bootutil.h"

/* Pointer into one range [base, base + size) backed at host address host, or NULL. */
static void *range_ptr(uint8_t *host, uint64_t base, uint64_t size, uint64_t gpa, uint64_t len)
{
	if (!host || gpa < base)
		return NULL;
	if (!boot_range_fits(gpa - base, len, size))
		return NULL;
	return host + (gpa - base);
}

void *guest_ram_ptr(const struct guest_ram *r, uint64_t gpa, uint64_t len)
{
	void *p;

	if (!r)
		return NULL;
	if (len == 0)
		len = 1;
	p = range_ptr(r->low, 0, r->low_size, gpa, len);
	if (p)
		return p;
	return range_ptr(r->high, BOOT_RAM_4G_BASE, r->high_size, gpa, len);
}

int guest_ram_split(uint64_t total, uint64_t *low_size, uint64_t *high_size)
{
	uint64_t low, high;

	if (total < BOOT_MIN_RAM_SIZE || !IS_ALIGNED(total, BOOT_PAGE_SIZE))
		return -EINVAL;
	low = MIN(total, BOOT_LOW_RAM_MAX);
	high = total - low;
	if (high > UINT64_MAX - BOOT_RAM_4G_BASE)
		return -EINVAL;
	*low_size = low;
	*high_size = high;
	return 0;
}

int guest_ram_check(const struct guest_ram *r, char *err, size_t errlen)
{
	if (!r || !r->low) {
		boot_errf(err, errlen, "guest RAM: no low RAM mapping");
		return -EINVAL;
	}
	if (r->low_size < BOOT_MIN_RAM_SIZE || r->low_size > BOOT_LOW_RAM_MAX ||
	    !IS_ALIGNED(r->low_size, BOOT_PAGE_SIZE)) {
		boot_errf(err, errlen,
			  "guest RAM: low RAM size 0x%llx is not a multiple of 4 KiB between "
			  "0x%llx and 0x%llx",
			  (unsigned long long)r->low_size, (unsigned long long)BOOT_MIN_RAM_SIZE,
			  (unsigned long long)BOOT_LOW_RAM_MAX);
		return -EINVAL;
	}
	if (r->high_size == 0)
		return 0;
	if (!r->high || r->low_size != BOOT_LOW_RAM_MAX ||
	    !IS_ALIGNED(r->high_size, BOOT_PAGE_SIZE) ||
	    r->high_size > UINT64_MAX - BOOT_RAM_4G_BASE) {
		boot_errf(err, errlen,
			  "guest RAM: high RAM (0x%llx bytes at 4 GiB) needs a mapping, 3 GiB of "
			  "low RAM and a 4 KiB multiple size",
			  (unsigned long long)r->high_size);
		return -EINVAL;
	}
	return 0;
}
