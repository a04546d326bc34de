/* SPDX-License-Identifier: MIT */
/*
 * The guest side of the SynIC and the synthetic timers (TLFS "Synthetic Interrupt
 * Controller", "Synthetic Timers"; what Linux's hv_synic_enable_regs, vmbus message
 * handling and hv_stimer do).
 *
 *   hv_synic_init()           the SynIC on every online CPU, and on each CPU that comes
 *                             online later: the CPU-online step "hv:synic", after
 *                             "hv:online" (needs cpu_hotplug_init(); without it, the CPUs
 *                             online now only)
 *   hv_synic_cpu_enable()     this CPU: SIMP and SIEFP pages (allocated once, kept across
 *                             offline), SCONTROL; _disable() masks the SINTs and turns off
 *                             SCONTROL, SIMP and SIEFP (the step's teardown)
 *   hv_synic_sint_set()       SINTx: vector, AutoEOI, polling
 *   hv_synic_msg()            this CPU's message slot of a SINT; hv_synic_msg_done() frees
 *                             the slot and writes EOM when the hypervisor said a message
 *                             waits (msg_pending), as Linux's vmbus_signal_eom()
 *   hv_synic_event_test_and_clear()   an event flag of this CPU's SIEFP slot
 *   hv_post_message(), hv_signal_event()   the hypercalls
 *   hv_stimer_*()             the timer MSRs; a clockevent per CPU on top of them
 *                             (hv_clockevent_register(): message or direct mode)
 * A SINT whose handler takes no EOI (AutoEOI) is installed with handle_irq_no_eoi().
 */
#ifndef GUEST_X86_SYNIC_H
#define GUEST_X86_SYNIC_H

#include "types.h"
#include "x86/hv.h"

/* --- SynIC ---------------------------------------------------------------------------- */

/* Per-CPU SynIC state (struct hv_cpu.synic). */
struct hv_synic_cpu {
	struct hv_message_page *msg_page;
	struct hv_synic_event_flags_page *evt_page;
	bool enabled;
};

/*
 * SynIC on every online CPU and on CPUs brought online later. 0, -ENODEV (no SynIC
 * privilege), -ENOMEM, -EIO (an MSR refused), -EBUSY.
 */
int hv_synic_init(void);
int hv_synic_cpu_enable(void);
int hv_synic_cpu_disable(void);
struct hv_synic_cpu *hv_synic_this_cpu(void);
struct hv_synic_cpu *hv_synic_cpu(u32 cpu);

static inline bool hv_synic_available(void)
{
	return hv_priv(HV_X64_MSR_SYNIC_AVAILABLE);
}

/* SINTx = vector | flags (HV_SYNIC_SINT_AUTO_EOI, HV_SYNIC_SINT_POLLING); -EIO on #GP. */
int hv_synic_sint_set(u32 sint, u8 vector, u64 flags);
int hv_synic_sint_mask(u32 sint);

/* This CPU's SynIC once hv_synic_cpu_enable() succeeded on it (no check). */
static inline struct hv_synic_cpu *hv_synic_here(void)
{
	return hv_this_cpu()->synic;
}

static inline struct hv_message *hv_synic_msg(u32 sint)
{
	return &hv_synic_here()->msg_page->sint_message[sint];
}

/* The slot is free again; EOM if another message waits for it. */
void hv_synic_msg_done(struct hv_message *m);
/* Clears flag of this CPU's SIEFP slot sint; true if it was set. */
bool hv_synic_event_test_and_clear(u32 sint, u32 flag);

/* HvPostMessage through this CPU's input page: the HV_STATUS. */
u16 hv_post_message(u32 conn_id, u32 type, const void *payload, u32 size);
/* HvSignalEvent (fast): the HV_STATUS. */
u16 hv_signal_event(u32 conn_id, u16 flag);

/* --- synthetic timers ---------------------------------------------------------------- */

static inline bool hv_stimer_available(void)
{
	return hv_priv(HV_X64_MSR_SYNTIMER_AVAILABLE);
}

static inline bool hv_stimer_direct_available(void)
{
	return hv_feature_edx(HV_STIMER_DIRECT_MODE_AVAILABLE);
}

/* A STIMERn_CONFIG value. */
static inline u64 hv_stimer_cfg(bool periodic, bool auto_enable, u32 sint)
{
	return HV_STIMER_ENABLE | (periodic ? HV_STIMER_PERIODIC : 0) |
	       (auto_enable ? HV_STIMER_AUTOENABLE : 0) | ((u64)sint << HV_STIMER_SINT_SHIFT);
}

static inline u64 hv_stimer_direct_cfg(bool periodic, u8 vector)
{
	return HV_STIMER_ENABLE | (periodic ? HV_STIMER_PERIODIC : 0) | HV_STIMER_DIRECT_MODE |
	       ((u64)vector << HV_STIMER_APIC_VECTOR_SHIFT);
}

/* The partition reference time (HV_X64_MSR_TIME_REF_COUNT), 100 ns units. */
u64 hv_ref_time(void);

/*
 * Starts timer n: COUNT then CONFIG, or with auto-enable CONFIG then COUNT (the order
 * kvm-unit-tests' hyperv_stimer uses). -EIO on #GP.
 */
int hv_stimer_start(u32 n, u64 config, u64 count);
/* CONFIG = 0. */
int hv_stimer_stop(u32 n);

/*
 * A per-CPU clockevent on synthetic timer `timer` (Linux's hv_stimer0): every online CPU,
 * and each one brought online later ("hv:stimer", after "hv:synic"), gets it. Message
 * mode: SINT `sint` with `vector` (AutoEOI if asked) and the handler runs for each
 * HVMSG_TIMER_EXPIRED of that timer; direct mode: the APIC `vector`, handler with NULL.
 * The handler runs in interrupt context on the CPU whose timer expired.
 */
struct hv_clockevent {
	u32 timer;
	bool direct;
	u8 vector;
	u32 sint;
	bool auto_eoi;
	void (*handler)(const struct hv_timer_message_payload *p);
};
int hv_clockevent_register(const struct hv_clockevent *ce);
/* This CPU's clockevent: one-shot in delta_100ns, periodic every period_100ns, or off. */
int hv_clockevent_oneshot(u64 delta_100ns);
int hv_clockevent_periodic(u64 period_100ns);
int hv_clockevent_shutdown(void);

#endif
