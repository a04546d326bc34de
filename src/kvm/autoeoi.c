// SPDX-License-Identifier: MIT
/*
 * AutoEOI interrupts (TLFS "SINTx Registers", AutoEOI bit) with an in-kernel local APIC.
 *
 * A SINT with AutoEOI set must not need an EOI. KVM does this inside its local APIC: when
 * it accepts such a vector it clears the IRR bit and sets no ISR bit (kvm_get_apic_interrupt
 * with the SynIC's auto_eoi_bitmap). From user space the APIC cannot be told: an interrupt
 * sent with KVM_SIGNAL_MSI sets an ISR bit that only the guest's EOI clears, and that EOI
 * never exits (xAPIC MMIO and x2APIC MSRs are both handled in the kernel).
 *
 * So hvemu never gives an AutoEOI vector to the local APIC. It keeps the vector pending
 * here (a 256-bit set, like an IRR) and injects it itself, on the vCPU's own thread while
 * the vCPU is outside KVM_RUN, as an event KVM delivers on the next entry
 * (kvm_vcpu_events.interrupt.injected, written through the sync-regs area). An injected
 * event goes through the IDT without touching IRR or ISR: exactly the AutoEOI semantics.
 * It is injected only when the guest would accept it from an APIC at that moment:
 *   - the vCPU is RUNNABLE or HALTED (a halted one is made RUNNABLE: the interrupt wakes
 *     it, as it would from HLT);
 *   - RFLAGS.IF = 1, no interrupt shadow, no event already being injected;
 *   - the vector's priority class is above the PPR (from KVM_GET_LAPIC: TPR and the highest
 *     ISR bit, which cannot change while the vCPU is outside KVM_RUN);
 *   - no higher vector is pending in the local APIC's IRR (it would be taken first).
 * Otherwise it stays pending and is retried on a timer with a backoff from 20 us to 1 ms
 * (each retry is a kick: the conditions change only inside the guest), or at the next exit
 * of a vCPU that halted with interrupts disabled (only INIT or NMI can wake it). Nothing is
 * lost (the bit stays set until injected), nothing waits longer than 1 ms after the guest
 * could take it, and priorities are those of the APIC. docs/synic.md has the argument and
 * the measured cost; the probe that chose this design is described there too.
 */
#include <errno.h>
#include <string.h>

#include "kvm/vm_internal.h"
#include "util/log.h"
#include "util/time.h"

#define AEOI_RETRY_MIN_NS (20 * NSEC_PER_USEC)
#define AEOI_RETRY_MAX_NS (1 * NSEC_PER_MSEC)
#define X86_EFLAGS_IF	  (1ull << 9)
#define APIC_TPR	  0x80
#define APIC_ISR	  0x100
#define APIC_IRR	  0x200

static int highest_pending(struct vcpu *v)
{
	for (int w = 3; w >= 0; w--) {
		uint64_t bits = atomic_load(&v->aeoi.pending[w]);

		if (bits)
			return w * 64 + 63 - __builtin_clzll(bits);
	}
	return -1;
}

bool vcpu_aeoi_pending(struct vcpu *v)
{
	return highest_pending(v) >= 0;
}

uint32_t vcpu_aeoi_count(struct vcpu *v)
{
	uint32_t n = 0;

	for (int w = 0; w < 4; w++)
		n += (uint32_t)__builtin_popcountll(atomic_load(&v->aeoi.pending[w]));
	return n;
}

/* The highest vector set in an APIC register bank (ISR or IRR), or -1. */
static int apic_highest(const struct kvm_lapic_state *l, unsigned reg)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w;

		memcpy(&w, l->regs + reg + i * 16, sizeof(w));
		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* Intel SDM "Processor Priority Register": max(TPR class, highest in-service class). */
static unsigned apic_ppr_class(const struct kvm_lapic_state *l)
{
	uint32_t tpr;
	int isr = apic_highest(l, APIC_ISR);
	unsigned c;

	memcpy(&tpr, l->regs + APIC_TPR, sizeof(tpr));
	c = (tpr >> 4) & 0xF;
	if (isr >= 0 && (unsigned)(isr >> 4) > c)
		c = (unsigned)isr >> 4;
	return c;
}

static void aeoi_retry_fire(struct tsvc_timer *t, uint32_t seq)
{
	struct vcpu *v = t->arg;

	(void)seq;
	stat_inc(&v->stats.aeoi_retry_kicks);
	vcpu_request(v, VCPU_REQ_AEOI);
}

void vcpu_aeoi_init(struct vcpu *v)
{
	tsvc_timer_init(&v->aeoi.retry, aeoi_retry_fire, v);
	vcpu_aeoi_reset(v);
}

void vcpu_aeoi_reset(struct vcpu *v)
{
	if (v->vm->timers)
		tsvc_cancel(v->vm->timers, &v->aeoi.retry);
	for (int i = 0; i < 4; i++)
		atomic_store(&v->aeoi.pending[i], 0);
	v->aeoi.backoff_ns = AEOI_RETRY_MIN_NS;
	v->aeoi.wait_exit = false;
}

static void retry_later(struct vcpu *v)
{
	struct tsvc *timers = v->vm->timers;

	if (!timers || tsvc_armed(timers, &v->aeoi.retry))
		return;
	tsvc_arm_in(timers, &v->aeoi.retry, v->aeoi.backoff_ns, ++v->aeoi.retry_seq);
	v->aeoi.backoff_ns =
	    v->aeoi.backoff_ns * 2 > AEOI_RETRY_MAX_NS ? AEOI_RETRY_MAX_NS : v->aeoi.backoff_ns * 2;
}

int vcpu_aeoi_raise(struct vcpu *v, uint8_t vector)
{
	uint64_t bit = 1ull << (vector % 64);
	uint64_t old = atomic_fetch_or(&v->aeoi.pending[vector / 64], bit);

	stat_inc(&v->stats.aeoi_raised);
	if (old & bit) {
		/* Already pending, like a second edge on a set IRR bit: one interrupt. */
		stat_inc(&v->stats.aeoi_merged);
		return 0;
	}
	if (vcpu_current() == v)
		atomic_fetch_or(&v->requests, VCPU_REQ_AEOI); /* handled before the next entry */
	else
		vcpu_request(v, VCPU_REQ_AEOI);
	return 0;
}

/* Not deliverable now; why decides when to look again. */
static void defer(struct vcpu *v, bool until_exit)
{
	stat_inc(&v->stats.aeoi_deferred);
	if (until_exit)
		v->aeoi.wait_exit = true;
	else
		retry_later(v);
}

void vcpu_aeoi_deliver(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_vcpu_events *ev = &run->s.regs.events;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	int vec = highest_pending(v), irr;
	bool halted;

	v->aeoi.wait_exit = false;
	if (vec < 0)
		return;
	/* The sync-regs area holds RFLAGS and the events only after a KVM_RUN. */
	if (!v->has_run || kvm_ioctl(v->fd, KVM_GET_MP_STATE, &mp)) {
		defer(v, false);
		return;
	}
	/* An AP waiting for INIT/SIPI takes no interrupt; the next exit looks again. */
	if (mp.mp_state != KVM_MP_STATE_RUNNABLE && mp.mp_state != KVM_MP_STATE_HALTED) {
		defer(v, true);
		return;
	}
	halted = mp.mp_state == KVM_MP_STATE_HALTED;
	if (!(run->s.regs.regs.rflags & X86_EFLAGS_IF)) {
		/* cli; hlt: only INIT or NMI ends it, and either exits or resets. */
		defer(v, halted);
		return;
	}
	if (ev->interrupt.injected || ev->interrupt.shadow || ev->exception.injected ||
	    ev->exception.pending || ev->nmi.injected ||
	    (run->kvm_dirty_regs & KVM_SYNC_X86_EVENTS) ||
	    kvm_ioctl(v->fd, KVM_GET_LAPIC, &lapic)) {
		defer(v, false);
		return;
	}
	irr = apic_highest(&lapic, APIC_IRR);
	if ((unsigned)vec >> 4 <= apic_ppr_class(&lapic) || irr > vec) {
		defer(v, false);
		return;
	}
	atomic_fetch_and(&v->aeoi.pending[vec / 64], ~(1ull << (vec % 64)));
	ev->interrupt.injected = 1;
	ev->interrupt.nr = (uint8_t)vec;
	ev->interrupt.soft = 0;
	/*
	 * flags = 0: apply only the fields above and the exception/NMI state as it was at the
	 * exit (only this thread changes those). Not the pending NMI count, the SIPI vector or
	 * the shadow, which may have changed since (an NMI queued by another vCPU is kept).
	 */
	ev->flags = 0;
	run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
	if (halted) {
		mp.mp_state = KVM_MP_STATE_RUNNABLE;
		if (kvm_ioctl(v->fd, KVM_SET_MP_STATE, &mp))
			pr_warn_ratelimited("vcpu%u: cannot wake the halted vCPU for an AutoEOI "
					    "interrupt",
					    v->slot);
		else
			stat_inc(&v->stats.aeoi_woken);
	}
	stat_inc(&v->stats.aeoi_injected);
	v->aeoi.backoff_ns = AEOI_RETRY_MIN_NS;
	/* One event per entry: the next one after this one's handler had a chance to run. */
	if (highest_pending(v) >= 0)
		retry_later(v);
}
