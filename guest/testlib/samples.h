/* SPDX-License-Identifier: MIT */
/*
 * Timing samples of the bench guests: sorted at CPL3, where code runs natively (CPL0 code
 * is emulated on some hosts, and 10^4 samples would take seconds there), and reduced to
 * the "BENCH <name> ..." lines the bench scripts read.
 */
#ifndef GUEST_TESTLIB_SAMPLES_H
#define GUEST_TESTLIB_SAMPLES_H

#include "types.h"

struct samples {
	u64 *v; /* TSC cycles */
	u32 n;
};

/* Sorts s->v ascending: at CPL3 through run_user(), at CPL0 if that fails. */
void samples_sort(struct samples *s);

/*
 * Sorts s and prints "BENCH <name> median=<ns> p99=<ns> n=<count>" (median v[n/2], p99
 * v[n*99/100]). Returns the median in ns.
 */
u64 samples_report(const char *name, struct samples *s);

#endif
