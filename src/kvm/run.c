// SPDX-License-Identifier: MIT
/*
 * The vCPU thread: started by the "vcpu:thread" bring-up step, it waits at its gate until
 * the vCPU is online, runs the KVM_RUN loop (docs/architecture.md §4) until asked to
 * stop, and, when it stops because its vCPU is being removed, finishes that removal
 * itself (hotplug.c) before it leaves.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kvm/vm_internal.h"
#include "sandbox/sandbox.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

#define VCPU_THREAD_STACK (256u << 10)

static __thread struct vcpu *current_vcpu;

/* Handles the requests pending before an entry. Returns true when the thread must exit. */
static bool vcpu_handle_requests(struct vcpu *v)
{
	uint32_t req = atomic_exchange(&v->requests, 0);

	if (req & VCPU_REQ_STOP) {
		atomic_fetch_or(&v->requests, VCPU_REQ_STOP); /* stays set: the loop is over */
		return true;
	}
	if (req & VCPU_REQ_WORK)
		vcpu_do_work(v);
	if (req & VCPU_REQ_FLUSH)
		vcpu_flush_tlb_sregs(v);
	if (req & VCPU_REQ_AEOI)
		vcpu_aeoi_deliver(v);
	return false;
}

/*
 * The gate: a vCPU thread exists before its vCPU is online (bring-up step "vcpu:thread").
 * It sleeps on wake_seq, which every request and the step "vcpu:online" bump after they
 * change what it looks at: loading wake_seq first means no change is slept through.
 */
static bool vcpu_wait_online(struct vcpu *v)
{
	for (;;) {
		uint32_t seq = atomic_load(&v->wake_seq);
		uint32_t req = atomic_load(&v->requests);

		if (req & VCPU_REQ_STOP)
			return false;
		if (atomic_load(&v->state) == VCPU_ONLINE)
			return true;
		if (req & VCPU_REQ_WORK)
			vcpu_handle_requests(v);
		futex_wait(&v->wake_seq, seq, 0);
	}
}

/*
 * After a KVM internal error with --internal-error pause: out of the guest for good, the
 * thread keeps answering requests (work, flushes) until the VM stops it. It sleeps on
 * wake_seq as the gate does, so no request is slept through.
 */
static void vcpu_park_on_error(struct vcpu *v)
{
	for (;;) {
		uint32_t seq = atomic_load(&v->wake_seq);
		uint32_t req = atomic_load(&v->requests);

		if (req & VCPU_REQ_STOP)
			return;
		if (req)
			vcpu_handle_requests(v);
		else
			futex_wait(&v->wake_seq, seq, 0);
	}
}

/*
 * Exit timing (kvm/exit_timing.h): the exit being timed, from KVM_RUN's return to the next
 * KVM_RUN call. Off, v->exit_timing is NULL and t0 stays 0: one predictable branch each.
 * HVEMU_NO_EXIT_TIMING builds without the hooks, the reference `make bench` compares with.
 */
struct exit_clock {
	uint64_t t0; /* 0: nothing being timed */
	enum vcpu_exit_kind kind;
};

static inline void exit_clock_start(struct vcpu *v, struct exit_clock *c, int r)
{
#ifndef HVEMU_NO_EXIT_TIMING
	if (unlikely(v->exit_timing != NULL)) {
		c->t0 = exit_timing_now();
		c->kind = vcpu_exit_kind(v, r);
	}
#else
	(void)v, (void)c, (void)r;
#endif
}

static inline void exit_clock_stop(struct vcpu *v, struct exit_clock *c)
{
#ifndef HVEMU_NO_EXIT_TIMING
	if (unlikely(c->t0 != 0)) {
		hist_record(&v->exit_timing->ns[c->kind], exit_timing_now() - c->t0);
		c->t0 = 0;
	}
#else
	(void)v, (void)c;
#endif
}

static void vcpu_run_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct exit_clock clock = { 0 };

	for (;;) {
		int r, e;

		/* Dekker with vcpu_request(): store run_gen (odd), then load the requests. */
		atomic_fetch_add(&v->run_gen, 1);
		if (atomic_load(&v->requests)) {
			atomic_fetch_add(&v->run_gen, 1);
			if (atomic_load(&v->gen_waiters))
				futex_wake(&v->run_gen, INT_MAX);
			if (vcpu_handle_requests(v))
				return;
			continue;
		}
		exit_clock_stop(v, &clock);
		r = ioctl(v->fd, KVM_RUN, 0);
		e = errno;
		exit_clock_start(v, &clock, r);
		atomic_fetch_add(&v->run_gen, 1);
		if (atomic_load(&v->gen_waiters))
			futex_wake(&v->run_gen, INT_MAX);
		/* An AutoEOI interrupt that waited for this exit (autoeoi.c). */
		if (v->aeoi.wait_exit)
			atomic_fetch_or(&v->requests, VCPU_REQ_AEOI);
		/* A kick that lands after this only costs one spurious, immediate exit. */
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELAXED);
		if (r < 0) {
			if (e == EINTR || e == EAGAIN) {
				/* Kicked, or INIT received (run again: it waits for SIPI). */
				stat_inc(&v->stats.exits_intr);
				continue;
			}
			vm_stop(vm, VM_EXIT_HOST_ERROR, "vcpu%u: KVM_RUN failed: %s", v->slot,
				strerror(e));
			return;
		}
		v->has_run = true;
		vcpu_handle_exit(v);
		if (atomic_load(&v->stopped_on_error)) {
			vcpu_park_on_error(v);
			return;
		}
		/* Messages waiting for a slot the guest has freed since (docs/synic.md). */
		if (v->hv && hv_vp_synic_waiting(v->hv))
			hv_vp_synic_poll(v->hv);
	}
}

/*
 * SCHED_BATCH (the default, --vcpu-sched): a woken SCHED_BATCH task does not preempt the
 * running one. With more vCPUs than host CPUs, every IPI, PV IPI or flush kick wakes a
 * vCPU thread; under SCHED_OTHER each wake-up may deschedule the sender before it has sent
 * the rest. Measured: a 64-target PV IPI hypercall 2-3.4 ms -> 0.7-1.2 ms (docs/architecture.md
 * §3). Any thread may choose SCHED_BATCH; a refusal (seccomp) is logged, not fatal.
 */
static void vcpu_set_sched(struct vcpu *v)
{
	static _Atomic bool warned;
	struct sched_param p = { .sched_priority = 0 };

	if (v->vm->cfg.vcpu_sched != VM_SCHED_BATCH)
		return;
	if (sched_setscheduler(0, SCHED_BATCH, &p) == 0)
		return;
	if (!atomic_exchange(&warned, true))
		pr_warn("vcpu%u: SCHED_BATCH refused (%s): vCPU threads stay SCHED_OTHER", v->slot,
			strerror(errno));
}

static void *vcpu_thread_main(void *arg)
{
	struct vcpu *v = arg;
	char name[16];

	sandbox_enter(SANDBOX_VCPU);
	snprintf(name, sizeof(name), "vcpu%u", v->slot);
	prctl(PR_SET_NAME, name);
	log_set_thread_name(name);
	current_vcpu = v;
	vcpu_set_sched(v);
	vcpu_kick_bind_thread(v);
	atomic_store(&v->tid, gettid());
	atomic_store(&v->started, 1);
	futex_wake(&v->started, INT_MAX);
	if (vcpu_wait_online(v))
		vcpu_run_loop(v);
	/* No more kicks or calls: this thread does not enter the guest again. */
	vcpu_kick_unbind_thread();
	atomic_store(&v->tid, 0);
	vcpu_refuse_work(v);
	/* Leave with run_gen even: nobody waits for this thread to leave KVM_RUN any more. */
	if (atomic_load(&v->run_gen) & 1)
		atomic_fetch_add(&v->run_gen, 1);
	futex_wake(&v->run_gen, INT_MAX);
	/* Ejected (not a failed bring-up, not the VM's end): the rest of the teardown. */
	if (atomic_load(&v->state) == VCPU_REMOVING)
		vm_vcpu_finish_removal(v);
	current_vcpu = NULL;
	/* The last access to v: from here on the vCPU may be reused or freed. */
	atomic_store(&v->exited, 1);
	futex_wake(&v->exited, INT_MAX);
	return NULL;
}

struct vcpu *vcpu_current(void)
{
	return current_vcpu;
}

int vcpu_thread_wait_exit(struct vcpu *v, uint64_t timeout_ns)
{
	if (futex_wait_change(&v->exited, 0, now_ns() + timeout_ns) == 0)
		return 0;
	stat_inc(&v->vm->stats.vcpu_stop_timeouts);
	pr_err_ratelimited("vcpu%u: thread did not stop within %llu ms", v->slot,
			   (unsigned long long)(timeout_ns / NSEC_PER_MSEC));
	return -ETIMEDOUT;
}

int vcpu_thread_stop(struct vcpu *v, uint64_t timeout_ns)
{
	if (!v->thread_joinable || current_vcpu == v)
		return 0; /* none, or its own removal: the handle is joined later */
	vcpu_request(v, VCPU_REQ_STOP);
	if (vcpu_thread_wait_exit(v, timeout_ns))
		return -ETIMEDOUT;     /* still joinable: joined when it has left */
	pthread_join(v->thread, NULL); /* it has left: returns at once */
	v->thread_joinable = false;
	return 0;
}

int vcpu_thread_start(struct vcpu *v)
{
	pthread_attr_t attr;
	int r;

	/* The slot's previous thread finished its own removal: it has left, or is leaving. */
	r = vcpu_thread_stop(v, VCPU_THREAD_STOP_TIMEOUT_NS);
	if (r)
		return r;
	atomic_store(&v->requests, 0);
	atomic_store(&v->started, 0);
	atomic_store(&v->exited, 0);
	vcpu_aeoi_reset(v); /* a re-added vCPU starts with no AutoEOI interrupt pending */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_THREAD_STACK);
	r = -pthread_create(&v->thread, &attr, vcpu_thread_main, v);
	pthread_attr_destroy(&attr);
	if (r)
		return r;
	v->thread_joinable = true;
	return 0;
}

int vcpu_thread_wait_started(struct vcpu *v, uint64_t timeout_ns)
{
	if (futex_wait_change(&v->started, 0, now_ns() + timeout_ns) == 0)
		return 0;
	pr_err_ratelimited("vcpu%u: thread did not start within %llu ms", v->slot,
			   (unsigned long long)(timeout_ns / NSEC_PER_MSEC));
	return -ETIMEDOUT;
}
