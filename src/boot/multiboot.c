// SPDX-License-Identifier: MIT
#include "boot/multiboot.h"

#include <errno.h>

#include "boot/bootutil.h"

/* Offsets in the image's header (little-endian). */
#define HDR(field) offsetof(struct multiboot_header, field)

static int check_flags(const struct mb_header *h, char *err, size_t errlen)
{
	uint32_t unsupported = h->flags & MULTIBOOT_REQUIRED_MASK & ~MULTIBOOT_SUPPORTED_REQS;

	/* Spec §3.1.2: a boot loader that cannot honour a required bit must refuse. */
	if (unsupported & MULTIBOOT_VIDEO_MODE) {
		boot_errf(err, errlen,
			  "Multiboot header requires video mode information (flag bit 2), which "
			  "hvemu does not provide");
		return -ENOEXEC;
	}
	if (unsupported) {
		boot_errf(err, errlen,
			  "Multiboot header flags 0x%08x require unknown features (bits 0x%04x)",
			  h->flags, unsupported);
		return -ENOEXEC;
	}
	return 0;
}

int mb_find_header(const uint8_t *data, size_t size, struct mb_header *h, char *err, size_t errlen)
{
	size_t limit = size < MULTIBOOT_SEARCH ? size : MULTIBOOT_SEARCH;

	if (limit < MULTIBOOT_HEADER_BASE_SIZE)
		return 0;
	for (size_t off = 0; off <= limit - MULTIBOOT_HEADER_BASE_SIZE;
	     off += MULTIBOOT_HEADER_ALIGN) {
		const uint8_t *p = data + off;
		uint32_t flags;
		int ret;

		if (get_le32(p + HDR(magic)) != MULTIBOOT_HEADER_MAGIC)
			continue;
		flags = get_le32(p + HDR(flags));
		if ((uint32_t)(MULTIBOOT_HEADER_MAGIC + flags + get_le32(p + HDR(checksum))) != 0)
			continue; /* a stray magic value, not a header */
		*h = (struct mb_header){ .offset = off, .flags = flags };
		if (flags & MULTIBOOT_AOUT_KLUDGE) {
			if (limit - off < MULTIBOOT_HEADER_AOUT_SIZE) {
				boot_errf(err, errlen,
					  "truncated Multiboot header at offset 0x%zx: the a.out "
					  "kludge fields need %zu bytes within the file and its "
					  "first 8 KiB",
					  off, MULTIBOOT_HEADER_AOUT_SIZE);
				return -ENOEXEC;
			}
			h->header_addr = get_le32(p + HDR(header_addr));
			h->load_addr = get_le32(p + HDR(load_addr));
			h->load_end_addr = get_le32(p + HDR(load_end_addr));
			h->bss_end_addr = get_le32(p + HDR(bss_end_addr));
			h->entry_addr = get_le32(p + HDR(entry_addr));
		}
		ret = check_flags(h, err, errlen);
		return ret ? ret : 1;
	}
	return 0;
}

int mb_aout_segment(const struct mb_header *h, size_t size, struct boot_seg *seg, uint64_t *entry,
		    char *err, size_t errlen)
{
	uint64_t head = (uint64_t)h->header_addr - h->load_addr;
	uint64_t text_off, load_size, mem_size, data_end;

	if (h->load_addr > h->header_addr) {
		boot_errf(err, errlen,
			  "a.out kludge addresses inconsistent: load_addr 0x%x is above "
			  "header_addr 0x%x",
			  h->load_addr, h->header_addr);
		return -ENOEXEC;
	}
	/* The header sits (header_addr - load_addr) bytes into the loaded text. */
	if (head > h->offset) {
		boot_errf(err, errlen,
			  "a.out kludge addresses inconsistent: header_addr - load_addr = 0x%llx "
			  "but the header is at file offset 0x%zx",
			  (unsigned long long)head, h->offset);
		return -ENOEXEC;
	}
	text_off = h->offset - head;
	if (h->load_end_addr == 0) {
		load_size = size - text_off;
	} else if (h->load_end_addr < h->load_addr) {
		boot_errf(err, errlen,
			  "a.out kludge addresses inconsistent: load_end_addr 0x%x is below "
			  "load_addr 0x%x",
			  h->load_end_addr, h->load_addr);
		return -ENOEXEC;
	} else {
		load_size = (uint64_t)h->load_end_addr - h->load_addr;
		if (!boot_range_fits(text_off, load_size, size)) {
			uint64_t need = text_off + load_size; /* both below 2^33 */

			boot_errf(err, errlen,
				  "a.out kludge: file too short: [load_addr 0x%x, load_end_addr "
				  "0x%x) needs file bytes up to 0x%llx, the file has 0x%zx",
				  h->load_addr, h->load_end_addr, (unsigned long long)need, size);
			return -ENOEXEC;
		}
	}
	data_end = (uint64_t)h->load_addr + load_size;
	if (h->bss_end_addr == 0) {
		mem_size = load_size;
	} else if (h->bss_end_addr < data_end) {
		boot_errf(err, errlen,
			  "a.out kludge addresses inconsistent: bss_end_addr 0x%x is below the "
			  "end of the loaded data 0x%llx",
			  h->bss_end_addr, (unsigned long long)data_end);
		return -ENOEXEC;
	} else {
		mem_size = (uint64_t)h->bss_end_addr - h->load_addr;
	}
	*seg = (struct boot_seg){ .paddr = h->load_addr,
				  .vaddr = h->load_addr,
				  .memsz = mem_size,
				  .filesz = load_size,
				  .offset = text_off,
				  .index = 0 };
	*entry = h->entry_addr;
	return 0;
}
