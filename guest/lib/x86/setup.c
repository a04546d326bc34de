// SPDX-License-Identifier: MIT
/*
 * The boot CPU's C entry: brings the runtime up in dependency order, starts the other
 * CPUs and calls the test's main().
 */
#include "libguest.h"

/* A test that starts CPUs itself defines `const bool guest_boot_aps = false;`. */
extern const bool guest_boot_aps __weak;

int main(void);
__noreturn void start_c(u64 magic, u64 info, u32 protocol);

static void pic_disable(void)
{
	/* Remap the 8259s to vectors 0x20-0x2f (away from exceptions), then mask them. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, PIC_VECTOR_BASE);
	outb(0xa1, PIC_VECTOR_BASE + 8);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

__noreturn void start_c(u64 magic, u64 info, u32 protocol)
{
	int r;

	percpu_init_bsp_early();
	desc_init_bsp();
	desc_load_cpu(this_cpu());
	console_init();
	if (multiboot_parse((u32)magic, info, protocol))
		panic("bad boot magic %#lx (expected %#x) or information address %#lx",
		      (unsigned long)magic, MULTIBOOT_BOOT_MAGIC, (unsigned long)info);
	cmdline_init(boot_info.cmdline);
	alloc_init();
	pic_disable();
	tsc_calibrate();
	apic_init_bsp(!cmdline_has("xapic"));
	smp_init();
	irq_enable();
	if ((&guest_boot_aps == NULL || guest_boot_aps) && !cmdline_has("nosmp"))
		smp_boot_all();
	if (cmdline_has("verbose"))
		printf("runtime: %u of %u present CPUs online (%u listed), %s, TSC %lu kHz, "
		       "APs up in %lu us, %lu KiB free\n",
		       smp_nr_online(), smp_nr_present(), smp_nr_cpus(), apic->name,
		       (unsigned long)tsc_khz(), (unsigned long)(smp_last_boot_ns() / 1000),
		       (unsigned long)(alloc_free_bytes() / KiB));
	if (smp_cpuid_apic_mismatches())
		printf("WARN: %u CPUs report a CPUID APIC ID that differs from their local "
		       "APIC ID\n",
		       smp_cpuid_apic_mismatches());
	r = main();
	exit_status((u8)r);
}
