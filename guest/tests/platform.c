// SPDX-License-Identifier: MIT
/*
 * platform.elf: what a guest written for QEMU reads about the machine. QEMU's fw_cfg
 * interface (signature, ID, CPU counts, RAM size, the file directory and etc/e820, which
 * must equal the Multiboot memory map: both come from hvemu's one memory map), and the
 * CPUID words a CPU model (--cpu) changes, printed as "cpuid LEAF: reg=value" lines for
 * the test to compare.
 *
 * Options: expect_cpus=N, expect_max=N (FW_CFG_NB_CPUS, FW_CFG_MAX_CPUS), expect_mem_mib=N
 * (FW_CFG_RAM_SIZE); without them only the form of the values is checked.
 */
#include "libguest.h"
#include "x86/fw_cfg.h"

static void print_cpuid(void)
{
	struct cpuid l1 = cpuid(1), l7 = cpuid_count(7, 0), d0 = cpuid_count(0xd, 0);
	struct cpuid e1 = cpuid(0x80000001);

	printf("cpuid 1: ecx=%#x edx=%#x\n", l1.c, l1.d);
	printf("cpuid 7: ebx=%#x ecx=%#x edx=%#x\n", l7.b, l7.c, l7.d);
	printf("cpuid d: eax=%#x ecx=%#x\n", d0.a, d0.c);
	printf("cpuid 80000001: ecx=%#x edx=%#x\n", e1.c, e1.d);
}

static void check_number(const char *what, const char *opt, u64 got)
{
	u64 want;

	if (cmdline_get_u64(opt, &want))
		report(got > 0, "fw_cfg %s: %lu", what, (unsigned long)got);
	else
		report(got == want, "fw_cfg %s: %lu (want %lu)", what, (unsigned long)got,
		       (unsigned long)want);
}

static void check_e820(void)
{
	struct fw_cfg_e820_entry e[MB_MAX_MMAP];
	u32 size = 0, n, bad = 0;
	u16 key = 0;

	if (fw_cfg_find_file(FW_CFG_FILE_E820, &key, &size)) {
		report(false, "fw_cfg file etc/e820 listed in the directory");
		return;
	}
	n = size / (u32)sizeof(e[0]);
	report(key >= FW_CFG_FILE_FIRST && size % sizeof(e[0]) == 0 && n == boot_info.nr_mmap,
	       "fw_cfg etc/e820: key %#x, %u entries (the Multiboot map has %u)", key, n,
	       boot_info.nr_mmap);
	if (n != boot_info.nr_mmap || n > MB_MAX_MMAP)
		return;
	fw_cfg_read(key, e, size);
	for (u32 i = 0; i < n; i++)
		bad += e[i].address != boot_info.mmap[i].base ||
		       e[i].length != boot_info.mmap[i].len || e[i].type != boot_info.mmap[i].type;
	report(!bad, "fw_cfg etc/e820 equals the Multiboot memory map (%u rows differ)", bad);
}

int main(void)
{
	u64 ram = 0;
	u32 id = 0;
	u16 nb = 0, max = 0;

	print_cpuid();
	if (!report(fw_cfg_present(), "fw_cfg signature \"QEMU\" at port 0x510"))
		return report_summary();
	fw_cfg_read(FW_CFG_ID, &id, sizeof(id));
	report(id & FW_CFG_VERSION, "fw_cfg ID %#x: the traditional interface", id);
	fw_cfg_read(FW_CFG_NB_CPUS, &nb, sizeof(nb));
	fw_cfg_read(FW_CFG_MAX_CPUS, &max, sizeof(max));
	fw_cfg_read(FW_CFG_RAM_SIZE, &ram, sizeof(ram));
	check_number("CPUs at boot", "expect_cpus", nb);
	report(nb == smp_nr_online(), "fw_cfg CPUs at boot (%u) = CPUs the guest brought up (%u)",
	       nb, smp_nr_online());
	check_number("possible CPUs", "expect_max", max);
	report(max == smp_nr_cpus(), "fw_cfg possible CPUs (%u) = the firmware tables' CPUs (%u)",
	       max, smp_nr_cpus());
	check_number("RAM MiB", "expect_mem_mib", ram >> 20);
	check_e820();
	return report_summary();
}
