// SPDX-License-Identifier: MIT
/* The runtime's path counters, reported, and the refused-Ex-call knob (tlbtest.h). */
#include "testlib/tlbtest.h"
#include "atomic.h"
#include "printf.h"
#include "report.h"

static u32 bad_varhead_left;

void tlb_paths_report(const char *what, const u64 counts[TLB_PATH_NR])
{
	char line[160];
	int n = 0;

	for (int p = TLB_PATH_NONE + 1; p < TLB_PATH_NR && n >= 0 && n < (int)sizeof(line); p++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s %lu",
			      p == TLB_PATH_NONE + 1 ? "" : ", ", tlb_path_name((enum tlb_path)p),
			      (unsigned long)READ_ONCE(counts[p]));
	report_info("%s paths: %s", what, line);
}

/* One more bank than the VP set has, while bad_varhead_left lasts. */
static u16 bad_varhead(u16 varhead)
{
	u32 left = READ_ONCE(bad_varhead_left);

	while (left) {
		if (atomic_cmpxchg(&bad_varhead_left, &left, left - 1))
			return (u16)(varhead + 1);
	}
	return varhead;
}

void tlb_inject_bad_varhead(u32 n)
{
	WRITE_ONCE(bad_varhead_left, n);
	WRITE_ONCE(tlb_ex_varhead_hook, n ? bad_varhead : NULL);
}
