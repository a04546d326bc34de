/* SPDX-License-Identifier: MIT */
/*
 * Guest CPU online/offline on the ordered cpuhp state machine (lib/cpuhp), shaped like
 * Linux's kernel/cpu.c and /sys/devices/system/cpu/cpuN/online, and the driver of
 * hvemu's CPU hotplug controller (docs/architecture.md section 7.3).
 *
 * Sections of the guest machine (positions):
 *   CPU_HP_PREPARE_FIRST..CPU_HP_BRINGUP   run by the controlling CPU (CPU 0 here);
 *                                          the last one, "cpu:bringup", sends INIT/SIPI
 *                                          (startup) or checks the CPU is parked (teardown)
 *   CPU_HP_AP_FIRST..CPU_HP_AP_LAST        run by the CPU itself, interrupts disabled:
 *                                          startups from the runtime's smp_ap_setup_hook,
 *                                          teardowns from cpu_hotplug_ap_idle()
 * Built-in AP steps, ordered by declared constraints (not by their numbers):
 *   "hv:online"    hv_cpu_init() (VP index into per-CPU data, hypercall input page, kept
 *                  across offline as Linux keeps it) and the VP assist page; teardown
 *                  writes 0 to HV_X64_MSR_VP_ASSIST_PAGE and sets the VP index back to
 *                  VP_INVAL
 *   "cpu:targets"  the CPU joins (leaves) cpu_hp_targets, the CPUs that flushes and IPIs
 *                  may name; declared after "hv:online", so a CPU in the set always has
 *                  its VP index (no hypercall may name a CPU whose VP index is unknown)
 *
 * Serialisation: one operation at a time (cpu_online/cpu_offline/cpu_hpctl_process refuse
 * re-entry with -EBUSY); the controlling CPU and the CPU being plugged hand the machine to
 * each other, so only one of them touches it at any moment.
 *
 * Offline: the CPU must be running cpu_hotplug_ap_idle() (call it from ap_main()). It
 * leaves cpu_online_mask, waits until the controlling CPU has seen that (so no cross-CPU
 * call can still be aimed at it), tears its AP steps down, takes the interrupts already
 * pending, and parks with "cli; hlt". A later cpu_online() restarts it with INIT/SIPI.
 * smp_nr_online() (smp.c keeps that count) is not lowered by an offline: use
 * cpumask_weight(&cpu_online_mask).
 */
#ifndef GUEST_X86_CPU_HOTPLUG_H
#define GUEST_X86_CPU_HOTPLUG_H

#include "cpuhp/cpuhp.h"
#include "cpumask.h"
#include "hvemu/hpctl.h" /* the controller's ports and STATUS bits */
#include "types.h"

#define CPU_HP_PREPARE_FIRST 1
#define CPU_HP_BRINGUP	     20 /* state after the controlling CPU's part */
#define CPU_HP_AP_FIRST	     21
/* The built-in AP steps start here: positions before it are left for steps that a
 * user declares to run before them. */
#define CPU_HP_AP_BUILTIN 25
#define CPU_HP_AP_LAST	  CPUHP_ONLINE

/* The wake-up interrupt the offline request is sent with (its handler does nothing). */
#define CPU_HP_WAKE_VECTOR 0xe9

/* Time limits of the hand-overs between the controlling CPU and the plugged CPU. */
#define CPU_HP_ONLINE_TIMEOUT_MS  10000
#define CPU_HP_OFFLINE_TIMEOUT_MS 10000

/*
 * Sets up the machine and the built-in steps, marks every online CPU online in it (the
 * AP steps run on each of them, CPU 0 included), and installs smp_ap_setup_hook. Call
 * from CPU 0 after hv_init() (without Hyper-V the "hv:online" step does nothing).
 * 0, -EBUSY (already done) or the error of a step.
 */
int cpu_hotplug_init(void);

/*
 * Brings @cpu (present, offline) online: the controlling CPU's steps, INIT/SIPI, then the
 * CPU's own steps. Returns 0, -EINVAL (no such CPU, CPU 0 or the caller), -ENODEV (not
 * present), -EBUSY (not offline, or another operation runs), -ETIMEDOUT, or the error of
 * the failed step; on failure every step done is undone and the CPU is offline.
 */
int cpu_online(u32 cpu);
/*
 * Takes @cpu offline and parks it. Returns 0, -EINVAL, -EBUSY (not online, or another
 * operation runs), -ETIMEDOUT (it does not run cpu_hotplug_ap_idle()), or the error of a
 * failed teardown; on failure the CPU is online again with every step done.
 */
int cpu_offline(u32 cpu);

/* The AP idle loop that serves offline requests (sti; hlt otherwise). Never returns. */
__noreturn void cpu_hotplug_ap_idle(void);

/*
 * Called again and again by the controlling CPU while it waits for a plugged CPU
 * (interrupts enabled); may be NULL. It must not call into this module.
 */
extern void (*cpu_hotplug_wait_hook)(void);

/*
 * Adds a step at the first free position of the AP section (ap = true, runs on the CPU
 * itself with interrupts disabled) or of the controlling CPU's section before
 * "cpu:bringup" (ap = false), with its constraints, on every CPU already past it
 * (CPUHP_INVOKE; AP steps run on their CPU by cross-CPU call). The position or -errno.
 */
int cpu_hotplug_add_step(const struct cpuhp_step_desc *d, bool ap);
/* cpu_hotplug_init() has run: steps added now also run on CPUs brought online later. */
bool cpu_hotplug_machine_ready(void);
/* The machine, for queries (cpuhp_cpu_state, cpuhp_find_step) when no operation runs. */
const struct cpuhp_machine *cpu_hotplug_machine(void);

/*
 * The CPUs that flushes and IPIs may target ("cpu:targets"). Hold the lock from reading
 * the set until the hypercall or ICR write that names them is done; it is taken with
 * interrupts disabled. Never wait for a target (cross-CPU call, acknowledgement) while
 * holding it: a CPU leaving the set spins on it with interrupts disabled.
 */
u64 cpu_hp_targets_lock(struct cpumask *snapshot);
void cpu_hp_targets_unlock(u64 flags);

/* Per-CPU record of the last bring-up, for tests and benchmarks (TSC values). */
struct cpu_hp_info {
	u64 kick_tsc;	 /* INIT sent */
	u64 running_tsc; /* the CPU reached the runtime's C code (percpu boot_tsc) */
	u64 online_tsc;	 /* the controlling CPU saw it online */
	int err;	 /* error of the last operation */
	struct cpuhp_failure fail;
};
const struct cpu_hp_info *cpu_hp_info(u32 cpu);

/*
 * For cpuhp_ctl.c: it runs a whole event (acknowledge, online/offline, eject) under the
 * exclusion of one operation; the _locked calls need cpu_hotplug_enter() to have
 * returned true.
 */
bool cpu_hotplug_enter(void);
void cpu_hotplug_exit(void);
int cpu_online_locked(u32 cpu);
int cpu_offline_locked(u32 cpu);
/* The built-in AP steps' callbacks (cpuhp_targets.c), run on the CPU itself. */
int cpu_hp_hv_startup(unsigned int cpu, void *ctx);
int cpu_hp_hv_teardown(unsigned int cpu, void *ctx);
int cpu_hp_targets_startup(unsigned int cpu, void *ctx);
int cpu_hp_targets_teardown(unsigned int cpu, void *ctx);

/* --- the hotplug controller (cpuhp_ctl.c) ---------------------------------------- */

/*
 * Programs NOTIFY with CPU 0's APIC ID and @vector (0x30-0xef) and installs its handler,
 * which counts the interrupt; events are handled by cpu_hpctl_process(). 0, -EINVAL, or
 * -ENODEV when the register does not read back (no controller).
 */
int cpu_hpctl_init(u8 vector);
/* Event interrupts taken so far. */
u64 cpu_hpctl_irqs(void);
/* STATUS of @slot (HPCTL_ST_*). */
u32 cpu_hpctl_status(u32 slot);

/* What cpu_hpctl_process() did with one event. */
struct cpu_hpctl_event {
	u32 slot;
	int cpu; /* -ENOENT when the runtime does not list that APIC ID */
	bool insert;
	int err; /* cpu_online()/cpu_offline() result, or -EIO when EJECT did not take */
};
/* Told about every event handled; may be NULL. */
extern void (*cpu_hpctl_event_hook)(const struct cpu_hpctl_event *ev);

/*
 * Handles every pending event, lowest slot first: acknowledges it, then insert: the slot's
 * CPU becomes present and is brought online; remove: the CPU is taken offline (if it is
 * online) and ejected (STATUS bit 3), after which it is absent. Returns the number of
 * events handled (>= 0), or -EBUSY when called inside another hotplug operation.
 */
int cpu_hpctl_process(void);

#endif
