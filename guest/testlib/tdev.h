/* SPDX-License-Identifier: MIT */
/*
 * The driver of hvemu's test device (ports and commands: include/hvemu/testdev.h). ECHO is
 * a bare exit to the VMM; ARG + CMD run a command and CMD reads back its signed result.
 * Other VMMs return all ones (-1) from CMD.
 */
#ifndef GUEST_TESTLIB_TDEV_H
#define GUEST_TESTLIB_TDEV_H

#include "hvemu/testdev.h"
#include "types.h"
#include "x86/processor.h"

static inline void tdev_echo(u32 v)
{
	outl(TDEV_PORT_ECHO, v);
}

/* ARG and CMD are one device-wide pair, so commands from several CPUs are serialised. */
s32 tdev_cmd(enum tdev_cmd cmd, u32 arg);

static inline s32 tdev_mark(u32 mark)
{
	return tdev_cmd(TDEV_CMD_MARK, mark);
}

#endif
