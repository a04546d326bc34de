/* SPDX-License-Identifier: MIT */
/*
 * Test hooks of the KVM layer: what unit tests need beyond kvm/vm.h to drive and observe
 * vCPU hotplug without a guest. Only tests include this; production code uses kvm/vm.h
 * (src/main) or the control socket backend.
 */
#ifndef HVEMU_KVM_VM_TEST_H
#define HVEMU_KVM_VM_TEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvm/vm.h"

/* The test device's CPU_ADD: hot-adds the vCPU of slot. 0 or -errno. */
int vm_test_add(struct vm *vm, unsigned slot);
/* The control socket's cpu-del: asks the guest to give the slot up. 0 or -errno. */
int vm_test_request_remove(struct vm *vm, unsigned slot);
/* The guest's EJECT, as if written by a vCPU other than the slot's. 0 or -errno. */
int vm_test_eject(struct vm *vm, unsigned slot);
/*
 * The guest's EJECT of slot, written by the online vCPU of slot `on`: runs on that vCPU's
 * thread (vcpu_call). With meet, that thread first counts itself there and waits (at
 * most a second) until `parties` threads have: the ejects of several vCPUs leave at the
 * same moment. What vm_vcpu_eject returned there, or -ESRCH if that thread left (was
 * removed) before it could run it, -ENOENT if `on` has no online vCPU.
 */
int vm_test_eject_from(struct vm *vm, unsigned on, unsigned slot, _Atomic unsigned *meet,
		       unsigned parties);

struct vm_test_slot {
	const char *state; /* "absent", "adding", "online" or "removing" */
	int step;	   /* the last bring-up step passed (0: none) */
	bool present;	   /* the hotplug controller shows it to the guest */
	bool parked;	   /* a KVM vCPU exists for the slot */
	uint32_t vp_index; /* UINT32_MAX before the first bring-up */
	bool found_by_vp;  /* the VP-index lookup finds this slot's vCPU */
	pid_t tid;	   /* its vCPU thread, 0 if none runs */
};
/* A snapshot of one slot. 0 or -EINVAL. */
int vm_test_slot(struct vm *vm, unsigned slot, struct vm_test_slot *out);

#endif
