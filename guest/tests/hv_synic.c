// SPDX-License-Identifier: MIT
/*
 * hv_synic.elf: the SynIC (TLFS "Synthetic Interrupt Controller", "Inter-Partition
 * Communication") with KVM's semantics, after kvm-unit-tests' hyperv_synic and
 * hyperv_connections in spirit (own code). Needs --hv synic (and vpindex) and
 * --device hyperv-testdev.
 *
 *   mode=msr    (CPU 0, before anything else) reset values, every SynIC MSR rule
 *               (read-only SVERSION, EOM reads 0, vectors below 16, enabling a page
 *               zeroes it, no reserved-bit checks), the timer MSR rules when offered,
 *               TSC_INVARIANT_CONTROL when offered
 *   mode=sints  every CPU sets SINT0-15 to vectors 0xB0-0xBF, the odd ones AutoEOI with
 *               handlers that never EOI; each CPU raises all 16 SINTs of another CPU
 *               through the test device, `rounds` times: all must arrive. Then a
 *               lower-priority fixed interrupt must still arrive on every CPU, and an
 *               AutoEOI SINT must wait while the TPR masks its class or interrupts are
 *               disabled, and arrive once they do not
 *   mode=conn   messages to self and to another CPU, a second message to a busy slot
 *               (success, msg_pending, no interrupt), a third one while it waits
 *               (INSUFFICIENT_BUFFERS), delivery after the slot is freed and EOM; event
 *               flags raise on 0 -> 1 only; polling-mode and masked SINTs get the
 *               message without an interrupt; the HvPostMessage/HvSignalEvent status
 *               codes
 *   mode=all    msr, sints, conn (the default)
 * Options: rounds=N (sints, default 3), hold=S (after the summary, stay up S seconds so
 * the control socket can be read, then exit).
 */
#include "libguest.h"
#include "x86/apic.h"
#include "x86/synic.h"
#include "testlib/hv_testdev.h"
#include "testlib/tlbtest.h"

#define SINT_VEC_BASE 0xb0 /* SINT i: vector 0xB0 + i, AutoEOI when i is odd */
#define LOW_VEC	      0x40 /* a lower priority class than every SINT vector */
#define MSG_SINT      8
#define EVT_SINT      9
#define MSG_VEC	      0xa0
#define EVT_VEC	      0xa1
#define MSG_CONN_BASE 0x10
#define EVT_CONN_BASE 0x80
#define MSG_TYPE      0x12345678u
#define CONN_CPUS     64 /* connection IDs are 8 bits in the test device */
#define JOB_MS	      20000
#define SETTLE_MS     30
#define NOT_RAM_GPA   0xfec00000ull /* the IOAPIC: MMIO, not RAM */

static u32 hits[MAX_CPUS];	      /* SINT interrupts taken, per CPU */
static u32 aeoi_in_service[MAX_CPUS]; /* an AutoEOI vector was in the ISR in its handler */
static u32 low_hits[MAX_CPUS];
static u32 normal_isr_seen; /* a normal SINT saw its own ISR bit: the APIC tracks ISR */
static u32 round_target;

static bool isr_bit(u32 v)
{
	return apic->read(APIC_ISR + (v / 32) * 0x10) & (1u << (v % 32));
}

static void sint_isr(struct ex_regs *r)
{
	if (isr_bit((u32)r->vector))
		WRITE_ONCE(normal_isr_seen, 1);
	atomic_inc(&hits[smp_id()]);
}

/* Never EOIs: AutoEOI. */
static void sint_aeoi_isr(struct ex_regs *r)
{
	if (isr_bit((u32)r->vector))
		atomic_inc(&aeoi_in_service[smp_id()]);
	atomic_inc(&hits[smp_id()]);
}

static void low_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&low_hits[smp_id()]);
}

static u32 vp_of(u32 cpu)
{
	return per_cpu(cpu)->vp_index;
}

static bool wait_count(u32 *c, u32 want, u64 ms)
{
	u64 end = now_ns() + ms * 1000000ull;

	while (atomic_load(c) < want) {
		if (now_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

/* --- mode=msr --------------------------------------------------------------------------- */

static const char *fault_name(int v)
{
	return v == 0 ? "ok" : v == X86_TRAP_GP ? "#GP" : "fault";
}

/* wrmsr must give `want` (0 or #GP); then, if it took, the MSR must read back `back`. */
static void msr_w(const char *what, u32 msr, u64 val, int want, u64 back)
{
	int w = wrmsr_safe(msr, val), r = 0;
	u64 v = 0;

	if (!w)
		r = rdmsr_safe(msr, &v);
	report(w == want && (w || (!r && v == back)),
	       "%s: write %#lx %s (want %s), reads %#lx (want %#lx)", what, (unsigned long)val,
	       fault_name(w), fault_name(want), (unsigned long)v, (unsigned long)back);
}

static void msr_page(const char *name, u32 msr)
{
	u8 *pg = alloc_page();
	u64 gpa = hv_pa(pg), v = 0;
	bool zero = true;

	memset(pg, 0xaa, PAGE_SIZE);
	msr_w(name, msr, gpa | 1, 0, gpa | 1);
	for (u32 i = 0; i < PAGE_SIZE; i++)
		zero &= pg[i] == 0;
	report(zero, "%s: enabling zeroes the page", name);
	/* KVM checks no reserved bit: bits 11:1 are stored as written. */
	msr_w(name, msr, gpa | 0xffe | 1, 0, gpa | 0xffe | 1);
	memset(pg, 0xaa, 16);
	msr_w(name, msr, gpa, 0, gpa);
	report(pg[0] == 0xaa, "%s: a write without enable leaves the page alone", name);
	rdmsr_safe(msr, &v);
	msr_w(name, msr, NOT_RAM_GPA | 1, X86_TRAP_GP, 0);
	{
		u64 after = 0;

		rdmsr_safe(msr, &after);
		report(after == v, "%s: the refused write changed nothing (%#lx)", name,
		       (unsigned long)after);
	}
	wrmsr(msr, 0);
}

static void test_msr_resets(void)
{
	u64 v;
	bool sints_ok = true;

	report(rdmsr(HV_X64_MSR_SCONTROL) == HV_SYNIC_CONTROL_ENABLE,
	       "SCONTROL reads 1 after reset (%#lx)", (unsigned long)rdmsr(HV_X64_MSR_SCONTROL));
	report(rdmsr(HV_X64_MSR_SVERSION) == HV_SYNIC_VERSION_1, "SVERSION reads 1");
	report(!rdmsr(HV_X64_MSR_SIMP) && !rdmsr(HV_X64_MSR_SIEFP), "SIMP and SIEFP read 0");
	for (u32 i = 0; i < HV_SYNIC_SINT_COUNT; i++) {
		v = rdmsr(HV_X64_MSR_SINT0 + i);
		sints_ok &= v == HV_SYNIC_SINT_MASKED;
	}
	report(sints_ok, "SINT0-15 read 0x10000 (masked) after reset");
	if (hv_stimer_available()) {
		bool zero = true;

		for (u32 n = 0; n < HV_SYNIC_STIMER_COUNT; n++)
			zero &= !rdmsr(HV_STIMER_CONFIG(n)) && !rdmsr(HV_STIMER_COUNT(n));
		report(zero, "STIMER0-3 CONFIG and COUNT read 0 after reset");
	}
}

static void test_msr(void)
{
	u64 direct = hv_stimer_direct_cfg(false, 0x40);

	test_msr_resets();
	msr_w("SVERSION is read-only", HV_X64_MSR_SVERSION, 1, X86_TRAP_GP, 0);
	msr_w("EOM", HV_X64_MSR_EOM, 0x1234, 0, 0);
	report(rdmsr(HV_X64_MSR_EOM) == 0, "EOM reads 0");
	msr_w("SCONTROL stores any value", HV_X64_MSR_SCONTROL, 0xfffe, 0, 0xfffe);
	msr_w("SCONTROL", HV_X64_MSR_SCONTROL, HV_SYNIC_CONTROL_ENABLE, 0, HV_SYNIC_CONTROL_ENABLE);
	msr_w("SINT3 vector 15 unmasked", HV_X64_MSR_SINT0 + 3, 15, X86_TRAP_GP, 0);
	msr_w("SINT3 vector 15 masked", HV_X64_MSR_SINT0 + 3, 15 | HV_SYNIC_SINT_MASKED, 0,
	      15 | HV_SYNIC_SINT_MASKED);
	msr_w("SINT3 vector 0 masked", HV_X64_MSR_SINT0 + 3, HV_SYNIC_SINT_MASKED, 0,
	      HV_SYNIC_SINT_MASKED);
	msr_w("SINT3 vector 16", HV_X64_MSR_SINT0 + 3, 16, 0, 16);
	msr_w("SINT3 AutoEOI, polling and reserved bits kept", HV_X64_MSR_SINT0 + 3,
	      0xffffffff00000000ull | HV_SYNIC_SINT_AUTO_EOI | HV_SYNIC_SINT_POLLING | 0x50, 0,
	      0xffffffff00000000ull | HV_SYNIC_SINT_AUTO_EOI | HV_SYNIC_SINT_POLLING | 0x50);
	wrmsr(HV_X64_MSR_SINT0 + 3, HV_SYNIC_SINT_MASKED);
	msr_page("SIMP", HV_X64_MSR_SIMP);
	msr_page("SIEFP", HV_X64_MSR_SIEFP);

	if (hv_stimer_available()) {
		/* KVM stimer_set_config / stimer_set_count, read back. */
		msr_w("STIMER0 direct mode", HV_STIMER_CONFIG(0), direct,
		      hv_stimer_direct_available() ? 0 : X86_TRAP_GP, direct);
		wrmsr(HV_STIMER_CONFIG(0), 0);
		msr_w("STIMER1 COUNT", HV_STIMER_COUNT(1), 0, 0, 0);
		msr_w("STIMER1 enable without COUNT stays enabled (KVM)", HV_STIMER_CONFIG(1),
		      hv_stimer_cfg(false, false, 2), 0, hv_stimer_cfg(false, false, 2));
		msr_w("STIMER1 enabled, SINTx 0: enable cleared", HV_STIMER_CONFIG(1),
		      HV_STIMER_ENABLE, 0, 0);
		msr_w("STIMER1 auto-enable", HV_STIMER_CONFIG(1),
		      hv_stimer_cfg(false, true, 2) & ~HV_STIMER_ENABLE, 0,
		      hv_stimer_cfg(false, true, 2) & ~HV_STIMER_ENABLE);
		wrmsr(HV_STIMER_COUNT(1), hv_ref_time() + 100000000ull);
		report(rdmsr(HV_STIMER_CONFIG(1)) == hv_stimer_cfg(false, true, 2),
		       "STIMER1 a non-zero COUNT with auto-enable sets enable");
		wrmsr(HV_STIMER_COUNT(1), 0);
		report(rdmsr(HV_STIMER_CONFIG(1)) ==
			   (hv_stimer_cfg(false, true, 2) & ~HV_STIMER_ENABLE),
		       "STIMER1 COUNT 0 clears enable");
		wrmsr(HV_STIMER_CONFIG(1), 0);
	}
	if (hv_priv(HV_X64_ACCESS_TSC_INVARIANT)) {
		report(rdmsr(HV_X64_MSR_TSC_INVARIANT_CONTROL) == 0,
		       "TSC_INVARIANT_CONTROL reads 0 after reset");
		msr_w("TSC_INVARIANT_CONTROL 0xdeadbeef", HV_X64_MSR_TSC_INVARIANT_CONTROL,
		      0xdeadbeef, X86_TRAP_GP, 0);
		msr_w("TSC_INVARIANT_CONTROL bit 1", HV_X64_MSR_TSC_INVARIANT_CONTROL, 2,
		      X86_TRAP_GP, 0);
		msr_w("TSC_INVARIANT_CONTROL bit 0", HV_X64_MSR_TSC_INVARIANT_CONTROL, 1, 0, 1);
		msr_w("TSC_INVARIANT_CONTROL cannot be cleared", HV_X64_MSR_TSC_INVARIANT_CONTROL,
		      0, X86_TRAP_GP, 1);
		report_info("CPUID 0x80000007.EDX[8] (invariant TSC) is %s (hvemu shows the host's "
			    "bit from the start)",
			    cpuid(0x80000007).d & BIT(8) ? "set" : "clear");
	}
}

/* --- mode=sints ------------------------------------------------------------------------ */

static void sints_prepare(void *arg)
{
	u32 *err = arg, me = smp_id();

	for (u32 i = 0; i < HV_SYNIC_SINT_COUNT; i++) {
		if (hv_synic_sint_set(i, SINT_VEC_BASE + i, i & 1 ? HV_SYNIC_SINT_AUTO_EOI : 0))
			atomic_inc(err);
		hv_testdev_ctl(HV_TEST_DEV_SINT_ROUTE_CREATE, vp_of(me), i, 0);
	}
}

static void sints_fire(void *arg)
{
	u32 *late = arg, n = smp_nr_online(), dst = n - 1 - smp_id();

	for (u32 i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		hv_testdev_ctl(HV_TEST_DEV_SINT_ROUTE_SET_SINT, vp_of(dst), i, 0);
	if (!wait_count(&hits[dst], READ_ONCE(round_target), 5000))
		atomic_inc(late);
}

static void sints_low(void *arg)
{
	u32 *missing = arg, me = smp_id(), before = atomic_load(&low_hits[me]);

	apic_send_ipi_self(LOW_VEC);
	if (!wait_count(&low_hits[me], before + 1, 1000))
		atomic_inc(missing);
}

static void sints_cleanup(void *arg)
{
	u32 me = smp_id();

	(void)arg;
	for (u32 i = 0; i < HV_SYNIC_SINT_COUNT; i++) {
		hv_testdev_ctl(HV_TEST_DEV_SINT_ROUTE_DESTROY, vp_of(me), i, 0);
		hv_synic_sint_mask(i);
	}
}

/* Spins (interrupts as they are) for ms; true if *c stayed at before. */
static bool stays(u32 *c, u32 before, u64 ms)
{
	u64 end = now_ns() + ms * 1000000ull;

	while (now_ns() < end)
		if (atomic_load(c) != before)
			return false;
	return true;
}

/*
 * An AutoEOI SINT is taken only when the guest can take it from an APIC: not above the
 * TPR, not with interrupts disabled, and then without delay (CPU 0 to itself, SINT 1).
 */
static void test_aeoi_gates(void)
{
	u32 *c = &hits[smp_id()], before = atomic_load(c), vp = vp_of(smp_id());
	u32 vec = SINT_VEC_BASE + 1;
	bool held, came;

	apic->write(APIC_TASKPRI, vec & 0xf0);
	hv_testdev_ctl(HV_TEST_DEV_SINT_ROUTE_SET_SINT, vp, 1, 0);
	held = stays(c, before, 5);
	apic->write(APIC_TASKPRI, 0);
	came = wait_count(c, before + 1, 1000);
	report(held && came,
	       "AutoEOI vector %#x waits while the TPR masks its class (%s), arrives once it does "
	       "not (%s)",
	       vec, held ? "held" : "taken", came ? "came" : "lost");
	before = atomic_load(c);
	irq_disable();
	hv_testdev_ctl(HV_TEST_DEV_SINT_ROUTE_SET_SINT, vp, 1, 0);
	held = stays(c, before, 5);
	irq_enable();
	came = wait_count(c, before + 1, 1000);
	report(held && came,
	       "AutoEOI vector %#x waits while interrupts are disabled (%s), arrives after sti "
	       "(%s)",
	       vec, held ? "held" : "taken", came ? "came" : "lost");
}

static void test_sints(u32 rounds)
{
	u32 n = smp_nr_online(), err = 0, late = 0, missing = 0, cpu, in_service = 0;

	for (u32 i = 0; i < HV_SYNIC_SINT_COUNT; i++) {
		if (i & 1)
			handle_irq_no_eoi(SINT_VEC_BASE + i, sint_aeoi_isr);
		else
			handle_irq(SINT_VEC_BASE + i, sint_isr);
	}
	handle_irq(LOW_VEC, low_isr);
	cpu_job_run_all(sints_prepare, &err, JOB_MS);
	report(!err, "%u CPUs: SINT0-15 set to vectors 0xb0-0xbf, odd ones AutoEOI", n);
	for (u32 r = 0; r < rounds; r++) {
		WRITE_ONCE(round_target, HV_SYNIC_SINT_COUNT * (r + 1));
		if (!cpu_job_run_all(sints_fire, &late, JOB_MS))
			late++;
	}
	for_each_cpu (cpu, &cpu_online_mask) {
		report(atomic_load(&hits[cpu]) == HV_SYNIC_SINT_COUNT * rounds,
		       "CPU %u (VP %u): %u of %u SINT interrupts from CPU %u", cpu, vp_of(cpu),
		       atomic_load(&hits[cpu]), HV_SYNIC_SINT_COUNT * rounds, n - 1 - cpu);
		in_service += atomic_load(&aeoi_in_service[cpu]);
	}
	report(!late, "every round completed in time (%u late)", late);
	/* An AutoEOI handler that never EOIs must block nothing below it. */
	cpu_job_run_all(sints_low, &missing, JOB_MS);
	report(!missing,
	       "after never-EOIed AutoEOI handlers a lower-priority interrupt still "
	       "arrives on every CPU (%u missing)",
	       missing);
	report(!in_service, "AutoEOI vectors were never in service in their handlers (%u)",
	       in_service);
	test_aeoi_gates();
	report_info("the local APIC %s ISR bits on acceptance (a normal SINT %s its own)",
		    READ_ONCE(normal_isr_seen) ? "sets" : "does not set",
		    READ_ONCE(normal_isr_seen) ? "saw" : "never saw");
	cpu_job_run_all(sints_cleanup, NULL, JOB_MS);
}

/* --- mode=conn --------------------------------------------------------------------------- */

struct conn_cpu {
	u32 msg_hits, evt_hits;
	u64 payload; /* the payload of the last message posted to this CPU */
	u16 status;  /* of the last hypercall made for this CPU */
};
static struct conn_cpu cs[MAX_CPUS];
static u32 conn_n;

static void msg_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&cs[smp_id()].msg_hits);
}

static void evt_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&cs[smp_id()].evt_hits);
}

static u32 msg_conn(u32 cpu)
{
	return MSG_CONN_BASE + cpu;
}

static u32 evt_conn(u32 cpu)
{
	return EVT_CONN_BASE + cpu;
}

static void conn_prepare(void *arg)
{
	u32 *err = arg, me = smp_id();

	if (me >= conn_n)
		return;
	if (hv_synic_sint_set(MSG_SINT, MSG_VEC, 0) || hv_synic_sint_set(EVT_SINT, EVT_VEC, 0))
		atomic_inc(err);
	cs[me].payload = (u64)me << 32;
	hv_testdev_ctl(HV_TEST_DEV_MSG_CONN_CREATE, vp_of(me), MSG_SINT, msg_conn(me));
	hv_testdev_ctl(HV_TEST_DEV_EVT_CONN_CREATE, vp_of(me), EVT_SINT, evt_conn(me));
}

static u32 conn_dst(u32 shift)
{
	return (smp_id() + shift) % conn_n;
}

/* Posts the next message to CPU dst (through dst's connection). */
static void do_msg(void *arg)
{
	u32 dst = conn_dst((u32)(uintptr_t)arg);
	struct conn_cpu *d = &cs[dst];
	u64 payload;

	if (smp_id() >= conn_n)
		return;
	payload = READ_ONCE(d->payload) + 1;
	WRITE_ONCE(d->payload, payload);
	atomic_store(&d->msg_hits, 0u);
	WRITE_ONCE(d->status, hv_post_message(msg_conn(dst), MSG_TYPE, &payload, 8));
}

static void clear_msg(void *arg)
{
	u32 me = smp_id();

	(void)arg;
	if (me >= conn_n)
		return;
	atomic_store(&cs[me].msg_hits, 0u);
	hv_synic_msg_done(hv_synic_msg(MSG_SINT));
}

static bool slot_is(u32 cpu, u64 payload, bool pending)
{
	struct hv_message *m = &hv_synic_cpu(cpu)->msg_page->sint_message[MSG_SINT];

	return READ_ONCE(m->header.message_type) == MSG_TYPE && m->header.payload_size == 8 &&
	       !!(READ_ONCE(m->header.message_flags) & HV_MESSAGE_FLAG_PENDING) == pending &&
	       READ_ONCE(m->payload[0]) == payload;
}

/* Delivered: the slot holds the latest message, no msg_pending, one interrupt. */
static u32 count_msg_ok(void)
{
	u32 ok = 0;

	for (u32 c = 0; c < conn_n; c++)
		ok += slot_is(c, cs[c].payload, false) && cs[c].status == HV_STATUS_SUCCESS &&
		      atomic_load(&cs[c].msg_hits) == 1;
	return ok;
}

/* Busy: the slot holds the previous message with msg_pending set, no interrupt. */
static u32 count_msg_busy(void)
{
	u32 ok = 0;

	for (u32 c = 0; c < conn_n; c++)
		ok += slot_is(c, cs[c].payload - 1, true) && cs[c].status == HV_STATUS_SUCCESS &&
		      atomic_load(&cs[c].msg_hits) == 0;
	return ok;
}

static void do_evt(void *arg)
{
	u32 dst = conn_dst((u32)(uintptr_t)arg);

	if (smp_id() >= conn_n)
		return;
	atomic_store(&cs[dst].evt_hits, 0u);
	WRITE_ONCE(cs[dst].status, hv_signal_event(evt_conn(dst), 0));
}

static void clear_evt(void *arg)
{
	u32 me = smp_id();

	(void)arg;
	if (me >= conn_n)
		return;
	atomic_store(&cs[me].evt_hits, 0u);
	hv_synic_event_test_and_clear(EVT_SINT, evt_conn(me));
}

static u32 count_evt(u32 want_hits)
{
	u32 ok = 0;

	for (u32 c = 0; c < conn_n; c++) {
		u64 *w = &hv_synic_cpu(c)->evt_page->sintevent_flags[EVT_SINT].flags[0];
		u64 want = 1ull << (evt_conn(c) % 64);
		u64 word = READ_ONCE(w[evt_conn(c) / 64]);

		ok += word == want && cs[c].status == HV_STATUS_SUCCESS &&
		      atomic_load(&cs[c].evt_hits) == want_hits;
	}
	return ok;
}

/* kvm-unit-tests' run_test: every CPU at once, then time for the interrupts. */
static void run(void (*fn)(void *), u32 shift)
{
	cpu_job_run_all(fn, (void *)(uintptr_t)shift, JOB_MS);
	mdelay(SETTLE_MS);
}

static void conn_cleanup(void *arg)
{
	u32 me = smp_id();

	(void)arg;
	if (me >= conn_n)
		return;
	hv_testdev_ctl(HV_TEST_DEV_EVT_CONN_DESTROY, 0, 0, evt_conn(me));
	hv_testdev_ctl(HV_TEST_DEV_MSG_CONN_DESTROY, 0, 0, msg_conn(me));
	hv_synic_sint_mask(MSG_SINT);
	hv_synic_sint_mask(EVT_SINT);
}

static u16 st(u64 r)
{
	return hv_result_status(r);
}

/* The status codes of KVM + QEMU (CPU 0 is its own destination). */
static void test_status_codes(void)
{
	struct hv_cpu *c = hv_this_cpu();
	u8 *in = c->input;
	u64 payload = 7, *param = (u64 *)(in + 512);
	u64 big[31] = { 0 };
	u16 s;

	report(hv_post_message(0xabcdef, MSG_TYPE, &payload, 8) == HV_STATUS_INVALID_CONNECTION_ID,
	       "HvPostMessage to an unknown connection: INVALID_CONNECTION_ID");
	s = hv_post_message(msg_conn(0), MSG_TYPE, big, HV_MESSAGE_PAYLOAD_BYTE_COUNT + 1);
	report(s == HV_STATUS_INVALID_HYPERCALL_INPUT,
	       "HvPostMessage with a 241-byte payload: INVALID_HYPERCALL_INPUT (%#x)", s);
	s = st(hv_hypercall(HVCALL_POST_MESSAGE | HV_HYPERCALL_FAST_BIT, 0, 0));
	report(s == HV_STATUS_INVALID_HYPERCALL_CODE,
	       "HvPostMessage fast: INVALID_HYPERCALL_CODE, as QEMU (%#x)", s);
	s = st(hv_hypercall(HVCALL_POST_MESSAGE, hv_pa(in) + 4, 0));
	report(s == HV_STATUS_INVALID_ALIGNMENT, "HvPostMessage input not 8-aligned: %#x", s);
	s = st(hv_hypercall(HVCALL_POST_MESSAGE, hv_pa(in) + PAGE_SIZE - 8, 0));
	report(s == HV_STATUS_INVALID_ALIGNMENT, "HvPostMessage input across a page: %#x", s);
	s = st(hv_hypercall(HVCALL_POST_MESSAGE, NOT_RAM_GPA, 0));
	report(s == HV_STATUS_INSUFFICIENT_MEMORY,
	       "HvPostMessage input not in RAM: INSUFFICIENT_MEMORY, as QEMU (%#x)", s);
	s = st(hv_hypercall(hv_control(HVCALL_POST_MESSAGE, false, 0, 1, 0), hv_pa(in), 0));
	report(s == HV_STATUS_INVALID_HYPERCALL_INPUT, "HvPostMessage with a rep count: %#x", s);
	s = st(hv_hypercall(hv_control(HVCALL_POST_MESSAGE, false, 1, 0, 0), hv_pa(in), 0));
	report(s == HV_STATUS_INVALID_HYPERCALL_INPUT, "HvPostMessage with a variable header: %#x",
	       s);

	report(hv_signal_event(0x1234, 0) == HV_STATUS_INVALID_CONNECTION_ID,
	       "HvSignalEvent to an unknown connection: INVALID_CONNECTION_ID");
	report(hv_signal_event(evt_conn(0), 1) == HV_STATUS_INVALID_PORT_ID,
	       "HvSignalEvent with a flag number: INVALID_PORT_ID");
	s = st(hv_fast_hypercall8(HVCALL_SIGNAL_EVENT, evt_conn(0) | (1ull << 24)));
	report(s == HV_STATUS_INVALID_HYPERCALL_INPUT,
	       "HvSignalEvent with connection ID bit 24: INVALID_HYPERCALL_INPUT (%#x)", s);
	s = st(hv_fast_hypercall8(HVCALL_SIGNAL_EVENT, evt_conn(0) | (1ull << 63)));
	report(s == HV_STATUS_INVALID_HYPERCALL_INPUT,
	       "HvSignalEvent with bit 63: INVALID_HYPERCALL_INPUT (%#x)", s);
	s = st(hv_hypercall(hv_control(HVCALL_SIGNAL_EVENT, true, 0, 1, 0), evt_conn(0), 0));
	report(s == HV_STATUS_INVALID_HYPERCALL_INPUT, "HvSignalEvent with a rep count: %#x", s);
	*param = evt_conn(0);
	atomic_store(&cs[0].evt_hits, 0u);
	s = st(hv_hypercall(HVCALL_SIGNAL_EVENT, hv_pa(param), 0));
	mdelay(SETTLE_MS);
	report(s == HV_STATUS_SUCCESS && hv_synic_event_test_and_clear(EVT_SINT, evt_conn(0)) &&
		   atomic_load(&cs[0].evt_hits) == 1,
	       "HvSignalEvent with the parameter in memory: %#x, flag set, one interrupt", s);
	s = st(hv_hypercall(HVCALL_SIGNAL_EVENT, hv_pa(param) + 4, 0));
	report(s == HV_STATUS_INVALID_ALIGNMENT, "HvSignalEvent parameter not 8-aligned: %#x", s);
	s = st(hv_hypercall(HVCALL_SIGNAL_EVENT, NOT_RAM_GPA, 0));
	report(s == HV_STATUS_INVALID_ALIGNMENT,
	       "HvSignalEvent parameter not in RAM: INVALID_ALIGNMENT, as KVM (%#x)", s);
}

/* A SINT in polling mode, or masked, gets the message and no interrupt (CPU 0 to itself). */
static void test_no_interrupt(const char *what, u64 sint_value)
{
	u64 payload;
	u16 s;

	wrmsr(HV_X64_MSR_SINT0 + MSG_SINT, sint_value);
	hv_synic_msg_done(hv_synic_msg(MSG_SINT));
	atomic_store(&cs[0].msg_hits, 0u);
	payload = cs[0].payload = 0x5eed0000 + (sint_value & 0xffff);
	s = hv_post_message(msg_conn(0), MSG_TYPE, &payload, 8);
	mdelay(SETTLE_MS);
	report(s == HV_STATUS_SUCCESS && slot_is(0, payload, false) &&
		   atomic_load(&cs[0].msg_hits) == 0,
	       "%s SINT: the message is in the slot, no interrupt (status %#x, %u interrupts)",
	       what, s, atomic_load(&cs[0].msg_hits));
	hv_synic_msg_done(hv_synic_msg(MSG_SINT));
	hv_synic_sint_set(MSG_SINT, MSG_VEC, 0);
}

static void test_conn(void)
{
	u32 err = 0, ok, n;
	u64 extra;
	u16 s;

	conn_n = smp_nr_online() < CONN_CPUS ? smp_nr_online() : CONN_CPUS;
	n = conn_n;
	handle_irq(MSG_VEC, msg_isr);
	handle_irq(EVT_VEC, evt_isr);
	cpu_job_run_all(conn_prepare, &err, JOB_MS);
	report(!err, "%u CPUs: message and event connections created", n);

	run(do_msg, 0);
	ok = count_msg_ok();
	report(ok == n, "send message to self: %u/%u", ok, n);
	run(clear_msg, 0);
	run(do_msg, 1);
	ok = count_msg_ok();
	report(ok == n, "send message to another CPU: %u/%u", ok, n);
	run(do_msg, 1);
	ok = count_msg_busy();
	report(ok == n,
	       "send message to a busy slot: success, msg_pending set, no interrupt: %u/%u", ok, n);
	/* The connection's one message waits: the next post cannot be taken. */
	extra = 0xbad;
	s = hv_post_message(msg_conn(1 % n), MSG_TYPE, &extra, 8);
	report(s == HV_STATUS_INSUFFICIENT_BUFFERS,
	       "a post while the previous one waits: INSUFFICIENT_BUFFERS (%#x)", s);
	run(clear_msg, 0);
	ok = count_msg_ok();
	report(ok == n, "receive the pending message after EOM: %u/%u", ok, n);

	run(do_evt, 0);
	ok = count_evt(1);
	report(ok == n, "signal event on self: flag set, one interrupt: %u/%u", ok, n);
	run(clear_evt, 0);
	run(do_evt, 1);
	ok = count_evt(1);
	report(ok == n, "signal event on another CPU: %u/%u", ok, n);
	run(do_evt, 1);
	ok = count_evt(0);
	report(ok == n, "signal an event already set: success, no interrupt: %u/%u", ok, n);
	run(clear_evt, 0);

	test_status_codes();
	run(clear_msg, 0);
	test_no_interrupt("polling-mode", MSG_VEC | HV_SYNIC_SINT_POLLING);
	test_no_interrupt("masked", MSG_VEC | HV_SYNIC_SINT_MASKED);

	/* SCONTROL off: the test device sets no flag (QEMU's hyperv_set_event_flag). */
	wrmsr(HV_X64_MSR_SCONTROL, 0);
	atomic_store(&cs[0].evt_hits, 0u);
	s = hv_signal_event(evt_conn(0), 0);
	mdelay(SETTLE_MS);
	report(s == HV_STATUS_SUCCESS && !hv_synic_event_test_and_clear(EVT_SINT, evt_conn(0)) &&
		   !atomic_load(&cs[0].evt_hits),
	       "SCONTROL disabled: no event flag, no interrupt");
	wrmsr(HV_X64_MSR_SCONTROL, HV_SYNIC_CONTROL_ENABLE);
	cpu_job_run_all(conn_cleanup, NULL, JOB_MS);
}

void ap_main(void)
{
	cpu_job_loop();
}

int main(void)
{
	char mode[16] = "all";
	u32 rounds = (u32)cmdline_u64("rounds", 3), hold = (u32)cmdline_u64("hold", 0);
	bool all;
	int r;

	cmdline_get_str("mode", mode, sizeof(mode));
	all = !strcmp(mode, "all");
	cpu_job_init();
	r = hv_init();
	if (r || !hv_synic_available()) {
		report(false, "needs Hyper-V with the SynIC (hv_init %d)", r);
		return report_summary();
	}
	if (all || !strcmp(mode, "msr"))
		test_msr();
	r = hv_synic_init();
	report(!r, "SynIC enabled on %u CPUs (%d)", smp_nr_online(), r);
	if (all || !strcmp(mode, "sints"))
		test_sints(rounds);
	if (all || !strcmp(mode, "conn"))
		test_conn();
	r = report_summary();
	if (hold) {
		printf("HOLD %u s\n", hold);
		mdelay(hold * 1000ull);
	}
	return r;
}
