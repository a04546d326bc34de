// SPDX-License-Identifier: MIT
/*
 * The guest's built-in AP steps (see cpu_hotplug.h): "hv:online", Linux's
 * CPUHP_AP_HYPERV_ONLINE, and "cpu:targets", the set of CPUs that flushes and IPIs may
 * name. cpu_hotplug_init() registers them with "hv:online" declared before "cpu:targets".
 */
#include "atomic.h"
#include "spinlock.h"
#include "x86/cpu_hotplug.h"
#include "x86/hv.h"
#include "x86/percpu.h"
#include "x86/processor.h"

static struct spinlock targets_lock = SPINLOCK_INIT;
static struct cpumask targets;

u64 cpu_hp_targets_lock(struct cpumask *snapshot)
{
	u64 flags = spin_lock_irqsave(&targets_lock);

	if (snapshot)
		cpumask_copy(snapshot, &targets);
	return flags;
}

void cpu_hp_targets_unlock(u64 flags)
{
	spin_unlock_irqrestore(&targets_lock, flags);
}

/*
 * "hv:online" (on the CPU): what Linux's hv_cpu_init() does at CPUHP_AP_HYPERV_ONLINE.
 * The hypercall input/output pages stay allocated across offline, as in Linux
 * (drivers/hv/hv_common.c hv_common_cpu_die() keeps them): a page freed on offline and used
 * by a hypercall later would be a use-after-free.
 */
int cpu_hp_hv_startup(unsigned int cpu, void *ctx)
{
	struct percpu *pc = this_cpu();
	int r;

	(void)cpu;
	(void)ctx;
	if (!hv_info.present || !READ_ONCE(hv_hypercall_pg))
		return 0;
	r = hv_cpu_init();
	/* TLFS "Virtual Processor Assist Page": AccessIntrCtrlRegs (EAX bit 4). */
	if (!r && hv_priv(HV_X64_MSR_APIC_ACCESS_AVAILABLE))
		r = hv_vp_assist_enable();
	if (r)
		WRITE_ONCE(pc->vp_index, VP_INVAL);
	return r;
}

/* Linux's hv_cpu_die(): the assist page off (a 0 write), the VP index unknown again. */
int cpu_hp_hv_teardown(unsigned int cpu, void *ctx)
{
	int r = 0;

	(void)cpu;
	(void)ctx;
	if (!hv_info.present || !READ_ONCE(hv_hypercall_pg))
		return 0;
	if (hv_priv(HV_X64_MSR_APIC_ACCESS_AVAILABLE))
		r = hv_vp_assist_disable();
	if (!r)
		WRITE_ONCE(this_cpu()->vp_index, VP_INVAL);
	return r;
}

int cpu_hp_targets_startup(unsigned int cpu, void *ctx)
{
	u64 flags = cpu_hp_targets_lock(NULL);

	(void)ctx;
	cpumask_set(&targets, cpu);
	cpu_hp_targets_unlock(flags);
	return 0;
}

int cpu_hp_targets_teardown(unsigned int cpu, void *ctx)
{
	u64 flags = cpu_hp_targets_lock(NULL);

	(void)ctx;
	cpumask_clear_cpu(&targets, cpu);
	cpu_hp_targets_unlock(flags);
	return 0;
}
