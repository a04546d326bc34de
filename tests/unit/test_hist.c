// SPDX-License-Identifier: MIT
/* util/hist: bucket layout, percentiles within one bucket's width, merge. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/hist.h"

static void test_buckets_cover_every_value(void)
{
	uint64_t lo, hi, prev_hi = 0;

	/* Buckets are contiguous and ordered, and each value lands in the bucket covering it. */
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		hist_bucket_range(i, &lo, &hi);
		if (i)
			CHECK_EQ(lo, prev_hi + 1);
		CHECK(hi >= lo);
		CHECK_EQ(hist_bucket_of(lo), i);
		CHECK_EQ(hist_bucket_of(hi), i);
		/* at most 1/HIST_SUB of the lower bound wide */
		CHECK(i < HIST_SUB || (hi - lo + 1) * HIST_SUB <= lo);
		prev_hi = hi;
	}
	CHECK(prev_hi == UINT64_MAX);
	CHECK_EQ(hist_bucket_of(0), 0);
	CHECK_EQ(hist_bucket_of(7), 7);
	CHECK_EQ(hist_bucket_of(UINT64_MAX), HIST_BUCKETS - 1);
}

static void test_percentiles(void)
{
	struct hist *h = calloc(1, sizeof(*h));

	CHECK_EQ(hist_percentile(h, 50), 0);
	/* 1..10000 ns: the true p50 is 5000, p99 9900; a bucket is 12.5% wide at most. */
	for (uint64_t v = 1; v <= 10000; v++)
		hist_record(h, v);
	CHECK_EQ(hist_count(h), 10000);
	CHECK_MSG(llabs((long long)hist_percentile(h, 50) - 5000) <= 5000 / HIST_SUB, "p50 %llu",
		  (unsigned long long)hist_percentile(h, 50));
	CHECK_MSG(llabs((long long)hist_percentile(h, 99) - 9900) <= 9900 / HIST_SUB, "p99 %llu",
		  (unsigned long long)hist_percentile(h, 99));
	CHECK_EQ(hist_percentile(h, 100), 10000);
	CHECK_EQ(hist_percentile(h, 0), 1);
	hist_reset(h);
	CHECK_EQ(hist_count(h), 0);
	CHECK_EQ(hist_percentile(h, 99), 0);
	free(h);
}

static void test_merge(void)
{
	struct hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	for (int i = 0; i < 100; i++) {
		hist_record(a, 1000);
		hist_record(b, 3000);
	}
	hist_record(b, 50000);
	hist_merge(a, b);
	CHECK_EQ(hist_count(a), 201);
	CHECK_EQ(a->max, 50000);
	CHECK_EQ(a->sum, 100 * 1000 + 100 * 3000 + 50000);
	CHECK(hist_percentile(a, 25) <= 1000 && hist_percentile(a, 25) >= 896);
	CHECK(hist_percentile(a, 75) <= 3071 && hist_percentile(a, 75) >= 2560);
	free(a);
	free(b);
}

int main(void)
{
	RUN(test_buckets_cover_every_value);
	RUN(test_percentiles);
	RUN(test_merge);
	return t_done();
}
