/* SPDX-License-Identifier: MIT */
/*
 * Application processor start-up.
 *
 * tramp_start..tramp_end is copied to TRAMPOLINE_BASE (below 1 MiB) and started by a
 * SIPI in real mode. It goes straight from real mode to long mode (CR4.PAE, CR3,
 * EFER.LME, then CR0.PE|PG in one write) and far-jumps into ap_entry64 in the kernel
 * image: about 15 emulated instructions. The boot CPU patches tramp_data in the copy.
 *
 * ap_entry64 finds the CPU's struct percpu from its APIC ID through apic_to_cpu[] and
 * percpu_ptrs[], switches to the stack the boot CPU allocated for it and calls
 * ap_start_c(percpu).
 */
#include "x86/asm-defs.h"
#include "x86/apicdef.h"
#include "x86/msr-index.h"

	.section .rodata.trampoline, "a"
	.code16
	.globl tramp_start, tramp_end, tramp_data
tramp_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tramp_data - tramp_start
	movl tramp_cr4 - tramp_start, %eax
	movl %eax, %cr4
	movl tramp_cr3 - tramp_start, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl tramp_efer - tramp_start, %eax
	xorl %edx, %edx
	wrmsr
	movl tramp_cr0 - tramp_start, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS, $ap_entry64

	.balign 8
tramp_data:			/* struct tramp_data in smp.c */
	.word 0			/* GDT limit */
	.long 0			/* GDT base */
	.word 0
tramp_cr4:
	.long 0
tramp_cr3:
	.long 0
tramp_efer:
	.long 0
tramp_cr0:
	.long 0
tramp_end:

	.text
	.code64
	.globl ap_entry64
ap_entry64:
	load_kernel_data_segs
	/*
	 * The APIC ID comes from the local APIC itself, not from CPUID (which a VMM may not
	 * fill in per vCPU). In x2APIC mode the AP switches its APIC to x2APIC here.
	 */
	cmpb $0, ap_x2apic(%rip)
	je 1f
	movl $MSR_IA32_APICBASE, %ecx
	rdmsr
	orl $(APICBASE_ENABLE | APICBASE_EXTD), %eax
	wrmsr
	movl $X2APIC_MSR(APIC_ID), %ecx
	rdmsr
	movl %eax, %ebx
	jmp 2f
1:	movl $(APIC_DEFAULT_PHYS_BASE + APIC_ID), %eax	/* xAPIC: ID in bits 31:24 */
	movl (%rax), %ebx
	shrl $24, %ebx
2:	cmpl $MAX_APIC_ID, %ebx
	jae ap_lost
	leaq apic_to_cpu(%rip), %rax
	movzwl (%rax,%rbx,2), %eax
	cmpl $AP_MAX_CPUS, %eax
	jae ap_lost
	leaq percpu_ptrs(%rip), %rcx
	movq (%rcx,%rax,8), %rdi
	testq %rdi, %rdi
	jz ap_lost
	/*
	 * Claim the CPU (BOOTING -> STARTING) before touching its stack: a second vCPU
	 * answering the same SIPI (duplicate xAPIC IDs, a stray broadcast) must not share it.
	 */
	movl $CPU_STATE_BOOTING, %eax
	movl $CPU_STATE_STARTING, %ecx
	lock cmpxchgl %ecx, PERCPU_STATE_OFFSET(%rdi)
	jne ap_lost
	movq 8(%rdi), %rsp
	testq %rsp, %rsp
	jz ap_lost
	xorl %ebp, %ebp
	call ap_start_c
ap_lost:
	/* Unknown APIC ID, or a CPU not being started: count it so the boot CPU can tell. */
	lock incl ap_lost_count(%rip)
3:	cli
	hlt
	jmp 3b
