/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a hardware-reduced platform (ACPI 6.3): RSDP -> XSDT -> FADT (-> DSDT)
 * and MADT. Only what hvemu's platform has: local APICs / x2APICs for every vCPU slot,
 * one IOAPIC, the ISA overrides, sleep control and reset registers in I/O space, and a
 * DSDT that declares S5 so an OS knows how to power off.
 */
#ifndef HVEMU_BOOT_ACPI_H
#define HVEMU_BOOT_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"
#include "boot/tables.h"
#include "fw/acpi.h" /* table layouts, MADT entry types and flags */

#define ACPI_RSDP_GPA	   BOOT_BIOS_GPA /* 16-byte aligned, in the BIOS area scan */
#define ACPI_OEM_ID	   "HVEMU "
#define ACPI_OEM_TABLE_ID  "HVEMUVM "
#define ACPI_RSDP_REVISION 2
#define ACPI_XSDT_REVISION 1
#define ACPI_RSDT_REVISION 1
#define ACPI_FADT_REVISION 6
#define ACPI_FADT_MINOR	   3 /* 6.3: the MADT online-capable flag is defined */
#define ACPI_MADT_REVISION 5
#define ACPI_DSDT_REVISION 2
#define ACPI_SCI_IRQ	   9 /* what the MADT's IRQ9 override describes */

/* FADT flags. */
#define ACPI_FADT_WBINVD	  (1u << 0)
#define ACPI_FADT_PWR_BUTTON	  (1u << 4)
#define ACPI_FADT_SLP_BUTTON	  (1u << 5)
#define ACPI_FADT_RESET_REG_SUP	  (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)
/* IAPC_BOOT_ARCH flags. */
#define ACPI_IAPC_LEGACY_DEVICES       (1u << 0)
#define ACPI_IAPC_VGA_NOT_PRESENT      (1u << 2)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* The DSDT's AML (after the table header): Name (_S5, Package () { 5, 5, 0, 0 }). */
extern const uint8_t acpi_dsdt_aml[];
extern const size_t acpi_dsdt_aml_len;

/* Bytes of MADT for nslots vCPU slots. */
size_t acpi_madt_size(unsigned int nslots);

/*
 * Writes the RSDP at ACPI_RSDP_GPA and the other tables in [BOOT_ACPI_GPA, BOOT_ACPI_END)
 * (which the caller has cleared). -ENOSPC when they do not fit, -EFAULT if RAM does not
 * cover the areas.
 */
int acpi_write_tables(const struct guest_ram *ram, const struct boot_topology *t, char *err,
		      size_t errlen);

#endif
