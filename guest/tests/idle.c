// SPDX-License-Identifier: MIT
/*
 * idle.elf: the runtime's halting wait (guest/lib/x86/idle.h), on the local APIC timer in
 * TSC-deadline mode. Run with 2 CPUs and --hv all (VP_RUNTIME tells the host CPU time a
 * wait cost):
 *   - a 30 ms halt_us() ends at its deadline (not before, and not seconds late);
 *   - an interrupt that arrives halfway (CPU 1's IPI) is taken and does not end the wait;
 *   - halting spends almost no host CPU time: VP_RUNTIME grows by less than a fifth of a
 *     50 ms halt, and by more than four times that during a 50 ms spin (mdelay) right
 *     after, which shows that the measure sees a busy vCPU;
 *   - the timer is left disarmed: TSC_DEADLINE reads 0 and the LVT timer is masked.
 * Option no_deadline=1 (with --cpu host,-tsc_deadline_timer): the CPU has no TSC-deadline
 * mode and halt_us() declines at once, without waiting. Option spin_wait=1 (a control):
 * the "halt" of the host CPU check spins instead, which that check must fail.
 */
#include "libguest.h"
#include "x86/hv.h"
#include "x86/tsc.h"

#define POKE_VECTOR 0xd5

static u32 go, pokes;

static void poke_irq(struct ex_regs *regs)
{
	(void)regs;
	atomic_inc(&pokes);
}

/* CPU 1: once told, waits 10 ms and interrupts CPU 0 once. */
void ap_main(void)
{
	if (smp_id() != 1)
		return;
	while (!atomic_load(&go))
		cpu_relax();
	mdelay(10);
	apic_send_ipi(per_cpu(0)->apic_id, POKE_VECTOR);
}

static u64 ms_of(u64 cycles)
{
	return tsc_cycles_to_ns(cycles) / 1000000;
}

/* VP_RUNTIME in ns (the TLFS counts 100 ns units). */
static u64 vp_runtime_ns(void)
{
	return rdmsr(HV_X64_MSR_VP_RUNTIME) * 100;
}

static void check_runtime(void)
{
	u64 r0, r1, r2, halt_ns, spin_ns;

	if (hv_detect() || !hv_priv(HV_X64_MSR_VP_RUNTIME_AVAILABLE)) {
		report(false, "halting costs no host CPU: VP_RUNTIME not offered (run with --hv)");
		return;
	}
	r0 = vp_runtime_ns();
	if (cmdline_u64("spin_wait", 0))
		mdelay(50);
	else
		halt_us(50000);
	r1 = vp_runtime_ns();
	mdelay(50);
	r2 = vp_runtime_ns();
	halt_ns = r1 - r0;
	spin_ns = r2 - r1;
	report(halt_ns < 10000000 && spin_ns > 4 * halt_ns,
	       "halting costs no host CPU: VP_RUNTIME +%lu us over a 50 ms halt, +%lu us "
	       "over a 50 ms spin",
	       (unsigned long)(halt_ns / 1000), (unsigned long)(spin_ns / 1000));
}

int main(void)
{
	u64 t0, dt;
	bool ok;

	if (cmdline_u64("no_deadline", 0)) {
		t0 = rdtsc();
		ok = halt_us(30000);
		dt = rdtsc() - t0;
		report(!tsc_deadline_supported() && !ok && ms_of(dt) < 5,
		       "no TSC-deadline timer: halt_us() declines at once (%lu ms)",
		       (unsigned long)ms_of(dt));
		return report_summary();
	}
	if (!tsc_deadline_supported()) {
		report(false, "CPUID.1:ECX[24]: the local APIC timer has no TSC-deadline mode");
		return report_summary();
	}
	t0 = rdtsc();
	ok = halt_us(30000);
	dt = rdtsc() - t0;
	report(ok && ms_of(dt) >= 30 && ms_of(dt) < 1000,
	       "a 30 ms halt ends at its deadline (%lu ms)", (unsigned long)ms_of(dt));

	handle_irq(POKE_VECTOR, poke_irq);
	if (smp_nr_online() < 2) {
		report(false, "an interrupt during the wait: needs 2 CPUs");
	} else {
		t0 = rdtsc();
		atomic_store(&go, 1u);
		ok = halt_us(40000);
		dt = rdtsc() - t0;
		report(ok && atomic_load(&pokes) == 1 && ms_of(dt) >= 40 && ms_of(dt) < 1000,
		       "an interrupt during a 40 ms halt is taken and the halt goes on (%u taken, "
		       "%lu ms)",
		       atomic_load(&pokes), (unsigned long)ms_of(dt));
	}

	check_runtime();

	report(rdmsr(MSR_IA32_TSC_DEADLINE) == 0 && (apic->read(APIC_LVTT) & APIC_LVT_MASKED),
	       "the timer is left disarmed (TSC_DEADLINE 0, LVT timer masked)");
	return report_summary();
}
