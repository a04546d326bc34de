/* SPDX-License-Identifier: MIT */
/*
 * The driver of QEMU's hyperv-testdev (include/hvemu/hyperv_testdev.h): one write creates
 * or destroys a SINT route or a message/event connection, or raises a route's SINT.
 */
#ifndef GUEST_TESTLIB_HV_TESTDEV_H
#define GUEST_TESTLIB_HV_TESTDEV_H

#include "hvemu/hyperv_testdev.h"
#include "types.h"
#include "x86/processor.h"

static inline void hv_testdev_ctl(u32 ctl, u32 vp_index, u32 sint, u32 conn_id)
{
	outl(HV_TESTDEV_PORT, HV_TESTDEV_CMD(ctl, vp_index, sint, conn_id));
}

#endif
