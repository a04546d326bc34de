/* SPDX-License-Identifier: MIT */
/*
 * Architectural MSR numbers and their fields (Intel SDM Vol. 4 "Model-Specific Registers";
 * names as Linux's arch/x86/include/asm/msr-index.h). The x2APIC MSRs are in
 * x86/apicdef.h, KVM's paravirtual MSRs in the kernel's <asm/kvm_para.h>, Hyper-V's in
 * hv/tlfs.h. Freestanding; usable from assembly.
 */
#ifndef HVEMU_X86_MSR_INDEX_H
#define HVEMU_X86_MSR_INDEX_H

#include "x86/const.h"

#define MSR_IA32_TSC	      0x00000010
#define MSR_IA32_APICBASE     0x0000001b
#define APICBASE_BSP	      X86_BIT(8)  /* this is the bootstrap processor */
#define APICBASE_EXTD	      X86_BIT(10) /* x2APIC mode */
#define APICBASE_ENABLE	      X86_BIT(11) /* APIC globally enabled */
#define MSR_IA32_MISC_ENABLE  0x000001a0
#define MSR_IA32_TSC_DEADLINE 0x000006e0 /* LAPIC timer in TSC-deadline mode */
#define MSR_IA32_CR_PAT	      0x00000277

#define MSR_EFER 0xc0000080
#define EFER_SCE X86_BIT(0)  /* syscall/sysret */
#define EFER_LME X86_BIT(8)  /* long mode enable */
#define EFER_LMA X86_BIT(10) /* long mode active */
#define EFER_NXE X86_BIT(11) /* no-execute pages */

#define MSR_FS_BASE	   0xc0000100
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX	   0xc0000103

#endif
