// SPDX-License-Identifier: MIT
/*
 * The TLB-flush inhibit and the suspended state (docs/suspend.md): the state machine one
 * step at a time, then threads racing suspends against unsuspends (no lost wake-up: every
 * bounded wait must end in time), cancellation and removal of the awaited VP.
 * Build it with -fsanitize=thread too.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "hv/hv_internal.h"
#include "hv_mock.h"
#include "util/time.h"

#define NVP	 8
#define RAM_SIZE ((NVP + 1) * 4096)

struct env {
	struct hvmock *m;
	struct hv_partition *part;
	struct hv_vp *vp[NVP];
};

static void env_init(struct env *e)
{
	e->m = hvmock_new(RAM_SIZE);
	e->vp[0] = hvmock_guest_ready(e->m, "vpindex,tlbflush", NVP, &e->part);
	CHECK(e->vp[0] != NULL);
	for (int i = 1; i < NVP; i++)
		e->vp[i] = hvmock_vp(e->part, (uint32_t)i);
}

static void env_fini(struct env *e)
{
	hv_partition_destroy(e->part);
	hvmock_free(e->m);
}

/* VP i flushes the VPs in mask (memory input on its own page); returns the outcome. */
static enum hv_hcall_outcome flush(struct env *e, int i, uint64_t mask, struct hv_regs *regs)
{
	struct hv_cpu_mode mode = { .protected_mode = true, .is_64bit = true };
	uint64_t gpa = (uint64_t)(i + 1) * 4096;
	uint64_t *in = hvmock_gpa(e->m, gpa);

	in[0] = 0;
	in[1] = mask ? 0 : HV_FLUSH_ALL_PROCESSORS;
	in[2] = mask;
	memset(regs, 0, sizeof(*regs));
	regs->rax = 0x1111;
	regs->rcx = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE;
	regs->rdx = gpa;
	return hv_hypercall(e->vp[i], &mode, regs);
}

static int64_t waiting_on(struct env *e, int i)
{
	struct hv_vp_suspend_info info;

	hv_vp_suspend_info(e->vp[i], &info);
	return info.waiting_on;
}

static bool in_cycle(struct env *e, int i)
{
	struct hv_vp_suspend_info info;

	hv_vp_suspend_info(e->vp[i], &info);
	return info.in_cycle;
}

static void test_suspend_and_resume(void)
{
	struct env e;
	struct hv_regs regs;
	struct hv_vp_suspend_info info;
	uint64_t t0 = now_ns();

	env_init(&e);
	CHECK_EQ(hv_set_tlb_flush_inhibit(e.part, 1, true), 0);
	CHECK_EQ(hv_set_tlb_flush_inhibit(e.part, NVP, true), -ENOENT);
	CHECK_EQ(flush(&e, 0, 1u << 1, &regs), HV_HCALL_SUSPENDED);
	/* No register was written: the call will be re-executed from the start. */
	CHECK_EQ(regs.dirty, 0);
	CHECK_EQ(regs.rax, 0x1111);
	CHECK_EQ(e.m->flushes, 0);
	hv_vp_suspend_info(e.vp[0], &info);
	CHECK_EQ(info.waiting_on, 1);
	CHECK(!info.inhibited && !info.in_cycle);
	CHECK(info.suspended_since_ns >= t0 && info.suspended_since_ns <= now_ns());
	hv_vp_suspend_info(e.vp[1], &info);
	CHECK(info.inhibited && info.waiting_on == -1);
	CHECK_EQ(hv_vp_wait_unsuspended(e.vp[0], 1000000), -ETIMEDOUT);

	/* Not a target: no suspension. */
	CHECK_EQ(flush(&e, 2, 1u << 3, &regs), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, HV_STATUS_SUCCESS);

	CHECK_EQ(hv_set_tlb_flush_inhibit(e.part, 1, false), 0);
	CHECK_EQ(atomic_load(&e.m->unsuspended[0]), 1);
	CHECK_EQ(waiting_on(&e, 0), -1);
	CHECK_EQ(hv_vp_wait_unsuspended(e.vp[0], 0), 0);
	/* Re-executed: now it flushes. */
	CHECK_EQ(flush(&e, 0, 1u << 1, &regs), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, HV_STATUS_SUCCESS);
	CHECK_EQ(e.m->flushes, 2);
	CHECK_EQ(e.m->last_flush.bank[0], 1u << 1);
	env_fini(&e);
}

static void test_only_waiters_of_that_vp(void)
{
	struct env e;
	struct hv_regs regs;

	env_init(&e);
	hv_set_tlb_flush_inhibit(e.part, 1, true);
	hv_set_tlb_flush_inhibit(e.part, 4, true);
	CHECK_EQ(flush(&e, 0, 1u << 1, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(flush(&e, 2, 0, &regs), HV_HCALL_SUSPENDED); /* all: first inhibited is 1 */
	CHECK_EQ(flush(&e, 3, 1u << 4 | 1u << 5, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(flush(&e, 5, 1u << 6 | 1u << 4 | 1u << 1, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(waiting_on(&e, 2), 1);
	CHECK_EQ(waiting_on(&e, 3), 4);
	CHECK_EQ(waiting_on(&e, 5), 1); /* VP-index order */

	hv_set_tlb_flush_inhibit(e.part, 1, false);
	CHECK_EQ(waiting_on(&e, 0), -1);
	CHECK_EQ(waiting_on(&e, 2), -1);
	CHECK_EQ(waiting_on(&e, 5), -1);
	CHECK_EQ(waiting_on(&e, 3), 4);
	CHECK_EQ(atomic_load(&e.m->unsuspended[3]), 0);
	CHECK_EQ(hv_vp_wait_unsuspended(e.vp[3], 1000000), -ETIMEDOUT);
	/* VP 5 re-executes and now waits on 4. */
	CHECK_EQ(flush(&e, 5, 1u << 6 | 1u << 4 | 1u << 1, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(waiting_on(&e, 5), 4);
	/* Setting an inhibit again wakes nobody. */
	hv_set_tlb_flush_inhibit(e.part, 4, true);
	CHECK_EQ(waiting_on(&e, 3), 4);
	hv_set_tlb_flush_inhibit(e.part, 4, false);
	CHECK_EQ(waiting_on(&e, 3), -1);
	CHECK_EQ(waiting_on(&e, 5), -1);
	env_fini(&e);
}

static void test_self_wait_and_cycles(void)
{
	struct env e;
	struct hv_regs regs;

	env_init(&e);
	/* An inhibited VP flushing itself waits on itself: a visible cycle. */
	hv_set_tlb_flush_inhibit(e.part, 0, true);
	CHECK_EQ(flush(&e, 0, 1u << 0 | 1u << 3, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(waiting_on(&e, 0), 0);
	CHECK(in_cycle(&e, 0));
	hv_set_tlb_flush_inhibit(e.part, 0, false);
	CHECK_EQ(waiting_on(&e, 0), -1);
	CHECK(!in_cycle(&e, 0));

	/* 2 waits on 3, 3 (inhibited) waits on 2 (inhibited): both in the cycle; 4 waits on
	 * 2 outside it. */
	hv_set_tlb_flush_inhibit(e.part, 2, true);
	hv_set_tlb_flush_inhibit(e.part, 3, true);
	CHECK_EQ(flush(&e, 2, 1u << 3, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(flush(&e, 3, 1u << 2, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(flush(&e, 4, 1u << 2, &regs), HV_HCALL_SUSPENDED);
	CHECK(in_cycle(&e, 2) && in_cycle(&e, 3) && !in_cycle(&e, 4));
	/* A waiter whose own inhibit is set: clearing 3 releases 2 only. */
	hv_set_tlb_flush_inhibit(e.part, 3, false);
	CHECK_EQ(waiting_on(&e, 2), -1);
	CHECK_EQ(waiting_on(&e, 3), 2);
	CHECK_EQ(waiting_on(&e, 4), 2);
	CHECK(!in_cycle(&e, 3));
	hv_set_tlb_flush_inhibit(e.part, 2, false);
	CHECK_EQ(waiting_on(&e, 3), -1);
	CHECK_EQ(waiting_on(&e, 4), -1);
	env_fini(&e);
}

static void test_offline_and_removed_targets(void)
{
	struct env e;
	struct hv_regs regs;

	env_init(&e);
	/* An offline VP is no flush target, inhibited or not. */
	hv_set_tlb_flush_inhibit(e.part, 6, true);
	hv_vp_set_online(e.vp[6], false);
	CHECK_EQ(flush(&e, 0, 1u << 6, &regs), HV_HCALL_DONE);
	hv_vp_set_online(e.vp[6], true);
	CHECK_EQ(flush(&e, 0, 1u << 6, &regs), HV_HCALL_SUSPENDED);
	/* Parking the awaited VP releases its waiters, which then flush. */
	hv_vp_set_online(e.vp[6], false);
	CHECK_EQ(waiting_on(&e, 0), -1);
	CHECK_EQ(hv_vp_wait_unsuspended(e.vp[0], 0), 0);
	CHECK_EQ(flush(&e, 0, 1u << 6, &regs), HV_HCALL_DONE);
	hv_vp_set_online(e.vp[6], true);

	/* hv_unsuspend_waiters_of: waiters resume and re-execute (and may wait again). */
	CHECK_EQ(flush(&e, 1, 1u << 6, &regs), HV_HCALL_SUSPENDED);
	hv_unsuspend_waiters_of(e.part, 6);
	CHECK_EQ(waiting_on(&e, 1), -1);
	CHECK_EQ(flush(&e, 1, 1u << 6, &regs), HV_HCALL_SUSPENDED);

	/* Destroying the awaited VP releases its waiters too. */
	CHECK_EQ(atomic_load(&e.part->inhibited_vps), 1);
	hv_vp_destroy(e.vp[6]);
	CHECK_EQ(atomic_load(&e.part->inhibited_vps), 0);
	CHECK_EQ(waiting_on(&e, 1), -1);
	CHECK_EQ(flush(&e, 1, 1u << 6, &regs), HV_HCALL_DONE);
	CHECK_EQ(hv_set_tlb_flush_inhibit(e.part, 6, false), -ENOENT);
	env_fini(&e);
}

struct waiter {
	struct env *e;
	int vp;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = hv_vp_wait_unsuspended(w->e->vp[w->vp], 10 * NSEC_PER_SEC);
	return NULL;
}

static void test_cancel(void)
{
	struct env e;
	struct hv_regs regs;
	struct waiter w[2];
	pthread_t t[2];

	env_init(&e);
	hv_set_tlb_flush_inhibit(e.part, 7, true);
	CHECK_EQ(flush(&e, 0, 1u << 7, &regs), HV_HCALL_SUSPENDED);
	CHECK_EQ(flush(&e, 1, 1u << 7, &regs), HV_HCALL_SUSPENDED);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct waiter){ &e, i, 1 };
		pthread_create(&t[i], NULL, wait_thread, &w[i]);
	}
	usleep(20000);
	hv_partition_cancel_waits(e.part);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].ret, -ECANCELED);
		CHECK_EQ(waiting_on(&e, i), -1);
	}
	/* Stays cancelled; flushes no longer suspend (nobody would release them). */
	CHECK_EQ(hv_vp_wait_unsuspended(e.vp[2], 0), -ECANCELED);
	CHECK_EQ(flush(&e, 0, 1u << 7, &regs), HV_HCALL_DONE);
	CHECK_EQ(regs.rax, HV_STATUS_SUCCESS);
	hv_partition_cancel_waits(e.part); /* idempotent */
	env_fini(&e);
}

static void test_suspend_stats(void)
{
	struct env e;
	struct hv_regs regs;

	env_init(&e);
	hv_set_tlb_flush_inhibit(e.part, 1, true);
	flush(&e, 0, 1u << 1, &regs);
	flush(&e, 2, 1u << 1, &regs);
	CHECK_EQ(hvmock_pstat(e.part, "suspended_vps"), 2);
	CHECK_EQ(hvmock_pstat(e.part, "suspensions"), 2);
	CHECK_EQ(hvmock_pstat(e.part, "hcall_suspended"), 2);
	usleep(5000);
	hv_set_tlb_flush_inhibit(e.part, 1, false);
	CHECK_EQ(hvmock_pstat(e.part, "suspended_vps"), 0);
	CHECK_EQ(hvmock_pstat(e.part, "unsuspends"), 2);
	CHECK_EQ(hv_vp_wait_unsuspended(e.vp[0], 0), 0);
	CHECK(hvmock_vstat(e.vp[0], "suspended_time") >= 5 * NSEC_PER_MSEC);
	CHECK(hvmock_pstat(e.part, "suspended_time") >= 5 * NSEC_PER_MSEC);
	/* VP 2 never waited: accounted when it re-enters the hypercall path. */
	flush(&e, 2, 1u << 1, &regs);
	CHECK(hvmock_pstat(e.part, "suspended_time") >= 10 * NSEC_PER_MSEC);
	env_fini(&e);
}

/* --- races ---------------------------------------------------------------------------- */

/*
 * A race test proves nothing in a run where the race did not happen: each one counts the
 * interleaving it is about and fails when it never occurred (after retrying longer).
 */
#define RACE_TIME_LIMIT_NS (20 * NSEC_PER_SEC)

static int online_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

/*
 * The hammer: NVP vCPU threads flush random targets while 3 control threads inhibit a
 * random VP for a moment (sometimes across a yield) and clear it. It runs until enough
 * flushes completed AND enough of them were suspended on an inhibit and woken by its
 * clear (the interleaving under test), or until RACE_TIME_LIMIT_NS.
 */
#define HAMMER_FLUSHES	   (NVP * 3000)
#define HAMMER_SUSPENSIONS 200

static _Atomic int vcpus_stop, controls_stop, controls_running;
static _Atomic unsigned lost_wakeups, completed;

struct vcpu_arg {
	struct env *e;
	int vp;
	unsigned seed;
};

/* A vCPU thread: flush random targets; when suspended, wait (bounded) and re-execute. */
static void *vcpu_thread(void *arg)
{
	struct vcpu_arg *a = arg;

	while (!atomic_load(&vcpus_stop)) {
		struct hv_regs regs;
		uint64_t mask;

		a->seed = a->seed * 1103515245 + 12345;
		mask = (a->seed >> 8) & ((1u << NVP) - 1);
		for (;;) {
			enum hv_hcall_outcome o = flush(a->e, a->vp, mask, &regs);
			int r;

			if (o == HV_HCALL_DONE)
				break;
			r = hv_vp_wait_unsuspended(a->e->vp[a->vp], 5 * NSEC_PER_SEC);
			if (r == -ETIMEDOUT) {
				atomic_fetch_add(&lost_wakeups, 1);
				return NULL;
			}
		}
		atomic_fetch_add(&completed, 1);
	}
	return NULL;
}

/* A control thread: inhibit a random VP for a moment, then clear it. */
static void *control_thread(void *arg)
{
	struct vcpu_arg *a = arg;

	atomic_fetch_add(&controls_running, 1);
	while (!atomic_load(&controls_stop)) {
		uint32_t vp;

		a->seed = a->seed * 1103515245 + 12345;
		vp = (a->seed >> 8) % NVP;
		hv_set_tlb_flush_inhibit(a->e->part, vp, true);
		if ((a->seed >> 20) & 1)
			sched_yield();
		hv_set_tlb_flush_inhibit(a->e->part, vp, false);
	}
	return NULL;
}

static void test_hammer(void)
{
	struct env e;
	pthread_t vt[NVP], ct[3];
	struct vcpu_arg va[NVP], ca[3];
	uint64_t t0, deadline, susp = 0;

	env_init(&e);
	atomic_store(&vcpus_stop, 0);
	atomic_store(&controls_stop, 0);
	atomic_store(&controls_running, 0);
	atomic_store(&lost_wakeups, 0);
	atomic_store(&completed, 0);
	/* The control threads run first: flushes made before them could not race them. */
	for (int i = 0; i < 3; i++) {
		ca[i] = (struct vcpu_arg){ &e, 0, (unsigned)i * 104729u + 3 };
		pthread_create(&ct[i], NULL, control_thread, &ca[i]);
	}
	while (atomic_load(&controls_running) < 3)
		sched_yield();
	for (int i = 0; i < NVP; i++) {
		va[i] = (struct vcpu_arg){ &e, i, (unsigned)i * 7919u + 1 };
		pthread_create(&vt[i], NULL, vcpu_thread, &va[i]);
	}
	t0 = now_ns();
	deadline = t0 + RACE_TIME_LIMIT_NS;
	while (now_ns() < deadline && !atomic_load(&lost_wakeups)) {
		susp = hvmock_pstat(e.part, "suspensions");
		if (atomic_load(&completed) >= HAMMER_FLUSHES && susp >= HAMMER_SUSPENSIONS)
			break;
		usleep(1000);
	}
	atomic_store(&vcpus_stop, 1);
	for (int i = 0; i < NVP; i++)
		pthread_join(vt[i], NULL);
	atomic_store(&controls_stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(ct[i], NULL);
	susp = hvmock_pstat(e.part, "suspensions");
	printf("# hammer: %u flushes, %llu suspended on an inhibit and woken, in %llu ms\n",
	       atomic_load(&completed), (unsigned long long)susp,
	       (unsigned long long)((now_ns() - t0) / NSEC_PER_MSEC));
	CHECK_EQ(atomic_load(&lost_wakeups), 0);
	CHECK_MSG(atomic_load(&completed) >= HAMMER_FLUSHES, "only %u of %u flushes completed",
		  atomic_load(&completed), HAMMER_FLUSHES);
	CHECK_MSG(susp >= HAMMER_SUSPENSIONS,
		  "the race under test happened %llu times (want >= %u): a flush never met an "
		  "inhibit often enough to test the wake-up",
		  (unsigned long long)susp, HAMMER_SUSPENSIONS);
	CHECK_EQ(hvmock_pstat(e.part, "suspended_vps"), 0);
	/* Every suspension ended in exactly one unsuspend. */
	CHECK_EQ(hvmock_pstat(e.part, "unsuspends"), susp);
	CHECK_EQ(atomic_load(&e.part->inhibited_vps), 0); /* the fast-path count balances */
	for (int i = 0; i < NVP; i++)
		CHECK_EQ(waiting_on(&e, i), -1);
	env_fini(&e);
}

/*
 * The Dekker race of one suspend against one unsuspend, round after round: VP 1 is
 * inhibited, then its clear (toggler) races VP 0's flush to it. The race went both ways
 * only if some flushes were suspended (the clear came after the flush's check and had to
 * wake it) and some were not (the clear came first): rounds are added until both
 * happened, and the test fails if one never did.
 */
#define RACE_ROUNDS 20000

static _Atomic unsigned round_no, round_last;
static _Atomic int race_abort;

static void *toggler(void *arg)
{
	struct env *e = arg;

	for (unsigned r = 1; r <= atomic_load(&round_last); r++) {
		while (atomic_load(&round_no) != r * 2 - 1)
			if (atomic_load(&race_abort))
				return NULL;
		hv_set_tlb_flush_inhibit(e->part, 1, false);
		atomic_store(&round_no, r * 2);
	}
	return NULL;
}

/*
 * Runs up to @rounds rounds, fewer when @deadline passes; *done gets the rounds run.
 * Returns how many flushes were suspended, or -1 on a lost wake-up.
 */
static long race_rounds(struct env *e, unsigned rounds, uint64_t deadline, unsigned *done)
{
	pthread_t t;
	long suspended = 0;
	unsigned r;

	atomic_store(&round_no, 0);
	atomic_store(&round_last, rounds);
	atomic_store(&race_abort, 0);
	pthread_create(&t, NULL, toggler, e);
	for (r = 1; r <= rounds; r++) {
		struct hv_regs regs;

		hv_set_tlb_flush_inhibit(e->part, 1, true);
		atomic_store(&round_no, r * 2 - 1); /* go: the clear races the flush below */
		if (flush(e, 0, 1u << 1, &regs) == HV_HCALL_SUSPENDED) {
			suspended++;
			if (hv_vp_wait_unsuspended(e->vp[0], 5 * NSEC_PER_SEC)) {
				CHECK_MSG(false, "round %u: lost wake-up", r);
				suspended = -1;
				break;
			}
		}
		while (atomic_load(&round_no) != r * 2)
			;
		if ((r & 1023) == 0 && now_ns() > deadline)
			break;
	}
	atomic_store(&race_abort, 1);
	pthread_join(t, NULL);
	*done = r > rounds ? rounds : r;
	return suspended;
}

static void test_unsuspend_races_suspend(void)
{
	struct env e;
	uint64_t deadline = now_ns() + RACE_TIME_LIMIT_NS;
	unsigned long total = 0, suspended = 0;
	unsigned rounds = RACE_ROUNDS, done;
	long s = 0;

	if (online_cpus() < 2) {
		t_skip("one CPU: a clear can race a flush only when both run at once");
		return;
	}
	env_init(&e);
	do {
		s = race_rounds(&e, rounds, deadline, &done);
		if (s < 0)
			break;
		total += done;
		suspended += (unsigned long)s;
		rounds *= 2;
	} while ((!suspended || suspended == total) && now_ns() < deadline);
	printf("# %lu of %lu flushes suspended (the clear came later), %lu not (it came "
	       "first)\n",
	       suspended, total, total - suspended);
	CHECK(s >= 0);
	CHECK_MSG(suspended > 0 && suspended < total,
		  "the race went one way only in %lu rounds: %lu suspended", total, suspended);
	CHECK_EQ(waiting_on(&e, 0), -1);
	env_fini(&e);
}

struct flusher {
	struct env *e;
	enum hv_hcall_outcome o;
	_Atomic int done;
};

static void *flusher_thread(void *arg)
{
	struct flusher *f = arg;
	struct hv_regs regs;

	f->o = flush(f->e, 0, 1u << 1, &regs);
	atomic_store(&f->done, 1);
	return NULL;
}

struct syncer {
	struct env *e;
	int ret;
	int flush_done_at_return;
};

static void *sync_thread(void *arg)
{
	struct syncer *s = arg;

	s->ret = hv_tlb_flush_inhibit_sync(s->e->part, 0);
	s->flush_done_at_return = (int)atomic_load(&s->e->m->flush_done);
	return NULL;
}

static void test_inhibit_sync(void)
{
	struct env e;
	struct flusher f;
	struct syncer s;
	pthread_t ft, st;
	struct hv_regs regs;

	env_init(&e);
	CHECK_EQ(hv_tlb_flush_inhibit_sync(e.part, 0), 0); /* nothing in flight */
	/* A flush already past its inhibit check, held inside ops->flush_tlb. */
	atomic_store(&e.m->flush_block, 1);
	f = (struct flusher){ &e, HV_HCALL_DONE, 0 };
	pthread_create(&ft, NULL, flusher_thread, &f);
	while (!atomic_load(&e.m->flush_entered))
		usleep(100);
	hv_set_tlb_flush_inhibit(e.part, 1, true);
	CHECK_EQ(hv_tlb_flush_inhibit_sync(e.part, 20 * NSEC_PER_MSEC), -ETIMEDOUT);
	/* New flushes see the inhibit and suspend instead of joining the wait. */
	CHECK_EQ(flush(&e, 2, 1u << 1, &regs), HV_HCALL_SUSPENDED);
	s = (struct syncer){ &e, 1, -1 };
	pthread_create(&st, NULL, sync_thread, &s);
	usleep(20000);
	atomic_store(&e.m->flush_block, 0);
	pthread_join(st, NULL);
	pthread_join(ft, NULL);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(s.flush_done_at_return, 1); /* returned only after the flush finished */
	CHECK_EQ(f.o, HV_HCALL_DONE);
	env_fini(&e);
}

int main(void)
{
	RUN(test_suspend_and_resume);
	RUN(test_only_waiters_of_that_vp);
	RUN(test_self_wait_and_cycles);
	RUN(test_offline_and_removed_targets);
	RUN(test_cancel);
	RUN(test_suspend_stats);
	RUN(test_hammer);
	RUN(test_unsuspend_races_suspend);
	RUN(test_inhibit_sync);
	return t_done();
}
