// SPDX-License-Identifier: MIT
/*
 * boot_load on the two ways Linux is booted: the PVH entry of an ELF vmlinux (every field
 * of struct hvm_start_info, the 32-bit entry state) and the x86 boot protocol of a bzImage
 * (the placement, every zero-page field hvemu sets, the untouched rest, the 64-bit entry
 * state). Refusals of both are in test_boot_reject.c.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_boot_img.h"

/* struct hvm_start_info offsets (Xen's arch-x86/hvm/start_info.h). */
enum {
	SI_MAGIC = 0x00,
	SI_VERSION = 0x04,
	SI_FLAGS = 0x08,
	SI_NR_MODULES = 0x0C,
	SI_MODLIST = 0x10,
	SI_CMDLINE = 0x18,
	SI_RSDP = 0x20,
	SI_MEMMAP = 0x28,
	SI_MEMMAP_ENTRIES = 0x30,
	SI_RESERVED = 0x34,
	SI_SIZE = 0x38,
};

static void check_pvh_memmap(const struct tram *t, uint64_t si)
{
	struct want_row map[9];
	uint32_t n = want_map(t, map);
	uint64_t m = rd64(t, si + SI_MEMMAP);

	CHECK_EQ(rd32(t, si + SI_MEMMAP_ENTRIES), n);
	CHECK(m % 8 == 0 && m >= MiB);
	for (uint32_t i = 0; i < n && rd32(t, si + SI_MEMMAP_ENTRIES) == n; i++) {
		CHECK_EQ(rd64(t, m + 24 * i), map[i].addr);
		CHECK_EQ(rd64(t, m + 24 * i + 8), map[i].len);
		CHECK_EQ(rd32(t, m + 24 * i + 16), map[i].type); /* e820 types: 1 RAM, 2 reserved */
		CHECK_EQ(rd32(t, m + 24 * i + 20), 0);
	}
}

static void test_pvh_start_info(void)
{
	/* Shaped like a vmlinux: linked at -2 GiB, loaded at its physical addresses. */
	const struct tseg s[] = {
		{ 0x200000, 0xffffffff81000000ull, 0x3000, 0x2800 },
		{ 0x204000, 0xffffffff81004000ull, 0x6000, 0x1000 },
	};
	struct img k = pvh_img(64, 0x200040, s, 2, 8, -1);
	uint8_t *initrd = malloc(7000);
	struct boot_image ird = { initrd, 7000, IPATH };
	struct tram t;
	struct boot_entry e;
	uint64_t si, mods, pieces[4];

	for (int i = 0; i < 7000; i++)
		initrd[i] = (uint8_t)(i * 3);
	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, &ird, "console=ttyS0 root=/dev/vda", &e), 0);
	check_segs(&t, s, 2);
	CHECK_EQ(e.format, BOOT_FMT_PVH);
	CHECK_STR(boot_format_name(e.format), "PVH");
	/* The entry state of Xen's docs/misc/pvh.pandoc. */
	CHECK_EQ(e.mode, BOOT_MODE_PVH32);
	CHECK_EQ(e.rip, 0x200040); /* the note's physical address, not e_entry */
	CHECK_EQ(e.rbx, e.info_gpa);
	CHECK_EQ(e.rax, 0);
	CHECK_EQ(e.rsi, 0);
	CHECK_EQ(e.rdi, 0);
	CHECK_EQ(e.rflags, 0x2); /* IF, TF, VM clear */
	CHECK_EQ(e.cr0, 0x11);	 /* PE (and ET), paging off */
	CHECK_EQ(e.cr4, 0);
	CHECK_EQ(e.efer, 0);
	check_flat(&e.cs, 0x08, 0xB, 0, 1);
	check_flat(&e.ds, 0x10, 0x3, 0, 1);
	check_flat(&e.es, 0x10, 0x3, 0, 1);
	check_flat(&e.ss, 0x10, 0x3, 0, 1);
	CHECK_EQ(e.tr.base, 0);
	CHECK_EQ(e.tr.limit, 0x67);
	CHECK_EQ(e.tr.type, 0xB); /* a busy 32-bit TSS */
	CHECK_EQ(rd64(&t, 0xB0008), 0x00CF9B000000FFFFull);
	CHECK_EQ(rd64(&t, 0xB1000), 0); /* no page tables: paging is off */

	si = e.info_gpa;
	CHECK(si % 8 == 0 && si >= 0x20A000);
	CHECK_EQ(rd32(&t, si + SI_MAGIC), 0x336ec578);
	CHECK_EQ(rd32(&t, si + SI_VERSION), 1);
	CHECK_EQ(rd32(&t, si + SI_FLAGS), 0);
	CHECK_EQ(rd32(&t, si + SI_RESERVED), 0);
	CHECK_EQ(rd64(&t, si + SI_RSDP), 0xF0000);
	CHECK_EQ(rd64(&t, si + SI_CMDLINE), e.cmdline_gpa);
	/* The command line is the text alone: Linux does not expect its path in it. */
	CHECK_STR(rdstr(&t, e.cmdline_gpa), "console=ttyS0 root=/dev/vda");
	check_pvh_memmap(&t, si);
	CHECK_EQ(rd32(&t, si + SI_NR_MODULES), 1);
	mods = rd64(&t, si + SI_MODLIST);
	CHECK(mods % 8 == 0);
	CHECK_EQ(rd64(&t, mods), e.module_gpa);
	CHECK_EQ(rd64(&t, mods + 8), 7000);
	CHECK_EQ(rd64(&t, mods + 16), 0); /* no module command line */
	CHECK_EQ(rd64(&t, mods + 24), 0);
	CHECK(e.module_gpa % 4096 == 0 && e.module_gpa >= 0x20A000);
	CHECK(memcmp(gp(&t, e.module_gpa, 7000), initrd, 7000) == 0);
	/* Every piece above the kernel and the module, each on its own page. */
	pieces[0] = si;
	pieces[1] = mods;
	pieces[2] = rd64(&t, si + SI_MEMMAP);
	pieces[3] = e.cmdline_gpa;
	for (int i = 0; i < 4; i++) {
		CHECK(pieces[i] >= e.module_gpa + 8192);
		CHECK(pieces[i] < e.boot_data_end);
		for (int j = 0; j < i; j++)
			CHECK(pieces[i] / 4096 != pieces[j] / 4096);
	}
	CHECK_EQ(e.kernel_low, 0x200000);
	CHECK_EQ(e.kernel_high, 0x20A000);
	ram_del(&t);
	free(initrd);
	free(k.d);
}

static void test_pvh_forms(void)
{
	const struct tseg s[] = { { 0x100000, 0xC0100000, 0x2000, 0x100 } };
	/* An ELF32 kernel with both a Multiboot header and the note: PVH wins. */
	struct img k32 = pvh_img(32, 0x100010, s, 1, 4, 0x3);
	struct img k64 = pvh_img(64, 0x100020, s, 1, 4, -1);
	struct tram t;
	struct boot_entry e;
	uint64_t si;

	ram_new(&t, 3 * GiB, 64 * MiB);
	CHECK_EQ(load(&t, &k32, NULL, NULL, &e), 0);
	CHECK_EQ(e.format, BOOT_FMT_PVH);
	CHECK_EQ(e.rip, 0x100010);
	CHECK_EQ(e.module_gpa, 0);
	si = e.info_gpa;
	CHECK_EQ(rd32(&t, si + SI_NR_MODULES), 0);
	CHECK_EQ(rd64(&t, si + SI_MODLIST), 0);
	CHECK_STR(rdstr(&t, rd64(&t, si + SI_CMDLINE)), "");
	check_pvh_memmap(&t, si); /* with RAM above 4 GiB */
	CHECK_EQ(load(&t, &k64, NULL, "x", &e), 0);
	CHECK_EQ(e.rip, 0x100020);
	CHECK_EQ(e.rbx, e.info_gpa);
	CHECK_STR(rdstr(&t, rd64(&t, e.info_gpa + SI_CMDLINE)), "x");
	ram_del(&t);
	free(k32.d);
	free(k64.d);
}

/* ---- bzImage -------------------------------------------------------------------------- */

static void check_zero_page_e820(const struct tram *t, uint64_t zp)
{
	struct want_row map[9];
	uint32_t n = want_map(t, map);

	CHECK_EQ(*gp(t, zp + ZP_E820_ENTRIES, 1), n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t row = zp + ZP_E820_TABLE + 20 * i;

		CHECK_EQ(rd64(t, row), map[i].addr);
		CHECK_EQ(rd64(t, row + 8), map[i].len);
		CHECK_EQ(rd32(t, row + 16), map[i].type);
	}
	CHECK(ram_all(t, zp + ZP_E820_TABLE + 20 * n, zp + ZP_E820_TABLE + 20 * 128, 0));
}

/* The zero page holds zeroes except where a field is named here. */
static bool zero_page_rest_clear(const struct tram *t, uint64_t zp)
{
	static const struct {
		uint32_t off, len;
	} set[] = {
		{ ZP_ACPI_RSDP, 8 },	     { ZP_EXT_RAMDISK_IMAGE, 12 },
		{ ZP_E820_ENTRIES, 1 },	     { 0x1F1, BZ_HEADER_END - 0x1F1 },
		{ ZP_E820_TABLE, 20 * 128 },
	};
	const uint8_t *p = gp(t, zp, 4096);

	for (uint32_t i = 0; i < 4096; i++) {
		bool named = false;

		for (size_t j = 0; j < sizeof(set) / sizeof(set[0]); j++)
			named |= i >= set[j].off && i < set[j].off + set[j].len;
		if (!named && p[i])
			return false;
	}
	return true;
}

static void test_bzimage_zero_page(void)
{
	struct img k = bz_img(0x3000);
	uint8_t *initrd = malloc(5000);
	struct boot_image ird = { initrd, 5000, IPATH };
	struct tram t;
	struct boot_entry e;
	uint64_t zp, rd;

	for (int i = 0; i < 5000; i++)
		initrd[i] = (uint8_t)(i ^ 0xA5);
	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, &ird, "console=ttyS0 quiet", &e), 0);
	CHECK_EQ(e.format, BOOT_FMT_BZIMAGE);
	CHECK_STR(boot_format_name(e.format), "bzImage");
	/* The protected-mode kernel (after 1 + 4 sectors) at the preferred address. */
	CHECK(memcmp(gp(&t, 0x200000, 0x3000), k.d + 0xA00, 0x3000) == 0);
	CHECK(ram_all(&t, 0x203000, 0x300000, JUNK)); /* the rest of init_size is the kernel's */
	CHECK_EQ(e.kernel_low, 0x200000);
	CHECK_EQ(e.kernel_high, 0x300000);

	zp = e.info_gpa;
	CHECK(zp % 4096 == 0 && zp >= 0x300000); /* above load address + init_size */
	/* The setup header is copied from the file... */
	CHECK(memcmp(gp(&t, zp + 0x1F1, BZ_TYPE_OF_LOADER - 0x1F1), k.d + 0x1F1,
		     BZ_TYPE_OF_LOADER - 0x1F1) == 0);
	CHECK(memcmp(gp(&t, zp + BZ_LOADFLAGS, BZ_RAMDISK_IMAGE - BZ_LOADFLAGS), k.d + BZ_LOADFLAGS,
		     BZ_RAMDISK_IMAGE - BZ_LOADFLAGS) == 0);
	CHECK(memcmp(gp(&t, zp + BZ_INITRD_ADDR_MAX, BZ_HEADER_END - BZ_INITRD_ADDR_MAX),
		     k.d + BZ_INITRD_ADDR_MAX, BZ_HEADER_END - BZ_INITRD_ADDR_MAX) == 0);
	/* ...with the loader's fields filled in. */
	CHECK_EQ(*gp(&t, zp + BZ_TYPE_OF_LOADER, 1), 0xFF);
	CHECK_EQ(rd32(&t, zp + BZ_CMD_LINE_PTR), e.cmdline_gpa);
	CHECK_EQ(rd32(&t, zp + ZP_EXT_CMD_LINE_PTR), 0);
	CHECK_STR(rdstr(&t, e.cmdline_gpa), "console=ttyS0 quiet");
	CHECK(e.cmdline_gpa > zp && e.cmdline_gpa < e.boot_data_end);
	rd = rd32(&t, zp + BZ_RAMDISK_IMAGE);
	CHECK_EQ(rd, e.module_gpa);
	CHECK_EQ(rd, 16 * MiB - 8192); /* as high as RAM allows, page aligned */
	CHECK_EQ(rd32(&t, zp + BZ_RAMDISK_SIZE), 5000);
	CHECK_EQ(rd32(&t, zp + ZP_EXT_RAMDISK_IMAGE), 0);
	CHECK_EQ(rd32(&t, zp + ZP_EXT_RAMDISK_SIZE), 0);
	CHECK(memcmp(gp(&t, rd, 5000), initrd, 5000) == 0);
	CHECK_EQ(rd64(&t, zp + ZP_ACPI_RSDP), 0xF0000);
	CHECK_EQ(*gp(&t, zp + ZP_SENTINEL, 1), 0);
	check_zero_page_e820(&t, zp);
	CHECK(zero_page_rest_clear(&t, zp));
	ram_del(&t);
	free(initrd);
	free(k.d);
}

static void test_bzimage_entry(void)
{
	struct img k = bz_img(0x1000);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 16 * MiB, 0);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	/* boot.rst "64-bit boot protocol": startup_64, RSI = boot_params, __BOOT_CS/DS. */
	CHECK_EQ(e.mode, BOOT_MODE_LINUX64);
	CHECK_EQ(e.rip, 0x200200);
	CHECK_EQ(e.rsi, e.info_gpa);
	CHECK_EQ(e.rdi, 0);
	CHECK_EQ(e.rax, 0);
	CHECK_EQ(e.rbx, 0);
	CHECK_EQ(e.rflags, 0x2); /* interrupts off */
	CHECK_EQ(e.cr0, 0x80010033ull);
	CHECK_EQ(e.cr4, 0x20);
	CHECK_EQ(e.efer, 0x500);
	CHECK_EQ(e.cr3, 0xB1000); /* the identity map of the first 4 GiB */
	CHECK_EQ(rd64(&t, 0xB1000) & ~0xFFFull, 0xB2000);
	CHECK_EQ(rd64(&t, 0xB3000 + 8 * 1) & ~0xFFFull, 0x200000); /* 2 MiB -> 2 MiB */
	CHECK_EQ(e.gdt.base, 0xB0000);
	CHECK_EQ(e.gdt.limit, 31);
	CHECK_EQ(rd64(&t, 0xB0008), 0);
	CHECK_EQ(rd64(&t, 0xB0010), 0x00AF9B000000FFFFull); /* __BOOT_CS: 64-bit code */
	CHECK_EQ(rd64(&t, 0xB0018), 0x00CF93000000FFFFull); /* __BOOT_DS */
	CHECK_EQ(e.cs.selector, 0x10);
	CHECK_EQ(e.cs.l, 1);
	CHECK_EQ(e.cs.db, 0);
	CHECK_EQ(e.ds.selector, 0x18);
	CHECK_EQ(e.es.selector, 0x18);
	CHECK_EQ(e.ss.selector, 0x18);
	CHECK_EQ(e.ss.db, 1);
	/* Without an initrd the ramdisk fields stay 0; an empty command line is "". */
	CHECK_EQ(rd32(&t, e.info_gpa + BZ_RAMDISK_IMAGE), 0);
	CHECK_EQ(rd32(&t, e.info_gpa + BZ_RAMDISK_SIZE), 0);
	CHECK_EQ(e.module_gpa, 0);
	CHECK_STR(rdstr(&t, rd32(&t, e.info_gpa + BZ_CMD_LINE_PTR)), "");
	ram_del(&t);
	free(k.d);
}

static void test_bzimage_placement(void)
{
	struct img k = bz_img(0x1000);
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 16 * MiB, 0);
	/* Relocatable: the preferred address rounded up to kernel_alignment. */
	SET(k, BZ_PREF_ADDRESS, uint64_t, 0x280000);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK_EQ(e.kernel_low, 0x400000);
	CHECK_EQ(e.rip, 0x400200);
	SET(k, BZ_KERNEL_ALIGNMENT, uint32_t, 0x1000);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK_EQ(e.kernel_low, 0x280000);
	/* Not relocatable: exactly the preferred address. */
	SET(k, BZ_RELOCATABLE, uint8_t, 0);
	SET(k, BZ_PREF_ADDRESS, uint64_t, 0x301000);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK_EQ(e.kernel_low, 0x301000);
	CHECK(memcmp(gp(&t, 0x301000, 0x1000), k.d + 0xA00, 0x1000) == 0);
	/* setup_sects 0 means 4. */
	SET(k, BZ_SETUP_SECTS, uint8_t, 0);
	CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
	CHECK(memcmp(gp(&t, 0x301000, 0x1000), k.d + 0xA00, 0x1000) == 0);
	/* A command line of exactly cmdline_size bytes is accepted. */
	SET(k, BZ_CMDLINE_SIZE, uint32_t, 5);
	CHECK_EQ(load(&t, &k, NULL, "12345", &e), 0);
	CHECK_STR(rdstr(&t, e.cmdline_gpa), "12345");
	ram_del(&t);
	free(k.d);
}

static void test_bzimage_initrd(void)
{
	struct img k = bz_img(0x1000);
	uint8_t blob[3000];
	struct boot_image ird = { blob, sizeof(blob), IPATH };
	struct tram t;
	struct boot_entry e;

	memset(blob, 0x77, sizeof(blob));
	/* Below initrd_addr_max (the last byte it may occupy). */
	ram_new(&t, 16 * MiB, 0);
	SET(k, BZ_INITRD_ADDR_MAX, uint32_t, 0x9FFFFF);
	CHECK_EQ(load(&t, &k, &ird, NULL, &e), 0);
	CHECK_EQ(e.module_gpa, 0xA00000 - 4096);
	CHECK(memcmp(gp(&t, e.module_gpa, sizeof(blob)), blob, sizeof(blob)) == 0);
	/* An empty initrd still gets an address. */
	ird.size = 0;
	CHECK_EQ(load(&t, &k, &ird, NULL, &e), 0);
	CHECK_EQ(e.module_gpa, 0xA00000 - 4096);
	CHECK_EQ(rd32(&t, e.info_gpa + BZ_RAMDISK_SIZE), 0);
	ird.size = sizeof(blob);
	ram_del(&t);

	/* Above 4 GiB, at the top of RAM, when the kernel says it can take it there. */
	ram_new(&t, 3 * GiB, 64 * MiB);
	CHECK_EQ(load(&t, &k, &ird, NULL, &e), 0);
	CHECK_EQ(e.module_gpa, 4 * GiB + 64 * MiB - 4096);
	CHECK_EQ(rd32(&t, e.info_gpa + BZ_RAMDISK_IMAGE), (uint32_t)(64 * MiB - 4096));
	CHECK_EQ(rd32(&t, e.info_gpa + ZP_EXT_RAMDISK_IMAGE), 1);
	CHECK_EQ(rd32(&t, e.info_gpa + BZ_RAMDISK_SIZE), sizeof(blob));
	CHECK(memcmp(gp(&t, e.module_gpa, sizeof(blob)), blob, sizeof(blob)) == 0);
	check_zero_page_e820(&t, e.info_gpa);
	/* Without XLF_CAN_BE_LOADED_ABOVE_4G it stays below initrd_addr_max. */
	SET(k, BZ_XLOADFLAGS, uint16_t, 0x1);
	CHECK_EQ(load(&t, &k, &ird, NULL, &e), 0);
	CHECK_EQ(e.module_gpa, 0xA00000 - 4096);
	CHECK_EQ(rd32(&t, e.info_gpa + ZP_EXT_RAMDISK_IMAGE), 0);
	ram_del(&t);
	free(k.d);
}

int main(void)
{
	RUN(test_pvh_start_info);
	RUN(test_pvh_forms);
	RUN(test_bzimage_zero_page);
	RUN(test_bzimage_entry);
	RUN(test_bzimage_placement);
	RUN(test_bzimage_initrd);
	return t_done();
}
