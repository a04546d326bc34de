/* SPDX-License-Identifier: MIT */
/*
 * Firmware tables that describe the vCPU slots and interrupt controllers to the guest:
 * ACPI (RSDP, XSDT, FADT, DSDT, MADT) and the Intel MultiProcessor Specification 1.4
 * table (docs/architecture.md §2.1, §2.3). APIC ID = slot number.
 */
#ifndef HVEMU_BOOT_TABLES_H
#define HVEMU_BOOT_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"

/*
 * The vCPU slots. Slots [0, nboot) are present at boot unless present is given: then
 * it is a bitmap of nslots bits (DIV_ROUND_UP(nslots, 64) words, bit N = slot N) that
 * says which are, and nboot is ignored.
 */
struct boot_topology {
	unsigned int nslots;	 /* vCPU slots (max): 1..BOOT_MAX_SLOTS */
	unsigned int nboot;	 /* present at boot: slots 0..nboot-1 */
	const uint64_t *present; /* optional, see above */
};

static inline bool boot_topology_present(const struct boot_topology *t, unsigned int slot)
{
	if (slot >= t->nslots)
		return false;
	if (t->present)
		return (t->present[slot / 64] >> (slot % 64)) & 1;
	return slot < t->nboot;
}

/*
 * Clears 0xE0000-0xFFFFF and writes the ACPI tables and the MP table there for topology
 * t. Slot 0 (the BSP) must be present (and nboot <= nslots). 0, or -EINVAL with a
 * message in err.
 */
int boot_write_tables(const struct guest_ram *ram, const struct boot_topology *t, char *err,
		      size_t errlen);

#endif
