// SPDX-License-Identifier: MIT
/*
 * Step names and "must run before" constraints.
 *
 * Constraints may name steps that are not registered yet, so they refer to names, not to
 * positions. Every name the machine knows lives once in m->names[]; steps and constraints
 * hold its index, which turns the order check into a graph on small integers.
 *
 * The check (cpuhp_order_ok) is the invariant documented in cpuhp.h: the constraints plus
 * the position order of the registered steps form no cycle. It is a topological sort
 * (Kahn's algorithm) with fixed-size arrays and no recursion, because it also runs on the
 * guest's small stacks. Registration is rare, so it is rerun from scratch each time.
 */
#include "cpuhp_internal.h"

int cpuhp_name_check(const char *name)
{
	int len = 0;

	if (!name || !name[0])
		return CPUHP_EINVAL;
	while (name[len]) {
		if (++len >= CPUHP_NAME_MAX)
			return CPUHP_ENAMETOOLONG;
	}
	return len;
}

/* Both names have passed cpuhp_name_check or come from the table. */
static bool name_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool slot_free(const struct cpuhp_machine *m, unsigned int idx)
{
	return m->names[idx][0] == '\0';
}

void cpuhp_names_init(struct cpuhp_machine *m)
{
	unsigned int i;

	for (i = 0; i < CPUHP_MAX_NAMES; i++)
		m->names[i][0] = '\0';
}

static bool name_referenced(const struct cpuhp_machine *m, unsigned int idx)
{
	unsigned int i;

	for (i = 1; i <= CPUHP_MAX_STEPS; i++)
		if (m->steps[i].registered && m->steps[i].name == idx)
			return true;
	for (i = 0; i < m->nr_constraints; i++)
		if (m->constraints[i].first == idx || m->constraints[i].then == idx)
			return true;
	return false;
}

void cpuhp_names_collect(struct cpuhp_machine *m)
{
	unsigned int i;

	for (i = 0; i < CPUHP_MAX_NAMES; i++)
		if (!slot_free(m, i) && !name_referenced(m, i))
			m->names[i][0] = '\0';
}

int cpuhp_name_lookup(const struct cpuhp_machine *m, const char *name)
{
	unsigned int i;

	for (i = 0; i < CPUHP_MAX_NAMES; i++)
		if (!slot_free(m, i) && name_eq(m->names[i], name))
			return (int)i;
	return CPUHP_ENOENT;
}

int cpuhp_name_intern(struct cpuhp_machine *m, const char *name)
{
	int len = cpuhp_name_check(name);
	unsigned int i;
	int idx;

	if (len < 0)
		return len;
	idx = cpuhp_name_lookup(m, name);
	if (idx >= 0)
		return idx;
	for (i = 0; i < CPUHP_MAX_NAMES; i++) {
		if (slot_free(m, i)) {
			int j;

			for (j = 0; j <= len; j++)
				m->names[i][j] = name[j];
			return (int)i;
		}
	}
	return CPUHP_ENOSPC;
}

int cpuhp_constraint_add(struct cpuhp_machine *m, const char *first, const char *then)
{
	struct cpuhp_constraint *c;
	unsigned int i;
	int a, b;

	a = cpuhp_name_intern(m, first);
	if (a < 0)
		return a;
	b = cpuhp_name_intern(m, then);
	if (b < 0)
		return b;
	for (i = 0; i < m->nr_constraints; i++)
		if (m->constraints[i].first == a && m->constraints[i].then == b)
			return 0;
	if (m->nr_constraints == CPUHP_MAX_CONSTRAINTS)
		return CPUHP_ENOSPC;
	c = &m->constraints[m->nr_constraints++];
	c->first = (uint8_t)a;
	c->then = (uint8_t)b;
	return 0;
}

bool cpuhp_order_ok(const struct cpuhp_machine *m)
{
	/* next[n]: the name of the registered step right after step n by position. */
	uint8_t next[CPUHP_MAX_NAMES], indeg[CPUHP_MAX_NAMES], ready[CPUHP_MAX_NAMES];
	unsigned int i, nr_ready = 0, nr_sorted = 0;
	uint8_t prev = CPUHP_NO_NAME;

	for (i = 0; i < CPUHP_MAX_NAMES; i++) {
		next[i] = CPUHP_NO_NAME;
		indeg[i] = 0;
	}
	for (i = 1; i <= CPUHP_MAX_STEPS; i++) {
		if (!m->steps[i].registered)
			continue;
		if (prev != CPUHP_NO_NAME) {
			next[prev] = m->steps[i].name;
			indeg[m->steps[i].name]++;
		}
		prev = m->steps[i].name;
	}
	for (i = 0; i < m->nr_constraints; i++)
		indeg[m->constraints[i].then]++;

	for (i = 0; i < CPUHP_MAX_NAMES; i++)
		if (indeg[i] == 0)
			ready[nr_ready++] = (uint8_t)i;
	/* Each name enters ready[] once, when its last incoming edge is removed. */
	while (nr_ready > 0) {
		uint8_t n = ready[--nr_ready];

		nr_sorted++;
		if (next[n] != CPUHP_NO_NAME && --indeg[next[n]] == 0)
			ready[nr_ready++] = next[n];
		for (i = 0; i < m->nr_constraints; i++) {
			uint8_t t = m->constraints[i].then;

			if (m->constraints[i].first == n && --indeg[t] == 0)
				ready[nr_ready++] = t;
		}
	}
	/* Names left unsorted are on a cycle or behind one. */
	return nr_sorted == CPUHP_MAX_NAMES;
}
