// SPDX-License-Identifier: MIT
/*
 * Guest CPU online/offline on lib/cpuhp (see cpu_hotplug.h). The controlling CPU runs the
 * steps up to CPU_HP_BRINGUP, the last of which sends INIT/SIPI; the new CPU runs the rest
 * on itself from smp_ap_setup_hook, as Linux's AP runs its STARTING/ONLINE states. Going
 * down is the mirror image: the CPU tears its own steps down in cpu_hotplug_ap_idle(),
 * parks, and the controlling CPU then tears its part down.
 */
#include "x86/cpu_hotplug.h"
#include "alloc.h"
#include "atomic.h"
#include "printf.h"
#include "spinlock.h"
#include "string.h"
#include "x86/apic.h"
#include "x86/asm-defs.h"
#include "x86/desc.h"
#include "x86/hv.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/tsc.h"

#define HP_STACK_PAGES 4 /* as smp.c gives the CPUs it boots */
/* The interrupt whose arrival proves every higher vector pending before it was taken. */
#define CPU_HP_DRAIN_VECTOR 0x30

/* Where a CPU is in a hand-over (hp_cpu.phase). */
enum hp_phase {
	HP_PH_NONE = 0,
	HP_PH_KICKED,	   /* INIT/SIPI sent by "cpu:bringup" */
	HP_PH_UP,	   /* its AP steps are done */
	HP_PH_UP_FAILED,   /* an AP step failed: undone, the runtime halts it */
	HP_PH_DYING,	   /* left cpu_online_mask, waits for the go */
	HP_PH_DOWN_FAILED, /* a teardown failed: rolled forward, online again */
	HP_PH_PARKED,	   /* AP steps torn down, parked in cli; hlt */
};

struct hp_cpu {
	u32 phase;
	u32 req; /* offline requested */
	u32 go;	 /* the controlling CPU saw HP_PH_DYING */
	u32 drained;
	u32 handed; /* the controlling CPU's cpuhp call returned: the machine is free */
	struct cpu_hp_info info;
};

/* An AP step's callbacks; the machine calls them through ap_run(). */
struct ap_step {
	cpuhp_cb_t startup, teardown;
	void *ctx;
};

void (*cpu_hotplug_wait_hook)(void);

static struct cpuhp_machine hp_m;
static struct cpuhp_cpu hp_mcpus[MAX_CPUS];
static struct hp_cpu hp[MAX_CPUS];
static struct ap_step ap_steps[CPUHP_MAX_STEPS];
static u32 nr_ap_steps;
static u32 hp_ready, hp_busy;

const struct cpuhp_machine *cpu_hotplug_machine(void)
{
	return &hp_m;
}

const struct cpu_hp_info *cpu_hp_info(u32 cpu)
{
	return cpu < MAX_CPUS ? &hp[cpu].info : NULL;
}

static bool hp_enter(void)
{
	u32 idle = 0;

	return atomic_cmpxchg(&hp_busy, &idle, 1u);
}

static void hp_exit(void)
{
	atomic_store(&hp_busy, 0u);
}

static void hp_poll(void)
{
	void (*hook)(void) = READ_ONCE(cpu_hotplug_wait_hook);

	if (hook)
		hook();
	else
		cpu_relax();
}

static void hp_report(void *ctx, const struct cpuhp_violation *v)
{
	(void)ctx;
	printf("WARN: cpuhp: CPU %u step %s (%u) %s returned %d (%s)\n", v->cpu,
	       v->name ? v->name : "?", v->pos, v->startup ? "startup" : "teardown", v->err,
	       v->kind == CPUHP_VIOLATION_NOFAIL ? "no-fail section" : "while undoing");
}

/* --- AP steps: run on the CPU itself ------------------------------------------------ */

struct ap_call {
	cpuhp_cb_t fn;
	unsigned int cpu;
	void *ctx;
	int ret;
};

static void ap_call_fn(void *arg)
{
	struct ap_call *c = arg;

	c->ret = c->fn(c->cpu, c->ctx);
}

/*
 * On a CPU's own bring-up and tear-down the machine runs there; when a step is registered
 * while CPUs are already up, the controlling CPU runs the machine and each CPU's callback
 * goes to it by cross-CPU call (Linux's cpuhp_invoke_ap_callback()).
 */
static int ap_run(cpuhp_cb_t fn, unsigned int cpu, void *ctx)
{
	struct ap_call c = { fn, cpu, ctx, -EIO };

	if (!fn)
		return 0;
	if (cpu == smp_id())
		return fn(cpu, ctx);
	if (!cpumask_test(&cpu_online_mask, cpu))
		return -EIO;
	on_cpu(cpu, ap_call_fn, &c);
	return c.ret;
}

static int ap_startup(unsigned int cpu, void *ctx)
{
	const struct ap_step *s = ctx;

	return ap_run(s->startup, cpu, s->ctx);
}

static int ap_teardown(unsigned int cpu, void *ctx)
{
	const struct ap_step *s = ctx;

	return ap_run(s->teardown, cpu, s->ctx);
}

static int add_step_locked(const struct cpuhp_step_desc *d, bool ap, unsigned int first)
{
	struct cpuhp_step_desc w;
	struct ap_step *s;
	int r;

	if (!d)
		return -EINVAL;
	if (!ap)
		return cpuhp_setup_step_dyn(&hp_m, CPU_HP_PREPARE_FIRST, CPU_HP_BRINGUP - 1, d,
					    CPUHP_INVOKE, NULL);
	if (nr_ap_steps >= CPUHP_MAX_STEPS)
		return -ENOSPC;
	s = &ap_steps[nr_ap_steps];
	*s = (struct ap_step){ d->startup, d->teardown, d->ctx };
	w = *d;
	w.startup = ap_startup;
	w.teardown = ap_teardown;
	w.ctx = s;
	r = cpuhp_setup_step_dyn(&hp_m, first, CPU_HP_AP_LAST, &w, CPUHP_INVOKE, NULL);
	if (r > 0)
		nr_ap_steps++;
	return r;
}

bool cpu_hotplug_machine_ready(void)
{
	return atomic_load(&hp_ready);
}

int cpu_hotplug_add_step(const struct cpuhp_step_desc *d, bool ap)
{
	int r;

	if (!atomic_load(&hp_ready))
		return -EINVAL;
	if (!hp_enter())
		return -EBUSY;
	r = add_step_locked(d, ap, CPU_HP_AP_FIRST);
	hp_exit();
	return r;
}

/* --- built-in steps ------------------------------------------------------------------ */

/* "cpu:prepare" (controlling CPU): a stack, and trampoline data that match this CPU now. */
static int prepare_startup(unsigned int cpu, void *ctx)
{
	static const struct cpumask none;
	struct percpu *pc = per_cpu(cpu);
	u8 *stack;

	(void)ctx;
	if (!pc)
		return -EINVAL;
	if (!pc->stack_top) {
		/* Kept when the CPU goes offline: the next bring-up reuses it. */
		stack = alloc_pages(HP_STACK_PAGES);
		if (!stack)
			return -ENOMEM;
		pc->stack_base = (u64)(uintptr_t)stack;
		pc->stack_top = pc->stack_base + HP_STACK_PAGES * PAGE_SIZE;
	}
	/*
	 * With an empty mask smp_boot_cpus() only rewrites the trampoline's CR0/CR3/CR4/EFER
	 * and GDT from this CPU: they may have changed since boot (hv_cpu_init() sets
	 * CR4.OSFXSR).
	 */
	smp_boot_cpus(&none);
	return 0;
}

/* "cpu:bringup" (controlling CPU): INIT/SIPI; the CPU runs the AP section itself. */
static int bringup_startup(unsigned int cpu, void *ctx)
{
	struct percpu *pc = per_cpu(cpu);
	u32 expected = CPU_OFFLINE;

	(void)ctx;
	if (!pc)
		return -EINVAL;
	if (!apic_x2apic_mode() && pc->apic_id > XAPIC_MAX_ID)
		return -EINVAL;
	atomic_store(&hp[cpu].phase, (u32)HP_PH_KICKED);
	if (!atomic_cmpxchg(&pc->state, &expected, (u32)CPU_BOOTING)) {
		atomic_store(&hp[cpu].phase, (u32)HP_PH_NONE);
		return -EBUSY;
	}
	hp[cpu].info.kick_tsc = rdtsc();
	pc->started = 1;
	/* KVM latches INIT and SIPI: no delays needed between them. */
	apic_send_init(pc->apic_id);
	apic_send_sipi(pc->apic_id, TRAMPOLINE_BASE >> 12);
	return 0;
}

/* Nothing to undo: the CPU is parked (offline) or halted by the runtime (failed start). */
static int bringup_teardown(unsigned int cpu, void *ctx)
{
	struct percpu *pc = per_cpu(cpu);

	(void)ctx;
	if (pc && atomic_load(&pc->state) != CPU_OFFLINE)
		printf("WARN: cpuhp: CPU %u torn down in state %u\n", cpu, atomic_load(&pc->state));
	atomic_store(&hp[cpu].phase, (u32)HP_PH_NONE);
	return 0;
}

static void wake_handler(struct ex_regs *regs)
{
	(void)regs;
}

static void drain_handler(struct ex_regs *regs)
{
	(void)regs;
	atomic_store(&hp[smp_id()].drained, 1u);
}

/*
 * Interrupts sent while this CPU was a flush/IPI target may be pending in its local APIC
 * (it had interrupts disabled): take them before it stops. The lowest-priority self-IPI
 * is delivered after all of them, so once it has arrived nothing sent before is lost.
 * Called with interrupts disabled; returns with them disabled.
 */
static void hp_drain(struct hp_cpu *h)
{
	atomic_store(&h->drained, 0u);
	apic_send_ipi_self(CPU_HP_DRAIN_VECTOR);
	for (;;) {
		irq_disable();
		if (atomic_load(&h->drained))
			break;
		safe_halt();
	}
}

/* Runs on every AP from ap_start_c(), interrupts disabled. */
static int hp_ap_hook(struct percpu *pc)
{
	struct hp_cpu *h = &hp[pc->cpu];
	int r;

	if (!atomic_load(&hp_ready))
		return 0;
	/* Only cpu_online() may start a CPU now: its machine state must be BRINGUP. */
	if (atomic_load(&h->phase) != HP_PH_KICKED) {
		r = -EBUSY;
	} else {
		u64 end = rdtsc() + tsc_ms_to_cycles(CPU_HP_ONLINE_TIMEOUT_MS);

		/*
		 * INIT/SIPI went out from inside the controlling CPU's cpuhp_up_to(): the
		 * machine is ours only once that call has returned.
		 */
		while (!atomic_load(&h->handed) && rdtsc() < end)
			cpu_relax();
		r = atomic_load(&h->handed)
			? cpuhp_up_to(&hp_m, pc->cpu, CPUHP_ONLINE, &h->info.fail)
			: -ETIMEDOUT;
	}
	if (r) {
		/* Undone, so no longer a target; the runtime halts it once we return. */
		hp_drain(h);
		h->info.err = r;
		atomic_store(&h->phase, (u32)HP_PH_UP_FAILED);
		return r;
	}
	atomic_store(&h->phase, (u32)HP_PH_UP);
	return 0;
}

int cpu_hotplug_init(void)
{
	static const struct cpuhp_section sections[] = {
		{ CPU_HP_PREPARE_FIRST, CPU_HP_BRINGUP, 0 },
		{ CPU_HP_AP_FIRST, CPU_HP_AP_LAST, 0 },
	};
	static const char *const before_targets[] = { "cpu:targets", NULL };
	static const char *const after_hv[] = { "hv:online", NULL };
	const struct cpuhp_step_desc prepare = { .name = "cpu:prepare",
						 .startup = prepare_startup };
	const struct cpuhp_step_desc bringup = { .name = "cpu:bringup",
						 .startup = bringup_startup,
						 .teardown = bringup_teardown };
	const struct cpuhp_step_desc hv = { .name = "hv:online",
					    .startup = cpu_hp_hv_startup,
					    .teardown = cpu_hp_hv_teardown,
					    .before = before_targets };
	const struct cpuhp_step_desc tg = { .name = "cpu:targets",
					    .startup = cpu_hp_targets_startup,
					    .teardown = cpu_hp_targets_teardown,
					    .after = after_hv };
	struct cpuhp_config cfg = { .cpus = hp_mcpus,
				    .nr_cpus = smp_nr_cpus(),
				    .sections = sections,
				    .nr_sections = ARRAY_SIZE(sections),
				    .report = hp_report };
	u32 cpu;
	int r;

	if (smp_id() != 0)
		return -EINVAL;
	if (!hp_enter())
		return -EBUSY;
	r = atomic_load(&hp_ready) ? -EBUSY : cpuhp_init(&hp_m, &cfg);
	/* The CPUs running now came up before the machine: they start at ONLINE, stepless. */
	for_each_cpu (cpu, &cpu_online_mask) {
		if (!r)
			r = cpuhp_up_to(&hp_m, cpu, CPUHP_ONLINE, NULL);
	}
	if (!r)
		r = cpuhp_setup_step(&hp_m, CPU_HP_PREPARE_FIRST, &prepare, CPUHP_NOCALLS, NULL);
	if (!r)
		r = cpuhp_setup_step(&hp_m, CPU_HP_BRINGUP, &bringup, CPUHP_NOCALLS, NULL);
	if (!r) {
		handle_irq(CPU_HP_WAKE_VECTOR, wake_handler);
		handle_irq(CPU_HP_DRAIN_VECTOR, drain_handler);
		r = add_step_locked(&hv, true, CPU_HP_AP_BUILTIN);
	}
	if (r >= 0)
		r = add_step_locked(&tg, true, CPU_HP_AP_BUILTIN);
	if (r >= 0) {
		r = 0;
		WRITE_ONCE(smp_ap_setup_hook, hp_ap_hook);
		atomic_store(&hp_ready, 1u);
	}
	hp_exit();
	return r;
}

/* --- online ------------------------------------------------------------------------ */

/* Waits for a kicked CPU to finish its AP steps; undoes the bring-up when it fails. */
static int wait_up(u32 cpu, struct percpu *pc, struct hp_cpu *h)
{
	u64 start = rdtsc(), limit = tsc_ms_to_cycles(CPU_HP_ONLINE_TIMEOUT_MS);
	bool resent = false;
	u32 s, expected;

	for (;;) {
		s = atomic_load(&pc->state);
		if (s == CPU_ONLINE && atomic_load(&h->phase) == HP_PH_UP)
			break;
		if (s == CPU_OFFLINE && atomic_load(&h->phase) == HP_PH_UP_FAILED) {
			/* The CPU undid its own steps and halts: undo ours. */
			cpuhp_rollback_to(&hp_m, cpu, CPUHP_OFFLINE);
			return h->info.err ? h->info.err : -EIO;
		}
		if (s == CPU_BOOTING && !resent && rdtsc() - start > tsc_ms_to_cycles(20)) {
			/* The second SIPI of the MP specification, for a CPU that missed one. */
			apic_send_sipi(pc->apic_id, TRAMPOLINE_BASE >> 12);
			resent = true;
		}
		if (rdtsc() - start > limit) {
			expected = CPU_BOOTING;
			/* Take it back: an AP that arrives late fails its claim and halts. */
			if (atomic_cmpxchg(&pc->state, &expected, (u32)CPU_OFFLINE)) {
				cpuhp_rollback_to(&hp_m, cpu, CPUHP_OFFLINE);
				h->info.err = -ETIMEDOUT;
				return -ETIMEDOUT;
			}
			if (rdtsc() - start > 3 * limit) {
				printf("WARN: cpuhp: CPU %u started but is stuck in its steps\n",
				       cpu);
				return -ETIMEDOUT;
			}
		}
		hp_poll();
	}
	h->info.online_tsc = rdtsc();
	h->info.running_tsc = pc->boot_tsc;
	return 0;
}

static int do_online(u32 cpu, struct percpu *pc)
{
	struct hp_cpu *h = &hp[cpu];
	u32 s = atomic_load(&pc->state);
	int r;

	if (s == CPU_ABSENT)
		return -ENODEV;
	if (s != CPU_OFFLINE || cpuhp_cpu_state(&hp_m, cpu) != CPUHP_OFFLINE)
		return -EBUSY;
	h->info = (struct cpu_hp_info){ 0 };
	atomic_store(&h->handed, 0u);
	atomic_store(&h->phase, (u32)HP_PH_NONE);
	r = cpuhp_up_to(&hp_m, cpu, CPU_HP_BRINGUP, &h->info.fail);
	if (r) {
		h->info.err = r;
		return r;
	}
	atomic_store(&h->handed, 1u);
	return wait_up(cpu, pc, h);
}

/*
 * Runs one online or offline of cpu under the hotplug lock. The boot CPU and the
 * calling CPU are never taken down or brought up by this path.
 */
static int hp_run(u32 cpu, int (*op)(u32 cpu, struct percpu *pc))
{
	struct percpu *pc = per_cpu(cpu);
	int r;

	if (!atomic_load(&hp_ready) || !pc || cpu == 0 || cpu == smp_id() || cpu >= smp_nr_cpus())
		return -EINVAL;
	if (!hp_enter())
		return -EBUSY;
	r = op(cpu, pc);
	hp_exit();
	return r;
}

int cpu_online(u32 cpu)
{
	return hp_run(cpu, do_online);
}

/* --- offline ----------------------------------------------------------------------- */

/* On the CPU going offline, interrupts disabled; returns only when a teardown failed. */
static void ap_die(struct percpu *pc, struct hp_cpu *h)
{
	u32 cpu = pc->cpu;
	int r;

	atomic_store(&h->req, 0u);
	/* Out of cpu_online_mask first: new cross-CPU calls leave this CPU alone. */
	cpumask_clear_atomic(&cpu_online_mask, cpu);
	atomic_store(&h->phase, (u32)HP_PH_DYING);
	/* Calls aimed here before that are still served, until the controller says go. */
	for (;;) {
		irq_disable();
		if (atomic_load(&h->go))
			break;
		safe_halt();
	}
	r = cpuhp_down_to(&hp_m, cpu, CPU_HP_BRINGUP, &h->info.fail);
	if (r) {
		h->info.err = r;
		cpumask_set_atomic(&cpu_online_mask, cpu);
		atomic_store(&h->phase, (u32)HP_PH_DOWN_FAILED);
		irq_enable();
		return;
	}
	hp_drain(h);
	atomic_store(&pc->state, (u32)CPU_OFFLINE);
	atomic_store(&h->phase, (u32)HP_PH_PARKED);
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

__noreturn void cpu_hotplug_ap_idle(void)
{
	struct percpu *pc = this_cpu();
	struct hp_cpu *h = &hp[pc->cpu];

	for (;;) {
		irq_disable();
		if (atomic_load(&h->req))
			ap_die(pc, h);
		else
			safe_halt();
	}
}

static bool timed_out(u64 start, u64 ms)
{
	return rdtsc() - start > tsc_ms_to_cycles(ms);
}

static int do_offline(u32 cpu, struct percpu *pc)
{
	struct hp_cpu *h = &hp[cpu];
	u64 start;
	u32 ph, one;
	int r;

	if (atomic_load(&pc->state) != CPU_ONLINE || !cpuhp_cpu_fully_up(&hp_m, cpu) ||
	    !cpumask_test(&cpu_online_mask, cpu))
		return -EBUSY;
	h->info.err = 0;
	atomic_store(&h->go, 0u);
	atomic_store(&h->handed, 0u);
	atomic_store(&h->phase, (u32)HP_PH_NONE);
	atomic_store(&h->req, 1u);
	apic_send_ipi(pc->apic_id, CPU_HP_WAKE_VECTOR);
	start = rdtsc();
	/* This CPU is in no cross-CPU call between its polls: once it has seen DYING, no
	 * call of it can still be aimed at the CPU. */
	while (atomic_load(&h->phase) != HP_PH_DYING) {
		one = 1;
		if (timed_out(start, CPU_HP_OFFLINE_TIMEOUT_MS) &&
		    atomic_cmpxchg(&h->req, &one, 0u))
			return -ETIMEDOUT; /* not in cpu_hotplug_ap_idle() */
		hp_poll();
	}
	atomic_store(&h->go, 1u);
	apic_send_ipi(pc->apic_id, CPU_HP_WAKE_VECTOR);
	start = rdtsc();
	while ((ph = atomic_load(&h->phase)) != HP_PH_PARKED && ph != HP_PH_DOWN_FAILED) {
		if (timed_out(start, 3 * CPU_HP_OFFLINE_TIMEOUT_MS)) {
			printf("WARN: cpuhp: CPU %u is stuck going offline\n", cpu);
			return -ETIMEDOUT;
		}
		hp_poll();
	}
	if (ph == HP_PH_DOWN_FAILED)
		return h->info.err ? h->info.err : -EIO;
	r = cpuhp_down_to(&hp_m, cpu, CPUHP_OFFLINE, &h->info.fail);
	if (r) {
		/* Rolled forward: "cpu:bringup" started the CPU again; let it finish. */
		int r2;

		atomic_store(&h->handed, 1u);
		r2 = wait_up(cpu, pc, h);

		if (r2)
			printf("WARN: cpuhp: CPU %u did not come back after a failed offline: %d\n",
			       cpu, r2);
		h->info.err = r;
		return r;
	}
	return 0;
}

int cpu_offline(u32 cpu)
{
	return hp_run(cpu, do_offline);
}

bool cpu_hotplug_enter(void)
{
	return atomic_load(&hp_ready) && hp_enter();
}

void cpu_hotplug_exit(void)
{
	hp_exit();
}

int cpu_online_locked(u32 cpu)
{
	struct percpu *pc = per_cpu(cpu);

	if (!pc || cpu == 0 || cpu == smp_id() || cpu >= smp_nr_cpus())
		return -EINVAL;
	return do_online(cpu, pc);
}

int cpu_offline_locked(u32 cpu)
{
	struct percpu *pc = per_cpu(cpu);

	if (!pc || cpu == 0 || cpu == smp_id() || cpu >= smp_nr_cpus())
		return -EINVAL;
	return do_offline(cpu, pc);
}
