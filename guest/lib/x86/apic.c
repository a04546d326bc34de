// SPDX-License-Identifier: MIT
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"

static volatile u32 *const xapic_mmio = (volatile u32 *)(uintptr_t)APIC_DEFAULT_PHYS_BASE;
static bool use_x2apic;
/* Read by the AP entry code: switch to x2APIC before reading the APIC ID. */
u8 ap_x2apic;
void (*apic_eoi_hook)(void);

static u32 xapic_read(u32 reg)
{
	return xapic_mmio[reg / 4];
}

static void xapic_write(u32 reg, u32 val)
{
	xapic_mmio[reg / 4] = val;
}

static void xapic_icr_write(u32 low, u32 dest)
{
	/* ICR2 then ICR: an interrupt in between could rewrite ICR2, so keep IF clear. */
	u64 flags = irq_save();

	for (int i = 0; i < 1000 && (xapic_read(APIC_ICR) & APIC_ICR_BUSY); i++)
		asm volatile("pause");
	xapic_write(APIC_ICR2, dest << 24);
	xapic_write(APIC_ICR, low);
	irq_restore(flags);
}

static u32 xapic_id(void)
{
	return xapic_read(APIC_ID) >> 24;
}

static u32 x2apic_read(u32 reg)
{
	return (u32)rdmsr(X2APIC_MSR(reg));
}

static void x2apic_write(u32 reg, u32 val)
{
	wrmsr(X2APIC_MSR(reg), val);
}

static void x2apic_icr_write(u32 low, u32 dest)
{
	wrmsr(X2APIC_MSR(APIC_ICR), low | ((u64)dest << 32));
}

static u32 x2apic_id(void)
{
	return (u32)rdmsr(X2APIC_MSR(APIC_ID));
}

static const struct apic_ops xapic_ops = {
	.name = "xAPIC",
	.read = xapic_read,
	.write = xapic_write,
	.icr_write = xapic_icr_write,
	.id = xapic_id,
};

static const struct apic_ops x2apic_ops = {
	.name = "x2APIC",
	.read = x2apic_read,
	.write = x2apic_write,
	.icr_write = x2apic_icr_write,
	.id = x2apic_id,
};

const struct apic_ops *apic = &xapic_ops;

bool x2apic_supported(void)
{
	return cpuid(1).c & (1u << 21);
}

bool apic_x2apic_mode(void)
{
	return use_x2apic;
}

void apic_init_bsp(bool allow_x2apic)
{
	/*
	 * Firmware of a machine with APIC IDs of 255 and more hands it over in x2APIC mode
	 * (hvemu too): going back to xAPIC would need the APIC disabled first, and xAPIC
	 * could not reach those CPUs anyway, so such an APIC stays in x2APIC mode.
	 */
	bool preset = rdmsr(MSR_IA32_APICBASE) & APICBASE_EXTD;

	use_x2apic = (allow_x2apic || preset) && x2apic_supported();
	ap_x2apic = use_x2apic;
	apic = use_x2apic ? &x2apic_ops : &xapic_ops;
	apic_init_cpu();
}

/*
 * An AP's APIC comes from INIT or RESET: TPR 0 and every LVT entry masked already (Intel
 * SDM Vol. 3A, "Local APIC State After an INIT Reset"), and in x2APIC mode when
 * the boot CPU is (ap_entry64 switched it). Only the software enable is left: each write
 * here is an exit of about 10 us, and with 1024 vCPUs the writes after the enable also
 * ran into KVM's rebuilds of its APIC map for other APs (the TPR write: 0.37 ms on
 * average). Measured with 64 vCPUs: the AP's APIC set-up 65 us -> 24 us.
 */
void apic_init_ap(void)
{
	if (!use_x2apic) {
		u64 base = rdmsr(MSR_IA32_APICBASE);

		if (!(base & APICBASE_ENABLE))
			wrmsr(MSR_IA32_APICBASE, base | APICBASE_ENABLE);
	}
	apic->write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | SPURIOUS_VECTOR);
}

void apic_init_cpu(void)
{
	if (use_x2apic) {
		u64 base = rdmsr(MSR_IA32_APICBASE);

		if ((base & (APICBASE_ENABLE | APICBASE_EXTD)) != (APICBASE_ENABLE | APICBASE_EXTD))
			wrmsr(MSR_IA32_APICBASE, base | APICBASE_ENABLE | APICBASE_EXTD);
	}
	/* Enabled (xAPIC), software-enabled; then what an AP has from INIT, set here. */
	apic_init_ap();
	apic->write(APIC_TASKPRI, 0);
	/* The 8259 is masked too; LINT0 in ExtINT mode (firmware's virtual wire) goes away. */
	apic->write(APIC_LVT0, APIC_LVT_MASKED);
	apic->write(APIC_LVTT, APIC_LVT_MASKED);
	apic->write(APIC_LVTERR, APIC_LVT_MASKED);
}

u32 apic_read_id(void)
{
	return apic->id();
}

void apic_eoi(void)
{
	void (*hook)(void) = apic_eoi_hook;

	if (hook)
		hook();
	else
		apic->write(APIC_EOI, 0);
}

void apic_icr(u32 low, u32 dest)
{
	apic->icr_write(low, dest);
}

void apic_send_ipi(u32 apic_id, u8 vector)
{
	apic->icr_write(APIC_DM_FIXED | APIC_INT_ASSERT | vector, apic_id);
}

void apic_send_ipi_self(u8 vector)
{
	if (use_x2apic)
		x2apic_write(APIC_SELF_IPI, vector);
	else
		apic->icr_write(APIC_DEST_SELF | APIC_DM_FIXED | APIC_INT_ASSERT | vector, 0);
}

void apic_send_ipi_allbutself(u8 vector)
{
	apic->icr_write(APIC_DEST_ALLBUT | APIC_DM_FIXED | APIC_INT_ASSERT | vector, 0);
}

void apic_send_nmi(u32 apic_id)
{
	apic->icr_write(APIC_DM_NMI | APIC_INT_ASSERT, apic_id);
}

void apic_send_init(u32 apic_id)
{
	apic->icr_write(APIC_DM_INIT | APIC_INT_ASSERT, apic_id);
}

void apic_send_sipi(u32 apic_id, u8 page)
{
	apic->icr_write(APIC_DM_STARTUP | APIC_INT_ASSERT | page, apic_id);
}
