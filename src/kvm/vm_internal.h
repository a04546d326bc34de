/* SPDX-License-Identifier: MIT */
/* Functions shared between the files of src/kvm; not for other layers. */
#ifndef HVEMU_KVM_VM_INTERNAL_H
#define HVEMU_KVM_VM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kvm/vm.h"

/* vm.c */
int vm_write_tables(struct vm *vm, char *err, size_t errlen);
int vm_stop_fd(const struct vm *vm);
int vm_finish(struct vm *vm);

/* msr.c */
int vm_msr_setup(struct vm *vm);
void vcpu_handle_msr(struct vcpu *v);

/* devices.c */
int vm_devices_init(struct vm *vm, char *err, size_t errlen);
void vm_devices_destroy(struct vm *vm);

/* hv_ops.c */
int vm_hv_create(struct vm *vm, char *err, size_t errlen);
void vm_hv_destroy(struct vm *vm);

/* hostcpus.c */
int vm_host_register(struct vm *vm, char *err, size_t errlen);
void vm_host_unregister(struct vm *vm);
int vm_host_thread_add(struct vm *vm, struct vcpu *v);
void vm_host_thread_remove(struct vm *vm, struct vcpu *v);

/* vcpu_steps.c: the bring-up steps (docs/architecture.md §7.2), positions on vm->hp */
enum vcpu_step_pos {
	VCPU_STEP_KVM_VCPU = 1,
	VCPU_STEP_CPUID,
	VCPU_STEP_STATE,
	VCPU_STEP_HV,
	VCPU_STEP_THREAD,
	VCPU_STEP_ONCPU,
	VCPU_STEP_PLACE,
	VCPU_STEP_APIC,
	VCPU_STEP_ONLINE,
};
/* Boot vCPUs are built up to here by vm_create and started by vm_start. */
#define VCPU_STEP_READY VCPU_STEP_APIC
int vm_slots_init(struct vm *vm, char *err, size_t errlen);
void vm_slots_destroy(struct vm *vm);
/* Stops and joins a vCPU thread, at most timeout_ns. 0, or -ETIMEDOUT (it is left running). */
int vcpu_join_thread(struct vcpu *v, uint64_t timeout_ns);

static inline struct vcpu *vm_slot_vcpu(struct vm *vm, unsigned slot)
{
	return atomic_load(&vm->slots[slot]);
}

/* hotplug.c */
int vm_vcpus_create_boot(struct vm *vm, char *err, size_t errlen);
int vm_vcpus_start_boot(struct vm *vm);
int vm_vcpus_join_all(struct vm *vm, uint64_t timeout_ns);
void vm_vcpus_destroy_all(struct vm *vm);

/* exit.c */
void vcpu_handle_exit(struct vcpu *v);

/* hcall.c */
void vcpu_handle_hypercall(struct vcpu *v);

/* ipi.c */
int vm_send_msi(struct vm *vm, uint32_t apic_id, uint8_t vector);

/* targets.c */
/*
 * The next vCPU (with Hyper-V state) whose VP index is in targets; *cursor starts at -1.
 * Lock-free. NULL at the end.
 */
struct vcpu *vm_target_next(struct vm *vm, const struct hv_vpset *targets, int64_t *cursor);

/* flush.c */
int vm_flush_tlb(struct vm *vm, struct vcpu *caller, const struct hv_vpset *targets);
/* The vCPU thread's side: a pending VCPU_REQ_FLUSH (SREGS method). */
void vcpu_flush_tlb_sregs(struct vcpu *v);

#endif
