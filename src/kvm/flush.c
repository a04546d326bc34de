// SPDX-License-Identifier: MIT
/*
 * The remote TLB flush engine (docs/flush.md).
 *
 * Guarantee: when vm_flush_tlb returns 0, every targeted vCPU has flushed its guest TLB or
 * will flush before it next executes guest code.
 *
 * How a target is made to flush (per vCPU, chosen at bring-up):
 *   sregs  (default) a VCPU_REQ_FLUSH request; before its next KVM_RUN the vCPU thread
 *          toggles CR4.PGE with two KVM_SET_SREGS, which resets the MMU context.
 *   steal  (opt-in, --flush-method steal) KVM_VCPU_FLUSH_TLB in the vCPU's steal-time
 *          area, which KVM consumes before the next guest entry after every vcpu_load.
 *          Measured on this KVM (shadow paging): targets still read stale translations
 *          after that flush (tests/e2e/50_flush.sh), so it is not the default.
 *
 * Which targets are waited for: only those that may be executing guest code now.
 *   - outside KVM_RUN (run_gen even): not kicked, not waited for; the request is seen
 *     before the next entry (Dekker on run_gen / requests, see kick.c).
 *   - in KVM_RUN: kicked (a signal). Once tgkill has returned the signal is pending, and
 *     KVM checks pending signals before every guest entry, so the target cannot execute
 *     guest code again before it returns to hvemu and handles the request.
 *       - switched out (oncpu: its last scheduler switch was out): not waited for. This is
 *         what a paravirtual flush is for: a preempted vCPU costs the caller one signal.
 *       - on a CPU, or unknown: it may be in guest mode until the signal's IPI lands, so it
 *         is waited for until it has left that KVM_RUN or been switched out, with a time
 *         limit. A timeout is an error (counted, logged) and the hypercall fails, so the
 *         guest falls back to its native flush.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvm/vm_internal.h"
#include "util/log.h"
#include "util/time.h"

#define FLUSH_TIMEOUT_NS (1000 * NSEC_PER_MSEC)

struct flush_wait {
	struct vcpu *v;
	uint32_t gen;
};

/*
 * The caller's list of targets to wait for, one entry per slot: allocated by its first
 * flush, so that a vCPU that never flushes does not carry 16 KiB (as thread-local data it
 * was zeroed, and so resident, in every vCPU thread). NULL when out of memory: then each
 * target is waited for as it is kicked.
 */
static struct flush_wait *wait_list(struct vm *vm, struct vcpu *caller)
{
	if (caller && !caller->flush_waits)
		caller->flush_waits = calloc(vm->cfg.max_vcpus, sizeof(struct flush_wait));
	return caller ? caller->flush_waits : NULL;
}

static bool vcpu_is_offcpu(struct vcpu *v)
{
	return oncpu_get(&v->oncpu) == ONCPU_OFF;
}

/* Marks a target: it flushes before its next guest entry. */
static void mark_flush(struct vcpu *t)
{
	/* Both are locked RMWs, ordered before the run_gen read that follows. */
	if (t->steal)
		__atomic_fetch_or(&t->steal->preempted, (uint8_t)KVM_VCPU_FLUSH_TLB,
				  __ATOMIC_SEQ_CST);
	else
		atomic_fetch_or(&t->requests, VCPU_REQ_FLUSH);
}

void vcpu_flush_tlb_sregs(struct vcpu *v)
{
	struct kvm_sregs s;

	/* KVM_SET_SREGS with a changed CR4 resets the MMU context (Linux >= 6.7). */
	if (kvm_ioctl(v->fd, KVM_GET_SREGS, &s))
		goto fail;
	s.cr4 ^= 1ull << 7; /* PGE */
	if (kvm_ioctl(v->fd, KVM_SET_SREGS, &s))
		goto fail;
	s.cr4 ^= 1ull << 7;
	if (kvm_ioctl(v->fd, KVM_SET_SREGS, &s))
		goto fail;
	stat_inc(&v->stats.flushes_sregs);
	return;
fail:
	vm_stop(v->vm, VM_EXIT_HOST_ERROR, "vcpu%u: TLB flush through KVM_SET_SREGS failed",
		v->slot);
}

/* Online or still running through its removal: its guest code may hold translations. */
static bool flush_candidate(struct vcpu *v)
{
	uint32_t st = atomic_load(&v->state);

	return st == VCPU_ONLINE || st == VCPU_REMOVING;
}

static int wait_target(struct vm *vm, const struct flush_wait *w, uint64_t deadline)
{
	if (vcpu_wait_gen_change(w->v, w->gen, deadline, vcpu_is_offcpu) == 0)
		return 0;
	stat_inc(&vm->stats.flush_timeouts);
	pr_warn_ratelimited("TLB flush: vcpu%u did not leave guest mode within %llu ms", w->v->slot,
			    (unsigned long long)(FLUSH_TIMEOUT_NS / NSEC_PER_MSEC));
	return -ETIMEDOUT;
}

int vm_flush_tlb(struct vm *vm, struct vcpu *caller, const struct hv_vpset *targets)
{
	struct flush_wait *waits = wait_list(vm, caller);
	uint64_t t0 = now_ns(), deadline = t0 + FLUSH_TIMEOUT_NS;
	unsigned nwait = 0, ntargets = 0;
	int64_t cursor = -1;
	struct vcpu *t;
	int rc = 0;

	stat_inc(&vm->stats.flush_calls);
	while ((t = vm_target_next(vm, targets, &cursor))) {
		uint32_t gen;

		if (!flush_candidate(t))
			continue;
		ntargets++;
		mark_flush(t);
		if (t == caller)
			continue; /* flushes at its own next entry */
		gen = atomic_load(&t->run_gen);
		if (!(gen & 1)) {
			stat_inc(&vm->stats.flush_flagged_outside);
			continue;
		}
		vcpu_kick(t);
		if (vcpu_is_offcpu(t)) {
			stat_inc(&vm->stats.flush_kicked_offcpu);
			continue;
		}
		stat_inc(&vm->stats.flush_kicks);
		if (waits)
			waits[nwait++] = (struct flush_wait){ .v = t, .gen = gen };
		else if (wait_target(vm, &(struct flush_wait){ .v = t, .gen = gen }, deadline))
			rc = -ETIMEDOUT;
	}
	stat_add(&vm->stats.flush_targets, ntargets);
	for (unsigned i = 0; i < nwait; i++)
		if (wait_target(vm, &waits[i], deadline))
			rc = -ETIMEDOUT;
	hist_record(&vm->flush_latency_ns, now_ns() - t0);
	return rc;
}
