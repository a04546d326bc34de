// SPDX-License-Identifier: MIT
#include "x86/acpi.h"
#include "string.h"
#include "x86/asm-defs.h"
#include "x86/usermode.h"

static const struct acpi_rsdp *rsdp_cache;

/* A pointer to a fixed physical address the compiler cannot reason about (BDA fields). */
static const volatile void *phys_ptr(u64 addr)
{
	asm("" : "+r"(addr));
	return (const volatile void *)(uintptr_t)addr;
}

/*
 * Sums eight bytes per step: CPL0 code is emulated here, and a byte loop over a
 * 1024-CPU MADT (16 KiB) would cost tens of milliseconds. Large tables are summed at CPL3.
 */
static u64 byte_sum(const u8 *b, size_t len)
{
	u64 lanes = 0, sum = 0;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		u64 w;

		__builtin_memcpy(&w, b + i, 8);
		lanes += (w & 0x00ff00ff00ff00ffull) + ((w >> 8) & 0x00ff00ff00ff00ffull);
		/* Each 16-bit lane grows by at most 510 per step: fold before it overflows. */
		if ((i & 0x3ff) == 0x3f8) {
			for (int k = 0; k < 4; k++)
				sum += (lanes >> (16 * k)) & 0xffff;
			lanes = 0;
		}
	}
	for (int k = 0; k < 4; k++)
		sum += (lanes >> (16 * k)) & 0xffff;
	for (; i < len; i++)
		sum += b[i];
	return sum;
}

struct sum_args {
	const u8 *p;
	size_t len;
};

static u64 byte_sum_user(u64 arg)
{
	const struct sum_args *a = (const struct sum_args *)(uintptr_t)arg;

	return byte_sum(a->p, a->len);
}

int acpi_checksum(const void *p, size_t len)
{
	struct sum_args a = { p, len };
	u64 sum;

	if (len < USER_BULK_MIN || !run_user_bulk(byte_sum_user, (u64)(uintptr_t)&a, &sum))
		sum = byte_sum(p, len);
	return (sum & 0xff) ? -EINVAL : 0;
}

static const struct acpi_rsdp *scan(u64 start, u64 end)
{
	for (u64 a = start; a + ACPI_RSDP_V1_SIZE <= end; a += 16) {
		const struct acpi_rsdp *r = (const struct acpi_rsdp *)(uintptr_t)a;

		if (memcmp(r->signature, ACPI_RSDP_SIGNATURE, 8) != 0)
			continue;
		if (acpi_checksum(r, ACPI_RSDP_V1_SIZE))
			continue;
		if (r->revision >= 2 && (r->length < sizeof(*r) || acpi_checksum(r, r->length)))
			continue;
		return r;
	}
	return NULL;
}

const struct acpi_rsdp *acpi_find_rsdp(void)
{
	const struct acpi_rsdp *r;
	u64 ebda;

	if (rsdp_cache)
		return rsdp_cache;
	/* The first KiB of the EBDA (segment at 0x40E), then the BIOS area, F segment first. */
	ebda = (u64)(*(const volatile u16 *)phys_ptr(0x40e)) << 4;
	r = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan(ebda, ebda + 1024);
	if (!r)
		r = scan(0xf0000, 0x100000);
	if (!r)
		r = scan(0xe0000, 0xf0000);
	rsdp_cache = r;
	return r;
}

const struct acpi_table_header *acpi_find_table(const char *sig)
{
	const struct acpi_rsdp *rsdp = acpi_find_rsdp();
	const struct acpi_table_header *root;
	unsigned int entry_size, n;

	if (!rsdp)
		return NULL;
	if (rsdp->revision >= 2 && rsdp->xsdt_address && rsdp->xsdt_address < 4 * GiB) {
		root = (const struct acpi_table_header *)(uintptr_t)rsdp->xsdt_address;
		entry_size = 8;
	} else {
		root = (const struct acpi_table_header *)(uintptr_t)rsdp->rsdt_address;
		entry_size = 4;
	}
	if (!root || root->length < sizeof(*root) || acpi_checksum(root, root->length))
		return NULL;
	n = (root->length - sizeof(*root)) / entry_size;
	for (unsigned int i = 0; i < n; i++) {
		const u8 *p = (const u8 *)(root + 1) + i * entry_size;
		u64 addr = 0;
		const struct acpi_table_header *t;

		memcpy(&addr, p, entry_size);
		if (!addr || addr >= 4 * GiB)
			continue;
		t = (const struct acpi_table_header *)(uintptr_t)addr;
		if (!memcmp(t->signature, sig, 4) && !acpi_checksum(t, t->length))
			return t;
	}
	return NULL;
}

/* A bitmap of the APIC IDs already passed (IDs >= MAX_APIC_ID are checked by search). */
static u64 seen[MAX_APIC_ID / 64];

int madt_for_each_cpu(void (*fn)(const struct madt_cpu *cpu, void *ctx), void *ctx)
{
	const struct acpi_madt *m = (const struct acpi_madt *)acpi_find_table("APIC");
	const u8 *p, *end;
	int count = 0;

	if (!m)
		return -ENOENT;
	memset(seen, 0, sizeof(seen));
	p = (const u8 *)(m + 1);
	end = (const u8 *)m + m->h.length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		struct madt_cpu c;
		u32 flags;
		bool entry = false;

		memset(&c, 0, sizeof(c));
		if (p[0] == ACPI_MADT_LAPIC && p[1] >= sizeof(struct acpi_madt_lapic)) {
			const struct acpi_madt_lapic *e = (const struct acpi_madt_lapic *)p;

			c.apic_id = e->apic_id;
			c.acpi_uid = e->acpi_id;
			flags = e->flags;
			entry = true;
		} else if (p[0] == ACPI_MADT_X2APIC && p[1] >= sizeof(struct acpi_madt_x2apic)) {
			const struct acpi_madt_x2apic *e = (const struct acpi_madt_x2apic *)p;

			c.apic_id = e->x2apic_id;
			c.acpi_uid = e->acpi_uid;
			c.x2apic_entry = true;
			flags = e->flags;
			entry = true;
		}
		p += p[1];
		if (!entry)
			continue;
		c.enabled = flags & ACPI_MADT_ENABLED;
		c.online_capable = flags & ACPI_MADT_ONLINE_CAPABLE;
		/* Neither bit: the processor is unusable (ACPI 6.5, 5.2.12.2). */
		if (!c.enabled && !c.online_capable)
			continue;
		if (c.apic_id < MAX_APIC_ID) {
			if (seen[c.apic_id / 64] & (1ull << (c.apic_id % 64)))
				continue;
			seen[c.apic_id / 64] |= 1ull << (c.apic_id % 64);
		}
		fn(&c, ctx);
		count++;
	}
	return count;
}
