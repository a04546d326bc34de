/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device (include/qemu/fw_cfg.h), the traditional x86 I/O
 * interface at ports 0x510 (selector) and 0x511 (data): the "QEMU" signature, FW_CFG_ID,
 * RAM size, CPU counts, and named files listed in FW_CFG_FILE_DIR (the VMM adds
 * "etc/e820"). Guests written for QEMU (test suites, firmware, Linux's qemu_fw_cfg
 * driver) read the CPU count and memory size there.
 *
 * One selector and one read offset for the whole machine, as in QEMU: a guest that reads
 * from several CPUs at once must serialise itself. Accesses are made under a leaf lock, so
 * concurrent vCPUs never corrupt the state. Items are fixed once the VM runs.
 */
#ifndef HVEMU_DEV_FW_CFG_H
#define HVEMU_DEV_FW_CFG_H

#include <pthread.h>
#include <stdint.h>

#include "dev/pio.h"
#include "qemu/fw_cfg.h"

#define FW_CFG_MAX_ITEMS 16

struct fw_cfg_item {
	uint16_t key;
	uint32_t size;
	uint8_t *data;			 /* malloc'd */
	char name[FW_CFG_MAX_FILE_PATH]; /* files only; "" for the fixed keys */
};

struct fw_cfg {
	pthread_mutex_t lock; /* leaf: selector, offset */
	uint16_t selector;
	int cur; /* index into items of the selected key, -1: none (reads give 0) */
	uint32_t offset;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned int n;
	uint16_t next_file_key;

	/* statistics (query-stats names them fw_cfg_*) */
	_Atomic uint64_t fw_cfg_selects, fw_cfg_reads, fw_cfg_unknown_selects,
	    fw_cfg_ignored_writes;
};

/* The fixed items for a VM of ram_size bytes with nb_cpus at boot of max_cpus. */
int fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t nb_cpus, uint16_t max_cpus);
void fw_cfg_destroy(struct fw_cfg *f);
/*
 * Adds a file (copied) at the next free key from FW_CFG_FILE_FIRST and lists it in the
 * directory. -EINVAL for a name that is empty or does not fit 55 bytes, -EEXIST for a name
 * already there, -ENOSPC when the device is full, -ENOMEM.
 */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t size);

/* The register interface (what the port handler does; also for tests). */
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
uint8_t fw_cfg_read_byte(struct fw_cfg *f);

int fw_cfg_attach(struct fw_cfg *f, struct pio_bus *bus);
void fw_cfg_stats_visit(struct fw_cfg *f, stat_visit_fn fn, void *ctx);

#endif
