// SPDX-License-Identifier: MIT
#include "x86/idle.h"

#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/msr-index.h"
#include "x86/processor.h"
#include "x86/tsc.h"

/* Nothing to do: the interrupt only ends the halt (do_interrupt() sends the EOI). */
static void idle_timer_irq(struct ex_regs *regs)
{
	(void)regs;
}

bool tsc_deadline_supported(void)
{
	return cpuid(1).c & (1u << 24);
}

bool halt_until_tsc(u64 tsc)
{
	u64 flags;

	if (!tsc_deadline_supported())
		return false;
	flags = irq_save();
	handle_irq(IDLE_TIMER_VECTOR, idle_timer_irq);
	/* SDM: the mode is set in the LVT before the deadline is written. */
	apic->write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | IDLE_TIMER_VECTOR);
	while (rdtsc() < tsc) {
		/*
		 * Armed before every halt: a timer that fired (it disarms itself) early, or
		 * an interrupt that woke us, must not leave a halt with nothing to end it.
		 * A deadline already passed fires at once; `sti; hlt` takes it after the hlt.
		 */
		wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
		safe_halt();
		irq_disable();
	}
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic->write(APIC_LVTT, APIC_LVT_MASKED);
	irq_restore(flags);
	return true;
}

bool halt_us(u64 us)
{
	return halt_until_tsc(rdtsc() + tsc_us_to_cycles(us));
}
