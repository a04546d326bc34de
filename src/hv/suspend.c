// SPDX-License-Identifier: MIT
/*
 * The TLB-flush inhibit and the suspended state (TLFS 6.0b §7.4 "Virtual Processor States"
 * and §9.1.4; HvCallFlushVirtualAddressSpace: "If a target virtual processor's TLB ...
 * is currently 'locked', the caller's virtual processor is suspended. When the caller's
 * virtual processor is 'unsuspended', the hypercall will be reissued.").
 *
 * Per VP: inhibit (0/1) and waiting_on (the VP index it waits on, or HV_VP_NONE). A VP is
 * suspended exactly when waiting_on != HV_VP_NONE: one field, as the review of the KVM
 * series asked (docs/suspend.md §2). docs/suspend.md has the whole design; the lost-wake-up
 * argument is repeated here next to the code it is about.
 *
 * Memory order: every access to inhibit, online, the VP table, waiting_on and cancelled
 * on these paths is seq_cst, so all of them appear in one total order S.
 *
 *   Suspend side (hv_suspend_on_inhibited, caller C, blocker B):
 *     S1  store  C.waiting_on = B
 *     S2  load   B is still in the table, online and inhibited?  yes -> stay suspended
 *   Unsuspend side (inhibit clear, offline, removal of B):
 *     U1  store  B.inhibit = 0   (or B.online = 0, or table[B] = NULL)
 *     U2  load   C.waiting_on == B?  yes -> CAS it to NONE and wake C
 *
 *   If S2 reads the value from before U1 (C stays suspended), then S2 precedes U1 in S,
 *   so S1 < S2 < U1 < U2 and U2 reads B (or a later store by C, which only C makes after
 *   it was woken): C is unsuspended. If S2 reads U1's value, C undoes its own S1 with a
 *   CAS and rescans. Both loads cannot miss both stores (store buffering is excluded by
 *   seq_cst), so no wake-up is lost. The same argument covers cancellation with
 *   "cancelled" in place of inhibit.
 *
 * The waiting side sleeps on the futex word waiting_on itself: futex_wait(&waiting_on, B)
 * compares and sleeps atomically, and every transition B -> NONE is followed by a
 * futex_wake, so a change between the waiter's load and its sleep is never slept through.
 */
#include <errno.h>
#include <limits.h>

#include "hv/hv_internal.h"
#include "util/futex.h"
#include "util/time.h"

/* True while VP index b blocks a flush: it exists, is online and inhibits flushes. */
static bool blocks(struct hv_partition *part, uint32_t b)
{
	struct hv_vp *t = atomic_load(&part->vps[b]);

	return t && atomic_load(&t->online) && atomic_load(&t->inhibit);
}

/* The transition waiting_on: expected -> NONE, made by whoever unsuspends a VP. */
static bool unsuspend(struct hv_vp *w, uint32_t expected)
{
	struct hv_partition *part = w->part;

	if (!atomic_compare_exchange_strong(&w->waiting_on, &expected, HV_VP_NONE))
		return false;
	atomic_fetch_sub_explicit(&part->stats.suspended_vps, 1, memory_order_relaxed);
	stat_inc(&part->stats.unsuspends);
	futex_wake(&w->waiting_on, INT32_MAX);
	if (part->ops->unsuspended)
		part->ops->unsuspended(part->opaque, w);
	return true;
}

uint32_t hv_suspend_on_inhibited(struct hv_vp *vp, const struct hv_vpset *targets)
{
	struct hv_partition *part = vp->part;
	int64_t i;

	/*
	 * Nothing inhibited (the usual case): no scan. A concurrent hv_set_tlb_flush_inhibit
	 * is then ordered after this flush, which is what hv_tlb_flush_inhibit_sync is for.
	 */
	if (!atomic_load(&part->inhibited_vps))
		return HV_VP_NONE;
rescan:
	/* Shutting down: nobody will clear inhibits any more, so never suspend. */
	if (atomic_load(&part->cancelled))
		return HV_VP_NONE;
	/* The first inhibited target in VP-index order; the caller itself counts. */
	vpset_for_each (i, targets, part->max_vps) {
		uint32_t b = (uint32_t)i;
		uint64_t since;

		if (!blocks(part, b))
			continue;

		since = now_ns();
		atomic_store_explicit(&vp->suspended_since_ns, since, memory_order_relaxed);
		/* S1: publish that we wait on b ... */
		if (atomic_exchange(&vp->waiting_on, b) == HV_VP_NONE)
			atomic_fetch_add_explicit(&part->stats.suspended_vps, 1,
						  memory_order_relaxed);
		/* S2: ... then look again (see the top of the file). */
		if (blocks(part, b) && !atomic_load(&part->cancelled)) {
			vp->suspend_start_ns = since;
			vp->suspend_open = true;
			stat_inc(&vp->stats.suspensions);
			stat_inc(&part->stats.suspensions);
			return b;
		}
		/* The block went away in between: take our own wait back, unless an
		 * unsuspender already did, and decide again from scratch. */
		{
			uint32_t expected = b;

			if (atomic_compare_exchange_strong(&vp->waiting_on, &expected,
							   HV_VP_NONE)) {
				atomic_fetch_sub_explicit(&part->stats.suspended_vps, 1,
							  memory_order_relaxed);
			} else {
				/* An unsuspender ended the wait and counted it in unsuspends:
				 * count its start too, so the two balance. */
				stat_inc(&vp->stats.suspensions);
				stat_inc(&part->stats.suspensions);
			}
		}
		goto rescan;
	}
	return HV_VP_NONE;
}

void hv_suspend_account(struct hv_vp *vp)
{
	uint64_t d;

	if (!vp->suspend_open || atomic_load(&vp->waiting_on) != HV_VP_NONE)
		return;
	vp->suspend_open = false;
	d = now_ns() - vp->suspend_start_ns;
	stat_add(&vp->stats.suspended_ns, d);
	stat_add(&vp->part->stats.suspended_ns, d);
}

void hv_unsuspend_waiters_of(struct hv_partition *part, uint32_t vp_index)
{
	uint32_t gen;

	if (!part)
		return;
	gen = hv_read_lock(part);
	/* U2: the caller's U1 (inhibit, online or table store) came before this scan. */
	for (uint32_t i = 0; i < part->max_vps; i++) {
		struct hv_vp *w = atomic_load(&part->vps[i]);

		if (w && atomic_load(&w->waiting_on) == vp_index)
			unsuspend(w, vp_index);
	}
	hv_read_unlock(part, gen);
}

static int set_inhibit(struct hv_partition *part, struct hv_vp *vp, uint32_t vp_index, bool on)
{
	if (!vp)
		return -ENOENT;
	if (on) {
		/* The count goes up before the bit is visible: a flush that sees the bit
		 * cannot have skipped the scan on a stale 0. */
		if (atomic_load(&vp->inhibit) == 0) {
			atomic_fetch_add(&part->inhibited_vps, 1);
			if (atomic_exchange(&vp->inhibit, 1) != 0)
				atomic_fetch_sub(&part->inhibited_vps, 1);
		}
		stat_inc(&part->stats.inhibit_sets);
		return 0;
	}
	if (atomic_exchange(&vp->inhibit, 0) != 0) /* U1 */
		atomic_fetch_sub(&part->inhibited_vps, 1);
	stat_inc(&part->stats.inhibit_clears);
	/* Also when the bit was already clear: a concurrent clearer may still be scanning. */
	hv_unsuspend_waiters_of(part, vp_index);
	return 0;
}

int hv_set_tlb_flush_inhibit(struct hv_partition *part, uint32_t vp_index, bool on)
{
	uint32_t gen;
	int r;

	if (!part)
		return -ENOENT;
	gen = hv_read_lock(part);
	r = set_inhibit(part, hv_vp_get(part, vp_index), vp_index, on);
	hv_read_unlock(part, gen);
	return r;
}

int hv_vp_wait_unsuspended(struct hv_vp *vp, uint64_t timeout_ns)
{
	struct hv_partition *part = vp->part;
	uint64_t deadline = timeout_ns ? now_ns() + timeout_ns : 0;

	for (;;) {
		uint32_t w;
		uint64_t rem = 0;

		if (atomic_load(&part->cancelled))
			break;
		w = atomic_load(&vp->waiting_on);
		if (w == HV_VP_NONE) {
			/* A cancel clears waiting_on after setting cancelled: tell it apart. */
			if (atomic_load(&part->cancelled))
				break;
			hv_suspend_account(vp);
			return 0;
		}
		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline)
				return -ETIMEDOUT;
			rem = deadline - now;
		}
		/* Sleeps only while waiting_on is still w; spurious returns loop. */
		futex_wait(&vp->waiting_on, w, rem);
	}
	hv_suspend_account(vp);
	return -ECANCELED;
}

void hv_partition_cancel_waits(struct hv_partition *part)
{
	uint32_t gen;

	if (!part)
		return;
	gen = hv_read_lock(part);
	atomic_store(&part->cancelled, 1);
	for (uint32_t i = 0; i < part->max_vps; i++) {
		struct hv_vp *w = atomic_load(&part->vps[i]);
		uint32_t cur;

		if (!w)
			continue;
		cur = atomic_load(&w->waiting_on);
		while (cur != HV_VP_NONE && !unsuspend(w, cur))
			cur = atomic_load(&w->waiting_on);
		/* Also wakes a waiter that is between its checks and its sleep. */
		futex_wake(&w->waiting_on, INT32_MAX);
	}
	hv_read_unlock(part, gen);
}

void hv_vp_suspend_info(struct hv_vp *vp, struct hv_vp_suspend_info *out)
{
	struct hv_partition *part = vp->part;
	uint32_t w = atomic_load(&vp->waiting_on);
	uint32_t gen;

	out->inhibited = atomic_load(&vp->inhibit) != 0;
	out->waiting_on = w == HV_VP_NONE ? -1 : (int64_t)w;
	out->suspended_since_ns =
	    w == HV_VP_NONE ? 0
			    : atomic_load_explicit(&vp->suspended_since_ns, memory_order_relaxed);
	out->in_cycle = false;
	gen = hv_read_lock(part);
	/* Follow the chain; it is a snapshot, so bound the walk by the number of VPs. */
	for (uint32_t steps = 0; w != HV_VP_NONE && steps <= part->max_vps; steps++) {
		struct hv_vp *t;

		if (w == vp->index) {
			out->in_cycle = true;
			break;
		}
		t = hv_vp_get(part, w);
		if (!t)
			break;
		w = atomic_load(&t->waiting_on);
	}
	hv_read_unlock(part, gen);
}
