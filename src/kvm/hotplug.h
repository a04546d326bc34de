/* SPDX-License-Identifier: MIT */
/*
 * vCPU slots and their ordered bring-up / teardown (docs/architecture.md §7), on lib/cpuhp.
 *
 * A slot's vCPU comes up through these steps, in this order (docs/architecture.md §7.2):
 *   kvm:vcpu      create the KVM vCPU and map kvm_run (or reuse the slot's parked one)
 *   kvm:cpuid     KVM_SET_CPUID2 with the slot's APIC ID
 *   kvm:state     steal-time area, initial MP state (wait for SIPI) and registers
 *   hv:vp         Hyper-V VP state; the VP index is assigned here, once per slot, never reused
 *   vcpu:thread   the vCPU thread, created waiting at its gate
 *   oncpu:perf    the scheduler probe on that thread (is it on a host CPU?)
 *   host:place    the thread's host CPU affinity (admitted host CPUs only)
 *   apic:refresh  KVM_GET_LAPIC + KVM_SET_LAPIC: makes KVM rebuild its APIC-ID map, which
 *                 it does not do for a vCPU created while others run (INIT/SIPI would be lost)
 *   vcpu:online   visible: a flush/IPI target, present in the hotplug controller, gate open
 * Each step is a fault point "vcpu.<step>" (HVEMU_FAULT): a failure rolls the completed
 * steps back in reverse, the VM keeps running, and the vCPU is never visible to the guest.
 *
 * KVM cannot destroy a vCPU: the kvm:vcpu step's teardown keeps the fd and mapping in the
 * slot (counted as kvm_vcpus_retained) and the next bring-up of that slot reuses them.
 */
#ifndef HVEMU_KVM_HOTPLUG_H
#define HVEMU_KVM_HOTPLUG_H

#include <stdint.h>

struct vm;

/* Hot-adds the vCPU of `slot` (running the guest-visible insert notification). 0 or -errno. */
int vm_cpu_add(struct vm *vm, unsigned slot);
/* The lowest slot without an online vCPU, or -ENOSPC. */
int vm_cpu_free_slot(struct vm *vm);
/*
 * Asks the guest to give up `slot` (remove event + notification). The removal completes
 * when the guest ejects the slot through the hotplug controller. 0 or -errno.
 */
int vm_cpu_request_remove(struct vm *vm, unsigned slot);
/* The guest ejected `slot`: tear the vCPU down (its KVM vCPU is parked for reuse). */
int vm_cpu_eject(struct vm *vm, unsigned slot);
/* Number of online vCPUs. */
unsigned vm_cpus_online(struct vm *vm);
/* The bring-up step a slot has reached (0 = none) and its name. */
int vm_cpu_step(struct vm *vm, unsigned slot, const char **name);

#endif
