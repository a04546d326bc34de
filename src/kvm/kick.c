// SPDX-License-Identifier: MIT
/*
 * Kicking a vCPU out of KVM_RUN, and acknowledged cross-thread calls.
 *
 * The kick is a signal (SIGUSR1) to the vCPU thread. If it arrives while the thread is in
 * KVM_RUN, KVM returns -EINTR; if it arrives just before the ioctl, the handler has set
 * kvm_run->immediate_exit so the ioctl returns at once. Requests are ordered against
 * run_gen (Dekker): the kicker stores the request then loads run_gen; the vCPU stores
 * run_gen (odd) then loads the requests. With seq_cst atomics at least one side sees the
 * other, so a request is never left pending across a KVM_RUN.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm/vcpu.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

#define VCPU_KICK_SIGNAL SIGUSR1

enum vcpu_work_state {
	WORK_IDLE,
	WORK_PENDING,
	WORK_RUNNING,
	WORK_DONE,
	WORK_REFUSED, /* the thread left without running it */
};

static __thread struct kvm_run *kick_run;

static void kick_handler(int sig)
{
	struct kvm_run *run = kick_run;

	(void)sig;
	if (run)
		__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_RELAXED);
}

int vcpu_kick_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a kicked futex wait or ioctl must return to its loop. */
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) ? -errno : 0;
}

void vcpu_kick_bind_thread(struct vcpu *v)
{
	sigset_t set;

	kick_run = v->run;
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

bool vcpu_kick(struct vcpu *v)
{
	pid_t tid;

	if (!(atomic_load(&v->run_gen) & 1))
		return false;
	tid = atomic_load(&v->tid);
	if (tid <= 0)
		return false;
	/*
	 * tgkill, not pthread_kill: the thread may exit concurrently (hot-remove) and a
	 * pthread_t of a joined thread must not be used. A reused tid in this process gets a
	 * spurious kick at worst, which every thread tolerates.
	 */
	syscall(SYS_tgkill, getpid(), tid, VCPU_KICK_SIGNAL);
	stat_inc(&v->stats.kicks_received);
	return true;
}

void vcpu_kick_unbind_thread(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kick_run = NULL;
}

void vcpu_wake_gate(struct vcpu *v)
{
	/* The gate loads wake_seq before it looks at state and requests (run.c). */
	atomic_fetch_add(&v->wake_seq, 1);
	futex_wake(&v->wake_seq, INT_MAX);
}

void vcpu_request(struct vcpu *v, uint32_t reqs)
{
	atomic_fetch_or(&v->requests, reqs);
	vcpu_kick(v);
	/* A thread at its gate sleeps on wake_seq, not in KVM_RUN. */
	vcpu_wake_gate(v);
}

int vcpu_call(struct vcpu *v, void (*fn)(struct vcpu *, void *), void *arg, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	uint32_t st;
	int r = 0;

	pthread_mutex_lock(&v->work_lock);
	v->work_fn = fn;
	v->work_arg = arg;
	atomic_store(&v->work_state, WORK_PENDING);
	vcpu_request(v, VCPU_REQ_WORK);
	if (futex_wait_change(&v->work_state, WORK_PENDING, deadline) == -ETIMEDOUT) {
		uint32_t exp = WORK_PENDING;

		if (atomic_compare_exchange_strong(&v->work_state, &exp, WORK_IDLE)) {
			pr_err_ratelimited("vcpu%u did not acknowledge a request within %llu ms",
					   v->slot,
					   (unsigned long long)(timeout_ns / NSEC_PER_MSEC));
			r = -ETIMEDOUT;
			goto out;
		}
	}
	/* Acknowledged: the vCPU thread is running fn (a few ioctls on its own fd). */
	while ((st = atomic_load(&v->work_state)) != WORK_DONE && st != WORK_REFUSED)
		futex_wait(&v->work_state, st, 0);
	if (st == WORK_REFUSED)
		r = -ESRCH;
	atomic_store(&v->work_state, WORK_IDLE);
out:
	pthread_mutex_unlock(&v->work_lock);
	return r;
}

void vcpu_refuse_work(struct vcpu *v)
{
	uint32_t exp = WORK_PENDING;

	if (atomic_compare_exchange_strong(&v->work_state, &exp, WORK_REFUSED))
		futex_wake(&v->work_state, INT_MAX);
}

void vcpu_do_work(struct vcpu *v)
{
	uint32_t exp = WORK_PENDING;

	if (!atomic_compare_exchange_strong(&v->work_state, &exp, WORK_RUNNING))
		return; /* cancelled by a caller that timed out */
	futex_wake(&v->work_state, INT_MAX);
	v->work_fn(v, v->work_arg);
	atomic_store(&v->work_state, WORK_DONE);
	futex_wake(&v->work_state, INT_MAX);
}

int vcpu_wait_gen_change(struct vcpu *v, uint32_t gen, uint64_t deadline_ns,
			 bool (*stop_early)(struct vcpu *v))
{
	int r;

	/* Dekker with the vCPU thread: it bumps run_gen, then wakes if gen_waiters != 0. */
	atomic_fetch_add(&v->gen_waiters, 1);
	for (;;) {
		uint64_t now, slice;

		if (atomic_load(&v->run_gen) != gen) {
			r = 0;
			break;
		}
		if (stop_early && stop_early(v)) {
			r = 0;
			break;
		}
		now = now_ns();
		if (now >= deadline_ns) {
			r = -ETIMEDOUT;
			break;
		}
		slice = deadline_ns - now;
		/* With a stop_early condition, look again at least every 50 us. */
		if (stop_early && slice > 50 * NSEC_PER_USEC)
			slice = 50 * NSEC_PER_USEC;
		futex_wait(&v->run_gen, gen, slice);
	}
	atomic_fetch_sub(&v->gen_waiters, 1);
	return r;
}
