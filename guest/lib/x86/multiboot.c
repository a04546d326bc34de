// SPDX-License-Identifier: MIT
#include "x86/multiboot.h"
#include "x86/asm-defs.h"
#include "string.h"

struct boot_info boot_info;
extern char __kernel_end[];

static void note_end(u64 end)
{
	if (end > boot_info.boot_data_end)
		boot_info.boot_data_end = end;
}

/* Copies a loader string and accounts for the memory it occupies. */
static void copy_string(char *dst, size_t size, u32 addr)
{
	const char *s = (const char *)(uintptr_t)addr;

	if (!addr) {
		dst[0] = '\0';
		return;
	}
	note_end(addr + strlen(s) + 1);
	strlcpy(dst, s, size);
}

int multiboot_parse(u32 magic, u64 info_addr, u32 protocol)
{
	const struct multiboot_info *mbi = (const struct multiboot_info *)(uintptr_t)info_addr;

	boot_info.protocol = protocol;
	boot_info.magic = magic;
	boot_info.info_addr = info_addr;
	boot_info.boot_data_end = (u64)(uintptr_t)__kernel_end;
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !info_addr || info_addr >= 4 * GiB)
		return -EINVAL;
	note_end(info_addr + sizeof(*mbi));
	boot_info.flags = mbi->flags;
	if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
		boot_info.mem_lower_kb = mbi->mem_lower;
		boot_info.mem_upper_kb = mbi->mem_upper;
	}
	if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
		copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), mbi->cmdline);
	if (mbi->flags & MULTIBOOT_INFO_BOOT_LOADER_NAME)
		copy_string(boot_info.loader_name, sizeof(boot_info.loader_name),
			    mbi->boot_loader_name);
	if (mbi->flags & MULTIBOOT_INFO_MODS) {
		const struct multiboot_mod_list *m =
		    (const struct multiboot_mod_list *)(uintptr_t)mbi->mods_addr;

		note_end(mbi->mods_addr + (u64)mbi->mods_count * sizeof(*m));
		for (u32 i = 0; i < mbi->mods_count && i < MB_MAX_MODULES; i++) {
			struct mb_module *mod = &boot_info.modules[i];

			mod->start = m[i].mod_start;
			mod->end = m[i].mod_end;
			note_end(mod->end);
			copy_string(mod->string, sizeof(mod->string), m[i].cmdline);
			boot_info.nr_modules++;
		}
	}
	if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) {
		u64 p = mbi->mmap_addr, end = p + mbi->mmap_length;

		note_end(end);
		while (p + sizeof(struct multiboot_mmap_entry) <= end &&
		       boot_info.nr_mmap < MB_MAX_MMAP) {
			const struct multiboot_mmap_entry *e =
			    (const struct multiboot_mmap_entry *)(uintptr_t)p;
			struct mb_region *r = &boot_info.mmap[boot_info.nr_mmap++];

			r->base = e->addr;
			r->len = e->len;
			r->type = e->type;
			/* The size field does not count itself. */
			if (e->size < sizeof(*e) - sizeof(e->size))
				break;
			p += e->size + sizeof(e->size);
		}
	}
	return 0;
}
