/* SPDX-License-Identifier: MIT */
/*
 * Private to lib/cpuhp: what cpuhp.c (init, walks, queries), cpuhp_steps.c (registration)
 * and cpuhp_order.c (names and ordering constraints) share. Freestanding like cpuhp.h.
 */
#ifndef HVEMU_LIB_CPUHP_INTERNAL_H
#define HVEMU_LIB_CPUHP_INTERNAL_H

#include "cpuhp.h"

_Static_assert(CPUHP_ONLINE <= UINT8_MAX, "struct cpuhp_cpu stores the state in a uint8_t");
_Static_assert(CPUHP_MAX_NAMES < UINT8_MAX, "name indexes are uint8_t, UINT8_MAX is 'none'");

#define CPUHP_NO_NAME UINT8_MAX

/* --- cpuhp.c ----------------------------------------------------------------------------- */

/* Whether a step may live at pos: inside one of the declared sections. */
bool cpuhp_in_section(const struct cpuhp_machine *m, unsigned int pos);

/*
 * Runs one callback of the step at pos on cpu, in a walk that can be undone: returns the
 * callback's error in a may-fail section; in a no-fail section counts and reports the
 * failure as a CPUHP_VIOLATION_NOFAIL and returns 0. An absent callback succeeds.
 */
int cpuhp_run_undoable(struct cpuhp_machine *m, unsigned int pos, unsigned int cpu, bool startup);

/* Runs one callback while undoing an operation: a failure is a CPUHP_VIOLATION_RECOVERY. */
void cpuhp_run_recovery(struct cpuhp_machine *m, unsigned int pos, unsigned int cpu, bool startup);

void cpuhp_set_failure(struct cpuhp_failure *fail, unsigned int cpu, unsigned int pos, int err);

/* --- cpuhp_order.c ----------------------------------------------------------------------- */

void cpuhp_names_init(struct cpuhp_machine *m);

/* Frees the name slots that no registered step and no constraint refers to. */
void cpuhp_names_collect(struct cpuhp_machine *m);

/* Length of a valid name, or CPUHP_EINVAL (NULL or "") / CPUHP_ENAMETOOLONG. */
int cpuhp_name_check(const char *name);

/* The slot holding `name`, or CPUHP_ENOENT. */
int cpuhp_name_lookup(const struct cpuhp_machine *m, const char *name);

/* The slot holding `name`, taking a free one if needed; or CPUHP_ENOSPC and the like. */
int cpuhp_name_intern(struct cpuhp_machine *m, const char *name);

/*
 * Appends the constraint "first runs before then" unless already declared. Does not check
 * the order (not even first == then, a cycle like any other): the caller runs
 * cpuhp_order_ok and drops what it added by restoring m->nr_constraints if that fails.
 * Returns 0 or -errno.
 */
int cpuhp_constraint_add(struct cpuhp_machine *m, const char *first, const char *then);

/* The invariant of cpuhp.h: constraints plus registered positions form no cycle. */
bool cpuhp_order_ok(const struct cpuhp_machine *m);

#endif
