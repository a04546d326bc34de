/* SPDX-License-Identifier: MIT */
/*
 * ACPI table lookup (RSDP by the standard memory scan, then XSDT or RSDT) and the MADT's
 * processor entries: Local APIC (type 0) and Local x2APIC (type 9).
 */
#ifndef GUEST_X86_ACPI_H
#define GUEST_X86_ACPI_H

#include "types.h"

struct __packed acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt_address;
	u32 length; /* revision >= 2 from here on */
	u64 xsdt_address;
	u8 extended_checksum;
	u8 reserved[3];
};

struct __packed acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
};

#define MADT_LAPIC	    0
#define MADT_X2APIC	    9
#define MADT_ENABLED	    (1u << 0)
#define MADT_ONLINE_CAPABLE (1u << 1)

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
const struct acpi_header *acpi_find_table(const char *sig);
/* 0 when the bytes of the table sum to 0 (mod 256). */
int acpi_checksum(const void *p, size_t len);

/*
 * Calls @fn for every processor entry that is enabled or online-capable, in table order,
 * skipping repeated APIC IDs. Returns the number of entries passed, or -ENOENT when there
 * is no MADT.
 */
int madt_for_each_cpu(void (*fn)(const struct madt_cpu *cpu, void *ctx), void *ctx);

#endif
