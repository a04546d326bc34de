// SPDX-License-Identifier: MIT
/*
 * hv_synic_hp.elf: the SynIC and the synthetic timers across vCPU hot-add and hot-remove
 * and guest CPU offline/online. Run with --hv all --device hyperv-testdev and one free
 * slot: --cpus boot=2,max=3.
 *
 * The guest's "hv:synic" CPU step (after "hv:online") sets the SynIC up on every CPU that
 * comes online; "test:synic", after it, records what the CPU found on arrival. Checked:
 *   - a hot-added vCPU arrives with its timers disabled (CONFIG and COUNT 0) and SINTs
 *     masked, gets its SynIC from the step, receives a message through a test-device
 *     connection, and its periodic timer ticks;
 *   - a guest offline (no hvemu removal) and online again: the SynIC is set up again and
 *     messages and timers work;
 *   - a vCPU hot-removed while its periodic timer runs, then added again: the new vCPU
 *     (same VP index) arrives with its timers disabled, and a connection made for that VP
 *     before the removal reaches the new one.
 */
#include "libguest.h"
#include "x86/cpu_hotplug.h"
#include "x86/synic.h"
#include "testlib/hv_testdev.h"
#include "testlib/tdev.h"

#define HPCTL_VEC 0x40
#define MSG_SINT  4
#define MSG_VEC	  0x50
#define TMR_SINT  5
#define TMR_VEC	  0x51
#define MSG_CONN  0x33
#define WAIT_MS	  5000
#define ONE_MS	  10000ull

struct arrival {
	u64 simp, scontrol, sint_msg, stimer_config, stimer_count;
	bool seen;
};
static struct arrival arr[MAX_CPUS];
static u32 msg_hits[MAX_CPUS], tmr_hits[MAX_CPUS];
static struct cpu_hpctl_event last_ev;

static void ev_hook(const struct cpu_hpctl_event *ev)
{
	last_ev = *ev;
}

static void msg_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&msg_hits[smp_id()]);
	hv_synic_msg_done(hv_synic_msg(MSG_SINT));
}

static void tmr_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&tmr_hits[smp_id()]);
	hv_synic_msg_done(hv_synic_msg(TMR_SINT));
}

/* "test:synic": what this CPU had on arrival, then its SINTs for the test. */
static int arrival_up(unsigned int cpu, void *ctx)
{
	struct arrival *a = &arr[cpu];

	(void)ctx;
	a->simp = rdmsr(HV_X64_MSR_SIMP);
	a->scontrol = rdmsr(HV_X64_MSR_SCONTROL);
	a->sint_msg = rdmsr(HV_X64_MSR_SINT0 + MSG_SINT);
	a->stimer_config = rdmsr(HV_STIMER_CONFIG(0));
	a->stimer_count = rdmsr(HV_STIMER_COUNT(0));
	WRITE_ONCE(a->seen, true);
	if (hv_synic_sint_set(MSG_SINT, MSG_VEC, 0) || hv_synic_sint_set(TMR_SINT, TMR_VEC, 0))
		return -EIO;
	return 0;
}

void ap_main(void)
{
	cpu_hotplug_ap_idle();
}

static bool wait_count(u32 *c, u32 want)
{
	u64 end = now_ns() + WAIT_MS * 1000000ull;

	while (atomic_load(c) < want) {
		if (now_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool wait_irq(u64 before)
{
	u64 end = now_ns() + WAIT_MS * 1000000ull;

	while (cpu_hpctl_irqs() == before && now_ns() < end)
		cpu_relax();
	return cpu_hpctl_irqs() != before;
}

/* hvemu adds (or removes) the slot; the guest handles the event. */
static int hp(u32 slot, bool add)
{
	u64 irqs = cpu_hpctl_irqs();
	int r = tdev_cmd(add ? TDEV_CMD_CPU_ADD : TDEV_CMD_CPU_REMOVE, slot);

	if (r)
		return r;
	if (!wait_irq(irqs))
		return -ETIMEDOUT;
	r = cpu_hpctl_process();
	return r == 1 ? last_ev.err : -EIO;
}

static void timer_start(void *arg)
{
	(void)arg;
	hv_stimer_start(0, hv_stimer_cfg(true, false, TMR_SINT), ONE_MS);
}

static void timer_stop(void *arg)
{
	(void)arg;
	hv_stimer_stop(0);
}

static bool message_to(u32 cpu)
{
	u32 before = atomic_load(&msg_hits[cpu]);
	u64 payload = 0x4d5347 + cpu;

	return hv_post_message(MSG_CONN, 0x77, &payload, 8) == HV_STATUS_SUCCESS &&
	       wait_count(&msg_hits[cpu], before + 1);
}

static bool ticks_on(u32 cpu, u32 n)
{
	u32 before = atomic_load(&tmr_hits[cpu]);

	on_cpu(cpu, timer_start, NULL);
	return wait_count(&tmr_hits[cpu], before + n);
}

/*
 * fresh: a new vCPU, whose timer registers must be 0. A CPU that only went offline keeps
 * them (hvemu, like KVM, resets nothing when the guest parks a CPU); hv:synic's teardown
 * masked its SINTs.
 */
static void check_arrival(const char *when, u32 cpu, bool fresh)
{
	struct arrival *a = &arr[cpu];

	report(a->seen && (a->simp & HV_SYNIC_SIMP_ENABLE) &&
		   (a->scontrol & HV_SYNIC_CONTROL_ENABLE) && a->sint_msg == HV_SYNIC_SINT_MASKED &&
		   !a->stimer_config && (!fresh || !a->stimer_count),
	       "%s: CPU %u arrives with its SynIC set up by hv:synic (SIMP %#lx, SCONTROL %#lx), "
	       "SINT masked (%#lx), timer 0 disabled (CONFIG %#lx, COUNT %#lx)",
	       when, cpu, (unsigned long)a->simp, (unsigned long)a->scontrol,
	       (unsigned long)a->sint_msg, (unsigned long)a->stimer_config,
	       (unsigned long)a->stimer_count);
	a->seen = false;
}

int main(void)
{
	static const char *const after_synic[] = { "hv:synic", NULL };
	const struct cpuhp_step_desc d = { .name = "test:synic",
					   .startup = arrival_up,
					   .after = after_synic };
	u32 slot = 2, vp;
	int cpu, r;

	r = hv_init();
	if (r || !hv_synic_available() || !hv_stimer_available()) {
		report(false, "needs Hyper-V with SynIC and timers (%d)", r);
		return report_summary();
	}
	handle_irq(MSG_VEC, msg_isr);
	handle_irq(TMR_VEC, tmr_isr);
	r = cpu_hotplug_init();
	if (!r)
		r = cpu_hpctl_init(HPCTL_VEC);
	if (!r)
		r = hv_synic_init();
	report(!r, "hotplug machine, controller and the hv:synic step (%d)", r);
	if (r)
		return report_summary();
	cpu_hpctl_event_hook = ev_hook;
	report(cpuhp_find_step(cpu_hotplug_machine(), "hv:synic") >
		   cpuhp_find_step(cpu_hotplug_machine(), "hv:online"),
	       "hv:synic runs after hv:online");
	r = cpu_hotplug_add_step(&d, true);
	report(r > cpuhp_find_step(cpu_hotplug_machine(), "hv:synic"),
	       "a user of the SynIC declared after hv:synic gets position %d", r);

	/* Hot-add. */
	cpu = cpu_from_apic_id(slot);
	r = hp(slot, true);
	report(!r && cpu > 0 && cpumask_test(&cpu_online_mask, (u32)cpu),
	       "slot %u hot-added and online as CPU %d (%d)", slot, cpu, r);
	if (r || cpu <= 0)
		return report_summary();
	vp = per_cpu((u32)cpu)->vp_index;
	check_arrival("hot-add", (u32)cpu, true);
	hv_testdev_ctl(HV_TEST_DEV_MSG_CONN_CREATE, vp, MSG_SINT, MSG_CONN);
	report(message_to((u32)cpu), "a message reaches the new CPU (VP %u)", vp);
	report(ticks_on((u32)cpu, 20), "the new CPU's periodic timer ticks");
	on_cpu((u32)cpu, timer_stop, NULL);

	/* Guest offline and online (hvemu keeps the vCPU). */
	r = cpu_offline((u32)cpu);
	report(!r, "CPU %d offline (%d)", cpu, r);
	r = cpu_online((u32)cpu);
	report(!r, "CPU %d online again (%d)", cpu, r);
	check_arrival("offline/online", (u32)cpu, false);
	report(message_to((u32)cpu), "messages reach it again");
	report(ticks_on((u32)cpu, 20), "its timer ticks again");

	/* Hot-remove with the timer running, then add again. */
	r = hp(slot, false);
	report(!r && !cpumask_test(&cpu_online_mask, (u32)cpu),
	       "slot %u removed while its periodic timer ran (%d)", slot, r);
	mdelay(20);
	r = hp(slot, true);
	report(!r && per_cpu((u32)cpu)->vp_index == vp,
	       "slot %u added again with the same VP index %u (%d)", slot,
	       per_cpu((u32)cpu)->vp_index, r);
	check_arrival("re-add after removal", (u32)cpu, true);
	report(message_to((u32)cpu), "the connection made before the removal reaches the new vCPU");
	report(ticks_on((u32)cpu, 20), "the re-added CPU's timer ticks when started");
	on_cpu((u32)cpu, timer_stop, NULL);
	hv_testdev_ctl(HV_TEST_DEV_MSG_CONN_DESTROY, 0, 0, MSG_CONN);
	return report_summary();
}
