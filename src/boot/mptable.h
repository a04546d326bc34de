/* SPDX-License-Identifier: MIT */
/*
 * The Intel MultiProcessor Specification 1.4 table, for guests that do not read ACPI:
 * a floating pointer structure and a configuration table with one processor entry per
 * vCPU slot whose APIC ID fits (< 255), the ISA bus, the IOAPIC, the ISA IRQ routing and
 * the LINT0/LINT1 wiring.
 */
#ifndef HVEMU_BOOT_MPTABLE_H
#define HVEMU_BOOT_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"
#include "boot/tables.h"

#define MPTABLE_MPF_GPA	   (BOOT_BIOS_GPA + 0x40) /* after the RSDP */
#define MPTABLE_MPC_GPA	   (BOOT_BIOS_GPA + 0x50)
#define MPTABLE_SPEC_REV   4	/* MPS 1.4 */
#define MPTABLE_MAX_CPUS   255u /* APIC IDs 0-254; 255 is the broadcast ID */
#define MPTABLE_APIC_VER   0x14 /* KVM's local APIC version */
#define MPTABLE_IOAPIC_VER 0x11 /* KVM's IOAPIC version */

/* Entry types and their sizes (MPS 1.4 §4.3). */
enum {
	MP_PROCESSOR = 0,
	MP_BUS = 1,
	MP_IOAPIC = 2,
	MP_INTSRC = 3,
	MP_LINTSRC = 4,
};
#define MP_PROCESSOR_SIZE 20
#define MP_ENTRY_SIZE	  8 /* every other base-table entry */
#define MPC_HEADER_SIZE	  44
#define MPF_SIZE	  16

/* Interrupt types of I/O and local interrupt entries. */
#define MP_IRQ_INT    0
#define MP_IRQ_NMI    1
#define MP_IRQ_EXTINT 3

/*
 * The IOAPIC's ID in the MP table: the first ID above the CPUs when they leave one free
 * (nslots <= 254), as MPS 1.4 asks for unique APIC IDs; otherwise 0, the ID the MADT
 * and KVM's in-kernel IOAPIC use (see mptable.c).
 */
uint8_t mptable_ioapic_id(unsigned int nslots);

/* Bytes of configuration table (base table) for nslots slots. */
size_t mptable_size(unsigned int nslots);

/* Writes the floating pointer and the configuration table. -ENOSPC / -EFAULT. */
int mptable_write(const struct guest_ram *ram, const struct boot_topology *t, char *err,
		  size_t errlen);

#endif
