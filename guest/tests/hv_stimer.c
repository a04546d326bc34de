// SPDX-License-Identifier: MIT
/*
 * hv_stimer.elf: synthetic timers (TLFS "Synthetic Timers") with KVM's semantics, after
 * kvm-unit-tests' hyperv_stimer in spirit (own code). Needs --hv synic,stimer (+ time,
 * vpindex); direct mode needs stimer-direct.
 *
 *   mode=kut     (default) every CPU at once: two periodic 1 ms timers (timer 0 on SINT 2
 *                with EOI, timer 1 on SINT 3 with AutoEOI and a handler that never EOIs)
 *                until both fired 1000 times; a one-shot; an auto-enabled one-shot; an
 *                auto-enabled periodic (1000 ticks); a one-shot whose message slot is busy:
 *                it must not fire until the slot is freed and EOM written. Every message is
 *                checked (type, size, index, expiration <= delivery <= now) and periodic
 *                expiration times must stay on the 1 ms grid (a tick the guest is too slow
 *                for is skipped, as KVM does; where CPL0 is emulated that happens).
 *   direct=1     the same with direct-mode timers (APIC vectors, no messages, no busy test)
 *   mode=period  seconds=N: a 1 ms periodic timer on every CPU (AutoEOI SINT whose handler
 *                never EOIs, or direct=1), CPUs idle in HLT: every expiration on the grid,
 *                no CPU without a tick for 2 s, from the start to the stop (no stall,
 *                which a stuck AutoEOI vector would cause; a loaded host only delays).
 *                It prints the ticks the guest saw and the grid points it did not see
 *                (skipped: a tick that found the slot still busy, or a late one; KVM's
 *                lazy policy), and the grid points after the last tick seen until the
 *                timer stopped (trailing): the e2e test checks that hvemu counted every
 *                skipped tick as missed and at most the trailing ones more, so no
 *                expiration vanished.
 * Options: hold=S (stay up S seconds after the summary, for the control socket).
 */
#include "libguest.h"
#include "x86/synic.h"
#include "testlib/tlbtest.h"

#define SINT1	    2
#define SINT2	    3
#define SINT1_VEC   0xd1 /* EOI */
#define SINT2_VEC   0xd2 /* AutoEOI */
#define APIC_VEC1   0xd3
#define APIC_VEC2   0xd4
#define ONE_MS	    10000ull /* in 100 ns units */
#define TICKS	    1000
#define WAIT_MS	    20000
#define STALL_100NS (2000 * ONE_MS) /* a 2 s gap: interrupts stopped, not host load */
#define JOB_MS	    120000

struct tmr {
	u32 fires;
	u32 bad;  /* malformed messages */
	u32 lost; /* grid points skipped between two expirations of a periodic timer */
	u64 period;
	u64 first_exp;
	u64 last_exp;
	u64 max_gap;  /* largest interval between two expirations (100 ns) */
	u64 trailing; /* grid points after the last expiration seen, until the timer stopped */
};

struct scpu {
	struct tmr t[HV_SYNIC_STIMER_COUNT];
	u32 result[8]; /* per subtest: 1 pass, 2 fail */
	char why[8][64];
} __aligned(64);

static struct scpu sc[MAX_CPUS];
static bool direct;

static void account(struct tmr *t, u64 exp, u64 now)
{
	if (t->period && t->last_exp) {
		u64 gap = exp - t->last_exp;

		/*
		 * Periodic expirations stay on the grid of the period; a tick the guest was too
		 * late to take is skipped (KVM's lazy policy), which hvemu counts as missed.
		 */
		if (!gap || gap % t->period)
			atomic_inc(&t->bad);
		else
			t->lost += (u32)(gap / t->period - 1);
		if (gap > t->max_gap)
			t->max_gap = gap;
	}
	if (!t->first_exp)
		t->first_exp = exp;
	t->last_exp = exp;
	(void)now;
	atomic_inc(&t->fires);
}

static void process_slot(struct scpu *c, u32 sint)
{
	struct hv_message *m = hv_synic_msg(sint);
	const struct hv_timer_message_payload *p = (const void *)m->payload;
	u32 type = READ_ONCE(m->header.message_type);
	u64 now;

	if (type == HVMSG_NONE)
		return;
	now = hv_ref_time();
	if (type != HVMSG_TIMER_EXPIRED || m->header.payload_size != sizeof(*p) ||
	    p->timer_index >= HV_SYNIC_STIMER_COUNT || p->expiration_time > p->delivery_time ||
	    p->delivery_time > now) {
		atomic_inc(&c->t[0].bad);
	} else {
		account(&c->t[p->timer_index], p->expiration_time, now);
	}
	hv_synic_msg_done(m);
}

static void msg_isr(struct ex_regs *r)
{
	struct scpu *c = &sc[smp_id()];

	(void)r;
	process_slot(c, SINT1);
	process_slot(c, SINT2);
}

static void direct_isr(struct ex_regs *r)
{
	struct scpu *c = &sc[smp_id()];
	struct tmr *t = &c->t[r->vector == APIC_VEC1 ? 0 : 1];

	if (t->period) {
		/* Direct mode has no message: the grid is checked with the reference time. */
		u64 now = hv_ref_time();

		if (t->last_exp && now - t->last_exp > t->max_gap)
			t->max_gap = now - t->last_exp;
		if (!t->first_exp)
			t->first_exp = now;
		t->last_exp = now;
	}
	atomic_inc(&t->fires);
}

static u64 cfg(u32 n, bool periodic, bool auto_enable)
{
	u32 sint = n == 0 ? SINT1 : SINT2;

	if (direct)
		return hv_stimer_direct_cfg(periodic, n == 0 ? APIC_VEC1 : APIC_VEC2) |
		       (auto_enable ? HV_STIMER_AUTOENABLE : 0);
	return hv_stimer_cfg(periodic, auto_enable, sint);
}

static void reset(struct tmr *t, u64 period)
{
	atomic_store(&t->fires, 0u);
	t->bad = t->lost = 0;
	t->period = period;
	t->first_exp = 0;
	t->last_exp = 0;
	t->max_gap = 0;
}

/*
 * Halts until the timer fired n times. The check runs with interrupts off and sti; hlt
 * reopens them atomically: an expiration taken between the check and the halt would
 * otherwise leave the CPU halted with nothing left to wake it (a one-shot fires once).
 */
static bool wait_fires(struct tmr *t, u32 n, u64 ms)
{
	u64 end = now_ns() + ms * 1000000ull;
	bool ok = true;

	irq_disable();
	while (atomic_load(&t->fires) < n) {
		if (now_ns() > end) {
			ok = false;
			break;
		}
		safe_halt(); /* a timer interrupt wakes us */
		irq_disable();
	}
	irq_enable();
	return ok;
}

static void result(struct scpu *c, u32 i, bool ok, const char *fmt, ...) __printf(4, 5);
static void result(struct scpu *c, u32 i, bool ok, const char *fmt, ...)
{
	va_list ap;

	c->result[i] = ok ? 1 : 2;
	va_start(ap, fmt);
	vsnprintf(c->why[i], sizeof(c->why[i]), fmt, ap);
	va_end(ap);
}

static void prepare(void *arg)
{
	u32 *err = arg;

	if (direct)
		return;
	if (hv_synic_sint_set(SINT1, SINT1_VEC, 0) ||
	    hv_synic_sint_set(SINT2, SINT2_VEC, HV_SYNIC_SINT_AUTO_EOI))
		atomic_inc(err);
}

static void kut_job(void *arg)
{
	struct scpu *c = &sc[smp_id()];
	struct tmr *t0 = &c->t[0], *t1 = &c->t[1];
	bool ok;

	(void)arg;
	irq_enable();
	/* Periodic: two timers, 1 ms, 1000 ticks each. */
	reset(t0, ONE_MS);
	reset(t1, ONE_MS);
	hv_stimer_start(0, cfg(0, true, false), ONE_MS);
	hv_stimer_start(1, cfg(1, true, false), ONE_MS);
	ok = wait_fires(t0, TICKS, WAIT_MS) && wait_fires(t1, TICKS, WAIT_MS);
	hv_stimer_stop(0);
	hv_stimer_stop(1);
	result(c, 0, ok && !t0->bad && !t1->bad, "%u+%u ticks, %u bad, %u skipped",
	       atomic_load(&t0->fires), atomic_load(&t1->fires), t0->bad + t1->bad,
	       t0->lost + t1->lost);

	reset(t0, 0);
	hv_stimer_start(0, cfg(0, false, false), hv_ref_time() + ONE_MS);
	ok = wait_fires(t0, 1, WAIT_MS);
	mdelay(5);
	result(c, 1, ok && atomic_load(&t0->fires) == 1 && !(rdmsr(HV_STIMER_CONFIG(0)) & 1),
	       "%u fires, enable %lu", atomic_load(&t0->fires),
	       (unsigned long)(rdmsr(HV_STIMER_CONFIG(0)) & 1));
	hv_stimer_stop(0);

	reset(t1, 0);
	hv_stimer_start(1, cfg(1, false, true), hv_ref_time() + ONE_MS);
	ok = wait_fires(t1, 1, WAIT_MS);
	result(c, 2, ok, "%u fires", atomic_load(&t1->fires));
	hv_stimer_stop(1);

	reset(t0, ONE_MS);
	hv_stimer_start(0, cfg(0, true, true), ONE_MS);
	ok = wait_fires(t0, TICKS, WAIT_MS);
	hv_stimer_stop(0);
	result(c, 3, ok && !t0->bad, "%u ticks, %u bad, %u skipped", atomic_load(&t0->fires),
	       t0->bad, t0->lost);

	if (!direct) {
		struct hv_message *m = hv_synic_msg(SINT1);
		u64 end;

		/* A one-shot behind a busy slot: msg_pending, no fire until EOM. */
		reset(t0, 0);
		WRITE_ONCE(m->header.message_type, HVMSG_TIMER_EXPIRED);
		hv_stimer_start(0, cfg(0, false, false), hv_ref_time() + ONE_MS);
		end = now_ns() + 5000000000ull;
		while (!(READ_ONCE(m->header.message_flags) & HV_MESSAGE_FLAG_PENDING) &&
		       now_ns() < end)
			cpu_relax();
		ok = READ_ONCE(m->header.message_flags) & HV_MESSAGE_FLAG_PENDING;
		mdelay(5);
		ok = ok && !atomic_load(&t0->fires);
		WRITE_ONCE(m->header.message_type, HVMSG_NONE);
		smp_mb();
		wrmsr(HV_X64_MSR_EOM, 0);
		ok = wait_fires(t0, 1, WAIT_MS) && ok;
		hv_stimer_stop(0);
		result(c, 4, ok, "%u fires after EOM", atomic_load(&t0->fires));
	}
}

static const char *const kut_names[] = {
	"periodic timers, 1 ms, 1000 ticks each, on the period's grid",
	"one-shot timer",
	"auto-enable one-shot timer",
	"auto-enable periodic timer, 1000 ticks",
	"one-shot behind a busy slot fires only after EOM",
};

static void test_kut(void)
{
	u32 err = 0, cpu, nsub = direct ? 4 : 5;
	bool done;

	cpu_job_run_all(prepare, &err, JOB_MS);
	report(!err, "%u CPUs: SINT %u (vector %#x, EOI) and SINT %u (vector %#x, AutoEOI)%s",
	       smp_nr_online(), SINT1, SINT1_VEC, SINT2, SINT2_VEC, direct ? " unused" : "");
	done = cpu_job_run_all(kut_job, NULL, JOB_MS);
	report(done, "every CPU finished");
	for (u32 i = 0; i < nsub; i++) {
		for_each_cpu (cpu, &cpu_online_mask)
			report(sc[cpu].result[i] == 1, "%s%s: CPU %u: %s", direct ? "direct " : "",
			       kut_names[i], cpu, sc[cpu].why[i]);
	}
}

/* mode=period */
static u32 period_seconds;

static void period_job(void *arg)
{
	struct scpu *c = &sc[smp_id()];
	struct tmr *t = &c->t[0];
	u64 end, start, stop, last;

	(void)arg;
	reset(t, ONE_MS);
	if (!direct)
		hv_synic_sint_set(SINT2, SINT2_VEC, HV_SYNIC_SINT_AUTO_EOI);
	start = hv_ref_time(); /* before the start: the first expiration comes after it */
	/* Timer 0 on the AutoEOI SINT (or direct). */
	hv_stimer_start(
	    0, direct ? hv_stimer_direct_cfg(true, APIC_VEC1) : hv_stimer_cfg(true, false, SINT2),
	    ONE_MS);
	end = now_ns() + period_seconds * 1000000000ull;
	irq_disable();
	while (now_ns() < end) {
		safe_halt();
		irq_disable();
	}
	stop = hv_ref_time();
	hv_stimer_stop(0);
	/* Ticks due after the last one seen, up to the stop: hvemu may have dropped them. */
	t->trailing = t->last_exp ? (stop - t->last_exp) / ONE_MS + 1 : 0;
	/* A stall includes the time before the first tick and after the last. */
	last = t->last_exp ? t->last_exp : start;
	if (stop > last && stop - last > t->max_gap)
		t->max_gap = stop - last;
	if (t->first_exp > start && t->first_exp - start > t->max_gap)
		t->max_gap = t->first_exp - start;
	irq_enable();
}

static void test_period(void)
{
	u64 ticks = 0, lost = 0, bad = 0, max_gap = 0, want, trailing = 0;
	u32 cpu, n = smp_nr_online();

	cpu_job_run_all(period_job, NULL, (period_seconds + 60) * 1000ull);
	for_each_cpu (cpu, &cpu_online_mask) {
		struct tmr *t = &sc[cpu].t[0];

		ticks += atomic_load(&t->fires);
		lost += t->lost;
		bad += t->bad;
		trailing += t->trailing;
		if (t->max_gap > max_gap)
			max_gap = t->max_gap;
	}
	want = (u64)n * period_seconds * 1000;
	report_info("%u CPUs, %u s: %lu ticks of %lu due, %lu lost, largest gap %lu us", n,
		    period_seconds, (unsigned long)ticks, (unsigned long)want, (unsigned long)lost,
		    (unsigned long)(max_gap / 10));
	/* The e2e test compares "skipped" with hvemu's stimer_missed_ticks: none may vanish. */
	printf("STIMER-PERIOD ticks=%lu skipped=%lu trailing=%lu bad=%lu\n", (unsigned long)ticks,
	       (unsigned long)lost, (unsigned long)trailing, (unsigned long)bad);
	report(!bad,
	       "1 ms periodic timer on every CPU: every expiration on the period's grid "
	       "(%lu off the grid)",
	       (unsigned long)bad);
	report(max_gap < STALL_100NS, "no stall: no CPU without a tick for %lu ms (largest gap)",
	       (unsigned long)(max_gap / ONE_MS));
}

void ap_main(void)
{
	cpu_job_loop();
}

int main(void)
{
	char mode[16] = "kut";
	u32 hold = (u32)cmdline_u64("hold", 0);
	int r;

	cmdline_get_str("mode", mode, sizeof(mode));
	direct = cmdline_u64("direct", 0);
	period_seconds = (u32)cmdline_u64("seconds", 10);
	cpu_job_init();
	r = hv_init();
	if (r || !hv_synic_available() || !hv_stimer_available() ||
	    !hv_priv(HV_X64_MSR_TIME_REF_COUNT_AVAILABLE) ||
	    (direct && !hv_stimer_direct_available())) {
		report(false, "needs Hyper-V with SynIC, timers%s and the reference counter (%d)",
		       direct ? " in direct mode" : "", r);
		return report_summary();
	}
	r = hv_synic_init();
	report(!r, "SynIC enabled on %u CPUs (%d)", smp_nr_online(), r);
	handle_irq(SINT1_VEC, msg_isr);
	handle_irq_no_eoi(SINT2_VEC, msg_isr);
	handle_irq(APIC_VEC1, direct_isr);
	handle_irq(APIC_VEC2, direct_isr);
	if (!strcmp(mode, "period"))
		test_period();
	else
		test_kut();
	r = report_summary();
	if (hold) {
		printf("HOLD %u s\n", hold);
		mdelay(hold * 1000ull);
	}
	return r;
}
