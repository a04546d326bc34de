// SPDX-License-Identifier: MIT
#include "boot/bzimage.h"

#include <errno.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/bootutil.h"
#include "boot/e820.h"
#include "boot/entry.h"
#include "fw/bootparam.h"

/* Where the header's own length (the jump's displacement byte) and magic are. */
#define HDR_JUMP_DISP 0x201u
#define HDR_MAGIC     0x202u
#define HDR_COPY_MAX  0x290u /* the zero page's header area ends here */
/* boot.rst: without kernel_alignment (a non-relocatable kernel) it loads at 1 MiB. */
#define BZ_DEFAULT_LOAD 0x100000ull

struct bz_kernel {
	struct setup_header hdr; /* as in the file */
	size_t hdr_end;		 /* file offset after the header (0x202 + jump byte) */
	uint64_t pm_offset;	 /* the protected-mode kernel in the file */
	uint64_t pm_size;
	uint64_t load;	    /* its load address */
	uint64_t init_size; /* bytes it needs from load while it starts */
};

struct bz_layout {
	uint64_t zero_page, cmdline, cmdline_len, end;
	uint64_t initrd, initrd_size;
	int map_count;
	struct boot_e820_entry map[BOOT_E820_MAX];
};

bool bzimage_detect(const uint8_t *data, size_t size)
{
	return size >= HDR_MAGIC + 4 && get_le32(data + HDR_MAGIC) == SETUP_HDRS_MAGIC;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int parse_placement(const struct guest_ram *ram, struct bz_kernel *k, char *err,
			   size_t errlen)
{
	const struct setup_header *h = &k->hdr;
	uint64_t pref = h->version >= BOOT_PROTO_PREF_ADDRESS ? h->pref_address : BZ_DEFAULT_LOAD;

	k->init_size = h->version >= BOOT_PROTO_PREF_ADDRESS ? h->init_size : k->pm_size;
	if (k->init_size < k->pm_size) {
		boot_errf(err, errlen,
			  "bzImage init_size 0x%llx is smaller than its protected-mode kernel "
			  "(0x%llx bytes)",
			  (unsigned long long)k->init_size, (unsigned long long)k->pm_size);
		return -ENOEXEC;
	}
	if (pref >= ram->low_size) {
		boot_errf(
		    err, errlen,
		    "the kernel's preferred address 0x%llx is beyond low RAM (ends at 0x%llx): "
		    "give the VM more --memory",
		    (unsigned long long)pref, (unsigned long long)ram->low_size);
		return -ENOSPC;
	}
	if (h->relocatable_kernel) {
		/* Any kernel_alignment-aligned address works; the preferred one first. */
		if (!is_pow2(h->kernel_alignment)) {
			boot_errf(err, errlen,
				  "bzImage kernel_alignment 0x%x is not a power of two",
				  h->kernel_alignment);
			return -ENOEXEC;
		}
		k->load = ALIGN_UP(MAX(pref, BOOT_HIGH_RAM_BASE), (uint64_t)h->kernel_alignment);
	} else {
		k->load = pref;
	}
	if (k->load < BOOT_HIGH_RAM_BASE) {
		boot_errf(err, errlen,
			  "bzImage wants to load at 0x%llx, below 1 MiB (hvemu's firmware areas), "
			  "and is not relocatable",
			  (unsigned long long)k->load);
		return -ENOEXEC;
	}
	if (!boot_range_fits(k->load, k->init_size, ram->low_size)) {
		/* load is below 3 GiB + kernel_alignment and init_size a u32: no wrap */
		uint64_t end = k->load + k->init_size;

		boot_errf(
		    err, errlen,
		    "the kernel needs [0x%llx, 0x%llx) (load address + init_size) but low RAM "
		    "ends at 0x%llx: give the VM more --memory",
		    (unsigned long long)k->load, (unsigned long long)end,
		    (unsigned long long)ram->low_size);
		return -ENOSPC;
	}
	return 0;
}

static int parse_header(const struct guest_ram *ram, const struct boot_image *img,
			struct bz_kernel *k, char *err, size_t errlen)
{
	const struct setup_header *h = &k->hdr;
	unsigned int sects;

	if (img->size < SETUP_HEADER_OFFSET + sizeof(k->hdr)) {
		boot_errf(err, errlen, "truncated bzImage setup header (%zu-byte file)", img->size);
		return -ENOEXEC;
	}
	memcpy(&k->hdr, img->data + SETUP_HEADER_OFFSET, sizeof(k->hdr));
	k->hdr_end = HDR_MAGIC + img->data[HDR_JUMP_DISP];
	if (h->boot_flag != SETUP_BOOT_FLAG) {
		boot_errf(err, errlen, "bzImage boot_flag 0x%04x is not 0xAA55", h->boot_flag);
		return -ENOEXEC;
	}
	if (h->version < BOOT_PROTO_MIN) {
		boot_errf(err, errlen,
			  "Linux boot protocol %u.%02u is older than 2.06 (no cmdline_size, no "
			  "64-bit entry)",
			  h->version >> 8, h->version & 0xFF);
		return -ENOEXEC;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		boot_errf(
		    err, errlen,
		    "a zImage (protected-mode kernel at 0x10000, loadflags bit 0 clear) is not "
		    "supported: build a bzImage");
		return -ENOEXEC;
	}
	if (h->version < BOOT_PROTO_XLOADFLAGS || !(h->xloadflags & XLF_KERNEL_64)) {
		boot_errf(err, errlen,
			  "bzImage has no 64-bit entry point (protocol %u.%02u, xloadflags 0x%x "
			  "without XLF_KERNEL_64): hvemu enters Linux only through it",
			  h->version >> 8, h->version & 0xFF,
			  h->version >= BOOT_PROTO_XLOADFLAGS ? h->xloadflags : 0);
		return -ENOEXEC;
	}
	sects = h->setup_sects ? h->setup_sects : SETUP_SECTS_DEFAULT;
	k->pm_offset = (uint64_t)(sects + 1) * SETUP_SECTOR_SIZE;
	if (k->pm_offset >= img->size) {
		boot_errf(err, errlen,
			  "truncated bzImage: the protected-mode kernel would start at 0x%llx "
			  "(setup_sects %u), past the end of the %zu-byte file",
			  (unsigned long long)k->pm_offset, sects, img->size);
		return -ENOEXEC;
	}
	k->pm_size = img->size - k->pm_offset;
	if (k->pm_size <= BOOT_STARTUP_64_OFFSET) {
		boot_errf(err, errlen,
			  "truncated bzImage: the %llu-byte protected-mode kernel ends before its "
			  "64-bit entry at offset 0x200",
			  (unsigned long long)k->pm_size);
		return -ENOEXEC;
	}
	if (!boot_range_fits(h->payload_offset, h->payload_length, k->pm_size)) {
		boot_errf(err, errlen,
			  "truncated bzImage: payload [0x%x, +0x%x) runs past the protected-mode "
			  "kernel's 0x%llx bytes",
			  h->payload_offset, h->payload_length, (unsigned long long)k->pm_size);
		return -ENOEXEC;
	}
	return parse_placement(ram, k, err, errlen);
}

/*
 * The initrd goes as high as the header allows (boot.rst "initrd_addr_max"; above 4 GiB
 * only with XLF_CAN_BE_LOADED_ABOVE_4G), as QEMU and GRUB place it: away from the kernel,
 * which decompresses upwards from its load address.
 */
static int place_initrd(const struct guest_ram *ram, const struct bz_kernel *k,
			const struct boot_image *initrd, struct bz_layout *l, char *err,
			size_t errlen)
{
	uint64_t size = initrd->size, room = MAX(size, 1); /* an empty one still has an address */
	uint64_t top = MIN(ram->low_size, (uint64_t)k->hdr.initrd_addr_max + 1);

	l->initrd_size = size;
	if ((k->hdr.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) && ram->high_size >= room) {
		l->initrd = ALIGN_DOWN(BOOT_RAM_4G_BASE + ram->high_size - room, BOOT_PAGE_SIZE);
		return 0;
	}
	if (top >= l->end && top - l->end >= room) {
		l->initrd = ALIGN_DOWN(top - room, BOOT_PAGE_SIZE);
		return 0;
	}
	boot_errf(err, errlen,
		  "the initrd (%llu bytes) does not fit between the kernel's boot data (up to "
		  "0x%llx) and 0x%llx (the end of low RAM or initrd_addr_max 0x%x)",
		  (unsigned long long)size, (unsigned long long)l->end, (unsigned long long)top,
		  k->hdr.initrd_addr_max);
	return -ENOSPC;
}

static int plan(const struct guest_ram *ram, const struct bz_kernel *k,
		const struct boot_image *initrd, const char *cmdline, struct bz_layout *l,
		char *err, size_t errlen)
{
	uint64_t cursor = ALIGN_UP(k->load + k->init_size, BOOT_PAGE_SIZE);

	memset(l, 0, sizeof(*l));
	l->map_count = boot_e820_build_split(ram->low_size, ram->high_size, l->map, BOOT_E820_MAX);
	if (l->map_count < 0) {
		boot_errf(err, errlen, "guest RAM sizes have no memory map");
		return -EINVAL;
	}
	l->cmdline_len = strlen(cmdline ? cmdline : "");
	if (l->cmdline_len > k->hdr.cmdline_size) {
		boot_errf(err, errlen,
			  "the command line (%llu bytes) is longer than the kernel accepts "
			  "(cmdline_size %u)",
			  (unsigned long long)l->cmdline_len, k->hdr.cmdline_size);
		return -ENOSPC;
	}
	if (!boot_take(&cursor, sizeof(struct boot_params), ram->low_size, &l->zero_page) ||
	    !boot_take(&cursor, l->cmdline_len + 1, ram->low_size, &l->cmdline)) {
		boot_errf(
		    err, errlen,
		    "boot data does not fit: the zero page and command line do not fit in low "
		    "RAM above the kernel's 0x%llx bytes (RAM ends at 0x%llx)",
		    (unsigned long long)k->init_size, (unsigned long long)ram->low_size);
		return -ENOSPC;
	}
	l->end = cursor;
	return initrd ? place_initrd(ram, k, initrd, l, err, errlen) : 0;
}

static void fill_zero_page(struct boot_params *bp, const struct boot_image *img,
			   const struct bz_kernel *k, const struct bz_layout *l, bool has_initrd)
{
	size_t hdr_end = MIN(MAX(k->hdr_end, (size_t)HDR_MAGIC + 4), (size_t)HDR_COPY_MAX);

	memset(bp, 0, sizeof(*bp));
	/* boot.rst: the loader copies the whole setup header into the zero page, then edits. */
	memcpy((uint8_t *)bp + SETUP_HEADER_OFFSET, img->data + SETUP_HEADER_OFFSET,
	       hdr_end - SETUP_HEADER_OFFSET);
	bp->hdr.type_of_loader = BOOT_LOADER_TYPE_UNDEFINED;
	bp->hdr.cmd_line_ptr = (uint32_t)l->cmdline;
	bp->ext_cmd_line_ptr = (uint32_t)(l->cmdline >> 32);
	if (has_initrd) {
		bp->hdr.ramdisk_image = (uint32_t)l->initrd;
		bp->ext_ramdisk_image = (uint32_t)(l->initrd >> 32);
		bp->hdr.ramdisk_size = (uint32_t)l->initrd_size;
		bp->ext_ramdisk_size = (uint32_t)(l->initrd_size >> 32);
	}
	bp->acpi_rsdp_addr = ACPI_RSDP_GPA;
	bp->e820_entries = (uint8_t)l->map_count;
	for (int i = 0; i < l->map_count; i++)
		bp->e820_table[i] = (struct boot_params_e820_entry){
			.addr = l->map[i].addr,
			.size = l->map[i].len,
			.type = l->map[i].type,
		};
}

int bzimage_load(const struct guest_ram *ram, const struct boot_image *kernel,
		 const struct boot_image *initrd, const char *cmdline, struct boot_entry *entry,
		 char *err, size_t errlen)
{
	struct bz_kernel k;
	struct bz_layout l;
	struct boot_params bp;
	uint8_t *dst, *zp, *cmd, *rd = NULL;
	int ret;

	ret = parse_header(ram, kernel, &k, err, errlen);
	if (!ret)
		ret = plan(ram, &k, initrd, cmdline, &l, err, errlen);
	if (ret)
		return ret;
	dst = guest_ram_ptr(ram, k.load, k.init_size);
	zp = guest_ram_ptr(ram, l.zero_page, sizeof(bp));
	cmd = guest_ram_ptr(ram, l.cmdline, l.cmdline_len + 1);
	if (initrd)
		rd = guest_ram_ptr(ram, l.initrd, l.initrd_size);
	if (!dst || !zp || !cmd || (initrd && !rd)) {
		boot_errf(err, errlen, "internal error: bzImage plan outside guest RAM");
		return -EFAULT;
	}
	memcpy(dst, kernel->data + k.pm_offset, k.pm_size);
	if (initrd && initrd->size)
		memcpy(rd, initrd->data, initrd->size);
	memcpy(cmd, cmdline ? cmdline : "", l.cmdline_len + 1);
	fill_zero_page(&bp, kernel, &k, &l, initrd != NULL);
	memcpy(zp, &bp, sizeof(bp));
	ret = boot_entry_setup(ram, BOOT_MODE_LINUX64, k.load + BOOT_STARTUP_64_OFFSET, l.zero_page,
			       entry);
	if (ret) {
		boot_errf(err, errlen, "internal error writing boot data (%d)", ret);
		return ret;
	}
	entry->format = BOOT_FMT_BZIMAGE;
	entry->info_gpa = l.zero_page;
	entry->cmdline_gpa = l.cmdline;
	entry->kernel_low = k.load;
	entry->kernel_high = k.load + k.init_size;
	entry->module_gpa = initrd ? l.initrd : 0;
	entry->boot_data_end = l.end;
	return 0;
}
