/* SPDX-License-Identifier: MIT */
/*
 * A lock-free log2 histogram for latency distributions (flush latency, kick latency,
 * hot-add time). Bucket i counts values v with floor(log2(v)) == i - 1 (bucket 0: v == 0),
 * so percentiles are exact to within a factor of two; hist_percentile interpolates
 * linearly inside the bucket.
 */
#ifndef HVEMU_UTIL_HIST_H
#define HVEMU_UTIL_HIST_H

#include <stdatomic.h>
#include <stdint.h>

#define HIST_BUCKETS 65

struct hist {
	_Atomic uint64_t bucket[HIST_BUCKETS];
	_Atomic uint64_t count;
	_Atomic uint64_t sum;
	_Atomic uint64_t max;
};

void hist_record(struct hist *h, uint64_t v);
/* p in [0, 100]; 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
uint64_t hist_count(const struct hist *h);
void hist_reset(struct hist *h);

#endif
