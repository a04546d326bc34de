// SPDX-License-Identifier: MIT
/* The test hooks of kvm/vm_test.h, over the layer's internal functions. */
#include "kvm/vm_test.h"

#include <errno.h>

#include "cpuhp/cpuhp.h"
#include "kvm/vm_internal.h"

int vm_test_add(struct vm *vm, unsigned slot)
{
	return vm_vcpu_add(vm, slot);
}

int vm_test_request_remove(struct vm *vm, unsigned slot)
{
	return vm_vcpu_request_remove(vm, slot);
}

int vm_test_eject(struct vm *vm, unsigned slot)
{
	return vm_vcpu_eject(vm, slot);
}

struct eject_call {
	struct vm *vm;
	unsigned slot;
	_Atomic unsigned *meet;
	unsigned parties;
	int r;
};

static void eject_on_vcpu(struct vcpu *v, void *arg)
{
	struct eject_call *c = arg;
	uint64_t end = now_ns() + NSEC_PER_SEC;

	(void)v;
	if (c->meet) {
		atomic_fetch_add(c->meet, 1);
		while (atomic_load(c->meet) < c->parties && now_ns() < end)
			;
	}
	c->r = vm_vcpu_eject(c->vm, c->slot);
}

int vm_test_eject_from(struct vm *vm, unsigned on, unsigned slot, _Atomic unsigned *meet,
		       unsigned parties)
{
	struct eject_call c = {
		.vm = vm, .slot = slot, .meet = meet, .parties = parties, .r = -EIO
	};
	struct vcpu *v = vm_online_vcpu(vm, on);
	int r;

	if (!v)
		return -ENOENT;
	r = vcpu_call(v, eject_on_vcpu, &c, VCPU_THREAD_STOP_TIMEOUT_NS);
	return r ? r : c.r;
}

int vm_test_slot(struct vm *vm, unsigned slot, struct vm_test_slot *out)
{
	static const char *const names[] = {
		[VCPU_ABSENT] = "absent",
		[VCPU_ADDING] = "adding",
		[VCPU_ONLINE] = "online",
		[VCPU_REMOVING] = "removing",
	};
	struct vcpu *v;
	uint32_t vp;

	if (slot >= vm->cfg.max_vcpus)
		return -EINVAL;
	v = vm_slot_vcpu(vm, slot);
	vp = vm_slot_vp_index(vm, slot);
	pthread_mutex_lock(&vm->lock);
	out->step = cpuhp_cpu_state(vm->hp, slot);
	pthread_mutex_unlock(&vm->lock);
	out->state = names[vm_slot_state(vm, slot)];
	out->present = hpctl_status(&vm->hpctl, slot) & HPCTL_ST_PRESENT;
	out->parked = v != NULL;
	out->vp_index = vp;
	out->found_by_vp = v && vp != UINT32_MAX && vm_vcpu_by_vp(vm, vp) == v;
	out->tid = v ? atomic_load(&v->tid) : 0;
	return 0;
}
