// SPDX-License-Identifier: MIT
#include "spinlock.h"
#include "atomic.h"
#include "x86/processor.h"

bool spin_trylock(struct spinlock *lock)
{
	return atomic_xchg(&lock->locked, 1) == 0;
}

void spin_lock(struct spinlock *lock)
{
	/* Spin on a plain load: a locked exchange per iteration is an emulated bus lock. */
	while (!spin_trylock(lock)) {
		while (atomic_load_relaxed(&lock->locked))
			cpu_relax();
	}
}

void spin_unlock(struct spinlock *lock)
{
	atomic_store(&lock->locked, 0);
}

u64 spin_lock_irqsave(struct spinlock *lock)
{
	u64 flags = irq_save();

	spin_lock(lock);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *lock, u64 flags)
{
	spin_unlock(lock);
	irq_restore(flags);
}
