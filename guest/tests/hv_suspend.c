// SPDX-License-Identifier: MIT
/*
 * hv_suspend.elf: the TLB-flush inhibit and the suspended state (TLFS "Virtual Processor
 * States" and "HvCallFlushVirtualAddressSpace"; docs/suspend.md), with 5 vCPUs and --hv all.
 *
 * CPU 0 drives; CPUs 1-4 (VP indexes 1-4) wait in "sti; hlt" for a command, issue a
 * flush hypercall whose processor mask the command gives, and record the result. The
 * inhibit is set and cleared through the hvemu test device, and TDEV_CMD_QUERY_SUSPENDED
 * tells which VP a vCPU waits on.
 *
 * Options:
 *   mode=hold seconds=N   CPU 2 flushes VP 1 in a loop for up to N seconds (default 60);
 *                         the control socket inhibits VP 1 from outside, checks that CPU 2
 *                         shows as suspended, and lifts it. Passes when CPU 2 was seen
 *                         suspended on VP 1 and then completed more flushes.
 *   mode=storm seconds=N  CPUs 1-4 flush random sets of VPs 1-4 in a loop while CPU 0
 *                         toggles random inhibits for N seconds (default 20); then every
 *                         inhibit is lifted: no vCPU may stay suspended, every flush
 *                         must complete with success, and no hang.
 */
#include "libguest.h"
#include "testlib/tdev.h"
#include "hvemu/hpctl.h"
#include "x86/hv.h"

#define WAKE_VEC 0x50 /* wakes an AP to look at its mailbox */
#define TEST_VEC 0x51 /* counted: interrupts sent to a suspended vCPU */
#define NAP	 5
#define WAIT_MS	 5000

struct mbox {
	u32 cmd;  /* bumped by CPU 0 for each new flush */
	u32 done; /* = cmd once that flush returned */
	u64 mask; /* processor mask of the flush */
	u64 result;
	u32 ipis; /* TEST_VEC interrupts taken */
	u32 loop; /* mode=hold/storm: keep flushing */
	u32 flushes;
	u32 failures; /* flushes that returned an error */
	u64 rng;
};

static struct mbox mb[NAP];

static void wake_handler(struct ex_regs *r)
{
	(void)r;
}

static void test_handler(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&mb[smp_id()].ipis);
}

static u64 flush_mask(u64 mask)
{
	struct hv_tlb_flush *in = hv_this_cpu()->input;

	in->address_space = 0;
	in->flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
	in->processor_mask = mask;
	return hv_hypercall_pcpu(hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0));
}

void ap_main(void)
{
	u32 cpu = smp_id(), seen = 0;
	struct mbox *m;

	if (cpu >= NAP)
		return;
	m = &mb[cpu];
	for (;;) {
		u32 c;

		asm volatile("cli" ::: "memory");
		c = READ_ONCE(m->cmd);
		if (c == seen) {
			asm volatile("sti; hlt" ::: "memory");
			continue;
		}
		asm volatile("sti" ::: "memory");
		seen = c;
		do {
			u64 mask = READ_ONCE(m->mask);

			if (!mask) { /* storm: a random non-empty subset of VPs 1..4 */
				m->rng = m->rng * 6364136223846793005ull + 1442695040888963407ull;
				mask = ((m->rng >> 33) % 15 + 1) << 1;
			}
			WRITE_ONCE(m->result, flush_mask(mask));
			if (hv_result_status(m->result) != HV_STATUS_SUCCESS)
				atomic_inc(&m->failures);
			atomic_inc(&m->flushes);
		} while (READ_ONCE(m->loop));
		WRITE_ONCE(m->done, c);
	}
}

static void post(u32 cpu, u64 mask)
{
	WRITE_ONCE(mb[cpu].mask, mask);
	WRITE_ONCE(mb[cpu].cmd, mb[cpu].cmd + 1);
	apic_send_ipi(per_cpu(cpu)->apic_id, WAKE_VEC);
}

static bool is_done(u32 cpu)
{
	return READ_ONCE(mb[cpu].done) == READ_ONCE(mb[cpu].cmd);
}

static bool wait_done(u32 cpu)
{
	u64 end = rdtsc() + tsc_ms_to_cycles(WAIT_MS);

	while (!is_done(cpu))
		if (rdtsc() > end)
			return false;
		else
			udelay(200);
	return true;
}

static s32 waiting_on(u32 cpu)
{
	return tdev_cmd(TDEV_CMD_QUERY_SUSPENDED, per_cpu(cpu)->vp_index);
}

static bool wait_suspended(u32 cpu, s32 on)
{
	u64 end = rdtsc() + tsc_ms_to_cycles(WAIT_MS);

	while (waiting_on(cpu) != on)
		if (rdtsc() > end)
			return false;
		else
			udelay(200);
	return true;
}

static int inhibit(u32 cpu, bool on)
{
	return tdev_cmd(TDEV_CMD_SET_INHIBIT, per_cpu(cpu)->vp_index << 1 | (on ? 1 : 0));
}

static u64 vpbit(u32 cpu)
{
	return 1ull << per_cpu(cpu)->vp_index;
}

static bool flush_ok(u32 cpu)
{
	return hv_result_status(READ_ONCE(mb[cpu].result)) == HV_STATUS_SUCCESS;
}

static void test_one_waiter(void)
{
	report(inhibit(1, true) == 0, "inhibit VP 1 through the test device");
	post(2, vpbit(1));
	report(wait_suspended(2, (s32)per_cpu(1)->vp_index), "a flush of VP 1 suspends CPU 2");
	mdelay(20);
	report(!is_done(2), "the suspended flush has not returned");
	inhibit(1, false);
	report(wait_done(2) && flush_ok(2), "lifting the inhibit completes the flush");
	report(waiting_on(2) == -1, "CPU 2 is no longer suspended");
}

static void test_several_waiters(void)
{
	inhibit(1, true);
	post(2, vpbit(1));
	post(3, vpbit(1) | vpbit(4));
	report(wait_suspended(2, 1) && wait_suspended(3, 1), "two vCPUs wait on VP 1");
	inhibit(1, false);
	report(wait_done(2) && wait_done(3) && flush_ok(2) && flush_ok(3),
	       "both resume and complete when VP 1 is lifted");
}

static void test_different_targets(void)
{
	inhibit(1, true);
	inhibit(4, true);
	post(2, vpbit(1));
	post(3, vpbit(4));
	report(wait_suspended(2, 1) && wait_suspended(3, 4), "CPU 2 waits on VP 1, CPU 3 on VP 4");
	inhibit(1, false);
	report(wait_done(2), "lifting VP 1 resumes CPU 2");
	mdelay(20);
	report(!is_done(3) && waiting_on(3) == 4, "CPU 3 still waits on VP 4");
	inhibit(4, false);
	report(wait_done(3) && flush_ok(3), "lifting VP 4 resumes CPU 3");
}

static void test_interrupts_held(void)
{
	u32 before = READ_ONCE(mb[2].ipis);
	u64 end;

	inhibit(1, true);
	post(2, vpbit(1));
	report(wait_suspended(2, 1), "CPU 2 suspended");
	apic_send_ipi(per_cpu(2)->apic_id, TEST_VEC);
	mdelay(30);
	report(READ_ONCE(mb[2].ipis) == before, "no interrupt is delivered while suspended");
	inhibit(1, false);
	end = rdtsc() + tsc_ms_to_cycles(WAIT_MS);
	while (READ_ONCE(mb[2].ipis) == before && rdtsc() < end)
		udelay(200);
	report(wait_done(2) && READ_ONCE(mb[2].ipis) == before + 1,
	       "the pending interrupt arrives once after it resumes");
}

static void test_self_and_inhibited_waiter(void)
{
	/* An inhibited vCPU flushing itself waits on itself: visible, and liftable. */
	inhibit(2, true);
	post(2, vpbit(2));
	report(wait_suspended(2, 2), "an inhibited vCPU flushing itself waits on itself");
	inhibit(2, false);
	report(wait_done(2), "and resumes when its own inhibit is lifted");
	/* A waiter whose own inhibit is set resumes like any other. */
	inhibit(3, true);
	inhibit(1, true);
	post(3, vpbit(1));
	report(wait_suspended(3, 1), "an inhibited vCPU waits on another");
	inhibit(1, false);
	report(wait_done(3) && flush_ok(3), "it resumes although its own inhibit is still set");
	inhibit(3, false);
}

static void test_awaited_vcpu_removed(void)
{
	inhibit(4, true);
	post(2, vpbit(4));
	report(wait_suspended(2, 4), "CPU 2 waits on VP 4");
	/* Remove slot 4: request, then eject it through the hotplug controller. */
	report(tdev_cmd(TDEV_CMD_CPU_REMOVE, per_cpu(4)->apic_id) == 0,
	       "removal of CPU 4 requested");
	outl(HPCTL_PORT_SELECT, per_cpu(4)->apic_id);
	outl(HPCTL_PORT_STATUS, HPCTL_ST_REMOVE | HPCTL_ST_EJECT); /* ack the event, EJECT */
	report(wait_done(2) && flush_ok(2), "removing the awaited vCPU resumes its waiter");
	report(waiting_on(2) == -1, "nobody is left suspended");
}

static void hold_mode(void)
{
	u64 secs = cmdline_u64("seconds", 60), end = rdtsc() + tsc_ms_to_cycles(secs * 1000);
	bool seen = false;
	u32 after = 0;

	WRITE_ONCE(mb[2].loop, 1);
	post(2, vpbit(1));
	report_info("hold: CPU 2 flushes VP 1 in a loop; inhibit VP 1 from outside");
	while (rdtsc() < end) {
		if (!seen && waiting_on(2) == (s32)per_cpu(1)->vp_index) {
			seen = true;
			after = READ_ONCE(mb[2].flushes);
			report_info("hold: CPU 2 is suspended on VP 1");
		}
		if (seen && waiting_on(2) == -1 && READ_ONCE(mb[2].flushes) > after + 10)
			break;
		mdelay(10);
	}
	WRITE_ONCE(mb[2].loop, 0);
	report(seen, "CPU 2 was seen suspended on VP 1");
	report(seen && READ_ONCE(mb[2].flushes) > after + 10,
	       "and completed flushes again once the inhibit was lifted");
}

static void storm_mode(void)
{
	u64 secs = cmdline_u64("seconds", 20), end = rdtsc() + tsc_ms_to_cycles(secs * 1000);
	u64 rng = rdtsc(), toggles = 0;
	u32 total = 0, failed = 0, stuck = 0;

	for (u32 cpu = 1; cpu < NAP; cpu++) {
		mb[cpu].rng = rdtsc() ^ cpu;
		WRITE_ONCE(mb[cpu].loop, 1);
		post(cpu, 0);
	}
	while (rdtsc() < end) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		inhibit((u32)((rng >> 33) % 4) + 1, (rng >> 40) & 1);
		toggles++;
		udelay(200 + (rng >> 50) % 2000);
	}
	for (u32 cpu = 1; cpu < NAP; cpu++)
		WRITE_ONCE(mb[cpu].loop, 0);
	for (u32 cpu = 1; cpu < NAP; cpu++)
		inhibit(cpu, false);
	for (u32 cpu = 1; cpu < NAP; cpu++) {
		if (!wait_done(cpu) || waiting_on(cpu) != -1)
			stuck++;
		total += READ_ONCE(mb[cpu].flushes);
		failed += READ_ONCE(mb[cpu].failures);
	}
	report_info("storm: %lu inhibit toggles, %u flushes in %lu s", (unsigned long)toggles,
		    total, (unsigned long)secs);
	report(stuck == 0, "no vCPU is left suspended or stuck after the storm (%u)", stuck);
	report(total > 0 && failed == 0, "every flush completed with success (%u failed)", failed);
}

int main(void)
{
	char mode[16] = "";

	if (smp_nr_online() < NAP || hv_init() != 0) {
		report(false, "needs %u vCPUs and --hv all (have %u)", NAP, smp_nr_online());
		return report_summary();
	}
	handle_irq(WAKE_VEC, wake_handler);
	handle_irq(TEST_VEC, test_handler);
	cmdline_get_str("mode", mode, sizeof(mode));
	if (!strcmp(mode, "hold")) {
		hold_mode();
		return report_summary();
	}
	if (!strcmp(mode, "storm")) {
		storm_mode();
		return report_summary();
	}
	test_one_waiter();
	test_several_waiters();
	test_different_targets();
	test_interrupts_held();
	test_self_and_inhibited_waiter();
	test_awaited_vcpu_removed();
	return report_summary();
}
