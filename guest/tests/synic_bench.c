// SPDX-License-Identifier: MIT
/*
 * synic_bench.elf: the SynIC figures of `make bench` (bench/45_synic.sh). Needs --hv all
 * (synic, stimer, time, frequencies) and, for test=post, --device hyperv-testdev.
 *
 *   test=period  a periodic 1 ms synthetic timer on CPU 0 (message mode, SINT with EOI)
 *                and then the in-kernel local APIC timer, periodic at 1 ms, in the same
 *                run: the interval between two handler entries, measured with the TSC;
 *                "BENCH stimer_period_error_ns" and "BENCH lapic_period_error_ns" give
 *                |interval - 1 ms| (median, p99) over n ticks each (default 2000)
 *   test=post    HvPostMessage to a hyperv-testdev connection that echoes the message
 *                back into this CPU's slot: from the call to the SINT handler having
 *                taken the message ("BENCH post_message_ns"), against the bare port exit
 *                ("BENCH port_exit_ns") and a self-IPI taken the same way ("BENCH
 *                self_ipi_ns": the interrupt's share), n samples each in alternating blocks
 *   test=idle    seconds=N: a 1 ms periodic timer on every CPU, which otherwise halts; the
 *                script measures hvemu's CPU time between "BENCH idle_start" and "BENCH
 *                idle_ticks" (printed when every CPU is done). timer=stimer (a
 *                synthetic timer on a SINT with EOI; auto_eoi=1: an AutoEOI SINT whose
 *                handler never EOIs), timer=lapic (the in-kernel local APIC timer,
 *                periodic), timer=none (halt only, one wake-up at the end). "BENCH idle_ticks"
 * gives the ticks taken, for the script to check the timers ran
 */
#include "libguest.h"
#include "x86/apic.h"
#include "x86/synic.h"
#include "testlib/hv_testdev.h"
#include "testlib/samples.h"
#include "testlib/tdev.h"
#include "testlib/tlbtest.h"

#define SINT	  2
#define SINT_VEC  0xd1
#define LAPIC_VEC 0xd5
#define ONE_MS	  10000ull
#define POST_CONN 0x44

static struct samples s;
static volatile u32 idx;
static volatile u64 last_tsc;
static u32 taken[MAX_CPUS];

/* One tick: the TSC interval since the previous one. */
static void tick(void)
{
	u64 now = rdtsc();

	if (last_tsc && idx < s.n)
		s.v[idx++] = now - last_tsc;
	last_tsc = now;
}

static void stimer_isr(struct ex_regs *r)
{
	(void)r;
	tick();
	hv_synic_msg_done(hv_synic_msg(SINT));
}

static void lapic_isr(struct ex_regs *r)
{
	(void)r;
	tick();
}

static void count_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&taken[smp_id()]);
	hv_synic_msg_done(hv_synic_msg(SINT));
}

static u32 self_ipis;

static void self_ipi_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&self_ipis);
}

/* Halts until *c moves past before (the interrupt taken). */
static void halt_until(u32 *c, u32 before)
{
	while (atomic_load(c) == before) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
}

/* |interval - 1 ms| in cycles, in place. */
static void to_error(struct samples *x)
{
	u64 want = tsc_ms_to_cycles(1);

	for (u32 i = 0; i < x->n; i++)
		x->v[i] = x->v[i] > want ? x->v[i] - want : want - x->v[i];
}

static void wait_ticks(void)
{
	u64 end = now_ns() + 60000000000ull;

	irq_disable();
	while (idx < s.n && now_ns() < end) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
}

static u64 apic_hz(void)
{
	u64 hz = 0;

	if (hv_priv(HV_X64_ACCESS_FREQUENCY_MSRS) && !rdmsr_safe(HV_X64_MSR_APIC_FREQUENCY, &hz) &&
	    hz)
		return hz;
	return 1000000000ull; /* KVM's APIC bus */
}

static void test_period(u32 n)
{
	s.n = n;
	s.v = alloc_bytes(n * sizeof(u64), 8);
	handle_irq(SINT_VEC, stimer_isr);
	handle_irq(LAPIC_VEC, lapic_isr);
	hv_synic_sint_set(SINT, SINT_VEC, 0);
	idx = 0;
	last_tsc = 0;
	hv_stimer_start(0, hv_stimer_cfg(true, false, SINT), ONE_MS);
	wait_ticks();
	hv_stimer_stop(0);
	to_error(&s);
	samples_report("stimer_period_error_ns", &s);

	idx = 0;
	last_tsc = 0;
	apic->write(APIC_TDCR, 0xb); /* divide by 1 */
	apic->write(APIC_LVTT, LAPIC_VEC | APIC_LVT_TIMER_PERIODIC);
	apic->write(APIC_TMICT, (u32)(apic_hz() / 1000));
	wait_ticks();
	apic->write(APIC_LVTT, APIC_LVT_MASKED);
	apic->write(APIC_TMICT, 0);
	to_error(&s);
	samples_report("lapic_period_error_ns", &s);
}

static void test_post(u32 n, u32 block)
{
	struct samples port = { alloc_bytes(n * sizeof(u64), 8), n };
	struct samples post = { alloc_bytes(n * sizeof(u64), 8), n };
	struct samples ipi = { alloc_bytes(n * sizeof(u64), 8), n };
	u64 payload = 0x1234;

	handle_irq(SINT_VEC, count_isr);
	handle_irq(LAPIC_VEC, self_ipi_isr);
	hv_synic_sint_set(SINT, SINT_VEC, 0);
	hv_testdev_ctl(HV_TEST_DEV_MSG_CONN_CREATE, this_cpu()->vp_index, SINT, POST_CONN);
	for (u32 o = 0; o < n; o += block) {
		for (u32 i = o; i < o + block && i < n; i++) {
			u64 t0 = rdtsc();

			tdev_echo(i);
			port.v[i] = rdtsc() - t0;
		}
		for (u32 i = o; i < o + block && i < n; i++) {
			u32 before = atomic_load(&taken[0]);
			u64 t0 = rdtsc();

			irq_disable();
			if (hv_post_message(POST_CONN, 0x55, &payload, 8) != HV_STATUS_SUCCESS)
				panic("HvPostMessage failed");
			/* Halt, not spin: emulated CPL0 code notices interrupts late. */
			halt_until(&taken[0], before);
			post.v[i] = rdtsc() - t0;
		}
		/* What the interrupt alone costs: a self-IPI taken the same way. */
		for (u32 i = o; i < o + block && i < n; i++) {
			u32 before = atomic_load(&self_ipis);
			u64 t0 = rdtsc();

			irq_disable();
			apic_send_ipi_self(LAPIC_VEC);
			halt_until(&self_ipis, before);
			ipi.v[i] = rdtsc() - t0;
		}
	}
	samples_report("port_exit_ns", &port);
	samples_report("post_message_ns", &post);
	samples_report("self_ipi_ns", &ipi);
	hv_testdev_ctl(HV_TEST_DEV_MSG_CONN_DESTROY, 0, 0, POST_CONN);
}

static u32 idle_seconds;
static bool idle_aeoi;
static char idle_timer[8] = "stimer";

static void lapic_tick_isr(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&taken[smp_id()]);
}

static void idle_job(void *arg)
{
	u64 end = now_ns() + idle_seconds * 1000000000ull;
	bool stimer = !strcmp(idle_timer, "stimer"), lapic = !strcmp(idle_timer, "lapic");

	(void)arg;
	if (stimer) {
		hv_synic_sint_set(SINT, SINT_VEC, idle_aeoi ? HV_SYNIC_SINT_AUTO_EOI : 0);
		hv_stimer_start(0, hv_stimer_cfg(true, false, SINT), ONE_MS);
	} else if (lapic) {
		apic->write(APIC_TDCR, 0xb); /* divide by 1 */
		apic->write(APIC_LVTT, LAPIC_VEC | APIC_LVT_TIMER_PERIODIC);
		apic->write(APIC_TMICT, (u32)(apic_hz() / 1000));
	} else {
		/* No timer: one wake-up at the end (divide by 128: up to minutes). */
		apic->write(APIC_TDCR, 0xa);
		apic->write(APIC_LVTT, LAPIC_VEC);
		apic->write(APIC_TMICT, (u32)(apic_hz() / 128 * idle_seconds + 1));
	}
	irq_disable();
	while (now_ns() < end) {
		safe_halt();
		irq_disable();
	}
	if (stimer)
		hv_stimer_stop(0);
	if (!stimer) {
		apic->write(APIC_LVTT, APIC_LVT_MASKED);
		apic->write(APIC_TMICT, 0);
	}
	irq_enable();
}

static void test_idle(void)
{
	u32 total = 0, cpu;

	idle_seconds = (u32)cmdline_u64("seconds", 10);
	idle_aeoi = cmdline_u64("auto_eoi", 0);
	cmdline_get_str("timer", idle_timer, sizeof(idle_timer));
	if (idle_aeoi)
		handle_irq_no_eoi(SINT_VEC, count_isr);
	else
		handle_irq(SINT_VEC, count_isr);
	handle_irq(LAPIC_VEC, lapic_tick_isr);
	printf("BENCH idle_start\n");
	cpu_job_run_all(idle_job, NULL, (idle_seconds + 60) * 1000ull);
	for_each_cpu (cpu, &cpu_online_mask)
		total += atomic_load(&taken[cpu]);
	printf("BENCH idle_ticks value=%u cpus=%u seconds=%u timer=%s\n", total, smp_nr_online(),
	       idle_seconds, idle_timer);
	mdelay(500); /* the script reads hvemu's CPU time before it exits */
}

void ap_main(void)
{
	cpu_job_loop();
}

int main(void)
{
	char test[16] = "period";
	u32 n = (u32)cmdline_u64("n", 2000);
	int r;

	cmdline_get_str("test", test, sizeof(test));
	cpu_job_init();
	r = hv_init();
	if (!r)
		r = hv_synic_init();
	if (r || !hv_stimer_available()) {
		printf("synic_bench: needs --hv with synic and stimer (%d)\n", r);
		return 1;
	}
	if (!strcmp(test, "period")) {
		test_period(n);
	} else if (!strcmp(test, "post")) {
		test_post(n, (u32)cmdline_u64("block", 100));
	} else if (!strcmp(test, "idle")) {
		test_idle();
	} else {
		printf("synic_bench: unknown test '%s'\n", test);
		return 1;
	}
	return 0;
}
