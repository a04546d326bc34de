/* SPDX-License-Identifier: MIT */
/*
 * src/boot: guest image loaders and firmware tables. Pure code: it reads image bytes and
 * writes into guest RAM buffers; the KVM backend maps the RAM and applies the returned
 * register state.
 *
 *   guest_ram_split / guest_ram_ptr      layout.h   memory map constants, RAM ranges
 *   boot_e820_build                      e820.h     the §2.1 memory map
 *   boot_read_file / boot_load           load.h     kernel (+ initrd) and entry state
 *   boot_write_tables                    tables.h   ACPI and MP tables for the vCPU slots
 */
#ifndef HVEMU_BOOT_BOOT_H
#define HVEMU_BOOT_BOOT_H

#include "boot/e820.h"
#include "boot/layout.h"
#include "boot/load.h"
#include "boot/tables.h"

#endif
