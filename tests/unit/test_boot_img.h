/* SPDX-License-Identifier: MIT */
/*
 * Synthetic boot images (ELF64, ELF32 Multiboot, a.out kludge, PVH ELF, bzImage) and a
 * test guest RAM for the loader tests (test_boot_load.c, test_boot_linux.c,
 * test_boot_reject.c). A header, not a support .c file, so that it is not linked into
 * every other unit test. The Linux and PVH images are built from raw offsets (boot.rst,
 * Xen's start_info.h), not from hvemu's structures, so the tests check the ABI too.
 */
#ifndef HVEMU_TESTS_TEST_BOOT_IMG_H
#define HVEMU_TESTS_TEST_BOOT_IMG_H

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/load.h"
#include "harness.h"

#define MiB   (1ull << 20)
#define GiB   (1ull << 30)
#define KPATH "/images/kernel.elf"
#define IPATH "/images/initrd.img"
#define JUNK  0xCC

/* ---- image builders ------------------------------------------------------------------ */

struct tseg {
	uint64_t paddr, vaddr, memsz, filesz;
};

struct img {
	uint8_t *d;
	size_t n;
	size_t mb_off; /* Multiboot header offset, when there is one */
};

static inline uint8_t pat(unsigned int seg, uint64_t i)
{
	return (uint8_t)(0x31 + seg * 0x40 + i * 7);
}

static inline void put_mb(uint8_t *p, uint32_t flags, const uint32_t *aout)
{
	uint32_t w[8] = { 0x1BADB002u, flags, (uint32_t) - (0x1BADB002u + flags) };

	if (aout)
		memcpy(w + 3, aout, 5 * sizeof(uint32_t));
	memcpy(p, w, aout ? 32 : 12);
}

/*
 * ELF image: header, program headers, then (mb_flags >= 0) a Multiboot header with the
 * a.out fields aout (or none), then each segment's file bytes, 16-byte aligned, pat(k, i).
 */
static inline struct img elf_img(int cls, uint64_t entry, const struct tseg *s, unsigned int n,
				 int64_t mb_flags, const uint32_t *aout)
{
	size_t ehsz = cls == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = cls == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t off = ehsz + n * phsz, offs[8];
	struct img im = { 0 };

	if (mb_flags >= 0) {
		im.mb_off = (off + 3) & ~3ul;
		off = im.mb_off + 32;
	}
	for (unsigned int k = 0; k < n; k++) {
		off = (off + 15) & ~15ul;
		offs[k] = off;
		off += s[k].filesz;
	}
	im.n = off;
	im.d = calloc(1, off);
	memcpy(im.d, ELFMAG, SELFMAG);
	im.d[EI_CLASS] = cls == 64 ? ELFCLASS64 : ELFCLASS32;
	im.d[EI_DATA] = ELFDATA2LSB;
	im.d[EI_VERSION] = EV_CURRENT;
	if (cls == 64) {
		Elf64_Ehdr e = { .e_type = ET_EXEC,
				 .e_machine = EM_X86_64,
				 .e_version = 1,
				 .e_entry = entry,
				 .e_phoff = ehsz,
				 .e_ehsize = (uint16_t)ehsz,
				 .e_phentsize = (uint16_t)phsz,
				 .e_phnum = (uint16_t)n };

		memcpy(e.e_ident, im.d, EI_NIDENT);
		memcpy(im.d, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = { .e_type = ET_EXEC,
				 .e_machine = EM_386,
				 .e_version = 1,
				 .e_entry = (uint32_t)entry,
				 .e_phoff = (uint32_t)ehsz,
				 .e_ehsize = (uint16_t)ehsz,
				 .e_phentsize = (uint16_t)phsz,
				 .e_phnum = (uint16_t)n };

		memcpy(e.e_ident, im.d, EI_NIDENT);
		memcpy(im.d, &e, sizeof(e));
	}
	for (unsigned int k = 0; k < n; k++) {
		uint8_t *ph = im.d + ehsz + k * phsz;

		if (cls == 64) {
			Elf64_Phdr p = { PT_LOAD,    PF_R | PF_X, offs[k],    s[k].vaddr,
					 s[k].paddr, s[k].filesz, s[k].memsz, 0x1000 };

			memcpy(ph, &p, sizeof(p));
		} else {
			Elf32_Phdr p = { PT_LOAD,
					 (uint32_t)offs[k],
					 (uint32_t)s[k].vaddr,
					 (uint32_t)s[k].paddr,
					 (uint32_t)s[k].filesz,
					 (uint32_t)s[k].memsz,
					 PF_R | PF_X,
					 0x1000 };

			memcpy(ph, &p, sizeof(p));
		}
		for (uint64_t i = 0; i < s[k].filesz; i++)
			im.d[offs[k] + i] = pat(k, i);
	}
	if (mb_flags >= 0)
		put_mb(im.d + im.mb_off, (uint32_t)mb_flags, aout);
	return im;
}

/* Not ELF: size bytes of pattern with a Multiboot header (a.out fields) at hoff. */
static inline struct img aout_img(size_t size, size_t hoff, uint32_t flags, uint32_t header_addr,
				  uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
				  uint32_t entry)
{
	uint32_t aout[5] = { header_addr, load_addr, load_end, bss_end, entry };
	struct img im = { calloc(1, size), size, hoff };

	for (size_t i = 0; i < size; i++)
		im.d[i] = (uint8_t)(i * 13 + 5);
	put_mb(im.d + hoff, flags, aout);
	return im;
}

/* Stores v (size bytes, little-endian) at off in the image. */
#define SET(im, off, type, v)                              \
	do {                                               \
		type v__ = (type)(v);                      \
		memcpy((im).d + (off), &v__, sizeof(v__)); \
	} while (0)

static inline size_t put_note(uint8_t *p, const char *name, uint32_t type, const void *desc,
			      uint32_t desc_len)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1, hdr[3] = { namesz, desc_len, type };
	size_t n = 12;

	memcpy(p, hdr, 12);
	memcpy(p + n, name, namesz);
	n += (namesz + 3) & ~3u;
	memcpy(p + n, desc, desc_len);
	return n + ((desc_len + 3) & ~3u);
}

#define PVH_NOTES_MAX 64

/*
 * A PVH kernel: elf_img's segments, and a last program header turned into a PT_NOTE with
 * a GNU note, an unrelated Xen note (type 6) and then XEN_ELFNOTE_PHYS32_ENTRY (type 18)
 * whose desc_len-byte descriptor is pvh_entry.
 */
static inline struct img pvh_img(int cls, uint64_t pvh_entry, const struct tseg *s, unsigned int n,
				 uint32_t desc_len, int64_t mb_flags)
{
	struct tseg all[8];
	uint8_t notes[PVH_NOTES_MAX];
	size_t len = 0, ph = cls == 64 ? sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr)
				       : sizeof(Elf32_Ehdr) + n * sizeof(Elf32_Phdr);
	uint64_t off;
	struct img im;

	len += put_note(notes + len, "GNU", 3, "\x01\x02\x03\x04", 4);
	len += put_note(notes + len, "Xen", 6, "lnx", 4);
	len += put_note(notes + len, "Xen", 18, &pvh_entry, desc_len);
	memcpy(all, s, n * sizeof(*s));
	all[n] = (struct tseg){ 0, 0, len, len };
	im = elf_img(cls, 0xffffffff81000000ull, all, n + 1, mb_flags, NULL);
	if (cls == 64) {
		memcpy(&off, im.d + ph + offsetof(Elf64_Phdr, p_offset), 8);
		SET(im, ph + offsetof(Elf64_Phdr, p_type), uint32_t, PT_NOTE);
		SET(im, ph + offsetof(Elf64_Phdr, p_align), uint64_t, 4);
	} else {
		uint32_t off32;

		memcpy(&off32, im.d + ph + offsetof(Elf32_Phdr, p_offset), 4);
		off = off32;
		SET(im, ph + offsetof(Elf32_Phdr, p_type), uint32_t, PT_NOTE);
		SET(im, ph + offsetof(Elf32_Phdr, p_align), uint32_t, 4);
	}
	memcpy(im.d + off, notes, len);
	return im;
}

/* Setup header offsets (boot.rst "The real-mode kernel header"). */
enum {
	BZ_SETUP_SECTS = 0x1F1,
	BZ_SYSSIZE = 0x1F4,
	BZ_VID_MODE = 0x1FA,
	BZ_BOOT_FLAG = 0x1FE,
	BZ_JUMP = 0x200,
	BZ_HEADER = 0x202,
	BZ_VERSION = 0x206,
	BZ_TYPE_OF_LOADER = 0x210,
	BZ_LOADFLAGS = 0x211,
	BZ_CODE32_START = 0x214,
	BZ_RAMDISK_IMAGE = 0x218,
	BZ_RAMDISK_SIZE = 0x21C,
	BZ_CMD_LINE_PTR = 0x228,
	BZ_INITRD_ADDR_MAX = 0x22C,
	BZ_KERNEL_ALIGNMENT = 0x230,
	BZ_RELOCATABLE = 0x234,
	BZ_MIN_ALIGNMENT = 0x235,
	BZ_XLOADFLAGS = 0x236,
	BZ_CMDLINE_SIZE = 0x238,
	BZ_PAYLOAD_OFFSET = 0x248,
	BZ_PAYLOAD_LENGTH = 0x24C,
	BZ_PREF_ADDRESS = 0x258,
	BZ_INIT_SIZE = 0x260,
	BZ_HEADER_END = 0x26C,
	/* zero page */
	ZP_ACPI_RSDP = 0x070,
	ZP_EXT_RAMDISK_IMAGE = 0x0C0,
	ZP_EXT_RAMDISK_SIZE = 0x0C4,
	ZP_EXT_CMD_LINE_PTR = 0x0C8,
	ZP_E820_ENTRIES = 0x1E8,
	ZP_SENTINEL = 0x1EF,
	ZP_E820_TABLE = 0x2D0,
};

/*
 * A bzImage, protocol 2.15, 64-bit entry: 4 setup sectors (the protected-mode kernel at
 * file offset 0xA00), pm_size bytes of pattern after them, relocatable with 2 MiB
 * alignment, preferred at 2 MiB, init_size 1 MiB, initrd anywhere below 2 GiB, a
 * 2047-byte command line limit, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G.
 */
static inline struct img bz_img(size_t pm_size)
{
	struct img im = { calloc(1, 0xA00 + pm_size), 0xA00 + pm_size, 0 };

	for (size_t i = 0; i < im.n; i++)
		im.d[i] = (uint8_t)(i * 11 + 3);
	memset(im.d + 0x1F1, 0, BZ_HEADER_END - 0x1F1);
	SET(im, BZ_SETUP_SECTS, uint8_t, 4);
	SET(im, BZ_SYSSIZE, uint32_t, pm_size / 16);
	SET(im, BZ_VID_MODE, uint16_t, 0xFFFF);
	SET(im, BZ_BOOT_FLAG, uint16_t, 0xAA55);
	SET(im, BZ_JUMP, uint16_t, 0x66EB); /* jmp short: 0x202 + 0x66 ends the header */
	memcpy(im.d + BZ_HEADER, "HdrS", 4);
	SET(im, BZ_VERSION, uint16_t, 0x020F);
	SET(im, BZ_LOADFLAGS, uint8_t, 0x01); /* LOADED_HIGH */
	SET(im, BZ_CODE32_START, uint32_t, 0x100000);
	SET(im, BZ_INITRD_ADDR_MAX, uint32_t, 0x7FFFFFFF);
	SET(im, BZ_KERNEL_ALIGNMENT, uint32_t, 0x200000);
	SET(im, BZ_RELOCATABLE, uint8_t, 1);
	SET(im, BZ_MIN_ALIGNMENT, uint8_t, 21);
	SET(im, BZ_XLOADFLAGS, uint16_t, 0x3);
	SET(im, BZ_CMDLINE_SIZE, uint32_t, 2047);
	SET(im, BZ_PAYLOAD_OFFSET, uint32_t, 0x100);
	SET(im, BZ_PAYLOAD_LENGTH, uint32_t, pm_size - 0x100);
	SET(im, BZ_PREF_ADDRESS, uint64_t, 0x200000);
	SET(im, BZ_INIT_SIZE, uint32_t, 0x100000);
	return im;
}

/* ---- guest RAM ------------------------------------------------------------------------ */

struct tram {
	struct guest_ram r;
	uint64_t junk_len; /* bytes of low RAM pre-filled with JUNK */
};

static inline void ram_new(struct tram *t, uint64_t low, uint64_t high)
{
	int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

	/* NORESERVE: a "3 GiB" guest only costs the pages the loader touches. */
	t->r.low = mmap(NULL, low, PROT_READ | PROT_WRITE, fl, -1, 0);
	t->r.low_size = low;
	t->r.high = high ? mmap(NULL, high, PROT_READ | PROT_WRITE, fl, -1, 0) : NULL;
	t->r.high_size = high;
	if (t->r.low == MAP_FAILED || t->r.high == MAP_FAILED)
		abort();
	t->junk_len = low < 16 * MiB ? low : 16 * MiB;
	memset(t->r.low, JUNK, t->junk_len);
}

static inline void ram_del(struct tram *t)
{
	munmap(t->r.low, t->r.low_size);
	if (t->r.high)
		munmap(t->r.high, t->r.high_size);
}

static inline uint8_t *gp(const struct tram *t, uint64_t gpa, uint64_t len)
{
	uint8_t *p = guest_ram_ptr(&t->r, gpa, len);

	if (!p)
		abort(); /* a test bug, not a loader result */
	return p;
}

static inline uint32_t rd32(const struct tram *t, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, gp(t, gpa, 4), 4);
	return v;
}

static inline uint64_t rd64(const struct tram *t, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, gp(t, gpa, 8), 8);
	return v;
}

static inline const char *rdstr(const struct tram *t, uint64_t gpa)
{
	return (const char *)gp(t, gpa, 1);
}

/* True when [from, to) holds only v. */
static inline bool ram_all(const struct tram *t, uint64_t from, uint64_t to, uint8_t v)
{
	const uint8_t *p = gp(t, from, to - from);

	for (uint64_t i = 0; i < to - from; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The memory map of docs/architecture.md §2.1 for t's RAM; returns the row count. */
struct want_row {
	uint64_t addr, len;
	uint32_t type;
};

static inline uint32_t want_map(const struct tram *t, struct want_row out[9])
{
	static const struct want_row doc[] = {
		{ 0x0, 0x9FC00, 1 },	 { 0x9FC00, 0x400, 2 },	  { 0xA0000, 0x10000, 2 },
		{ 0xB0000, 0x10000, 2 }, { 0xC0000, 0x20000, 2 }, { 0xE0000, 0x10000, 2 },
		{ 0xF0000, 0x10000, 2 },
	};
	uint32_t n = 7;

	memcpy(out, doc, sizeof(doc));
	out[n++] = (struct want_row){ MiB, t->r.low_size - MiB, 1 };
	if (t->r.high_size)
		out[n++] = (struct want_row){ 4 * GiB, t->r.high_size, 1 };
	return n;
}

static char err[512];

static inline int load(struct tram *t, const struct img *k, const struct boot_image *initrd,
		       const char *cmdline, struct boot_entry *e)
{
	struct boot_image ki = { k->d, k->n, KPATH };

	err[0] = '\0';
	return boot_load(&t->r, &ki, initrd, cmdline, e, err, sizeof(err));
}

/* Segments' file bytes are at paddr, the rest of memsz is zero, after them RAM is junk. */
static inline void check_segs(const struct tram *t, const struct tseg *s, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++) {
		const uint8_t *p = gp(t, s[k].paddr, s[k].memsz);
		unsigned int bad = 0;

		for (uint64_t i = 0; i < s[k].filesz; i++)
			bad += p[i] != pat(k, i);
		CHECK_EQ(bad, 0);
		CHECK(ram_all(t, s[k].paddr + s[k].filesz, s[k].paddr + s[k].memsz, 0));
	}
}

/* A flat segment register of the boot GDT: base 0, 4 GiB, DPL 0, present. */
static inline void check_flat(const struct boot_segment *s, uint16_t sel, uint8_t type, int l,
			      int db)
{
	CHECK_EQ(s->selector, sel);
	CHECK_EQ(s->base, 0);
	CHECK_EQ(s->limit, 0xFFFFFFFFu);
	CHECK_EQ(s->type, type);
	CHECK_EQ(s->present, 1);
	CHECK_EQ(s->dpl, 0);
	CHECK_EQ(s->s, 1);
	CHECK_EQ(s->g, 1);
	CHECK_EQ(s->l, l);
	CHECK_EQ(s->db, db);
	CHECK_EQ(s->unusable, 0);
}

/* The smallest valid ELF64 kernel: one segment at 1 MiB, entered there. */
static inline struct img elf64(void)
{
	static const struct tseg one[] = { { 0x100000, 0x100000, 0x2000, 0x100 } };

	return elf_img(64, 0x100000, one, 1, -1, NULL);
}

#endif
