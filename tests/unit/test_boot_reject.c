// SPDX-License-Identifier: MIT
/*
 * Every image boot_load must refuse, with the check its message names, and nothing
 * written to guest RAM: not loadable, bad Multiboot headers, bad ELF headers and
 * segments, a.out kludge addresses, bad PVH notes, bad bzImage headers and what does not
 * fit them (init_size, initrd, command line), bad arguments.
 */
#include <errno.h>

#include "test_boot_img.h"

/* ---- rejections ----------------------------------------------------------------------- */

/* k refused with want and msg in a VM of ram bytes (at most 16 MiB: all junk-filled). */
static void reject_in(struct img k, uint64_t ram, const struct boot_image *initrd,
		      const char *cmdline, int want, const char *msg)
{
	struct tram t;
	struct boot_entry e;
	int ret;

	ram_new(&t, ram, 0);
	ret = load(&t, &k, initrd, cmdline, &e);
	CHECK_MSG(ret == want, "got %d, want %d (%s) for \"%s\"", ret, want, err, msg);
	CHECK_MSG(strstr(err, msg) != NULL, "message \"%s\" lacks \"%s\"", err, msg);
	CHECK(ram_all(&t, 0, ram, JUNK));
	ram_del(&t);
	free(k.d);
}

static void reject(struct img k, int want, const char *msg)
{
	reject_in(k, 4 * MiB, NULL, NULL, want, msg);
}

static struct img raw(const void *bytes, size_t n)
{
	struct img im = { malloc(n ? n : 1), n, 0 };

	memcpy(im.d, bytes, n);
	return im;
}

static const struct tseg one[] = { { 0x100000, 0x100000, 0x2000, 0x100 } };

#define EH64(f) offsetof(Elf64_Ehdr, f)
#define PH64(f) (sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, f))

static void test_reject_not_loadable(void)
{
	struct img k = aout_img(0x1000, 0x100, 0x10000, 0, 0, 0, 0, 0);

	reject(raw("", 0), -ENOEXEC, "empty");
	reject(raw("hello, world, not a kernel", 26), -ENOEXEC,
	       "no ELF magic, no Multiboot header");
	/* a magic with a wrong checksum is not a header */
	SET(k, 0x108, uint32_t, 0x12345678);
	reject(k, -ENOEXEC, "no ELF magic, no Multiboot header");
	/* a header past the first 8 KiB does not count */
	k = aout_img(0x3000, 0x2000, 0x10000, 0x102000, 0x100000, 0, 0, 0x100000);
	reject(k, -ENOEXEC, "no ELF magic, no Multiboot header");
	/* a header without flag 16 in a file that is not ELF */
	k = aout_img(0x1000, 0x100, 0x3, 0, 0, 0, 0, 0);
	reject(k, -ENOEXEC, "flag 16");
	/* ELF32 without a Multiboot header */
	reject(elf_img(32, 0x100000, one, 1, -1, NULL), -ENOEXEC,
	       "ELF32 image without a Multiboot header");
}

static void test_reject_multiboot_header(void)
{
	struct img k;

	reject(aout_img(0x1000, 0x40, 0x10004, 0x100040, 0x100000, 0, 0, 0x100000), -ENOEXEC,
	       "video mode");
	reject(aout_img(0x1000, 0x40, 0x10020, 0x100040, 0x100000, 0, 0, 0x100000), -ENOEXEC,
	       "unknown features (bits 0x0020)");
	/* optional bits 17-31 are fine */
	k = aout_img(0x1000, 0x40, 0x80010000, 0x100040, 0x100000, 0, 0, 0x100000);
	{
		struct tram t;
		struct boot_entry e;

		ram_new(&t, 4 * MiB, 0);
		CHECK_EQ(load(&t, &k, NULL, NULL, &e), 0);
		ram_del(&t);
		free(k.d);
	}
	/* flag 16 needs 32 bytes of header inside the first 8 KiB */
	k = aout_img(0x3000, 8192 - 16, 0x10000, 0, 0, 0, 0, 0);
	reject(k, -ENOEXEC, "truncated Multiboot header");
	k = aout_img(0x3000, 0x1000, 0x10000, 0, 0, 0, 0, 0);
	k.n = 0x1000 + 12; /* the file ends inside the header */
	reject(k, -ENOEXEC, "truncated Multiboot header");
}

/* One field of an ELF64 kernel's header changed, and the check that must refuse it. */
static const struct {
	size_t off, size; /* within the image; size 1, 2 or 8 */
	uint64_t value;
	const char *msg;
} elf64_header_cases[] = {
	{ EI_CLASS, 1, 3, "wrong ELF class 3" },
	{ EI_DATA, 1, ELFDATA2MSB, "little-endian" },
	{ EI_VERSION, 1, 0, "EV_CURRENT" },
	{ EH64(e_machine), 2, EM_386, "wrong ELF machine 3 for ELF64" },
	{ EH64(e_type), 2, ET_DYN, "wrong ELF type 3" },
	{ EH64(e_phnum), 2, 0, "no program headers" },
	{ EH64(e_phnum), 2, 0xFFFF, "PN_XNUM" },
	{ EH64(e_phentsize), 2, 32, "e_phentsize 32" },
	{ EH64(e_phnum), 2, 500, "truncated ELF program header table" },
	/* offset + size overflows */
	{ EH64(e_phoff), 8, UINT64_MAX - 16, "truncated ELF program header table" },
};

static void test_reject_elf_headers(void)
{
	struct img k;

	reject(raw("\x7f"
		   "ELF\x02\x01\x01",
		   7),
	       -ENOEXEC, "truncated ELF identification");
	k = elf64();
	k.n = 40;
	reject(k, -ENOEXEC, "truncated ELF header");
	for (size_t i = 0; i < sizeof(elf64_header_cases) / sizeof(elf64_header_cases[0]); i++) {
		uint64_t v = elf64_header_cases[i].value;

		k = elf64();
		memcpy(k.d + elf64_header_cases[i].off, &v, elf64_header_cases[i].size);
		reject(k, -ENOEXEC, elf64_header_cases[i].msg);
	}
	k = elf_img(32, 0x100000, one, 1, 0, NULL);
	SET(k, offsetof(Elf32_Ehdr, e_machine), uint16_t, EM_X86_64);
	reject(k, -ENOEXEC, "wrong ELF machine 62 for ELF32");
	k = elf64();
	SET(k, EH64(e_phoff), uint64_t, k.n - 8);
	reject(k, -ENOEXEC, "truncated ELF program header table");
}

static void test_reject_elf_segments(void)
{
	const struct tseg low[] = { { 0xF0000, 0xF0000, 0x1000, 0x10 } };
	const struct tseg straddle[] = { { 0xFF000, 0xFF000, 0x2000, 0x10 } };
	const struct tseg ebda[] = { { 0x9F000, 0x9F000, 0x1000, 0x10 } };
	const struct tseg beyond[] = { { 0x3FF000, 0x3FF000, 0x2000, 0x10 } };
	const struct tseg hole[] = { { 0xBFFFF000, 0xBFFFF000, 0x2000, 0x10 } };
	const struct tseg wrap[] = { { 0xFFFFFFFFFFFFF000ull, 0x1000, 0x2000, 0x10 } };
	const struct tseg ovl[] = { { 0x100000, 0x100000, 0x2000, 0x10 },
				    { 0x101FFF, 0x101FFF, 0x10, 0x10 } };
	const struct tseg adj[] = { { 0x100000, 0x100000, 0x2000, 0x10 },
				    { 0x102000, 0x102000, 0x10, 0x10 } };
	struct img k;

	k = elf64();
	SET(k, PH64(p_filesz), uint64_t, 0x2001);
	reject(k, -ENOEXEC, "p_filesz 0x2001 is larger than p_memsz 0x2000");
	k = elf64();
	SET(k, PH64(p_offset), uint64_t, k.n - 0x80);
	reject(k, -ENOEXEC, "truncated ELF segment");
	k = elf64();
	SET(k, PH64(p_offset), uint64_t, UINT64_MAX - 0x10);
	reject(k, -ENOEXEC, "truncated ELF segment");
	reject(elf_img(64, 0xF0000, low, 1, -1, NULL), -ENOEXEC,
	       "ELF segment (program header 0) [0xf0000, 0xf1000) overlaps [0x9fc00, 0x100000)");
	reject(elf_img(64, 0x100000, straddle, 1, -1, NULL), -ENOEXEC,
	       "[0xff000, 0x101000) overlaps [0x9fc00, 0x100000), reserved for the EBDA");
	reject(elf_img(32, 0x9F000, ebda, 1, 0, NULL), -ENOEXEC,
	       "[0x9f000, 0xa0000) overlaps [0x9fc00, 0x100000)");
	reject(elf_img(64, 0x3FF000, beyond, 1, -1, NULL), -ENOEXEC, "outside usable RAM");
	reject(elf_img(64, 0xBFFFF000, hole, 1, -1, NULL), -ENOEXEC, "MMIO hole");
	reject(elf_img(32, 0xBFFFF000, hole, 1, 0, NULL), -ENOEXEC, "MMIO hole");
	reject(elf_img(64, 0x1000, wrap, 1, -1, NULL), -ENOEXEC, "wraps around");
	reject(elf_img(64, 0x100000, ovl, 2, -1, NULL), -ENOEXEC, "overlapping segments");
	reject(elf_img(64, 0x200000, one, 1, -1, NULL), -ENOEXEC,
	       "entry point 0x200000 is not inside any loaded segment");
	reject(elf_img(64, 0x102000 + 0x10, adj, 2, -1, NULL), -ENOEXEC, "entry point");
	/* only zero-sized PT_LOADs: nothing to load */
	k = elf64();
	SET(k, PH64(p_memsz), uint64_t, 0);
	SET(k, PH64(p_filesz), uint64_t, 0);
	reject(k, -ENOEXEC, "no loadable segments");
	/* other headers are ignored, even with nonsense in them ... */
	k = elf64();
	SET(k, PH64(p_type), uint32_t, PT_DYNAMIC);
	SET(k, PH64(p_offset), uint64_t, UINT64_MAX);
	reject(k, -ENOEXEC, "no loadable segments");
	/* ... but not PT_NOTE: the loader reads it, looking for a PVH entry */
	k = elf64();
	SET(k, PH64(p_type), uint32_t, PT_NOTE);
	SET(k, PH64(p_offset), uint64_t, UINT64_MAX);
	reject(k, -ENOEXEC, "truncated ELF note segment: program header 0");
}

/* a.out kludge addresses (file 0x1000 bytes, header at 0x40, flags 0x10000) refused. */
static const struct {
	uint32_t header_addr, load_addr, load_end, bss_end, entry;
	const char *msg;
} aout_cases[] = {
	{ 0x100000, 0x100040, 0, 0, 0x100040, "load_addr 0x100040 is above header_addr 0x100000" },
	{ 0x100080, 0x100000, 0, 0, 0x100000,
	  "header_addr - load_addr = 0x80 but the header is at file offset 0x40" },
	{ 0x100040, 0x100000, 0xFF000, 0, 0x100000, "load_end_addr 0xff000 is below load_addr" },
	{ 0x100040, 0x100000, 0x101001, 0, 0x100000, "file too short" },
	{ 0x100040, 0x100000, 0x100800, 0x1007FF, 0x100000,
	  "bss_end_addr 0x1007ff is below the end of the loaded data 0x100800" },
	{ 0x100040, 0x100000, 0, 0, 0x101000, "entry point 0x101000" },
	{ 0xA0040, 0xA0000, 0, 0, 0xA0000,
	  "a.out kludge segment [0xa0000, 0xa1000) overlaps [0x9fc00, 0x100000)" },
	{ 0xFFFFF040, 0xFFFFF000, 0, 0xFFFFFFFF, 0xFFFFF000,
	  "bss_end_addr 0xffffffff is below the end of the loaded data 0x100000000" },
	{ 0xFFFFF040, 0xFFFFF000, 0, 0, 0xFFFFF000,
	  "a.out kludge segment [0xfffff000, 0x100000000) overlaps the MMIO hole" },
	{ 0xBFFFF040, 0xBFFFF000, 0, 0xC0001000, 0xBFFFF000, "MMIO hole" },
};

static void test_reject_aout(void)
{
	for (size_t i = 0; i < sizeof(aout_cases) / sizeof(aout_cases[0]); i++)
		reject(aout_img(0x1000, 0x40, 0x10000, aout_cases[i].header_addr,
				aout_cases[i].load_addr, aout_cases[i].load_end,
				aout_cases[i].bss_end, aout_cases[i].entry),
		       -ENOEXEC, aout_cases[i].msg);
}

/* ---- PVH notes ------------------------------------------------------------------------ */

static void test_reject_pvh(void)
{
	const struct tseg s[] = { { 0x100000, 0xffffffff81000000ull, 0x2000, 0x100 } };
	struct img k;
	size_t ph;

	reject(pvh_img(64, 0x100000, s, 1, 2, -1), -ENOEXEC, "2-byte descriptor, not 4 or 8");
	reject(pvh_img(64, 0x100100000ull, s, 1, 8, -1), -ENOEXEC,
	       "PVH entry point 0x100100000 is above 4 GiB");
	/* The entry is physical: the virtual address of a segment does not count. */
	reject(pvh_img(64, 0x81000010, s, 1, 4, -1), -ENOEXEC,
	       "entry point 0x81000010 is not inside any loaded segment");
	reject(pvh_img(32, 0x300000, s, 1, 4, -1), -ENOEXEC, "not inside any loaded segment");
	/* A note that claims more than its segment holds. */
	k = pvh_img(64, 0x100000, s, 1, 4, -1);
	ph = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	SET(k, ph + offsetof(Elf64_Phdr, p_filesz), uint64_t, 36);
	reject(k, -ENOEXEC, "truncated ELF note in program header 1");
	k = pvh_img(64, 0x100000, s, 1, 4, -1);
	SET(k, ph + offsetof(Elf64_Phdr, p_filesz), uint64_t, k.n);
	reject(k, -ENOEXEC, "truncated ELF note segment: program header 1");
	/* A bad segment is still refused as such when the note is fine. */
	k = pvh_img(64, 0x100000, s, 1, 4, -1);
	SET(k, PH64(p_paddr), uint64_t, 0xF0000);
	reject(k, -ENOEXEC, "overlaps [0x9fc00, 0x100000)");
}

/* ---- bzImage -------------------------------------------------------------------------- */

/* One field of bz_img(0x1000) changed, and the check that must refuse it. */
static const struct {
	size_t off, size; /* size 1, 2, 4 or 8 */
	uint64_t value;
	int want;
	const char *msg;
} bz_header_cases[] = {
	{ BZ_BOOT_FLAG, 2, 0x55AA, -ENOEXEC, "boot_flag 0x55aa is not 0xAA55" },
	{ BZ_VERSION, 2, 0x0205, -ENOEXEC, "Linux boot protocol 2.05 is older than 2.06" },
	{ BZ_VERSION, 2, 0x0201, -ENOEXEC, "protocol 2.01 is older than 2.06" },
	/* 2.06-2.11 have no xloadflags, so no 64-bit entry */
	{ BZ_VERSION, 2, 0x020B, -ENOEXEC, "no 64-bit entry point (protocol 2.11" },
	{ BZ_XLOADFLAGS, 2, 0x2, -ENOEXEC, "xloadflags 0x2 without XLF_KERNEL_64" },
	{ BZ_LOADFLAGS, 1, 0x0, -ENOEXEC, "a zImage" },
	{ BZ_KERNEL_ALIGNMENT, 4, 0x300000, -ENOEXEC,
	  "kernel_alignment 0x300000 is not a power of two" },
	{ BZ_KERNEL_ALIGNMENT, 4, 0, -ENOEXEC, "kernel_alignment 0x0 is not a power of two" },
	{ BZ_SETUP_SECTS, 1, 200, -ENOEXEC, "the protected-mode kernel would start at 0x19200" },
	{ BZ_SETUP_SECTS, 1, 11, -ENOEXEC, "ends before its 64-bit entry at offset 0x200" },
	{ BZ_PAYLOAD_LENGTH, 4, 0xF01, -ENOEXEC, "payload [0x100, +0xf01) runs past" },
	{ BZ_PAYLOAD_OFFSET, 4, 0xFFFFFFFF, -ENOEXEC, "runs past the protected-mode kernel" },
	{ BZ_INIT_SIZE, 4, 0x800, -ENOEXEC,
	  "init_size 0x800 is smaller than its protected-mode kernel" },
	{ BZ_INIT_SIZE, 4, 0xF00000, -ENOSPC,
	  "needs [0x200000, 0x1100000) (load address + init_size)" },
	{ BZ_PREF_ADDRESS, 8, 0xFFFFFFFFFFE00000ull, -ENOSPC, "give the VM more --memory" },
};

static void test_reject_bzimage(void)
{
	uint8_t blob[64] = { 0 };
	struct boot_image ird = { blob, 15 * MiB, IPATH };
	char line[40];
	struct img k;

	for (size_t i = 0; i < sizeof(bz_header_cases) / sizeof(bz_header_cases[0]); i++) {
		uint64_t v = bz_header_cases[i].value;

		k = bz_img(0x1000);
		memcpy(k.d + bz_header_cases[i].off, &v, bz_header_cases[i].size);
		reject_in(k, 16 * MiB, NULL, NULL, bz_header_cases[i].want, bz_header_cases[i].msg);
	}
	k = bz_img(0x1000);
	SET(k, BZ_RELOCATABLE, uint8_t, 0);
	SET(k, BZ_PREF_ADDRESS, uint64_t, 0x10000);
	reject_in(k, 16 * MiB, NULL, NULL, -ENOEXEC, "below 1 MiB");
	/* A file that ends inside the setup header. */
	k = bz_img(0x1000);
	k.n = 0x240;
	reject_in(k, 16 * MiB, NULL, NULL, -ENOEXEC, "truncated bzImage setup header");
	/* A command line one byte over cmdline_size. */
	k = bz_img(0x1000);
	SET(k, BZ_CMDLINE_SIZE, uint32_t, 8);
	reject_in(k, 16 * MiB, NULL, "123456789", -ENOSPC,
		  "command line (9 bytes) is longer than the kernel accepts (cmdline_size 8)");
	k = bz_img(0x1000);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	SET(k, BZ_CMDLINE_SIZE, uint32_t, 0);
	reject_in(k, 16 * MiB, NULL, line, -ENOSPC, "cmdline_size 0");
	/* An initrd that does not fit above the boot data, below RAM's end... */
	ird.data = calloc(1, ird.size);
	reject_in(bz_img(0x1000), 16 * MiB, &ird, NULL, -ENOSPC,
		  "the initrd (15728640 bytes) does not fit");
	/* ... or below initrd_addr_max. */
	ird.size = 2 * MiB;
	k = bz_img(0x1000);
	SET(k, BZ_INITRD_ADDR_MAX, uint32_t, 0x3FFFFF);
	reject_in(k, 16 * MiB, &ird, NULL, -ENOSPC, "initrd_addr_max 0x3fffff");
	free((void *)ird.data);
}

static void test_reject_args(void)
{
	struct img k = elf64();
	struct boot_image ki = { k.d, k.n, KPATH }, bad = { NULL, 5, IPATH };
	struct tram t;
	struct boot_entry e;

	ram_new(&t, 4 * MiB, 0);
	CHECK_EQ(boot_load(NULL, &ki, NULL, NULL, &e, err, sizeof(err)), -EINVAL);
	CHECK_EQ(boot_load(&t.r, NULL, NULL, NULL, &e, err, sizeof(err)), -EINVAL);
	CHECK_EQ(boot_load(&t.r, &ki, NULL, NULL, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(boot_load(&t.r, &ki, &bad, NULL, &e, err, sizeof(err)), -EINVAL);
	t.r.low_size -= 100;
	CHECK_EQ(boot_load(&t.r, &ki, NULL, NULL, &e, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "guest RAM") != NULL);
	t.r.low_size += 100;
	CHECK(ram_all(&t, 0, 4 * MiB, JUNK));
	ram_del(&t);
	free(k.d);
}

int main(void)
{
	RUN(test_reject_not_loadable);
	RUN(test_reject_multiboot_header);
	RUN(test_reject_elf_headers);
	RUN(test_reject_elf_segments);
	RUN(test_reject_aout);
	RUN(test_reject_pvh);
	RUN(test_reject_bzimage);
	RUN(test_reject_args);
	return t_done();
}
