/* SPDX-License-Identifier: MIT */
/*
 * ACPI table lookup (RSDP by the standard memory scan, then XSDT or RSDT) and the MADT's
 * processor entries: Local APIC (type 0) and Local x2APIC (type 9).
 */
#ifndef GUEST_X86_ACPI_H
#define GUEST_X86_ACPI_H

#include "fw/acpi.h" /* struct acpi_rsdp, acpi_table_header, the MADT's entries */
#include "types.h"

struct madt_cpu {
	u32 apic_id;
	u32 acpi_uid;
	bool enabled;	     /* present at boot */
	bool online_capable; /* may be brought up later (hot-add) */
	bool x2apic_entry;   /* type 9 */
};

/* NULL when no RSDP with a valid checksum is found. */
const struct acpi_rsdp *acpi_find_rsdp(void);
/* The first table with @sig (4 characters) listed in the XSDT or RSDT, or NULL. */
const struct acpi_table_header *acpi_find_table(const char *sig);
/* 0 when the bytes of the table sum to 0 (mod 256). */
int acpi_checksum(const void *p, size_t len);

/*
 * Calls @fn for every processor entry that is enabled or online-capable, in table order,
 * skipping repeated APIC IDs. Returns the number of entries passed, or -ENOENT when there
 * is no MADT.
 */
int madt_for_each_cpu(void (*fn)(const struct madt_cpu *cpu, void *ctx), void *ctx);

#endif
