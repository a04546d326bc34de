// SPDX-License-Identifier: MIT
/*
 * boot_load on synthetic images (test_boot_img.h): the bytes in guest RAM, the entry
 * state and the Multiboot information of images it accepts (rejections:
 * test_boot_reject.c), and boot_read_file.
 *
 * With HVEMU_BOOT_SEED_DIR=dir set, also writes the fuzz seed corpus (tiny valid images
 * in the fuzz_boot input format) into dir.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_boot_img.h"

/* ---- entry state ---------------------------------------------------------------------- */

/* A 4-level walk as the CPU does it; returns the PDE (2 MiB page) or 0 if not mapped. */
static uint64_t walk(const struct tram *t, uint64_t cr3, uint64_t va)
{
	uint64_t e = rd64(t, cr3 + ((va >> 39) & 511) * 8);

	if (!(e & 1))
		return 0;
	e = rd64(t, (e & ~0xFFFull) + ((va >> 30) & 511) * 8);
	if (!(e & 1) || (e & 0x80))
		return 0;
	e = rd64(t, (e & ~0xFFFull) + ((va >> 21) & 511) * 8);
	return (e & 1) && (e & 0x80) ? e : 0;
}

static void test_elf64_entry(void)
{
	const struct tseg s[] = {
		{ 0x100000, 0x100000, 0x2000, 0x2000 },
		{ 0x103000, 0x103000, 0x3000, 0x1234 },
		{ 0x200000, 0x200000, 0x5000, 0 }, /* bss only */
	};
	struct img k = elf_img(64, 0x100080, s, 3, -1, NULL);
	struct tram t;
	struct boot_entry e;
	static const uint64_t va[] = { 0,	   0x100080,   0xBEFF8,	   0x7FFFFFFF,
				       0xBFFFFFFF, 0xC0000000, 0xFEE00000, 0xFFFFFFFF };

	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, NULL, "x", &e), 0);
	check_segs(&t, s, 3);
	CHECK(ram_all(&t, 0x102000, 0x103000, JUNK)); /* the gap between segments */
	CHECK_EQ(e.mode, BOOT_MODE_LONG64);
	CHECK_EQ(e.rip, 0x100080);
	CHECK_EQ(e.rsp, 0xBF000);
	CHECK_EQ(e.rflags, 0x2);
	CHECK_EQ(e.rdi, e.info_gpa);
	CHECK_EQ(e.rsi, 0x2BADB002);
	CHECK_EQ(e.rax, 0);
	CHECK_EQ(e.rbx, 0);
	CHECK_EQ(e.cr0, 0x80010033ull); /* PE MP ET NE WP PG */
	CHECK_EQ(e.cr3, 0xB1000);
	CHECK_EQ(e.cr4, 0x20);
	CHECK_EQ(e.efer, 0x500);
	CHECK_EQ(e.gdt.base, 0xB0000);
	CHECK_EQ(e.gdt.limit, 23);
	CHECK_EQ(e.idt.limit, 0);
	check_flat(&e.cs, 0x08, 0xB, 1, 0);
	check_flat(&e.ds, 0x10, 0x3, 0, 1);
	check_flat(&e.ss, 0x10, 0x3, 0, 1);
	check_flat(&e.es, 0x10, 0x3, 0, 1);
	check_flat(&e.fs, 0x10, 0x3, 0, 1);
	check_flat(&e.gs, 0x10, 0x3, 0, 1);
	CHECK_EQ(e.tr.type, 0xB); /* busy TSS, required by VM entry */
	CHECK_EQ(e.tr.present, 1);
	CHECK_EQ(rd64(&t, 0xB0000), 0);
	CHECK_EQ(rd64(&t, 0xB0008), 0x00AF9B000000FFFFull);
	CHECK_EQ(rd64(&t, 0xB0010), 0x00CF93000000FFFFull);
	for (size_t i = 0; i < sizeof(va) / sizeof(va[0]); i++) {
		uint64_t pde = walk(&t, e.cr3, va[i]);

		CHECK_EQ((pde & ~0x1FFFFFull & ((1ull << 52) - 1)) | (va[i] & 0x1FFFFF), va[i]);
		CHECK_EQ(pde & 0x6, 0x2);		       /* writable, supervisor */
		CHECK_EQ(!!(pde & 0x10), va[i] >= 0xC0000000); /* the MMIO hole is uncached */
	}
	CHECK_EQ(walk(&t, e.cr3, 0x100000000ull), 0); /* only 4 GiB is mapped */
	CHECK_EQ(e.kernel_low, 0x100000);
	CHECK_EQ(e.kernel_high, 0x205000);
	CHECK_EQ(e.info_gpa, 0x205000);
	CHECK(e.boot_data_end > e.info_gpa && e.boot_data_end <= 16 * MiB);
	CHECK_EQ(e.module_gpa, 0);
	ram_del(&t);
	free(k.d);
}

static void test_multiboot_elf32(void)
{
	const struct tseg s[] = {
		{ 0x100000, 0x100000, 0x1800, 0x1800 },
		{ 0x102000, 0x102000, 0x4000, 0x800 },
	};
	struct img k = elf_img(32, 0x100010, s, 2, 0x3, NULL);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	check_segs(&t, s, 2);
	CHECK_EQ(e.mode, BOOT_MODE_MULTIBOOT32);
	CHECK_EQ(e.rip, 0x100010);
	CHECK_EQ(e.rax, 0x2BADB002);
	CHECK_EQ(e.rbx, e.info_gpa);
	CHECK_EQ(e.rsi, 0);
	CHECK_EQ(e.rdi, 0);
	CHECK_EQ(e.rflags, 0x2);
	CHECK_EQ(e.cr0, 0x11); /* PE ET, paging off */
	CHECK_EQ(e.cr3, 0);
	CHECK_EQ(e.cr4, 0);
	CHECK_EQ(e.efer, 0);
	check_flat(&e.cs, 0x08, 0xB, 0, 1);
	check_flat(&e.ss, 0x10, 0x3, 0, 1);
	CHECK_EQ(e.gdt.base, 0xB0000);
	CHECK_EQ(rd64(&t, 0xB0008), 0x00CF9B000000FFFFull);
	CHECK_EQ(rd64(&t, 0xB1000), 0); /* no page tables for a Multiboot kernel */
	CHECK(e.info_gpa >= 0x106000 && e.info_gpa % 4096 == 0);
	ram_del(&t);
	free(k.d);
}

static void test_conventional_memory(void)
{
	/*
	 * Shaped like GRUB's i386-coreboot image: a segment at 0x9000 in conventional memory
	 * and one at 1 MiB. The segment that ends exactly at 0x9FC00 is the highest allowed.
	 */
	const struct tseg s[] = {
		{ 0x9000, 0x9000, 0x18758, 0x10cbb },
		{ 0x100000, 0x100000, 0xd958, 0xd958 },
	};
	const struct tseg edge[] = { { 0x9EC00, 0x9EC00, 0x1000, 0x10 } };
	const struct tseg low_only[] = { { 0x1000, 0x1000, 0x2000, 0x100 } };
	struct img k = elf_img(32, 0x9000, s, 2, 0x2, NULL);
	struct img ke = elf_img(32, 0x9EC00, edge, 1, 0x2, NULL);
	struct img kl = elf_img(32, 0x1000, low_only, 1, 0x2, NULL);
	struct img ka = aout_img(0x1000, 0x40, 0x10000, 0x80040, 0x80000, 0, 0, 0x80000);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	check_segs(&t, s, 2);
	CHECK_EQ(e.rip, 0x9000);
	CHECK_EQ(e.kernel_low, 0x9000);
	CHECK_EQ(e.kernel_high, 0x10d958);
	CHECK_EQ(e.info_gpa, 0x10e000); /* boot data above every segment, in high RAM */
	CHECK_EQ(load(&t, &ke, NULL, NULL, &e), 0);
	CHECK_EQ(e.kernel_high, 0x9FC00);
	/* Only conventional memory used: the boot data still starts at 1 MiB. */
	CHECK_EQ(load(&t, &kl, NULL, NULL, &e), 0);
	CHECK_EQ(e.info_gpa, MiB);
	CHECK_EQ(load(&t, &ka, NULL, NULL, &e), 0);
	CHECK_EQ(e.rip, 0x80000);
	CHECK(memcmp(gp(&t, 0x80000, 0x1000), ka.d, 0x1000) == 0);
	ram_del(&t);
	free(k.d);
	free(ke.d);
	free(kl.d);
	free(ka.d);
}

static void test_virtual_entry(void)
{
	/* A kernel linked at 3 GiB + 1 MiB, loaded at 1 MiB: e_entry is virtual. */
	const struct tseg s[] = { { 0x100000, 0xC0100000, 0x1000, 0x100 } };
	struct img k32 = elf_img(32, 0xC0100010, s, 1, 0x2, NULL);
	struct img k64 = elf_img(64, 0xC0100020, s, 1, -1, NULL);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 4 * MiB, 0);
	CHECK_EQ(load(&t, &k32, NULL, NULL, &e), 0);
	CHECK_EQ(e.rip, 0x100010);
	CHECK_EQ(load(&t, &k64, NULL, NULL, &e), 0);
	CHECK_EQ(e.rip, 0x100020);
	ram_del(&t);
	free(k32.d);
	free(k64.d);
}

static void test_aout_kludge(void)
{
	struct img a =
	    aout_img(0x2000, 0x40, 0x10003, 0x200040, 0x200000, 0x201800, 0x203000, 0x200100);
	/* header 0x1000 into the file but 0x800 into the text: the text starts at 0x800 */
	struct img b = aout_img(0x2000, 0x1000, 0x10000, 0x400800, 0x400000, 0, 0, 0x400000);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &a, NULL, NULL, &e), 0);
	CHECK_EQ(e.mode, BOOT_MODE_MULTIBOOT32);
	CHECK_EQ(e.rip, 0x200100);
	CHECK(memcmp(gp(&t, 0x200000, 0x1800), a.d, 0x1800) == 0);
	CHECK(ram_all(&t, 0x201800, 0x203000, 0)); /* bss */
	CHECK_EQ(e.info_gpa, 0x203000); /* boot data starts on the first page above the bss */
	CHECK_EQ(e.kernel_high, 0x203000);

	CHECK_EQ(load(&t, &b, NULL, NULL, &e), 0);
	CHECK_EQ(e.rip, 0x400000);
	CHECK(memcmp(gp(&t, 0x400000, 0x1800), b.d + 0x800, 0x1800) == 0);
	CHECK_EQ(e.kernel_high, 0x401800);
	ram_del(&t);
	free(a.d);
	free(b.d);
}

static void test_aout_overrides_elf32(void)
{
	/* An ELF32 file whose Multiboot header has flag 16: the header's addresses win. */
	const struct tseg s[] = { { 0x100000, 0x100000, 0x1000, 0x100 } };
	struct img k = elf_img(32, 0x100000, s, 1, 0, NULL);
	uint32_t aout[5] = { 0x300000 + (uint32_t)k.mb_off, 0x300000, 0, 0x304000, 0x300008 };
	struct tram t;
	struct boot_entry e;

	put_mb(k.d + k.mb_off, 0x10000, aout);
	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK_EQ(e.mode, BOOT_MODE_MULTIBOOT32);
	CHECK_EQ(e.rip, 0x300008);
	CHECK(memcmp(gp(&t, 0x300000, k.n), k.d, k.n) == 0);
	CHECK(ram_all(&t, 0x300000 + k.n, 0x304000, 0));
	CHECK(ram_all(&t, 0x100000, 0x101000, JUNK)); /* the ELF headers were not used */
	ram_del(&t);
	free(k.d);
}

/* ---- Multiboot information ------------------------------------------------------------ */

enum {
	MBI_FLAGS = 0,
	MBI_MEM_LOWER = 4,
	MBI_MEM_UPPER = 8,
	MBI_CMDLINE = 16,
	MBI_MODS_COUNT = 20,
	MBI_MODS_ADDR = 24,
	MBI_MMAP_LENGTH = 44,
	MBI_MMAP_ADDR = 48,
	MBI_LOADER = 64
};

static void check_mmap(const struct tram *t, uint64_t mbi)
{
	struct want_row map[9];
	uint32_t n = rd32(t, mbi + MBI_MMAP_LENGTH) / 24, want = want_map(t, map);
	uint64_t m = rd32(t, mbi + MBI_MMAP_ADDR);

	CHECK_EQ(rd32(t, mbi + MBI_MMAP_LENGTH), want * 24);
	CHECK_EQ(rd32(t, mbi + MBI_MEM_LOWER), 639);
	CHECK_EQ(rd32(t, mbi + MBI_MEM_UPPER), (t->r.low_size - MiB) / 1024);
	if (n != want)
		return;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = m + 24 * i;

		CHECK_EQ(rd32(t, e), 20);
		CHECK_EQ(rd64(t, e + 4), map[i].addr);
		CHECK_EQ(rd64(t, e + 12), map[i].len);
		CHECK_EQ(rd32(t, e + 20), map[i].type);
	}
}

static void test_mbi_fields(void)
{
	const struct tseg s[] = { { 0x100000, 0x100000, 0x3000, 0x1000 } };
	struct img k = elf_img(64, 0x100000, s, 1, -1, NULL);
	uint8_t *initrd = malloc(5000);
	struct boot_image ird = { initrd, 5000, IPATH };
	struct tram t;
	struct boot_entry e;
	uint64_t mbi, mods, ms, me, pieces[5];

	for (int i = 0; i < 5000; i++)
		initrd[i] = (uint8_t)(i ^ 0x5A);
	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, &ird, "console=ttyS0 quiet", &e), 0);
	mbi = e.info_gpa;
	CHECK_EQ(rd32(&t, mbi + MBI_FLAGS), 0x24D); /* MEM CMDLINE MODS MMAP LOADER_NAME */
	CHECK_STR(rdstr(&t, rd32(&t, mbi + MBI_CMDLINE)), KPATH " console=ttyS0 quiet");
	CHECK_STR(rdstr(&t, rd32(&t, mbi + MBI_LOADER)), "hvemu");
	check_mmap(&t, mbi);
	CHECK_EQ(rd32(&t, mbi + MBI_MODS_COUNT), 1);
	mods = rd32(&t, mbi + MBI_MODS_ADDR);
	ms = rd32(&t, mods);
	me = rd32(&t, mods + 4);
	CHECK_EQ(ms, e.module_gpa);
	CHECK(ms % 4096 == 0 && ms >= 0x103000);
	CHECK_EQ(me - ms, 5000);
	CHECK(memcmp(gp(&t, ms, 5000), initrd, 5000) == 0);
	CHECK_STR(rdstr(&t, rd32(&t, mods + 8)), IPATH);
	CHECK_EQ(rd32(&t, mods + 12), 0);
	/* Every piece of boot data on its own page, above the module, below the end. */
	pieces[0] = mbi;
	pieces[1] = mods;
	pieces[2] = rd32(&t, mbi + MBI_MMAP_ADDR);
	pieces[3] = rd32(&t, mbi + MBI_CMDLINE);
	pieces[4] = rd32(&t, mbi + MBI_LOADER);
	for (int i = 0; i < 5; i++) {
		CHECK(pieces[i] % 4096 == 0);
		CHECK(pieces[i] >= ((me + 4095) & ~4095ull));
		CHECK(pieces[i] < e.boot_data_end);
		for (int j = 0; j < i; j++)
			CHECK(pieces[i] != pieces[j]);
	}
	CHECK(e.boot_data_end <= 16 * MiB);
	ram_del(&t);
	free(initrd);
	free(k.d);
}

static void test_mbi_cmdline_forms(void)
{
	const struct tseg s[] = { { 0x100000, 0x100000, 0x1000, 0x10 } };
	struct img k = elf_img(32, 0x100000, s, 1, 0, NULL);
	struct boot_image nopath = { k.d, k.n, NULL };
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 4 * MiB, 0);
	/* As QEMU: "<path> <text>", keeping the space when there is no text. */
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK_STR(rdstr(&t, rd32(&t, e.info_gpa + MBI_CMDLINE)), KPATH " ");
	CHECK_EQ(rd32(&t, e.info_gpa + MBI_MODS_COUNT), 0);
	CHECK_EQ(rd32(&t, e.info_gpa + MBI_FLAGS) & 0x8, 0x8);
	CHECK_EQ(load(&t, &k, NULL, "", &e), 0);
	CHECK_STR(rdstr(&t, rd32(&t, e.info_gpa + MBI_CMDLINE)), KPATH " ");
	CHECK_EQ(load(&t, &k, NULL, "a  b", &e), 0);
	CHECK_STR(rdstr(&t, rd32(&t, e.info_gpa + MBI_CMDLINE)), KPATH " a  b");
	CHECK_EQ(boot_load(&t.r, &nopath, NULL, "x=1", &e, NULL, 0), 0);
	CHECK_STR(rdstr(&t, rd32(&t, e.info_gpa + MBI_CMDLINE)), " x=1");
	ram_del(&t);
	free(k.d);
}

static void test_mbi_memory_sizes(void)
{
	static const uint64_t sizes[][2] = {
		{ 2 * MiB, 0 },	   { 64 * MiB, 0 },  { 3 * GiB, 0 },
		{ 3 * GiB, 4096 }, { 3 * GiB, GiB },
	};
	const struct tseg s[] = { { 0x100000, 0x100000, 0x1000, 0x10 } };
	struct img k = elf_img(64, 0x100000, s, 1, -1, NULL);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct tram t;
		struct boot_entry e;

		ram_new(&t, sizes[i][0], sizes[i][1]);
		CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
		check_mmap(&t, e.info_gpa);
		ram_del(&t);
	}
	free(k.d);
}

static void test_high_ram_segment(void)
{
	const struct tseg s[] = {
		{ 0x100000, 0x100000, 0x1000, 0x100 },
		{ 4 * GiB + 0x200000, 4 * GiB + 0x200000, 0x3000, 0x2000 },
	};
	struct img k = elf_img(64, 0x100000, s, 2, -1, NULL);
	struct img hi = elf_img(64, 4 * GiB + 0x200000, s, 2, -1, NULL);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 3 * GiB, 64 * MiB);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	check_segs(&t, s, 2);
	/* boot data stays in low RAM, above the low segment */
	CHECK(e.info_gpa >= 0x101000 && e.info_gpa < 16 * MiB);
	CHECK_EQ(e.kernel_high, 4 * GiB + 0x203000);
	CHECK_EQ(load(&t, &hi, NULL, NULL, &e), -ENOEXEC);
	CHECK(strstr(err, "above 4 GiB") != NULL);
	ram_del(&t);
	free(k.d);
	free(hi.d);
}

static void test_boot_data_placement(void)
{
	/* Program headers out of address order: boot data goes above the highest. */
	const struct tseg s[] = {
		{ 0x600000, 0x600000, 0x1800, 0x1000 },
		{ 0x100000, 0x100000, 0x1000, 0x1000 },
	};
	const struct tseg full[] = { { 0x100000, 0x100000, 4 * MiB - 0x101000, 0x10 } };
	struct img k = elf_img(64, 0x100000, s, 2, -1, NULL);
	struct img big = elf_img(64, 0x100000, full, 1, -1, NULL);
	uint8_t blob[64] = { 0 };
	struct boot_image ird = { blob, 3 * MiB, IPATH };
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 8 * MiB, 0);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK(e.info_gpa >= 0x602000);
	check_segs(&t, s, 2);
	ram_del(&t);

	/* The kernel leaves one page: the boot data needs more. Nothing may be written. */
	ram_new(&t, 4 * MiB, 0);
	CHECK_EQ(load(&t, &big, NULL, NULL, &e), -ENOSPC);
	CHECK(strstr(err, "does not fit") != NULL);
	CHECK(ram_all(&t, 0, 4 * MiB, JUNK));
	/* A module too large for the RAM left. */
	ird.data = malloc(ird.size);
	memset((void *)ird.data, 1, ird.size);
	CHECK_EQ(load(&t, &k, &ird, NULL, &e), -ENOEXEC); /* 0x600000 is beyond 4 MiB */
	CHECK_EQ(load(&t, &(struct img){ big.d, big.n, 0 }, &ird, NULL, &e), -ENOSPC);
	CHECK(strstr(err, "module") != NULL);
	CHECK(ram_all(&t, 0, 4 * MiB, JUNK));
	free((void *)ird.data);
	ram_del(&t);
	free(k.d);
	free(big.d);
}

static void test_read_file(void)
{
	char path[] = "/tmp/hvemu-boot-XXXXXX";
	int fd = mkstemp(path);
	struct img k = elf64();
	struct boot_image im;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, k.d, k.n), (ssize_t)k.n);
	close(fd);
	CHECK_EQ(boot_read_file(path, &im, err, sizeof(err)), 0);
	CHECK_EQ(im.size, k.n);
	CHECK(im.data && memcmp(im.data, k.d, k.n) == 0);
	CHECK(im.path == path);
	boot_image_free(&im);
	CHECK(im.data == NULL);
	CHECK_EQ(truncate(path, 0), 0);
	CHECK_EQ(boot_read_file(path, &im, err, sizeof(err)), 0);
	CHECK_EQ(im.size, 0);
	boot_image_free(&im);
	unlink(path);
	CHECK_EQ(boot_read_file(path, &im, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, path) != NULL);
	CHECK_EQ(boot_read_file("/tmp", &im, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a regular file") != NULL);
	/* A FIFO nobody writes: refused at once, never waited on (the alarm kills a hang). */
	CHECK_EQ(mkfifo(path, 0600), 0);
	alarm(10);
	CHECK_EQ(boot_read_file(path, &im, err, sizeof(err)), -EINVAL);
	alarm(0);
	CHECK(strstr(err, "not a regular file (a FIFO)") != NULL);
	unlink(path);
	CHECK_EQ(boot_read_file("/dev/zero", &im, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "a character device") != NULL);
	CHECK_EQ(boot_read_file(NULL, &im, err, sizeof(err)), -EINVAL);
	boot_image_free(NULL);
	free(k.d);
}

/* ---- fuzz seeds ----------------------------------------------------------------------- */

/* fuzz_boot input: control byte (bit 7: the tail is also an initrd; bits 0-6: tail
 * length), the kernel image, then the tail (the --cmdline text). */
static void write_seed(const char *dir, const char *name, uint8_t ctl, struct img k,
		       const char *tail)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fputc(ctl, f);
		fwrite(k.d, 1, k.n, f);
		fwrite(tail, 1, strlen(tail), f);
		fclose(f);
	}
	free(k.d);
}

static void write_seeds(const char *dir)
{
	const struct tseg two[] = { { 0x100000, 0x100000, 0x1000, 0x40 },
				    { 0x102000, 0xC0102000, 0x2000, 0x20 } };

	write_seed(dir, "elf64", 0, elf_img(64, 0x100000, two, 2, -1, NULL), "");
	write_seed(dir, "elf64-initrd", 0x80 | 10, elf_img(64, 0xC0102000, two, 2, -1, NULL),
		   "initrd=yes");
	write_seed(dir, "elf32-mb", 5, elf_img(32, 0x100010, two, 2, 3, NULL), "a b c");
	write_seed(dir, "aout", 0,
		   aout_img(0x200, 0x20, 0x10003, 0x100020, 0x100000, 0x100180, 0x102000, 0x100040),
		   "");
	write_seed(dir, "pvh64-initrd", 0x80 | 12, pvh_img(64, 0x100010, two, 2, 8, -1),
		   "console=ttyS0");
	write_seed(dir, "pvh32", 0, pvh_img(32, 0x102004, two, 2, 4, 0x3), "");
	write_seed(dir, "bzimage-initrd", 0x80 | 7, bz_img(0x300), "quiet x");
	write_seed(dir, "aout-noend", 2,
		   aout_img(0x100, 0x8, 0x10000, 0x200008, 0x200000, 0, 0, 0x200000), "hi");
}

int main(void)
{
	const char *seed_dir = getenv("HVEMU_BOOT_SEED_DIR");

	if (seed_dir)
		write_seeds(seed_dir);
	RUN(test_elf64_entry);
	RUN(test_multiboot_elf32);
	RUN(test_conventional_memory);
	RUN(test_virtual_entry);
	RUN(test_aout_kludge);
	RUN(test_aout_overrides_elf32);
	RUN(test_mbi_fields);
	RUN(test_mbi_cmdline_forms);
	RUN(test_mbi_memory_sizes);
	RUN(test_high_ram_segment);
	RUN(test_boot_data_placement);
	RUN(test_read_file);
	return t_done();
}
