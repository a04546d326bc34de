/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 (Multiboot Specification 0.6.96): the OS image header, the magic a loader
 * passes in EAX, and the information structure, with its module list and memory map.
 * Shared by hvemu's loader (src/boot/multiboot.c, src/boot/mbinfo.c) and the guest
 * runtime (guest/lib/x86/boot.S, multiboot.c). Field names follow the specification's
 * multiboot.h. Freestanding; the constants are usable from assembly.
 */
#ifndef HVEMU_FW_MULTIBOOT_H
#define HVEMU_FW_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC	   0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002 /* in EAX at entry */
#define MULTIBOOT_SEARCH	   8192	      /* the header lies in the first 8 KiB ... */
#define MULTIBOOT_HEADER_ALIGN	   4	      /* ... 4-byte aligned */

/* Header flags (§3.1.2): bits 0-15 are requirements, 16-31 optional features. */
#define MULTIBOOT_PAGE_ALIGN	0x00000001 /* modules page-aligned */
#define MULTIBOOT_MEMORY_INFO	0x00000002 /* mem_* and mmap_* required */
#define MULTIBOOT_VIDEO_MODE	0x00000004 /* video mode table required */
#define MULTIBOOT_AOUT_KLUDGE	0x00010000 /* the address fields are valid */
#define MULTIBOOT_REQUIRED_MASK 0x0000FFFF

/* multiboot_info.flags (§3.3): which fields are valid. */
#define MULTIBOOT_INFO_MEMORY		0x00000001
#define MULTIBOOT_INFO_BOOTDEV		0x00000002
#define MULTIBOOT_INFO_CMDLINE		0x00000004
#define MULTIBOOT_INFO_MODS		0x00000008
#define MULTIBOOT_INFO_MEM_MAP		0x00000040
#define MULTIBOOT_INFO_BOOT_LOADER_NAME 0x00000200

#define MULTIBOOT_MEMORY_AVAILABLE 1 /* multiboot_mmap_entry.type; anything else is reserved */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The OS image header; the address fields only with MULTIBOOT_AOUT_KLUDGE. */
struct multiboot_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr; /* 0: load to the end of the file */
	uint32_t bss_end_addr;	/* 0: no bss */
	uint32_t entry_addr;
};

/* The information structure, through the framebuffer fields. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB below 1 MiB, KiB from 1 MiB up */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
	uint8_t framebuffer_bpp, framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));

struct multiboot_mod_list {
	uint32_t mod_start, mod_end; /* [mod_start, mod_end) */
	uint32_t cmdline;	     /* the module's string */
	uint32_t pad;
};

/* A memory-map entry; size counts the bytes after itself (20), so entries may grow. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

#define MB_ASSERT_OFFSET(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " offset")
MB_ASSERT_OFFSET(struct multiboot_header, header_addr, 12);
MB_ASSERT_OFFSET(struct multiboot_header, entry_addr, 28);
_Static_assert(sizeof(struct multiboot_header) == 32, "multiboot_header size");
MB_ASSERT_OFFSET(struct multiboot_info, mem_lower, 4);
MB_ASSERT_OFFSET(struct multiboot_info, mem_upper, 8);
MB_ASSERT_OFFSET(struct multiboot_info, cmdline, 16);
MB_ASSERT_OFFSET(struct multiboot_info, mods_count, 20);
MB_ASSERT_OFFSET(struct multiboot_info, mods_addr, 24);
MB_ASSERT_OFFSET(struct multiboot_info, mmap_length, 44);
MB_ASSERT_OFFSET(struct multiboot_info, mmap_addr, 48);
MB_ASSERT_OFFSET(struct multiboot_info, boot_loader_name, 64);
MB_ASSERT_OFFSET(struct multiboot_info, vbe_mode, 80);
MB_ASSERT_OFFSET(struct multiboot_info, framebuffer_addr, 88);
MB_ASSERT_OFFSET(struct multiboot_info, framebuffer_bpp, 108);
_Static_assert(sizeof(struct multiboot_info) == 116, "multiboot_info size");
MB_ASSERT_OFFSET(struct multiboot_mod_list, cmdline, 8);
_Static_assert(sizeof(struct multiboot_mod_list) == 16, "multiboot_mod_list size");
MB_ASSERT_OFFSET(struct multiboot_mmap_entry, addr, 4);
MB_ASSERT_OFFSET(struct multiboot_mmap_entry, len, 12);
MB_ASSERT_OFFSET(struct multiboot_mmap_entry, type, 20);
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "multiboot_mmap_entry size");
#undef MB_ASSERT_OFFSET
#endif /* __ASSEMBLER__ */

#endif
