// SPDX-License-Identifier: MIT
#include "boot/e820.h"

#include <errno.h>

#include "boot/layout.h"
#include "util/compiler.h"

/* The rows of §2.1 below 1 MiB: fixed, whatever the RAM size. */
static const struct boot_e820_entry low_rows[] = {
	{ 0, BOOT_LOW_RAM_END, BOOT_E820_RAM },
	{ BOOT_EBDA_GPA, BOOT_STEAL_TIME_GPA - BOOT_EBDA_GPA, BOOT_E820_RESERVED },
	{ BOOT_STEAL_TIME_GPA, BOOT_PRIVATE_GPA - BOOT_STEAL_TIME_GPA, BOOT_E820_RESERVED },
	{ BOOT_PRIVATE_GPA, BOOT_UNUSED_GPA - BOOT_PRIVATE_GPA, BOOT_E820_RESERVED },
	{ BOOT_UNUSED_GPA, BOOT_ACPI_GPA - BOOT_UNUSED_GPA, BOOT_E820_RESERVED },
	{ BOOT_ACPI_GPA, BOOT_ACPI_END - BOOT_ACPI_GPA, BOOT_E820_RESERVED },
	{ BOOT_BIOS_GPA, BOOT_BIOS_END - BOOT_BIOS_GPA, BOOT_E820_RESERVED },
};

int boot_e820_build_split(uint64_t low_size, uint64_t high_size, struct boot_e820_entry *out,
			  size_t max)
{
	size_t n = 0, need;

	if (low_size < BOOT_MIN_RAM_SIZE || low_size > BOOT_LOW_RAM_MAX ||
	    (high_size && low_size != BOOT_LOW_RAM_MAX) ||
	    high_size > UINT64_MAX - BOOT_RAM_4G_BASE)
		return -EINVAL;
	need = ARRAY_SIZE(low_rows) + 1 + (high_size ? 1 : 0);
	if (!out || max < need)
		return -ENOSPC;
	for (size_t i = 0; i < ARRAY_SIZE(low_rows); i++)
		out[n++] = low_rows[i];
	out[n++] = (struct boot_e820_entry){ BOOT_HIGH_RAM_BASE, low_size - BOOT_HIGH_RAM_BASE,
					     BOOT_E820_RAM };
	if (high_size)
		out[n++] = (struct boot_e820_entry){ BOOT_RAM_4G_BASE, high_size, BOOT_E820_RAM };
	return (int)n;
}

int boot_e820_build(uint64_t ram_size, struct boot_e820_entry *out, size_t max)
{
	uint64_t low, high;
	int ret = guest_ram_split(ram_size, &low, &high);

	if (ret)
		return ret;
	return boot_e820_build_split(low, high, out, max);
}
