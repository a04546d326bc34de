/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/boot: the PVH boot protocol (Xen docs/misc/pvh.pandoc), as Firecracker,
 * Cloud Hypervisor and QEMU boot a Linux vmlinux: the entry point from the ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY, and the struct hvm_start_info (version 1) with the memory
 * map, the command line and the initrd as module 0. Planning is separate from writing, so
 * a load that cannot fit writes nothing.
 */
#ifndef HVEMU_BOOT_PVH_H
#define HVEMU_BOOT_PVH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/e820.h"
#include "boot/layout.h"

/*
 * The 32-bit entry point of a PVH kernel, from the descriptor of its PHYS32_ENTRY note
 * (4 bytes, or 8 with the upper half 0). -ENOEXEC with a message otherwise.
 */
int pvh_note_entry(const uint8_t *desc, uint32_t desc_len, uint64_t *entry, char *err,
		   size_t errlen);

struct pvh_input {
	const char *cmdline; /* --cmdline text; NULL reads as "" */
	bool has_module;
	const uint8_t *module; /* module 0 (the initrd) */
	uint64_t module_size;
	uint64_t start; /* lowest GPA the boot data may use (above the kernel) */
};

struct pvh_layout {
	uint64_t mod_start; /* module 0, when has_module */
	uint64_t info;	    /* struct hvm_start_info */
	uint64_t modlist;   /* struct hvm_modlist_entry[1], 0 without a module */
	uint64_t memmap;    /* struct hvm_memmap_table_entry[map_count] */
	uint64_t cmdline;
	uint64_t cmdline_len;
	uint64_t end; /* first page above all of it */
	int map_count;
	struct boot_e820_entry map[BOOT_E820_MAX];
};

/* -ENOSPC with a message when the pieces do not fit in low RAM, -EINVAL for bad RAM. */
int pvh_plan(const struct guest_ram *ram, const struct pvh_input *in, struct pvh_layout *l,
	     char *err, size_t errlen);
/* Copies the module and writes the start info as planned; -EFAULT on a plan/RAM mismatch. */
int pvh_write(const struct guest_ram *ram, const struct pvh_input *in, const struct pvh_layout *l);

#endif
