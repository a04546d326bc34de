/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/boot: the boot GDT, the ELF64 entry page tables and the BSP register
 * state of docs/architecture.md §2.3.
 */
#ifndef HVEMU_BOOT_ENTRY_H
#define HVEMU_BOOT_ENTRY_H

#include <stdint.h>

#include "boot/load.h"

/* GDT entries written at BOOT_GDT_GPA: null, code, data; Linux: null, null, code, data. */
#define BOOT_GDT_ENTRIES       3
#define BOOT_GDT_LINUX_ENTRIES 4

/*
 * Clears hvemu's private boot area (BOOT_PRIVATE_GPA..BOOT_UNUSED_GPA), writes the GDT and,
 * for the 64-bit modes, the page tables; fills the register fields of *e for entry at rip
 * with the boot information (Multiboot information, hvm_start_info or boot_params) at
 * info. -EFAULT when ram does not cover the area.
 */
int boot_entry_setup(const struct guest_ram *ram, enum boot_mode mode, uint64_t rip, uint64_t info,
		     struct boot_entry *e);

#endif
