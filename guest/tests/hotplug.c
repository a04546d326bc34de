// SPDX-License-Identifier: MIT
/*
 * hotplug.elf: guest CPU online/offline on lib/cpuhp and hvemu's CPU hotplug controller
 * (docs/architecture.md §7). Run with --hv all and max > boot, e.g. --cpus boot=4,max=64.
 *
 * CPU 0 drives everything: it asks hvemu for a vCPU (TDEV_CMD_CPU_ADD), takes the
 * controller's MSI, and brings the CPU online through cpu_hpctl_process(); removal is
 * TDEV_CMD_CPU_REMOVE, offline, EJECT. While it waits for a CPU it keeps sending traffic
 * (cpu_hotplug_wait_hook): HvCallFlushVirtualAddressSpace (slow; the Ex form for VP
 * indexes >= 64) to every CPU in the flush/IPI target set, HvCallSendSyntheticClusterIpi
 * to every target but itself, and the native path to online CPUs outside the set. Every
 * hypercall must name only known VP indexes (never VP_INVAL), every IPI must arrive exactly
 * once, every flush must succeed.
 *
 * Options:
 *   mode=grow (default) grow=N   from the boot CPUs to N (default 16) one slot at a time,
 *                                back down, re-add (VP index kept), plus guest-side step
 *                                failures (rollback on online and offline)
 *   mode=faults expect_fail=K adds=N  hvemu runs with HVEMU_FAULT: exactly the K-th of N
 *                                adds fails, that CPU never appears, its retry works
 *   mode=churn cycles=N hold_ms=M fresh=0|1
 *                                add/remove N times, printing "churn: start", "churn: warm"
 *                                (after the first cycle) and "churn: done", each followed
 *                                by a pause of M ms (for fd/thread counts); fresh=1 uses a
 *                                new slot each cycle (default: the same slot, re-added)
 *   mode=bench adds=N fresh=0|1  N adds (and removals) without traffic, fresh slots by
 *                                default; prints "HOTADD ns=<add request to guest code
 *                                on the new CPU>" each and "BENCH hotadd_ns median=..
 *                                p99=.. n=.."
 */
#include "libguest.h"
#include "testlib/tdev.h"
#include "x86/cpu_hotplug.h"
#include "x86/hv.h"

#define HPCTL_VEC   0x40
#define IPI_VEC	    0x60
#define WAIT_MS	    5000
#define MAX_SAMPLES 256
#define ENOSYS_STEP (-ENOSYS) /* what the test's failing steps return */
#define NO_VP	    0xffffffffu

static u32 ipi_sent[MAX_CPUS], ipi_got[MAX_CPUS];
static u32 slot_vp[MAX_CPUS]; /* VP index first seen per slot */
static bool quiet;	      /* no traffic (bench) */
static u32 fail_bsp_up, fail_ap_up;

static struct {
	u64 flush_calls, flush_fail, flush_native, vpinval_in_call, vpinval_native;
	u64 ipi_calls, ipi_fail, ipi_native, ipi_lost, ipi_extra, rounds;
} st;

/* What "test:early" (declared before "hv:online") saw on each CPU. */
struct early_seen {
	u32 up_vp, down_vp; /* VP index when its startup / teardown ran */
	u64 down_assist;    /* HV_X64_MSR_VP_ASSIST_PAGE at its teardown */
	bool up_target, down_target, down_ran;
};
static struct early_seen early[MAX_CPUS];

static struct cpu_hpctl_event last_ev;
static u32 nr_ev;

static void ev_hook(const struct cpu_hpctl_event *ev)
{
	last_ev = *ev;
	nr_ev++;
}

static void ipi_handler(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&ipi_got[smp_id()]);
}

void ap_main(void)
{
	cpu_hotplug_ap_idle();
}

/* VP indexes of @mask into @vp (1024 bits); false when one is VP_INVAL (counted). */
static bool vp_bits(const struct cpumask *mask, u64 vp[MAX_CPUS / 64], u32 *top_bank)
{
	u32 cpu, v;
	bool ok = true;

	memset(vp, 0, MAX_CPUS / 8);
	*top_bank = 0;
	for_each_cpu (cpu, mask) {
		v = READ_ONCE(per_cpu(cpu)->vp_index);
		if (v == VP_INVAL || v >= MAX_CPUS) {
			st.vpinval_in_call++;
			ok = false;
			continue;
		}
		vp[v / 64] |= 1ull << (v % 64);
		*top_bank = MAX(*top_bank, v / 64);
	}
	return ok;
}

static u16 fill_vpset(struct hv_vp_set_header *h, u64 *banks, const u64 *vp, u32 top)
{
	h->format = HV_GENERIC_SET_SPARSE_4K;
	h->valid_bank_mask = top == 63 ? ~0ull : (1ull << (top + 1)) - 1;
	for (u32 b = 0; b <= top; b++)
		banks[b] = vp[b];
	return (u16)(top + 1);
}

static void flush_local(void *arg)
{
	(void)arg;
	flush_tlb_local();
}

/* online CPUs outside @in, but not this one */
static void online_outside(struct cpumask *out, const struct cpumask *in)
{
	for (u32 i = 0; i < nr_cpumask_words; i++)
		out->bits[i] = READ_ONCE(cpu_online_mask.bits[i]) & ~in->bits[i];
	cpumask_clear_cpu(out, smp_id());
}

static void flush_round(void)
{
	static u64 vp[MAX_CPUS / 64];
	struct cpumask snap, rest;
	struct hv_cpu *c = hv_this_cpu();
	u32 top;
	u64 flags, r;

	flags = cpu_hp_targets_lock(&snap);
	if (vp_bits(&snap, vp, &top) && !cpumask_empty(&snap)) {
		if (top == 0) {
			struct hv_tlb_flush *in = c->input;

			in->address_space = 0;
			in->flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
			in->processor_mask = vp[0];
			r = hv_hypercall_pcpu(
			    hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0));
		} else {
			struct hv_tlb_flush_ex *in = c->input;
			u16 n;

			in->address_space = 0;
			in->flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
			n = fill_vpset(&in->hv_vp_set, in->data, vp, top);
			r = hv_hypercall_pcpu(
			    hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, false, n, 0, 0));
		}
		st.flush_calls++;
		if (hv_result_status(r) != HV_STATUS_SUCCESS)
			st.flush_fail++;
	}
	cpu_hp_targets_unlock(flags);
	/* Online CPUs whose VP index is not known (yet): the native shootdown. */
	online_outside(&rest, &snap);
	if (!cpumask_empty(&rest)) {
		st.flush_native++;
		on_cpus(&rest, flush_local, NULL);
	}
}

static void ipi_round(void)
{
	static u64 vp[MAX_CPUS / 64];
	struct cpumask snap, rest;
	u32 top, cpu, me = smp_id();
	u64 flags, r = 0, end;
	bool pv;

	flags = cpu_hp_targets_lock(&snap);
	cpumask_clear_cpu(&snap, me);
	pv = vp_bits(&snap, vp, &top) && !cpumask_empty(&snap);
	if (pv) {
		if (top == 0) {
			r = hv_fast_hypercall16(HVCALL_SEND_IPI, IPI_VEC, vp[0]);
		} else {
			struct hv_send_ipi_ex *in = hv_this_cpu()->input;
			u16 n;

			in->vector = IPI_VEC;
			in->reserved = 0;
			n = fill_vpset(&in->vp_set, in->bank_contents, vp, top);
			r = hv_hypercall_pcpu(hv_control(HVCALL_SEND_IPI_EX, false, n, 0, 0));
		}
		st.ipi_calls++;
		if (hv_result_status(r) != HV_STATUS_SUCCESS) {
			st.ipi_fail++;
			pv = false;
		} else {
			for_each_cpu (cpu, &snap)
				ipi_sent[cpu]++;
		}
	}
	cpu_hp_targets_unlock(flags);
	if (!pv)
		cpumask_clear(&snap);
	online_outside(&rest, &snap);
	for_each_cpu (cpu, &rest) {
		st.ipi_native++;
		ipi_sent[cpu]++;
		apic_send_ipi(per_cpu(cpu)->apic_id, IPI_VEC);
		cpumask_set(&snap, cpu);
	}
	/* One IPI in flight per CPU: a second one of the same vector would merge with it. */
	end = rdtsc() + tsc_ms_to_cycles(WAIT_MS);
	for_each_cpu (cpu, &snap) {
		while (atomic_load(&ipi_got[cpu]) < ipi_sent[cpu] && rdtsc() < end)
			cpu_relax();
		if (atomic_load(&ipi_got[cpu]) < ipi_sent[cpu]) {
			if (st.ipi_lost++ < 4)
				printf("INFO: IPI to CPU %u not delivered (%u of %u)\n", cpu,
				       atomic_load(&ipi_got[cpu]), ipi_sent[cpu]);
			ipi_got[cpu] = ipi_sent[cpu]; /* counted once */
		}
	}
}

static void traffic(void)
{
	if (quiet)
		return;
	st.rounds++;
	flush_round();
	ipi_round();
}

static bool is_target(u32 cpu)
{
	struct cpumask snap;
	u64 flags = cpu_hp_targets_lock(&snap);

	cpu_hp_targets_unlock(flags);
	return cpumask_test(&snap, cpu);
}

/* Runs before "hv:online" on the way up and after its teardown on the way down. */
static int early_up(unsigned int cpu, void *ctx)
{
	(void)ctx;
	early[cpu].up_vp = READ_ONCE(per_cpu(cpu)->vp_index);
	early[cpu].up_target = is_target(cpu);
	return 0;
}

static int early_down(unsigned int cpu, void *ctx)
{
	u64 v = ~0ull;

	(void)ctx;
	if (rdmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, &v))
		v = ~0ull;
	early[cpu].down_assist = v;
	early[cpu].down_vp = READ_ONCE(per_cpu(cpu)->vp_index);
	early[cpu].down_target = is_target(cpu);
	early[cpu].down_ran = true;
	return 0;
}

/* --- adding and removing through hvemu ------------------------------------------- */

static bool wait_irq(u64 before, u64 ms)
{
	u64 end = rdtsc() + tsc_ms_to_cycles(ms);

	while (cpu_hpctl_irqs() == before && rdtsc() < end)
		traffic();
	return cpu_hpctl_irqs() != before;
}

struct assist_read {
	u64 v;
	int vec;
};

static void assist_read_fn(void *p)
{
	struct assist_read *a = p;

	a->vec = rdmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, &a->v);
}

/* HV_X64_MSR_VP_ASSIST_PAGE of @cpu, read there; all ones when it faulted. */
static u64 read_assist(u32 cpu)
{
	struct assist_read a = { 0, -1 };

	on_cpu(cpu, assist_read_fn, &a);
	return a.vec ? ~0ull : a.v;
}

/* Adds @slot; 0 when it came online with everything checked, else the error. */
static int add_slot(u32 slot, u64 *lat_ns, bool check)
{
	u64 irqs = cpu_hpctl_irqs(), t0;
	int cpu = cpu_from_apic_id(slot), r;
	struct percpu *pc;

	if (cpu <= 0)
		return -ENOENT;
	pc = per_cpu((u32)cpu);
	t0 = rdtsc();
	r = tdev_cmd(TDEV_CMD_CPU_ADD, slot);
	if (r)
		return r;
	if (!wait_irq(irqs, WAIT_MS)) {
		report(false, "slot %u: insert interrupt", slot);
		return -ETIMEDOUT;
	}
	nr_ev = 0;
	r = cpu_hpctl_process();
	if (r != 1 || last_ev.slot != slot || !last_ev.insert || last_ev.err) {
		report(false, "slot %u: one insert event handled (%d events, err %d)", slot, r,
		       last_ev.err);
		return last_ev.err ? last_ev.err : -EIO;
	}
	if (lat_ns)
		*lat_ns = tsc_cycles_to_ns(cpu_hp_info((u32)cpu)->running_tsc - t0);
	if (!check)
		return 0;
	if (atomic_load(&pc->state) != CPU_ONLINE || !cpumask_test(&cpu_online_mask, (u32)cpu) ||
	    !(cpu_hpctl_status(slot) & HPCTL_ST_PRESENT)) {
		report(false, "slot %u: CPU %d online and present", slot, cpu);
		return -EIO;
	}
	if (pc->vp_index == VP_INVAL || (slot_vp[slot] != NO_VP && slot_vp[slot] != pc->vp_index)) {
		report(false, "slot %u: VP index %u (first seen %u)", slot, pc->vp_index,
		       slot_vp[slot]);
		return -EIO;
	}
	if (early[cpu].up_vp != VP_INVAL || early[cpu].up_target) {
		report(false, "slot %u: before hv:online the VP index was %u, target %d", slot,
		       early[cpu].up_vp, early[cpu].up_target);
		return -EIO;
	}
	slot_vp[slot] = pc->vp_index;
	if (hv_priv(HV_X64_MSR_APIC_ACCESS_AVAILABLE) && !(read_assist((u32)cpu) & 1)) {
		report(false, "slot %u: VP assist page enabled on the new CPU", slot);
		return -EIO;
	}
	return 0;
}

static int remove_slot(u32 slot)
{
	u64 irqs = cpu_hpctl_irqs();
	int cpu = cpu_from_apic_id(slot), r;
	struct cpumask snap;
	struct percpu *pc;
	u64 flags;

	if (cpu <= 0)
		return -ENOENT;
	pc = per_cpu((u32)cpu);
	early[cpu].down_ran = false;
	r = tdev_cmd(TDEV_CMD_CPU_REMOVE, slot);
	if (r)
		return r;
	if (!wait_irq(irqs, WAIT_MS))
		return -ETIMEDOUT;
	r = cpu_hpctl_process();
	if (r != 1 || last_ev.slot != slot || last_ev.insert || last_ev.err)
		return last_ev.err ? last_ev.err : -EIO;
	flags = cpu_hp_targets_lock(&snap);
	cpu_hp_targets_unlock(flags);
	if (atomic_load(&pc->state) != CPU_ABSENT || cpumask_test(&cpu_online_mask, (u32)cpu) ||
	    cpumask_test(&snap, (u32)cpu) || pc->vp_index != VP_INVAL ||
	    (cpu_hpctl_status(slot) & HPCTL_ST_PRESENT) ||
	    cpuhp_cpu_state(cpu_hotplug_machine(), (u32)cpu) != CPUHP_OFFLINE)
		return -EIO;
	/* On the CPU, after the Hyper-V teardown: assist page off, VP index unknown. */
	if (!early[cpu].down_ran || early[cpu].down_vp != VP_INVAL || early[cpu].down_target ||
	    (hv_priv(HV_X64_MSR_APIC_ACCESS_AVAILABLE) && early[cpu].down_assist != 0)) {
		report(false, "slot %u: after hv:online's teardown: VP %u, assist 0x%lx, target %d",
		       slot, early[cpu].down_vp, early[cpu].down_assist, early[cpu].down_target);
		return -EIO;
	}
	return 0;
}

/* --- guest-side step failures -------------------------------------------------------- */

static int fail_up(unsigned int cpu, void *ctx)
{
	u32 *armed = ctx;
	u32 one = 1;

	(void)cpu;
	return atomic_cmpxchg(armed, &one, 0u) ? ENOSYS_STEP : 0;
}

static bool cpu_fully_online(u32 cpu)
{
	struct cpumask snap;
	u64 flags = cpu_hp_targets_lock(&snap);

	cpu_hp_targets_unlock(flags);
	return atomic_load(&per_cpu(cpu)->state) == CPU_ONLINE &&
	       cpumask_test(&cpu_online_mask, cpu) && cpumask_test(&snap, cpu) &&
	       per_cpu(cpu)->vp_index != VP_INVAL && cpuhp_cpu_fully_up(cpu_hotplug_machine(), cpu);
}

static bool cpu_fully_offline(u32 cpu)
{
	struct cpumask snap;
	u64 flags = cpu_hp_targets_lock(&snap);

	cpu_hp_targets_unlock(flags);
	return atomic_load(&per_cpu(cpu)->state) == CPU_OFFLINE &&
	       !cpumask_test(&cpu_online_mask, cpu) && !cpumask_test(&snap, cpu) &&
	       per_cpu(cpu)->vp_index == VP_INVAL &&
	       cpuhp_cpu_state(cpu_hotplug_machine(), cpu) == CPUHP_OFFLINE;
}

static void test_guest_failures(u32 cpu)
{
	static const char *const after_targets[] = { "cpu:targets", NULL };
	const struct cpuhp_step_desc ap = { .name = "test:ap",
					    .startup = fail_up,
					    .teardown = fail_up,
					    .ctx = &fail_ap_up,
					    .after = after_targets };
	const struct cpuhp_step_desc bsp = { .name = "test:bsp",
					     .startup = fail_up,
					     .ctx = &fail_bsp_up };
	const struct cpuhp_machine *m = cpu_hotplug_machine();
	int r;

	report(cpuhp_find_step(m, "hv:online") > 0 &&
		   cpuhp_find_step(m, "hv:online") < cpuhp_find_step(m, "cpu:targets"),
	       "hv:online (%d) runs before cpu:targets (%d)", cpuhp_find_step(m, "hv:online"),
	       cpuhp_find_step(m, "cpu:targets"));
	report(cpu_hotplug_add_step(&ap, true) > cpuhp_find_step(m, "cpu:targets"),
	       "a test step after cpu:targets");
	report(cpu_hotplug_add_step(&bsp, false) > 0 &&
		   cpuhp_find_step(m, "test:bsp") < CPU_HP_BRINGUP,
	       "a test step before cpu:bringup");
	report(cpu_offline(0) == -EINVAL, "CPU 0 cannot go offline");
	report(cpu_online(cpu) == -EBUSY, "online of an online CPU: -EBUSY");
	r = cpu_offline(cpu);
	report(r == 0 && cpu_fully_offline(cpu), "CPU %u offline (%d)", cpu, r);
	report(cpu_offline(cpu) == -EBUSY, "offline of an offline CPU: -EBUSY");

	atomic_store(&fail_ap_up, 1u);
	r = cpu_online(cpu);
	report(r == ENOSYS_STEP && cpu_fully_offline(cpu),
	       "an AP step failing on online: error %d, rolled back (offline, VP_INVAL, "
	       "no target)",
	       r);
	atomic_store(&fail_bsp_up, 1u);
	r = cpu_online(cpu);
	report(r == ENOSYS_STEP && cpu_fully_offline(cpu) && cpu_hp_info(cpu)->kick_tsc == 0,
	       "a controlling-CPU step failing: error %d, never started", r);
	r = cpu_online(cpu);
	report(r == 0 && cpu_fully_online(cpu), "then online works (%d)", r);
	traffic();

	/* The teardown of test:ap fails once: the CPU rolls forward and stays online. */
	atomic_store(&fail_ap_up, 1u);
	r = cpu_offline(cpu);
	report(r == ENOSYS_STEP && cpu_fully_online(cpu),
	       "a teardown failing on offline: error %d, rolled forward (online, VP index, "
	       "target)",
	       r);
	traffic();
	r = cpu_offline(cpu);
	report(r == 0 && cpu_fully_offline(cpu), "then offline works (%d)", r);
	r = cpu_online(cpu);
	report(r == 0 && cpu_fully_online(cpu), "and online again (%d)", r);
}

/* --- modes --------------------------------------------------------------------------- */

static u32 nr_boot;

static void check_traffic(void)
{
	u32 lost = 0;

	for (u32 cpu = 0; cpu < smp_nr_cpus(); cpu++) {
		if (atomic_load(&ipi_got[cpu]) > ipi_sent[cpu])
			st.ipi_extra += atomic_load(&ipi_got[cpu]) - ipi_sent[cpu];
		if (atomic_load(&ipi_got[cpu]) < ipi_sent[cpu])
			lost++;
	}
	report_info("traffic: %lu rounds, %lu flush hypercalls (%lu failed), %lu native "
		    "flushes, %lu IPI hypercalls (%lu failed), %lu native IPIs",
		    st.rounds, st.flush_calls, st.flush_fail, st.flush_native, st.ipi_calls,
		    st.ipi_fail, st.ipi_native);
	report(st.rounds > 0 && st.flush_calls > 0 && st.ipi_calls > 0, "traffic was sent");
	report(st.vpinval_in_call == 0, "no hypercall named a CPU with VP_INVAL (%lu tried)",
	       st.vpinval_in_call);
	report(st.flush_fail == 0 && st.ipi_fail == 0, "every flush and IPI hypercall succeeded");
	report(st.ipi_lost == 0 && st.ipi_extra == 0 && lost == 0,
	       "every IPI delivered exactly once (%lu lost, %lu extra)", st.ipi_lost, st.ipi_extra);
}

static void print_lat(const char *what, u64 *v, u32 n)
{
	/* insertion sort: n is small */
	for (u32 i = 1; i < n; i++)
		for (u32 j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (n)
		printf("BENCH %s median=%lu p99=%lu n=%u\n", what, v[(n - 1) / 2],
		       v[(n * 99 + 99) / 100 - 1], n);
}

static void grow_mode(void)
{
	u32 n = (u32)cmdline_u64("grow", 16), nslots = (u32)tdev_cmd(TDEV_CMD_NR_SLOTS, 0);
	/* faults=N: hvemu was started with N bring-up failures armed (HVEMU_FAULT). */
	u32 want_faults = (u32)cmdline_u64("faults", 0), injected = 0, ghost = 0;
	static u64 lat[MAX_SAMPLES];
	u32 nl = 0, s, added = 0, removed = 0;
	u64 t;
	int r;

	if (n > nslots)
		n = nslots;
	if (nr_boot > 3)
		test_guest_failures(3);
	report_info("growing from %u to %u CPUs", nr_boot, n);
	for (s = nr_boot; s < n; s++) {
		r = add_slot(s, &t, true);
		while (r == -EIO && want_faults && injected < want_faults) {
			/* An injected bring-up failure: the CPU must not exist; retry the slot. */
			int cpu = cpu_from_apic_id(s);

			injected++;
			if ((cpu_hpctl_status(s) & HPCTL_ST_PRESENT) ||
			    (cpu > 0 && cpumask_test(&cpu_online_mask, (u32)cpu)))
				ghost++;
			r = add_slot(s, &t, true);
		}
		if (r) {
			report(false, "add slot %u: %d", s, r);
			break;
		}
		if (nl < MAX_SAMPLES)
			lat[nl++] = t;
		added++;
		traffic();
	}
	report(added == n - nr_boot && cpumask_weight(&cpu_online_mask) == n,
	       "grew to %u online CPUs (%u added)", cpumask_weight(&cpu_online_mask), added);
	if (want_faults) {
		report(injected == want_faults,
		       "%u injected bring-up failures, each retried (want %u)", injected,
		       want_faults);
		report(ghost == 0, "no failed vCPU appeared to the guest (%u did)", ghost);
	}
	for (s = nr_boot + added; s-- > nr_boot;) {
		r = remove_slot(s);
		if (r) {
			report(false, "remove slot %u: %d", s, r);
			break;
		}
		removed++;
		traffic();
	}
	report(removed == added && cpumask_weight(&cpu_online_mask) == nr_boot,
	       "shrank back to %u CPUs (%u removed)", cpumask_weight(&cpu_online_mask), removed);
	/* (c) a re-added slot keeps its VP index: add_slot compares with the first one. */
	for (s = nr_boot; s < MIN(n, nr_boot + 3); s++) {
		u32 vp = slot_vp[s];

		r = add_slot(s, &t, true);
		report(!r && per_cpu((u32)cpu_from_apic_id(s))->vp_index == vp,
		       "slot %u re-added with VP index %u (%d)", s, vp, r);
		if (!r && nl < MAX_SAMPLES)
			lat[nl++] = t;
		traffic();
		if (!r)
			report(remove_slot(s) == 0, "and removed again");
	}
	print_lat("hotadd_ns", lat, nl);
	check_traffic();
}

static void faults_mode(void)
{
	u32 adds = (u32)cmdline_u64("adds", 3), want = (u32)cmdline_u64("expect_fail", 1);
	u32 fails = 0, failed_at = 0, ok = 0, k, s;
	int r;

	for (k = 1; k <= adds; k++) {
		u64 irqs = cpu_hpctl_irqs();
		int cpu;

		s = nr_boot + k - 1;
		cpu = cpu_from_apic_id(s);
		r = tdev_cmd(TDEV_CMD_CPU_ADD, s);
		if (r) {
			fails++;
			failed_at = k;
			mdelay(20);
			report(r == -EIO, "add %u (slot %u) failed with -EIO (%d)", k, s, r);
			report(cpu_hpctl_irqs() == irqs &&
				   inl(HPCTL_PORT_PENDING) == HPCTL_NO_PENDING,
			       "no insert event for it");
			report(!(cpu_hpctl_status(s) & HPCTL_ST_PRESENT) &&
				   atomic_load(&per_cpu((u32)cpu)->state) == CPU_ABSENT,
			       "the CPU never appeared");
			report(cpu_online((u32)cpu) == -ENODEV, "and cannot be started");
			r = add_slot(s, NULL, true);
			report(r == 0, "retry of slot %u came online (%d)", s, r);
		} else {
			/* The add of the tdev command already happened: finish it by hand. */
			if (!wait_irq(irqs, WAIT_MS) || cpu_hpctl_process() != 1 || last_ev.err)
				r = -EIO;
			else
				r = atomic_load(&per_cpu((u32)cpu)->state) == CPU_ONLINE ? 0 : -EIO;
			report(r == 0, "add %u (slot %u) came online", k, s);
		}
		if (!r)
			ok++;
		traffic();
	}
	report(fails == 1 && failed_at == want,
	       "exactly one add failed: add %u (want %u), %u fails", failed_at, want, fails);
	report(ok == adds, "every slot came online in the end (%u of %u)", ok, adds);
	for (s = nr_boot + adds; s-- > nr_boot;)
		report(remove_slot(s) == 0, "slot %u removed", s);
	check_traffic();
}

/* The slot of the i-th cycle: fresh slots (each leaves one parked vCPU) or always one. */
static u32 cycle_slot(u32 i, bool fresh, u32 nslots)
{
	return fresh ? nr_boot + i % (nslots - nr_boot) : nr_boot;
}

static void churn_mode(void)
{
	u32 cycles = (u32)cmdline_u64("cycles", 20), hold = (u32)cmdline_u64("hold_ms", 1500);
	u32 nslots = (u32)tdev_cmd(TDEV_CMD_NR_SLOTS, 0), ok = 0, s;
	bool fresh = cmdline_u64("fresh", 0);

	printf("churn: start\n");
	mdelay(hold);
	for (u32 i = 0; i < cycles; i++) {
		s = cycle_slot(i, fresh, nslots);
		if (!add_slot(s, NULL, true) && !remove_slot(s))
			ok++;
		if (i == 0) {
			printf("churn: warm\n");
			mdelay(hold);
		}
	}
	printf("churn: done\n");
	mdelay(hold);
	report(ok == cycles, "%u of %u add/remove cycles (%s)", ok, cycles,
	       fresh ? "fresh slots" : "one slot, re-added");
	check_traffic();
}

static void bench_mode(void)
{
	u32 adds = (u32)cmdline_u64("adds", 25), n = 0, s;
	u32 nslots = (u32)tdev_cmd(TDEV_CMD_NR_SLOTS, 0);
	bool fresh = cmdline_u64("fresh", 1);
	static u64 lat[MAX_SAMPLES];
	u64 t;

	quiet = true;
	for (u32 i = 0; i < adds && n < MAX_SAMPLES; i++) {
		s = cycle_slot(i, fresh, nslots);
		if (add_slot(s, &t, true) || remove_slot(s))
			break;
		printf("HOTADD ns=%lu slot=%u\n", t, s);
		lat[n++] = t;
	}
	report(n == adds, "%u of %u timed adds", n, adds);
	print_lat("hotadd_ns", lat, n);
}

int main(void)
{
	char mode[16] = "grow";
	int r;

	memset(slot_vp, 0xff, sizeof(slot_vp));
	nr_boot = cpumask_weight(&cpu_online_mask);
	cmdline_get_str("mode", mode, sizeof(mode));
	r = hv_init();
	report(r == 0, "hv_init (%d)", r);
	handle_irq(IPI_VEC, ipi_handler);
	r = cpu_hotplug_init();
	report(r == 0, "cpu_hotplug_init (%d)", r);
	r = cpu_hpctl_init(HPCTL_VEC);
	report(r == 0, "hotplug controller NOTIFY programmed (%d)", r);
	if (r)
		return report_summary();
	{
		static const char *const before_hv[] = { "hv:online", NULL };
		const struct cpuhp_step_desc d = { .name = "test:early",
						   .startup = early_up,
						   .teardown = early_down,
						   .before = before_hv };

		r = cpu_hotplug_add_step(&d, true);
		report(r > 0 && r < cpuhp_find_step(cpu_hotplug_machine(), "hv:online"),
		       "a step declared before hv:online gets position %d", r);
	}
	cpu_hpctl_event_hook = ev_hook;
	cpu_hotplug_wait_hook = traffic;
	for (u32 cpu = 0; cpu < nr_boot; cpu++)
		slot_vp[per_cpu(cpu)->apic_id] = per_cpu(cpu)->vp_index;
	traffic();
	if (!strcmp(mode, "faults"))
		faults_mode();
	else if (!strcmp(mode, "churn"))
		churn_mode();
	else if (!strcmp(mode, "bench"))
		bench_mode();
	else
		grow_mode();
	return report_summary();
}
