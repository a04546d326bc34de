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

/*
 * Words of a mask that can hold a CPU (set by smp_init() from the MADT). The helpers
 * below only look at these: with CPL0 code emulated, scanning 16 words for a 2-CPU guest
 * costs more than the IPI itself. Bits beyond them are never set by the runtime.
 */
extern unsigned int nr_cpumask_words;

static inline void cpumask_clear(struct cpumask *m)
{
	__builtin_memset(m, 0, sizeof(*m));
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

	for (unsigned int i = 0; i < nr_cpumask_words; i++)
		n += hweight64(READ_ONCE(m->bits[i]));
	return n;
}

static inline bool cpumask_empty(const struct cpumask *m)
{
	for (unsigned int i = 0; i < nr_cpumask_words; i++) {
		if (READ_ONCE(m->bits[i]))
			return false;
	}
	return true;
}

/* dst's words beyond nr_cpumask_words are left as they are. */
static inline void cpumask_copy(struct cpumask *dst, const struct cpumask *src)
{
	for (unsigned int i = 0; i < nr_cpumask_words; i++)
		dst->bits[i] = READ_ONCE(src->bits[i]);
}

static inline void cpumask_and(struct cpumask *dst, const struct cpumask *a,
			       const struct cpumask *b)
{
	for (unsigned int i = 0; i < nr_cpumask_words; i++)
		dst->bits[i] = READ_ONCE(a->bits[i]) & READ_ONCE(b->bits[i]);
}

static inline bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned int i = 0; i < nr_cpumask_words; i++) {
		if (READ_ONCE(a->bits[i]) != READ_ONCE(b->bits[i]))
			return false;
	}
	return true;
}

/* The first set CPU >= start, or MAX_CPUS. */
static inline unsigned int cpumask_next(const struct cpumask *m, unsigned int start)
{
	while (start < nr_cpumask_words * 64) {
		u64 w = READ_ONCE(m->bits[start / 64]) >> (start % 64);

		if (w)
			return start + ffs64(w);
		start = ALIGN_DOWN(start, 64u) + 64;
	}
	return MAX_CPUS;
}

#define for_each_cpu(cpu, mask)                                 \
	for ((cpu) = cpumask_next((mask), 0); (cpu) < MAX_CPUS; \
	     (cpu) = cpumask_next((mask), (cpu) + 1))

#endif
