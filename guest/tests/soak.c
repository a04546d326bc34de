// SPDX-License-Identifier: MIT
/*
 * soak.elf: everything at once, for a long time, with every flush and IPI accounted for
 * (scripts/soak.sh runs it: `make soak`). Run with --hv all --cpus boot=4,max=12.
 *
 *   CPU 1       the sender: maps its test page to a new page, flushes it on the two
 *               checkers and on a random part of the hot-added CPUs, then sends them an
 *               IPI; in turn through the runtime's choice (the non-Ex hypercalls), the Ex
 *               hypercalls, an Ex call the hypervisor must refuse followed by the native
 *               fallback (as Linux falls back after a failed hypercall), the native path,
 *               and a flush of every processor. The checkers must read the new value and
 *               count the interrupt within ACK_MS.
 *   CPUs 2, 3   the checkers: CPU 2 spins at CPL3 (hvemu must kick it), CPU 3 halts
 *               (hvemu may only flag it); CPU 3's VP has its TLB-flush inhibit set now and
 *               then, so the sender's flushes are suspended until CPU 0 clears it.
 *   CPU 0       the controller: handles every hotplug event (its own add/remove requests
 *               for slots 4-7 through the test device, and those of the socket clients
 *               for slots 8-11), sets and clears the inhibit, prints a progress line
 *               every second, and watches that the sender keeps going.
 *   slots 4-11  hot-added CPUs, idle; they take the sender's IPIs, counted per CPU.
 *
 * Phases, each announced for scripts/soak.sh: a warm-up that adds and removes every slot
 * once, then "SOAK: baseline" and a pause of hold_ms (the script samples hvemu's memory,
 * fds and threads), "SOAK: churn" for seconds=N, "SOAK: drain" (everything stops and
 * every hot-added CPU is removed), "SOAK: final" and a pause (the second sample), then the
 * verdict: no stale or lost flush, no lost IPI, every hotplug event handled, no inhibit
 * left set, no stall of the sender over STALL_MS.
 *
 * Options: seconds=N (default 60), hold_ms=N (default 3000), guest_slots=FIRST-LAST
 * (default 4-7: the slots this guest adds and removes itself), control=noflush (the
 * checkers are never flushed: the verdict must report stale reads, which shows that a
 * lost flush is seen).
 */
#include "libguest.h"
#include "testlib/tdev.h"
#include "testlib/tlbtest.h"
#include "x86/cpu_hotplug.h"
#include "x86/hv.h"

#define HPCTL_VEC     0x40
#define SOAK_VEC      0x61
#define SENDER	      1
#define CHK_SPIN      2
#define CHK_HALT      3
#define NR_FIXED      4
#define ACK_MS	      10000
#define STALL_MS      20000
#define SOAK_VA	      (TEST_VA_BASE + 0x3000000)
#define EVENT_WAIT_MS 5000

enum kind {
	K_RUNTIME,  /* flush_tlb_others + send_ipi_mask: the non-Ex hypercalls */
	K_EX,	    /* the Ex hypercalls, made here */
	K_FALLBACK, /* an Ex call with one bank too many (refused), then the native path */
	K_NATIVE,
	K_ALL, /* HV_FLUSH_ALL_PROCESSORS through the runtime */
	K_NR
};
static const char *const kind_names[K_NR] = { "pv", "pv-ex", "fallback", "native", "all" };

static struct {
	u64 issued[K_NR], stale_by[K_NR], verified, stale, ack_timeouts, refused_ok, refused_bad;
	u64 failed, iters;
} fl;
static u64 ipi_sent[MAX_CPUS], ipi_got[MAX_CPUS];
static u64 chk_req[MAX_CPUS], chk_ack[MAX_CPUS], chk_seen[MAX_CPUS];
static struct tlb_test_page page;
static bool noflush;	/* control=noflush: the checkers' flushes are left out */
static u32 stop;	/* the checkers stop */
static u32 stop_sender; /* the sender stops (first: its last round is still checked) */
static struct {
	u64 adds, removes, events, event_errors, guest_requests, inhibits, stalls;
} ctl;

static void soak_irq(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&ipi_got[smp_id()]);
}

void ap_main(void)
{
	if (smp_id() < NR_FIXED)
		cpu_job_loop();
	cpu_hotplug_ap_idle();
}

/* --- checkers ----------------------------------------------------------------------------- */

static u64 check_once(u64 cpu)
{
	u64 g = READ_ONCE(chk_req[cpu]);

	if (g != chk_ack[cpu]) {
		WRITE_ONCE(chk_seen[cpu], *(const volatile u64 *)(uintptr_t)SOAK_VA);
		WRITE_ONCE(chk_ack[cpu], g);
	}
	return 0;
}

static u64 check_spin(u64 cpu)
{
	while (!READ_ONCE(stop)) {
		check_once(cpu);
		cpu_relax();
	}
	return 0;
}

static void checker_spin_job(void *arg)
{
	(void)arg;
	run_user(check_spin, CHK_SPIN, 0, NULL);
}

static void checker_halt_job(void *arg)
{
	(void)arg;
	irq_disable();
	while (!READ_ONCE(stop)) {
		if (READ_ONCE(chk_req[CHK_HALT]) == chk_ack[CHK_HALT]) {
			safe_halt();
			irq_disable();
			continue;
		}
		irq_enable();
		run_user(check_once, CHK_HALT, USER_IRQS_OFF, NULL);
		irq_disable();
	}
	irq_enable();
}

/* --- the sender --------------------------------------------------------------------------- */

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The VP indexes of @m as a bank-0 mask (every VP index here is below 64). */
static u64 vp_mask(const struct cpumask *m)
{
	u64 v = 0;
	u32 cpu;

	for_each_cpu (cpu, m) {
		u32 vp = READ_ONCE(per_cpu(cpu)->vp_index);

		if (vp < 64)
			v |= 1ull << vp;
	}
	return v;
}

/* A flush (HvCallFlushVirtualAddressSpace) of @vps, or of every processor. */
static bool pv_flush(u64 vps, bool all)
{
	struct hv_tlb_flush *f = hv_this_cpu()->input;

	f->address_space = 0;
	f->flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES | (all ? HV_FLUSH_ALL_PROCESSORS : 0);
	f->processor_mask = vps;
	return hv_result_status(hv_hypercall_pcpu(
		   hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0))) == 0;
}

static bool pv_ipi(u64 vps)
{
	return hv_result_status(hv_fast_hypercall16(HVCALL_SEND_IPI, SOAK_VEC, vps)) == 0;
}

/*
 * Finishes an Ex call whose input (bank 0 = @vps after the set's header at @set) the caller
 * filled: with @extra banks beyond the set (1: the hypervisor must refuse the call before
 * acting, counted). True when it succeeded.
 */
static bool ex_call(u16 code, struct hv_vp_set_header *set, u64 *bank0, u64 vps, u16 extra)
{
	u64 r;

	set->format = HV_GENERIC_SET_SPARSE_4K;
	set->valid_bank_mask = 1;
	bank0[0] = vps;
	bank0[1] = 0; /* the bank a refused call claims */
	r = hv_hypercall_pcpu(hv_control(code, false, (u16)(1 + extra), 0, 0));
	if (extra && hv_result_status(r) == HV_STATUS_INVALID_HYPERCALL_INPUT)
		fl.refused_ok++;
	else if (extra)
		fl.refused_bad++;
	return !extra && hv_result_status(r) == 0;
}

/* HvCallFlushVirtualAddressSpaceEx of @vps (bank 0), see ex_call. */
static bool ex_flush(u64 vps, u16 extra)
{
	struct hv_tlb_flush_ex *f = hv_this_cpu()->input;

	f->address_space = 0;
	f->flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
	return ex_call(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, &f->hv_vp_set, f->data, vps, extra);
}

/* HvCallSendSyntheticClusterIpiEx to @vps (bank 0), see ex_call. */
static bool ex_ipi(u64 vps, u16 extra)
{
	struct hv_send_ipi_ex *ipi = hv_this_cpu()->input;

	ipi->vector = SOAK_VEC;
	ipi->reserved = 0;
	return ex_call(HVCALL_SEND_IPI_EX, &ipi->vp_set, ipi->bank_contents, vps, extra);
}

static void native_ipis(const struct cpumask *m)
{
	u32 cpu;

	for_each_cpu (cpu, m)
		apic_send_ipi(per_cpu(cpu)->apic_id, SOAK_VEC);
}

/* Waits for both checkers to read generation g and take their interrupts. */
static void verify(u64 g, enum kind k)
{
	static const u32 chk[] = { CHK_SPIN, CHK_HALT };
	u64 end = rdtsc() + tsc_ms_to_cycles(ACK_MS);

	for (u32 i = 0; i < ARRAY_SIZE(chk); i++) {
		u32 c = chk[i];

		while ((READ_ONCE(chk_ack[c]) != g ||
			atomic_load(&ipi_got[c]) < READ_ONCE(ipi_sent[c])) &&
		       rdtsc() < end)
			cpu_relax();
		if (READ_ONCE(chk_ack[c]) != g)
			fl.ack_timeouts++;
		else if (READ_ONCE(chk_seen[c]) != TLB_TEST_VALUE(g)) {
			fl.stale++;
			fl.stale_by[k]++;
		} else
			fl.verified++;
	}
}

/*
 * The hot-added CPUs to name this round: a random half of the target set, without those
 * whose last IPI has not arrived yet (a second one of the same vector would merge with
 * it and be counted lost). Called with the target set's lock held.
 */
static void pick_hot(struct cpumask *hot, u64 r)
{
	u32 cpu;

	for (u32 c = 0; c < NR_FIXED; c++)
		cpumask_clear_cpu(hot, c);
	for_each_cpu (cpu, hot)
		if (((r >> (cpu % 64)) & 1) || atomic_load(&ipi_got[cpu]) != ipi_sent[cpu])
			cpumask_clear_cpu(hot, cpu);
}

enum call_res {
	CALL_OK,
	CALL_NATIVE, /* this kind takes the native path (after a refused call, or at once) */
	CALL_FAILED, /* a hypercall that should have worked failed: the native path, counted */
};

/* The flush (ipi false) or IPI of kind k to the checkers, whose VP indexes are vps. */
static enum call_res chk_call(enum kind k, bool ipi, const struct cpumask *chk, u64 vps)
{
	switch (k) {
	case K_RUNTIME:
		if (ipi)
			send_ipi_mask(chk, SOAK_VEC, NULL);
		else
			flush_tlb_others(chk, SOAK_VA, SOAK_VA + PAGE_SIZE, NULL);
		return CALL_OK;
	case K_EX:
		return (ipi ? ex_ipi(vps, 0) : ex_flush(vps, 0)) ? CALL_OK : CALL_FAILED;
	case K_ALL:
		return (ipi ? pv_ipi(vps) : pv_flush(0, true)) ? CALL_OK : CALL_FAILED;
	case K_FALLBACK:
		if (ipi)
			ex_ipi(vps, 1); /* refused: then the native path, as Linux does */
		else
			ex_flush(vps, 1);
		return CALL_NATIVE;
	default:
		return CALL_NATIVE;
	}
}

/*
 * One phase (the flushes, or the IPIs) of a round to the checkers and a random half of the
 * hot-added CPUs.
 *
 * The hot-added CPUs may not leave the target set while a call names them, so their calls
 * are made under its lock; the checkers' are made without it, because CHK_HALT's flushes
 * may be suspended (its inhibit) and the runtime's and the native paths wait for their
 * targets: holding the lock through either would stop a CPU coming online in its
 * "cpu:targets" step. Only calls that never wait for a target go to the hot-added CPUs
 * (hypercalls whose targets hvemu tracks, ICR writes); their TLBs are not checked.
 */
static void round_phase(enum kind k, bool ipi, u64 r, const struct cpumask *chk)
{
	enum call_res res;
	struct cpumask hot;
	u64 flags, vps;
	u32 cpu;

	if (k != K_FALLBACK && k != K_NATIVE) {
		flags = cpu_hp_targets_lock(&hot);
		pick_hot(&hot, r);
		vps = vp_mask(&hot);
		if (ipi)
			for_each_cpu (cpu, &hot)
				ipi_sent[cpu]++;
		if (vps && !(ipi ? (k == K_EX ? ex_ipi(vps, 0) : pv_ipi(vps))
				 : (k == K_EX ? ex_flush(vps, 0) : pv_flush(vps, false)))) {
			fl.failed++;
			if (ipi)
				native_ipis(&hot); /* an IPI does not wait */
		}
		cpu_hp_targets_unlock(flags);
	}
	if (ipi)
		for_each_cpu (cpu, chk)
			ipi_sent[cpu]++;
	if (!ipi && noflush)
		return; /* the control: the checkers must then read stale values */
	res = chk_call(k, ipi, chk, vp_mask(chk));
	if (res == CALL_OK)
		return;
	fl.failed += res == CALL_FAILED;
	if (ipi)
		native_ipis(chk);
	else
		flush_tlb_native_range(chk, SOAK_VA, SOAK_VA + PAGE_SIZE);
}

/*
 * A round: every flush first, then the checkers are asked to read (a read before the
 * flush would see the old page legitimately), then the IPIs.
 */
static void send_round(enum kind k, u64 r, const struct cpumask *chk, u64 g)
{
	u32 cpu;

	round_phase(k, false, r, chk);
	for_each_cpu (cpu, chk)
		WRITE_ONCE(chk_req[cpu], g);
	round_phase(k, true, r, chk);
}

static void sender_job(void *arg)
{
	u64 seed = 0x9e3779b97f4a7c15ull, g;
	struct cpumask chk;

	(void)arg;
	cpumask_clear(&chk);
	cpumask_set(&chk, CHK_SPIN);
	cpumask_set(&chk, CHK_HALT);
	while (!READ_ONCE(stop_sender)) {
		enum kind k = (enum kind)(fl.iters % K_NR);

		g = tlb_test_page_next(&page);
		send_round(k, rnd(&seed), &chk, g);
		fl.issued[k]++;
		verify(g, k);
		WRITE_ONCE(fl.iters, fl.iters + 1);
	}
}

/* --- the controller ----------------------------------------------------------------------- */

static void on_event(const struct cpu_hpctl_event *ev)
{
	ctl.events++;
	if (ev->err)
		ctl.event_errors++;
	else if (ev->insert)
		ctl.adds++;
	else
		ctl.removes++;
}

static void handle_events(void)
{
	static u64 seen;
	u64 now = cpu_hpctl_irqs();

	if (now != seen || inl(HPCTL_PORT_PENDING) != HPCTL_NO_PENDING) {
		seen = now;
		cpu_hpctl_process();
	}
}

static bool slot_present(u32 slot)
{
	return cpu_hpctl_status(slot) & HPCTL_ST_PRESENT;
}

static void progress(u64 t0, const char *what)
{
	u64 sent = 0, got = 0;

	for (u32 c = 0; c < MAX_CPUS; c++) {
		sent += READ_ONCE(ipi_sent[c]);
		got += atomic_load(&ipi_got[c]);
	}
	printf("SOAK: %s t=%lu flushes=%lu verified=%lu stale=%lu timeouts=%lu ipis_sent=%lu "
	       "ipis_got=%lu adds=%lu removes=%lu events=%lu inhibits=%lu online=%u\n",
	       what, (unsigned long)(tsc_cycles_to_ns(rdtsc() - t0) / 1000000000ull),
	       READ_ONCE(fl.iters), READ_ONCE(fl.verified), fl.stale, fl.ack_timeouts, sent, got,
	       ctl.adds, ctl.removes, ctl.events, ctl.inhibits, cpumask_weight(&cpu_online_mask));
}

/* Adds (absent) or removes (present) one of the guest's own slots. */
static void guest_churn(u32 first, u32 last, u64 *seed)
{
	u32 slot = first + (u32)(rnd(seed) % (last - first + 1));

	ctl.guest_requests++;
	tdev_cmd(slot_present(slot) ? TDEV_CMD_CPU_REMOVE : TDEV_CMD_CPU_ADD, slot);
}

static void inhibit(bool on)
{
	tdev_cmd(TDEV_CMD_SET_INHIBIT, per_cpu(CHK_HALT)->vp_index << 1 | on);
}

/* The warm-up: every slot from NR_FIXED up added and removed once (all parked after). */
static void warm_up(u32 nslots)
{
	for (u32 s = NR_FIXED; s < nslots; s++) {
		u64 end;

		if (tdev_cmd(TDEV_CMD_CPU_ADD, s))
			continue;
		end = rdtsc() + tsc_ms_to_cycles(EVENT_WAIT_MS);
		while (!slot_present(s) && rdtsc() < end)
			cpu_relax();
		handle_events();
		tdev_cmd(TDEV_CMD_CPU_REMOVE, s);
		end = rdtsc() + tsc_ms_to_cycles(EVENT_WAIT_MS);
		while (slot_present(s) && rdtsc() < end)
			handle_events();
	}
}

/* Removes every hot-added CPU until none has been present for a second. */
static void drain(u32 nslots)
{
	u64 quiet_since = rdtsc(), end = rdtsc() + tsc_ms_to_cycles(60000);

	while (rdtsc() < end) {
		bool any = false;

		handle_events();
		for (u32 s = NR_FIXED; s < nslots; s++) {
			if (slot_present(s)) {
				any = true;
				tdev_cmd(TDEV_CMD_CPU_REMOVE, s);
			}
		}
		if (any)
			quiet_since = rdtsc();
		else if (tsc_cycles_to_ns(rdtsc() - quiet_since) > 3000000000ull)
			return;
		mdelay(10);
	}
}

static void hold(u64 ms)
{
	u64 end = rdtsc() + tsc_ms_to_cycles(ms);

	while (rdtsc() < end)
		handle_events();
}

int main(void)
{
	u64 seconds = cmdline_u64("seconds", 60), hold_ms = cmdline_u64("hold_ms", 3000);
	u32 nslots, first = 4, last = 7, lost_ipis = 0, inhibited_left = 0;
	u64 t0, deadline, next_print, next_churn, next_inhibit, inhibit_off = 0;
	u64 last_iters = 0, last_progress, seed = 0x1234567;
	char slots[16];
	int r;

	noflush =
	    cmdline_get_str("control", slots, sizeof(slots)) == 0 && !strcmp(slots, "noflush");
	if (!cmdline_get_str("guest_slots", slots, sizeof(slots))) {
		const char *dash = strchr(slots, '-');
		u64 a, b;

		if (dash && !parse_u64(slots, NULL, &a) && !parse_u64(dash + 1, NULL, &b)) {
			first = (u32)a;
			last = (u32)b;
		}
	}
	r = hv_init();
	r = r ?: cpu_hotplug_init();
	r = r ?: cpu_hpctl_init(HPCTL_VEC);
	nslots = (u32)tdev_cmd(TDEV_CMD_NR_SLOTS, 0);
	if (!report(!r && smp_nr_online() == NR_FIXED && nslots > last && first >= NR_FIXED,
		    "set up: Hyper-V, hotplug (%d); %u CPUs online, %u slots, guest slots %u-%u", r,
		    smp_nr_online(), nslots, first, last))
		return report_summary();
	cpu_hpctl_event_hook = on_event;
	handle_irq(SOAK_VEC, soak_irq);
	cpu_job_init();
	tlbflush_init();
	if (!tlb_test_page_init(&page, SOAK_VA))
		panic("cannot map the test page");

	warm_up(nslots);
	printf("SOAK: baseline\n");
	hold(hold_ms);

	printf("SOAK: churn seconds=%lu\n", seconds);
	cpu_job_start(CHK_SPIN, checker_spin_job, NULL);
	cpu_job_start(CHK_HALT, checker_halt_job, NULL);
	cpu_job_start(SENDER, sender_job, NULL);
	t0 = last_progress = rdtsc();
	deadline = t0 + tsc_ms_to_cycles(seconds * 1000);
	next_print = next_churn = next_inhibit = t0;
	while (rdtsc() < deadline) {
		u64 now = rdtsc();

		handle_events();
		if (now >= next_churn) {
			guest_churn(first, last, &seed);
			next_churn = now + tsc_ms_to_cycles(300);
		}
		if (!inhibit_off && now >= next_inhibit) {
			inhibit(true);
			ctl.inhibits++;
			inhibit_off = now + tsc_ms_to_cycles(30);
		} else if (inhibit_off && now >= inhibit_off) {
			inhibit(false);
			inhibit_off = 0;
			next_inhibit = now + tsc_ms_to_cycles(700);
		}
		if (READ_ONCE(fl.iters) != last_iters) {
			last_iters = READ_ONCE(fl.iters);
			last_progress = now;
		} else if (tsc_cycles_to_ns(now - last_progress) > STALL_MS * 1000000ull) {
			ctl.stalls++;
			last_progress = now;
			printf("INFO: the sender made no progress for %d ms\n", STALL_MS);
		}
		if (now >= next_print) {
			progress(t0, "progress");
			next_print = now + tsc_ms_to_cycles(1000);
		}
	}
	if (inhibit_off)
		inhibit(false);

	printf("SOAK: drain\n");
	WRITE_ONCE(stop_sender, 1);
	if (!cpu_job_wait(SENDER, ACK_MS * 3))
		report(false, "the sender does not stop");
	WRITE_ONCE(stop, 1);
	apic_send_ipi(per_cpu(CHK_HALT)->apic_id, TLB_JOB_VECTOR);
	if (!cpu_job_wait(CHK_SPIN, ACK_MS) || !cpu_job_wait(CHK_HALT, ACK_MS))
		report(false, "a checker does not stop");
	drain(nslots);
	/* Every CPU took its interrupts before it went offline; the checkers got theirs. */
	mdelay(100);
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (atomic_load(&ipi_got[c]) != ipi_sent[c]) {
			if (lost_ipis++ < 4)
				report_info("CPU %u: %lu IPIs sent, %lu received", c, ipi_sent[c],
					    atomic_load(&ipi_got[c]));
		}
	}
	inhibited_left = tdev_cmd(TDEV_CMD_QUERY_SUSPENDED, per_cpu(SENDER)->vp_index) != -1;
	progress(t0, "final");
	hold(hold_ms);

	for (u32 k = 0; k < K_NR; k++)
		report_info("flushes by %s: %lu, stale %lu", kind_names[k], fl.issued[k],
			    fl.stale_by[k]);
	report_info("hypercalls that failed and fell back to the native path: %lu", fl.failed);
	tlb_paths_report("runtime flushes", tlb_stats.flush);
	tlb_paths_report("runtime IPIs", tlb_stats.ipi);
	report(fl.iters > 0 && fl.verified == 2 * fl.iters && !fl.stale && !fl.ack_timeouts,
	       "flushes: %lu issued, %lu of %lu checker reads verified, %lu stale, %lu lost",
	       fl.iters, fl.verified, 2 * fl.iters, fl.stale, fl.ack_timeouts);
	report(fl.refused_ok > 0 && !fl.refused_bad,
	       "Ex calls with a bad header refused before acting: %lu (%lu not)", fl.refused_ok,
	       fl.refused_bad);
	report(!lost_ipis, "IPIs: every CPU received what was sent to it (%u CPUs short)",
	       lost_ipis);
	report(ctl.adds > 0 && ctl.adds == ctl.removes && !ctl.event_errors &&
		   cpumask_weight(&cpu_online_mask) == NR_FIXED,
	       "hotplug: %lu adds, %lu removes, %lu events failed, %u CPUs online at the end",
	       ctl.adds, ctl.removes, ctl.event_errors, cpumask_weight(&cpu_online_mask));
	report(ctl.inhibits > 0 && !inhibited_left,
	       "TLB-flush inhibit set and cleared %lu times; the sender is not left suspended",
	       ctl.inhibits);
	report(!ctl.stalls, "no stall of the sender over %d ms (%lu)", STALL_MS, ctl.stalls);
	return report_summary();
}
