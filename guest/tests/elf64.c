// SPDX-License-Identifier: MIT
/*
 * elf64.elf (kept as an ELF64 image): checks that it was entered through hvemu's ELF64
 * direct-entry protocol (the documented registers, RDI = Multiboot information,
 * RSI = 0x2BADB002) with
 * the same boot information a Multiboot kernel gets, prints the serial text of serial.elf
 * and exits: with code=N on the command line through exit_status(N) when every check
 * passed, else with the report summary's status.
 */
#include "libguest.h"
#include "serial_text.h"

/* docs/architecture.md (ELF64): the entry page tables, boot stack and flags. */
#define ELF64_ENTRY_CR3	   0xB1000
#define ELF64_ENTRY_RSP	   0xBF000
#define ELF64_ENTRY_RFLAGS 0x2 /* only the always-one bit 1 */

int main(void)
{
	const struct elf64_entry_state *es = &elf64_entry_state;
	u64 code, ram = 0;
	int r;

	report(boot_info.protocol == BOOT_PROTO_ELF64, "entered through the ELF64 entry point");
	report(boot_info.magic == MULTIBOOT_BOOTLOADER_MAGIC, "RSI held the Multiboot magic (%#x)",
	       boot_info.magic);
	report(boot_info.info_addr && boot_info.nr_mmap > 0,
	       "RDI pointed at Multiboot information with a memory map (%u entries)",
	       boot_info.nr_mmap);
	for (u32 i = 0; i < boot_info.nr_mmap; i++) {
		if (boot_info.mmap[i].type == MULTIBOOT_MEMORY_AVAILABLE)
			ram += boot_info.mmap[i].len;
	}
	report(ram >= 16 * MiB, "the memory map lists %lu MiB of RAM", (unsigned long)(ram / MiB));
	report(strlen(boot_info.cmdline) > 0, "command line \"%s\"", boot_info.cmdline);
	/* The entry state docs/architecture.md (ELF64) promises. */
	report(es->cr0 == (X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
			   X86_CR0_PG) &&
		   es->cr3 == ELF64_ENTRY_CR3 && es->cr4 == X86_CR4_PAE &&
		   es->efer == (EFER_LME | EFER_LMA) && es->rsp == ELF64_ENTRY_RSP &&
		   es->rflags == ELF64_ENTRY_RFLAGS && es->gprs_or == 0,
	       "entry state: CR0 %#lx CR3 %#lx CR4 %#lx EFER %#lx RSP %#lx RFLAGS %#lx, other "
	       "registers %s",
	       (unsigned long)es->cr0, (unsigned long)es->cr3, (unsigned long)es->cr4,
	       (unsigned long)es->efer, (unsigned long)es->rsp, (unsigned long)es->rflags,
	       es->gprs_or ? "not 0" : "0");
	print_serial_text();
	r = report_summary();
	if (r == REPORT_PASS && !cmdline_get_u64("code", &code) && code <= 255)
		exit_status((u8)code);
	return r;
}
