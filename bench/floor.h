/* SPDX-License-Identifier: MIT */
/*
 * What the bench's KVM floor programs share (bench/kvm_floor*.c): a VM as hvemu creates it
 * (in-kernel irqchip, 32-bit APIC IDs in MSIs), guest memory with an identity map of the
 * first GiB, a GDT and an IDT, and vCPUs set up to start in 64-bit mode at CPL0, as hvemu's
 * test guests run. No hvemu code: these programs are what the same work costs without a
 * VMM around it.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* Guest physical layout (the first 2 MiB are always there). */
#define FLOOR_GDT	0x1000u /* null, code64 (0x08), data (0x10) */
#define FLOOR_PML4	0x2000u
#define FLOOR_PDPT	0x3000u
#define FLOOR_PD	0x4000u
#define FLOOR_IDT	0x6000u /* 256 gates, none present until floor_set_gate */
#define FLOOR_STACK_TOP 0x8000u
#define FLOOR_DATA	0x9000u /* counters the guest code updates */
#define FLOOR_CODE	0x10000u

struct floor_vm {
	int kvm, fd;
	uint8_t *mem;
	size_t mem_size;
	size_t run_size;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, read once */
};

struct floor_vcpu {
	int fd;
	unsigned id;
	struct kvm_run *run;
};

__attribute__((noreturn)) void floor_die(const char *what);
__attribute__((noreturn)) void floor_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
uint64_t floor_now_ns(void);
/* ascending, for qsort */
int floor_cmp_u64(const void *a, const void *b);
/* sorts v[0..n) and prints "BENCH name median=.. p90=.. p99=.. max=.. n=.." */
void floor_print(const char *name, uint64_t *v, size_t n);

/*
 * The VM: KVM_CREATE_IRQCHIP, KVM_CAP_X2APIC_API (32-bit IDs, no broadcast quirk), mem_size
 * bytes of guest memory at 0 with the page tables and GDT above, and the guest code copied
 * to FLOOR_CODE.
 */
void floor_vm_create(struct floor_vm *f, size_t mem_size, const void *code, size_t code_len);
/* vCPU @id: created, kvm_run mapped, CPUID set, 64-bit mode; the registers are not set. */
void floor_vcpu_create(struct floor_vm *f, unsigned id, struct floor_vcpu *v);
/* The parts of floor_vcpu_create: KVM_CREATE_VCPU and the kvm_run mapping, */
void floor_vcpu_new(struct floor_vm *f, unsigned id, struct floor_vcpu *v);
/* KVM_SET_CPUID2 (before long mode and x2APIC mode), */
void floor_vcpu_set_cpuid(struct floor_vm *f, const struct floor_vcpu *v);
/* KVM_GET_SREGS + KVM_SET_SREGS into 64-bit mode at CPL0. */
void floor_vcpu_long_mode(const struct floor_vcpu *v);
/* RIP, RSP and RFLAGS (bit 1 only) of a vCPU that is not running; zeroes the rest. */
void floor_vcpu_enter_at(const struct floor_vcpu *v, uint64_t rip, uint64_t rsp);
/* A 64-bit interrupt gate for @vector to @handler (a guest address). */
void floor_set_gate(struct floor_vm *f, uint8_t vector, uint64_t handler);
void floor_vcpu_set_msr(const struct floor_vcpu *v, uint32_t index, uint64_t value);
/* KVM_SET_MP_STATE RUNNABLE: an AP starts without INIT/SIPI. */
void floor_vcpu_runnable(const struct floor_vcpu *v);

#endif
