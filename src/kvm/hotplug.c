// SPDX-License-Identifier: MIT
/*
 * Adding and removing vCPUs: both flows, top to bottom, on the bring-up steps of
 * vcpu_steps.c (docs/architecture.md §7.2). A slot's state (enum vcpu_state) is set by
 * those steps: ADDING while they run up, ONLINE when all have, REMOVING from the first
 * teardown, ABSENT at the bottom.
 *
 * Add (boot vCPUs, the control socket's cpu-add, the test device's CPU_ADD):
 *   vm_vcpu_add: under vm->lock, run every step up (kvm:vcpu ... vcpu:online); a failing
 *   step rolls the slot back to ABSENT and the guest never sees it. Then the insert
 *   event goes to the guest, which starts the CPU with INIT-SIPI-SIPI.
 *
 * Remove (cpu-del or CPU_REMOVE ask; the guest answers with EJECT):
 *   vm_vcpu_request_remove: raise the guest's remove event. The guest offlines the CPU and
 *   writes EJECT to the hotplug controller, which calls
 *   vm_vcpu_eject: under vm->lock, tear down vcpu:online ... oncpu:perf (the vCPU is gone
 *   for the guest, no flush or IPI targets it, it is off its host CPUs) and ask its
 *   thread to stop. Then, with no lock held, wait for the thread:
 *   vm_vcpu_finish_removal, on that thread as it leaves, takes vm->lock and runs the
 *   remaining teardowns (vcpu:thread ... kvm:vcpu): the slot is ABSENT and re-addable.
 *
 * Why the vCPU's own thread finishes its removal: nobody then waits for a vCPU thread
 * while holding vm->lock, which that thread may need (to eject another vCPU, or to add
 * one). Two vCPUs that eject each other each ask the other to stop and each stops
 * waiting as soon as it is asked to stop itself (docs/architecture.md §8).
 *
 * Every line a guest or a client can trigger here is rate-limited and counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuhp/cpuhp.h"
#include "kvm/vm_internal.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

/* Under vm->lock: the slot's vCPU up to `target`, or back where it was with *err set. */
static int slot_up(struct vm *vm, unsigned slot, unsigned target, char *err, size_t errlen)
{
	struct cpuhp_failure f = { 0 };
	int r = cpuhp_up_to(vm->hp, slot, target, &f);

	if (r)
		snprintf(err, errlen, "vcpu%u: bring-up step %s failed: %s", slot,
			 cpuhp_step_name(vm->hp, f.pos), strerror(r < 0 ? -r : r));
	return r;
}

/* --- add ----------------------------------------------------------------------------- */

/*
 * No lock held: until the slot's vCPU has left REMOVING, or the wait must end. A vCPU
 * that is asked to stop meanwhile stops waiting (two vCPUs that eject each other would
 * otherwise wait for each other): the leaving thread finishes the removal without it.
 */
static int wait_removed(struct vm *vm, struct vcpu *v)
{
	struct vcpu *self = vcpu_current();
	uint64_t deadline = now_ns() + VCPU_THREAD_STOP_TIMEOUT_NS;

	for (;;) {
		uint32_t st = atomic_load(&v->state);
		uint64_t now;

		if (st != VCPU_REMOVING)
			return 0;
		if ((self && (atomic_load(&self->requests) & VCPU_REQ_STOP)) || vm_stopping(vm))
			return -EINPROGRESS;
		now = now_ns();
		if (now >= deadline) {
			stat_inc(&vm->stats.vcpu_stop_timeouts);
			pr_err_ratelimited(
			    "vcpu%u: its thread did not leave within %llu ms; the "
			    "removal completes when it does",
			    v->slot,
			    (unsigned long long)(VCPU_THREAD_STOP_TIMEOUT_NS / NSEC_PER_MSEC));
			return -EINPROGRESS;
		}
		/* Short slices on a vCPU: its own stop request does not change v->state. */
		futex_wait(&v->state, st, self ? 200 * NSEC_PER_USEC : deadline - now);
	}
}

/*
 * Creating a KVM vCPU and giving it its CPUID are most of a boot vCPU's set-up time (about
 * 0.3 ms on this host, mostly in the kernel) and independent from one vCPU to the next, so
 * for many boot vCPUs they run on several threads first: the bring-up steps then find the
 * vCPUs parked in their slots and reuse them (kvm:vcpu, kvm:cpuid). A slot that fails here
 * is left empty and its steps try again and report the error.
 */
#define PRECREATE_MIN_VCPUS   32
#define PRECREATE_MAX_THREADS 8

struct precreate {
	struct vm *vm;
	_Atomic unsigned next;
};

static void *precreate_worker(void *arg)
{
	struct precreate *p = arg;
	unsigned s;

	while ((s = atomic_fetch_add(&p->next, 1)) < p->vm->cfg.boot_vcpus)
		vm_vcpu_precreate(p->vm, s);
	return NULL;
}

static void precreate_boot_vcpus(struct vm *vm)
{
	pthread_t t[PRECREATE_MAX_THREADS];
	struct precreate p = { .vm = vm };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t t0 = now_ns();
	unsigned n = 0, want;

	if (vm->cfg.boot_vcpus < PRECREATE_MIN_VCPUS || cpus < 2)
		return;
	want = (unsigned)(cpus < PRECREATE_MAX_THREADS ? cpus : PRECREATE_MAX_THREADS) - 1;
	for (; n < want; n++) {
		pthread_attr_t attr;
		int r;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64u << 10);
		r = pthread_create(&t[n], &attr, precreate_worker, &p);
		pthread_attr_destroy(&attr);
		if (r)
			break;
	}
	precreate_worker(&p); /* this thread too */
	vm->boot_precreate_threads = n + 1;
	while (n)
		pthread_join(t[--n], NULL);
	vm->boot_precreate_ns = now_ns() - t0;
}

int vm_vcpus_add_boot(struct vm *vm, char *err, size_t errlen)
{
	int r = 0;

	precreate_boot_vcpus(vm);
	pthread_mutex_lock(&vm->lock);
	/*
	 * In two passes: every vCPU up to its thread's start, then the steps that need the
	 * thread's TID. The threads start while the next vCPUs are created instead of being
	 * waited for one by one (with 1024 vCPUs on a busy host: seconds).
	 */
	for (unsigned s = 0; !r && s < vm->cfg.boot_vcpus; s++)
		r = slot_up(vm, s, VCPU_STEP_THREAD, err, errlen);
	for (unsigned s = 0; !r && s < vm->cfg.boot_vcpus; s++)
		r = slot_up(vm, s, VCPU_STEP_READY, err, errlen);
	pthread_mutex_unlock(&vm->lock);
	return r; /* vm_destroy takes down whatever came up */
}

int vm_vcpus_start_boot(struct vm *vm)
{
	char err[256];
	int r = 0;

	pthread_mutex_lock(&vm->lock);
	for (unsigned s = 0; !r && s < vm->cfg.boot_vcpus; s++)
		r = slot_up(vm, s, CPUHP_ONLINE, err, sizeof(err));
	pthread_mutex_unlock(&vm->lock);
	if (r)
		vm_stop(vm, VM_EXIT_HOST_ERROR, "%s", err);
	return r;
}

int vm_vcpu_add(struct vm *vm, unsigned slot)
{
	uint64_t t0 = now_ns();
	char err[256] = "";
	uint32_t vp;
	int r;

	if (slot >= vm->cfg.max_vcpus)
		return -EINVAL;
	/* Just ejected: its thread may still be finishing the removal. */
	if (vm_slot_state(vm, slot) == VCPU_REMOVING &&
	    wait_removed(vm, vm_slot_vcpu(vm, slot)) == -EINPROGRESS)
		return -EBUSY;
	pthread_mutex_lock(&vm->lock);
	if (vm_stopping(vm))
		r = -ESHUTDOWN;
	else if (vm_slot_state(vm, slot) == VCPU_REMOVING)
		r = -EBUSY;
	else if (vm_slot_state(vm, slot) != VCPU_ABSENT)
		r = -EEXIST;
	else
		r = slot_up(vm, slot, CPUHP_ONLINE, err, sizeof(err));
	pthread_mutex_unlock(&vm->lock);
	if (r) {
		stat_inc(&vm->stats.vcpu_add_failures);
		if (err[0])
			pr_err_ratelimited("hot-add failed, rolled back: %s", err);
		return r;
	}
	stat_inc(&vm->stats.vcpus_added);
	vp = vm_slot_vp_index(vm, slot);
	pr_info_ratelimited("vcpu%u added (VP index %u) in %.3f ms", slot, vp,
			    (double)(now_ns() - t0) / 1e6);
	vm_event(vm, CTL_EVENT_VCPU_ADDED, CTL_EV_INT("slot", slot), CTL_EV_INT("vp-index", vp),
		 CTL_EV_INT("apic-id", slot));
	hpctl_raise(&vm->hpctl, slot, HPCTL_ST_INSERT);
	return 0;
}

/* --- remove -------------------------------------------------------------------------- */

int vm_vcpu_request_remove(struct vm *vm, unsigned slot)
{
	if (slot >= vm->cfg.max_vcpus)
		return -EINVAL;
	if (slot == 0)
		return -EBUSY; /* the boot vCPU stays, as in QEMU and Cloud Hypervisor */
	if (!vm_online_vcpu(vm, slot))
		return -ENOENT;
	hpctl_raise(&vm->hpctl, slot, HPCTL_ST_REMOVE);
	return 0;
}

/* Why an eject was refused, in words (the slot's state when the guest wrote EJECT). */
static const char *eject_refusal(int r)
{
	switch (r) {
	case -ENOENT:
		return "the slot has no vCPU";
	case -EBUSY:
		return "the slot's vCPU is still being added";
	case -EINPROGRESS:
		return "the slot's vCPU is already being removed";
	case -ESHUTDOWN:
		return "the VM is shutting down";
	default:
		return strerror(-r);
	}
}

/* Under vm->lock: hide the vCPU and ask its thread to stop. */
static int eject_begin(struct vm *vm, unsigned slot, struct vcpu **out, char *err, size_t errlen)
{
	struct cpuhp_failure f = { 0 };
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	int r;

	if (vm_stopping(vm))
		return -ESHUTDOWN;
	switch (vm_slot_state(vm, slot)) {
	case VCPU_ABSENT:
		return -ENOENT;
	case VCPU_ADDING:
		return -EBUSY;
	case VCPU_REMOVING:
		return -EINPROGRESS;
	case VCPU_ONLINE:
		break;
	}
	r = cpuhp_down_to(vm->hp, slot, VCPU_STEP_THREAD, &f);
	if (r) {
		/* cpuhp started the steps torn down again: the vCPU is online as before. */
		snprintf(err, errlen, "teardown step %s failed (the vCPU stays online): %s",
			 cpuhp_step_name(vm->hp, f.pos), strerror(r < 0 ? -r : r));
		return r;
	}
	vcpu_request(v, VCPU_REQ_STOP);
	*out = v;
	return 0;
}

int vm_vcpu_eject(struct vm *vm, unsigned slot)
{
	struct vcpu *v = NULL;
	char err[192] = "";
	int r;

	if (slot >= vm->cfg.max_vcpus || slot == 0)
		r = slot == 0 ? -EBUSY : -EINVAL;
	else {
		pthread_mutex_lock(&vm->lock);
		r = eject_begin(vm, slot, &v, err, sizeof(err));
		pthread_mutex_unlock(&vm->lock);
	}
	if (r) {
		stat_inc(&vm->stats.vcpu_remove_failures);
		pr_warn_ratelimited("eject of slot %u refused: %s", slot,
				    err[0] ? err : eject_refusal(r));
		return r;
	}
	return wait_removed(vm, v);
}

void vm_vcpu_finish_removal(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct cpuhp_failure f = { 0 };
	uint32_t vp = vm_slot_vp_index(vm, v->slot);
	int r;

	pthread_mutex_lock(&vm->lock);
	/* These teardowns cannot fail on this thread; a violation would be reported. */
	r = cpuhp_down_to(vm->hp, v->slot, CPUHP_OFFLINE, &f);
	pthread_mutex_unlock(&vm->lock);
	futex_wake(&v->state, INT32_MAX); /* the remover waits for ABSENT */
	if (r) {
		stat_inc(&vm->stats.vcpu_remove_failures);
		pr_err_ratelimited("vcpu%u: removal failed at teardown step %s: %s", v->slot,
				   cpuhp_step_name(vm->hp, f.pos), strerror(r < 0 ? -r : r));
		return;
	}
	stat_inc(&vm->stats.vcpus_removed);
	pr_info_ratelimited("vcpu%u removed (parked; VP index %u stays reserved)", v->slot, vp);
	vm_event(vm, CTL_EVENT_VCPU_REMOVED, CTL_EV_INT("slot", v->slot),
		 CTL_EV_INT("vp-index", vp));
}

/* --- the end of the VM ---------------------------------------------------------------- */

int vm_vcpus_join_all(struct vm *vm, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	unsigned n = vm->slots ? vm->cfg.max_vcpus : 0;
	bool *claimed = calloc(n ? n : 1, sizeof(*claimed));
	int r = 0;

	if (!claimed)
		return -ENOMEM;
	/*
	 * Claim the thread handles under vm->lock, then wait without it: a leaving thread
	 * may take vm->lock to finish a removal. The VM is stopping, and every add checks
	 * that under vm->lock, so no thread starts after this pass.
	 */
	pthread_mutex_lock(&vm->lock);
	for (unsigned s = 0; s < n; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);

		if (v && v->thread_joinable) {
			claimed[s] = true;
			v->thread_joinable = false;
			vcpu_request(v, VCPU_REQ_STOP);
		}
	}
	pthread_mutex_unlock(&vm->lock);
	for (unsigned s = 0; s < n; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);
		uint64_t now = now_ns();

		if (!claimed[s])
			continue;
		if (vcpu_thread_wait_exit(v, now < deadline ? deadline - now : 0)) {
			pthread_mutex_lock(&vm->lock);
			v->thread_joinable = true; /* still running: its vCPU is never freed */
			pthread_mutex_unlock(&vm->lock);
			r = -ETIMEDOUT;
			continue;
		}
		pthread_join(v->thread, NULL);
	}
	free(claimed);
	return r;
}

void vm_vcpus_remove_all(struct vm *vm)
{
	for (unsigned s = 0; vm->slots && s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);

		if (!v || v->thread_joinable)
			continue; /* a thread that would not stop keeps its vCPU as it is */
		pthread_mutex_lock(&vm->lock);
		cpuhp_down_to(vm->hp, s, CPUHP_OFFLINE, NULL);
		pthread_mutex_unlock(&vm->lock);
	}
}
