// SPDX-License-Identifier: MIT
#include "boot/mptable.h"

#include <errno.h>
#include <string.h>

#include "boot/bootutil.h"
#include "boot/cbtable.h"

#define MP_CPU_ENABLED	 (1u << 0)
#define MP_CPU_BSP	 (1u << 1)
#define MP_IOAPIC_USABLE 1u
/* A family 6 CPU with an FPU and a local APIC: what the processor entries claim. */
#define MP_CPU_SIGNATURE 0x600u
#define MP_CPU_FEATURES	 ((1u << 0) | (1u << 9))
/* I/O interrupt entry flags (MPS 1.4 Table 4-10): polarity bits 0-1, trigger bits 2-3. */
#define MP_IRQ_ACTIVE_HIGH 0x1u
#define MP_IRQ_LEVEL	   0xCu
#define ISA_BUS_ID	   0
#define ISA_IRQS	   16
#define ALL_LAPICS	   0xFF

static unsigned int nr_cpus(unsigned int nslots)
{
	return MIN(nslots, MPTABLE_MAX_CPUS);
}

/*
 * MPS 1.4 wants every APIC ID unique: on the P6-era APIC bus the IOAPIC's ID was an
 * address on the bus it shared with the CPUs, so firmware gives the IOAPIC the first ID
 * above the processors. With 255 or more slots no ID below 255 is left; the table then
 * uses 0, the ID the MADT gives and KVM's in-kernel IOAPIC reports. Since the xAPIC
 * (Pentium 4), interrupt messages travel on the system bus and IOAPIC IDs are a namespace
 * of their own (Linux checks uniqueness only among IOAPICs); only an OS for an APIC-bus
 * machine could mind the overlap, and such a machine never had 255 CPUs.
 */
uint8_t mptable_ioapic_id(unsigned int nslots)
{
	return nslots < MPTABLE_MAX_CPUS ? (uint8_t)nslots : 0;
}

size_t mptable_size(unsigned int nslots)
{
	/* processors, ISA bus, IOAPIC, ExtINT + 15 ISA IRQs, LINT0 and LINT1 */
	return MPC_HEADER_SIZE + (size_t)nr_cpus(nslots) * MP_PROCESSOR_SIZE +
	       (2 + ISA_IRQS + 2) * MP_ENTRY_SIZE;
}

static uint8_t *intsrc(uint8_t *p, uint8_t type, uint8_t irqtype, uint16_t flags, uint8_t src,
		       uint8_t dst_apic, uint8_t dst_pin)
{
	p[0] = type;
	p[1] = irqtype;
	put_le16(p + 2, flags);
	p[4] = ISA_BUS_ID;
	p[5] = src;
	p[6] = dst_apic;
	p[7] = dst_pin;
	return p + MP_ENTRY_SIZE;
}

static uint8_t *write_entries(uint8_t *p, const struct boot_topology *t, uint8_t ioapic_id)
{
	for (unsigned int slot = 0; slot < nr_cpus(t->nslots); slot++) {
		memset(p, 0, MP_PROCESSOR_SIZE);
		p[0] = MP_PROCESSOR;
		p[1] = (uint8_t)slot; /* local APIC ID */
		p[2] = MPTABLE_APIC_VER;
		/* A disabled processor is one the OS must not start: a hot-pluggable slot. */
		p[3] = (boot_topology_present(t, slot) ? MP_CPU_ENABLED : 0) |
		       (slot == 0 ? MP_CPU_BSP : 0);
		put_le32(p + 4, MP_CPU_SIGNATURE);
		put_le32(p + 8, MP_CPU_FEATURES);
		p += MP_PROCESSOR_SIZE;
	}
	p[0] = MP_BUS;
	p[1] = ISA_BUS_ID;
	put_chars(p + 2, "ISA   ", 6);
	p += MP_ENTRY_SIZE;

	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = MPTABLE_IOAPIC_VER;
	p[3] = MP_IOAPIC_USABLE;
	put_le32(p + 4, (uint32_t)BOOT_IOAPIC_GPA);
	p += MP_ENTRY_SIZE;

	/*
	 * ISA IRQs: the 8259's output (ExtINT) on pin 0, the PIT's IRQ0 on pin 2 as the
	 * MADT override says, the others identity-mapped. IRQ2 (the cascade) has no line of
	 * its own: pin 2 is the timer's. IRQ9, the SCI, is level/active-high as in the MADT.
	 */
	p = intsrc(p, MP_INTSRC, MP_IRQ_EXTINT, 0, 0, ioapic_id, 0);
	for (uint8_t irq = 0; irq < ISA_IRQS; irq++) {
		if (irq == 2)
			continue;
		p = intsrc(p, MP_INTSRC, MP_IRQ_INT,
			   irq == 9 ? MP_IRQ_ACTIVE_HIGH | MP_IRQ_LEVEL : 0, irq, ioapic_id,
			   irq == 0 ? 2 : irq);
	}
	/* Every local APIC: LINT0 is the virtual-wire ExtINT input, LINT1 is NMI. */
	p = intsrc(p, MP_LINTSRC, MP_IRQ_EXTINT, 0, 0, ALL_LAPICS, 0);
	p = intsrc(p, MP_LINTSRC, MP_IRQ_NMI, 0, 0, ALL_LAPICS, 1);
	return p;
}

int mptable_write(const struct guest_ram *ram, const struct boot_topology *t, char *err,
		  size_t errlen)
{
	size_t len = mptable_size(t->nslots);
	uint8_t *mpf = guest_ram_ptr(ram, MPTABLE_MPF_GPA, MPF_SIZE), *mpc, *end;
	uint16_t count = (uint16_t)(nr_cpus(t->nslots) + 2 + ISA_IRQS + 2);

	if (!mpf)
		return -EFAULT;
	if (len > CBTABLE_GPA - MPTABLE_MPC_GPA) {
		boot_errf(err, errlen, "MP table for %u vCPU slots does not fit the BIOS area",
			  t->nslots);
		return -ENOSPC;
	}
	mpc = guest_ram_ptr(ram, MPTABLE_MPC_GPA, len);
	if (!mpc)
		return -EFAULT;

	memset(mpc, 0, MPC_HEADER_SIZE);
	put_chars(mpc, "PCMP", 4);
	put_le16(mpc + 4, (uint16_t)len);
	mpc[6] = MPTABLE_SPEC_REV;
	put_chars(mpc + 8, "HVEMU   ", 8);
	put_chars(mpc + 16, "hvemu VM    ", 12);
	put_le16(mpc + 34, count);
	put_le32(mpc + 36, (uint32_t)BOOT_LAPIC_GPA);
	end = write_entries(mpc + MPC_HEADER_SIZE, t, mptable_ioapic_id(t->nslots));
	if ((size_t)(end - mpc) != len)
		return -EFAULT; /* mptable_size and write_entries disagree: a bug */
	mpc[7] = boot_checksum(mpc, len);

	memset(mpf, 0, MPF_SIZE);
	put_chars(mpf, "_MP_", 4);
	put_le32(mpf + 4, (uint32_t)MPTABLE_MPC_GPA);
	mpf[8] = 1; /* length in 16-byte units */
	mpf[9] = MPTABLE_SPEC_REV;
	/* Feature bytes all 0: a configuration table is present; IMCR absent (virtual wire). */
	mpf[10] = boot_checksum(mpf, MPF_SIZE);
	return 0;
}
