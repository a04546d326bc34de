// SPDX-License-Identifier: MIT
/*
 * The machine itself: set-up, running callbacks, walking one CPU up and down, and queries.
 * Registration is in cpuhp_steps.c, names and ordering constraints in cpuhp_order.c.
 *
 * A walk moves a CPU's state one position at a time and updates the state right after each
 * callback, so the state is always "the last position passed". Undoing a walk is another
 * walk back to where the call started, run with cpuhp_run_recovery so it cannot stop half
 * way: that is what keeps "a failed call leaves the CPU where it was" true.
 */
#include "cpuhp_internal.h"

static bool section_valid(const struct cpuhp_section *s)
{
	return s->first >= 1 && s->first <= s->last && s->last <= CPUHP_MAX_STEPS &&
	       (s->flags & ~CPUHP_SECTION_NOFAIL) == 0;
}

static bool sections_overlap(const struct cpuhp_section *a, const struct cpuhp_section *b)
{
	return a->first <= b->last && b->first <= a->last;
}

static int check_config(const struct cpuhp_config *cfg)
{
	unsigned int i, j;

	if (!cfg->cpus || cfg->nr_cpus == 0 || !cfg->sections || cfg->nr_sections == 0 ||
	    cfg->nr_sections > CPUHP_MAX_SECTIONS)
		return CPUHP_EINVAL;
	for (i = 0; i < cfg->nr_sections; i++) {
		if (!section_valid(&cfg->sections[i]))
			return CPUHP_EINVAL;
		for (j = 0; j < i; j++)
			if (sections_overlap(&cfg->sections[i], &cfg->sections[j]))
				return CPUHP_EINVAL;
	}
	return 0;
}

int cpuhp_init(struct cpuhp_machine *m, const struct cpuhp_config *cfg)
{
	unsigned int i;
	int err;

	if (!m || !cfg)
		return CPUHP_EINVAL;
	err = check_config(cfg);
	if (err)
		return err;

	m->cpus = cfg->cpus;
	m->nr_cpus = cfg->nr_cpus;
	for (i = 0; i < m->nr_cpus; i++)
		m->cpus[i].state = CPUHP_OFFLINE;
	m->nr_sections = cfg->nr_sections;
	for (i = 0; i < cfg->nr_sections; i++)
		m->sections[i] = cfg->sections[i];
	for (i = 0; i <= CPUHP_MAX_STEPS; i++) {
		m->steps[i].startup = NULL;
		m->steps[i].teardown = NULL;
		m->steps[i].ctx = NULL;
		m->steps[i].registered = false;
		m->steps[i].name = CPUHP_NO_NAME;
	}
	cpuhp_names_init(m);
	m->nr_constraints = 0;
	m->violations = 0;
	m->report = cfg->report;
	m->report_ctx = cfg->report_ctx;
	m->busy = false;
	return 0;
}

static const struct cpuhp_section *section_of(const struct cpuhp_machine *m, unsigned int pos)
{
	unsigned int i;

	for (i = 0; i < m->nr_sections; i++)
		if (pos >= m->sections[i].first && pos <= m->sections[i].last)
			return &m->sections[i];
	return NULL;
}

bool cpuhp_in_section(const struct cpuhp_machine *m, unsigned int pos)
{
	return section_of(m, pos) != NULL;
}

static bool section_nofail(const struct cpuhp_machine *m, unsigned int pos)
{
	const struct cpuhp_section *s = section_of(m, pos);

	return s && (s->flags & CPUHP_SECTION_NOFAIL);
}

static void violation(struct cpuhp_machine *m, enum cpuhp_violation_kind kind, unsigned int pos,
		      unsigned int cpu, bool startup, int err)
{
	struct cpuhp_violation v = {
		.kind = kind,
		.cpu = cpu,
		.pos = pos,
		.name = m->names[m->steps[pos].name],
		.startup = startup,
		.err = err,
	};

	m->violations++;
	if (m->report)
		m->report(m->report_ctx, &v);
}

/* The raw call; callers only pass positions that hold a registered step. */
static int run(struct cpuhp_machine *m, unsigned int pos, unsigned int cpu, bool startup)
{
	const struct cpuhp_step *s = &m->steps[pos];
	cpuhp_cb_t cb = startup ? s->startup : s->teardown;
	int err;

	if (!cb)
		return 0;
	err = cb(cpu, s->ctx);
	/* Errors are negative; a positive return must not pass for a position or success. */
	return err > 0 ? CPUHP_EIO : err;
}

int cpuhp_run_undoable(struct cpuhp_machine *m, unsigned int pos, unsigned int cpu, bool startup)
{
	int err = run(m, pos, cpu, startup);

	if (err && section_nofail(m, pos)) {
		violation(m, CPUHP_VIOLATION_NOFAIL, pos, cpu, startup, err);
		return 0;
	}
	return err;
}

void cpuhp_run_recovery(struct cpuhp_machine *m, unsigned int pos, unsigned int cpu, bool startup)
{
	int err = run(m, pos, cpu, startup);

	if (err)
		violation(m, CPUHP_VIOLATION_RECOVERY, pos, cpu, startup, err);
}

void cpuhp_set_failure(struct cpuhp_failure *fail, unsigned int cpu, unsigned int pos, int err)
{
	if (!fail)
		return;
	fail->cpu = cpu;
	fail->pos = pos;
	fail->err = err;
}

/* Moves cpu to target running every callback on the way; nothing stops it. */
static void walk_recovery(struct cpuhp_machine *m, unsigned int cpu, unsigned int target)
{
	struct cpuhp_cpu *c = &m->cpus[cpu];

	while (c->state > target) {
		if (m->steps[c->state].registered)
			cpuhp_run_recovery(m, c->state, cpu, false);
		c->state--;
	}
	while (c->state < target) {
		if (m->steps[c->state + 1].registered)
			cpuhp_run_recovery(m, c->state + 1, cpu, true);
		c->state++;
	}
}

/*
 * Moves cpu to target one position at a time. On a refused callback, walks back to where
 * it started and returns the error. Going up, position p is passed once its startup has run;
 * going down, once its teardown has run, so a failed teardown leaves the state at p.
 */
static int walk(struct cpuhp_machine *m, unsigned int cpu, unsigned int target,
		struct cpuhp_failure *fail)
{
	struct cpuhp_cpu *c = &m->cpus[cpu];
	unsigned int start = c->state;
	bool up = target > start;

	while (c->state != target) {
		unsigned int pos = up ? c->state + 1u : c->state;
		int err = 0;

		if (m->steps[pos].registered)
			err = cpuhp_run_undoable(m, pos, cpu, up);
		if (err) {
			cpuhp_set_failure(fail, cpu, pos, err);
			walk_recovery(m, cpu, start);
			return err;
		}
		c->state = up ? pos : pos - 1u;
	}
	return 0;
}

static int check_cpu_call(const struct cpuhp_machine *m, unsigned int cpu, unsigned int target)
{
	if (!m || cpu >= m->nr_cpus || target > CPUHP_ONLINE)
		return CPUHP_EINVAL;
	if (m->busy)
		return CPUHP_EDEADLK;
	return 0;
}

int cpuhp_up_to(struct cpuhp_machine *m, unsigned int cpu, unsigned int target,
		struct cpuhp_failure *fail)
{
	int err = check_cpu_call(m, cpu, target);

	if (err)
		return err;
	if (target < m->cpus[cpu].state)
		return CPUHP_EINVAL;
	m->busy = true;
	err = walk(m, cpu, target, fail);
	m->busy = false;
	return err;
}

int cpuhp_down_to(struct cpuhp_machine *m, unsigned int cpu, unsigned int target,
		  struct cpuhp_failure *fail)
{
	int err = check_cpu_call(m, cpu, target);

	if (err)
		return err;
	if (target > m->cpus[cpu].state)
		return CPUHP_EINVAL;
	m->busy = true;
	err = walk(m, cpu, target, fail);
	m->busy = false;
	return err;
}

int cpuhp_rollback_to(struct cpuhp_machine *m, unsigned int cpu, unsigned int target)
{
	int err = check_cpu_call(m, cpu, target);

	if (err)
		return err;
	m->busy = true;
	walk_recovery(m, cpu, target);
	m->busy = false;
	return 0;
}

int cpuhp_cpu_state(const struct cpuhp_machine *m, unsigned int cpu)
{
	if (!m || cpu >= m->nr_cpus)
		return CPUHP_EINVAL;
	return m->cpus[cpu].state;
}

bool cpuhp_cpu_fully_up(const struct cpuhp_machine *m, unsigned int cpu)
{
	return cpuhp_cpu_state(m, cpu) == CPUHP_ONLINE;
}

const char *cpuhp_step_name(const struct cpuhp_machine *m, unsigned int pos)
{
	if (!m || pos < 1 || pos > CPUHP_MAX_STEPS || !m->steps[pos].registered)
		return NULL;
	return m->names[m->steps[pos].name];
}

int cpuhp_find_step(const struct cpuhp_machine *m, const char *name)
{
	unsigned int pos;
	int idx;

	if (!m || cpuhp_name_check(name) < 0)
		return CPUHP_ENOENT;
	idx = cpuhp_name_lookup(m, name);
	if (idx < 0)
		return CPUHP_ENOENT;
	for (pos = 1; pos <= CPUHP_MAX_STEPS; pos++)
		if (m->steps[pos].registered && m->steps[pos].name == idx)
			return (int)pos;
	return CPUHP_ENOENT;
}

unsigned long cpuhp_violations(const struct cpuhp_machine *m)
{
	return m ? m->violations : 0;
}
