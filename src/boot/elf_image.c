// SPDX-License-Identifier: MIT
#include "boot/elf_image.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootutil.h"

/* The fields both classes share, widened to 64 bits. */
struct elf_hdr {
	uint16_t type, machine;
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
};

bool boot_elf_magic(const uint8_t *data, size_t size)
{
	return size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

int boot_elf_class(const uint8_t *data, size_t size, char *err, size_t errlen)
{
	if (size < EI_NIDENT) {
		boot_errf(err, errlen, "truncated ELF identification (%zu bytes, need %d)", size,
			  EI_NIDENT);
		return -ENOEXEC;
	}
	return data[EI_CLASS];
}

static int read_ehdr(const uint8_t *data, size_t size, int elfclass, struct elf_hdr *h, char *err,
		     size_t errlen)
{
	if (elfclass == ELFCLASS64) {
		Elf64_Ehdr e;

		if (size < sizeof(e))
			goto truncated;
		memcpy(&e, data, sizeof(e));
		*h = (struct elf_hdr){ e.e_type,  e.e_machine,	 e.e_entry,
				       e.e_phoff, e.e_phentsize, e.e_phnum };
		return 0;
	}
	if (elfclass == ELFCLASS32) {
		Elf32_Ehdr e;

		if (size < sizeof(e))
			goto truncated;
		memcpy(&e, data, sizeof(e));
		*h = (struct elf_hdr){ e.e_type,  e.e_machine,	 e.e_entry,
				       e.e_phoff, e.e_phentsize, e.e_phnum };
		return 0;
	}
	boot_errf(err, errlen, "unsupported ELF class %d", elfclass);
	return -ENOEXEC;
truncated:
	boot_errf(err, errlen, "truncated ELF header (%zu bytes, need %zu)", size,
		  elfclass == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr));
	return -ENOEXEC;
}

static int check_ehdr(const uint8_t *data, size_t size, int elfclass, const struct elf_hdr *h,
		      char *err, size_t errlen)
{
	uint16_t want_machine = elfclass == ELFCLASS64 ? EM_X86_64 : EM_386;
	size_t want_phentsize = elfclass == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t table;

	if (data[EI_DATA] != ELFDATA2LSB) {
		boot_errf(err, errlen, "ELF data encoding %u is not little-endian (ELFDATA2LSB)",
			  data[EI_DATA]);
		return -ENOEXEC;
	}
	if (data[EI_VERSION] != EV_CURRENT) {
		boot_errf(err, errlen, "ELF version %u is not EV_CURRENT", data[EI_VERSION]);
		return -ENOEXEC;
	}
	if (h->machine != want_machine) {
		boot_errf(err, errlen, "wrong ELF machine %u for ELF%d (need %s)", h->machine,
			  elfclass == ELFCLASS64 ? 64 : 32,
			  elfclass == ELFCLASS64 ? "EM_X86_64" : "EM_386");
		return -ENOEXEC;
	}
	if (h->type != ET_EXEC) {
		boot_errf(err, errlen, "wrong ELF type %u (need ET_EXEC, an executable)", h->type);
		return -ENOEXEC;
	}
	if (h->phnum == 0) {
		boot_errf(err, errlen, "ELF file has no program headers (e_phnum is 0)");
		return -ENOEXEC;
	}
	if (h->phnum == PN_XNUM) {
		boot_errf(err, errlen,
			  "ELF extended program header numbering (PN_XNUM) is not "
			  "supported");
		return -ENOEXEC;
	}
	if (h->phentsize != want_phentsize) {
		boot_errf(err, errlen, "ELF e_phentsize %u is not %zu", h->phentsize,
			  want_phentsize);
		return -ENOEXEC;
	}
	/* phnum and phentsize are 16-bit, so the product cannot overflow. */
	table = (uint64_t)h->phnum * h->phentsize;
	if (!boot_range_fits(h->phoff, table, size)) {
		boot_errf(err, errlen,
			  "truncated ELF program header table (e_phoff 0x%llx + %u x %u bytes is "
			  "beyond the end of the %zu-byte file)",
			  (unsigned long long)h->phoff, h->phnum, h->phentsize, size);
		return -ENOEXEC;
	}
	return 0;
}

/* Reads program header i as a boot_seg; returns its p_type (and p_align in *align). */
static uint32_t read_phdr(const uint8_t *data, int elfclass, const struct elf_hdr *h,
			  unsigned int i, struct boot_seg *s, uint64_t *align)
{
	const uint8_t *p = data + h->phoff + (uint64_t)i * h->phentsize;

	if (elfclass == ELFCLASS64) {
		Elf64_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct boot_seg){ ph.p_paddr,  ph.p_vaddr,  ph.p_memsz,
					ph.p_filesz, ph.p_offset, i };
		*align = ph.p_align;
		return ph.p_type;
	}
	Elf32_Phdr ph;

	memcpy(&ph, p, sizeof(ph));
	*s = (struct boot_seg){ ph.p_paddr, ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset, i };
	*align = ph.p_align;
	return ph.p_type;
}

static int check_seg(const struct boot_seg *s, size_t size, char *err, size_t errlen)
{
	if (s->filesz > s->memsz) {
		boot_errf(err, errlen,
			  "ELF program header %u: p_filesz 0x%llx is larger than p_memsz 0x%llx",
			  s->index, (unsigned long long)s->filesz, (unsigned long long)s->memsz);
		return -ENOEXEC;
	}
	if (!boot_range_fits(s->offset, s->filesz, size)) {
		boot_errf(err, errlen,
			  "truncated ELF segment: program header %u: p_offset 0x%llx + p_filesz "
			  "0x%llx is beyond the end of the %zu-byte file",
			  s->index, (unsigned long long)s->offset, (unsigned long long)s->filesz,
			  size);
		return -ENOEXEC;
	}
	if (!boot_range_fits(s->paddr, s->memsz, UINT64_MAX) ||
	    !boot_range_fits(s->vaddr, s->memsz, UINT64_MAX)) {
		boot_errf(err, errlen,
			  "ELF program header %u: address + p_memsz 0x%llx wraps around the "
			  "address space",
			  s->index, (unsigned long long)s->memsz);
		return -ENOEXEC;
	}
	return 0;
}

int boot_elf_parse(const uint8_t *data, size_t size, int elfclass, struct boot_segs *segs,
		   uint64_t *entry, char *err, size_t errlen)
{
	struct elf_hdr h;
	int ret;

	segs->v = NULL;
	segs->n = 0;
	ret = read_ehdr(data, size, elfclass, &h, err, errlen);
	if (ret)
		return ret;
	ret = check_ehdr(data, size, elfclass, &h, err, errlen);
	if (ret)
		return ret;
	segs->v = calloc(h.phnum, sizeof(*segs->v));
	if (!segs->v) {
		boot_errf(err, errlen, "out of memory for %u program headers", h.phnum);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < h.phnum; i++) {
		struct boot_seg s;
		uint64_t align;

		if (read_phdr(data, elfclass, &h, i, &s, &align) != PT_LOAD)
			continue;
		ret = check_seg(&s, size, err, errlen);
		if (ret) {
			free(segs->v);
			segs->v = NULL;
			return ret;
		}
		if (s.memsz)
			segs->v[segs->n++] = s;
	}
	*entry = h.entry;
	return 0;
}

/*
 * The notes of one PT_NOTE segment (ELF gABI "Note Section"): a 12-byte header (namesz,
 * descsz, type), the name and the descriptor, each padded to the segment's alignment
 * (4 bytes, or 8 where p_align says so).
 */
static int scan_notes(const uint8_t *p, uint64_t len, uint64_t align, unsigned int index,
		      const char *name, uint32_t type, const uint8_t **desc, uint32_t *desc_len,
		      char *err, size_t errlen)
{
	uint64_t want_namesz = strlen(name) + 1, off = 0;

	while (len - off >= 12) {
		uint32_t namesz = get_le32(p + off), descsz = get_le32(p + off + 4);
		uint32_t t = get_le32(p + off + 8);
		uint64_t name_off = off + 12;
		uint64_t desc_off = name_off + ALIGN_UP((uint64_t)namesz, align);

		if (desc_off > len || descsz > len - desc_off) {
			boot_errf(
			    err, errlen,
			    "truncated ELF note in program header %u (name %u + descriptor %u "
			    "bytes at segment offset 0x%llx)",
			    index, namesz, descsz, (unsigned long long)off);
			return -ENOEXEC;
		}
		if (namesz == want_namesz && t == type &&
		    memcmp(p + name_off, name, want_namesz) == 0) {
			*desc = p + desc_off;
			*desc_len = descsz;
			return 1;
		}
		/* The last note's padding may be cut off by the segment's end. */
		off = MIN(len, desc_off + ALIGN_UP((uint64_t)descsz, align));
	}
	return 0;
}

int boot_elf_find_note(const uint8_t *data, size_t size, int elfclass, const char *name,
		       uint32_t type, const uint8_t **desc, uint32_t *desc_len, char *err,
		       size_t errlen)
{
	struct elf_hdr h;
	int ret;

	ret = read_ehdr(data, size, elfclass, &h, err, errlen);
	if (!ret)
		ret = check_ehdr(data, size, elfclass, &h, err, errlen);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < h.phnum; i++) {
		struct boot_seg s;
		uint64_t align;

		if (read_phdr(data, elfclass, &h, i, &s, &align) != PT_NOTE)
			continue;
		if (!boot_range_fits(s.offset, s.filesz, size)) {
			boot_errf(
			    err, errlen,
			    "truncated ELF note segment: program header %u: p_offset 0x%llx + "
			    "p_filesz 0x%llx is beyond the end of the %zu-byte file",
			    i, (unsigned long long)s.offset, (unsigned long long)s.filesz, size);
			return -ENOEXEC;
		}
		ret = scan_notes(data + s.offset, s.filesz, align == 8 ? 8 : 4, i, name, type, desc,
				 desc_len, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}
