/* SPDX-License-Identifier: MIT */
/*
 * A mock machine for the src/hv unit tests: guest RAM (an exactly-sized heap buffer, so
 * ASan catches any access past it), a fake guest TSC, and a record of every platform op
 * src/hv called (flushes with their exact target sets, IPIs, APIC MSRs, system events).
 * Linked into every unit test: everything is prefixed hvmock_.
 */
#ifndef HVEMU_TESTS_HV_MOCK_H
#define HVEMU_TESTS_HV_MOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hv/hv.h"
#include "util/timersvc.h"

#define HVMOCK_RAISE_VPS 64

struct hvmock {
	struct hv_partition *part; /* set by hvmock_partition */
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t hole_start, hole_end; /* [start, end) is not RAM (an MMIO hole) */

	_Atomic uint64_t tsc; /* guest TSC */
	uint64_t tsc_step;    /* added to tsc after every read */
	uint64_t runtime_ns;  /* ops->vp_runtime_ns */

	/* While flush_block is non-zero, ops->flush_tlb waits (a flush held in flight). */
	_Atomic uint32_t flush_block;
	_Atomic uint32_t flush_entered, flush_done;

	pthread_mutex_t lock; /* protects the records below */
	unsigned flushes;
	struct hv_vpset last_flush;
	uint32_t last_flush_caller;
	int flush_ret;

	unsigned ipi_calls;
	struct hv_vpset last_ipi;
	uint32_t last_vector;
	unsigned ipis_to[HV_VPSET_MAX_VP]; /* interrupts delivered per VP index */
	int ipi_ret;

	unsigned apic_writes, apic_reads;
	uint32_t last_apic_msr;
	uint64_t last_apic_value;
	uint64_t apic_read_value;
	int apic_ret;

	unsigned vp_assist_calls;
	uint64_t last_vp_assist_gpa;
	bool last_vp_assist_enable;
	int vp_assist_ret;

	unsigned resets, crashes;
	uint64_t crash_params[5];
	unsigned yields;

	uint64_t xmm[12];
	int xmm_ret;
	unsigned xmm_reads;

	_Atomic unsigned unsuspended[HV_VPSET_MAX_VP];

	/* SynIC: a manual timer service (hvmock_advance) and the interrupts raised. */
	struct tsvc *timers;
	unsigned raise_calls;
	unsigned raised[HVMOCK_RAISE_VPS][256]; /* [VP index][vector] */
	unsigned raised_aeoi[HVMOCK_RAISE_VPS]; /* of them with AutoEOI */
	int raise_ret;
};

extern const struct hv_platform_ops hvmock_ops;

/* A mock with ram_size bytes of zeroed guest RAM at GPA 0. NULL on allocation failure. */
struct hvmock *hvmock_new(uint64_t ram_size);
void hvmock_free(struct hvmock *m);
/* Host pointer to guest RAM at gpa (the test's own view; no hole or bounds logic). */
void *hvmock_gpa(struct hvmock *m, uint64_t gpa);

#define HVMOCK_TSC_HZ  2600000000ull
#define HVMOCK_APIC_HZ 1000000000ull

/*
 * Moves time forward by ns: the guest TSC (so the reference time) and the timer service's
 * clock, then runs the timers that are due. Returns how many callbacks ran.
 */
unsigned hvmock_advance(struct hvmock *m, uint64_t ns);
/* Interrupts raised on VP vp (all vectors), and the total of every VP. */
unsigned hvmock_raised(struct hvmock *m, uint32_t vp);

/* A partition on m with the --hv list features. Returns 0 or -errno. */
int hvmock_partition(struct hvmock *m, const char *features, uint32_t max_vps,
		     struct hv_partition **out);
/* Creates VP vp_index and sets it online; NULL on failure. */
struct hv_vp *hvmock_vp(struct hv_partition *part, uint32_t vp_index);
/* Writes a non-zero GUEST_OS_ID through vp (as every guest does first). */
void hvmock_guest_os_id(struct hv_vp *vp);
/*
 * Where every hypercall test starts: a partition with features, VP 0 online, and
 * GUEST_OS_ID written (hypercalls enabled). Returns VP 0, or NULL on any failure.
 */
struct hv_vp *hvmock_guest_ready(struct hvmock *m, const char *features, uint32_t max_vps,
				 struct hv_partition **part);

/* A 64-bit CPL0 hypercall; returns RAX (or ~0 if it did not complete). */
uint64_t hvmock_hcall(struct hv_vp *vp, uint64_t control, uint64_t in, uint64_t out,
		      enum hv_hcall_outcome *outcome);

/* Builds a hypercall input value (a constant expression). */
#define hvmock_control(code, fast, var_cnt, rep_cnt, rep_idx)                           \
	((uint64_t)(code) | ((uint64_t) !!(fast) << 16) | ((uint64_t)(var_cnt) << 17) | \
	 ((uint64_t)(rep_cnt) << 32) | ((uint64_t)(rep_idx) << 48))

/* A statistic of the partition or of a VP by name; ~0 when there is none of that name. */
uint64_t hvmock_pstat(struct hv_partition *part, const char *name);
uint64_t hvmock_vstat(struct hv_vp *vp, const char *name);

/* The VP indexes of a set, as a bitmask of the first 128 (for compact assertions). */
uint64_t hvmock_set_lo(const struct hv_vpset *s);
uint64_t hvmock_set_hi(const struct hv_vpset *s);

#endif
