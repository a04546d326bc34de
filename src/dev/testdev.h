/* SPDX-License-Identifier: MIT */
/*
 * The hvemu test device (docs/architecture.md §2.2): lets guest tests drive host-side
 * behaviour that the control socket also offers (TLB-flush inhibit, vCPU add/remove) and
 * gives benchmarks a port the VMM answers at once. Ports, registers and commands:
 * include/hvemu/testdev.h.
 */
#ifndef HVEMU_DEV_TESTDEV_H
#define HVEMU_DEV_TESTDEV_H

#include <stdint.h>

#include "dev/pio.h"
#include "hvemu/testdev.h"

struct testdev_ops {
	/* Index of the calling vCPU (< max_vcpus): ARG and the result are per vCPU. */
	unsigned (*vcpu_index)(void *opaque, struct vcpu *vcpu);
	int (*set_inhibit)(void *opaque, uint32_t vp_index, bool on);
	int (*cpu_add)(void *opaque, uint32_t slot);
	int (*cpu_remove)(void *opaque, uint32_t slot);
	int64_t (*query_suspended)(void *opaque, uint32_t vp_index);
	uint32_t (*nr_slots)(void *opaque);
	void (*mark)(void *opaque, struct vcpu *vcpu, uint32_t id);
};

struct testdev_regs {
	uint32_t arg;
	int32_t result;
};

struct testdev {
	const struct testdev_ops *ops;
	void *opaque;
	unsigned max_vcpus;
	struct testdev_regs *regs; /* [max_vcpus] */
	_Atomic uint64_t echo_exits;
	_Atomic uint64_t commands;
	_Atomic uint64_t unknown_commands; /* guest-triggerable: counted, log rate-limited */
};

int testdev_init(struct testdev *d, unsigned max_vcpus, const struct testdev_ops *ops,
		 void *opaque);
int testdev_attach(struct testdev *d, struct pio_bus *bus);
void testdev_destroy(struct testdev *d);

#endif
