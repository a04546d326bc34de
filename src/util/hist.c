// SPDX-License-Identifier: MIT
#include "util/hist.h"

#include "util/stats.h"

static unsigned bucket_of(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}

void hist_record(struct hist *h, uint64_t v)
{
	stat_inc(&h->bucket[bucket_of(v)]);
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
	uint64_t counts[HIST_BUCKETS], total = 0, rank, seen = 0;

	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		counts[i] = stat_get(&h->bucket[i]);
		total += counts[i];
	}
	if (total == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	rank = (uint64_t)((p / 100.0) * (double)(total - 1)) + 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (seen + counts[i] >= rank) {
			uint64_t lo, hi, max = stat_get(&h->max);
			double frac;

			if (i == 0)
				return 0;
			lo = 1ull << (i - 1);
			hi = i == 64 ? UINT64_MAX : (1ull << i) - 1;
			if (hi > max)
				hi = max;
			if (hi < lo)
				hi = lo;
			frac = counts[i] ? (double)(rank - seen) / (double)counts[i] : 0;
			return lo + (uint64_t)(frac * (double)(hi - lo));
		}
		seen += counts[i];
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
