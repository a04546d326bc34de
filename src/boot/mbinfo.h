/* SPDX-License-Identifier: MIT */
/*
 * The Multiboot information structure (Multiboot 0.6.96 §3.3) hvemu gives both Multiboot
 * and ELF64 kernels: memory sizes, the §2.1 memory map, the command line formed as QEMU
 * forms it, the boot loader name and the modules. Planning (where everything goes, and
 * whether it fits) is separate from writing, so a load that cannot fit writes nothing.
 */
#ifndef HVEMU_BOOT_MBINFO_H
#define HVEMU_BOOT_MBINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/e820.h"
#include "boot/layout.h"
#include "fw/multiboot.h" /* struct multiboot_info, its flags, module list, memory map */

#define MULTIBOOT_INFO_SIZE sizeof(struct multiboot_info) /* through the framebuffer fields */
#define MULTIBOOT_MOD_SIZE  sizeof(struct multiboot_mod_list)
#define MULTIBOOT_MMAP_SIZE sizeof(struct multiboot_mmap_entry)
/* An entry's size field counts the bytes after itself. */
#define MULTIBOOT_MMAP_SIZE_FIELD (MULTIBOOT_MMAP_SIZE - sizeof(uint32_t))
#define BOOT_LOADER_NAME	  "hvemu"

struct mbi_input {
	const char *kernel_path; /* NULL reads as "" */
	const char *cmdline;	 /* --cmdline text; NULL reads as "" */
	bool has_module;
	const uint8_t *module; /* module 0 (the initrd) */
	uint64_t module_size;
	const char *module_path; /* its string; NULL reads as "" */
	uint64_t start;		 /* lowest GPA the boot data may use (above the kernel) */
};

struct mbi_layout {
	uint64_t mod_start, mod_end; /* module 0, when has_module */
	uint64_t info;		     /* the multiboot_info structure */
	uint64_t mods;		     /* module list (0 when there are no modules) */
	uint64_t mmap;
	uint64_t cmdline;
	uint64_t mod_string;
	uint64_t loader_name;
	uint64_t end;		     /* first page above all of it */
	uint64_t path_len, args_len; /* strlen of the two halves of the command line */
	uint64_t mod_string_len;
	int mmap_count;
	struct boot_e820_entry map[BOOT_E820_MAX];
};

/*
 * Places module 0 and each piece of boot data on its own page boundary from in->start up,
 * all inside low RAM. -ENOSPC with a message when it does not fit, -EINVAL for bad RAM.
 */
int mbi_plan(const struct guest_ram *ram, const struct mbi_input *in, struct mbi_layout *l,
	     char *err, size_t errlen);

/* Copies the module and writes the information as planned. 0, or -EFAULT if the plan
 * does not match ram (a caller bug). */
int mbi_write(const struct guest_ram *ram, const struct mbi_input *in, const struct mbi_layout *l);

#endif
