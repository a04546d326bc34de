/* SPDX-License-Identifier: MIT */
/*
 * The local APIC: its default MMIO base, register offsets, ICR fields, the x2APIC MSR
 * window, and the MSI address format (Intel SDM Vol. 3A §11.4.1 "The Local APIC Block
 * Diagram" Table 11-1, §11.6.1 "Interrupt Command Register", §11.11.1 "Message Address
 * Register Format", §11.12.1.2 "x2APIC Register Address Space"; names as Linux's
 * arch/x86/include/asm/apicdef.h). Freestanding; usable from assembly.
 */
#ifndef HVEMU_X86_APICDEF_H
#define HVEMU_X86_APICDEF_H

#include "x86/const.h"

#define APIC_DEFAULT_PHYS_BASE	  0xfee00000
#define IO_APIC_DEFAULT_PHYS_BASE 0xfec00000

/* Register offsets in the xAPIC MMIO page. */
#define APIC_ID	      0x020 /* xAPIC: bits 31:24 */
#define APIC_LVR      0x030
#define APIC_TASKPRI  0x080
#define APIC_EOI      0x0b0
#define APIC_LDR      0x0d0
#define APIC_SPIV     0x0f0
#define APIC_ISR      0x100
#define APIC_IRR      0x200
#define APIC_ESR      0x280
#define APIC_ICR      0x300
#define APIC_ICR2     0x310 /* xAPIC only: destination in bits 31:24 */
#define APIC_LVTT     0x320
#define APIC_LVT0     0x350
#define APIC_LVT1     0x360
#define APIC_LVTERR   0x370
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_SPIV_APIC_ENABLED X86_BIT(8)
#define APIC_LVT_MASKED	       X86_BIT(16)
/* LVT timer mode, bits 18:17: 00b one-shot, 01b periodic, 10b TSC-deadline (CPUID.1:ECX[24]) */
#define APIC_LVT_TIMER_PERIODIC	   X86_BIT(17)
#define APIC_LVT_TIMER_TSCDEADLINE X86_BIT(18)

/* ICR (low word) fields. */
#define APIC_DM_FIXED	   0x00000
#define APIC_DM_NMI	   0x00400
#define APIC_DM_INIT	   0x00500
#define APIC_DM_STARTUP	   0x00600
#define APIC_ICR_BUSY	   0x01000 /* xAPIC only: delivery status */
#define APIC_INT_ASSERT	   0x04000
#define APIC_INT_LEVELTRIG 0x08000
#define APIC_DEST_SELF	   0x40000
#define APIC_DEST_ALLINC   0x80000
#define APIC_DEST_ALLBUT   0xc0000

/* x2APIC: register offset R is MSR APIC_BASE_MSR + (R >> 4); the ICR is one 64-bit MSR. */
#define APIC_BASE_MSR	0x800
#define X2APIC_MSR(reg) (APIC_BASE_MSR + ((reg) >> 4))

/* MSI address (low 32 bits): 0xFEE in 31:20, destination APIC ID 7:0 in 19:12. */
#define MSI_ADDR_BASE_LO     0xfee00000
#define MSI_ADDR_DEST_ID(id) (((id)&0xff) << 12)

#endif
