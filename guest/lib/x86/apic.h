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
#include "x86/apicdef.h" /* register offsets, ICR fields, x2APIC MSRs */

/* The highest APIC ID xAPIC mode can address with a physical destination. */
#define XAPIC_MAX_ID 0xfeu

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
/* The same on an AP fresh from INIT/SIPI (ap_start_c): the software enable only. */
void apic_init_ap(void);
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
