/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry stubs and the CPL3 entry/exit paths.
 *
 * Each of the 256 stubs is 16 bytes (idt_stubs + 16 * vector): it pushes a zero error
 * code when the CPU pushes none, then the vector, and jumps to interrupt_common, which
 * saves all general registers as a struct ex_regs and calls do_interrupt(). CPL0 code
 * is emulated on this KVM, so the path is kept short.
 */
#include "x86/asm-defs.h"

	.text
	.balign 16
	.globl idt_stubs
idt_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp interrupt_common
	.set vec, vec + 1
	.endr

	.balign 16
interrupt_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call do_interrupt
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * u64 __run_user(u64 *kernel_rsp_slot, u64 *tss_rsp0, u64 fn, u64 arg, u64 user_rsp,
 *                u64 rflags)
 * Saves the callee-saved registers and the stack pointer, makes the TSS RSP0 point just
 * below them (interrupts and exceptions from CPL3 land there without touching them) and
 * enters user_entry at CPL3 with iretq. __run_user_return() comes back here.
 */
	.globl __run_user
__run_user:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsp, (%rsi)
	pushq $USER_DS
	pushq %r8
	pushq %r9
	pushq $USER_CS
	leaq user_entry(%rip), %rax
	pushq %rax
	movq %rdx, %rsi
	movq %rcx, %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ebp, %ebp
	iretq

/*
 * __noreturn void __run_user_return(u64 kernel_rsp, u64 retval)
 * Unwinds to the frame __run_user saved; __run_user then returns retval.
 */
	.globl __run_user_return
__run_user_return:
	movq %rdi, %rsp
	movq %rsi, %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/*
 * CPL3: calls fn(arg) (fn in %rsi, arg in %rdi), then returns to the kernel through the
 * #UD of the ud2 at user_return_insn: do_interrupt() recognises that RIP. (`int $n` from
 * CPL3 raises #UD on this KVM and `syscall` misbehaves, so neither is used.)
 */
	.globl user_entry, user_return_insn
user_entry:
	andq $-16, %rsp
	call *%rsi
	movq %rax, %rdi
user_return_insn:
	ud2
