// SPDX-License-Identifier: MIT
#include "boot/cbtable.h"

#include <errno.h>

#include "boot/bootutil.h"
#include "boot/e820.h"

/* Header field offsets. */
enum {
	CB_SIGNATURE = 0,
	CB_HEADER_BYTES = 4,
	CB_HEADER_CHECKSUM = 8,
	CB_TABLE_BYTES = 12,
	CB_TABLE_CHECKSUM = 16,
	CB_TABLE_ENTRIES = 20,
};

#define CB_RECORD_BYTES 8u
#define CBTABLE_MAX_BYTES \
	(CBTABLE_HEADER_BYTES + CB_RECORD_BYTES + BOOT_E820_MAX * CB_MEM_RANGE_BYTES)
_Static_assert(CBTABLE_GPA + CBTABLE_MAX_BYTES <= BOOT_BIOS_END, "table fits the BIOS area");
_Static_assert(CBTABLE_GPA % 16 == 0, "scanned on 16-byte boundaries");

uint16_t cbtable_ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? (uint32_t)p[i] << 8 : p[i];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

int cbtable_write(const struct guest_ram *ram)
{
	struct boot_e820_entry map[BOOT_E820_MAX];
	uint8_t *hdr = guest_ram_ptr(ram, CBTABLE_GPA, CBTABLE_MAX_BYTES), *rec;
	uint32_t table_bytes;
	int n;

	if (!hdr)
		return -EFAULT;
	n = boot_e820_build_split(ram->low_size, ram->high_size, map, BOOT_E820_MAX);
	if (n < 0)
		return n;
	rec = hdr + CBTABLE_HEADER_BYTES;
	table_bytes = CB_RECORD_BYTES + (uint32_t)n * CB_MEM_RANGE_BYTES;
	put_le32(rec + 0, CB_TAG_MEMORY);
	put_le32(rec + 4, table_bytes);
	for (int i = 0; i < n; i++) {
		uint8_t *r = rec + CB_RECORD_BYTES + (size_t)i * CB_MEM_RANGE_BYTES;

		/* lb_uint64 is two 32-bit halves: the record is only 4-byte aligned. */
		put_le32(r + 0, (uint32_t)map[i].addr);
		put_le32(r + 4, (uint32_t)(map[i].addr >> 32));
		put_le32(r + 8, (uint32_t)map[i].len);
		put_le32(r + 12, (uint32_t)(map[i].len >> 32));
		put_le32(r + 16, map[i].type == BOOT_E820_RAM ? CB_MEM_RAM : CB_MEM_RESERVED);
	}
	put_chars(hdr + CB_SIGNATURE, "LBIO", 4);
	put_le32(hdr + CB_HEADER_BYTES, CBTABLE_HEADER_BYTES);
	put_le32(hdr + CB_HEADER_CHECKSUM, 0);
	put_le32(hdr + CB_TABLE_BYTES, table_bytes);
	put_le32(hdr + CB_TABLE_CHECKSUM, cbtable_ip_checksum(rec, table_bytes));
	put_le32(hdr + CB_TABLE_ENTRIES, 1);
	put_le32(hdr + CB_HEADER_CHECKSUM, cbtable_ip_checksum(hdr, CBTABLE_HEADER_BYTES));
	return 0;
}
