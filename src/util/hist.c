// SPDX-License-Identifier: MIT
#include "util/hist.h"

#include "util/stats.h"

unsigned hist_bucket_of(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* >= HIST_SUB_SHIFT */
	return (e - HIST_SUB_SHIFT + 1) * HIST_SUB +
	       (unsigned)((v >> (e - HIST_SUB_SHIFT)) & (HIST_SUB - 1));
}

void hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	unsigned e;

	if (i < HIST_SUB) {
		*lo = *hi = i;
		return;
	}
	e = i / HIST_SUB + HIST_SUB_SHIFT - 1;
	*lo = (uint64_t)(HIST_SUB + i % HIST_SUB) << (e - HIST_SUB_SHIFT);
	*hi = *lo + ((1ull << (e - HIST_SUB_SHIFT)) - 1);
}

void hist_record(struct hist *h, uint64_t v)
{
	stat_inc(&h->bucket[hist_bucket_of(v)]);
	stat_inc(&h->count);
	stat_add(&h->sum, v);
	stat_peak(&h->max, v);
}

uint64_t hist_count(const struct hist *h)
{
	return stat_get(&h->count);
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t total = 0, rank, seen = 0;

	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		total += stat_get(&h->bucket[i]);
	if (total == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	/* nearest rank: the smallest sample with at least p% of them at or below it */
	rank = (uint64_t)__builtin_ceil((p / 100.0) * (double)total);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		uint64_t c = stat_get(&h->bucket[i]);

		if (c && seen + c >= rank) {
			uint64_t lo, hi, max = stat_get(&h->max);
			double frac = (double)(rank - seen) / (double)c;

			hist_bucket_range(i, &lo, &hi);
			if (hi > max)
				hi = max;
			if (hi < lo)
				hi = lo;
			return lo + (uint64_t)(frac * (double)(hi - lo));
		}
		seen += c;
	}
	return stat_get(&h->max);
}

void hist_reset(struct hist *h)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		stat_set(&h->bucket[i], 0);
	stat_set(&h->count, 0);
	stat_set(&h->sum, 0);
	stat_set(&h->max, 0);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		uint64_t c = stat_get(&src->bucket[i]);

		if (c)
			stat_add(&dst->bucket[i], c);
	}
	stat_add(&dst->count, stat_get(&src->count));
	stat_add(&dst->sum, stat_get(&src->sum));
	stat_peak(&dst->max, stat_get(&src->max));
}
