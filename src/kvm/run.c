// SPDX-License-Identifier: MIT
/*
 * The vCPU thread: waits at its gate until the vCPU is online, then runs the KVM_RUN
 * loop (docs/architecture.md §4) until asked to stop.
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
#include "util/futex.h"
#include "util/log.h"

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
	return false;
}

/* The gate: a vCPU thread exists before its vCPU is online (bring-up step "vcpu:thread"). */
static bool vcpu_wait_online(struct vcpu *v)
{
	for (;;) {
		uint32_t st = atomic_load(&v->state);

		if (atomic_load(&v->requests) & VCPU_REQ_STOP)
			return false;
		if (st == VCPU_ONLINE)
			return true;
		if (atomic_load(&v->requests) & VCPU_REQ_WORK)
			vcpu_handle_requests(v);
		futex_wait(&v->state, st, 0);
	}
}

static void vcpu_run_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;

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
		r = ioctl(v->fd, KVM_RUN, 0);
		e = errno;
		atomic_fetch_add(&v->run_gen, 1);
		if (atomic_load(&v->gen_waiters))
			futex_wake(&v->run_gen, INT_MAX);
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

void *vcpu_thread_main(void *arg)
{
	struct vcpu *v = arg;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->slot);
	prctl(PR_SET_NAME, name);
	log_set_thread_name(name);
	vcpu_set_sched(v);
	vcpu_kick_bind_thread(v);
	atomic_store(&v->tid, gettid());
	atomic_store(&v->started, 1);
	futex_wake(&v->started, INT_MAX);
	if (vcpu_wait_online(v))
		vcpu_run_loop(v);
	/* Leave with run_gen even: nobody waits for this thread to leave KVM_RUN any more. */
	if (atomic_load(&v->run_gen) & 1)
		atomic_fetch_add(&v->run_gen, 1);
	futex_wake(&v->run_gen, INT_MAX);
	return NULL;
}
