// SPDX-License-Identifier: MIT
#include "x86/smp.h"
#include "x86/apic.h"
#include "x86/acpi.h"
#include "x86/asm-defs.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/tsc.h"
#include "alloc.h"
#include "atomic.h"
#include "cmdline.h"
#include "printf.h"
#include "string.h"

#define AP_STACK_PAGES 4

BUILD_BUG_ON(AP_MAX_CPUS != MAX_CPUS);

struct cpumask cpu_possible_mask, cpu_present_mask, cpu_online_mask;

/* Read by ap_entry64 (trampoline.S). */
struct percpu *percpu_ptrs[MAX_CPUS];
u16 apic_to_cpu[MAX_APIC_ID];
u32 ap_lost_count;

static struct percpu bsp_percpu;
static u32 nr_cpus = 1, nr_online = 1;
static u32 ap_booted;
static u32 cpuid_mismatches;
static u64 last_boot_ns;
static bool trampoline_ready;

/* The MADT's processor list, kept until smp_init() has allocated per-CPU data. */
struct cpu_entry {
	u32 apic_id, acpi_uid;
	bool enabled;
};
static struct cpu_entry entries[MAX_CPUS];

extern char boot_stack[], boot_stack_top[];
extern char tramp_start[], tramp_end[], tramp_data[];

struct __packed tramp_data {
	u16 gdt_limit;
	u32 gdt_base;
	u16 pad;
	u32 cr4, cr3, efer, cr0;
};

struct percpu *per_cpu(u32 cpu)
{
	return cpu < MAX_CPUS ? percpu_ptrs[cpu] : NULL;
}

u32 smp_nr_cpus(void)
{
	return nr_cpus;
}

u32 smp_nr_present(void)
{
	return cpumask_weight(&cpu_present_mask);
}

u32 smp_nr_online(void)
{
	return atomic_load(&nr_online);
}

u64 smp_last_boot_ns(void)
{
	return last_boot_ns;
}

u32 smp_cpuid_apic_mismatches(void)
{
	return atomic_load(&cpuid_mismatches);
}

u32 smp_lost_aps(void)
{
	return atomic_load(&ap_lost_count);
}

int cpu_from_apic_id(u32 apic_id)
{
	if (apic_id < MAX_APIC_ID)
		return apic_to_cpu[apic_id] < MAX_CPUS ? apic_to_cpu[apic_id] : -ENOENT;
	for (u32 cpu = 0; cpu < nr_cpus; cpu++) {
		if (percpu_ptrs[cpu] && percpu_ptrs[cpu]->apic_id == apic_id)
			return (int)cpu;
	}
	return -ENOENT;
}

static void percpu_reset(struct percpu *pc, u32 cpu)
{
	pc->self = pc;
	pc->cpu = cpu;
	pc->vp_index = VP_INVAL;
	pc->fault.vector = -1;
	pc->user.exit.vector = -1;
}

void percpu_init_bsp_early(void)
{
	struct percpu *pc = &bsp_percpu;

	percpu_reset(pc, 0);
	pc->stack_base = (u64)(uintptr_t)boot_stack;
	pc->stack_top = (u64)(uintptr_t)boot_stack_top;
	pc->state = CPU_ONLINE;
	pc->boot_tsc = rdtsc();
	percpu_ptrs[0] = pc;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)pc);
}

static void add_madt_cpu(const struct madt_cpu *c, void *ctx)
{
	u32 *dropped = ctx;

	if (c->apic_id == bsp_percpu.apic_id) {
		bsp_percpu.acpi_id = c->acpi_uid;
		return;
	}
	if (nr_cpus >= MAX_CPUS) {
		(*dropped)++;
		return;
	}
	entries[nr_cpus++] = (struct cpu_entry){ c->apic_id, c->acpi_uid, c->enabled };
}

void smp_init(void)
{
	u32 dropped = 0, n_ap;
	struct percpu *pcs;
	int r;

	bsp_percpu.apic_id = apic_read_id();
	memset(apic_to_cpu, 0xff, sizeof(apic_to_cpu));
	if (bsp_percpu.apic_id < MAX_APIC_ID)
		apic_to_cpu[bsp_percpu.apic_id] = 0;
	cpumask_set(&cpu_possible_mask, 0);
	cpumask_set(&cpu_present_mask, 0);
	cpumask_set(&cpu_online_mask, 0);
	xcall_init();

	r = madt_for_each_cpu(add_madt_cpu, &dropped);
	if (r < 0)
		printf("WARN: no ACPI MADT: running on the boot CPU only\n");
	if (dropped)
		printf("WARN: %u MADT processors beyond %u CPUs ignored\n", dropped, MAX_CPUS);
	n_ap = nr_cpus - 1;
	if (!n_ap)
		return;
	pcs = alloc_pages_zeroed(ALIGN_UP(n_ap * sizeof(struct percpu), PAGE_SIZE) / PAGE_SIZE);
	if (!pcs) {
		printf("WARN: no memory for per-CPU data of %u CPUs\n", n_ap);
		nr_cpus = 1;
		return;
	}
	for (u32 cpu = 1; cpu < nr_cpus; cpu++) {
		struct percpu *pc = &pcs[cpu - 1];
		const struct cpu_entry *e = &entries[cpu];

		percpu_reset(pc, cpu);
		pc->apic_id = e->apic_id;
		pc->acpi_id = e->acpi_uid;
		pc->state = e->enabled ? CPU_OFFLINE : CPU_ABSENT;
		percpu_ptrs[cpu] = pc;
		if (e->apic_id < MAX_APIC_ID)
			apic_to_cpu[e->apic_id] = (u16)cpu;
		cpumask_set(&cpu_possible_mask, cpu);
		if (e->enabled)
			cpumask_set(&cpu_present_mask, cpu);
	}
}

static void setup_trampoline(void)
{
	struct tramp_data *d;
	struct desc_ptr gdt;
	size_t size = (size_t)(tramp_end - tramp_start);

	if (!trampoline_ready) {
		memcpy((void *)(uintptr_t)TRAMPOLINE_BASE, tramp_start, size);
		trampoline_ready = true;
	}
	asm volatile("sgdt %0" : "=m"(gdt));
	d = (struct tramp_data *)(uintptr_t)(TRAMPOLINE_BASE + (u64)(tramp_data - tramp_start));
	d->gdt_limit = gdt.limit;
	d->gdt_base = (u32)gdt.base;
	d->cr4 = (u32)read_cr4();
	d->cr3 = (u32)read_cr3();
	d->efer = (u32)rdmsr(MSR_EFER) & ~(u32)EFER_LMA;
	d->cr0 = (u32)read_cr0();
}

/* Runs on each AP, on its own stack, called from ap_entry64. */
__noreturn void ap_start_c(struct percpu *pc);
__noreturn void ap_start_c(struct percpu *pc)
{
	u32 max_leaf;

	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)pc);
	pc->boot_tsc = rdtsc();
	desc_load_cpu(pc);
	apic_init_cpu();
	/* Firmware-style CPUID topology should agree with the APIC (Linux relies on it). */
	max_leaf = cpuid(0).a;
	if ((max_leaf >= 0xb && cpuid_count(0xb, 0).d != pc->apic_id) ||
	    (cpuid(1).b >> 24) != (pc->apic_id & 0xff))
		atomic_inc(&cpuid_mismatches);
	atomic_store(&pc->state, (u32)CPU_ONLINE);
	cpumask_set_atomic(&cpu_online_mask, pc->cpu);
	atomic_inc(&nr_online);
	atomic_inc(&ap_booted);
	if (ap_main)
		ap_main();
	cpu_idle();
}

__noreturn void cpu_idle(void)
{
	for (;;)
		safe_halt();
}

static u32 wait_booted(u32 base, u32 want, u64 deadline)
{
	u32 n;

	while ((n = atomic_load(&ap_booted) - base) < want && rdtsc() < deadline)
		cpu_relax();
	return n;
}

int smp_boot_cpus(const struct cpumask *mask)
{
	u32 me = smp_id(), count = 0, base, got, cpu, shown = 0;
	u64 t0, timeout_ms, deadline;
	struct cpumask targets;

	cpumask_clear(&targets);
	setup_trampoline();
	for_each_cpu(cpu, mask) {
		struct percpu *pc = per_cpu(cpu);

		if (!pc || cpu == me || atomic_load(&pc->state) != CPU_OFFLINE)
			continue;
		if (!apic_x2apic_mode() && pc->apic_id > XAPIC_MAX_ID) {
			printf("WARN: CPU %u: APIC ID %u needs x2APIC mode\n", cpu, pc->apic_id);
			continue;
		}
		if (!pc->stack_top) {
			void *stack = alloc_pages(AP_STACK_PAGES);

			if (!stack) {
				printf("WARN: CPU %u: no memory for a stack\n", cpu);
				continue;
			}
			pc->stack_base = (u64)(uintptr_t)stack;
			pc->stack_top = pc->stack_base + AP_STACK_PAGES * PAGE_SIZE;
		}
		pc->state = CPU_BOOTING;
		cpumask_set(&targets, cpu);
		count++;
	}
	if (!count)
		return 0;
	timeout_ms = cmdline_u64("smp_timeout_ms", 10000 + 20 * (u64)count);
	base = atomic_load(&ap_booted);
	smp_mb();
	t0 = rdtsc();
	/*
	 * KVM latches INIT and SIPI, so all INITs then all SIPIs without the historical
	 * delays is enough; the APs then start in parallel.
	 */
	for_each_cpu(cpu, &targets)
		apic_send_init(percpu_ptrs[cpu]->apic_id);
	for_each_cpu(cpu, &targets)
		apic_send_sipi(percpu_ptrs[cpu]->apic_id, TRAMPOLINE_BASE >> 12);
	/* A second SIPI to stragglers only: one that is running ignores it anyway. */
	got = wait_booted(base, count, t0 + tsc_ms_to_cycles(200 + 2 * (u64)count));
	if (got < count) {
		for_each_cpu(cpu, &targets) {
			if (atomic_load(&percpu_ptrs[cpu]->state) == CPU_BOOTING)
				apic_send_sipi(percpu_ptrs[cpu]->apic_id, TRAMPOLINE_BASE >> 12);
		}
		deadline = t0 + tsc_ms_to_cycles(timeout_ms);
		got = wait_booted(base, count, deadline);
	}
	last_boot_ns = tsc_cycles_to_ns(rdtsc() - t0);
	if (got < count) {
		for_each_cpu(cpu, &targets) {
			struct percpu *pc = percpu_ptrs[cpu];

			if (atomic_load(&pc->state) == CPU_ONLINE)
				continue;
			if (shown++ < 8)
				printf("WARN: CPU %u (APIC ID %u) did not come online within %lu ms\n",
				       cpu, pc->apic_id, (unsigned long)timeout_ms);
		}
		printf("WARN: %u of %u CPUs did not come online\n", count - got, count);
	}
	if (atomic_load(&ap_lost_count))
		printf("WARN: %u APs started with an APIC ID the MADT does not list\n",
		       atomic_load(&ap_lost_count));
	return (int)got;
}

int smp_boot_all(void)
{
	return smp_boot_cpus(&cpu_present_mask);
}
