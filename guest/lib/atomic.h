/* SPDX-License-Identifier: MIT */
/*
 * Atomics on plain integers, built on the compiler's __atomic builtins. Only 1-8 byte
 * operands: cmpxchg16b does not exist in this KVM's instruction emulator.
 */
#ifndef GUEST_ATOMIC_H
#define GUEST_ATOMIC_H

#include "types.h"

#define atomic_load(p)		   __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_load_relaxed(p)	   __atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_store(p, v)	   __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_xchg(p, v)	   __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_add(p, v)	   __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_sub(p, v)	   __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
#define atomic_add_return(p, v)	   __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define atomic_sub_return(p, v)	   __atomic_sub_fetch((p), (v), __ATOMIC_SEQ_CST)
#define atomic_inc(p)		   ((void)__atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST))
#define atomic_dec(p)		   ((void)__atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST))
#define atomic_or(p, v)		   ((void)__atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST))
#define atomic_and(p, v)	   ((void)__atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST))
#define atomic_fetch_or(p, v)	   __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_and(p, v)	   __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)

/* Compare-and-swap: returns true and stores @new when *p == *old, else loads *old. */
#define atomic_cmpxchg(p, old, new) \
	__atomic_compare_exchange_n((p), (old), (new), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/* x86 is TSO: loads are not reordered with loads, stores not with stores. */
#define smp_rmb() barrier()
#define smp_wmb() barrier()

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

#endif
