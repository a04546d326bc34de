/* SPDX-License-Identifier: MIT */
/*
 * Boot information: what the loader passed (Multiboot v1 information, reached through
 * either entry protocol). Strings are copied into the runtime, so the allocator may reuse
 * the loader's memory except for module contents.
 */
#ifndef GUEST_X86_MULTIBOOT_H
#define GUEST_X86_MULTIBOOT_H

#include "fw/multiboot.h" /* MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_MEMORY_AVAILABLE */
#include "types.h"
#include "x86/asm-defs.h"

/* BOOT_PROTO_MULTIBOOT (32-bit entry) and BOOT_PROTO_ELF64 come from asm-defs.h. */

#define MB_MAX_MMAP    64
#define MB_MAX_MODULES 16

struct mb_region {
	u64 base, len;
	u32 type; /* MULTIBOOT_MEMORY_AVAILABLE (1) usable, 2 reserved, 3 ACPI reclaimable, ... */
};

struct mb_module {
	u64 start, end;
	char string[128];
};

struct boot_info {
	u32 protocol;  /* BOOT_PROTO_* */
	u32 magic;     /* MULTIBOOT_BOOTLOADER_MAGIC */
	u64 info_addr; /* physical address of the Multiboot information */
	u32 flags;     /* Multiboot information flags */
	u32 mem_lower_kb, mem_upper_kb;
	char cmdline[1024]; /* as given: "<kernel path> <arguments>" */
	char loader_name[64];
	u32 nr_mmap;
	struct mb_region mmap[MB_MAX_MMAP];
	u32 nr_modules;
	struct mb_module modules[MB_MAX_MODULES];
	/* End of the highest byte the loader placed: kernel, information, modules, strings. */
	u64 boot_data_end;
};

extern struct boot_info boot_info;

/*
 * What hvemu's ELF64 entry handed over, saved by boot.S before it changes anything (all
 * zero after a Multiboot entry). gprs_or: RAX|RBX|RCX|RDX|RBP|R8..R15 (all must be 0).
 */
struct elf64_entry_state {
	u64 rsp, rflags, cr0, cr3, cr4, efer, gprs_or;
};
extern struct elf64_entry_state elf64_entry_state;

/* Returns 0, or -EINVAL when the magic is wrong (nothing but protocol and magic set). */
int multiboot_parse(u32 magic, u64 info_addr, u32 protocol);

#endif
