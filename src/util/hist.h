/* SPDX-License-Identifier: MIT */
/*
 * A lock-free log-linear histogram for latency distributions (flush latency, exit times).
 * Values below HIST_SUB are counted exactly; above, each power of two is split into
 * HIST_SUB equal buckets, so a bucket spans at most 1/HIST_SUB of its lower bound (12.5%)
 * and hist_percentile, which interpolates linearly inside the bucket, is that close.
 *
 * Updates are relaxed atomics: several threads may record into one histogram, but a
 * histogram written by one thread only (a vCPU's) costs no contended cache line.
 */
#ifndef HVEMU_UTIL_HIST_H
#define HVEMU_UTIL_HIST_H

#include <stdatomic.h>
#include <stdint.h>

#define HIST_SUB_SHIFT 3
#define HIST_SUB       (1u << HIST_SUB_SHIFT)
/* Exact buckets 0..HIST_SUB-1, then HIST_SUB per power of two from 2^HIST_SUB_SHIFT to 2^63. */
#define HIST_BUCKETS (HIST_SUB * (64 - HIST_SUB_SHIFT + 1))

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
/* Adds every sample of src to dst (a summary over several histograms). */
void hist_merge(struct hist *dst, const struct hist *src);
/* The index of v's bucket, and the range [*lo, *hi] of values bucket i counts. */
unsigned hist_bucket_of(uint64_t v);
void hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi);

#endif
