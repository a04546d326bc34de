// SPDX-License-Identifier: MIT
/*
 * Registering and removing steps, and declaring constraints.
 *
 * Every call here is all-or-nothing: it changes the step table, the constraint table and
 * the CPUs only if it returns success (names interned on the way are garbage, collected by
 * the next call). Registration places the step first, then checks the order, then runs the
 * startups; each stage undoes the ones before it when it fails.
 */
#include "cpuhp_internal.h"

static bool invoke_valid(enum cpuhp_invoke how)
{
	return how == CPUHP_NOCALLS || how == CPUHP_INVOKE;
}

static bool pos_valid(unsigned int pos)
{
	return pos >= 1 && pos <= CPUHP_MAX_STEPS;
}

/* Declares the before/after lists of d as constraints on the step named d->name. */
static int declare_desc_constraints(struct cpuhp_machine *m, const struct cpuhp_step_desc *d)
{
	const char *const *p;
	int err;

	for (p = d->after; p && *p; p++) {
		err = cpuhp_constraint_add(m, *p, d->name);
		if (err)
			return err;
	}
	for (p = d->before; p && *p; p++) {
		err = cpuhp_constraint_add(m, d->name, *p);
		if (err)
			return err;
	}
	return 0;
}

static void occupy(struct cpuhp_machine *m, unsigned int pos, const struct cpuhp_step_desc *d,
		   uint8_t name)
{
	struct cpuhp_step *s = &m->steps[pos];

	s->startup = d->startup;
	s->teardown = d->teardown;
	s->ctx = d->ctx;
	s->name = name;
	s->registered = true;
}

static void vacate(struct cpuhp_machine *m, unsigned int pos)
{
	struct cpuhp_step *s = &m->steps[pos];

	s->startup = NULL;
	s->teardown = NULL;
	s->ctx = NULL;
	s->name = CPUHP_NO_NAME;
	s->registered = false;
}

/*
 * Puts the step at the lowest free position of [first, last] (inside a section) that keeps
 * the order. Returns the position, CPUHP_ENOSPC if none is free, CPUHP_EINVAL if none keeps
 * the order.
 */
static int place(struct cpuhp_machine *m, unsigned int first, unsigned int last,
		 const struct cpuhp_step_desc *d, uint8_t name)
{
	bool any_free = false;
	unsigned int pos;

	for (pos = first; pos <= last; pos++) {
		if (m->steps[pos].registered || !cpuhp_in_section(m, pos))
			continue;
		any_free = true;
		occupy(m, pos, d, name);
		if (cpuhp_order_ok(m))
			return (int)pos;
		vacate(m, pos);
	}
	return any_free ? CPUHP_EINVAL : CPUHP_ENOSPC;
}

/*
 * Runs the step's startup (or teardown) on every CPU that has passed pos, in CPU order.
 * If one refuses, the other callback undoes it on the CPUs already done, in reverse.
 */
static int invoke_on_cpus(struct cpuhp_machine *m, unsigned int pos, bool startup,
			  struct cpuhp_failure *fail)
{
	unsigned int cpu;
	int err;

	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		if (m->cpus[cpu].state < pos)
			continue;
		err = cpuhp_run_undoable(m, pos, cpu, startup);
		if (err) {
			cpuhp_set_failure(fail, cpu, pos, err);
			while (cpu-- > 0)
				if (m->cpus[cpu].state >= pos)
					cpuhp_run_recovery(m, pos, cpu, !startup);
			return err;
		}
	}
	return 0;
}

static int check_desc(const struct cpuhp_machine *m, const struct cpuhp_step_desc *d,
		      enum cpuhp_invoke how)
{
	int len;

	if (!m || !d || !invoke_valid(how))
		return CPUHP_EINVAL;
	len = cpuhp_name_check(d->name);
	if (len < 0)
		return len;
	if (m->busy)
		return CPUHP_EDEADLK;
	if (cpuhp_find_step(m, d->name) >= 0)
		return CPUHP_EEXIST;
	return 0;
}

static int setup(struct cpuhp_machine *m, unsigned int first, unsigned int last,
		 const struct cpuhp_step_desc *d, enum cpuhp_invoke how, struct cpuhp_failure *fail)
{
	unsigned int saved_constraints = m->nr_constraints;
	int name, pos, err;

	m->busy = true;
	cpuhp_names_collect(m);
	name = cpuhp_name_intern(m, d->name);
	if (name < 0) {
		err = name;
		goto out_constraints;
	}
	err = declare_desc_constraints(m, d);
	if (err)
		goto out_constraints;
	pos = place(m, first, last, d, (uint8_t)name);
	if (pos < 0) {
		err = pos;
		goto out_constraints;
	}
	if (how == CPUHP_INVOKE) {
		err = invoke_on_cpus(m, (unsigned int)pos, true, fail);
		if (err)
			goto out_vacate;
	}
	m->busy = false;
	return pos;

out_vacate:
	vacate(m, (unsigned int)pos);
out_constraints:
	/* New constraints were appended; the ones declared before stay as they were. */
	m->nr_constraints = saved_constraints;
	m->busy = false;
	return err;
}

int cpuhp_setup_step(struct cpuhp_machine *m, unsigned int pos, const struct cpuhp_step_desc *d,
		     enum cpuhp_invoke how, struct cpuhp_failure *fail)
{
	int err = check_desc(m, d, how);

	if (err)
		return err;
	if (!pos_valid(pos) || !cpuhp_in_section(m, pos))
		return CPUHP_EINVAL;
	if (m->steps[pos].registered)
		return CPUHP_EBUSY;
	err = setup(m, pos, pos, d, how, fail);
	return err < 0 ? err : 0;
}

int cpuhp_setup_step_dyn(struct cpuhp_machine *m, unsigned int first, unsigned int last,
			 const struct cpuhp_step_desc *d, enum cpuhp_invoke how,
			 struct cpuhp_failure *fail)
{
	unsigned int pos;
	int err = check_desc(m, d, how);

	if (err)
		return err;
	if (!pos_valid(first) || !pos_valid(last) || first > last)
		return CPUHP_EINVAL;
	/* A range with no section in it is a mistake of the caller, not a full range. */
	for (pos = first; pos <= last; pos++)
		if (cpuhp_in_section(m, pos))
			break;
	if (pos > last)
		return CPUHP_EINVAL;
	return setup(m, first, last, d, how, fail);
}

int cpuhp_remove_step(struct cpuhp_machine *m, unsigned int pos, enum cpuhp_invoke how,
		      struct cpuhp_failure *fail)
{
	int err = 0;

	if (!m || !pos_valid(pos) || !invoke_valid(how))
		return CPUHP_EINVAL;
	if (m->busy)
		return CPUHP_EDEADLK;
	if (!m->steps[pos].registered)
		return CPUHP_ENOENT;
	m->busy = true;
	if (how == CPUHP_INVOKE)
		err = invoke_on_cpus(m, pos, false, fail);
	if (!err)
		vacate(m, pos);
	m->busy = false;
	return err;
}

int cpuhp_require_before(struct cpuhp_machine *m, const char *first, const char *then)
{
	unsigned int saved_constraints;
	int err;

	if (!m)
		return CPUHP_EINVAL;
	if (m->busy)
		return CPUHP_EDEADLK;
	m->busy = true;
	cpuhp_names_collect(m);
	saved_constraints = m->nr_constraints;
	err = cpuhp_constraint_add(m, first, then);
	if (!err && !cpuhp_order_ok(m)) {
		m->nr_constraints = saved_constraints;
		err = CPUHP_EINVAL;
	}
	m->busy = false;
	return err;
}
