/* SPDX-License-Identifier: MIT */
/*
 * Local APIC access in xAPIC (MMIO at 0xFEE00000) or x2APIC (MSR) mode. x2APIC is used
 * when CPUID.1:ECX[21] reports it (it is required for APIC IDs above 254) unless the
 * command line says "xapic". All CPUs use the same mode.
 *
 * EOI goes through apic_eoi(); a later layer may replace it (for example with the Hyper-V
 * EOI MSR) by setting apic_eoi_hook.
 */
#ifndef GUEST_X86_APIC_H
#define GUEST_X86_APIC_H

#include "types.h"

#define APIC_DEFAULT_BASE 0xfee00000ull

/* Register offsets in xAPIC MMIO terms; x2APIC MSR = 0x800 + (offset >> 4). */
#define APIC_ID	      0x020
#define APIC_LVR      0x030
#define APIC_TPR      0x080
#define APIC_EOI      0x0b0
#define APIC_LDR      0x0d0
#define APIC_SPIV     0x0f0
#define APIC_ISR      0x100
#define APIC_IRR      0x200
#define APIC_ESR      0x280
#define APIC_ICR      0x300
#define APIC_ICR2     0x310
#define APIC_LVTT     0x320
#define APIC_LVT0     0x350
#define APIC_LVT1     0x360
#define APIC_LVTERR   0x370
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_SPIV_ENABLE (1u << 8)
#define APIC_LVT_MASKED	 (1u << 16)

/* ICR low word. */
#define APIC_DM_FIXED	   0x00000
#define APIC_DM_NMI	   0x00400
#define APIC_DM_INIT	   0x00500
#define APIC_DM_STARTUP	   0x00600
#define APIC_ICR_BUSY	   0x01000
#define APIC_INT_ASSERT	   0x04000
#define APIC_INT_LEVELTRIG 0x08000
#define APIC_DEST_SELF	   0x40000
#define APIC_DEST_ALLINC   0x80000
#define APIC_DEST_ALLBUT   0xc0000

/* The highest APIC ID xAPIC mode can address with a physical destination. */
#define XAPIC_MAX_ID 0xfe

struct apic_ops {
	const char *name;
	u32 (*read)(u32 reg);
	void (*write)(u32 reg, u32 val);
	void (*icr_write)(u32 low, u32 dest);
	u32 (*id)(void);
};

extern const struct apic_ops *apic;
extern void (*apic_eoi_hook)(void);

bool x2apic_supported(void);
bool apic_x2apic_mode(void);
/* Chooses the mode on the boot CPU and sets its APIC up. */
void apic_init_bsp(bool allow_x2apic);
/* Per-CPU set-up: mode, software enable, spurious vector, TPR 0, LINT0/timer masked. */
void apic_init_cpu(void);
u32 apic_read_id(void);
void apic_eoi(void);

void apic_icr(u32 low, u32 dest);
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_ipi_self(u8 vector);
void apic_send_ipi_allbutself(u8 vector);
void apic_send_nmi(u32 apic_id);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 page);

#endif
