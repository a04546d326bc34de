/* SPDX-License-Identifier: MIT */
/*
 * The port-I/O bus. Devices register a port range and a handler; the vCPU exit path
 * dispatches KVM_EXIT_IO to it. Ports no device claims behave as on a PC: reads return
 * all ones and writes are ignored, and both are counted (a guest probing for hardware
 * is normal; a flood is visible in the statistics, not in the log).
 *
 * The bus is built before the vCPUs start and is read-only afterwards, so dispatch takes
 * no lock. Handlers run on the vCPU thread that made the access and must be thread-safe.
 */
#ifndef HVEMU_DEV_PIO_H
#define HVEMU_DEV_PIO_H

#include <stdbool.h>
#include <stdint.h>

#include "util/stats.h"

struct vcpu;

/*
 * A handler for one access of `size` bytes (1, 2 or 4) at `port`. For reads it fills *data
 * (the low `size` bytes count); for writes *data holds the value.
 */
typedef void (*pio_handler_fn)(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size,
			       bool is_write, uint32_t *data);

struct pio_stats {
	_Atomic uint64_t pio_exits;
	_Atomic uint64_t pio_unclaimed_reads;
	_Atomic uint64_t pio_unclaimed_writes;
};

#define PIO_MAX_RANGES 32

struct pio_range {
	uint16_t base;
	uint16_t len;
	pio_handler_fn fn;
	void *opaque;
	const char *name;
};

struct pio_bus {
	struct pio_range ranges[PIO_MAX_RANGES];
	unsigned nranges;
	struct pio_stats stats;
};

/* Returns -EEXIST when the range overlaps a registered one, -ENOSPC when the bus is full. */
int pio_register(struct pio_bus *bus, uint16_t base, uint16_t len, const char *name,
		 pio_handler_fn fn, void *opaque);
/*
 * Performs `count` accesses of `size` bytes at `port` (string I/O gives count > 1) on the
 * buffer `data` (count * size bytes), as KVM_EXIT_IO describes them.
 */
void pio_dispatch(struct pio_bus *bus, struct vcpu *vcpu, uint16_t port, unsigned size,
		  bool is_write, uint32_t count, uint8_t *data);
const struct pio_range *pio_find(const struct pio_bus *bus, uint16_t port);
void pio_stats_visit(struct pio_bus *bus, stat_visit_fn fn, void *ctx);

#endif
