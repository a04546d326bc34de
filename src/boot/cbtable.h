/* SPDX-License-Identifier: MIT */
/*
 * The coreboot table ("LBIO"): a third memory-map interface next to the Multiboot
 * memory map and the e820 rows it is built from (docs/architecture.md §2.1). Firmware
 * payloads written for coreboot (GRUB's i386-coreboot image, which also carries a
 * Multiboot header) find their RAM only here: they scan 0-0xFFF and 0xF0000-0xFFFFF for
 * the signature on 16-byte boundaries.
 *
 * Layout (coreboot's src/commonlib/include/commonlib/coreboot_tables.h, a public ABI):
 * a 24-byte header, then records { u32 tag, u32 size, payload }. hvemu writes one record,
 * LB_TAG_MEMORY, whose payload is an array of 20-byte ranges { u32 start_lo, start_hi,
 * size_lo, size_hi, type }. Both checksums are the 16-bit one's-complement (IP) sum.
 */
#ifndef HVEMU_BOOT_CBTABLE_H
#define HVEMU_BOOT_CBTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"

#define CBTABLE_GPA	     (BOOT_BIOS_END - 0x1000) /* last page of the BIOS area */
#define CBTABLE_HEADER_BYTES 24u
#define CB_TAG_MEMORY	     0x0001u
#define CB_MEM_RAM	     1u
#define CB_MEM_RESERVED	     2u
#define CB_MEM_RANGE_BYTES   20u

/* The IP checksum of p[0..len): the one's complement of the one's-complement sum. */
uint16_t cbtable_ip_checksum(const uint8_t *p, size_t len);

/*
 * Writes the table at CBTABLE_GPA with the memory map of ram (the same rows as the e820
 * map). 0, or -EFAULT when the area is not in guest RAM.
 */
int cbtable_write(const struct guest_ram *ram);

#endif
