// SPDX-License-Identifier: MIT
/*
 * bootinfo.elf: prints and checks what the loader passed: protocol, loader name, command
 * line, memory map and modules, and that the page allocator stays inside usable RAM and
 * above everything the loader placed.
 *
 * Options: expect_modules=N, expect_mem_mib=N (usable RAM within 2 MiB), and any other
 * words, which are echoed as "arg: <word>" so a test can check command-line passing.
 */
#include "libguest.h"

static const char *type_name(u32 type)
{
	switch (type) {
	case 1:
		return "usable";
	case 2:
		return "reserved";
	case 3:
		return "ACPI";
	case 4:
		return "NVS";
	default:
		return "other";
	}
}

static bool in_usable(u64 start, u64 end)
{
	for (u32 i = 0; i < boot_info.nr_mmap; i++) {
		const struct mb_region *r = &boot_info.mmap[i];

		if (r->type == MULTIBOOT_MEMORY_AVAILABLE && start >= r->base &&
		    end <= r->base + r->len)
			return true;
	}
	return false;
}

static void check_allocator(void)
{
	u64 lowest = alloc_lowest(), bad = 0;
	u64 free_before = alloc_free_bytes();

	report(lowest >= boot_info.boot_data_end && lowest >= 1 * MiB,
	       "allocator starts at %#lx, above the boot data (end %#lx)", (unsigned long)lowest,
	       (unsigned long)boot_info.boot_data_end);
	for (int i = 0; i < 16; i++) {
		size_t n = 1u << (i % 6);
		u64 p = (u64)(uintptr_t)alloc_pages(n);

		if (!p || p < lowest || !in_usable(p, p + n * PAGE_SIZE) ||
		    !IS_ALIGNED(p, PAGE_SIZE))
			bad++;
	}
	report(!bad, "16 allocations lie in usable RAM above the boot data (%lu bad)",
	       (unsigned long)bad);
	report(alloc_free_bytes() < free_before, "free memory went down from %lu KiB to %lu KiB",
	       (unsigned long)(free_before / KiB), (unsigned long)(alloc_free_bytes() / KiB));
}

int main(void)
{
	u64 usable = 0, want;
	const char *p = cmdline_args();

	report_info("protocol %s, loader \"%s\", command line \"%s\"",
		    boot_info.protocol == BOOT_PROTO_ELF64 ? "ELF64" : "Multiboot",
		    boot_info.loader_name, boot_info.cmdline);
	while (*p) {
		const char *w = p;

		while (*p && *p != ' ')
			p++;
		printf("arg: %.*s\n", (int)(p - w), w);
		while (*p == ' ')
			p++;
	}
	for (u32 i = 0; i < boot_info.nr_mmap; i++) {
		const struct mb_region *r = &boot_info.mmap[i];

		printf("mmap: %#012lx-%#012lx %s\n", (unsigned long)r->base,
		       (unsigned long)(r->base + r->len - 1), type_name(r->type));
		if (r->type == MULTIBOOT_MEMORY_AVAILABLE)
			usable += r->len;
	}
	report(boot_info.nr_mmap > 0, "memory map with %u entries, %lu KiB usable",
	       boot_info.nr_mmap, (unsigned long)(usable / KiB));
	if (!cmdline_get_u64("expect_mem_mib", &want))
		report(usable + 2 * MiB >= want * MiB && usable <= want * MiB,
		       "usable RAM %lu KiB matches expect_mem_mib=%lu",
		       (unsigned long)(usable / KiB), (unsigned long)want);
	for (u32 i = 0; i < boot_info.nr_modules; i++) {
		const struct mb_module *m = &boot_info.modules[i];
		const u8 *data = (const u8 *)(uintptr_t)m->start;
		u32 sum = 0;

		for (u64 k = 0; k < m->end - m->start && k < 4096; k++)
			sum = sum * 31 + data[k];
		printf("module %u: %#lx-%#lx (%lu bytes) \"%s\" hash4k %08x\n", i,
		       (unsigned long)m->start, (unsigned long)m->end,
		       (unsigned long)(m->end - m->start), m->string, sum);
		report(m->end >= m->start && IS_ALIGNED(m->start, PAGE_SIZE) && m->start >= 1 * MiB,
		       "module %u is page-aligned above 1 MiB", i);
	}
	if (!cmdline_get_u64("expect_modules", &want))
		report(boot_info.nr_modules == want, "%u modules (expect_modules=%lu)",
		       boot_info.nr_modules, (unsigned long)want);
	check_allocator();
	return report_summary();
}
