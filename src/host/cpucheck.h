/* SPDX-License-Identifier: MIT */
/*
 * The compatibility check, run on the host CPU it is about: a thread "cpuchkN" created
 * pinned to CPU N verifies with sched_getcpu that it runs there, executes CPUID for
 * every register of the feature table, reads XCR0 with XGETBV and measures the TSC rate
 * against CLOCK_MONOTONIC_RAW; then it verifies again that it was not moved (a CPU going
 * offline under the check migrates the thread).
 */
#ifndef HVEMU_HOST_CPUCHECK_H
#define HVEMU_HOST_CPUCHECK_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/compat.h"

/*
 * How long the caller waits for one batch of check threads. A thread that cannot get
 * onto its CPU in that time (the CPU is saturated by real-time work, or is going away)
 * is detached and its CPU reported as failing; it frees itself when it finally ends.
 */
#define HOST_CHECK_TIMEOUT_NS (2ull * 1000000000ull)
/* Check threads running at once (one per CPU, each on its own CPU). */
#define HOST_CHECK_BATCH 64
/* The TSC measurement window; doubled (up to 4 times) while it is too noisy. */
#define HOST_TSC_WINDOW_NS (5ull * 1000000ull)
/* Wanted bound on the measurement error before giving up on widening the window. */
#define HOST_TSC_GOOD_PPM 50u

/*
 * Checks every CPU in cpus, filling prof[cpu] (prof has CPU_SETSIZE entries). A CPU whose
 * check cannot run gets valid=false and the reason. Stops between batches when *stop
 * becomes true (the remaining CPUs are left untouched). Returns the number of CPUs whose
 * profile was written.
 */
unsigned host_check_cpus(const cpu_set_t *cpus, struct host_cpu_profile *prof, uint64_t timeout_ns,
			 const _Atomic bool *stop);

/* The measurements on the calling thread, wherever it runs (no pinning, no fault point). */
void host_check_read_local(struct host_cpu_profile *out);

/* Check threads still running after their caller gave up on them. */
unsigned host_check_stragglers(void);
/* Waits (at most timeout_ns) for the stragglers to end; returns how many remain. */
unsigned host_check_wait_stragglers(uint64_t timeout_ns);

#endif
