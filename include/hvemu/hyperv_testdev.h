/* SPDX-License-Identifier: MIT */
/*
 * QEMU's Hyper-V test device ("hyperv-testdev", hw/misc/hyperv_testdev.c), the interface
 * kvm-unit-tests' hyperv_synic, hyperv_connections and hyperv_stimer use to drive SynIC
 * routes and connections from the guest. hvemu offers it with --device hyperv-testdev.
 *
 * One 32-bit write-only register (reads return 0):
 *   value = conn_id << 24 | ctl << 16 | vp_index << 8 | sint
 */
#ifndef HVEMU_HVEMU_HYPERV_TESTDEV_H
#define HVEMU_HVEMU_HYPERV_TESTDEV_H

#define HV_TESTDEV_PORT 0x3000

enum hv_testdev_ctl {
	HV_TEST_DEV_SINT_ROUTE_CREATE = 1,   /* route (vp, sint) */
	HV_TEST_DEV_SINT_ROUTE_DESTROY = 2,  /* route (vp, sint) */
	HV_TEST_DEV_SINT_ROUTE_SET_SINT = 3, /* raise the route's SINT, no message */
	HV_TEST_DEV_MSG_CONN_CREATE = 4,     /* HvPostMessage on conn_id echoes into (vp, sint) */
	HV_TEST_DEV_MSG_CONN_DESTROY = 5,    /* conn_id */
	HV_TEST_DEV_EVT_CONN_CREATE = 6,     /* HvSignalEvent on conn_id sets flag conn_id of
						(vp, sint) */
	HV_TEST_DEV_EVT_CONN_DESTROY = 7,    /* conn_id */
};

#define HV_TESTDEV_CMD(ctl, vp, sint, conn)                             \
	(((unsigned)(conn)&0xFF) << 24 | ((unsigned)(ctl)&0xFF) << 16 | \
	 ((unsigned)(vp)&0xFF) << 8 | ((unsigned)(sint)&0xFF))

#endif
