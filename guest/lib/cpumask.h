/* SPDX-License-Identifier: MIT */
/* Sets of logical CPU numbers (0 = the boot CPU). */
#ifndef GUEST_CPUMASK_H
#define GUEST_CPUMASK_H

#include "types.h"
#include "atomic.h"
#include "bitops.h"

/* Enough for the 1024 vCPUs KVM allows; the GDT has room for 4093 TSS descriptors. */
#define MAX_CPUS 1024

struct cpumask {
	u64 bits[MAX_CPUS / 64];
};

static inline void cpumask_clear(struct cpumask *m)
{
	for (unsigned int i = 0; i < MAX_CPUS / 64; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set(struct cpumask *m, unsigned int cpu)
{
	m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static inline void cpumask_clear_cpu(struct cpumask *m, unsigned int cpu)
{
	m->bits[cpu / 64] &= ~(1ull << (cpu % 64));
}

/* Atomic versions, for masks that several CPUs update at once. */
static inline void cpumask_set_atomic(struct cpumask *m, unsigned int cpu)
{
	atomic_or(&m->bits[cpu / 64], 1ull << (cpu % 64));
}

static inline void cpumask_clear_atomic(struct cpumask *m, unsigned int cpu)
{
	atomic_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)));
}

static inline bool cpumask_test(const struct cpumask *m, unsigned int cpu)
{
	return cpu < MAX_CPUS && (READ_ONCE(m->bits[cpu / 64]) >> (cpu % 64)) & 1;
}

static inline unsigned int cpumask_weight(const struct cpumask *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MAX_CPUS / 64; i++)
		n += hweight64(READ_ONCE(m->bits[i]));
	return n;
}

static inline bool cpumask_empty(const struct cpumask *m)
{
	for (unsigned int i = 0; i < MAX_CPUS / 64; i++) {
		if (READ_ONCE(m->bits[i]))
			return false;
	}
	return true;
}

static inline void cpumask_copy(struct cpumask *dst, const struct cpumask *src)
{
	for (unsigned int i = 0; i < MAX_CPUS / 64; i++)
		dst->bits[i] = READ_ONCE(src->bits[i]);
}

static inline void cpumask_and(struct cpumask *dst, const struct cpumask *a,
			       const struct cpumask *b)
{
	for (unsigned int i = 0; i < MAX_CPUS / 64; i++)
		dst->bits[i] = READ_ONCE(a->bits[i]) & READ_ONCE(b->bits[i]);
}

static inline bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned int i = 0; i < MAX_CPUS / 64; i++) {
		if (READ_ONCE(a->bits[i]) != READ_ONCE(b->bits[i]))
			return false;
	}
	return true;
}

/* The first set CPU >= start, or MAX_CPUS. */
static inline unsigned int cpumask_next(const struct cpumask *m, unsigned int start)
{
	while (start < MAX_CPUS) {
		u64 w = READ_ONCE(m->bits[start / 64]) >> (start % 64);

		if (w)
			return start + ffs64(w);
		start = ALIGN_DOWN(start, 64u) + 64;
	}
	return MAX_CPUS;
}

#define for_each_cpu(cpu, mask)                                                              \
	for ((cpu) = cpumask_next((mask), 0); (cpu) < MAX_CPUS;                               \
	     (cpu) = cpumask_next((mask), (cpu) + 1))

#endif
