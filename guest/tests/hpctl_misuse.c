// SPDX-License-Identifier: MIT
/*
 * hpctl_misuse.elf: a guest that misuses the CPU hotplug controller (docs/architecture.md
 * §7.3) the way a hostile or buggy guest may, and checks that hvemu neither stalls nor
 * loses a vCPU nor floods its log. Run with --cpus boot=1,max=3.
 *
 * Options:
 *   mode=cross rounds=N crosses=K max_rounds=M (default 200, 5, 3000)
 *       Two vCPUs eject each other at the same moment, N times (more, up to M, until K
 *       rounds have raced: how often they do depends on the host). Each round hot-adds slots
 *       1 and 2 (TDEV_CMD_CPU_ADD), starts both CPUs, lets each select the other in the
 *       controller, then releases both at once to write EJECT. Whatever the interleaving,
 *       within ROUND_MS every slot must be either absent or running guest code (a slot
 *       that is present but whose CPU no longer runs is a lost vCPU); the boot CPU then
 *       ejects the survivors, both slots must go absent, and the next round re-adds both.
 *       The rounds where both vCPUs ejected each other (the race itself) are counted and
 *       K are required: a run that never raced has tested nothing.
 *   mode=flood ejects=N slot=S (default 100000, 2)
 *       N EJECT writes to slot S, which has no vCPU; prints "flood: done" and keeps the
 *       VM up for hold_ms (default 3000) so that a test can read hvemu's counters.
 *   mode=churn cycles=N (default 10000)
 *       Slot 1 hot-added (TDEV_CMD_CPU_ADD) and ejected N times, never started: hvemu's
 *       whole bring-up and teardown, each cycle in a millisecond or so. Prints
 *       "churn: warm" after 100 cycles and "churn: done" at the end, each followed by a
 *       pause of hold_ms (default 1000) in which a test samples hvemu's memory.
 */
#include "libguest.h"
#include "hvemu/hpctl.h"
#include "testlib/tdev.h"
#include "x86/cpu_hotplug.h"

#define ROUND_MS  4000 /* below hvemu's 5 s vCPU stop limit: a stall fails the round */
#define SETTLE_MS 10000
#define SLOT_A	  1
#define SLOT_B	  2
#define NO_ROUND  0
#define TIMER_VEC 0x50

static u32 go;		/* the round the CPUs may eject in */
static u32 selected;	/* CPUs that have selected their partner this round */
static u32 arrived;	/* CPUs at the rendezvous before the EJECT */
static u32 survived[3]; /* by slot: the round in which the CPU ran past its EJECT */
static u32 timer_fired;

static u32 this_slot(void)
{
	return this_cpu()->apic_id; /* hvemu: APIC ID == slot */
}

void ap_main(void)
{
	u32 me = this_slot(), round;

	if (me != SLOT_A && me != SLOT_B)
		return;
	/* SELECT is per accessing CPU: only the EJECT write is left for the race. */
	outl(HPCTL_PORT_SELECT, me == SLOT_A ? SLOT_B : SLOT_A);
	atomic_inc(&selected);
	while ((round = READ_ONCE(go)) == NO_ROUND)
		cpu_relax();
	/*
	 * Meet the other CPU: the boot CPU halts after releasing us, so once both have
	 * arrived both run on host CPUs and their EJECT writes leave at the same moment.
	 */
	atomic_inc(&arrived);
	while (atomic_load(&arrived) < 2)
		cpu_relax();
	outl(HPCTL_PORT_STATUS, HPCTL_ST_EJECT);
	WRITE_ONCE(survived[me], round);
}

static bool present(u32 slot)
{
	return cpu_hpctl_status(slot) & HPCTL_ST_PRESENT;
}

static void eject(u32 slot)
{
	outl(HPCTL_PORT_SELECT, slot);
	outl(HPCTL_PORT_STATUS, HPCTL_ST_EJECT);
}

/* Hot-adds slot and makes its CPU startable again (the guest never took it offline). */
static int add(u32 slot, struct cpumask *boot)
{
	int cpu = cpu_from_apic_id(slot);
	struct percpu *pc;
	int r;

	if (cpu < 0)
		return cpu;
	r = tdev_cmd(TDEV_CMD_CPU_ADD, slot);
	if (r)
		return r;
	outl(HPCTL_PORT_SELECT, slot);
	outl(HPCTL_PORT_STATUS, HPCTL_ST_INSERT); /* acknowledge the insert event */
	pc = per_cpu((u32)cpu);
	cpumask_clear_cpu(&cpu_online_mask, (u32)cpu);
	atomic_store(&pc->state, (u32)CPU_OFFLINE);
	cpumask_set(boot, (u32)cpu);
	return 0;
}

/* True once every slot is absent or its CPU ran past its EJECT in this round. */
static bool settled(u32 round)
{
	return (!present(SLOT_A) || READ_ONCE(survived[SLOT_A]) == round) &&
	       (!present(SLOT_B) || READ_ONCE(survived[SLOT_B]) == round);
}

static void timer_handler(struct ex_regs *regs)
{
	(void)regs;
	WRITE_ONCE(timer_fired, 1);
}

/*
 * Halts (off the host CPU) for about @us with the one-shot APIC timer, which KVM runs at
 * 1 GHz: a spinning boot CPU would keep one of the two racing vCPUs off its host CPU.
 */
static void sleep_us(u32 us)
{
	/* With interrupts off between the check and "sti; hlt", no wake-up is lost. */
	irq_disable();
	WRITE_ONCE(timer_fired, 0);
	apic->write(APIC_TDCR, 0xb); /* divide by 1 */
	apic->write(APIC_LVTT, TIMER_VEC);
	apic->write(APIC_TMICT, us * 1000);
	while (!READ_ONCE(timer_fired)) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
}

static bool wait_for(bool (*cond)(u32), u32 arg, u64 ms, u64 *took_us)
{
	u64 t0 = rdtsc(), end = t0 + tsc_ms_to_cycles(ms);
	bool ok;

	while (!(ok = cond(arg)) && rdtsc() < end)
		sleep_us(200);
	*took_us = tsc_cycles_to_ns(rdtsc() - t0) / 1000;
	return ok;
}

static bool both_absent(u32 unused)
{
	(void)unused;
	return !present(SLOT_A) && !present(SLOT_B);
}

static void cross_mode(void)
{
	u32 rounds = (u32)cmdline_u64("rounds", 200), want = (u32)cmdline_u64("crosses", 5);
	u32 max_rounds = (u32)cmdline_u64("max_rounds", 3000), crossed = 0, one_sided = 0, r;
	u64 worst_us = 0, us;
	bool ok = true;

	for (r = 1; (r <= rounds || (crossed < want && r <= max_rounds)) && ok; r++) {
		struct cpumask boot;
		int ea, eb;

		cpumask_clear(&boot);
		ea = add(SLOT_A, &boot);
		eb = add(SLOT_B, &boot);
		if (ea || eb) {
			report(false, "round %u: re-adding slots %u and %u: %d, %d", r, SLOT_A,
			       SLOT_B, ea, eb);
			ok = false;
			break;
		}
		WRITE_ONCE(go, NO_ROUND);
		atomic_store(&selected, 0);
		atomic_store(&arrived, 0);
		if (smp_boot_cpus(&boot) != 2) {
			report(false, "round %u: the two added CPUs did not start", r);
			ok = false;
			break;
		}
		while (atomic_load(&selected) < 2)
			cpu_relax();
		WRITE_ONCE(go, r);
		if (!wait_for(settled, r, ROUND_MS, &us)) {
			report(false,
			       "round %u: after %lu ms a slot is present but its CPU does not run "
			       "(slot %u: present %d ran %d; slot %u: present %d ran %d)",
			       r, (unsigned long)(us / 1000), SLOT_A, present(SLOT_A),
			       READ_ONCE(survived[SLOT_A]) == r, SLOT_B, present(SLOT_B),
			       READ_ONCE(survived[SLOT_B]) == r);
			ok = false;
			break;
		}
		worst_us = MAX(worst_us, us);
		if (!present(SLOT_A) && !present(SLOT_B))
			crossed++;
		else
			one_sided++;
		if (present(SLOT_A))
			eject(SLOT_A);
		if (present(SLOT_B))
			eject(SLOT_B);
		if (!wait_for(both_absent, 0, SETTLE_MS, &us)) {
			report(false, "round %u: the boot CPU's eject did not take (present %d %d)",
			       r, present(SLOT_A), present(SLOT_B));
			ok = false;
		}
	}
	report_info("cross-eject: %u rounds, %u with both vCPUs ejecting each other, %u "
		    "one-sided; slowest settle %lu us",
		    r - 1, crossed, one_sided, (unsigned long)worst_us);
	if (ok)
		report(true, "%u rounds: no stall, no lost vCPU, every slot re-added", r - 1);
	report(crossed >= want, "the race happened in %u of %u rounds (%u wanted)", crossed, r - 1,
	       want);
}

static void flood_mode(void)
{
	u32 n = (u32)cmdline_u64("ejects", 100000), slot = (u32)cmdline_u64("slot", SLOT_B);

	report(!present(slot), "slot %u has no vCPU", slot);
	outl(HPCTL_PORT_SELECT, slot);
	for (u32 i = 0; i < n; i++)
		outl(HPCTL_PORT_STATUS, HPCTL_ST_EJECT);
	report(!present(slot), "%u EJECT writes to it changed nothing", n);
	printf("flood: done\n");
	mdelay(cmdline_u64("hold_ms", 3000));
}

static void churn_mode(void)
{
	u32 n = (u32)cmdline_u64("cycles", 10000), hold = (u32)cmdline_u64("hold_ms", 1000);
	u32 ok = 0, first_bad = 0;
	int err = 0;

	for (u32 i = 1; i <= n; i++) {
		int r = tdev_cmd(TDEV_CMD_CPU_ADD, SLOT_A);

		if (!r) {
			outl(HPCTL_PORT_SELECT, SLOT_A);
			outl(HPCTL_PORT_STATUS, HPCTL_ST_INSERT | HPCTL_ST_EJECT);
			if (present(SLOT_A))
				r = -EIO;
		}
		if (!r)
			ok++;
		else if (!first_bad) {
			first_bad = i;
			err = r;
		}
		if (i == 100) {
			printf("churn: warm\n");
			mdelay(hold);
		}
	}
	printf("churn: done\n");
	mdelay(hold);
	report(ok == n, "%u of %u add/eject cycles (first failure: cycle %u, %d)", ok, n, first_bad,
	       err);
}

int main(void)
{
	char mode[16] = "cross";

	cmdline_get_str("mode", mode, sizeof(mode));
	handle_irq(TIMER_VEC, timer_handler);
	if (smp_nr_cpus() < 3) {
		report(false, "needs --cpus max=3 (found %u CPUs)", smp_nr_cpus());
		return report_summary();
	}
	if (!strcmp(mode, "flood"))
		flood_mode();
	else if (!strcmp(mode, "churn"))
		churn_mode();
	else
		cross_mode();
	return report_summary();
}
