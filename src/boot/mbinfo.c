// SPDX-License-Identifier: MIT
#include "boot/mbinfo.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "boot/bootutil.h"

/* Offsets in the structures of include/fw/multiboot.h, which are written little-endian. */
#define MBI(field)  offsetof(struct multiboot_info, field)
#define MOD(field)  offsetof(struct multiboot_mod_list, field)
#define MMAP(field) offsetof(struct multiboot_mmap_entry, field)

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int mbi_plan(const struct guest_ram *ram, const struct mbi_input *in, struct mbi_layout *l,
	     char *err, size_t errlen)
{
	uint64_t limit = ram->low_size, cursor, cmdline_size;
	const char *what;

	memset(l, 0, sizeof(*l));
	l->mmap_count = boot_e820_build_split(ram->low_size, ram->high_size, l->map, BOOT_E820_MAX);
	if (l->mmap_count < 0) {
		boot_errf(err, errlen, "guest RAM sizes have no memory map");
		return -EINVAL;
	}
	if (in->start > limit) {
		what = "the first boot data page";
		goto nospace;
	}
	cursor = ALIGN_UP(in->start, BOOT_PAGE_SIZE);
	l->path_len = strlen(str_or_empty(in->kernel_path));
	l->args_len = strlen(str_or_empty(in->cmdline));
	l->mod_string_len = strlen(str_or_empty(in->module_path));
	/* "<path> <args>" and the terminator; each length is far below 2^62. */
	cmdline_size = l->path_len + 1 + l->args_len + 1;

	what = "the module (--initrd)";
	if (in->has_module) {
		if (!boot_take(&cursor, in->module_size, limit, &l->mod_start))
			goto nospace;
		l->mod_end = l->mod_start + in->module_size;
	}
	what = "the Multiboot information";
	if (!boot_take(&cursor, MULTIBOOT_INFO_SIZE, limit, &l->info))
		goto nospace;
	what = "the module list";
	if (in->has_module && !boot_take(&cursor, MULTIBOOT_MOD_SIZE, limit, &l->mods))
		goto nospace;
	what = "the memory map";
	if (!boot_take(&cursor, (uint64_t)l->mmap_count * MULTIBOOT_MMAP_SIZE, limit, &l->mmap))
		goto nospace;
	what = "the command line";
	if (!boot_take(&cursor, cmdline_size, limit, &l->cmdline))
		goto nospace;
	what = "the module string";
	if (in->has_module && !boot_take(&cursor, l->mod_string_len + 1, limit, &l->mod_string))
		goto nospace;
	what = "the boot loader name";
	if (!boot_take(&cursor, sizeof(BOOT_LOADER_NAME), limit, &l->loader_name))
		goto nospace;
	l->end = cursor;
	return 0;
nospace:
	return boot_nospace(err, errlen, what, limit);
}

static uint8_t *ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len)
{
	return guest_ram_ptr(ram, gpa, len);
}

int mbi_write(const struct guest_ram *ram, const struct mbi_input *in, const struct mbi_layout *l)
{
	uint8_t *info = ptr(ram, l->info, MULTIBOOT_INFO_SIZE);
	uint8_t *mmap = ptr(ram, l->mmap, (uint64_t)l->mmap_count * MULTIBOOT_MMAP_SIZE);
	uint8_t *cmd = ptr(ram, l->cmdline, l->path_len + l->args_len + 2);
	uint8_t *name = ptr(ram, l->loader_name, sizeof(BOOT_LOADER_NAME));
	uint32_t flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
			 MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME;

	if (!info || !mmap || !cmd || !name)
		return -EFAULT;
	if (in->has_module) {
		uint8_t *mod = ptr(ram, l->mod_start, in->module_size);
		uint8_t *list = ptr(ram, l->mods, MULTIBOOT_MOD_SIZE);
		uint8_t *str = ptr(ram, l->mod_string, l->mod_string_len + 1);

		if (!mod || !list || !str)
			return -EFAULT;
		if (in->module_size)
			memcpy(mod, in->module, in->module_size);
		memcpy(str, str_or_empty(in->module_path), l->mod_string_len + 1);
		put_le32(list + MOD(mod_start), (uint32_t)l->mod_start);
		put_le32(list + MOD(mod_end), (uint32_t)l->mod_end);
		put_le32(list + MOD(cmdline), (uint32_t)l->mod_string);
		put_le32(list + MOD(pad), 0);
	}
	/*
	 * QEMU (hw/i386/multiboot.c) passes "<kernel path> <-append text>" even when the text
	 * is empty, leaving a trailing space; kernels that parse it must already cope.
	 */
	memcpy(cmd, str_or_empty(in->kernel_path), l->path_len);
	cmd[l->path_len] = ' ';
	memcpy(cmd + l->path_len + 1, str_or_empty(in->cmdline), l->args_len);
	cmd[l->path_len + 1 + l->args_len] = '\0';
	memcpy(name, BOOT_LOADER_NAME, sizeof(BOOT_LOADER_NAME));

	for (int i = 0; i < l->mmap_count; i++) {
		uint8_t *e = mmap + (size_t)i * MULTIBOOT_MMAP_SIZE;

		put_le32(e + MMAP(size), MULTIBOOT_MMAP_SIZE_FIELD);
		put_le64(e + MMAP(addr), l->map[i].addr);
		put_le64(e + MMAP(len), l->map[i].len);
		put_le32(e + MMAP(type), l->map[i].type);
	}

	memset(info, 0, MULTIBOOT_INFO_SIZE);
	put_le32(info + MBI(flags), flags);
	put_le32(info + MBI(mem_lower), (uint32_t)(BOOT_LOW_RAM_END / 1024));
	/* KiB from 1 MiB to the first hole: low RAM ends at most at 3 GiB. */
	put_le32(info + MBI(mem_upper), (uint32_t)((ram->low_size - BOOT_HIGH_RAM_BASE) / 1024));
	put_le32(info + MBI(cmdline), (uint32_t)l->cmdline);
	put_le32(info + MBI(mods_count), in->has_module ? 1 : 0);
	put_le32(info + MBI(mods_addr), (uint32_t)l->mods);
	put_le32(info + MBI(mmap_length), (uint32_t)(l->mmap_count * MULTIBOOT_MMAP_SIZE));
	put_le32(info + MBI(mmap_addr), (uint32_t)l->mmap);
	put_le32(info + MBI(boot_loader_name), (uint32_t)l->loader_name);
	return 0;
}
