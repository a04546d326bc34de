// SPDX-License-Identifier: MIT
/*
 * boot_load: format detection, placement checks against the §2.1 memory map, then the
 * writes (segments, module, Multiboot information or PVH start info, GDT, page tables).
 * Everything that can fail is checked before the first byte of guest RAM is written. A
 * bzImage goes to bzimage.c after detection.
 */
#include "boot/load.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootutil.h"
#include "boot/bzimage.h"
#include "boot/elf_image.h"
#include "boot/entry.h"
#include "boot/mbinfo.h"
#include "boot/multiboot.h"
#include "boot/pvh.h"
#include "fw/pvh.h"

struct image {
	struct boot_segs segs;
	uint64_t entry; /* as the image states it (ELF e_entry may be virtual; PVH: physical) */
	enum boot_format format;
	enum boot_mode mode;
	bool aout; /* loaded by the Multiboot a.out kludge */
};

const char *boot_format_name(enum boot_format f)
{
	switch (f) {
	case BOOT_FMT_MULTIBOOT:
		return "Multiboot";
	case BOOT_FMT_ELF64:
		return "ELF64";
	case BOOT_FMT_PVH:
		return "PVH";
	case BOOT_FMT_BZIMAGE:
		return "bzImage";
	}
	return "unknown";
}

/*
 * An ELF with a PVH entry note is booted through it, whatever else it carries (a Linux
 * vmlinux is also a plain ELF64; Xen's own image also has a Multiboot header): the note
 * is the kernel saying how it wants to be entered. 1 when it is PVH, 0 when not, -errno.
 */
static int parse_pvh(const struct boot_image *k, int cls, struct image *img, char *err,
		     size_t errlen)
{
	const uint8_t *desc;
	uint32_t desc_len;
	int ret;

	ret = boot_elf_find_note(k->data, k->size, cls, XEN_ELFNOTE_NAME, XEN_ELFNOTE_PHYS32_ENTRY,
				 &desc, &desc_len, err, errlen);
	if (ret <= 0)
		return ret;
	ret = boot_elf_parse(k->data, k->size, cls, &img->segs, &img->entry, err, errlen);
	if (!ret)
		ret = pvh_note_entry(desc, desc_len, &img->entry, err, errlen);
	if (ret)
		return ret;
	img->format = BOOT_FMT_PVH;
	img->mode = BOOT_MODE_PVH32;
	return 1;
}

static int parse_aout(const struct boot_image *k, const struct mb_header *mb, struct image *img,
		      char *err, size_t errlen)
{
	int ret;

	img->aout = true;
	img->segs.v = calloc(1, sizeof(*img->segs.v));
	if (!img->segs.v) {
		boot_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = mb_aout_segment(mb, k->size, &img->segs.v[0], &img->entry, err, errlen);
	if (ret)
		return ret;
	img->segs.n = img->segs.v[0].memsz ? 1 : 0;
	return 0;
}

static int parse_image(const struct boot_image *k, struct image *img, char *err, size_t errlen)
{
	struct mb_header mb;
	int cls, found;

	img->format = BOOT_FMT_MULTIBOOT;
	if (boot_elf_magic(k->data, k->size)) {
		cls = boot_elf_class(k->data, k->size, err, errlen);
		if (cls < 0)
			return cls;
		if (cls != ELFCLASS32 && cls != ELFCLASS64) {
			boot_errf(err, errlen,
				  "wrong ELF class %d (neither ELFCLASS32 nor ELFCLASS64)", cls);
			return -ENOEXEC;
		}
		found = parse_pvh(k, cls, img, err, errlen);
		if (found)
			return found < 0 ? found : 0;
		if (cls == ELFCLASS64) {
			/* An ELF64 kernel is entered in long mode, Multiboot header or not. */
			img->format = BOOT_FMT_ELF64;
			img->mode = BOOT_MODE_LONG64;
			return boot_elf_parse(k->data, k->size, cls, &img->segs, &img->entry, err,
					      errlen);
		}
		img->mode = BOOT_MODE_MULTIBOOT32;
		found = mb_find_header(k->data, k->size, &mb, err, errlen);
		if (found < 0)
			return found;
		if (!found) {
			boot_errf(err, errlen,
				  "ELF32 image without a Multiboot header in the first 8 KiB: "
				  "32-bit kernels must be Multiboot kernels");
			return -ENOEXEC;
		}
		/* Spec §3.1.3: with flag 16 the header's addresses win over the ELF headers. */
		if (mb.flags & MULTIBOOT_AOUT_KLUDGE)
			return parse_aout(k, &mb, img, err, errlen);
		return boot_elf_parse(k->data, k->size, cls, &img->segs, &img->entry, err, errlen);
	}
	found = mb_find_header(k->data, k->size, &mb, err, errlen);
	if (found < 0)
		return found;
	if (!found) {
		boot_errf(err, errlen,
			  "not a loadable image: no ELF magic, no Multiboot header in the first "
			  "8 KiB and no Linux boot protocol header (\"HdrS\" at 0x202)");
		return -ENOEXEC;
	}
	if (!(mb.flags & MULTIBOOT_AOUT_KLUDGE)) {
		boot_errf(err, errlen,
			  "not a loadable image: not ELF, and its Multiboot header has no load "
			  "addresses (flag 16, the a.out kludge)");
		return -ENOEXEC;
	}
	img->mode = BOOT_MODE_MULTIBOOT32;
	return parse_aout(k, &mb, img, err, errlen);
}

static void seg_name(const struct image *img, const struct boot_seg *s, char *buf, size_t len)
{
	if (img->aout)
		boot_errf(buf, len, "a.out kludge segment");
	else
		boot_errf(buf, len, "ELF segment (program header %u)", s->index);
}

static int check_placement(const struct guest_ram *ram, const struct image *img,
			   const struct boot_seg *s, char *err, size_t errlen)
{
	uint64_t end = s->paddr + s->memsz; /* the parsers ruled out wrapping */
	bool in_low = end <= ram->low_size;
	bool in_high = ram->high_size && s->paddr >= BOOT_RAM_4G_BASE &&
		       end - BOOT_RAM_4G_BASE <= ram->high_size;
	char name[64];

	seg_name(img, s, name, sizeof(name));
	/*
	 * Conventional memory [0, 0x9FC00) is RAM in the e820 map, and GRUB loads kernels
	 * there (GRUB's own coreboot/multiboot image links at 0x9000); the EBDA, steal-time,
	 * boot and firmware areas above it up to 1 MiB are not.
	 */
	if (end <= BOOT_LOW_RAM_END)
		return 0;
	if (s->paddr < BOOT_HIGH_RAM_BASE) {
		boot_errf(err, errlen,
			  "%s [0x%llx, 0x%llx) overlaps [0x%llx, 0x100000), reserved for the EBDA, "
			  "firmware tables and hvemu's boot area",
			  name, (unsigned long long)s->paddr, (unsigned long long)end,
			  (unsigned long long)BOOT_LOW_RAM_END);
		return -ENOEXEC;
	}
	if (in_low || in_high)
		return 0;
	if (s->paddr < BOOT_MMIO_HOLE_END && end > BOOT_MMIO_HOLE_START)
		boot_errf(err, errlen,
			  "%s [0x%llx, 0x%llx) overlaps the MMIO hole [0xc0000000, 0x100000000)",
			  name, (unsigned long long)s->paddr, (unsigned long long)end);
	else
		boot_errf(err, errlen,
			  "%s [0x%llx, 0x%llx) is outside usable RAM (low RAM ends at 0x%llx%s)",
			  name, (unsigned long long)s->paddr, (unsigned long long)end,
			  (unsigned long long)ram->low_size,
			  ram->high_size ? ", high RAM starts at 0x100000000" : ", no high RAM");
	return -ENOEXEC;
}

static int cmp_paddr(const void *a, const void *b)
{
	const struct boot_seg *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static int check_segments(const struct guest_ram *ram, struct image *img, char *err, size_t errlen)
{
	struct boot_segs *segs = &img->segs;
	int ret;

	if (segs->n == 0) {
		boot_errf(err, errlen, "no loadable segments (nothing with a non-zero size)");
		return -ENOEXEC;
	}
	for (size_t i = 0; i < segs->n; i++) {
		ret = check_placement(ram, img, &segs->v[i], err, errlen);
		if (ret)
			return ret;
	}
	qsort(segs->v, segs->n, sizeof(*segs->v), cmp_paddr);
	for (size_t i = 1; i < segs->n; i++) {
		const struct boot_seg *a = &segs->v[i - 1], *b = &segs->v[i];
		uint64_t a_end = a->paddr + a->memsz, b_end = b->paddr + b->memsz;

		if (b->paddr < a_end) {
			boot_errf(err, errlen,
				  "overlapping segments: program headers %u [0x%llx, 0x%llx) and "
				  "%u [0x%llx, 0x%llx)",
				  a->index, (unsigned long long)a->paddr, (unsigned long long)a_end,
				  b->index, (unsigned long long)b->paddr,
				  (unsigned long long)b_end);
			return -ENOEXEC;
		}
	}
	return 0;
}

/*
 * The physical entry point. e_entry may be a virtual address (a kernel linked high):
 * like GRUB, translate it through the segment that contains it.
 */
static int find_entry(const struct image *img, uint64_t *rip, char *err, size_t errlen)
{
	const struct boot_segs *segs = &img->segs;
	uint64_t e = img->entry;
	bool found = false;

	for (size_t i = 0; i < segs->n && !found; i++) {
		const struct boot_seg *s = &segs->v[i];

		if (e >= s->paddr && e - s->paddr < s->memsz) {
			*rip = e;
			found = true;
		}
	}
	/* The PVH entry is a physical address by definition (its name says so). */
	for (size_t i = 0; i < segs->n && !found && img->mode != BOOT_MODE_PVH32; i++) {
		const struct boot_seg *s = &segs->v[i];

		if (e >= s->vaddr && e - s->vaddr < s->memsz) {
			*rip = s->paddr + (e - s->vaddr);
			found = true;
		}
	}
	if (!found) {
		boot_errf(err, errlen, "entry point 0x%llx is not inside any loaded segment",
			  (unsigned long long)e);
		return -ENOEXEC;
	}
	if (*rip >= BOOT_MMIO_HOLE_END) {
		boot_errf(err, errlen,
			  "entry point 0x%llx is above 4 GiB, which neither a 32-bit entry nor "
			  "the boot page tables reach",
			  (unsigned long long)*rip);
		return -ENOEXEC;
	}
	return 0;
}

static int check_args(const struct guest_ram *ram, const struct boot_image *kernel,
		      const struct boot_image *initrd, const struct boot_entry *entry, char *err,
		      size_t errlen)
{
	if (!ram || !kernel || !entry || (!kernel->data && kernel->size) ||
	    (initrd && !initrd->data && initrd->size)) {
		boot_errf(err, errlen, "boot_load: missing argument");
		return -EINVAL;
	}
	if (kernel->size == 0) {
		boot_errf(err, errlen, "not a loadable image: the file is empty");
		return -ENOEXEC;
	}
	return guest_ram_check(ram, err, errlen);
}

/*
 * The boot information of the format: the Multiboot information (Multiboot and plain
 * ELF64 kernels) or the hvm_start_info (PVH), with the initrd as module 0, from start up.
 * With write false only plans (checks that everything fits) and writes nothing.
 */
static int write_boot_info(const struct guest_ram *ram, const struct image *img,
			   const struct boot_image *kernel, const struct boot_image *initrd,
			   const char *cmdline, uint64_t start, struct boot_entry *entry, char *err,
			   size_t errlen, bool write)
{
	bool has_module = initrd != NULL;
	const uint8_t *module = has_module ? initrd->data : NULL;
	uint64_t module_size = has_module ? initrd->size : 0;
	uint64_t info, cmd, mod, end;
	int ret;

	if (img->mode == BOOT_MODE_PVH32) {
		struct pvh_input in = { .cmdline = cmdline,
					.has_module = has_module,
					.module = module,
					.module_size = module_size,
					.start = start };
		struct pvh_layout l;

		ret = pvh_plan(ram, &in, &l, err, errlen);
		if (ret || !write)
			return ret;
		ret = pvh_write(ram, &in, &l);
		info = l.info, cmd = l.cmdline, mod = l.mod_start, end = l.end;
	} else {
		struct mbi_input in = { .kernel_path = kernel->path,
					.cmdline = cmdline,
					.has_module = has_module,
					.module = module,
					.module_size = module_size,
					.module_path = has_module ? initrd->path : NULL,
					.start = start };
		struct mbi_layout l;

		ret = mbi_plan(ram, &in, &l, err, errlen);
		if (ret || !write)
			return ret;
		ret = mbi_write(ram, &in, &l);
		info = l.info, cmd = l.cmdline, mod = l.mod_start, end = l.end;
	}
	entry->info_gpa = info;
	entry->cmdline_gpa = cmd;
	entry->module_gpa = has_module ? mod : 0;
	entry->boot_data_end = end;
	return ret;
}

/* Multiboot, ELF64 and PVH: kernels made of loadable segments. */
static int load_segments(const struct guest_ram *ram, const struct boot_image *kernel,
			 const struct boot_image *initrd, const char *cmdline,
			 struct boot_entry *entry, char *err, size_t errlen)
{
	struct image img = { 0 };
	uint64_t rip = 0, low = UINT64_MAX, high = 0, low_ram_top = BOOT_HIGH_RAM_BASE, start;
	int ret;

	ret = parse_image(kernel, &img, err, errlen);
	if (!ret)
		ret = check_segments(ram, &img, err, errlen);
	if (!ret)
		ret = find_entry(&img, &rip, err, errlen);
	if (ret)
		goto out;

	for (size_t i = 0; i < img.segs.n; i++) {
		const struct boot_seg *s = &img.segs.v[i];
		uint64_t end = s->paddr + s->memsz;

		low = MIN(low, s->paddr);
		high = MAX(high, end);
		if (end <= ram->low_size)
			low_ram_top = MAX(low_ram_top, end);
	}
	start = ALIGN_UP(low_ram_top, BOOT_PAGE_SIZE);
	/* A dry run first: nothing is written unless all of it fits. */
	ret = write_boot_info(ram, &img, kernel, initrd, cmdline, start, entry, err, errlen, false);
	if (ret)
		goto out;

	for (size_t i = 0; i < img.segs.n; i++) {
		const struct boot_seg *s = &img.segs.v[i];
		uint8_t *dst = guest_ram_ptr(ram, s->paddr, s->memsz);

		/* check_placement guaranteed dst; the bss part is zeroed explicitly. */
		memcpy(dst, kernel->data + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	ret = write_boot_info(ram, &img, kernel, initrd, cmdline, start, entry, err, errlen, true);
	if (!ret)
		ret = boot_entry_setup(ram, img.mode, rip, entry->info_gpa, entry);
	if (ret) {
		boot_errf(err, errlen, "internal error writing boot data (%d)", ret);
		goto out;
	}
	entry->format = img.format;
	entry->kernel_low = low;
	entry->kernel_high = high;
out:
	free(img.segs.v);
	return ret;
}

int boot_load(const struct guest_ram *ram, const struct boot_image *kernel,
	      const struct boot_image *initrd, const char *cmdline, struct boot_entry *entry,
	      char *err, size_t errlen)
{
	int ret = check_args(ram, kernel, initrd, entry, err, errlen);

	if (ret)
		return ret;
	if (!boot_elf_magic(kernel->data, kernel->size) &&
	    bzimage_detect(kernel->data, kernel->size))
		return bzimage_load(ram, kernel, initrd, cmdline, entry, err, errlen);
	return load_segments(ram, kernel, initrd, cmdline, entry, err, errlen);
}
