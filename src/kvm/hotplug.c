// SPDX-License-Identifier: MIT
/* vCPU slots: boot vCPUs, hot-add, removal (the steps themselves are in vcpu_steps.c). */
#include "kvm/hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpuhp/cpuhp.h"
#include "kvm/vm_internal.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/time.h"

static int slot_up(struct vm *vm, unsigned slot, unsigned target, char *err, size_t errlen)
{
	struct cpuhp_failure f = { 0 };
	int r = cpuhp_up_to(vm->hp, slot, target, &f);

	if (r) {
		const char *name = cpuhp_step_name(vm->hp, f.pos);

		snprintf(err, errlen, "vcpu%u: bring-up step %s failed: %s", slot,
			 name ? name : "?", strerror(r < 0 ? -r : r));
	}
	return r;
}

int vm_vcpus_create_boot(struct vm *vm, char *err, size_t errlen)
{
	int r = 0;

	pthread_mutex_lock(&vm->lock);
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

int vm_vcpus_join_all(struct vm *vm, uint64_t timeout_ns)
{
	int r = 0;

	for (unsigned s = 0; vm->slots && s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);

		if (v && v->thread_alive && vcpu_join_thread(v, timeout_ns))
			r = -ETIMEDOUT;
	}
	return r;
}

void vm_vcpus_destroy_all(struct vm *vm)
{
	for (unsigned s = 0; vm->slots && s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);

		if (!v || v->thread_alive) /* a thread that would not stop keeps its vCPU */
			continue;
		vm_host_thread_remove(vm, v);
		oncpu_close(&v->oncpu);
		if (v->hv)
			hv_vp_destroy(v->hv);
		munmap(v->run, (size_t)vm->sys.vcpu_mmap_size);
		fd_close(&v->stats_fd);
		close(v->fd);
		pthread_mutex_destroy(&v->work_lock);
		atomic_store(&vm->slots[s], NULL);
		free(v);
	}
}

/* --- hotplug ----------------------------------------------------------------------------- */

unsigned vm_cpus_online(struct vm *vm)
{
	unsigned n = 0;

	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++)
		if (vm_vcpu_online(vm, s))
			n++;
	return n;
}

int vm_cpu_free_slot(struct vm *vm)
{
	int r = -ENOSPC;

	pthread_mutex_lock(&vm->lock);
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++) {
		if (cpuhp_cpu_state(vm->hp, s) == CPUHP_OFFLINE) {
			r = (int)s;
			break;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}

int vm_cpu_add(struct vm *vm, unsigned slot)
{
	uint64_t t0 = now_ns();
	char err[256];
	int r;

	if (slot >= vm->cfg.max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (vm_stopping(vm))
		r = -ESHUTDOWN;
	else if (cpuhp_cpu_state(vm->hp, slot) != CPUHP_OFFLINE)
		r = -EEXIST;
	else
		r = slot_up(vm, slot, CPUHP_ONLINE, err, sizeof(err));
	pthread_mutex_unlock(&vm->lock);
	if (r == -EEXIST || r == -ESHUTDOWN)
		return r;
	if (r) {
		/* Every failed bring-up is reported and counted, whatever its error. */
		stat_inc(&vm->stats.vcpu_add_failures);
		pr_err("hot-add failed, rolled back: %s", err);
		return r;
	}
	stat_inc(&vm->stats.vcpus_added);
	pr_info("vcpu%u added (VP index %u) in %.3f ms", slot, vm->slot_vp_index[slot],
		(double)(now_ns() - t0) / 1e6);
	ctl_event(vm_ctl(vm), CTL_EVENT_VCPU_ADDED, CTL_EV_INT("slot", slot),
		  CTL_EV_INT("vp-index", vm->slot_vp_index[slot]), CTL_EV_INT("apic-id", slot));
	hpctl_raise(&vm->hpctl, slot, HPCTL_ST_INSERT);
	return 0;
}

int vm_cpu_request_remove(struct vm *vm, unsigned slot)
{
	if (slot >= vm->cfg.max_vcpus)
		return -EINVAL;
	if (slot == 0)
		return -EBUSY; /* the boot vCPU stays, as in QEMU and Cloud Hypervisor */
	if (!vm_vcpu_online(vm, slot))
		return -ENOENT;
	hpctl_raise(&vm->hpctl, slot, HPCTL_ST_REMOVE);
	return 0;
}

int vm_cpu_eject(struct vm *vm, unsigned slot)
{
	struct cpuhp_failure f = { 0 };
	struct vcpu *v;
	int r;

	if (slot >= vm->cfg.max_vcpus || slot == 0)
		return -EINVAL;
	v = vm_slot_vcpu(vm, slot);
	if (v && v->thread_alive && pthread_equal(v->thread, pthread_self()))
		return -EDEADLK; /* a vCPU cannot eject itself: another CPU must do it */
	pthread_mutex_lock(&vm->lock);
	if (!cpuhp_cpu_fully_up(vm->hp, slot))
		r = -ENOENT;
	else
		r = cpuhp_down_to(vm->hp, slot, CPUHP_OFFLINE, &f);
	pthread_mutex_unlock(&vm->lock);
	if (r) {
		pr_err("vcpu%u: removal failed at step %s: %s", slot,
		       cpuhp_step_name(vm->hp, f.pos) ? cpuhp_step_name(vm->hp, f.pos) : "?",
		       strerror(-r));
		return r;
	}
	stat_inc(&vm->stats.vcpus_removed);
	pr_info("vcpu%u removed (parked; VP index %u stays reserved)", slot,
		vm->slot_vp_index[slot]);
	ctl_event(vm_ctl(vm), CTL_EVENT_VCPU_REMOVED, CTL_EV_INT("slot", slot),
		  CTL_EV_INT("vp-index", vm->slot_vp_index[slot]));
	return 0;
}

int vm_cpu_step(struct vm *vm, unsigned slot, const char **name)
{
	int st;

	if (slot >= vm->cfg.max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	st = cpuhp_cpu_state(vm->hp, slot);
	if (name)
		*name = st > 0 && st < CPUHP_ONLINE ? cpuhp_step_name(vm->hp, (unsigned)st) : NULL;
	pthread_mutex_unlock(&vm->lock);
	return st;
}
