// SPDX-License-Identifier: MIT
/*
 * Driver of hvemu's CPU hotplug controller (docs/architecture.md section 7.3): QEMU's
 * ACPI CPU hotplug register block with an MSI instead of a GPE. The interrupt only
 * counts; the events are handled in cpu_hpctl_process(), which runs in thread context
 * (as Linux's ACPI hotplug work runs from a workqueue, not from the GPE handler) because
 * bringing a CPU up waits for it.
 */
#include "atomic.h"
#include "printf.h"
#include "x86/apic.h"
#include "x86/cpu_hotplug.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/smp.h"

void (*cpu_hpctl_event_hook)(const struct cpu_hpctl_event *ev);

static u64 hpctl_irq_count;

static void hpctl_irq(struct ex_regs *regs)
{
	(void)regs;
	atomic_inc(&hpctl_irq_count);
}

u64 cpu_hpctl_irqs(void)
{
	return atomic_load(&hpctl_irq_count);
}

/* SELECT is per vCPU in hvemu; interrupts off so a handler cannot move it in between. */
static u32 hpctl_read(u32 slot, u16 port)
{
	u64 flags = irq_save();
	u32 v;

	outl(HPCTL_PORT_SELECT, slot);
	v = inl(port);
	irq_restore(flags);
	return v;
}

static void hpctl_write_status(u32 slot, u32 v)
{
	u64 flags = irq_save();

	outl(HPCTL_PORT_SELECT, slot);
	outl(HPCTL_PORT_STATUS, v);
	irq_restore(flags);
}

u32 cpu_hpctl_status(u32 slot)
{
	return hpctl_read(slot, HPCTL_PORT_STATUS);
}

int cpu_hpctl_init(u8 vector)
{
	u32 v;

	if (vector < 0x30 || vector > 0xef)
		return -EINVAL;
	handle_irq(vector, hpctl_irq);
	v = per_cpu(0)->apic_id << 8 | vector;
	outl(HPCTL_PORT_NOTIFY, v);
	return inl(HPCTL_PORT_NOTIFY) == v ? 0 : -ENODEV;
}

static void report_event(const struct cpu_hpctl_event *ev)
{
	void (*hook)(const struct cpu_hpctl_event *) = READ_ONCE(cpu_hpctl_event_hook);

	if (hook)
		hook(ev);
}

static int handle_insert(struct percpu *pc)
{
	u32 absent = CPU_ABSENT;

	/* A slot not enabled at boot (MADT: online-capable) becomes present now. */
	atomic_cmpxchg(&pc->state, &absent, (u32)CPU_OFFLINE);
	cpumask_set_atomic(&cpu_present_mask, pc->cpu);
	return cpu_online_locked(pc->cpu);
}

static int handle_remove(u32 slot, struct percpu *pc)
{
	u32 offline = CPU_OFFLINE;
	int r = 0;

	if (atomic_load(&pc->state) != CPU_OFFLINE)
		r = cpu_offline_locked(pc->cpu);
	if (r)
		return r;
	hpctl_write_status(slot, HPCTL_ST_EJECT);
	if (cpu_hpctl_status(slot) & HPCTL_ST_PRESENT)
		return -EIO;
	cpumask_clear_atomic(&cpu_present_mask, pc->cpu);
	atomic_cmpxchg(&pc->state, &offline, (u32)CPU_ABSENT);
	return 0;
}

int cpu_hpctl_process(void)
{
	u32 budget = 2 * smp_nr_cpus() + 8, slot, st;
	int handled = 0;

	if (!cpu_hotplug_enter())
		return -EBUSY;
	while (budget-- && (slot = inl(HPCTL_PORT_PENDING)) != HPCTL_NO_PENDING) {
		struct cpu_hpctl_event ev = { .slot = slot };
		struct percpu *pc;

		st = cpu_hpctl_status(slot);
		ev.cpu = cpu_from_apic_id(hpctl_read(slot, HPCTL_PORT_APICID));
		pc = ev.cpu >= 0 ? per_cpu((u32)ev.cpu) : NULL;
		if (st & HPCTL_ST_INSERT) {
			/* Acknowledge first: an event raised while we work is not lost. */
			hpctl_write_status(slot, HPCTL_ST_INSERT);
			ev.insert = true;
			ev.err = pc ? handle_insert(pc) : -ENOENT;
		} else if (st & HPCTL_ST_REMOVE) {
			hpctl_write_status(slot, HPCTL_ST_REMOVE);
			ev.err = pc ? handle_remove(slot, pc) : -ENOENT;
		} else {
			/* PENDING named a slot with no event: nothing to do but stop. */
			printf("WARN: hpctl: slot %u pending without an event (status 0x%x)\n",
			       slot, st);
			break;
		}
		if (ev.err)
			printf("WARN: hpctl: %s of slot %u (CPU %d) failed: %d\n",
			       ev.insert ? "insert" : "remove", slot, ev.cpu, ev.err);
		report_event(&ev);
		handled++;
	}
	cpu_hotplug_exit();
	return handled;
}
