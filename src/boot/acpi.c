// SPDX-License-Identifier: MIT
#include "boot/acpi.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "boot/bootutil.h"
#include "hvemu/sysctl.h"

#define ACPI_HDR_SIZE  sizeof(struct acpi_table_header)
#define RSDP_SIZE      sizeof(struct acpi_rsdp)
#define RSDP_V1_SIZE   ACPI_RSDP_V1_SIZE
#define XSDT_ENTRIES   2 /* FADT, MADT (the DSDT hangs off the FADT) */
#define XSDT_SIZE      (ACPI_HDR_SIZE + 8 * XSDT_ENTRIES)
#define RSDT_SIZE      (ACPI_HDR_SIZE + 4 * XSDT_ENTRIES)
#define FADT_SIZE      276 /* ACPI 6.x, through the hypervisor vendor identity */
#define MADT_FIXED     sizeof(struct acpi_madt)
#define MADT_LAPIC_SZ  sizeof(struct acpi_madt_lapic)
#define MADT_X2APIC_SZ sizeof(struct acpi_madt_x2apic)
#define MADT_IOAPIC_SZ 12
#define MADT_ISO_SZ    10
#define MADT_LNMI_SZ   6
#define MADT_X2NMI_SZ  12
#define TABLE_ALIGN    16

/* FADT field offsets (ACPI 6.3 Table 5-34). */
enum {
	FADT_FIRMWARE_CTRL = 36,
	FADT_DSDT = 40,
	FADT_SCI_INT = 46,
	FADT_PM1A_CNT_BLK = 64,
	FADT_PM1_CNT_LEN = 89,
	FADT_IAPC_BOOT_ARCH = 109,
	FADT_FLAGS = 112,
	FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128,
	FADT_MINOR_VERSION = 131,
	FADT_X_DSDT = 140,
	FADT_SLEEP_CONTROL_REG = 244,
	FADT_SLEEP_STATUS_REG = 256,
};

/* Generic Address Structure: address space IDs and access sizes. */
#define GAS_SYSTEM_IO	1
#define GAS_ACCESS_BYTE 1

/* MPS INTI flags for interrupt source overrides. */
#define INTI_POLARITY_HIGH (1u << 0)
#define INTI_TRIGGER_LEVEL (3u << 2)

/*
 * DSDT body, hand-assembled (ACPI 6.3 §20.2): DefName := NameOp NameString DataRefObject.
 *   08                NameOp
 *   5F 53 35 5F       NameSeg "_S5_"
 *   12                PackageOp
 *   08                PkgLength: 8 bytes, counting itself, up to the end of the package
 *   04                NumElements
 *   0A 05             BytePrefix 5   SLP_TYPa: written to SLEEP_CONTROL_REG.SLP_TYP
 *   0A 05             BytePrefix 5   SLP_TYPb (unused on hardware-reduced platforms)
 *   00                ZeroOp         reserved
 *   00                ZeroOp         reserved
 * which is what iasl emits for Name (_S5, Package () { 5, 5, 0, 0 }).
 */
const uint8_t acpi_dsdt_aml[] = { 0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x08,
				  0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
const size_t acpi_dsdt_aml_len = sizeof(acpi_dsdt_aml);
_Static_assert(SYSCTL_SLP_TYP_S5 == 5, "the _S5 package above hard-codes SLP_TYP 5");

static void table_header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
	put_chars(p, sig, 4);
	put_le32(p + 4, len);
	p[8] = rev;
	p[9] = 0; /* checksum, set by table_finish */
	put_chars(p + 10, ACPI_OEM_ID, 6);
	put_chars(p + 16, ACPI_OEM_TABLE_ID, 8);
	put_le32(p + 24, 1); /* OEM revision */
	put_chars(p + 28, "HVEM", 4);
	put_le32(p + 32, 1); /* creator revision */
}

static void table_finish(uint8_t *p, uint32_t len)
{
	p[9] = boot_checksum(p, len);
}

static void gas_io8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* register bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put_le64(p + 4, port);
}

size_t acpi_madt_size(unsigned int nslots)
{
	size_t n = MADT_FIXED + MADT_IOAPIC_SZ + 2 * MADT_ISO_SZ + MADT_LNMI_SZ;

	for (unsigned int slot = 0; slot < nslots; slot++)
		n += slot < ACPI_X2APIC_FIRST_ID ? MADT_LAPIC_SZ : MADT_X2APIC_SZ;
	if (nslots > ACPI_X2APIC_FIRST_ID)
		n += MADT_X2NMI_SZ;
	return n;
}

static uint8_t *madt_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = ACPI_MADT_ISO;
	p[1] = MADT_ISO_SZ;
	p[2] = 0; /* bus: ISA */
	p[3] = irq;
	put_le32(p + 4, gsi);
	put_le16(p + 8, flags);
	return p + MADT_ISO_SZ;
}

/* Returns the end of what it wrote, which must be madt + len. */
static uint8_t *write_madt(uint8_t *madt, uint32_t len, const struct boot_topology *t)
{
	uint8_t *p = madt + MADT_FIXED;

	table_header(madt, "APIC", len, ACPI_MADT_REVISION);
	put_le32(madt + offsetof(struct acpi_madt, lapic_address), (uint32_t)BOOT_LAPIC_GPA);
	put_le32(madt + offsetof(struct acpi_madt, flags), ACPI_MADT_PCAT_COMPAT);
	/*
	 * Every slot is listed, BSP first. A slot without a vCPU yet is disabled but
	 * online-capable (ACPI 6.3), so the OS reserves a CPU number for a later hot-add.
	 * ACPI 6.3 §5.2.12.12: APIC IDs below 255 must use Local APIC entries, the others
	 * Local x2APIC entries; the processor UID is the slot number either way.
	 */
	for (unsigned int slot = 0; slot < t->nslots; slot++) {
		uint32_t flags =
		    boot_topology_present(t, slot) ? ACPI_MADT_ENABLED : ACPI_MADT_ONLINE_CAPABLE;

		if (slot < ACPI_X2APIC_FIRST_ID) {
			p[0] = ACPI_MADT_LAPIC;
			p[1] = MADT_LAPIC_SZ;
			p[2] = (uint8_t)slot; /* ACPI processor UID */
			p[3] = (uint8_t)slot; /* APIC ID */
			put_le32(p + 4, flags);
			p += MADT_LAPIC_SZ;
		} else {
			p[0] = ACPI_MADT_X2APIC;
			p[1] = MADT_X2APIC_SZ;
			put_le16(p + 2, 0);
			put_le32(p + 4, slot); /* x2APIC ID */
			put_le32(p + 8, flags);
			put_le32(p + 12, slot); /* ACPI processor UID */
			p += MADT_X2APIC_SZ;
		}
	}
	p[0] = ACPI_MADT_IOAPIC;
	p[1] = MADT_IOAPIC_SZ;
	p[2] = 0; /* IOAPIC ID: KVM's in-kernel IOAPIC resets to 0 */
	p[3] = 0;
	put_le32(p + 4, (uint32_t)BOOT_IOAPIC_GPA);
	put_le32(p + 8, 0); /* GSI base */
	p += MADT_IOAPIC_SZ;
	/* The PIT's IRQ0 is wired to IOAPIC pin 2 (as on PCs and in KVM's irq routing). */
	p = madt_iso(p, 0, 2, 0);
	/* IRQ9 is the SCI: level-triggered, active high, as QEMU describes it. */
	p = madt_iso(p, ACPI_SCI_IRQ, ACPI_SCI_IRQ, INTI_POLARITY_HIGH | INTI_TRIGGER_LEVEL);
	/* NMI arrives on LINT1 of every processor (UID 0xFF / 0xFFFFFFFF: all). */
	p[0] = ACPI_MADT_LAPIC_NMI;
	p[1] = MADT_LNMI_SZ;
	p[2] = 0xFF;
	put_le16(p + 3, 0); /* flags: conforms to the bus */
	p[5] = 1;	    /* LINT1 */
	p += MADT_LNMI_SZ;
	if (t->nslots > ACPI_X2APIC_FIRST_ID) {
		p[0] = ACPI_MADT_X2APIC_NMI;
		p[1] = MADT_X2NMI_SZ;
		put_le16(p + 2, 0);
		put_le32(p + 4, 0xFFFFFFFFu);
		p[8] = 1; /* LINT1 */
		p += MADT_X2NMI_SZ;
	}
	table_finish(madt, len);
	return p;
}

static void write_fadt(uint8_t *fadt, uint64_t dsdt_gpa)
{
	table_header(fadt, "FACP", FADT_SIZE, ACPI_FADT_REVISION);
	/* No FACS: hardware-reduced ACPI has no global lock or firmware waking vector. */
	put_le32(fadt + FADT_FIRMWARE_CTRL, 0);
	/* Both DSDT pointers, equal, for OSes that only read the 32-bit one. */
	put_le32(fadt + FADT_DSDT, (uint32_t)dsdt_gpa);
	put_le16(fadt + FADT_SCI_INT, ACPI_SCI_IRQ);
	put_le16(fadt + FADT_IAPC_BOOT_ARCH, ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_VGA_NOT_PRESENT |
						 ACPI_IAPC_CMOS_RTC_NOT_PRESENT);
	put_le32(fadt + FADT_FLAGS, ACPI_FADT_WBINVD | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON |
					ACPI_FADT_RESET_REG_SUP | ACPI_FADT_HW_REDUCED_ACPI);
	gas_io8(fadt + FADT_RESET_REG, SYSCTL_RESET_PORT);
	fadt[FADT_RESET_VALUE] = SYSCTL_RESET_VALUE;
	fadt[FADT_MINOR_VERSION] = ACPI_FADT_MINOR;
	put_le64(fadt + FADT_X_DSDT, dsdt_gpa);
	/*
	 * Sleep goes through the hardware-reduced registers at 0x600. A hardware-reduced OS
	 * ignores the fixed-hardware fields (ACPI 6.3 §5.2.9), so PM1a_CNT_BLK can also name
	 * a PM1 control port for loaders that predate hardware-reduced ACPI: GRUB's `halt`
	 * writes SLP_TYP (from _S5) | SLP_EN there. No X_PM1a_CNT_BLK, no other PM1/GPE block.
	 */
	put_le32(fadt + FADT_PM1A_CNT_BLK, SYSCTL_PM1A_CNT_PORT);
	fadt[FADT_PM1_CNT_LEN] = 2;
	gas_io8(fadt + FADT_SLEEP_CONTROL_REG, SYSCTL_SLEEP_PORT);
	gas_io8(fadt + FADT_SLEEP_STATUS_REG, SYSCTL_SLEEP_PORT);
	table_finish(fadt, FADT_SIZE);
}

static void write_rsdp(uint8_t *rsdp, uint64_t rsdt_gpa, uint64_t xsdt_gpa)
{
	put_chars(rsdp, ACPI_RSDP_SIGNATURE, 8);
	put_chars(rsdp + 9, ACPI_OEM_ID, 6);
	rsdp[15] = ACPI_RSDP_REVISION;
	/* An ACPI 2.0+ OS uses the XSDT; the RSDT is for ACPI 1.0 readers such as GRUB. */
	put_le32(rsdp + 16, (uint32_t)rsdt_gpa);
	put_le32(rsdp + 20, RSDP_SIZE);
	put_le64(rsdp + 24, xsdt_gpa);
	rsdp[8] = boot_checksum(rsdp, RSDP_V1_SIZE);
	rsdp[32] = boot_checksum(rsdp, RSDP_SIZE);
}

int acpi_write_tables(const struct guest_ram *ram, const struct boot_topology *t, char *err,
		      size_t errlen)
{
	uint64_t xsdt_gpa = BOOT_ACPI_GPA;
	uint64_t rsdt_gpa = ALIGN_UP(xsdt_gpa + XSDT_SIZE, TABLE_ALIGN);
	uint64_t fadt_gpa = ALIGN_UP(rsdt_gpa + RSDT_SIZE, TABLE_ALIGN);
	uint64_t dsdt_gpa = ALIGN_UP(fadt_gpa + FADT_SIZE, TABLE_ALIGN);
	uint64_t madt_gpa = ALIGN_UP(dsdt_gpa + ACPI_HDR_SIZE + acpi_dsdt_aml_len, TABLE_ALIGN);
	size_t madt_len = acpi_madt_size(t->nslots);
	uint8_t *area = guest_ram_ptr(ram, BOOT_ACPI_GPA, BOOT_ACPI_END - BOOT_ACPI_GPA);
	uint8_t *rsdp = guest_ram_ptr(ram, ACPI_RSDP_GPA, RSDP_SIZE);
	uint32_t dsdt_len = (uint32_t)(ACPI_HDR_SIZE + acpi_dsdt_aml_len);
	uint8_t *xsdt, *rsdt, *dsdt, *madt;

	if (!area || !rsdp)
		return -EFAULT;
	if (madt_len > BOOT_ACPI_END - madt_gpa) {
		boot_errf(err, errlen, "ACPI tables for %u vCPU slots do not fit in 0x%llx-0x%llx",
			  t->nslots, (unsigned long long)BOOT_ACPI_GPA,
			  (unsigned long long)BOOT_ACPI_END - 1);
		return -ENOSPC;
	}
	xsdt = area + (xsdt_gpa - BOOT_ACPI_GPA);
	table_header(xsdt, "XSDT", XSDT_SIZE, ACPI_XSDT_REVISION);
	put_le64(xsdt + ACPI_HDR_SIZE, fadt_gpa);
	put_le64(xsdt + ACPI_HDR_SIZE + 8, madt_gpa);
	table_finish(xsdt, XSDT_SIZE);
	/* The same entries, 32 bits wide: every table is below 1 MiB. */
	rsdt = area + (rsdt_gpa - BOOT_ACPI_GPA);
	table_header(rsdt, "RSDT", RSDT_SIZE, ACPI_RSDT_REVISION);
	put_le32(rsdt + ACPI_HDR_SIZE, (uint32_t)fadt_gpa);
	put_le32(rsdt + ACPI_HDR_SIZE + 4, (uint32_t)madt_gpa);
	table_finish(rsdt, RSDT_SIZE);

	write_fadt(area + (fadt_gpa - BOOT_ACPI_GPA), dsdt_gpa);

	dsdt = area + (dsdt_gpa - BOOT_ACPI_GPA);
	table_header(dsdt, "DSDT", dsdt_len, ACPI_DSDT_REVISION);
	memcpy(dsdt + ACPI_HDR_SIZE, acpi_dsdt_aml, acpi_dsdt_aml_len);
	table_finish(dsdt, dsdt_len);

	madt = area + (madt_gpa - BOOT_ACPI_GPA);
	if (write_madt(madt, (uint32_t)madt_len, t) != madt + madt_len)
		return -EFAULT; /* acpi_madt_size and write_madt disagree: a bug */
	write_rsdp(rsdp, rsdt_gpa, xsdt_gpa);
	return 0;
}
