/* SPDX-License-Identifier: MIT */
/*
 * Placement: from what is known about the host CPUs (online, checked, their profiles)
 * and what one VM needs (its requirement and --host-cpus mask), the state of every host
 * CPU for that VM and the set its vCPU threads may run on. Pure functions over cpu_set_t,
 * unit-tested in tests/unit/test_host_place.c; the locking is the caller's.
 */
#ifndef HVEMU_HOST_PLACE_H
#define HVEMU_HOST_PLACE_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/compat.h"
#include "host/host.h"

struct host_place_input {
	const cpu_set_t *online;	     /* the truth: /sys/devices/system/cpu/online */
	const cpu_set_t *checked;	     /* online CPUs whose profile is current */
	const struct host_cpu_profile *prof; /* indexed by CPU, read where checked */
	const struct host_req *req;
	const cpu_set_t *mask; /* --host-cpus, NULL for all */
	int nr_cpus;	       /* CPUs 0..nr_cpus-1 are evaluated (<= CPU_SETSIZE) */
};

/*
 * The state of one CPU for a VM. Precedence: offline, then excluded by the mask, then
 * checking (online, no current profile), then admitted or rejected by the comparison.
 * reason (may be NULL) receives the rejection reason.
 */
enum host_cpu_state host_place_cpu_state(const struct host_place_input *in, int cpu, char *reason,
					 size_t len);

/*
 * Evaluates every CPU: state[cpu] (nr_cpus entries, may be NULL), the admitted set, and
 * the allowed set = admitted (the mask is already applied). When that is empty, allowed
 * is every online CPU and the function returns true (the fallback: a VM keeps running,
 * loudly, rather than having nowhere to run).
 */
bool host_place_vm(const struct host_place_input *in, uint8_t *state, cpu_set_t *admitted,
		   cpu_set_t *allowed);

/* Splits an online-set change into the CPUs that went offline and those that came online. */
void host_place_online_diff(const cpu_set_t *old_online, const cpu_set_t *new_online,
			    cpu_set_t *went_offline, cpu_set_t *came_online);

/* True when a thread with affinity cur must be re-placed to allowed. */
bool host_place_needs_move(const cpu_set_t *cur, const cpu_set_t *allowed);

#endif
