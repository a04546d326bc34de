/* SPDX-License-Identifier: MIT */
/*
 * Test-and-test-and-set spinlocks. The irqsave variants disable interrupts first, so a
 * handler on the same CPU cannot spin on a lock its interrupted code holds.
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

#include "types.h"

struct spinlock {
	u32 locked;
};

#define SPINLOCK_INIT \
	{             \
		0     \
	}

void spin_lock(struct spinlock *lock);
bool spin_trylock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);
/* Returns the previous RFLAGS.IF state for spin_unlock_irqrestore. */
u64 spin_lock_irqsave(struct spinlock *lock);
void spin_unlock_irqrestore(struct spinlock *lock, u64 flags);

#endif
