/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/boot: the Linux/x86 boot protocol (Linux Documentation/arch/x86/
 * boot.rst). A bzImage's setup header is checked (magic, boot_flag, protocol >= 2.06,
 * the 64-bit entry, alignment, init_size), its protected-mode kernel is placed at the
 * preferred address, and the zero page (struct boot_params) gets hvemu's e820 map, the
 * command line, the initrd and the ACPI RSDP. The kernel is entered at its 64-bit entry
 * (startup_64, load address + 0x200) in long mode with RSI = the zero page.
 */
#ifndef HVEMU_BOOT_BZIMAGE_H
#define HVEMU_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/load.h"

/* True when the file carries a Linux setup header ("HdrS" at offset 0x202). */
bool bzimage_detect(const uint8_t *data, size_t size);

/* boot_load for a file bzimage_detect accepted; same contract. */
int bzimage_load(const struct guest_ram *ram, const struct boot_image *kernel,
		 const struct boot_image *initrd, const char *cmdline, struct boot_entry *entry,
		 char *err, size_t errlen);

#endif
