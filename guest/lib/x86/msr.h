/* SPDX-License-Identifier: MIT */
/* Architectural MSR numbers used by the runtime (Intel SDM vol. 4). */
#ifndef GUEST_X86_MSR_H
#define GUEST_X86_MSR_H

#define MSR_IA32_APICBASE    0x0000001b
#define APICBASE_BSP	     (1ull << 8)
#define APICBASE_EXTD	     (1ull << 10)
#define APICBASE_ENABLE	     (1ull << 11)
#define MSR_IA32_TSC	     0x00000010
#define MSR_IA32_MISC_ENABLE 0x000001a0
#define MSR_IA32_CR_PAT	     0x00000277
#define MSR_EFER	     0xc0000080
#define EFER_SCE	     (1ull << 0)
#define EFER_LME	     (1ull << 8)
#define EFER_LMA	     (1ull << 10)
#define EFER_NXE	     (1ull << 11)
#define MSR_FS_BASE	     0xc0000100
#define MSR_GS_BASE	     0xc0000101
#define MSR_KERNEL_GS_BASE   0xc0000102
#define MSR_TSC_AUX	     0xc0000103

/* x2APIC registers are MSR 0x800 + (xAPIC MMIO offset >> 4). */
#define MSR_X2APIC_BASE 0x00000800

#endif
