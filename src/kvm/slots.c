// SPDX-License-Identifier: MIT
/*
 * The vCPU slot table: one slot per possible vCPU (slot == KVM vCPU id == APIC ID), its
 * vCPU once created, its VP index, and the lock-free lookups the exit paths use.
 *
 * A slot's struct vcpu is created by its first bring-up (the "kvm:vcpu" step) and kept
 * until vm_destroy: KVM cannot destroy a vCPU, so a removed one stays parked in its slot
 * and the next bring-up reuses it. Readers on other threads may therefore hold a vcpu
 * pointer without a lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpuhp/cpuhp.h"
#include "kvm/vm_internal.h"
#include "util/fd.h"

int vm_slots_init(struct vm *vm, char *err, size_t errlen)
{
	unsigned n = vm->cfg.max_vcpus;

	vm->slots = calloc(n, sizeof(*vm->slots));
	vm->slot_vp_index = malloc(n * sizeof(*vm->slot_vp_index));
	vm->vp_slot = malloc(n * sizeof(*vm->vp_slot));
	vm->hp = calloc(1, sizeof(*vm->hp));
	vm->hp_cpus = calloc(n, sizeof(*vm->hp_cpus));
	if (!vm->slots || !vm->slot_vp_index || !vm->vp_slot || !vm->hp || !vm->hp_cpus) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		atomic_init(&vm->slots[i], NULL);
		atomic_init(&vm->slot_vp_index[i], UINT32_MAX);
		atomic_init(&vm->vp_slot[i], UINT32_MAX);
	}
	return vm_vcpu_steps_register(vm, err, errlen);
}

/* What the "kvm:vcpu" step created and no teardown undoes: KVM keeps the vCPU. */
static void vcpu_free(struct vm *vm, struct vcpu *v)
{
	munmap(v->run, (size_t)vm->sys.vcpu_mmap_size);
	fd_close(&v->stats_fd);
	close(v->fd);
	pthread_mutex_destroy(&v->work_lock);
	vcpu_exit_timing_free(v);
	free(v->flush_waits);
	free(v);
}

void vm_slots_destroy(struct vm *vm)
{
	for (unsigned s = 0; vm->slots && s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);

		/* A thread that would not stop still uses its vCPU: leave it (and say so). */
		if (!v || v->thread_joinable)
			continue;
		atomic_store(&vm->slots[s], NULL);
		vcpu_free(vm, v);
	}
	free(vm->hp);
	free(vm->hp_cpus);
	free((void *)vm->slot_vp_index);
	free((void *)vm->vp_slot);
	free((void *)vm->slots);
	vm->hp = NULL;
	vm->hp_cpus = NULL;
	vm->slot_vp_index = NULL;
	vm->vp_slot = NULL;
	vm->slots = NULL;
}

enum vcpu_state vm_slot_state(struct vm *vm, unsigned slot)
{
	struct vcpu *v;

	if (!vm->slots || slot >= vm->cfg.max_vcpus)
		return VCPU_ABSENT;
	v = vm_slot_vcpu(vm, slot);
	return v ? vcpu_state(v) : VCPU_ABSENT;
}

struct vcpu *vm_online_vcpu(struct vm *vm, unsigned slot)
{
	struct vcpu *v;

	if (!vm->slots || slot >= vm->cfg.max_vcpus)
		return NULL;
	v = vm_slot_vcpu(vm, slot);
	return v && vcpu_state(v) == VCPU_ONLINE ? v : NULL;
}

/*
 * Through the slot, not through the Hyper-V VP: a VP index names one slot for the life of
 * the VM, and a struct vcpu outlives every reader, while a removed VP's memory is freed.
 */
struct vcpu *vm_vcpu_by_vp(struct vm *vm, uint32_t vp_index)
{
	struct vcpu *v;
	uint32_t slot;

	if (!vm->vp_slot || vp_index >= vm->cfg.max_vcpus)
		return NULL;
	slot = atomic_load(&vm->vp_slot[vp_index]);
	if (slot == UINT32_MAX)
		return NULL;
	v = vm_slot_vcpu(vm, slot);
	return v && vcpu_hv(v) ? v : NULL;
}

uint32_t vm_slot_vp_index(struct vm *vm, unsigned slot)
{
	if (!vm->slot_vp_index || slot >= vm->cfg.max_vcpus)
		return UINT32_MAX;
	return atomic_load(&vm->slot_vp_index[slot]);
}

uint32_t vm_slot_assign_vp_index(struct vm *vm, unsigned slot)
{
	uint32_t vp = atomic_load(&vm->slot_vp_index[slot]);

	/* Once per slot, in creation order: at most max_vcpus indexes are ever handed out. */
	if (vp == UINT32_MAX) {
		vp = vm->next_vp_index++;
		atomic_store(&vm->vp_slot[vp], slot);
		atomic_store(&vm->slot_vp_index[slot], vp);
	}
	return vp;
}

unsigned vm_vcpu_count_online(struct vm *vm)
{
	unsigned n = 0;

	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++)
		if (vm_online_vcpu(vm, s))
			n++;
	return n;
}

int vm_vcpu_free_slot(struct vm *vm)
{
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++)
		if (vm_slot_state(vm, s) == VCPU_ABSENT)
			return (int)s;
	return -ENOSPC;
}
