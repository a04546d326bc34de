// SPDX-License-Identifier: MIT
/* Guest RAM ranges (guest_ram_ptr/split/check) and the §2.1 memory map (boot_e820_*). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/e820.h"
#include "boot/layout.h"
#include "harness.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void test_ram_ptr_low_edges(void)
{
	uint8_t *low = calloc(1, 2 * MiB);
	struct guest_ram r = { .low = low, .low_size = 2 * MiB };

	CHECK(guest_ram_ptr(&r, 0, 1) == low);
	CHECK(guest_ram_ptr(&r, 0, 2 * MiB) == low);
	CHECK(guest_ram_ptr(&r, 2 * MiB - 1, 1) == low + 2 * MiB - 1);
	CHECK(guest_ram_ptr(&r, 2 * MiB - 1, 2) == NULL);
	CHECK(guest_ram_ptr(&r, 2 * MiB, 1) == NULL);
	CHECK(guest_ram_ptr(&r, 0, 2 * MiB + 1) == NULL);
	CHECK(guest_ram_ptr(&r, 4 * GiB, 1) == NULL); /* no high RAM */
	/* len 0 reads as 1 byte */
	CHECK(guest_ram_ptr(&r, 5, 0) == low + 5);
	CHECK(guest_ram_ptr(&r, 2 * MiB, 0) == NULL);
	/* overflow of gpa + len */
	CHECK(guest_ram_ptr(&r, 1, UINT64_MAX) == NULL);
	CHECK(guest_ram_ptr(&r, 2 * MiB - 4, UINT64_MAX - 2) == NULL);
	CHECK(guest_ram_ptr(&r, UINT64_MAX, 1) == NULL);
	CHECK(guest_ram_ptr(&r, UINT64_MAX, 2) == NULL);
	CHECK(guest_ram_ptr(NULL, 0, 1) == NULL);
	r.low = NULL;
	CHECK(guest_ram_ptr(&r, 0, 1) == NULL);
	free(low);
}

static void test_ram_ptr_high_edges(void)
{
	/* guest_ram_ptr does not care about the shape, so small buffers stand in here. */
	uint8_t *low = calloc(1, MiB), *high = calloc(1, MiB);
	struct guest_ram r = { .low = low, .low_size = MiB, .high = high, .high_size = MiB };

	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE, 1) == high);
	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE, MiB) == high);
	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE + MiB - 1, 1) == high + MiB - 1);
	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE + MiB - 1, 2) == NULL);
	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE + MiB, 1) == NULL);
	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE - 1, 2) == NULL); /* spans the gap */
	CHECK(guest_ram_ptr(&r, MiB - 1, 2) == NULL);		   /* low end into the gap */
	CHECK(guest_ram_ptr(&r, 3 * GiB, 1) == NULL);
	CHECK(guest_ram_ptr(&r, BOOT_RAM_4G_BASE + 8, UINT64_MAX - 4) == NULL);
	CHECK(guest_ram_ptr(&r, UINT64_MAX - 1, 4) == NULL);
	free(low);
	free(high);
}

static void test_ram_split(void)
{
	uint64_t lo = 1, hi = 1;

	CHECK_EQ(guest_ram_split(2 * MiB, &lo, &hi), 0);
	CHECK_EQ(lo, 2 * MiB);
	CHECK_EQ(hi, 0);
	CHECK_EQ(guest_ram_split(3 * GiB, &lo, &hi), 0);
	CHECK_EQ(lo, 3 * GiB);
	CHECK_EQ(hi, 0);
	CHECK_EQ(guest_ram_split(3 * GiB + 4096, &lo, &hi), 0);
	CHECK_EQ(lo, 3 * GiB);
	CHECK_EQ(hi, 4096);
	CHECK_EQ(guest_ram_split(64 * GiB, &lo, &hi), 0);
	CHECK_EQ(lo, 3 * GiB);
	CHECK_EQ(hi, 61 * GiB);
	lo = hi = 7;
	CHECK_EQ(guest_ram_split(0, &lo, &hi), -EINVAL);
	CHECK_EQ(guest_ram_split(MiB, &lo, &hi), -EINVAL);
	CHECK_EQ(guest_ram_split(2 * MiB - 4096, &lo, &hi), -EINVAL);
	CHECK_EQ(guest_ram_split(2 * MiB + 1, &lo, &hi), -EINVAL);
	CHECK_EQ(guest_ram_split(UINT64_MAX & ~4095ull, &lo, &hi), -EINVAL);
	CHECK_EQ(lo, 7); /* untouched on failure */
	CHECK_EQ(hi, 7);
}

static void test_ram_check(void)
{
	uint8_t byte;
	struct guest_ram r = { .low = &byte, .low_size = 2 * MiB };
	char err[256] = "";

	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), 0);
	r.low_size = 2 * MiB + 512;
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "low RAM size") != NULL);
	r.low_size = MiB;
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), -EINVAL);
	r.low_size = 3 * GiB + 4096;
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), -EINVAL);
	r.low_size = 2 * MiB;
	r.high = &byte;
	r.high_size = MiB; /* high RAM without 3 GiB below */
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "high RAM") != NULL);
	r.low_size = 3 * GiB;
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), 0);
	r.high = NULL;
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), -EINVAL);
	r.low = NULL;
	CHECK_EQ(guest_ram_check(&r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "no low RAM") != NULL);
	CHECK_EQ(guest_ram_check(NULL, NULL, 0), -EINVAL);
}

/* The rows of docs/architecture.md §2.1, written out independently of e820.c. */
static const struct boot_e820_entry doc_low_rows[] = {
	{ 0x0, 0x9FC00, 1 },	 { 0x9FC00, 0x400, 2 },	  { 0xA0000, 0x10000, 2 },
	{ 0xB0000, 0x10000, 2 }, { 0xC0000, 0x20000, 2 }, { 0xE0000, 0x10000, 2 },
	{ 0xF0000, 0x10000, 2 },
};

static void check_map(uint64_t ram, uint64_t want_low_end, uint64_t want_high)
{
	struct boot_e820_entry map[BOOT_E820_MAX + 2];
	int n = boot_e820_build(ram, map, BOOT_E820_MAX + 2);
	int want = 8 + (want_high ? 1 : 0);
	uint64_t usable = 0;

	CHECK_EQ(n, want);
	if (n != want)
		return;
	for (int i = 0; i < 7; i++) {
		CHECK_EQ(map[i].addr, doc_low_rows[i].addr);
		CHECK_EQ(map[i].len, doc_low_rows[i].len);
		CHECK_EQ(map[i].type, doc_low_rows[i].type);
	}
	CHECK_EQ(map[7].addr, 0x100000);
	CHECK_EQ(map[7].len, want_low_end - 0x100000);
	CHECK_EQ(map[7].type, BOOT_E820_RAM);
	if (want_high) {
		CHECK_EQ(map[8].addr, 0x100000000ull);
		CHECK_EQ(map[8].len, want_high);
		CHECK_EQ(map[8].type, BOOT_E820_RAM);
	}
	for (int i = 0; i < n; i++) {
		/* contiguous up to the hole, nothing listed inside the hole */
		if (i > 0 && map[i].addr < 0x100000000ull)
			CHECK_EQ(map[i].addr, map[i - 1].addr + map[i - 1].len);
		CHECK(map[i].addr >= 0x100000000ull || map[i].addr + map[i].len <= 0xC0000000ull);
		if (map[i].type == BOOT_E820_RAM)
			usable += map[i].len;
	}
	/* everything but the first MiB's reserved 0x60400 bytes is usable */
	CHECK_EQ(usable, ram - (0x100000 - 0x9FC00));
}

static void test_e820_maps(void)
{
	check_map(2 * MiB, 2 * MiB, 0);
	check_map(128 * MiB, 128 * MiB, 0);
	check_map(3 * GiB - 4096, 3 * GiB - 4096, 0);
	check_map(3 * GiB, 3 * GiB, 0);
	check_map(3 * GiB + 4096, 3 * GiB, 4096);
	check_map(8 * GiB, 3 * GiB, 5 * GiB);
}

static void test_e820_errors(void)
{
	struct boot_e820_entry map[BOOT_E820_MAX];

	CHECK_EQ(boot_e820_build(MiB, map, BOOT_E820_MAX), -EINVAL);
	CHECK_EQ(boot_e820_build(3 * MiB + 1, map, BOOT_E820_MAX), -EINVAL);
	CHECK_EQ(boot_e820_build(4 * GiB, map, 8), -ENOSPC); /* needs 9 */
	CHECK_EQ(boot_e820_build(4 * GiB, map, 9), 9);
	CHECK_EQ(boot_e820_build(16 * MiB, map, 7), -ENOSPC);
	CHECK_EQ(boot_e820_build(16 * MiB, NULL, 9), -ENOSPC);
	/* high RAM without a full 3 GiB below is not a layout hvemu makes */
	CHECK_EQ(boot_e820_build_split(16 * MiB, MiB, map, BOOT_E820_MAX), -EINVAL);
	CHECK_EQ(boot_e820_build_split(3 * GiB + 4096, 0, map, BOOT_E820_MAX), -EINVAL);
	CHECK_EQ(boot_e820_build_split(3 * GiB, UINT64_MAX, map, BOOT_E820_MAX), -EINVAL);
}

int main(void)
{
	RUN(test_ram_ptr_low_edges);
	RUN(test_ram_ptr_high_edges);
	RUN(test_ram_split);
	RUN(test_ram_check);
	RUN(test_e820_maps);
	RUN(test_e820_errors);
	return t_done();
}
