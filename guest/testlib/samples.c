// SPDX-License-Identifier: MIT
#include "testlib/samples.h"
#include "x86/fault.h"
#include "x86/tsc.h"
#include "x86/usermode.h"
#include "printf.h"

/* Heapsort: no recursion and no allocation, so it runs unchanged at CPL3. */
static void sift(u64 *a, u32 root, u32 n)
{
	for (u32 child; (child = 2 * root + 1) < n; root = child) {
		u64 t;

		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
	}
}

static u64 heapsort(u64 arg)
{
	struct samples *s = (struct samples *)(uintptr_t)arg;
	u64 t;

	for (u32 i = s->n / 2; i-- > 0;)
		sift(s->v, i, s->n);
	for (u32 end = s->n; end-- > 1;) {
		t = s->v[0];
		s->v[0] = s->v[end];
		s->v[end] = t;
		sift(s->v, 0, end);
	}
	return 0;
}

void samples_sort(struct samples *s)
{
	if (run_user(heapsort, (u64)(uintptr_t)s, 0, NULL) != FAULT_NONE)
		heapsort((u64)(uintptr_t)s);
}

u64 samples_report(const char *name, struct samples *s)
{
	u64 med, p99;

	samples_sort(s);
	med = tsc_cycles_to_ns(s->v[s->n / 2]);
	p99 = tsc_cycles_to_ns(s->v[(u64)s->n * 99 / 100]);
	printf("BENCH %s median=%lu p99=%lu n=%u\n", name, (unsigned long)med, (unsigned long)p99,
	       s->n);
	return med;
}
