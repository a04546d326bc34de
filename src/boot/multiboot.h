/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 (Multiboot Specification 0.6.96): the OS image header, its flags, and the
 * a.out kludge (header flag 16) that loads an image by the header's addresses.
 */
#ifndef HVEMU_BOOT_MULTIBOOT_H
#define HVEMU_BOOT_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "boot/segment.h"

#define MULTIBOOT_HEADER_MAGIC	   0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u /* EAX at entry */
#define MULTIBOOT_SEARCH	   8192u       /* the header lies in the first 8 KiB */
#define MULTIBOOT_HEADER_ALIGN	   4u

/* Header flags (spec §3.1.2). Bits 0-15 are requirements, 16-31 optional features. */
#define MULTIBOOT_PAGE_ALIGN	 (1u << 0)  /* modules page-aligned */
#define MULTIBOOT_MEMORY_INFO	 (1u << 1)  /* mem_* and mmap_* required */
#define MULTIBOOT_VIDEO_MODE	 (1u << 2)  /* video mode table required */
#define MULTIBOOT_AOUT_KLUDGE	 (1u << 16) /* address fields valid */
#define MULTIBOOT_REQUIRED_MASK	 0x0000FFFFu
#define MULTIBOOT_SUPPORTED_REQS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* Bytes of header up to and including entry_addr (the a.out kludge fields). */
#define MULTIBOOT_HEADER_BASE_SIZE 12u
#define MULTIBOOT_HEADER_AOUT_SIZE 32u

struct mb_header {
	size_t offset; /* file offset of the magic */
	uint32_t flags;
	/* Valid when flags has MULTIBOOT_AOUT_KLUDGE. */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr; /* 0: load to the end of the file */
	uint32_t bss_end_addr;	/* 0: no bss */
	uint32_t entry_addr;
};

/*
 * Finds the first Multiboot header (4-byte aligned magic in the first 8 KiB whose checksum
 * is right) and checks it: complete within the file and the first 8 KiB, no required flag
 * hvemu cannot honour. Returns 1 with *h filled, 0 when there is none, -ENOEXEC (message
 * in err) for a header hvemu must refuse.
 */
int mb_find_header(const uint8_t *data, size_t size, struct mb_header *h, char *err, size_t errlen);

/*
 * The one segment of an a.out-kludge image: [load_addr, load_end_addr) from the file at
 * the offset the header's position implies, then zeroes up to bss_end_addr. *entry is
 * entry_addr. -ENOEXEC with a message when the addresses disagree with each other or
 * with the file size.
 */
int mb_aout_segment(const struct mb_header *h, size_t size, struct boot_seg *seg, uint64_t *entry,
		    char *err, size_t errlen);

#endif
