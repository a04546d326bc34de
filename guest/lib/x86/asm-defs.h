/* SPDX-License-Identifier: MIT */
/* Constants of the runtime shared by its assembly files and C. */
#ifndef GUEST_X86_ASM_DEFS_H
#define GUEST_X86_ASM_DEFS_H

/* GDT layout (desc.c); user selectors carry RPL 3. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS32 0x1b /* unused; sysret's order */
#define USER_DS	  0x23
#define USER_CS	  0x2b

#define BOOT_PROTO_MULTIBOOT 0
#define BOOT_PROTO_ELF64     1

#define BOOT_STACK_SIZE 16384

/* The AP trampoline is copied here and started with SIPI vector 0x08. */
#define TRAMPOLINE_BASE 0x8000

/* struct percpu's state field (percpu.h) and the enum cpu_state values the AP entry uses. */
#define PERCPU_STATE_OFFSET 32
#define CPU_STATE_BOOTING   2
#define CPU_STATE_STARTING  3

#ifdef __ASSEMBLER__
/* clang-format off */
/* 64-bit entry: the kernel data selector in DS, ES and SS, null FS and GS (clobbers AX). */
.macro load_kernel_data_segs
	movw $KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
.endm
/* clang-format on */
#endif

#define MAX_APIC_ID 4096
#define AP_MAX_CPUS 1024

#endif
