/* SPDX-License-Identifier: MIT */
/*
 * Internal to src/boot: ELF32 (EM_386) and ELF64 (EM_X86_64) executable parsing. Checks
 * the headers against the file (every offset and size is bounds- and overflow-checked:
 * the input is a user's file and is fuzzed) and returns the PT_LOAD segments. Placement
 * in guest RAM is checked by load.c.
 */
#ifndef HVEMU_BOOT_ELF_IMAGE_H
#define HVEMU_BOOT_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/segment.h"

/* True when the file starts with the ELF magic. */
bool boot_elf_magic(const uint8_t *data, size_t size);

/* The EI_CLASS byte (ELFCLASS32 / ELFCLASS64 / other), or -ENOEXEC when truncated. */
int boot_elf_class(const uint8_t *data, size_t size, char *err, size_t errlen);

/*
 * Parses an ELF executable of the given class (ELFCLASS32 needs EM_386, ELFCLASS64 needs
 * EM_X86_64). On success segs holds the PT_LOAD segments with p_memsz > 0 (in program
 * header order; free segs->v) and *entry = e_entry. -ENOEXEC with a message naming the
 * failed check, -ENOMEM.
 */
int boot_elf_parse(const uint8_t *data, size_t size, int elfclass, struct boot_segs *segs,
		   uint64_t *entry, char *err, size_t errlen);

/*
 * Looks for the note (name, type) in the PT_NOTE segments of an ELF file whose headers
 * boot_elf_parse accepted. Returns 1 with *desc and *desc_len pointing into data, 0 when there
 * is none, -ENOEXEC (message in err) for a note segment that is truncated or malformed.
 */
int boot_elf_find_note(const uint8_t *data, size_t size, int elfclass, const char *name,
		       uint32_t type, const uint8_t **desc, uint32_t *desc_len, char *err,
		       size_t errlen);

#endif
