// SPDX-License-Identifier: MIT
#include "util/stats.h"

void stats_visit(const struct stat_desc *descs, size_t n, const void *base, stat_visit_fn fn,
		 void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		const _Atomic uint64_t *p =
		    (const _Atomic uint64_t *)((const char *)base + descs[i].offset);

		fn(ctx, descs[i].name, descs[i].type, descs[i].unit, stat_get(p));
	}
}

const char *stat_type_name(enum stat_type type)
{
	switch (type) {
	case STAT_CUMULATIVE:
		return "cumulative";
	case STAT_INSTANT:
		return "instant";
	case STAT_PEAK:
		return "peak";
	case STAT_HISTOGRAM:
		return "histogram";
	}
	return "unknown";
}

const char *stat_unit_name(enum stat_unit unit)
{
	switch (unit) {
	case STAT_UNIT_NONE:
		return "none";
	case STAT_UNIT_NSEC:
		return "nanoseconds";
	case STAT_UNIT_BYTES:
		return "bytes";
	case STAT_UNIT_BOOLEAN:
		return "boolean";
	}
	return "unknown";
}
