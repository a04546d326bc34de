/* SPDX-License-Identifier: MIT */
/*
 * Multiprocessor support: CPU enumeration from the ACPI MADT, INIT-SIPI-SIPI bring-up of
 * application processors (in parallel), and cross-CPU function calls.
 *
 * CPU numbers: 0 is the boot CPU; every other MADT entry that is enabled or
 * online-capable gets the next number, in table order. "possible" = listed, "present" =
 * enabled (or hot-added later), "online" = running the runtime.
 */
#ifndef GUEST_X86_SMP_H
#define GUEST_X86_SMP_H

#include "types.h"
#include "cpumask.h"
#include "x86/percpu.h"

extern struct cpumask cpu_possible_mask, cpu_present_mask, cpu_online_mask;

/* Number of CPU numbers assigned (possible CPUs). */
u32 smp_nr_cpus(void);
u32 smp_nr_present(void);
u32 smp_nr_online(void);
/* -ENOENT when no listed CPU has that APIC ID. */
int cpu_from_apic_id(u32 apic_id);

/* Sets GS base and the boot CPU's per-CPU data; the first thing start_c() does. */
void percpu_init_bsp_early(void);
/* Reads the MADT and prepares per-CPU data for every listed CPU (boot CPU only). */
void smp_init(void);
/*
 * Starts every present, offline CPU in @mask (INIT to all, then SIPI to all, a second
 * SIPI to those that have not arrived) and waits until they are online or the time limit
 * (cmdline smp_timeout_ms, default 10 s + 20 ms per CPU) passes. Returns the number of
 * CPUs of @mask that came online.
 */
int smp_boot_cpus(const struct cpumask *mask);
/* smp_boot_cpus(&cpu_present_mask). */
int smp_boot_all(void);
/* Nanoseconds the last smp_boot_cpus() took, INIT to the last CPU online. */
u64 smp_last_boot_ns(void);

/* What the last smp_boot_cpus() did, with TSC time stamps. */
struct smp_boot_stats {
	u64 start_tsc;	   /* before the first INIT */
	u64 init_sent_tsc; /* INITs sent */
	u64 sipi_sent_tsc; /* SIPIs sent */
	u64 end_tsc;	   /* all online, or the time limit */
	u32 count;	   /* CPUs started */
	u32 online;	   /* of which came online */
	u32 init_fallback; /* SIPI alone went unanswered: INIT-SIPI sent to these */
	bool broadcast;	   /* all-but-self shorthand used */
	bool sipi_only;	   /* no INIT first: the CPUs waited for SIPI (platform's word) */
};
const struct smp_boot_stats *smp_last_boot(void);
/* CPUs whose CPUID-reported APIC ID differed from their local APIC's ID. */
u32 smp_cpuid_apic_mismatches(void);
/* APs that started with an APIC ID the MADT did not list (they halt). */
u32 smp_lost_aps(void);

/*
 * Called on every AP, on that CPU, with interrupts disabled, after its GDT, IDT, TSS and
 * local APIC are set up and before it is marked online; a non-zero return keeps the CPU
 * offline (it halts). This is where per-CPU start-up steps (the cpuhp state machine,
 * Hyper-V VP index and pages) plug in. NULL: nothing to do.
 */
extern int (*smp_ap_setup_hook)(struct percpu *pc);

/*
 * A test may define ap_main(): every AP calls it once it is online, with interrupts
 * enabled, then idles (serving cross-CPU calls). The boot CPU runs main().
 */
void ap_main(void) __weak;
/* The AP idle loop: sti; hlt forever. */
__noreturn void cpu_idle(void);

/*
 * Runs fn(arg) on every online CPU in @mask and returns when all have finished. The
 * calling CPU runs it directly (interrupts disabled); the others in their cross-call
 * interrupt handler. Safe to call with interrupts disabled: while it waits it serves
 * calls aimed at itself. Panics if a CPU does not answer within 30 s.
 */
void on_cpus(const struct cpumask *mask, void (*fn)(void *arg), void *arg);
void on_cpu(u32 cpu, void (*fn)(void *arg), void *arg);
/* All online CPUs, the caller included. */
void on_all_cpus(void (*fn)(void *arg), void *arg);

/*
 * Sends a fixed IPI to every CPU in @mask. The native implementation writes the ICR once
 * per target, or once with the all-but-self shorthand when @mask is exactly "all online
 * but me". A paravirtual layer may replace it through smp_ipi_mask_hook.
 */
void smp_send_ipi_mask(const struct cpumask *mask, u8 vector);
void smp_send_ipi_mask_native(const struct cpumask *mask, u8 vector);
extern void (*smp_ipi_mask_hook)(const struct cpumask *mask, u8 vector);

/* Cross-call internals (xcall.c), used by smp.c. */
void xcall_init(void);

#endif
