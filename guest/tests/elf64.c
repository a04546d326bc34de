// SPDX-License-Identifier: MIT
/*
 * elf64.elf (kept as an ELF64 image): checks that it was entered through hvemu's ELF64
 * direct-entry protocol (long mode, RDI = Multiboot information, RSI = 0x2BADB002) with
 * the same boot information a Multiboot kernel gets, prints the serial text of serial.elf
 * and exits: with code=N on the command line through exit_status(N) when every check
 * passed, else with the report summary (0 pass, 1 fail).
 */
#include "libguest.h"
#include "serial_text.h"

int main(void)
{
	u64 code, ram = 0;

	report(boot_info.protocol == BOOT_PROTO_ELF64, "entered through the ELF64 entry point");
	report(boot_info.magic == MULTIBOOT_BOOT_MAGIC, "RSI held the Multiboot magic (%#x)",
	       boot_info.magic);
	report(boot_info.info_addr && boot_info.nr_mmap > 0,
	       "RDI pointed at Multiboot information with a memory map (%u entries)",
	       boot_info.nr_mmap);
	for (u32 i = 0; i < boot_info.nr_mmap; i++) {
		if (boot_info.mmap[i].type == MB_TYPE_RAM)
			ram += boot_info.mmap[i].len;
	}
	report(ram >= 16 * MiB, "the memory map lists %lu MiB of RAM", (unsigned long)(ram / MiB));
	report(strlen(boot_info.cmdline) > 0, "command line \"%s\"", boot_info.cmdline);
	report(rdmsr(MSR_EFER) & EFER_LMA, "running in long mode");
	print_serial_text();
	if (!cmdline_get_u64("code", &code) && code <= 255 && !report_failures()) {
		report_summary();
		exit_status((u8)code);
	}
	return report_summary();
}
