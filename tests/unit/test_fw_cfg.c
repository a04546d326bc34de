// SPDX-License-Identifier: MIT
/*
 * The fw_cfg device as QEMU's docs/specs/fw_cfg.rst describes the traditional x86
 * interface: every fixed item, the big-endian file directory, files, unknown keys and the
 * end of an item reading 0, the ports through the port bus, and concurrent readers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dev/fw_cfg.h"
#include "harness.h"

/* The item at key, read through the ports as a guest reads it, into buf (n bytes). */
static void read_item(struct pio_bus *bus, uint16_t key, uint8_t *buf, size_t n)
{
	uint8_t sel[4] = { (uint8_t)key, (uint8_t)(key >> 8) };

	pio_dispatch(bus, NULL, FW_CFG_PORT_SEL, 2, true, 1, sel);
	pio_dispatch(bus, NULL, FW_CFG_PORT_DATA, 1, false, (uint32_t)n, buf);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_fixed_items(void)
{
	struct fw_cfg f;
	struct pio_bus bus = { 0 };
	uint8_t b[32];
	uint64_t ram;
	uint16_t cpus;
	uint32_t id;

	CHECK_EQ(fw_cfg_init(&f, 512ull << 20, 2, 8), 0);
	CHECK_EQ(fw_cfg_attach(&f, &bus), 0);
	read_item(&bus, FW_CFG_SIGNATURE, b, 6);
	CHECK(memcmp(b, "QEMU\0\0", 6) == 0); /* past the end: 0 */
	read_item(&bus, FW_CFG_ID, b, 4);
	memcpy(&id, b, 4);
	CHECK_EQ(id, 1); /* the traditional interface, no DMA */
	read_item(&bus, FW_CFG_RAM_SIZE, b, 8);
	memcpy(&ram, b, 8);
	CHECK_EQ(ram, 512ull << 20);
	read_item(&bus, FW_CFG_NB_CPUS, b, 2);
	memcpy(&cpus, b, 2);
	CHECK_EQ(cpus, 2);
	read_item(&bus, FW_CFG_MAX_CPUS, b, 2);
	memcpy(&cpus, b, 2);
	CHECK_EQ(cpus, 8);
	read_item(&bus, FW_CFG_UUID, b, 16);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(b[i], 0);
	/* no files yet: a directory with a count of 0 */
	read_item(&bus, FW_CFG_FILE_DIR, b, 8);
	CHECK_EQ(be32(b), 0);
	CHECK_EQ(be32(b + 4), 0);
	fw_cfg_destroy(&f);
}

static void test_files(void)
{
	struct fw_cfg f;
	struct pio_bus bus = { 0 };
	const struct fw_cfg_e820_entry map[2] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x1000000, 1 } };
	uint8_t dir[4 + 3 * 64], b[64];
	char longname[FW_CFG_MAX_FILE_PATH + 1];

	CHECK_EQ(fw_cfg_init(&f, 64ull << 20, 1, 1), 0);
	CHECK_EQ(fw_cfg_attach(&f, &bus), 0);
	CHECK_EQ(fw_cfg_add_file(&f, FW_CFG_FILE_E820, map, sizeof(map)), 0);
	CHECK_EQ(fw_cfg_add_file(&f, "opt/hvemu/test", "hi", 2), 0);
	read_item(&bus, FW_CFG_FILE_DIR, dir, sizeof(dir));
	CHECK_EQ(be32(dir), 2);
	CHECK_EQ(be32(dir + 4), sizeof(map));		   /* size, big-endian */
	CHECK_EQ(dir[8] << 8 | dir[9], FW_CFG_FILE_FIRST); /* select, big-endian */
	CHECK_EQ(dir[10] | dir[11], 0);			   /* reserved */
	CHECK_STR((const char *)dir + 12, "etc/e820");
	CHECK_EQ(be32(dir + 68), 2);
	CHECK_EQ(dir[72] << 8 | dir[73], FW_CFG_FILE_FIRST + 1);
	CHECK_STR((const char *)dir + 76, "opt/hvemu/test");
	CHECK_EQ(dir[4 + 2 * 64], 0); /* the directory ends: reads give 0 */
	read_item(&bus, FW_CFG_FILE_FIRST, b, sizeof(map));
	CHECK(memcmp(b, map, sizeof(map)) == 0);
	/* refusals */
	CHECK_EQ(fw_cfg_add_file(&f, "etc/e820", "x", 1), -EEXIST);
	CHECK_EQ(fw_cfg_add_file(&f, "", "x", 1), -EINVAL);
	CHECK_EQ(fw_cfg_add_file(&f, NULL, "x", 1), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_EQ(fw_cfg_add_file(&f, longname, "x", 1), -EINVAL);
	longname[FW_CFG_MAX_FILE_PATH - 1] = '\0'; /* 55 bytes + NUL fits */
	CHECK_EQ(fw_cfg_add_file(&f, longname, "", 0), 0);
	for (int i = 0; i < FW_CFG_MAX_ITEMS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		if (fw_cfg_add_file(&f, name, "x", 1))
			break;
	}
	CHECK_EQ(fw_cfg_add_file(&f, "one/too/many", "x", 1), -ENOSPC);
	fw_cfg_destroy(&f);
}

static void test_registers(void)
{
	struct fw_cfg f;
	struct pio_bus bus = { 0 };
	uint8_t b[8] = { 0 };
	uint32_t v;

	CHECK_EQ(fw_cfg_init(&f, 64ull << 20, 1, 1), 0);
	CHECK_EQ(fw_cfg_attach(&f, &bus), 0);
	/* unknown, write-channel and arch-local keys read as 0 */
	read_item(&bus, 0x0123, b, 4);
	CHECK_EQ(b[0] | b[1] | b[2] | b[3], 0);
	read_item(&bus, FW_CFG_SIGNATURE | FW_CFG_WRITE_CHANNEL, b, 4);
	CHECK_EQ(b[0] | b[1] | b[2] | b[3], 0);
	read_item(&bus, 0x8003, b, 4);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(atomic_load(&f.fw_cfg_unknown_selects), 3);
	/* re-selecting starts over; a wider read returns successive bytes */
	fw_cfg_select(&f, FW_CFG_SIGNATURE);
	CHECK_EQ(fw_cfg_read_byte(&f), 'Q');
	fw_cfg_select(&f, FW_CFG_SIGNATURE);
	pio_dispatch(&bus, NULL, FW_CFG_PORT_DATA, 2, false, 1, b);
	CHECK(b[0] == 'Q' && b[1] == 'E');
	pio_dispatch(&bus, NULL, FW_CFG_PORT_DATA, 1, false, 1, b);
	CHECK_EQ(b[0], 'M');
	/* data writes are ignored; the selector reads 0 */
	b[0] = 0x55;
	pio_dispatch(&bus, NULL, FW_CFG_PORT_DATA, 1, true, 1, b);
	CHECK_EQ(atomic_load(&f.fw_cfg_ignored_writes), 1);
	CHECK_EQ(fw_cfg_read_byte(&f), 'U');
	pio_dispatch(&bus, NULL, FW_CFG_PORT_SEL, 2, false, 1, b);
	memcpy(&v, b, 4);
	CHECK_EQ(v & 0xffff, 0);
	/* the ports are taken: nothing else may claim them */
	CHECK_EQ(fw_cfg_attach(&f, &bus), -EEXIST);
	fw_cfg_destroy(&f);
}

static void *reader(void *arg)
{
	struct fw_cfg *f = arg;

	for (int i = 0; i < 20000; i++) {
		fw_cfg_select(f, (uint16_t)(i & 1 ? FW_CFG_SIGNATURE : FW_CFG_RAM_SIZE));
		(void)fw_cfg_read_byte(f);
	}
	return NULL;
}

static void test_concurrent_readers(void)
{
	struct fw_cfg f;
	pthread_t t[3];

	CHECK_EQ(fw_cfg_init(&f, 64ull << 20, 1, 1), 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, reader, &f);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&f.fw_cfg_selects), 60000);
	CHECK_EQ(atomic_load(&f.fw_cfg_reads), 60000);
	fw_cfg_destroy(&f);
}

int main(void)
{
	RUN(test_fixed_items);
	RUN(test_files);
	RUN(test_registers);
	RUN(test_concurrent_readers);
	return t_done();
}
