/* SPDX-License-Identifier: MIT */
/*
 * The PVH boot ABI: how a loader finds a PVH kernel's 32-bit entry point (an ELF note)
 * and the start-of-day information it hands the kernel in EBX. Constants and layouts only.
 *
 * Freestanding (<stdint.h> only), shared by hvemu's loader (src/boot/pvh.c, load.c) and
 * its tests.
 *
 * Sources: Xen's public headers xen/include/public/elfnote.h (XEN_ELFNOTE_PHYS32_ENTRY) and
 * xen/include/public/arch-x86/hvm/start_info.h (struct hvm_start_info, version 1), and
 * Xen's docs/misc/pvh.pandoc (the entry state). Linux reads them in
 * arch/x86/platform/pvh/enlighten.c and arch/x86/platform/pvh/head.S.
 */
#ifndef HVEMU_FW_PVH_H
#define HVEMU_FW_PVH_H

#include <stdint.h>

/* ELF note: name "Xen" (namesz 4, with its NUL), type 18, descriptor = the 32-bit physical
 * entry address (4 bytes, or 8 in a kernel that emits it as a pointer-sized value). */
#define XEN_ELFNOTE_NAME	 "Xen"
#define XEN_ELFNOTE_PHYS32_ENTRY 18u

/* hvm_start_info.magic: "xEn3" with bit 7 of the 'E' set. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u
/* Version 1 adds the memory map (memmap_paddr, memmap_entries). */
#define XEN_HVM_START_INFO_VERSION 1u

/* hvm_memmap_table_entry.type: the e820 types. */
#define XEN_HVM_MEMMAP_TYPE_RAM	     1u
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2u
#define XEN_HVM_MEMMAP_TYPE_ACPI     3u
#define XEN_HVM_MEMMAP_TYPE_NVS	     4u
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5u

/* All addresses are guest physical; every structure is 8-byte aligned by the loader. */
struct hvm_start_info {
	uint32_t magic;		/* XEN_HVM_START_MAGIC_VALUE */
	uint32_t version;	/* XEN_HVM_START_INFO_VERSION */
	uint32_t flags;		/* SIF_* (Xen's privileged/initial-domain flags): 0 here */
	uint32_t nr_modules;	/* entries at modlist_paddr; Linux takes the first as initrd */
	uint64_t modlist_paddr; /* struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr; /* NUL-terminated kernel command line, 0 when none */
	uint64_t rsdp_paddr;	/* the ACPI RSDP, 0 when the kernel must scan for it */
	uint64_t memmap_paddr;	/* struct hvm_memmap_table_entry[memmap_entries] */
	uint32_t memmap_entries;
	uint32_t reserved; /* 0 */
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr; /* the module's own string, 0 when none */
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* XEN_HVM_MEMMAP_TYPE_* */
	uint32_t reserved;
};

#define XEN_ASSERT_OFFSET(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " offset")
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
XEN_ASSERT_OFFSET(struct hvm_start_info, magic, 0x00);
XEN_ASSERT_OFFSET(struct hvm_start_info, version, 0x04);
XEN_ASSERT_OFFSET(struct hvm_start_info, flags, 0x08);
XEN_ASSERT_OFFSET(struct hvm_start_info, nr_modules, 0x0c);
XEN_ASSERT_OFFSET(struct hvm_start_info, modlist_paddr, 0x10);
XEN_ASSERT_OFFSET(struct hvm_start_info, cmdline_paddr, 0x18);
XEN_ASSERT_OFFSET(struct hvm_start_info, rsdp_paddr, 0x20);
XEN_ASSERT_OFFSET(struct hvm_start_info, memmap_paddr, 0x28);
XEN_ASSERT_OFFSET(struct hvm_start_info, memmap_entries, 0x30);
XEN_ASSERT_OFFSET(struct hvm_start_info, reserved, 0x34);
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");
XEN_ASSERT_OFFSET(struct hvm_modlist_entry, size, 0x08);
XEN_ASSERT_OFFSET(struct hvm_modlist_entry, cmdline_paddr, 0x10);
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");
XEN_ASSERT_OFFSET(struct hvm_memmap_table_entry, size, 0x08);
XEN_ASSERT_OFFSET(struct hvm_memmap_table_entry, type, 0x10);
#undef XEN_ASSERT_OFFSET

#endif
