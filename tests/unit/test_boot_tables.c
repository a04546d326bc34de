// SPDX-License-Identifier: MIT
/*
 * ACPI and MP tables, read back the way a guest OS finds and checks them: scan for the
 * RSDP / MP floating pointer, verify every checksum, walk the entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/e820.h"
#include "boot/tables.h"
#include "harness.h"

#define RAM_SIZE (2u << 20)

static uint8_t *ram_buf;
static struct guest_ram ram;
static uint64_t present_bits[BOOT_MAX_SLOTS / 64];

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram_buf + gpa, 4);
	return v;
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram_buf + gpa, 8);
	return v;
}

static uint16_t rd16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram_buf + gpa, 2);
	return v;
}

static uint8_t sum8(uint64_t gpa, uint64_t len)
{
	uint8_t s = 0;

	for (uint64_t i = 0; i < len; i++)
		s = (uint8_t)(s + ram_buf[gpa + i]);
	return s;
}

static void clear_ram(void)
{
	if (!ram_buf)
		ram_buf = malloc(RAM_SIZE);
	/* Junk, including decoy signatures, that the writer must clear. */
	memset(ram_buf, 0xA5, RAM_SIZE);
	/* NOLINTBEGIN(bugprone-not-null-terminated-result): signatures are bytes, not strings */
	memcpy(ram_buf + 0xE0000, "RSD PTR ", 8);
	memcpy(ram_buf + 0xFFF00, "_MP_", 4);
	memcpy(ram_buf + 0xF8000, "LBIO", 4);
	/* NOLINTEND(bugprone-not-null-terminated-result) */
	ram = (struct guest_ram){ .low = ram_buf, .low_size = RAM_SIZE };
}

/* nslots slots of which the listed ones are present (a bitmap topology). */
static void setup(unsigned int nslots, const unsigned int *present, unsigned int npresent,
		  struct boot_topology *t)
{
	clear_ram();
	memset(present_bits, 0, sizeof(present_bits));
	for (unsigned int i = 0; i < npresent; i++)
		present_bits[present[i] / 64] |= 1ull << (present[i] % 64);
	*t = (struct boot_topology){ .nslots = nslots, .nboot = 9999, .present = present_bits };
}

/*
 * The firmware-table scans guests do: 16-byte steps over [from, 1 MiB) of mem for sig,
 * and, when sumlen is non-zero, an 8-bit sum of sumlen bytes that is zero. 0: not found.
 */
static uint64_t scan_bios(const uint8_t *mem, uint64_t from, const char *sig, size_t sumlen)
{
	for (uint64_t a = from; a < 0x100000; a += 16) {
		uint8_t sum = 0;

		if (memcmp(mem + a, sig, strlen(sig)) != 0)
			continue;
		for (size_t i = 0; i < sumlen; i++)
			sum = (uint8_t)(sum + mem[a + i]);
		if (sum == 0)
			return a;
	}
	return 0;
}

/* Linux's scan: 0xE0000-0xFFFFF, signature and ACPI 1.0 checksum. */
static uint64_t find_rsdp(void)
{
	return scan_bios(ram_buf, 0xE0000, "RSD PTR ", 20);
}

/* A table reached through the XSDT, checked; 0 when absent or broken. */
static uint64_t find_table(const char *sig)
{
	uint64_t rsdp = find_rsdp(), xsdt, n;

	if (!rsdp)
		return 0;
	xsdt = rd64(rsdp + 24);
	n = (rd32(xsdt + 4) - 36) / 8;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t = rd64(xsdt + 36 + 8 * i);

		if (t < 0xE0000 || t >= 0xF0000)
			return 0;
		if (memcmp(ram_buf + t, sig, 4) == 0)
			return t;
	}
	return 0;
}

static void test_rsdp_xsdt(void)
{
	struct boot_topology t;
	unsigned int p[] = { 0 };
	uint64_t rsdp, xsdt, rsdt;

	setup(1, p, 1, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	rsdp = find_rsdp();
	CHECK_EQ(rsdp, 0xF0000); /* the decoy at 0xE0000 is gone */
	CHECK(rsdp % 16 == 0);
	CHECK_EQ(ram_buf[rsdp + 15], 2); /* revision */
	CHECK_EQ(rd32(rsdp + 20), 36);	 /* length */
	CHECK_EQ(sum8(rsdp, 36), 0);	 /* extended checksum */
	xsdt = rd64(rsdp + 24);
	/* The ACPI 1.0 RSDT: same entries as the XSDT, 32 bits wide. */
	rsdt = rd32(rsdp + 16);
	CHECK(rsdt >= 0xE0000 && rsdt < 0xF0000 && rsdt % 16 == 0);
	CHECK(memcmp(ram_buf + rsdt, "RSDT", 4) == 0);
	CHECK_EQ(rd32(rsdt + 4), 36 + 8);
	CHECK_EQ(ram_buf[rsdt + 8], 1);
	CHECK_EQ(sum8(rsdt, rd32(rsdt + 4)), 0);
	CHECK_EQ(rd32(rsdt + 36), rd64(xsdt + 36));
	CHECK_EQ(rd32(rsdt + 40), rd64(xsdt + 44));
	CHECK(xsdt >= 0xE0000 && xsdt < 0xF0000);
	CHECK(memcmp(ram_buf + xsdt, "XSDT", 4) == 0);
	CHECK_EQ(rd32(xsdt + 4), 36 + 16);
	CHECK_EQ(sum8(xsdt, rd32(xsdt + 4)), 0);
	CHECK(find_table("FACP") != 0);
	CHECK(find_table("APIC") != 0);
}

static void check_gas_io8(uint64_t gas, uint16_t port)
{
	CHECK_EQ(ram_buf[gas], 1);     /* system I/O */
	CHECK_EQ(ram_buf[gas + 1], 8); /* bit width */
	CHECK_EQ(ram_buf[gas + 2], 0);
	CHECK_EQ(ram_buf[gas + 3], 1); /* byte access */
	CHECK_EQ(rd64(gas + 4), port);
}

static void test_fadt_dsdt(void)
{
	static const uint8_t aml[] = { 0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x08,
				       0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
	struct boot_topology t;
	unsigned int p[] = { 0 };
	uint64_t fadt, dsdt;
	uint32_t flags;

	setup(4, p, 1, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	fadt = find_table("FACP");
	CHECK(fadt != 0);
	if (!fadt)
		return;
	CHECK_EQ(rd32(fadt + 4), 276);
	CHECK_EQ(ram_buf[fadt + 8], 6);	  /* revision */
	CHECK_EQ(ram_buf[fadt + 131], 3); /* minor: 6.3, online-capable CPUs */
	CHECK_EQ(sum8(fadt, 276), 0);
	flags = rd32(fadt + 112);
	CHECK(flags & (1u << 20)); /* HW_REDUCED_ACPI */
	CHECK(flags & (1u << 10)); /* RESET_REG_SUP */
	check_gas_io8(fadt + 116, 0xCF9);
	CHECK_EQ(ram_buf[fadt + 128], 0x06);
	check_gas_io8(fadt + 244, 0x600); /* SLEEP_CONTROL_REG */
	check_gas_io8(fadt + 256, 0x600); /* SLEEP_STATUS_REG */
	CHECK_EQ(rd32(fadt + 36), 0);	  /* FIRMWARE_CTRL: no FACS */
	CHECK_EQ(rd64(fadt + 132), 0);	  /* X_FIRMWARE_CTRL */
	/* PM1a_CNT_BLK, 2 bytes, for GRUB; no other legacy PM block, no X_ forms. */
	CHECK_EQ(rd32(fadt + 64), 0x604);
	CHECK_EQ(ram_buf[fadt + 89], 2);
	for (unsigned int off = 56; off < 96; off++)
		if (off < 64 || off >= 68)
			CHECK_EQ(ram_buf[fadt + off], off == 89 ? 2 : 0);
	for (unsigned int off = 148; off < 244; off++)
		CHECK_EQ(ram_buf[fadt + off], 0);
	dsdt = rd64(fadt + 140);
	CHECK_EQ(rd32(fadt + 40), dsdt); /* 32-bit DSDT pointer agrees */
	CHECK(dsdt >= 0xE0000 && dsdt < 0xF0000);
	CHECK(memcmp(ram_buf + dsdt, "DSDT", 4) == 0);
	CHECK_EQ(rd32(dsdt + 4), 36 + sizeof(aml));
	CHECK_EQ(ram_buf[dsdt + 8], 2);
	CHECK_EQ(sum8(dsdt, rd32(dsdt + 4)), 0);
	CHECK(memcmp(ram_buf + dsdt + 36, aml, sizeof(aml)) == 0);
}

struct madt_counts {
	unsigned int lapic, x2apic, ioapic, iso, nmi, x2nmi, other;
	unsigned int bad; /* entries whose contents are wrong */
};

static struct madt_counts walk_madt(const struct boot_topology *t)
{
	struct madt_counts c = { 0 };
	uint64_t madt = find_table("APIC"), p, end;

	CHECK(madt != 0);
	if (!madt)
		return c;
	end = madt + rd32(madt + 4);
	CHECK(end <= 0xF0000);
	CHECK_EQ(ram_buf[madt + 8], 5);
	CHECK_EQ(sum8(madt, end - madt), 0);
	CHECK_EQ(rd32(madt + 36), 0xFEE00000u);
	CHECK_EQ(rd32(madt + 40), 1); /* PCAT_COMPAT */
	for (p = madt + 44; p + 2 <= end && ram_buf[p + 1] >= 2; p += ram_buf[p + 1]) {
		uint8_t type = ram_buf[p], len = ram_buf[p + 1];

		if (type == 0 && len == 8) {
			unsigned int slot = ram_buf[p + 3];
			uint32_t want = boot_topology_present(t, slot) ? 1 : 2;

			c.bad += slot != c.lapic || ram_buf[p + 2] != slot || slot >= 255 ||
				 rd32(p + 4) != want;
			c.lapic++;
		} else if (type == 9 && len == 16) {
			uint32_t slot = rd32(p + 4);
			uint32_t want = boot_topology_present(t, slot) ? 1 : 2;

			c.bad +=
			    slot != 255 + c.x2apic || rd32(p + 12) != slot || rd32(p + 8) != want;
			c.x2apic++;
		} else if (type == 1 && len == 12) {
			c.bad +=
			    ram_buf[p + 2] != 0 || rd32(p + 4) != 0xFEC00000u || rd32(p + 8) != 0;
			c.ioapic++;
		} else if (type == 2 && len == 10) {
			uint8_t irq = ram_buf[p + 3];

			c.bad += ram_buf[p + 2] != 0 ||
				 !((irq == 0 && rd32(p + 4) == 2 && rd16(p + 8) == 0) ||
				   (irq == 9 && rd32(p + 4) == 9 && rd16(p + 8) == 0xD));
			c.iso++;
		} else if (type == 4 && len == 6) {
			c.bad += ram_buf[p + 2] != 0xFF || ram_buf[p + 5] != 1;
			c.nmi++;
		} else if (type == 10 && len == 12) {
			c.bad += rd32(p + 4) != 0xFFFFFFFFu || ram_buf[p + 8] != 1;
			c.x2nmi++;
		} else {
			c.other++;
		}
	}
	CHECK_EQ(p, end); /* the entries tile the table exactly */
	return c;
}

static void check_madt(unsigned int n, const unsigned int *present, unsigned int np)
{
	struct boot_topology t;
	struct madt_counts c;
	char err[128] = "";

	setup(n, present, np, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), 0);
	c = walk_madt(&t);
	CHECK_EQ(c.lapic, n < 255 ? n : 255);
	CHECK_EQ(c.x2apic, n > 255 ? n - 255 : 0);
	CHECK_EQ(c.ioapic, 1);
	CHECK_EQ(c.iso, 2);
	CHECK_EQ(c.nmi, 1);
	CHECK_EQ(c.x2nmi, n > 255 ? 1 : 0);
	CHECK_EQ(c.other, 0);
	CHECK_EQ(c.bad, 0);
}

static void test_madt_sizes(void)
{
	unsigned int bsp[] = { 0 }, some[] = { 0, 3, 7 }, edge[] = { 0, 254, 255, 256, 1023 };
	unsigned int all[1024];

	for (unsigned int i = 0; i < 1024; i++)
		all[i] = i;
	check_madt(1, bsp, 1);
	check_madt(8, some, 3);
	check_madt(8, all, 8);
	check_madt(255, all, 255);
	check_madt(255, edge, 2);
	check_madt(256, edge, 3);
	check_madt(256, all, 256);
	check_madt(1024, edge, 5);
	check_madt(1024, all, 1024);
}

/* MPS 1.4 §4: search 0xF0000-0xFFFFF on 16-byte boundaries. */
static uint64_t find_mpf(void)
{
	return scan_bios(ram_buf, 0xF0000, "_MP_", 16);
}

static void check_mptable(unsigned int n, const unsigned int *present, unsigned int np)
{
	struct boot_topology t;
	uint64_t mpf, mpc, p, end;
	unsigned int cpus = 0, bus = 0, ioapic = 0, intsrc = 0, lint = 0, bad = 0;
	unsigned int want_cpus = n < 255 ? n : 255, ioapic_id = 0xFFFF;
	uint16_t pins = 0;

	setup(n, present, np, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	mpf = find_mpf();
	CHECK(mpf != 0);
	if (!mpf)
		return;
	CHECK_EQ(ram_buf[mpf + 8], 1);
	CHECK_EQ(ram_buf[mpf + 9], 4);
	CHECK_EQ(ram_buf[mpf + 11], 0); /* feature byte 1: a table follows */
	mpc = rd32(mpf + 4);
	CHECK(mpc >= 0xF0000 && mpc < 0x100000);
	CHECK(memcmp(ram_buf + mpc, "PCMP", 4) == 0);
	end = mpc + rd16(mpc + 4);
	CHECK(end <= 0x100000);
	CHECK_EQ(ram_buf[mpc + 6], 4);
	CHECK_EQ(sum8(mpc, end - mpc), 0);
	CHECK_EQ(rd32(mpc + 36), 0xFEE00000u);
	CHECK_EQ(rd16(mpc + 34), want_cpus + 20);
	for (p = mpc + 44; p < end;) {
		switch (ram_buf[p]) {
		case 0: {
			uint8_t id = ram_buf[p + 1], flags = ram_buf[p + 3];
			uint8_t want = (boot_topology_present(&t, id) ? 1 : 0) | (id == 0 ? 2 : 0);

			bad += id != cpus || flags != want;
			cpus++;
			p += 20;
			continue;
		}
		case 1:
			bad += memcmp(ram_buf + p + 2, "ISA   ", 6) != 0;
			bus++;
			break;
		case 2:
			ioapic_id = ram_buf[p + 1];
			bad += rd32(p + 4) != 0xFEC00000u || !(ram_buf[p + 3] & 1);
			ioapic++;
			break;
		case 3: {
			uint8_t type = ram_buf[p + 1], src = ram_buf[p + 5], pin = ram_buf[p + 7];

			bad += ram_buf[p + 6] != ioapic_id;
			if (type == 3)
				bad += src != 0 || pin != 0;
			else
				bad += type != 0 || src == 2 || pin != (src == 0 ? 2 : src) ||
				       rd16(p + 2) != (src == 9 ? 0xD : 0);
			pins |= (uint16_t)(1u << pin);
			intsrc++;
			break;
		}
		case 4:
			bad += ram_buf[p + 6] != 0xFF || ram_buf[p + 7] != lint ||
			       ram_buf[p + 1] != (lint == 0 ? 3 : 1);
			lint++;
			break;
		default:
			bad++;
			break;
		}
		p += 8;
	}
	CHECK_EQ(p, end);
	CHECK_EQ(cpus, want_cpus);
	CHECK_EQ(bus, 1);
	CHECK_EQ(ioapic, 1);
	CHECK_EQ(intsrc, 16);
	CHECK_EQ(pins, 0xFFFF); /* all 16 IOAPIC pins routed */
	CHECK_EQ(lint, 2);
	CHECK_EQ(bad, 0);
	/* The IOAPIC takes the first free ID when the CPUs leave one (<= 254 CPUs). */
	CHECK_EQ(ioapic_id, n <= 254 ? n : 0);
}

static void test_mptable(void)
{
	unsigned int some[] = { 0, 1, 5 }, all[300];

	for (unsigned int i = 0; i < 300; i++)
		all[i] = i;
	check_mptable(1, all, 1);
	check_mptable(8, some, 3);
	check_mptable(254, all, 254);
	check_mptable(255, some, 3);
	check_mptable(256, all, 256);
	check_mptable(1024, some, 3);
}

static void test_topology_nboot(void)
{
	/* The common form: the first nboot slots present, no bitmap. */
	struct boot_topology t = { .nslots = 300, .nboot = 260 };
	struct madt_counts c;

	clear_ram();
	CHECK(boot_topology_present(&t, 0));
	CHECK(boot_topology_present(&t, 259));
	CHECK(!boot_topology_present(&t, 260));
	CHECK(!boot_topology_present(&t, 300));
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	c = walk_madt(&t); /* checks each entry's flags against boot_topology_present */
	CHECK_EQ(c.lapic, 255);
	CHECK_EQ(c.x2apic, 45);
	CHECK_EQ(c.bad, 0);
	t = (struct boot_topology){ .nslots = 8, .nboot = 8 };
	clear_ram();
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	c = walk_madt(&t);
	CHECK_EQ(c.lapic, 8);
	CHECK_EQ(c.bad, 0);
}

/*
 * RFC 1071 sum of 16-bit little-endian words, folded: 0xFFFF over a block whose checksum
 * field holds its IP checksum. Written independently of cbtable_ip_checksum.
 */
static uint16_t ones_sum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
	if (len & 1)
		sum += p[len - 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

/* The coreboot table as GRUB finds it: "LBIO" on a 16-byte boundary. */
static void check_cbtable(const uint8_t *low, const struct guest_ram *r)
{
	struct boot_e820_entry map[BOOT_E820_MAX];
	int n = boot_e820_build_split(r->low_size, r->high_size, map, BOOT_E820_MAX);
	uint64_t hdr = scan_bios(low, 0xF0000, "LBIO", 0), rec;
	uint32_t table_bytes;
	uint16_t table_sum;

	CHECK_EQ(hdr, 0xFF000);
	if (hdr != 0xFF000 || n <= 0)
		return;
	rec = hdr + 24;
	memcpy(&table_bytes, low + hdr + 12, 4);
	CHECK_EQ(ones_sum(low + hdr, 24), 0xFFFF); /* header checksum */
	memcpy(&table_sum, low + hdr + 16, 2);
	CHECK_EQ((uint16_t)~ones_sum(low + rec, table_bytes), table_sum);
	CHECK_EQ(low[hdr + 4], 24); /* header_bytes */
	CHECK_EQ(low[hdr + 20], 1); /* one record */
	CHECK_EQ(table_bytes, 8u + 20u * (uint32_t)n);
	CHECK_EQ(low[rec], 1); /* CB_TAG_MEMORY */
	for (int i = 0; i < n; i++) {
		const uint8_t *e = low + rec + 8 + 20 * i;
		uint64_t start, size;
		uint32_t type;

		memcpy(&start, e, 8);
		memcpy(&size, e + 8, 8);
		memcpy(&type, e + 16, 4);
		CHECK_EQ(start, map[i].addr);
		CHECK_EQ(size, map[i].len);
		CHECK_EQ(type, map[i].type); /* RAM 1, reserved 2 in both encodings */
	}
}

static void test_coreboot_table(void)
{
	const uint64_t low3g = 3ull << 30, high = 64ull << 20;
	struct boot_topology t;
	unsigned int p[] = { 0 };
	struct guest_ram big;
	uint8_t *lo, *hi;

	setup(1, p, 1, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	check_cbtable(ram_buf, &ram);
	/* With RAM above 4 GiB the table lists it too (pages are touched below 1 MiB only). */
	lo = mmap(NULL, low3g, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		  -1, 0);
	hi = mmap(NULL, high, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		  -1, 0);
	CHECK(lo != MAP_FAILED && hi != MAP_FAILED);
	if (lo == MAP_FAILED || hi == MAP_FAILED)
		return;
	big = (struct guest_ram){ .low = lo, .low_size = low3g, .high = hi, .high_size = high };
	CHECK_EQ(boot_write_tables(&big, &t, NULL, 0), 0);
	check_cbtable(lo, &big);
	munmap(lo, low3g);
	munmap(hi, high);
}

/* F000:FFF0 holds a stub that asks for a reset through port 0xCF9 (value 6). */
static void test_reset_vector(void)
{
	static const uint8_t want[] = { 0xB0, 0x06, 0xBA, 0xF9, 0x0C, 0xEE, 0xF4, 0xEB, 0xFD };
	struct boot_topology t;
	unsigned int p[] = { 0 };

	setup(1, p, 1, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, NULL, 0), 0);
	CHECK(memcmp(ram_buf + 0xFFFF0, want, sizeof(want)) == 0);
	CHECK_EQ(ram_buf[0xFFFF0 + sizeof(want)], 0);
}

static void test_rejects(void)
{
	struct boot_topology t;
	unsigned int p[] = { 0 }, q[] = { 1 };
	char err[256];

	setup(0, p, 0, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "vCPU slots") != NULL);
	setup(1025, p, 1, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), -EINVAL);
	setup(4, q, 1, &t);
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "slot 0") != NULL);
	t = (struct boot_topology){ .nslots = 4, .nboot = 5 };
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "5 vCPUs present at boot but only 4 slots") != NULL);
	t = (struct boot_topology){ .nslots = 4, .nboot = 0 };
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "slot 0") != NULL);
	CHECK_EQ(boot_write_tables(&ram, NULL, err, sizeof(err)), -EINVAL);
	setup(1, p, 1, &t);
	ram.low_size = 1u << 20;
	CHECK_EQ(boot_write_tables(&ram, &t, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "guest RAM") != NULL);
	/* nothing was written by the rejected calls */
	CHECK_EQ(ram_buf[0xF0010], 0xA5);
	CHECK(find_mpf() == 0);
}

int main(void)
{
	RUN(test_rsdp_xsdt);
	RUN(test_coreboot_table);
	RUN(test_reset_vector);
	RUN(test_fadt_dsdt);
	RUN(test_madt_sizes);
	RUN(test_mptable);
	RUN(test_topology_nboot);
	RUN(test_rejects);
	free(ram_buf);
	return t_done();
}
