/* SPDX-License-Identifier: MIT */
/*
 * The hvemu test device (docs/architecture.md section 2.2): ECHO is a bare exit to the
 * VMM, ARG + CMD run a command and CMD reads back its signed result. Other VMMs return
 * all ones (-1) from CMD.
 */
#ifndef GUEST_X86_TDEV_H
#define GUEST_X86_TDEV_H

#include "types.h"
#include "x86/processor.h"

#define TDEV_PORT_ECHO 0x510
#define TDEV_PORT_ARG  0x514
#define TDEV_PORT_CMD  0x518

#define TDEV_CMD_SET_INHIBIT	 1 /* ARG: vp_index << 1 | on */
#define TDEV_CMD_CPU_ADD	 2 /* ARG: slot */
#define TDEV_CMD_CPU_REMOVE	 3 /* ARG: slot */
#define TDEV_CMD_QUERY_SUSPENDED 4 /* ARG: vp_index */
#define TDEV_CMD_NR_SLOTS	 5
#define TDEV_CMD_MARK		 6 /* ARG: mark number; hvemu records the time */

static inline void tdev_echo(u32 v)
{
	outl(TDEV_PORT_ECHO, v);
}

/* ARG and CMD are one device-wide pair, so commands from several CPUs are serialised. */
s32 tdev_cmd(u32 cmd, u32 arg);

static inline s32 tdev_mark(u32 mark)
{
	return tdev_cmd(TDEV_CMD_MARK, mark);
}

#endif
