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
#include "fw/multiboot.h" /* magic numbers, header flags and layout */

/* The required header flags hvemu honours. */
#define MULTIBOOT_SUPPORTED_REQS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* Bytes of header without the a.out kludge fields, and with them (through entry_addr). */
#define MULTIBOOT_HEADER_BASE_SIZE offsetof(struct multiboot_header, header_addr)
#define MULTIBOOT_HEADER_AOUT_SIZE sizeof(struct multiboot_header)

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
