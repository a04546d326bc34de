/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/boot: a loadable segment as the image parsers (ELF, Multiboot a.out
 * kludge) describe it, before load.c checks it against the memory map and copies it.
 */
#ifndef HVEMU_BOOT_SEGMENT_H
#define HVEMU_BOOT_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

struct boot_seg {
	uint64_t paddr;	    /* guest physical load address */
	uint64_t vaddr;	    /* ELF p_vaddr (equal to paddr for the a.out kludge) */
	uint64_t memsz;	    /* bytes in memory; memsz - filesz are zeroed (bss) */
	uint64_t filesz;    /* bytes copied from the file */
	uint64_t offset;    /* file offset of those bytes; offset + filesz <= file size */
	unsigned int index; /* program header index, for messages */
};

struct boot_segs {
	struct boot_seg *v; /* malloc'd; free() it */
	size_t n;
};

#endif
