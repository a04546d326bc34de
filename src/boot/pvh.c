// SPDX-License-Identifier: MIT
#include "boot/pvh.h"

#include <errno.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/bootutil.h"
#include "fw/pvh.h"

int pvh_note_entry(const uint8_t *desc, uint32_t desc_len, uint64_t *entry, char *err,
		   size_t errlen)
{
	uint64_t v = 0;

	/* Linux emits the note as a pointer-sized value (_ASM_PTR): 8 bytes on x86-64. */
	if (desc_len != 4 && desc_len != 8) {
		boot_errf(err, errlen,
			  "PVH entry note (Xen, XEN_ELFNOTE_PHYS32_ENTRY) has a %u-byte "
			  "descriptor, not 4 or 8",
			  desc_len);
		return -ENOEXEC;
	}
	memcpy(&v, desc, desc_len);
	if (v > UINT32_MAX) {
		boot_errf(err, errlen,
			  "PVH entry point 0x%llx is above 4 GiB: the 32-bit entry cannot reach it",
			  (unsigned long long)v);
		return -ENOEXEC;
	}
	*entry = v;
	return 0;
}

int pvh_plan(const struct guest_ram *ram, const struct pvh_input *in, struct pvh_layout *l,
	     char *err, size_t errlen)
{
	uint64_t limit = ram->low_size, cursor;
	const char *what = "the first boot data page";

	memset(l, 0, sizeof(*l));
	l->map_count = boot_e820_build_split(ram->low_size, ram->high_size, l->map, BOOT_E820_MAX);
	if (l->map_count < 0) {
		boot_errf(err, errlen, "guest RAM sizes have no memory map");
		return -EINVAL;
	}
	if (in->start > limit)
		goto nospace;
	cursor = ALIGN_UP(in->start, BOOT_PAGE_SIZE);
	l->cmdline_len = strlen(in->cmdline ? in->cmdline : "");
	what = "the module (--initrd)";
	if (in->has_module && !boot_take(&cursor, in->module_size, limit, &l->mod_start))
		goto nospace;
	what = "the start info";
	if (!boot_take(&cursor, sizeof(struct hvm_start_info), limit, &l->info))
		goto nospace;
	what = "the module list";
	if (in->has_module &&
	    !boot_take(&cursor, sizeof(struct hvm_modlist_entry), limit, &l->modlist))
		goto nospace;
	what = "the memory map";
	if (!boot_take(&cursor, (uint64_t)l->map_count * sizeof(struct hvm_memmap_table_entry),
		       limit, &l->memmap))
		goto nospace;
	what = "the command line";
	if (!boot_take(&cursor, l->cmdline_len + 1, limit, &l->cmdline))
		goto nospace;
	l->end = cursor;
	return 0;
nospace:
	return boot_nospace(err, errlen, what, limit);
}

int pvh_write(const struct guest_ram *ram, const struct pvh_input *in, const struct pvh_layout *l)
{
	size_t map_size = (size_t)l->map_count * sizeof(struct hvm_memmap_table_entry);
	struct hvm_start_info info = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = XEN_HVM_START_INFO_VERSION,
		.nr_modules = in->has_module ? 1 : 0,
		.modlist_paddr = l->modlist,
		.cmdline_paddr = l->cmdline,
		.rsdp_paddr = ACPI_RSDP_GPA,
		.memmap_paddr = l->memmap,
		.memmap_entries = (uint32_t)l->map_count,
	};
	uint8_t *pinfo = guest_ram_ptr(ram, l->info, sizeof(info));
	uint8_t *pmap = guest_ram_ptr(ram, l->memmap, map_size);
	uint8_t *pcmd = guest_ram_ptr(ram, l->cmdline, l->cmdline_len + 1);

	if (!pinfo || !pmap || !pcmd)
		return -EFAULT;
	if (in->has_module) {
		struct hvm_modlist_entry mod = { .paddr = l->mod_start, .size = in->module_size };
		uint8_t *pmod = guest_ram_ptr(ram, l->mod_start, in->module_size);
		uint8_t *plist = guest_ram_ptr(ram, l->modlist, sizeof(mod));

		if (!pmod || !plist)
			return -EFAULT;
		if (in->module_size)
			memcpy(pmod, in->module, in->module_size);
		memcpy(plist, &mod, sizeof(mod));
	}
	for (int i = 0; i < l->map_count; i++) {
		struct hvm_memmap_table_entry e = {
			.addr = l->map[i].addr,
			.size = l->map[i].len,
			/* hvemu's two row types are the e820 types PVH uses */
			.type = l->map[i].type == BOOT_E820_RAM ? XEN_HVM_MEMMAP_TYPE_RAM
								: XEN_HVM_MEMMAP_TYPE_RESERVED,
		};

		memcpy(pmap + (size_t)i * sizeof(e), &e, sizeof(e));
	}
	memcpy(pcmd, in->cmdline ? in->cmdline : "", l->cmdline_len + 1);
	memcpy(pinfo, &info, sizeof(info));
	return 0;
}
