// SPDX-License-Identifier: MIT
#include "x86/smp.h"
#include "x86/apic.h"
#include "x86/acpi.h"
#include "x86/asm-defs.h"
#include "x86/desc.h"
#include "x86/fw_cfg.h"
#include "x86/processor.h"
#include "x86/tsc.h"
#include "x86/usermode.h"
#include "alloc.h"
#include "atomic.h"
#include "cmdline.h"
#include "printf.h"
#include "string.h"
#include "hvemu/boot_flags.h"

#define AP_STACK_PAGES 4

BUILD_BUG_ON(AP_MAX_CPUS != MAX_CPUS);

struct cpumask cpu_possible_mask, cpu_present_mask, cpu_online_mask;
unsigned int nr_cpumask_words = MAX_CPUS / 64;

/* Read by ap_entry64 (trampoline.S). */
struct percpu *percpu_ptrs[MAX_CPUS];
u16 apic_to_cpu[MAX_APIC_ID];
u32 ap_lost_count;
static u32 ap_unexpected;
static u32 ap_setup_failed;
int (*smp_ap_setup_hook)(struct percpu *pc);

static struct percpu bsp_percpu;
static u32 nr_cpus = 1, nr_online = 1;
static u32 ap_booted;
static u32 cpuid_mismatches;
static struct smp_boot_stats boot_stats;
static bool trampoline_ready;
static u32 platform_boot_flags; /* fw_cfg etc/hvemu/boot-flags, 0 where absent */
static u32 cpuid_max_leaf;

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
	return tsc_cycles_to_ns(boot_stats.end_tsc - boot_stats.start_tsc);
}

const struct smp_boot_stats *smp_last_boot(void)
{
	return &boot_stats;
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

/*
 * The two loops over every CPU of smp_init() touch memory only: with many CPUs they run at
 * CPL3, natively (run_user_bulk), instead of in the emulator (with 1024 CPUs: 130 ms at
 * CPL0 here). At CPL0 where CPL3 is not available.
 */
static u64 madt_scan(u64 dropped)
{
	return (u64)(s64)madt_for_each_cpu(add_madt_cpu, (u32 *)(uintptr_t)dropped);
}

static u64 percpu_setup(u64 pcs_addr)
{
	struct percpu *pcs = (struct percpu *)(uintptr_t)pcs_addr;

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
	return 0;
}

/* hvemu's word on the APs' state at boot (include/hvemu/boot_flags.h); 0 elsewhere. */
static u32 read_boot_flags(void)
{
	u32 size, flags = 0;
	u16 key;

	if (cmdline_has("smp_init_sipi") || !fw_cfg_present() ||
	    fw_cfg_find_file(HVEMU_FW_CFG_BOOT_FLAGS, &key, &size) || size < sizeof(flags))
		return 0;
	fw_cfg_read(key, &flags, sizeof(flags));
	return flags;
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

	cpuid_max_leaf = cpuid(0).a;
	r = (int)(s64)run_natively(madt_scan, (u64)(uintptr_t)&dropped);
	if (r < 0)
		printf("WARN: no ACPI MADT: running on the boot CPU only\n");
	if (dropped)
		printf("WARN: %u MADT processors beyond %d CPUs ignored\n", dropped, MAX_CPUS);
	n_ap = nr_cpus - 1;
	nr_cpumask_words = ALIGN_UP(nr_cpus, 64u) / 64;
	if (!n_ap)
		return;
	pcs = alloc_pages_zeroed(ALIGN_UP(n_ap * sizeof(struct percpu), PAGE_SIZE) / PAGE_SIZE);
	if (!pcs) {
		printf("WARN: no memory for per-CPU data of %u CPUs\n", n_ap);
		nr_cpus = 1;
		nr_cpumask_words = 1;
		return;
	}
	run_natively(percpu_setup, (u64)(uintptr_t)pcs);
	platform_boot_flags = read_boot_flags();
}

static void setup_trampoline(void)
{
	struct tramp_data *d;
	struct desc_ptr gdt;
	/* cppcheck-suppress comparePointers ; labels in one assembly section (trampoline.S) */
	size_t size = (size_t)(tramp_end - tramp_start);

	if (!trampoline_ready) {
		memcpy((void *)(uintptr_t)TRAMPOLINE_BASE, tramp_start, size);
		trampoline_ready = true;
	}
	asm volatile("sgdt %0" : "=m"(gdt));
	/* cppcheck-suppress comparePointers ; labels in one assembly section (trampoline.S) */
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
	/* ap_entry64 claimed this CPU (BOOTING -> STARTING); anything else is a bug. */
	if (atomic_load(&pc->state) != CPU_STARTING) {
		atomic_inc(&ap_unexpected);
		halt_forever();
	}
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)pc);
	pc->boot_tsc = rdtsc();
	desc_load_cpu(pc);
	user_mode_ready();
	apic_init_ap();
	/* Firmware-style CPUID topology should agree with the APIC (Linux relies on it). */
	if ((cpuid_max_leaf >= 0xb && cpuid_count(0xb, 0).d != pc->apic_id) ||
	    (cpuid(1).b >> 24) != (pc->apic_id & 0xff))
		atomic_inc(&cpuid_mismatches);
	if (smp_ap_setup_hook && smp_ap_setup_hook(pc)) {
		atomic_store(&pc->state, (u32)CPU_OFFLINE);
		atomic_inc(&ap_setup_failed);
		atomic_inc(&ap_booted); /* counted, so the boot CPU does not wait for it */
		halt_forever();
	}
	/*
	 * In cpu_online_mask before CPU_ONLINE: whoever sees the state (cpu_online()'s
	 * wait, for one) also sees the mask. Going down is the mirror: out of the mask first.
	 */
	cpumask_set_atomic(&cpu_online_mask, pc->cpu);
	atomic_inc(&nr_online);
	atomic_store(&pc->state, (u32)CPU_ONLINE);
	atomic_inc(&ap_booted);
	irq_enable();
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

/*
 * A CPU that did not answer a SIPI alone: the platform's word was wrong (or the SIPI was
 * lost). Taken back first (BOOTING -> OFFLINE), so that it cannot claim itself while the
 * INIT resets it: if it arrives in between, its claim fails and it halts, and the INIT
 * then restarts it cleanly. Counted and reported.
 */
static void restart_with_init(struct percpu *pc)
{
	u32 expected = CPU_BOOTING;

	if (!atomic_cmpxchg(&pc->state, &expected, (u32)CPU_OFFLINE))
		return; /* claimed meanwhile, or online */
	apic_send_init(pc->apic_id);
	atomic_store(&pc->state, (u32)CPU_BOOTING);
	apic_send_sipi(pc->apic_id, TRAMPOLINE_BASE >> 12);
	boot_stats.init_fallback++;
}

/*
 * smp_boot_cpus()'s loops over every CPU touch memory only: like smp_init()'s they run at
 * CPL3, natively (run_natively), where at CPL0 every instruction is emulated (with 1024
 * CPUs these three loops took 88 ms of the boot).
 */
struct boot_sel {
	const struct cpumask *mask;
	struct cpumask *targets;
	u32 me;
	u32 count, no_x2apic, need_stack; /* out */
	bool sipi_only;			  /* in: the platform's word; out: and no CPU ran */
	u8 *block;			  /* stacks for need_stack CPUs, in order */
};

/* Marks the CPUs of @mask that can be started BOOTING and counts those without a stack. */
static u64 select_targets(u64 arg)
{
	struct boot_sel *b = (struct boot_sel *)(uintptr_t)arg;
	u32 cpu;

	for_each_cpu (cpu, b->mask) {
		struct percpu *pc = per_cpu(cpu);

		if (!pc || cpu == b->me || atomic_load(&pc->state) != CPU_OFFLINE)
			continue;
		if (!apic_x2apic_mode() && pc->apic_id > XAPIC_MAX_ID) {
			b->no_x2apic++;
			continue;
		}
		pc->state = CPU_BOOTING;
		/* One that was started before has run since: only INIT resets what it left. */
		if (pc->started)
			b->sipi_only = false;
		pc->started = 1;
		cpumask_set(b->targets, cpu);
		b->count++;
		if (!pc->stack_top)
			b->need_stack++;
	}
	return 0;
}

/* Hands b->block out to the targets without a stack. */
static u64 assign_stacks(u64 arg)
{
	struct boot_sel *b = (struct boot_sel *)(uintptr_t)arg;
	u8 *p = b->block;
	u32 cpu;

	for_each_cpu (cpu, b->targets) {
		struct percpu *pc = percpu_ptrs[cpu];

		if (pc->stack_top)
			continue;
		pc->stack_base = (u64)(uintptr_t)p;
		pc->stack_top = pc->stack_base + AP_STACK_PAGES * PAGE_SIZE;
		p += AP_STACK_PAGES * PAGE_SIZE;
	}
	return 0;
}

static u64 count_online(u64 targets)
{
	u32 cpu, got = 0;

	for_each_cpu (cpu, (const struct cpumask *)(uintptr_t)targets) {
		if (atomic_load(&percpu_ptrs[cpu]->state) == CPU_ONLINE)
			got++;
	}
	return got;
}

/*
 * Gives every target without a stack one, from a single allocation (per-CPU allocations
 * cost ~30 us each of emulated locking here), else one by one.
 */
static void alloc_stacks(struct boot_sel *b)
{
	u32 cpu;

	if (!b->need_stack)
		return;
	b->block = alloc_pages((size_t)b->need_stack * AP_STACK_PAGES);
	if (b->block) {
		run_natively(assign_stacks, (u64)(uintptr_t)b);
		return;
	}
	for_each_cpu (cpu, b->targets) {
		struct percpu *pc = percpu_ptrs[cpu];
		u8 *one;

		if (pc->stack_top)
			continue;
		one = alloc_pages(AP_STACK_PAGES);
		if (!one) {
			printf("WARN: CPU %u: no memory for a stack\n", cpu);
			cpumask_clear_cpu(b->targets, cpu);
			pc->state = CPU_OFFLINE;
			b->count--;
			continue;
		}
		pc->stack_base = (u64)(uintptr_t)one;
		pc->stack_top = pc->stack_base + AP_STACK_PAGES * PAGE_SIZE;
	}
}

int smp_boot_cpus(const struct cpumask *mask)
{
	u32 count, base, got, cpu, shown = 0;
	u64 t0, timeout_ms, deadline;
	struct cpumask targets, rest;
	struct boot_sel sel = {
		.mask = mask,
		.targets = &targets,
		.me = smp_id(),
		.sipi_only = platform_boot_flags & HVEMU_BOOT_AP_WAIT_FOR_SIPI,
	};
	bool broadcast, sipi_only;

	cpumask_clear(&targets);
	setup_trampoline();
	run_natively(select_targets, (u64)(uintptr_t)&sel);
	if (sel.no_x2apic)
		printf("WARN: %u CPUs have APIC IDs above %u and need x2APIC mode: not started\n",
		       sel.no_x2apic, XAPIC_MAX_ID);
	alloc_stacks(&sel);
	count = sel.count;
	sipi_only = sel.sipi_only;
	if (!count)
		return 0;
	/*
	 * When every listed CPU but this one is starting, two ICR writes with the
	 * all-but-self shorthand replace 2 x count: with 1024 vCPUs on a few host CPUs the
	 * boot CPU competes with the APs it wakes. Not with hot-pluggable slots listed: a
	 * VMM that keeps vCPUs for them would hold the INIT/SIPI until they are added.
	 */
	cpumask_clear(&rest);
	cpumask_copy(&rest, &cpu_possible_mask);
	cpumask_clear_cpu(&rest, sel.me);
	broadcast = count > 1 && cpumask_equal(&rest, &targets);
	timeout_ms = cmdline_u64("smp_timeout_ms", 10000 + 20 * (u64)count);
	base = atomic_load(&ap_booted);
	smp_mb();
	t0 = rdtsc();
	boot_stats = (struct smp_boot_stats){
		.start_tsc = t0, .count = count, .broadcast = broadcast, .sipi_only = sipi_only
	};
	/*
	 * KVM latches INIT and SIPI, so INIT then SIPI without the historical delays is
	 * enough; the APs then start in parallel. Where the platform says that CPUs which
	 * never ran wait for SIPI, as after RESET (hvemu), the SIPI alone: with 1024 vCPUs
	 * each INIT costs KVM a vCPU reset and an APIC map rebuild over every vCPU.
	 */
	if (broadcast) {
		if (!sipi_only)
			apic_icr(APIC_DEST_ALLBUT | APIC_DM_INIT | APIC_INT_ASSERT, 0);
		boot_stats.init_sent_tsc = rdtsc();
		apic_icr(APIC_DEST_ALLBUT | APIC_DM_STARTUP | APIC_INT_ASSERT |
			     (TRAMPOLINE_BASE >> 12),
			 0);
	} else {
		if (!sipi_only) {
			for_each_cpu (cpu, &targets)
				apic_send_init(percpu_ptrs[cpu]->apic_id);
		}
		boot_stats.init_sent_tsc = rdtsc();
		for_each_cpu (cpu, &targets)
			apic_send_sipi(percpu_ptrs[cpu]->apic_id, TRAMPOLINE_BASE >> 12);
	}
	boot_stats.sipi_sent_tsc = rdtsc();
	/*
	 * Then stragglers only: a second SIPI (one that is running ignores it; KVM latches
	 * the first, so this is for other platforms), or INIT-SIPI after a SIPI alone. The
	 * wait is long because 1024 vCPUs on two host CPUs take seconds to get through the
	 * trampoline on a busy host.
	 */
	got =
	    wait_booted(base, count, t0 + tsc_ms_to_cycles(MIN(timeout_ms, 1000 + 5 * (u64)count)));
	if (got < count) {
		for_each_cpu (cpu, &targets) {
			if (sipi_only)
				restart_with_init(percpu_ptrs[cpu]);
			else if (atomic_load(&percpu_ptrs[cpu]->state) == CPU_BOOTING)
				apic_send_sipi(percpu_ptrs[cpu]->apic_id, TRAMPOLINE_BASE >> 12);
		}
		deadline = t0 + tsc_ms_to_cycles(timeout_ms);
		got = wait_booted(base, count, deadline);
	}
	boot_stats.end_tsc = rdtsc();
	boot_stats.online = got;
	if (got < count) {
		for_each_cpu (cpu, &targets) {
			struct percpu *pc = percpu_ptrs[cpu];
			u32 expected = CPU_BOOTING;

			if (atomic_load(&pc->state) == CPU_ONLINE)
				continue;
			/* Take it back: an AP that arrives late now fails its claim and halts. */
			atomic_cmpxchg(&pc->state, &expected, (u32)CPU_OFFLINE);
			if (shown++ < 8)
				printf(
				    "WARN: CPU %u (APIC ID %u) did not come online within %lu ms\n",
				    cpu, pc->apic_id, (unsigned long)timeout_ms);
		}
		printf("WARN: %u of %u CPUs did not come online\n", count - got, count);
	}
	if (boot_stats.init_fallback)
		printf("WARN: %u CPUs did not answer a SIPI alone although the platform says "
		       "they wait for one: INIT-SIPI sent to them\n",
		       boot_stats.init_fallback);
	if (atomic_load(&ap_lost_count))
		printf("WARN: %u APs started with an APIC ID the MADT does not list, or for a "
		       "CPU not being started\n",
		       atomic_load(&ap_lost_count));
	if (atomic_load(&ap_unexpected))
		printf("WARN: %u APs started that were not being booted\n",
		       atomic_load(&ap_unexpected));
	if (atomic_load(&ap_setup_failed))
		printf("WARN: %u APs failed their set-up hook and stay offline\n",
		       atomic_load(&ap_setup_failed));
	/* got counts hook failures too: report the CPUs that really came online. */
	got = (u32)run_natively(count_online, (u64)(uintptr_t)&targets);
	boot_stats.online = got;
	return (int)got;
}

int smp_boot_all(void)
{
	return smp_boot_cpus(&cpu_present_mask);
}
