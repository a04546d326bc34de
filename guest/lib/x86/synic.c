// SPDX-License-Identifier: MIT
/* The SynIC and synthetic timers, guest side (synic.h). */
#include "x86/synic.h"
#include "x86/apic.h"
#include "x86/cpu_hotplug.h"
#include "x86/desc.h"
#include "x86/fault.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "alloc.h"
#include "atomic.h"
#include "string.h"

struct hv_synic_cpu *hv_synic_cpu(u32 cpu)
{
	struct percpu *pc = per_cpu(cpu);
	struct hv_cpu *c = pc ? pc->hv : NULL;

	return c ? c->synic : NULL;
}

struct hv_synic_cpu *hv_synic_this_cpu(void)
{
	struct hv_cpu *c = hv_this_cpu();

	return c ? c->synic : NULL;
}

int hv_synic_cpu_enable(void)
{
	struct hv_cpu *c = hv_this_cpu();
	struct hv_synic_cpu *s;
	u64 simp, siefp;

	if (!c || !hv_synic_available())
		return -ENODEV;
	s = c->synic;
	if (!s) {
		s = alloc_bytes(sizeof(*s), 8);
		if (!s)
			return -ENOMEM;
		c->synic = s;
	}
	/* Kept across offline, as Linux keeps hv_context's synic pages. */
	if (!s->msg_page)
		s->msg_page = alloc_page();
	if (!s->evt_page)
		s->evt_page = alloc_page();
	if (!s->msg_page || !s->evt_page)
		return -ENOMEM;
	simp = hv_pa(s->msg_page) | HV_SYNIC_SIMP_ENABLE;
	siefp = hv_pa(s->evt_page) | HV_SYNIC_SIEFP_ENABLE;
	if (wrmsr_safe(HV_X64_MSR_SIMP, simp) || wrmsr_safe(HV_X64_MSR_SIEFP, siefp) ||
	    wrmsr_safe(HV_X64_MSR_SCONTROL, HV_SYNIC_CONTROL_ENABLE))
		return -EIO;
	WRITE_ONCE(s->enabled, true);
	return 0;
}

int hv_synic_cpu_disable(void)
{
	struct hv_synic_cpu *s = hv_synic_this_cpu();
	int r = 0;

	if (!s || !s->enabled)
		return 0;
	for (u32 i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		r |= hv_synic_sint_mask(i);
	if (wrmsr_safe(HV_X64_MSR_SCONTROL, 0) || wrmsr_safe(HV_X64_MSR_SIMP, 0) ||
	    wrmsr_safe(HV_X64_MSR_SIEFP, 0))
		r = -EIO;
	WRITE_ONCE(s->enabled, false);
	return r ? -EIO : 0;
}

int hv_synic_sint_set(u32 sint, u8 vector, u64 flags)
{
	return wrmsr_safe(HV_X64_MSR_SINT0 + sint, vector | flags) ? -EIO : 0;
}

int hv_synic_sint_mask(u32 sint)
{
	return wrmsr_safe(HV_X64_MSR_SINT0 + sint, HV_SYNIC_SINT_MASKED) ? -EIO : 0;
}

void hv_synic_msg_done(struct hv_message *m)
{
	WRITE_ONCE(m->header.message_type, HVMSG_NONE);
	/* The hypervisor sets msg_pending, then looks at the type again: a full barrier. */
	smp_mb();
	if (READ_ONCE(m->header.message_flags) & HV_MESSAGE_FLAG_PENDING)
		wrmsr(HV_X64_MSR_EOM, 0);
}

bool hv_synic_event_test_and_clear(u32 sint, u32 flag)
{
	struct hv_synic_cpu *s = hv_synic_here();
	u64 *w = &s->evt_page->sintevent_flags[sint].flags[flag / 64];
	u64 bit = 1ull << (flag % 64);

	return __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST) & bit;
}

u16 hv_post_message(u32 conn_id, u32 type, const void *payload, u32 size)
{
	struct hv_cpu *c = hv_this_cpu();
	struct hv_input_post_message *in = c->input;
	u64 flags = irq_save(); /* the input page is this CPU's */
	u64 r;

	in->connection_id = conn_id;
	in->reserved = 0;
	in->message_type = type;
	in->payload_size = size;
	memcpy(in->payload, payload, size < sizeof(in->payload) ? size : sizeof(in->payload));
	r = hv_hypercall(HVCALL_POST_MESSAGE, hv_pa(in), 0);
	irq_restore(flags);
	return hv_result_status(r);
}

u16 hv_signal_event(u32 conn_id, u16 flag)
{
	return hv_result_status(hv_fast_hypercall8(
	    HVCALL_SIGNAL_EVENT, conn_id | ((u64)flag << HV_SIGNAL_EVENT_FLAG_SHIFT)));
}

/* --- the CPU-online step --------------------------------------------------------------- */

static int synic_startup(unsigned int cpu, void *ctx)
{
	(void)cpu;
	(void)ctx;
	return hv_synic_cpu_enable();
}

static int synic_teardown(unsigned int cpu, void *ctx)
{
	(void)cpu;
	(void)ctx;
	return hv_synic_cpu_disable();
}

static void enable_fn(void *arg)
{
	int *err = arg;
	int r = hv_synic_cpu_enable();

	if (r)
		WRITE_ONCE(*err, r);
}

static const char *const after_hv[] = { "hv:online", NULL };
static const char *const after_synic[] = { "hv:synic", NULL };

/* Adds an AP step, or, without the hotplug machine, runs its startup on the CPUs online now. */
static int add_cpu_step(const struct cpuhp_step_desc *d, void (*fn)(void *), int *err)
{
	int r = cpu_hotplug_add_step(d, true);

	if (r == -EINVAL && !cpu_hotplug_machine_ready()) {
		on_all_cpus(fn, err);
		return *err;
	}
	return r < 0 ? r : 0;
}

int hv_synic_init(void)
{
	static const struct cpuhp_step_desc d = {
		.name = "hv:synic",
		.startup = synic_startup,
		.teardown = synic_teardown,
		.after = after_hv,
	};
	int err = 0;

	if (!hv_info.present || !hv_synic_available())
		return -ENODEV;
	return add_cpu_step(&d, enable_fn, &err);
}

/* --- synthetic timers ------------------------------------------------------------------ */

u64 hv_ref_time(void)
{
	return rdmsr(HV_X64_MSR_TIME_REF_COUNT);
}

int hv_stimer_start(u32 n, u64 config, u64 count)
{
	if (config & HV_STIMER_AUTOENABLE) {
		if (wrmsr_safe(HV_STIMER_CONFIG(n), config) ||
		    wrmsr_safe(HV_STIMER_COUNT(n), count))
			return -EIO;
		return 0;
	}
	if (wrmsr_safe(HV_STIMER_COUNT(n), count) || wrmsr_safe(HV_STIMER_CONFIG(n), config))
		return -EIO;
	return 0;
}

int hv_stimer_stop(u32 n)
{
	return wrmsr_safe(HV_STIMER_CONFIG(n), 0) ? -EIO : 0;
}

static struct hv_clockevent clockevent;

/* Message mode: the SINT's interrupt; every timer message of our timer in its slot. */
static void clockevent_msg_isr(struct ex_regs *r)
{
	struct hv_message *m = hv_synic_msg(clockevent.sint);
	const struct hv_timer_message_payload *p = (const void *)m->payload;

	(void)r;
	if (READ_ONCE(m->header.message_type) == HVMSG_TIMER_EXPIRED &&
	    p->timer_index == clockevent.timer) {
		struct hv_timer_message_payload copy = *p;

		hv_synic_msg_done(m);
		clockevent.handler(&copy);
	}
}

static void clockevent_direct_isr(struct ex_regs *r)
{
	(void)r;
	clockevent.handler(NULL);
}

static int stimer_startup(unsigned int cpu, void *ctx)
{
	(void)cpu;
	(void)ctx;
	if (clockevent.direct)
		return 0;
	return hv_synic_sint_set(clockevent.sint, clockevent.vector,
				 clockevent.auto_eoi ? HV_SYNIC_SINT_AUTO_EOI : 0);
}

static int stimer_teardown(unsigned int cpu, void *ctx)
{
	(void)cpu;
	(void)ctx;
	return hv_stimer_stop(clockevent.timer);
}

static void stimer_fn(void *arg)
{
	int *err = arg;
	int r = stimer_startup(0, NULL);

	if (r)
		WRITE_ONCE(*err, r);
}

int hv_clockevent_register(const struct hv_clockevent *ce)
{
	static const struct cpuhp_step_desc d = {
		.name = "hv:stimer",
		.startup = stimer_startup,
		.teardown = stimer_teardown,
		.after = after_synic,
	};
	int err = 0;

	if (!hv_stimer_available() || ce->timer >= HV_SYNIC_STIMER_COUNT || !ce->handler ||
	    (ce->direct && !hv_stimer_direct_available()))
		return -ENODEV;
	clockevent = *ce;
	if (ce->direct)
		handle_irq(ce->vector, clockevent_direct_isr);
	else if (ce->auto_eoi)
		handle_irq_no_eoi(ce->vector, clockevent_msg_isr);
	else
		handle_irq(ce->vector, clockevent_msg_isr);
	return add_cpu_step(&d, stimer_fn, &err);
}

static u64 clockevent_cfg(bool periodic)
{
	return clockevent.direct ? hv_stimer_direct_cfg(periodic, clockevent.vector)
				 : hv_stimer_cfg(periodic, false, clockevent.sint);
}

int hv_clockevent_oneshot(u64 delta_100ns)
{
	return hv_stimer_start(clockevent.timer, clockevent_cfg(false),
			       hv_ref_time() + delta_100ns);
}

int hv_clockevent_periodic(u64 period_100ns)
{
	return hv_stimer_start(clockevent.timer, clockevent_cfg(true), period_100ns);
}

int hv_clockevent_shutdown(void)
{
	return hv_stimer_stop(clockevent.timer);
}
