/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data. Each CPU's GS base points at its struct percpu (the first field points
 * to itself), so this_cpu() is one %gs-relative load. CPU numbers are logical: 0 is the
 * boot CPU, the others follow the order of the ACPI MADT.
 */
#ifndef GUEST_X86_PERCPU_H
#define GUEST_X86_PERCPU_H

#include "types.h"
#include "cpumask.h"
#include "x86/asm-defs.h"

/* VP_INVAL (tlfs.h): the VP index is unknown until the Hyper-V layer reads it. */
#include "hv/tlfs.h"

struct __packed tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

/* The last exception an ASM_SAFE fixup swallowed on this CPU (see fault.h). */
struct fault_info {
	int vector; /* -1: none */
	u32 error_code;
	u64 rip;
	u64 cr2; /* #PF only */
};

/* run_user() state: where to return when the CPL3 code ends (see usermode.h). */
struct user_ctx {
	u64 kernel_rsp; /* callee-saved registers are stored above it */
	u32 active;
	u32 ready;		/* descriptors loaded: run_user_bulk() may be used */
	struct fault_info exit; /* how the user code ended */
	u64 retval;
	u64 stack_top; /* per-CPU user stack, allocated on first use */
};

/* A pending cross-CPU call (smp.c). */
struct xcall_slot {
	u32 state; /* XCALL_FREE, XCALL_FILLING, XCALL_READY */
	void (*fn)(void *arg);
	void *arg;
	u32 *remaining;
};

enum cpu_state {
	CPU_ABSENT = 0,			 /* listed in the MADT, not present (hot-pluggable slot) */
	CPU_OFFLINE = 1,		 /* present, not running */
	CPU_BOOTING = CPU_STATE_BOOTING, /* INIT/SIPI sent */
	CPU_STARTING = CPU_STATE_STARTING, /* claimed by the AP that runs it (ap_entry64) */
	CPU_ONLINE = 4,
};

struct percpu {
	struct percpu *self; /* must stay at offset 0: this_cpu() */
	u64 stack_top;	     /* must stay at offset 8: read by the AP entry code */
	u32 cpu;
	u32 apic_id;
	u32 acpi_id;
	u32 vp_index; /* VP_INVAL until the Hyper-V layer sets it */
	u32 state;    /* enum cpu_state */
	u32 started;  /* an INIT or SIPI was sent to it: from now on it needs INIT first */
	u64 stack_base;
	u64 irq_count; /* interrupts handled on this CPU */
	u64 boot_tsc;  /* TSC when this CPU reached the runtime's C code */
	struct fault_info fault;
	struct user_ctx user;
	struct xcall_slot xcall;
	void *hv; /* reserved for the Hyper-V layer's per-CPU state */
	struct tss64 tss __aligned(16);
};

BUILD_BUG_ON(__builtin_offsetof(struct percpu, self) != 0);
BUILD_BUG_ON(__builtin_offsetof(struct percpu, stack_top) != 8);
BUILD_BUG_ON(__builtin_offsetof(struct percpu, state) != PERCPU_STATE_OFFSET);
BUILD_BUG_ON(sizeof(struct tss64) != 104);

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* This CPU's logical number. */
static inline u32 smp_id(void)
{
	u32 id;

	asm volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(__builtin_offsetof(struct percpu, cpu)));
	return id;
}

/* Per-CPU structure of any CPU listed in the MADT (NULL for others). */
struct percpu *per_cpu(u32 cpu);

#endif
