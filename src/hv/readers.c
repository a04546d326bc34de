// SPDX-License-Identifier: MIT
/*
 * Read sections: a two-slot reader count in the style of SRCU, with two users.
 *   - hv_tlb_flush_inhibit_sync() waits for the flushes in flight (a flush enters before
 *     its inhibit check and leaves after ops->flush_tlb).
 *   - a destroyed VP is freed once no read section can still hold a pointer to it
 *     (every lookup of another thread's VP is made inside a section).
 *
 * A reader reads gen, counts itself in count[gen & 1], and re-reads gen: if it changed
 * (a flip came in between) it backs out and retries, so a reader counted in a slot entered
 * while gen selected that slot. A flip makes new readers count in the other slot; the old
 * slot then only drains.
 *
 * The synchroniser flips and waits for the old slot to drain, twice: a reader left over
 * from an earlier synchroniser that timed out sits in the other slot, and the second
 * flip-and-wait covers it. A flush that saw inhibit == 0 entered before the flip: its
 * increment precedes its inhibit load, which precedes the inhibit store, which precedes
 * the flip and the synchroniser's load of the slot (all seq_cst), so it is waited for.
 *
 * Freeing never waits (hv_vp_destroy runs on hotplug paths, see docs/architecture.md §8):
 * destroyed VPs are kept in two lists under vp_lock and moved on by whoever holds the
 * writer lock next: a destroy or create that gets it without waiting, or a synchroniser,
 * which frees every VP destroyed before its first flip once both slots have drained.
 *   retired   destroyed since the last flip. They are flipped past (gen: g -> g + 1) only
 *             when count[(g + 1) & 1] is 0 at that moment, then become
 *   draining  with draining_gen = g + 1, and are freed once count[g & 1] reads 0.
 * Why that is safe: a reader that holds a retired VP loaded its pointer before the VP was
 * unpublished, so it counted itself at some gen h <= g before the flip. If h == g it is
 * in count[g & 1], which must drain. If h < g, then h's slot is either g & 1 (same) or
 * (g + 1) & 1, which was 0 at the flip, after the reader's increment: it had left.
 * Another flip (a synchroniser's) in between only makes the draining slot count newer
 * readers too, which delays the free and never hastens it.
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/hv_internal.h"
#include "util/futex.h"
#include "util/time.h"

void hv_readers_init(struct hv_partition *part)
{
	atomic_init(&part->readers.gen, 0);
	atomic_init(&part->readers.count[0], 0);
	atomic_init(&part->readers.count[1], 0);
	pthread_mutex_init(&part->readers.writer, NULL);
}

uint32_t hv_read_lock(struct hv_partition *part)
{
	struct hv_readers *rs = &part->readers;

	for (;;) {
		uint32_t g = atomic_load(&rs->gen);

		atomic_fetch_add(&rs->count[g & 1], 1);
		if (atomic_load(&rs->gen) == g)
			return g;
		hv_read_unlock(part, g);
	}
}

void hv_read_unlock(struct hv_partition *part, uint32_t gen)
{
	struct hv_readers *rs = &part->readers;

	if (atomic_fetch_sub(&rs->count[gen & 1], 1) == 1)
		futex_wake(&rs->count[gen & 1], INT32_MAX);
}

static void free_list(struct hv_partition *part, struct hv_vp **list)
{
	while (*list) {
		struct hv_vp *next = (*list)->next_retired;

		free(*list);
		*list = next;
		atomic_fetch_sub_explicit(&part->stats.vps_retired, 1, memory_order_relaxed);
		stat_inc(&part->stats.vps_freed);
	}
}

void hv_vp_retire_locked(struct hv_partition *part, struct hv_vp *vp)
{
	vp->next_retired = part->retired;
	part->retired = vp;
	atomic_fetch_add_explicit(&part->stats.vps_retired, 1, memory_order_relaxed);
	hv_vp_reclaim_locked(part);
}

/* vp_lock and the writer lock held. */
static void reclaim(struct hv_partition *part)
{
	struct hv_readers *rs = &part->readers;

	for (int pass = 0; pass < 2; pass++) {
		if (part->draining) {
			if (atomic_load(&rs->count[(part->draining_gen - 1) & 1]))
				break;
			free_list(part, &part->draining);
		}
		if (part->retired) {
			uint32_t g = atomic_load(&rs->gen);

			if (atomic_load(&rs->count[(g + 1) & 1]))
				break;
			atomic_store(&rs->gen, g + 1);
			part->draining = part->retired;
			part->draining_gen = g + 1;
			part->retired = NULL;
		}
	}
}

void hv_vp_reclaim_locked(struct hv_partition *part)
{
	struct hv_readers *rs = &part->readers;

	if (!part->retired && !part->draining)
		return;
	/*
	 * A synchroniser holds the writer lock while it waits: never wait for it here (it
	 * reclaims itself when it is done). Lock order: writer, then vp_lock; this side
	 * only tries.
	 */
	if (pthread_mutex_trylock(&rs->writer))
		return;
	reclaim(part);
	pthread_mutex_unlock(&rs->writer);
}

/* Appends list to *to. */
static void splice(struct hv_vp **to, struct hv_vp *list)
{
	while (*to)
		to = &(*to)->next_retired;
	*to = list;
}

int hv_tlb_flush_inhibit_sync(struct hv_partition *part, uint64_t timeout_ns)
{
	struct hv_readers *rs;
	struct hv_vp *before = NULL;
	uint64_t deadline = timeout_ns ? now_ns() + timeout_ns : 0;
	uint32_t slot;
	int r = 0;

	if (!part)
		return -EINVAL;
	rs = &part->readers;
	pthread_mutex_lock(&rs->writer);
	/* VPs destroyed before the first flip: no reader can hold them once both drained. */
	pthread_mutex_lock(&part->vp_lock);
	splice(&before, part->draining);
	splice(&before, part->retired);
	part->draining = part->retired = NULL;
	pthread_mutex_unlock(&part->vp_lock);
	for (int flip = 0; flip < 2 && !r; flip++) {
		slot = atomic_fetch_add(&rs->gen, 1) & 1;
		for (;;) {
			uint32_t v = atomic_load(&rs->count[slot]);
			uint64_t rem = 0;

			if (v == 0)
				break;
			if (deadline) {
				uint64_t now = now_ns();

				if (now >= deadline) {
					r = -ETIMEDOUT;
					break;
				}
				rem = deadline - now;
			}
			futex_wait(&rs->count[slot], v, rem);
		}
	}
	pthread_mutex_lock(&part->vp_lock);
	if (r)
		splice(&part->retired, before); /* not drained: back to the others */
	else
		free_list(part, &before);
	pthread_mutex_unlock(&part->vp_lock);
	pthread_mutex_unlock(&rs->writer);
	return r;
}

void hv_readers_destroy(struct hv_partition *part)
{
	free_list(part, &part->draining);
	free_list(part, &part->retired);
	pthread_mutex_destroy(&part->readers.writer);
}
