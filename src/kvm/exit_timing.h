/* SPDX-License-Identifier: MIT */
/*
 * Exit timing (--exit-timing): how long hvemu keeps a vCPU out of the guest on each exit,
 * from KVM_RUN's return to the next KVM_RUN call, per kind of exit, as one histogram per
 * vCPU and kind (docs/architecture.md §4). Everything the vCPU thread does in between is
 * counted: the exit's handler, the requests taken before the next entry, logging.
 *
 * Off (the default), a vCPU has no histograms and the run loop only tests one pointer it
 * already has in cache; the cost of that test is measured by `make bench` against a build
 * without the hooks (make NO_EXIT_TIMING=1). On, each exit adds two reads of
 * CLOCK_MONOTONIC_RAW (vDSO: no system call where the clock source is the TSC) and a few
 * relaxed atomic adds to histograms only this vCPU's thread writes.
 */
#ifndef HVEMU_KVM_EXIT_TIMING_H
#define HVEMU_KVM_EXIT_TIMING_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "util/hist.h"
#include "util/stats.h"

struct vcpu;

enum vcpu_exit_kind {
	VCPU_EXIT_PIO,	     /* KVM_EXIT_IO, but the hypercall port */
	VCPU_EXIT_HYPERCALL, /* the hypercall page's `out` */
	VCPU_EXIT_MSR,	     /* KVM_EXIT_X86_RDMSR / WRMSR */
	VCPU_EXIT_MMIO,	     /* KVM_EXIT_MMIO */
	VCPU_EXIT_INTR,	     /* KVM_RUN interrupted: a kick, a signal, INIT */
	VCPU_EXIT_OTHER,     /* anything else (mostly fatal) */
	VCPU_EXIT_KINDS,
};

/* Parts of an exit, timed inside it (their names in query-stats and the summary). */
enum vcpu_exit_part {
	VCPU_PART_IPI_SEND, /* a PV IPI's MSIs, all targets of one call (hv_ops.c) */
	VCPU_PART_IPI_MSI,  /* one of them: KVM_SIGNAL_MSI, the target's wake-up */
	/* the sends during which the sender's thread left its CPU (oncpu_switches) */
	VCPU_PART_IPI_SEND_SWITCHED,
	VCPU_EXIT_PARTS,
};

struct vcpu_exit_timing {
	struct hist ns[VCPU_EXIT_KINDS];
	struct hist part[VCPU_EXIT_PARTS];
};

/* "pio", "hypercall", ... */
const char *vcpu_exit_kind_name(enum vcpu_exit_kind k);
/* Gives v its histograms (0 or -ENOMEM); a vCPU without them is not timed. */
int vcpu_exit_timing_alloc(struct vcpu *v);
void vcpu_exit_timing_free(struct vcpu *v);
/* The kind of the exit KVM_RUN just returned with (r: its result). */
enum vcpu_exit_kind vcpu_exit_kind(const struct vcpu *v, int r);
static inline uint64_t exit_timing_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Adds a part's time (t0: exit_timing_now() when it began) when v is being timed. */
static inline void vcpu_exit_part(struct vcpu_exit_timing *et, enum vcpu_exit_part part,
				  uint64_t t0)
{
	if (et)
		hist_record(&et->part[part], exit_timing_now() - t0);
}
/* Visits "exit_ns_<kind>" and "<part>_ns" of v, for those that have samples. */
void vcpu_exit_timing_visit(struct vcpu *v, stat_hist_fn fn, void *ctx);
/* Adds v's histograms to sum (per kind). */
void vcpu_exit_timing_merge(struct vcpu_exit_timing *sum, const struct vcpu *v);

#endif
