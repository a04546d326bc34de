/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible platform layout (docs/architecture.md §2.1 and §2.2): where the
 * firmware tables, the boot GDT, page tables and stack, the steal-time areas and the
 * MMIO hole are, and guest RAM as the VMM maps it. The I/O ports of hvemu's devices (§2.2)
 * are in their headers under include/hvemu/.
 *
 * Guest RAM is at most two ranges: "low" RAM mapped at GPA 0 (at most 3 GiB, one KVM
 * memory slot that also backs the reserved areas below 1 MiB) and "high" RAM mapped at
 * 4 GiB, present only when the VM has more than 3 GiB.
 */
#ifndef HVEMU_BOOT_LAYOUT_H
#define HVEMU_BOOT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "x86/apicdef.h"

/* Memory map (§2.1). */
#define BOOT_LOW_RAM_END	  0x9FC00ull /* end of usable conventional memory */
#define BOOT_EBDA_GPA		  0x9FC00ull /* EBDA (left empty), reserved */
#define BOOT_STEAL_TIME_GPA	  0xA0000ull /* per-vCPU KVM steal-time areas */
#define BOOT_STEAL_TIME_SLOT_SIZE 64u
#define BOOT_STEAL_TIME_SLOTS	  1024u
#define BOOT_PRIVATE_GPA	  0xB0000ull /* hvemu private boot area */
#define BOOT_GDT_GPA		  0xB0000ull
#define BOOT_PT_GPA		  0xB1000ull /* ELF64 page tables: PML4, PDPT, 4 PDs */
#define BOOT_PT_END		  0xB7000ull
#define BOOT_STACK_TOP		  0xBF000ull
#define BOOT_UNUSED_GPA		  0xC0000ull
#define BOOT_ACPI_GPA		  0xE0000ull /* XSDT, MADT, FADT, DSDT */
#define BOOT_ACPI_END		  0xF0000ull
#define BOOT_BIOS_GPA		  0xF0000ull /* RSDP, MP floating pointer and table */
#define BOOT_RESET_VECTOR_GPA	  0xFFFF0ull /* F000:FFF0: a stub that requests a reset */
#define BOOT_BIOS_END		  0x100000ull
#define BOOT_HIGH_RAM_BASE	  0x100000ull	/* 1 MiB: kernel, modules, boot data */
#define BOOT_MMIO_HOLE_START	  0xC0000000ull /* 3 GiB */
#define BOOT_MMIO_HOLE_END	  0x100000000ull
#define BOOT_LOW_RAM_MAX	  BOOT_MMIO_HOLE_START
#define BOOT_RAM_4G_BASE	  0x100000000ull /* GPA of struct guest_ram.high */
#define BOOT_IOAPIC_GPA		  IO_APIC_DEFAULT_PHYS_BASE
#define BOOT_LAPIC_GPA		  APIC_DEFAULT_PHYS_BASE

#define BOOT_PAGE_SIZE 4096ull
/* The smallest VM: 1 MiB of platform areas plus room for a kernel and its boot data. */
#define BOOT_MIN_RAM_SIZE (2ull << 20)
/* vCPU slots (APIC ID = slot number). */
#define BOOT_MAX_SLOTS 1024u

_Static_assert(BOOT_STEAL_TIME_GPA + BOOT_STEAL_TIME_SLOT_SIZE * BOOT_STEAL_TIME_SLOTS ==
		   BOOT_PRIVATE_GPA,
	       "steal-time areas fill 0xA0000-0xAFFFF");
_Static_assert(BOOT_PT_END <= BOOT_STACK_TOP, "page tables below the boot stack");

struct guest_ram {
	uint8_t *low;	    /* host address of GPA 0 */
	uint64_t low_size;  /* bytes mapped at GPA 0, at most BOOT_LOW_RAM_MAX */
	uint8_t *high;	    /* host address of GPA 4 GiB, NULL when high_size is 0 */
	uint64_t high_size; /* bytes mapped at 4 GiB; non-zero only when low_size is 3 GiB */
};

/*
 * Host address of [gpa, gpa + len) when that range lies entirely inside one RAM range,
 * otherwise NULL. len 0 is treated as 1 (the pointer is then valid for one byte).
 */
void *guest_ram_ptr(const struct guest_ram *r, uint64_t gpa, uint64_t len);

/*
 * Splits a VM's total RAM into the part below the MMIO hole (low) and the part mapped
 * at 4 GiB (high). -EINVAL when total is below BOOT_MIN_RAM_SIZE, not a multiple of
 * 4 KiB, or so large that the high range would pass the end of the address space.
 */
int guest_ram_split(uint64_t total, uint64_t *low_size, uint64_t *high_size);

/*
 * Checks that r has the shape guest_ram_split produces (sizes, alignment, pointers).
 * 0, or -EINVAL with a message in err.
 */
int guest_ram_check(const struct guest_ram *r, char *err, size_t errlen);

#endif
