// SPDX-License-Identifier: MIT
#include "testlib/tdev.h"
#include "spinlock.h"

static struct spinlock tdev_lock = SPINLOCK_INIT;

s32 tdev_cmd(enum tdev_cmd cmd, u32 arg)
{
	u64 flags = spin_lock_irqsave(&tdev_lock);
	s32 r;

	outl(TDEV_PORT_ARG, arg);
	outl(TDEV_PORT_CMD, cmd);
	r = (s32)inl(TDEV_PORT_CMD);
	spin_unlock_irqrestore(&tdev_lock, flags);
	return r;
}
