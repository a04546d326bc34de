/* SPDX-License-Identifier: MIT */
/*
 * The hvemu test device (docs/architecture.md §2.2): lets guest tests drive host-side
 * behaviour that the control socket also offers (TLB-flush inhibit, vCPU add/remove) and
 * gives benchmarks a port the VMM answers at once.
 *   0x510 ECHO  any write exits to hvemu, which resumes the vCPU immediately
 *   0x514 ARG   argument of the next command (per vCPU)
 *   0x518 CMD   write: run a command; read: its result as a signed 32-bit value (per vCPU)
 */
#ifndef HVEMU_DEV_TESTDEV_H
#define HVEMU_DEV_TESTDEV_H

#include <stdint.h>

#include "dev/pio.h"

#define TDEV_PORT_ECHO 0x510
#define TDEV_PORT_ARG  0x514
#define TDEV_PORT_CMD  0x518

enum tdev_cmd {
	TDEV_CMD_SET_INHIBIT = 1,     /* ARG = vp_index << 1 | on */
	TDEV_CMD_CPU_ADD = 2,	      /* ARG = slot */
	TDEV_CMD_CPU_REMOVE = 3,      /* ARG = slot */
	TDEV_CMD_QUERY_SUSPENDED = 4, /* ARG = vp_index; result = VP it waits on or -1 */
	TDEV_CMD_NR_SLOTS = 5,	      /* result = number of vCPU slots */
	TDEV_CMD_MARK = 6,	      /* ARG = mark id: hvemu records the time */
};

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
};

int testdev_init(struct testdev *d, unsigned max_vcpus, const struct testdev_ops *ops,
		 void *opaque);
int testdev_attach(struct testdev *d, struct pio_bus *bus);
void testdev_destroy(struct testdev *d);

#endif
