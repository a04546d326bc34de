/* SPDX-License-Identifier: MIT */
/*
 * Synthetic boot images (ELF64, ELF32 Multiboot, a.out kludge) and a test guest RAM for
 * the loader tests (test_boot_load.c, test_boot_reject.c). A header, not a support .c
 * file, so that it is not linked into every other unit test.
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

/* The smallest valid ELF64 kernel: one segment at 1 MiB, entered there. */
static inline struct img elf64(void)
{
	static const struct tseg one[] = { { 0x100000, 0x100000, 0x2000, 0x100 } };

	return elf_img(64, 0x100000, one, 1, -1, NULL);
}

#endif
