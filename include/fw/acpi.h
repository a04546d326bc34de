/* SPDX-License-Identifier: MIT */
/*
 * ACPI table layouts both sides of hvemu's firmware interface use (ACPI 6.3 §5.2.5.3
 * "Root System Description Pointer Structure", §5.2.6 "System Description Table Header",
 * §5.2.12 "Multiple APIC Description Table"): hvemu writes them (src/boot/acpi.c), the
 * guest runtime reads them (guest/lib/x86/acpi.c). Freestanding.
 */
#ifndef HVEMU_FW_ACPI_H
#define HVEMU_FW_ACPI_H

#include <stdint.h>

#define ACPI_RSDP_SIGNATURE "RSD PTR "

struct acpi_rsdp {
	char signature[8]; /* ACPI_RSDP_SIGNATURE */
	uint8_t checksum;  /* of the first 20 bytes (the ACPI 1.0 structure) */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0, only the first 20 bytes; 2: all of it */
	uint32_t rsdt_address;
	uint32_t length; /* revision >= 2 from here on */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* of all length bytes */
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_SIZE 20 /* the part ACPI 1.0 defines (revision 0) */

struct acpi_table_header {
	char signature[4];
	uint32_t length; /* of the whole table, this header included */
	uint8_t revision;
	uint8_t checksum; /* all length bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

/* The MADT ("APIC"): the header, then interrupt-controller entries of {type, length, ...}. */
struct acpi_madt {
	struct acpi_table_header h;
	uint32_t lapic_address;
	uint32_t flags; /* ACPI_MADT_PCAT_COMPAT */
} __attribute__((packed));

#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* dual 8259 PICs present */

/* MADT entry types. */
#define ACPI_MADT_LAPIC	     0
#define ACPI_MADT_IOAPIC     1
#define ACPI_MADT_ISO	     2 /* interrupt source override */
#define ACPI_MADT_LAPIC_NMI  4
#define ACPI_MADT_X2APIC     9
#define ACPI_MADT_X2APIC_NMI 10

/* Processor entry flags (Local APIC and Local x2APIC). Neither bit: not usable. */
#define ACPI_MADT_ENABLED	 (1u << 0) /* present at boot */
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1) /* absent now, may be hot-added (ACPI 6.3) */

/* APIC IDs from here up need Local x2APIC entries (§5.2.12.12). */
#define ACPI_X2APIC_FIRST_ID 255u

struct acpi_madt_lapic {
	uint8_t type, length; /* ACPI_MADT_LAPIC, 8 */
	uint8_t acpi_id;      /* ACPI processor UID */
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

struct acpi_madt_x2apic {
	uint8_t type, length; /* ACPI_MADT_X2APIC, 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_uid;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "acpi_rsdp size");
_Static_assert(__builtin_offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_SIZE,
	       "acpi_rsdp: the ACPI 2.0 fields follow the 1.0 structure");
_Static_assert(__builtin_offsetof(struct acpi_rsdp, xsdt_address) == 24, "acpi_rsdp.xsdt_address");
_Static_assert(sizeof(struct acpi_table_header) == 36, "acpi_table_header size");
_Static_assert(__builtin_offsetof(struct acpi_table_header, oem_table_id) == 16,
	       "acpi_table_header.oem_table_id");
_Static_assert(__builtin_offsetof(struct acpi_madt, lapic_address) == 36,
	       "acpi_madt.lapic_address");
_Static_assert(sizeof(struct acpi_madt) == 44, "acpi_madt size");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "acpi_madt_lapic size");
_Static_assert(__builtin_offsetof(struct acpi_madt_x2apic, x2apic_id) == 4,
	       "acpi_madt_x2apic.x2apic_id");
_Static_assert(__builtin_offsetof(struct acpi_madt_x2apic, acpi_uid) == 12,
	       "acpi_madt_x2apic.acpi_uid");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "acpi_madt_x2apic size");

#endif
