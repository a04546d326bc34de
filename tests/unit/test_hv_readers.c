// SPDX-License-Identifier: MIT
/*
 * Read sections and the freeing of destroyed VPs (src/hv/readers.c): a VP destroyed while
 * readers look it up stays allocated for every reader that found it and is freed after
 * them; a cpu-del/cpu-add churn keeps nothing; a flush-inhibit synchroniser running at
 * the same time neither stalls nor breaks the freeing. Run under ASan (a reader touching
 * a freed VP is a heap-use-after-free) and TSan.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "harness.h"
#include "hv/hv.h"
#include "hv_mock.h"
#include "util/time.h"

#define NVP	4
#define CYCLES	20000
#define READERS 2

struct churn {
	struct hv_partition *part;
	_Atomic bool stop;
	_Atomic uint64_t found; /* lookups that found the churned VP and read it */
	_Atomic uint64_t syncs;
};

/* What query-cpus and the flush paths do: look a VP up and read it, in a section. */
static void *reader(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		uint32_t gen = hv_read_lock(c->part);
		struct hv_vp *vp = hv_vp_lookup(c->part, 1);

		if (vp) {
			struct hv_vp_suspend_info si;

			/* Reads the VP's memory: after a free, ASan stops the test here. */
			hv_vp_suspend_info(vp, &si);
			if (hv_vp_index(vp) == 1 && si.waiting_on == -1)
				atomic_fetch_add(&c->found, 1);
		}
		hv_read_unlock(c->part, gen);
	}
	return NULL;
}

static void *synchroniser(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		if (hv_tlb_flush_inhibit_sync(c->part, NSEC_PER_SEC) == 0)
			atomic_fetch_add(&c->syncs, 1);
	}
	return NULL;
}

/*
 * With synchronise: a synchroniser runs too. It holds the writer lock while it waits, so
 * destroys meanwhile only queue their VP; it frees them when done. Whoever is descheduled
 * holding that lock delays the freeing (never a reader's safety), so only the end state
 * is checked then.
 */
static void churn_under_readers(bool synchronise)
{
	struct hvmock *m = hvmock_new(NVP * 4096);
	struct churn c = { 0 };
	pthread_t rd[READERS], sy;
	uint64_t max_retired = 0, freed_running;
	int bad = 0;

	CHECK_EQ(hvmock_partition(m, "vpindex,tlbflush", NVP, &c.part), 0);
	for (int i = 0; i < READERS; i++)
		pthread_create(&rd[i], NULL, reader, &c);
	if (synchronise)
		pthread_create(&sy, NULL, synchroniser, &c);
	for (int i = 0; i < CYCLES; i++) {
		struct hv_vp *vp = hvmock_vp(c.part, 1);
		uint64_t retired;

		if (!vp) {
			bad++;
			continue;
		}
		/* Now and then, wait (up to 1 ms) for a reader to be using this very VP. */
		if (i % 16 == 0) {
			uint64_t f0 = atomic_load(&c.found), end = now_ns() + NSEC_PER_MSEC;

			while (atomic_load(&c.found) == f0 && now_ns() < end)
				;
		}
		hv_vp_destroy(vp);
		retired = hvmock_pstat(c.part, "vps_retired");
		if (retired > max_retired)
			max_retired = retired;
	}
	freed_running = hvmock_pstat(c.part, "vps_freed");
	atomic_store(&c.stop, true);
	for (int i = 0; i < READERS; i++)
		pthread_join(rd[i], NULL);
	if (synchronise)
		pthread_join(sy, NULL);
	CHECK_EQ(bad, 0);
	/* The readers did find the VP: the race between lookups and frees was exercised. */
	CHECK_MSG(atomic_load(&c.found) > 0, "the readers never found the VP");
	/*
	 * VPs were freed while the readers ran, not only at the end. How many wait at a time
	 * depends on how long a reader is descheduled inside a section (a figure, not a
	 * check: a reader may sleep there on this loaded machine).
	 */
	CHECK_MSG(freed_running > 0, "nothing was freed while readers ran");
	if (synchronise)
		CHECK_MSG(atomic_load(&c.syncs) > 0, "the synchroniser never completed");
	/* No reader left: one more destroy frees everything. */
	hv_vp_destroy(hvmock_vp(c.part, 1));
	CHECK_EQ(hvmock_pstat(c.part, "vps_retired"), 0);
	CHECK_EQ(hvmock_pstat(c.part, "vps_freed"), CYCLES + 1);
	printf("# %llu lookups found the VP, %llu synchronisations; %llu of %d VPs freed while "
	       "readers ran, at most %llu waiting\n",
	       (unsigned long long)atomic_load(&c.found), (unsigned long long)atomic_load(&c.syncs),
	       (unsigned long long)freed_running, CYCLES, (unsigned long long)max_retired);
	hv_partition_destroy(c.part);
	hvmock_free(m);
}

static void test_destroy_under_readers(void)
{
	churn_under_readers(false);
}

static void test_destroy_under_readers_and_synchroniser(void)
{
	churn_under_readers(true);
}

/* A section that began before the destroy keeps the VP until it ends, nested or not. */
static void test_section_keeps_vp(void)
{
	struct hvmock *m = hvmock_new(NVP * 4096);
	struct hv_partition *part;
	struct hv_vp *vp;
	uint32_t outer, inner;

	CHECK_EQ(hvmock_partition(m, "vpindex", NVP, &part), 0);
	vp = hvmock_vp(part, 2);
	outer = hv_read_lock(part);
	inner = hv_read_lock(part);
	CHECK(hv_vp_lookup(part, 2) == vp);
	hv_vp_destroy(vp);
	hv_read_unlock(part, inner);
	/* Another VP's churn frees nothing while the outer section lasts. */
	hv_vp_destroy(hvmock_vp(part, 3));
	CHECK_EQ(hv_vp_index(vp), 2);
	CHECK_EQ(hvmock_pstat(part, "vps_retired"), 2);
	CHECK_EQ(hvmock_pstat(part, "vps_freed"), 0);
	hv_read_unlock(part, outer);
	hv_vp_destroy(hvmock_vp(part, 3));
	CHECK_EQ(hvmock_pstat(part, "vps_retired"), 0);
	CHECK_EQ(hvmock_pstat(part, "vps_freed"), 3);
	hv_partition_destroy(part);
	hvmock_free(m);
}

int main(void)
{
	RUN(test_section_keeps_vp);
	RUN(test_destroy_under_readers);
	RUN(test_destroy_under_readers_and_synchroniser);
	return t_done();
}
