/* SPDX-License-Identifier: MIT */
/*
 * Boot entry points and the boot page tables.
 *
 * mb_entry32: Multiboot v1 (32-bit protected mode, paging off, EAX = magic, EBX = info).
 * elf64_entry: hvemu's ELF64 direct entry (long mode, RDI = info, RSI = magic).
 * Both continue in start_c(magic, info, protocol) on the boot stack.
 *
 * The page tables are static data so that no emulated loop has to build them: 4 GiB
 * identity-mapped with 2 MiB pages, present, writable and user-accessible (CPL3 test code
 * runs from the kernel image). vm.c splits 2 MiB pages when a test remaps a 4 KiB page.
 */
#include "fw/multiboot.h"
#include "x86/asm-defs.h"
#include "x86/msr-index.h"
#include "x86/pgtable.h"
#include "x86/processor-flags.h"
#include "x86/segment.h"

/* Modules page-aligned, memory information wanted. */
#define MULTIBOOT_HEADER_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)
/* Every boot page-table entry: present, writable, user-accessible. */
#define BOOT_PTE (PTE_PRESENT | PTE_WRITE | PTE_USER)

	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MULTIBOOT_HEADER_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl mb_entry32
mb_entry32:
	cli
	movl %eax, %edi
	movl %ebx, %esi
	lgdt boot_gdt_desc
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_MP | X86_CR0_PE), %eax
	movl %eax, %cr0
	ljmp $KERNEL_CS, $multiboot_entry64

	.code64
multiboot_entry64:
	movl %edi, %edi
	movl %esi, %esi
	movl $BOOT_PROTO_MULTIBOOT, %edx
	jmp boot_common64

	.globl elf64_entry
elf64_entry:
	/*
	 * Save the entry state first (RFLAGS before cli, the OR of the general registers
	 * that must be 0) for elf64.elf to check against the documented protocol.
	 */
	movq %rsp, elf64_entry_state+0(%rip)
	pushfq
	popq elf64_entry_state+8(%rip)
	cli
	orq %rbx, %rax
	orq %rcx, %rax
	orq %rdx, %rax
	orq %rbp, %rax
	orq %r8, %rax
	orq %r9, %rax
	orq %r10, %rax
	orq %r11, %rax
	orq %r12, %rax
	orq %r13, %rax
	orq %r14, %rax
	orq %r15, %rax
	movq %rax, elf64_entry_state+48(%rip)
	movq %cr0, %rax
	movq %rax, elf64_entry_state+16(%rip)
	movq %cr3, %rax
	movq %rax, elf64_entry_state+24(%rip)
	movq %cr4, %rax
	movq %rax, elf64_entry_state+32(%rip)
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, elf64_entry_state+40(%rip)
	movq %rdi, %r12
	movq %rsi, %r13
	lgdt boot_gdt_desc(%rip)
	movq $boot_pml4, %rax
	movq %rax, %cr3
	leaq boot_stack_top(%rip), %rsp
	pushq $KERNEL_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	movq %r13, %rdi
	movq %r12, %rsi
	movl $BOOT_PROTO_ELF64, %edx

boot_common64:
	load_kernel_data_segs
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call start_c
2:	cli
	hlt
	jmp 2b

	.data
	/* struct elf64_entry_state (x86/multiboot.h); in .data: start_c clears .bss. */
	.balign 8
	.globl elf64_entry_state
elf64_entry_state:
	.fill 7, 8, 0

	.balign 16
	.globl boot_gdt_desc
boot_gdt:
	.quad 0
	.quad GDT_FLAT_CODE64(0)	/* KERNEL_CS */
	.quad GDT_FLAT_DATA(0)		/* KERNEL_DS */
boot_gdt_end:
	.balign 8
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .data.pagetables, "aw"
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt + BOOT_PTE
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + 0x0000 + BOOT_PTE
	.quad boot_pd + 0x1000 + BOOT_PTE
	.quad boot_pd + 0x2000 + BOOT_PTE
	.quad boot_pd + 0x3000 + BOOT_PTE
	.fill 508, 8, 0
boot_pd:
	.set addr, 0
	.rept 2048
	.quad addr + (BOOT_PTE | PTE_PS)	/* 2 MiB */
	.set addr, addr + 0x200000
	.endr

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
