/* SPDX-License-Identifier: MIT */
/*
 * The hvemu test device (docs/architecture.md §2.2), shared by the VMM (src/dev/testdev.c)
 * and the guest test library (guest/testlib/tdev.c). It lets test guests drive host-side
 * behaviour that the control socket also offers (TLB-flush inhibit, vCPU add/remove) and
 * gives benchmarks a port the VMM answers at once.
 *
 *   0x5A0 ECHO  W    any write exits to hvemu, which resumes the vCPU immediately
 *   0x5A4 ARG   R/W  argument of the next command (per vCPU)
 *   0x5A8 CMD   W    run command ARG names (enum tdev_cmd)
 *               R    its result as a signed 32-bit value, -errno on failure (per vCPU);
 *                    other VMMs read all ones (-1)
 *
 * The block (0x5A0-0x5AB) leaves 0x510-0x51B to fw_cfg (where QEMU and the firmware that
 * reads it expect it) and is clear of the CPU hotplug controller (0x520-0x533) and of the
 * ACPI sleep registers (0x600-0x605).
 */
#ifndef HVEMU_HVEMU_TESTDEV_H
#define HVEMU_HVEMU_TESTDEV_H

#define TDEV_PORT_BASE 0x5a0
#define TDEV_PORT_ECHO (TDEV_PORT_BASE + 0x0)
#define TDEV_PORT_ARG  (TDEV_PORT_BASE + 0x4)
#define TDEV_PORT_CMD  (TDEV_PORT_BASE + 0x8)
#define TDEV_PORT_LEN  0xc

enum tdev_cmd {
	TDEV_CMD_SET_INHIBIT = 1,     /* ARG = vp_index << 1 | on: TLB-flush inhibit */
	TDEV_CMD_CPU_ADD = 2,	      /* ARG = slot: hot-add a vCPU */
	TDEV_CMD_CPU_REMOVE = 3,      /* ARG = slot: request a vCPU's removal */
	TDEV_CMD_QUERY_SUSPENDED = 4, /* ARG = vp_index; result = the VP it waits on, or -1 */
	TDEV_CMD_NR_SLOTS = 5,	      /* result = number of vCPU slots */
	TDEV_CMD_MARK = 6,	      /* ARG = mark id: hvemu records the time */
};

#endif
