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

/* Boot timeline (TSC at each step), printed with "verbose". */
static u64 t_setup, t_smp_init, t_smp_boot;

static unsigned long us(u64 cycles)
{
	return (unsigned long)(tsc_cycles_to_ns(cycles) / 1000);
}

__noreturn void start_c(u64 magic, u64 info, u32 protocol)
{
	int r;

	percpu_init_bsp_early();
	desc_init_bsp();
	desc_load_cpu(this_cpu());
	user_mode_ready();
	desc_init_irq_gates();
	console_init();
	if (multiboot_parse((u32)magic, info, protocol))
		panic("bad boot magic %#lx (expected %#x) or information address %#lx",
		      (unsigned long)magic, MULTIBOOT_BOOTLOADER_MAGIC, (unsigned long)info);
	cmdline_init(boot_info.cmdline);
	alloc_init();
	pic_disable();
	tsc_calibrate();
	apic_init_bsp(!cmdline_has("xapic"));
	t_setup = rdtsc();
	smp_init();
	t_smp_init = rdtsc();
	irq_enable();
	if ((&guest_boot_aps == NULL || guest_boot_aps) && !cmdline_has("nosmp"))
		smp_boot_all();
	t_smp_boot = rdtsc();
	if (cmdline_has("verbose")) {
		const struct smp_boot_stats *b = smp_last_boot();
		u64 t0 = this_cpu()->boot_tsc;

		printf("runtime: %u of %u present CPUs online (%u listed), %s, TSC %lu kHz, "
		       "%lu KiB free\n",
		       smp_nr_online(), smp_nr_present(), smp_nr_cpus(), apic->name,
		       (unsigned long)tsc_khz(), (unsigned long)(alloc_free_bytes() / KiB));
		printf(
		    "runtime: boot timeline (us since start_c): setup done %lu, MADT and per-CPU "
		    "data %lu, APs online %lu\n",
		    us(t_setup - t0), us(t_smp_init - t0), us(t_smp_boot - t0));
		if (b->count) {
			printf("runtime: AP start (us): %u CPU(s)%s%s, ", b->count,
			       b->broadcast ? " (broadcast)" : "",
			       b->sipi_only ? " (SIPI only)" : "");
			if (!b->sipi_only)
				printf("INIT sent +%lu, ", us(b->init_sent_tsc - b->start_tsc));
			printf("SIPI sent +%lu, %u online +%lu\n",
			       us(b->sipi_sent_tsc - b->start_tsc), b->online,
			       us(b->end_tsc - b->start_tsc));
		}
	}
	if (smp_cpuid_apic_mismatches())
		printf("WARN: %u CPUs report a CPUID APIC ID that differs from their local "
		       "APIC ID\n",
		       smp_cpuid_apic_mismatches());
	r = main();
	exit_status((u8)r);
}
