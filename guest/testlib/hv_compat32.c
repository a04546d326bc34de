// SPDX-License-Identifier: MIT
/*
 * The x86 (32-bit) hypercall convention, exercised from compatibility mode.
 *
 * TLFS "Hypercall Register Conventions (x86/x64)": a caller is 64-bit when EFER.LMA = 1
 * and CS.L = 1; every other protected-mode caller uses EDX:EAX (control), EBX:ECX (input
 * GPA), EDI:ESI (output GPA) and gets the result in EDX:EAX. Compatibility mode (LMA = 1,
 * CS.L = 0) is such a caller, and the runtime can reach it without leaving long mode:
 * a far return into a 32-bit code segment, CALL the page (a 32-bit near call, so the
 * page's RET pops 4 bytes), and a far return back.
 *
 * The runtime's GDT has no 32-bit CPL0 code segment, so a private four-entry GDT is
 * loaded around the call with interrupts off (IDT gates name selector 0x08, which this
 * GDT has too; TR stays cached, and GS keeps its base because no selector is reloaded).
 */
#include "testlib/hv_compat32.h"
#include "x86/hv.h"
#include "x86/processor.h"
#include "x86/segment.h"

#define HV32_STR_(x) #x
#define HV32_STR(x)  HV32_STR_(x)
#define HV32_CS64    KERNEL_CS /* the IDT gates name it */
#define HV32_DS	     KERNEL_DS
#define HV32_CS32    0x18

static const u64 hv32_gdt[4] __aligned(16) = {
	[HV32_CS64 / 8] = GDT_FLAT_CODE64(0),
	[HV32_DS / 8] = GDT_FLAT_DATA(0),
	[HV32_CS32 / 8] = GDT_FLAT_CODE32(0),
};

/*
 * u64 hv32_call(u32 page, u64 control, u64 in_gpa, u64 out_gpa): in compatibility mode
 * R8-R15 do not exist and the upper halves of the other registers are undefined
 * afterwards, so every callee-saved register is saved. The stack and the page lie below
 * 4 GiB (identity-mapped RAM), so ESP and the 32-bit addresses are the 64-bit ones.
 */
u64 hv32_call(u32 page, u64 control, u64 in_gpa, u64 out_gpa);
asm(".pushsection .text\n"
    ".globl hv32_call\n"
    "hv32_call:\n"
    "	pushq %rbx\n"
    "	pushq %rbp\n"
    "	pushq %r12\n"
    "	pushq %r13\n"
    "	pushq %r14\n"
    "	pushq %r15\n"
    "	movl %edi, %ebp\n"
    "	movq %rdx, %r8\n"
    "	movq %rcx, %r9\n"
    "	movq %rsi, %rax\n"
    "	movq %rsi, %rdx\n"
    "	shrq $32, %rdx\n"
    "	movl %r8d, %ecx\n"
    "	movq %r8, %rbx\n"
    "	shrq $32, %rbx\n"
    "	movl %r9d, %esi\n"
    "	movq %r9, %rdi\n"
    "	shrq $32, %rdi\n"
    /* SS may be the null selector (64-bit mode loads it on a CPL change); compatibility
     * mode needs a real stack segment. */
    "	movl $" HV32_STR(HV32_DS) ", %r10d\n"
				  "	movw %r10w, %ss\n"
				  "	pushq $" HV32_STR(
				      HV32_CS32) "\n"
						 "	pushq $hv32_compat\n"
						 "	lretq\n"
						 "	.code32\n"
						 "hv32_compat:\n"
						 "	call *%ebp\n"
						 "	pushl $" HV32_STR(
						     HV32_CS64) "\n"
								"	pushl $hv32_long\n"
								"	lretl\n"
								"	.code64\n"
								"hv32_long:\n"
								"	shlq $32, %rdx\n"
								"	movl %eax, %eax\n"
								"	orq %rdx, %rax\n"
								"	popq %r15\n"
								"	popq %r14\n"
								"	popq %r13\n"
								"	popq %r12\n"
								"	popq %rbp\n"
								"	popq %rbx\n"
								"	ret\n"
								".popsection\n");

u64 hv_call32(u64 control, u64 in_gpa, u64 out_gpa)
{
	struct desc_ptr mine = { sizeof(hv32_gdt) - 1, (u64)(uintptr_t)hv32_gdt }, saved;
	u64 flags, r;

	flags = irq_save();
	asm volatile("sgdt %0" : "=m"(saved));
	lgdt(&mine);
	r = hv32_call((u32)hv_pa(hv_hypercall_page), control, in_gpa, out_gpa);
	lgdt(&saved);
	irq_restore(flags);
	return r;
}
