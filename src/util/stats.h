/* SPDX-License-Identifier: MIT */
/*
 * Self-describing statistics, shaped like KVM's binary stats and QEMU's query-stats.
 *
 * A module keeps its counters as _Atomic uint64_t fields of a struct and describes
 * them with a table of struct stat_desc (name, type, unit, offset). stats_visit()
 * walks a table over one instance; the control socket turns that into JSON.
 * Counters are updated with relaxed atomics: they are statistics, not synchronisation.
 */
#ifndef HVEMU_UTIL_STATS_H
#define HVEMU_UTIL_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum stat_type {
	STAT_CUMULATIVE, /* only grows */
	STAT_INSTANT,	 /* current value */
	STAT_PEAK,	 /* highest value seen */
	STAT_HISTOGRAM,	 /* a distribution (util/hist.h); visited with stat_hist_fn */
};

enum stat_unit {
	STAT_UNIT_NONE,
	STAT_UNIT_NSEC,
	STAT_UNIT_BYTES,
	STAT_UNIT_BOOLEAN,
};

struct stat_desc {
	const char *name;
	enum stat_type type;
	enum stat_unit unit;
	size_t offset; /* of an _Atomic uint64_t inside the described struct */
};

#define STAT_DESC(type_, field_, stype_, unit_)                     \
	{                                                           \
		.name = #field_, .type = (stype_), .unit = (unit_), \
		.offset = offsetof(type_, field_)                   \
	}

typedef void (*stat_visit_fn)(void *ctx, const char *name, enum stat_type type, enum stat_unit unit,
			      uint64_t value);
struct hist;
/* A histogram statistic (type STAT_HISTOGRAM); h is only read during the callback. */
typedef void (*stat_hist_fn)(void *ctx, const char *name, enum stat_unit unit,
			     const struct hist *h);

void stats_visit(const struct stat_desc *descs, size_t n, const void *base, stat_visit_fn fn,
		 void *ctx);
const char *stat_type_name(enum stat_type type);
const char *stat_unit_name(enum stat_unit unit);

static inline void stat_inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static inline void stat_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline void stat_set(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t stat_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Raises *c to v if v is larger (a peak statistic). */
static inline void stat_peak(_Atomic uint64_t *c, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(c, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(c, &cur, v, memory_order_relaxed,
								 memory_order_relaxed))
		;
}

#endif
