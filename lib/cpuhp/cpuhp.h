/* SPDX-License-Identifier: MIT */
/*
 * cpuhp: an ordered CPU hotplug state machine.
 *
 * Per-CPU state is set up by ordered, named *steps*; each step has a startup and a teardown
 * callback. A CPU comes up by running the startups of the registered steps in position order
 * and goes down by running the teardowns in the reverse order. The CPU's *state* is the
 * position of the last step it has passed: CPUHP_OFFLINE (0) when none, CPUHP_ONLINE when all.
 *
 * This is the shape of Linux's kernel/cpu.c, written for two users: the VMM (vCPU bring-up,
 * under a mutex) and the freestanding guest runtime (guest CPU online/offline, under a
 * spinlock). Hence the rules of this module:
 *   - freestanding: only <stdint.h>, <stdbool.h>, <stddef.h>; no libc, no allocation;
 *   - no globals: all state is in a caller-allocated struct cpuhp_machine plus a
 *     caller-provided array of struct cpuhp_cpu (one per CPU, any count);
 *   - no locking: the caller serializes every call on one machine (queries included when a
 *     mutation may run concurrently). Calling a mutating function from inside a callback or
 *     from the report hook is refused with CPUHP_EDEADLK: with a real lock it would deadlock.
 *
 * Sections. The user of the machine declares, at init, contiguous position ranges called
 * sections; a step can only live inside one. A section is either may-fail or no-fail
 * (CPUHP_SECTION_NOFAIL), and that decides what a non-zero callback return means in every
 * walk (bring-up, tear-down, registration with CPUHP_INVOKE, removal with CPUHP_INVOKE):
 *   - may-fail: the callback refused. The operation is undone (completed startups are torn
 *     down in reverse; completed teardowns are started up again in reverse) so the machine is
 *     exactly as before the call, and the error is returned with where it happened.
 *   - no-fail: the callback is buggy (it runs where nothing can be undone, like Linux's
 *     STARTING section on a CPU with interrupts off). Nothing is undone: the violation is
 *     counted, reported to the optional hook, and the walk goes on.
 * A callback that fails while an operation is being undone cannot be undone in turn: that is
 * counted and reported as a CPUHP_VIOLATION_RECOVERY, and the undo goes on.
 *
 * Two-part operations. The guest brings a CPU up in two halves: the boot CPU runs the steps
 * up to "bringup" (cpuhp_up_to(cpu, BRINGUP)), the new CPU runs the rest on itself
 * (cpuhp_up_to(cpu, CPUHP_ONLINE)). Each call is all-or-nothing on its own. If the second
 * half fails, it has already undone its own steps and the CPU is back at BRINGUP; the caller
 * then calls cpuhp_rollback_to(cpu, <state before the first half>) to undo the first half
 * too. Going down is symmetric: if a later half fails, cpuhp_rollback_to(cpu, <state before
 * the first half>) runs the startups of the first half again. Which CPU runs a callback is
 * the caller's business: the machine only passes the CPU number.
 *
 * Ordering constraints and what they guarantee. cpuhp_require_before(m, "a", "b") (or the
 * before/after lists of a step) declares that step "a" must run before step "b". Constraints
 * are facts about names: they may name steps not registered yet, and they stay when a step is
 * removed. The machine keeps one invariant, checked whenever a constraint is declared or a
 * step is registered (the operation fails with CPUHP_EINVAL and changes nothing otherwise):
 *
 *     the graph whose edges are all declared constraints plus the position order of the
 *     registered steps has no cycle.
 *
 * Consequences:
 *   1. If "a" must run before "b", directly or through a chain of constraints (even through
 *      names not registered yet), and both are registered, then pos(a) < pos(b). So on every
 *      CPU, a's startup runs before b's, b's teardown runs before a's, and a CPU whose state
 *      is at or past b has passed a. A wrong fixed position fails loudly at registration
 *      instead of breaking only when a CPU is hotplugged later.
 *   2. The declared constraints never contradict each other, so a step still missing can
 *      always be ordered; it is not guaranteed a free position, though (registration then
 *      fails with CPUHP_EINVAL, or CPUHP_ENOSPC for a dynamic step when its range is full).
 *   3. A dynamic step gets the lowest free position of its range that keeps the invariant.
 * What they do not guarantee:
 *   - "has run". A step registered with CPUHP_NOCALLS while a CPU is already past its
 *     position never had its startup run on that CPU, yet the CPU's state says it has passed
 *     it, and the step's teardown will run when the CPU goes down. NOCALLS means the
 *     registrant has done (or does not need) that work on the CPUs already up.
 *   - a callback of a no-fail section that returned an error has still been passed.
 *   - anything across CPUs: constraints order the walk of one CPU.
 *
 * Errors are negative Linux errno values, defined here because the guest has no <errno.h>.
 */
#ifndef HVEMU_LIB_CPUHP_H
#define HVEMU_LIB_CPUHP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUHP_EIO	   (-5)	 /* a callback returned a positive value */
#define CPUHP_ENOENT	   (-2)	 /* no step of that name or at that position */
#define CPUHP_EBUSY	   (-16) /* the position already holds a step */
#define CPUHP_EEXIST	   (-17) /* a step of that name is already registered */
#define CPUHP_EINVAL	   (-22) /* bad argument, or an ordering constraint would be broken */
#define CPUHP_ENOSPC	   (-28) /* a fixed-size table, or the dynamic range, is full */
#define CPUHP_EDEADLK	   (-35) /* called from inside a callback or the report hook */
#define CPUHP_ENAMETOOLONG (-36) /* name longer than CPUHP_NAME_MAX - 1 */

/* Positions 1..CPUHP_MAX_STEPS can hold steps; CPU states range over 0..CPUHP_MAX_STEPS. */
#define CPUHP_MAX_STEPS	      64
#define CPUHP_OFFLINE	      0
#define CPUHP_ONLINE	      CPUHP_MAX_STEPS
#define CPUHP_MAX_SECTIONS    8
#define CPUHP_MAX_CONSTRAINTS 64
#define CPUHP_NAME_MAX	      32  /* including the terminating NUL */
#define CPUHP_MAX_NAMES	      128 /* step names plus the names constraints mention */

typedef int (*cpuhp_cb_t)(unsigned int cpu, void *ctx);

/* A contiguous range of positions [first, last] with one failure rule. */
#define CPUHP_SECTION_NOFAIL 0x1u
struct cpuhp_section {
	unsigned int first;
	unsigned int last;
	unsigned int flags; /* CPUHP_SECTION_* */
};

/* Whether registration or removal runs the step's callback on CPUs already past it. */
enum cpuhp_invoke {
	CPUHP_NOCALLS = 1, /* only (un)register */
	CPUHP_INVOKE = 2,  /* also run startup (teardown) on every CPU whose state >= the step */
};

struct cpuhp_step_desc {
	const char *name;    /* unique among registered steps; copied */
	cpuhp_cb_t startup;  /* may be NULL */
	cpuhp_cb_t teardown; /* may be NULL */
	void *ctx;	     /* passed to both callbacks */
	/* NULL-terminated lists of step names, or NULL: declared as constraints (they stay). */
	const char *const *after;  /* steps this one must run after */
	const char *const *before; /* steps this one must run before */
};

/* Where an operation failed; filled in when a call returns a callback's error. */
struct cpuhp_failure {
	unsigned int cpu;
	unsigned int pos;
	int err;
};

enum cpuhp_violation_kind {
	CPUHP_VIOLATION_NOFAIL = 1, /* a callback in a no-fail section returned an error */
	CPUHP_VIOLATION_RECOVERY,   /* a callback failed while an operation was being undone */
};

struct cpuhp_violation {
	enum cpuhp_violation_kind kind;
	unsigned int cpu;
	unsigned int pos;
	const char *name; /* the step's name, valid during the report */
	bool startup;	  /* true: the startup callback failed; false: the teardown */
	int err;
};

typedef void (*cpuhp_report_t)(void *ctx, const struct cpuhp_violation *v);

struct cpuhp_cpu {
	uint8_t state; /* private: read it with cpuhp_cpu_state() */
};

struct cpuhp_config {
	struct cpuhp_cpu *cpus; /* nr_cpus entries, owned by the caller, set up by cpuhp_init */
	unsigned int nr_cpus;
	const struct cpuhp_section *sections; /* copied */
	unsigned int nr_sections;
	cpuhp_report_t report; /* optional: told about every violation */
	void *report_ctx;
};

/* Everything below is private to cpuhp; it is here only so that callers can allocate it. */
struct cpuhp_step {
	cpuhp_cb_t startup;
	cpuhp_cb_t teardown;
	void *ctx;
	bool registered;
	uint8_t name; /* index into names[] */
};

struct cpuhp_constraint {
	uint8_t first; /* name index of the step that runs first */
	uint8_t then;  /* name index of the step that runs after it */
};

struct cpuhp_machine {
	struct cpuhp_cpu *cpus;
	unsigned int nr_cpus;
	struct cpuhp_section sections[CPUHP_MAX_SECTIONS];
	unsigned int nr_sections;
	struct cpuhp_step steps[CPUHP_MAX_STEPS + 1]; /* steps[0] unused: OFFLINE holds none */
	char names[CPUHP_MAX_NAMES][CPUHP_NAME_MAX];  /* "" marks a free slot */
	struct cpuhp_constraint constraints[CPUHP_MAX_CONSTRAINTS];
	unsigned int nr_constraints;
	unsigned long violations;
	cpuhp_report_t report;
	void *report_ctx;
	bool busy; /* inside a mutating call: refuses re-entry */
};

/*
 * Sets up an empty machine; every CPU starts at CPUHP_OFFLINE. Sections must lie in
 * 1..CPUHP_MAX_STEPS, not overlap, and carry only known flags. Returns 0 or CPUHP_EINVAL.
 */
int cpuhp_init(struct cpuhp_machine *m, const struct cpuhp_config *cfg);

/*
 * Registers a step at a fixed position, which must be free (CPUHP_EBUSY) and inside a
 * section (CPUHP_EINVAL). Its before/after lists are declared first; if the position breaks
 * a constraint, nothing changes and CPUHP_EINVAL is returned. With CPUHP_INVOKE, the startup
 * runs on every CPU whose state >= pos, in CPU order; in a may-fail section a failure tears
 * the step down on the CPUs already done (in reverse), undoes the registration and its new
 * constraints, fills *fail (may be NULL) and returns the error. Returns 0 or -errno.
 */
int cpuhp_setup_step(struct cpuhp_machine *m, unsigned int pos, const struct cpuhp_step_desc *d,
		     enum cpuhp_invoke how, struct cpuhp_failure *fail);

/*
 * Like cpuhp_setup_step, at the lowest free position in [first, last] that is inside a
 * section and keeps every constraint. Returns that position (> 0), CPUHP_ENOSPC if no
 * position of the range is free, CPUHP_EINVAL if free ones exist but none keeps the order
 * (or if no position of the range is inside a section at all).
 */
int cpuhp_setup_step_dyn(struct cpuhp_machine *m, unsigned int first, unsigned int last,
			 const struct cpuhp_step_desc *d, enum cpuhp_invoke how,
			 struct cpuhp_failure *fail);

/*
 * Unregisters the step at pos. With CPUHP_INVOKE its teardown runs first on every CPU whose
 * state >= pos, in CPU order; in a may-fail section a failure starts the step up again on the
 * CPUs already torn down (in reverse), keeps it registered, fills *fail and returns the error.
 * Constraints naming the step stay. Returns 0 or -errno.
 */
int cpuhp_remove_step(struct cpuhp_machine *m, unsigned int pos, enum cpuhp_invoke how,
		      struct cpuhp_failure *fail);

/*
 * Declares that step `first` must run before step `then` (either may be unregistered).
 * Returns 0 (also when already declared), CPUHP_EINVAL if it would break the invariant above
 * (a cycle, or registered steps in the other order), CPUHP_ENOSPC, CPUHP_ENAMETOOLONG.
 */
int cpuhp_require_before(struct cpuhp_machine *m, const char *first, const char *then);

/*
 * Brings `cpu` up from its state to `target` (>= state), running the startups in position
 * order and updating the state after each. If one fails in a may-fail section, the steps
 * completed by this call are torn down in reverse, the CPU is left at its starting state,
 * *fail (may be NULL) says where, and the error is returned. Returns 0 or -errno.
 */
int cpuhp_up_to(struct cpuhp_machine *m, unsigned int cpu, unsigned int target,
		struct cpuhp_failure *fail);

/*
 * Brings `cpu` down from its state to `target` (<= state), running the teardowns in reverse
 * position order. If one fails in a may-fail section, the steps torn down by this call are
 * started again (roll forward), the CPU is left at its starting state, and the error is
 * returned with *fail filled in. Returns 0 or -errno.
 */
int cpuhp_down_to(struct cpuhp_machine *m, unsigned int cpu, unsigned int target,
		  struct cpuhp_failure *fail);

/*
 * Undoes the earlier part of a multi-call operation: walks `cpu` from its state to `target`
 * in either direction (teardowns going down, startups going up), running every callback on
 * the way. Nothing stops it: a failing callback is a CPUHP_VIOLATION_RECOVERY. Returns 0 or
 * CPUHP_EINVAL/CPUHP_EDEADLK for a call that cannot be made.
 */
int cpuhp_rollback_to(struct cpuhp_machine *m, unsigned int cpu, unsigned int target);

/* The state of `cpu` (0..CPUHP_ONLINE), or CPUHP_EINVAL. */
int cpuhp_cpu_state(const struct cpuhp_machine *m, unsigned int cpu);
/* Whether `cpu` has passed every position (false for a bad cpu). */
bool cpuhp_cpu_fully_up(const struct cpuhp_machine *m, unsigned int cpu);
/* The name of the step at pos, or NULL when none is registered there. */
const char *cpuhp_step_name(const struct cpuhp_machine *m, unsigned int pos);
/* The position of the registered step called `name`, or CPUHP_ENOENT. */
int cpuhp_find_step(const struct cpuhp_machine *m, const char *name);
/* How many callbacks broke the rules (no-fail failures and failures while undoing). */
unsigned long cpuhp_violations(const struct cpuhp_machine *m);

#endif
