/* SPDX-License-Identifier: MIT */
/*
 * The guest's physical memory map (docs/architecture.md §2.1) as e820 / Multiboot
 * memory-map entries: one entry per row of the table, in address order. The MMIO hole
 * (3 GiB - 4 GiB) is not listed; RAM above 4 GiB is listed only when there is some.
 */
#ifndef HVEMU_BOOT_E820_H
#define HVEMU_BOOT_E820_H

#include <stddef.h>
#include <stdint.h>

enum boot_e820_type {
	BOOT_E820_RAM = 1,	/* usable (Multiboot type 1) */
	BOOT_E820_RESERVED = 2, /* reserved (Multiboot: any other value) */
};

struct boot_e820_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type; /* enum boot_e820_type */
};

/* The most entries the map has (7 rows below 1 MiB, RAM to 3 GiB, RAM above 4 GiB). */
#define BOOT_E820_MAX 9

/*
 * Fills out[0..max) with the map for a VM of ram_size bytes (split as guest_ram_split
 * does). Returns the number of entries, -EINVAL for a size guest_ram_split rejects, or
 * -ENOSPC when max is too small.
 */
int boot_e820_build(uint64_t ram_size, struct boot_e820_entry *out, size_t max);

/* The same from the two RAM ranges (low_size at GPA 0, high_size at 4 GiB). */
int boot_e820_build_split(uint64_t low_size, uint64_t high_size, struct boot_e820_entry *out,
			  size_t max);

#endif
