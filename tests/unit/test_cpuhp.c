// SPDX-License-Identifier: MIT
/*
 * Unit tests of lib/cpuhp, the CPU hotplug state machine.
 *
 * Every callback appends "<cpu>:<+|-><id>" to a trace (+ startup, - teardown), so a test
 * states the exact sequence of calls it expects: that checks the order and that nothing else
 * ran. Failures are injected per step id, direction and CPU.
 */
#include "harness.h"
#include "cpuhp/cpuhp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

_Static_assert(CPUHP_EINVAL == -EINVAL, "cpuhp errno values match Linux");
_Static_assert(CPUHP_ENOENT == -ENOENT, "cpuhp errno values match Linux");
_Static_assert(CPUHP_EBUSY == -EBUSY, "cpuhp errno values match Linux");
_Static_assert(CPUHP_EEXIST == -EEXIST, "cpuhp errno values match Linux");
_Static_assert(CPUHP_ENOSPC == -ENOSPC, "cpuhp errno values match Linux");
_Static_assert(CPUHP_EDEADLK == -EDEADLK, "cpuhp errno values match Linux");
_Static_assert(CPUHP_ENAMETOOLONG == -ENAMETOOLONG, "cpuhp errno values match Linux");
_Static_assert(CPUHP_EIO == -EIO, "cpuhp errno values match Linux");

/* The test layout: like the guest, a no-fail STARTING section between two may-fail ones. */
#define PREPARE_FIRST  1
#define PREPARE_LAST   20
#define STARTING_FIRST 21
#define STARTING_LAST  30
#define ONLINE_FIRST   31
#define ONLINE_LAST    60 /* 61..64 belong to no section */
#define BRINGUP	       PREPARE_LAST

static const struct cpuhp_section sections[] = {
	{ PREPARE_FIRST, PREPARE_LAST, 0 },
	{ STARTING_FIRST, STARTING_LAST, CPUHP_SECTION_NOFAIL },
	{ ONLINE_FIRST, ONLINE_LAST, 0 },
};

#define MAX_CPUS 1024

static struct cpuhp_machine machine;
static struct cpuhp_cpu cpus[MAX_CPUS];

/* --- the trace ------------------------------------------------------------------------- */

static char trace[1 << 16];
static size_t trace_len;
static bool trace_on = true;
/* Calls per CPU and step id, for the tests with too many CPUs to trace. */
static unsigned calls_up[MAX_CPUS][CPUHP_MAX_STEPS + 1];
static unsigned calls_down[MAX_CPUS][CPUHP_MAX_STEPS + 1];

static void trace_reset(void)
{
	trace[0] = '\0';
	trace_len = 0;
}

static void append(char *buf, size_t size, size_t *len, unsigned cpu, int id, bool up)
{
	int n = snprintf(buf + *len, size - *len, "%s%u:%c%d", *len ? " " : "", cpu, up ? '+' : '-',
			 id);

	if (n > 0 && (size_t)n < size - *len)
		*len += (size_t)n;
}

/* An expected trace, built by the test. */
struct expect {
	char buf[4096];
	size_t len;
};

static void expect_reset(struct expect *e)
{
	e->buf[0] = '\0';
	e->len = 0;
}

static void expect_add(struct expect *e, unsigned cpu, int id, bool up)
{
	append(e->buf, sizeof(e->buf), &e->len, cpu, id, up);
}

/* --- failure injection ----------------------------------------------------------------- */

struct injection {
	int id;	 /* step id; 0: unused slot */
	bool up; /* which callback */
	int cpu; /* -1: any */
	int err;
	int times; /* how many calls fail; -1: all */
};

static struct injection inj[4];

static void inject(int id, bool up, int cpu, int err, int times)
{
	unsigned i;

	for (i = 0; i < sizeof(inj) / sizeof(inj[0]); i++) {
		if (inj[i].id == 0) {
			inj[i] = (struct injection){ id, up, cpu, err, times };
			return;
		}
	}
}

static int injected(int id, bool up, unsigned cpu)
{
	unsigned i;

	for (i = 0; i < sizeof(inj) / sizeof(inj[0]); i++) {
		struct injection *j = &inj[i];

		if (j->id == id && j->up == up && (j->cpu < 0 || (unsigned)j->cpu == cpu) &&
		    j->times != 0) {
			if (j->times > 0)
				j->times--;
			return j->err;
		}
	}
	return 0;
}

/* --- steps ------------------------------------------------------------------------------ */

struct tstep {
	int id;
	char name[CPUHP_NAME_MAX];
};

static struct tstep tsteps[CPUHP_MAX_STEPS + 1];

static void record(unsigned cpu, void *ctx, bool up)
{
	const struct tstep *s = ctx;

	if (up)
		calls_up[cpu][s->id]++;
	else
		calls_down[cpu][s->id]++;
	if (trace_on)
		append(trace, sizeof(trace), &trace_len, cpu, s->id, up);
}

static int step_up(unsigned cpu, void *ctx)
{
	record(cpu, ctx, true);
	return injected(((struct tstep *)ctx)->id, true, cpu);
}

static int step_down(unsigned cpu, void *ctx)
{
	record(cpu, ctx, false);
	return injected(((struct tstep *)ctx)->id, false, cpu);
}

static struct cpuhp_violation reports[16];
static unsigned nr_reports;

static bool report_reenters;
static int report_reentry_result;

static void report(void *ctx, const struct cpuhp_violation *v)
{
	CHECK(ctx == &machine);
	if (report_reenters)
		report_reentry_result = cpuhp_up_to(&machine, 1, 40, NULL);
	if (nr_reports < sizeof(reports) / sizeof(reports[0]))
		reports[nr_reports] = *v;
	nr_reports++;
}

static void setup_machine(unsigned nr_cpus)
{
	struct cpuhp_config cfg = {
		.cpus = cpus,
		.nr_cpus = nr_cpus,
		.sections = sections,
		.nr_sections = 3,
		.report = report,
		.report_ctx = &machine,
	};

	memset(&machine, 0xa5, sizeof(machine)); /* init must not rely on zeroed memory */
	memset(cpus, 0xa5, sizeof(cpus));
	memset(inj, 0, sizeof(inj));
	memset(calls_up, 0, sizeof(calls_up));
	memset(calls_down, 0, sizeof(calls_down));
	nr_reports = 0;
	trace_on = true;
	trace_reset();
	CHECK_EQ(cpuhp_init(&machine, &cfg), 0);
}

static struct cpuhp_step_desc desc_for(int id, const char *name)
{
	struct tstep *s = &tsteps[id];

	s->id = id;
	snprintf(s->name, sizeof(s->name), "%s", name);
	return (struct cpuhp_step_desc){
		.name = s->name, .startup = step_up, .teardown = step_down, .ctx = s
	};
}

/* Registers step id at position id, named "step<id>". */
static int add_step(int id, enum cpuhp_invoke how)
{
	char name[CPUHP_NAME_MAX];
	struct cpuhp_step_desc d;

	snprintf(name, sizeof(name), "step%d", id);
	d = desc_for(id, name);
	return cpuhp_setup_step(&machine, (unsigned)id, &d, how, NULL);
}

static void add_steps(const int *ids, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		CHECK_EQ(add_step(ids[i], CPUHP_NOCALLS), 0);
}

/* --- init and queries ------------------------------------------------------------------- */

static void test_init_rejects_bad_config(void)
{
	struct cpuhp_section bad[2] = { { 1, 10, 0 }, { 10, 20, 0 } };
	struct cpuhp_config cfg = { .cpus = cpus, .nr_cpus = 4, .sections = bad, .nr_sections = 2 };

	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL); /* overlap at 10 */
	bad[1].first = 11;
	CHECK_EQ(cpuhp_init(&machine, &cfg), 0);
	bad[1].last = CPUHP_MAX_STEPS + 1;
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	bad[1].last = 20;
	bad[0].first = 0; /* OFFLINE holds no step */
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	bad[0].first = 5;
	bad[0].last = 4;
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	bad[0].last = 10;
	bad[0].flags = 0x80;
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	bad[0].flags = 0;
	cfg.nr_cpus = 0;
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	cfg.nr_cpus = 4;
	cfg.nr_sections = CPUHP_MAX_SECTIONS + 1;
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	cfg.nr_sections = 0;
	CHECK_EQ(cpuhp_init(&machine, &cfg), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_init(NULL, &cfg), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_init(&machine, NULL), CPUHP_EINVAL);
}

static void test_fresh_machine(void)
{
	unsigned pos;

	setup_machine(4);
	CHECK_EQ(cpuhp_cpu_state(&machine, 0), CPUHP_OFFLINE);
	CHECK_EQ(cpuhp_cpu_state(&machine, 3), CPUHP_OFFLINE);
	CHECK_EQ(cpuhp_cpu_state(&machine, 4), CPUHP_EINVAL);
	CHECK(!cpuhp_cpu_fully_up(&machine, 0));
	CHECK(!cpuhp_cpu_fully_up(&machine, 4));
	for (pos = 0; pos <= CPUHP_MAX_STEPS + 1; pos++)
		CHECK(cpuhp_step_name(&machine, pos) == NULL);
	CHECK_EQ(cpuhp_find_step(&machine, "step1"), CPUHP_ENOENT);
	CHECK_EQ(cpuhp_violations(&machine), 0);
	/* With no step registered a CPU still walks every position. */
	CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, NULL), 0);
	CHECK(cpuhp_cpu_fully_up(&machine, 1));
	CHECK_STR(trace, "");
}

/* --- walks ----------------------------------------------------------------------------- */

static void test_up_down_order(void)
{
	static const int ids[] = { 40, 3, 25, 12, 8 };
	struct cpuhp_step_desc d;

	setup_machine(2);
	add_steps(ids, 5);
	CHECK_STR(cpuhp_step_name(&machine, 25), "step25");
	CHECK_EQ(cpuhp_find_step(&machine, "step12"), 12);

	CHECK_EQ(cpuhp_up_to(&machine, 1, 12, NULL), 0);
	CHECK_STR(trace, "1:+3 1:+8 1:+12");
	CHECK_EQ(cpuhp_cpu_state(&machine, 1), 12);
	CHECK_EQ(cpuhp_cpu_state(&machine, 0), CPUHP_OFFLINE);
	CHECK(!cpuhp_cpu_fully_up(&machine, 1));

	trace_reset();
	CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, NULL), 0);
	CHECK_STR(trace, "1:+25 1:+40");
	CHECK(cpuhp_cpu_fully_up(&machine, 1));

	trace_reset();
	CHECK_EQ(cpuhp_down_to(&machine, 1, 10, NULL), 0);
	CHECK_STR(trace, "1:-40 1:-25 1:-12");
	CHECK_EQ(cpuhp_cpu_state(&machine, 1), 10);

	/* A step without callbacks is passed silently. */
	CHECK_EQ(cpuhp_remove_step(&machine, 8, CPUHP_NOCALLS, NULL), 0);
	d = desc_for(8, "quiet");
	d.startup = NULL;
	d.teardown = NULL;
	CHECK_EQ(cpuhp_setup_step(&machine, 8, &d, CPUHP_NOCALLS, NULL), 0);
	trace_reset();
	CHECK_EQ(cpuhp_down_to(&machine, 1, CPUHP_OFFLINE, NULL), 0);
	CHECK_STR(trace, "1:-3");
	CHECK_EQ(cpuhp_violations(&machine), 0);
}

static void test_walk_bad_targets(void)
{
	static const int ids[] = { 3, 12 };

	setup_machine(2);
	add_steps(ids, 2);
	CHECK_EQ(cpuhp_up_to(&machine, 0, 12, NULL), 0);
	trace_reset();
	CHECK_EQ(cpuhp_up_to(&machine, 0, 5, NULL), CPUHP_EINVAL);    /* below the state */
	CHECK_EQ(cpuhp_down_to(&machine, 0, 13, NULL), CPUHP_EINVAL); /* above the state */
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE + 1, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_rollback_to(&machine, 0, CPUHP_ONLINE + 1), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_up_to(&machine, 2, 5, NULL), CPUHP_EINVAL); /* no such CPU */
	CHECK_EQ(cpuhp_down_to(NULL, 0, 0, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_up_to(&machine, 0, 12, NULL), 0); /* already there */
	CHECK_EQ(cpuhp_down_to(&machine, 0, 12, NULL), 0);
	CHECK_STR(trace, "");
	CHECK_EQ(cpuhp_cpu_state(&machine, 0), 12);
}

/* Steps of the rollback tests: may-fail ones on both sides of the no-fail section. */
static const int walk_ids[] = { 2, 5, 9, 14, 18, 22, 27, 33, 41, 47, 52, 60 };
#define NR_WALK_IDS 12

static bool nofail_id(int id)
{
	return id >= STARTING_FIRST && id <= STARTING_LAST;
}

static void test_up_rollback_at_every_step(void)
{
	static const unsigned starts[] = { CPUHP_OFFLINE, 9, 21 };
	struct cpuhp_failure fail;
	struct expect e;
	unsigned s, i, k;

	for (s = 0; s < 3; s++) {
		for (i = 0; i < NR_WALK_IDS; i++) {
			unsigned start = starts[s];
			int fid = walk_ids[i];

			if ((unsigned)fid <= start || nofail_id(fid))
				continue;
			setup_machine(2);
			add_steps(walk_ids, NR_WALK_IDS);
			CHECK_EQ(cpuhp_up_to(&machine, 1, start, NULL), 0);
			trace_reset();
			inject(fid, true, 1, -ENOMEM, 1);
			memset(&fail, 0, sizeof(fail));

			CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, &fail), -ENOMEM);
			CHECK_EQ(fail.cpu, 1);
			CHECK_EQ(fail.pos, fid);
			CHECK_EQ(fail.err, -ENOMEM);
			CHECK_EQ(cpuhp_cpu_state(&machine, 1), start);
			/* Startups up to the failing one, then teardowns of the completed ones. */
			expect_reset(&e);
			for (k = 0; k <= i; k++)
				if ((unsigned)walk_ids[k] > start)
					expect_add(&e, 1, walk_ids[k], true);
			for (k = i; k-- > 0;)
				if ((unsigned)walk_ids[k] > start)
					expect_add(&e, 1, walk_ids[k], false);
			CHECK_STR(trace, e.buf);
			CHECK_EQ(cpuhp_violations(&machine), 0);

			/* Nothing is left behind: the next attempt runs from the start. */
			CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, NULL), 0);
			CHECK(cpuhp_cpu_fully_up(&machine, 1));
			CHECK_EQ(cpuhp_cpu_state(&machine, 0), CPUHP_OFFLINE);
		}
	}
}

static void test_down_rollforward_at_every_step(void)
{
	static const unsigned targets[] = { CPUHP_OFFLINE, 14, 30 };
	struct cpuhp_failure fail;
	struct expect e;
	unsigned t, i, k;

	for (t = 0; t < 3; t++) {
		for (i = 0; i < NR_WALK_IDS; i++) {
			unsigned target = targets[t];
			int fid = walk_ids[i];

			if ((unsigned)fid <= target || nofail_id(fid))
				continue;
			setup_machine(1);
			add_steps(walk_ids, NR_WALK_IDS);
			CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, NULL), 0);
			trace_reset();
			inject(fid, false, 0, -EBUSY, 1);
			memset(&fail, 0, sizeof(fail));

			CHECK_EQ(cpuhp_down_to(&machine, 0, target, &fail), -EBUSY);
			CHECK_EQ(fail.pos, fid);
			CHECK_EQ(fail.err, -EBUSY);
			CHECK(cpuhp_cpu_fully_up(&machine, 0));
			/* Teardowns down to the failing one, then startups of those undone. */
			expect_reset(&e);
			for (k = NR_WALK_IDS; k-- > i;)
				expect_add(&e, 0, walk_ids[k], false);
			for (k = i + 1; k < NR_WALK_IDS; k++)
				expect_add(&e, 0, walk_ids[k], true);
			CHECK_STR(trace, e.buf);
			CHECK_EQ(cpuhp_violations(&machine), 0);

			CHECK_EQ(cpuhp_down_to(&machine, 0, target, NULL), 0);
			CHECK_EQ(cpuhp_cpu_state(&machine, 0), target);
		}
	}
}

static void test_nofail_section_counts_and_goes_on(void)
{
	static const int ids[] = { 5, 22, 27, 40 };

	setup_machine(2);
	add_steps(ids, 4);
	inject(22, true, 1, -EIO, 1);
	CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, NULL), 0);
	CHECK_STR(trace, "1:+5 1:+22 1:+27 1:+40");
	CHECK(cpuhp_cpu_fully_up(&machine, 1));
	CHECK_EQ(cpuhp_violations(&machine), 1);
	CHECK_EQ(nr_reports, 1);
	CHECK_EQ(reports[0].kind, CPUHP_VIOLATION_NOFAIL);
	CHECK_EQ(reports[0].cpu, 1);
	CHECK_EQ(reports[0].pos, 22);
	CHECK_STR(reports[0].name, "step22");
	CHECK(reports[0].startup);
	CHECK_EQ(reports[0].err, -EIO);

	trace_reset();
	inject(27, false, 1, -EINVAL, 1);
	CHECK_EQ(cpuhp_down_to(&machine, 1, CPUHP_OFFLINE, NULL), 0);
	CHECK_STR(trace, "1:-40 1:-27 1:-22 1:-5");
	CHECK_EQ(cpuhp_cpu_state(&machine, 1), CPUHP_OFFLINE);
	CHECK_EQ(cpuhp_violations(&machine), 2);
	CHECK_EQ(nr_reports, 2);
	CHECK_EQ(reports[1].kind, CPUHP_VIOLATION_NOFAIL);
	CHECK_EQ(reports[1].pos, 27);
	CHECK(!reports[1].startup);
}

static void test_failure_while_undoing_is_counted(void)
{
	static const int ids[] = { 3, 12, 25, 40 };
	struct cpuhp_failure fail;

	setup_machine(1);
	add_steps(ids, 4);
	inject(40, true, -1, -ENODEV, 1);
	inject(12, false, -1, -EIO, 1);
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, &fail), -ENODEV);
	CHECK_EQ(fail.pos, 40);
	/* The failed teardown of 12 does not stop the rollback: 3 is still torn down. */
	CHECK_STR(trace, "0:+3 0:+12 0:+25 0:+40 0:-25 0:-12 0:-3");
	CHECK_EQ(cpuhp_cpu_state(&machine, 0), CPUHP_OFFLINE);
	CHECK_EQ(cpuhp_violations(&machine), 1);
	CHECK_EQ(nr_reports, 1);
	CHECK_EQ(reports[0].kind, CPUHP_VIOLATION_RECOVERY);
	CHECK_EQ(reports[0].pos, 12);
	CHECK(!reports[0].startup);
	CHECK_EQ(reports[0].err, -EIO);
}

static int positive_startup(unsigned cpu, void *ctx)
{
	(void)cpu;
	(void)ctx;
	return 1;
}

static void test_positive_return_is_an_error(void)
{
	struct cpuhp_step_desc d = { .name = "positive", .startup = positive_startup };
	struct cpuhp_failure fail;

	setup_machine(1);
	CHECK_EQ(cpuhp_setup_step(&machine, 35, &d, CPUHP_NOCALLS, NULL), 0);
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, &fail), CPUHP_EIO);
	CHECK_EQ(fail.err, CPUHP_EIO);
	CHECK_EQ(cpuhp_cpu_state(&machine, 0), CPUHP_OFFLINE);
}

/* --- two-part operations (the guest's boot CPU half and the new CPU's half) ------------ */

static void test_two_halves_up(void)
{
	static const int ids[] = { 5, 20, 25, 40, 45 };
	struct cpuhp_failure fail;
	unsigned start;

	setup_machine(2);
	add_steps(ids, 5);
	start = (unsigned)cpuhp_cpu_state(&machine, 1);
	/* The boot CPU's half. */
	CHECK_EQ(cpuhp_up_to(&machine, 1, BRINGUP, NULL), 0);
	CHECK_STR(trace, "1:+5 1:+20");
	/* The new CPU's half fails in the ONLINE section and undoes its own steps. */
	trace_reset();
	inject(45, true, 1, -ENOMEM, 1);
	CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, &fail), -ENOMEM);
	CHECK_EQ(fail.pos, 45);
	CHECK_STR(trace, "1:+25 1:+40 1:+45 1:-40 1:-25");
	CHECK_EQ(cpuhp_cpu_state(&machine, 1), BRINGUP);
	/* The boot CPU, told of the failure, undoes the first half. */
	trace_reset();
	CHECK_EQ(cpuhp_rollback_to(&machine, 1, start), 0);
	CHECK_STR(trace, "1:-20 1:-5");
	CHECK_EQ(cpuhp_cpu_state(&machine, 1), CPUHP_OFFLINE);
	CHECK_EQ(cpuhp_violations(&machine), 0);

	/* A second attempt goes through. */
	trace_reset();
	CHECK_EQ(cpuhp_up_to(&machine, 1, BRINGUP, NULL), 0);
	CHECK_EQ(cpuhp_up_to(&machine, 1, CPUHP_ONLINE, NULL), 0);
	CHECK_STR(trace, "1:+5 1:+20 1:+25 1:+40 1:+45");
	CHECK(cpuhp_cpu_fully_up(&machine, 1));
}

static void test_two_halves_down(void)
{
	static const int ids[] = { 5, 20, 25, 40, 45 };
	struct cpuhp_failure fail;

	setup_machine(2);
	add_steps(ids, 5);
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, NULL), 0);
	trace_reset();
	/* The dying CPU's half, on itself. */
	CHECK_EQ(cpuhp_down_to(&machine, 0, BRINGUP, NULL), 0);
	CHECK_STR(trace, "0:-45 0:-40 0:-25");
	/* The control CPU's half refuses and rolls its own part forward again. */
	trace_reset();
	inject(5, false, 0, -EAGAIN, 1);
	CHECK_EQ(cpuhp_down_to(&machine, 0, CPUHP_OFFLINE, &fail), -EAGAIN);
	CHECK_EQ(fail.pos, 5);
	CHECK_STR(trace, "0:-20 0:-5 0:+20");
	CHECK_EQ(cpuhp_cpu_state(&machine, 0), BRINGUP);
	/* Then the first half is undone: the CPU is online again. */
	trace_reset();
	CHECK_EQ(cpuhp_rollback_to(&machine, 0, CPUHP_ONLINE), 0);
	CHECK_STR(trace, "0:+25 0:+40 0:+45");
	CHECK(cpuhp_cpu_fully_up(&machine, 0));
	CHECK_EQ(cpuhp_violations(&machine), 0);

	/* A rollback that meets a failing callback carries on and counts it. */
	trace_reset();
	CHECK_EQ(cpuhp_down_to(&machine, 0, BRINGUP, NULL), 0);
	inject(40, true, 0, -ENOMEM, 1);
	CHECK_EQ(cpuhp_rollback_to(&machine, 0, CPUHP_ONLINE), 0);
	CHECK_STR(trace, "0:-45 0:-40 0:-25 0:+25 0:+40 0:+45");
	CHECK(cpuhp_cpu_fully_up(&machine, 0));
	CHECK_EQ(cpuhp_violations(&machine), 1);
	CHECK_EQ(reports[0].kind, CPUHP_VIOLATION_RECOVERY);
	CHECK_EQ(reports[0].pos, 40);
}

/* --- registration and removal on CPUs already up --------------------------------------- */

static const unsigned mixed_states[] = { 0, 5, 10, 11, 30, CPUHP_ONLINE, 10, 9 };

static void bring_to_mixed_states(void)
{
	unsigned cpu;

	for (cpu = 0; cpu < 8; cpu++)
		CHECK_EQ(cpuhp_up_to(&machine, cpu, mixed_states[cpu], NULL), 0);
	trace_reset();
}

static void test_setup_invoke_and_nocalls(void)
{
	setup_machine(8);
	bring_to_mixed_states();
	CHECK_EQ(add_step(10, CPUHP_INVOKE), 0);
	CHECK_STR(trace, "2:+10 3:+10 4:+10 5:+10 6:+10");
	trace_reset();
	CHECK_EQ(add_step(11, CPUHP_NOCALLS), 0);
	CHECK_STR(trace, "");
	CHECK_STR(cpuhp_step_name(&machine, 10), "step10");
	CHECK_STR(cpuhp_step_name(&machine, 11), "step11");
	/* The states did not move; CPU 7 meets both steps on its way up. */
	CHECK_EQ(cpuhp_cpu_state(&machine, 3), 11);
	CHECK_EQ(cpuhp_up_to(&machine, 7, 12, NULL), 0);
	CHECK_STR(trace, "7:+10 7:+11");
	/* NOCALLS: CPU 3 never ran step 11's startup, yet gets its teardown going down. */
	trace_reset();
	CHECK_EQ(cpuhp_down_to(&machine, 3, 9, NULL), 0);
	CHECK_STR(trace, "3:-11 3:-10");
	CHECK_EQ(add_step(12, 0), CPUHP_EINVAL); /* the caller must choose */
	CHECK_EQ(add_step(12, 3), CPUHP_EINVAL);
}

static void test_setup_invoke_failure_is_undone(void)
{
	struct cpuhp_step_desc d;
	struct cpuhp_failure fail;
	static const char *const before[] = { "later", NULL };

	setup_machine(8);
	bring_to_mixed_states();
	d = desc_for(10, "failing");
	d.before = before;
	inject(10, true, 4, -ENOMEM, 1);
	CHECK_EQ(cpuhp_setup_step(&machine, 10, &d, CPUHP_INVOKE, &fail), -ENOMEM);
	CHECK_EQ(fail.cpu, 4);
	CHECK_EQ(fail.pos, 10);
	CHECK_STR(trace, "2:+10 3:+10 4:+10 3:-10 2:-10");
	CHECK(cpuhp_step_name(&machine, 10) == NULL);
	CHECK_EQ(cpuhp_find_step(&machine, "failing"), CPUHP_ENOENT);
	CHECK_EQ(cpuhp_cpu_state(&machine, 4), 30);
	CHECK_EQ(cpuhp_violations(&machine), 0);
	/* Its constraint went with it: the opposite one can be declared. */
	CHECK_EQ(cpuhp_require_before(&machine, "later", "failing"), 0);
	/* And the position and the name are free again. */
	trace_reset();
	d.before = NULL;
	CHECK_EQ(cpuhp_setup_step(&machine, 10, &d, CPUHP_INVOKE, NULL), 0);
	CHECK_STR(trace, "2:+10 3:+10 4:+10 5:+10 6:+10");
}

static void test_setup_invoke_failure_in_nofail_section(void)
{
	setup_machine(8);
	bring_to_mixed_states();
	inject(25, true, 4, -ENOMEM, 1);
	CHECK_EQ(add_step(25, CPUHP_INVOKE), 0);
	CHECK_STR(trace, "4:+25 5:+25");
	CHECK_STR(cpuhp_step_name(&machine, 25), "step25");
	CHECK_EQ(cpuhp_violations(&machine), 1);
	CHECK_EQ(reports[0].kind, CPUHP_VIOLATION_NOFAIL);
	CHECK_EQ(reports[0].cpu, 4);
}

static void test_remove_with_and_without_teardown(void)
{
	struct cpuhp_failure fail;

	setup_machine(8);
	CHECK_EQ(add_step(10, CPUHP_NOCALLS), 0);
	CHECK_EQ(add_step(11, CPUHP_NOCALLS), 0);
	bring_to_mixed_states();

	/* A refused teardown: the CPUs already done get the startup again, in reverse. */
	inject(10, false, 5, -EBUSY, 1);
	CHECK_EQ(cpuhp_remove_step(&machine, 10, CPUHP_INVOKE, &fail), -EBUSY);
	CHECK_EQ(fail.cpu, 5);
	CHECK_STR(trace, "2:-10 3:-10 4:-10 5:-10 4:+10 3:+10 2:+10");
	CHECK_STR(cpuhp_step_name(&machine, 10), "step10");

	trace_reset();
	CHECK_EQ(cpuhp_remove_step(&machine, 10, CPUHP_INVOKE, NULL), 0);
	CHECK_STR(trace, "2:-10 3:-10 4:-10 5:-10 6:-10");
	CHECK(cpuhp_step_name(&machine, 10) == NULL);
	trace_reset();
	CHECK_EQ(cpuhp_remove_step(&machine, 11, CPUHP_NOCALLS, NULL), 0);
	CHECK_STR(trace, "");
	CHECK_EQ(cpuhp_remove_step(&machine, 11, CPUHP_NOCALLS, NULL), CPUHP_ENOENT);
	CHECK_EQ(cpuhp_remove_step(&machine, 0, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_remove_step(&machine, 12, 0, NULL), CPUHP_EINVAL);
	/* States are unchanged and nothing runs at the emptied positions any more. */
	CHECK_EQ(cpuhp_cpu_state(&machine, 3), 11);
	CHECK_EQ(cpuhp_down_to(&machine, 3, CPUHP_OFFLINE, NULL), 0);
	CHECK_STR(trace, "");
}

/* --- dynamic steps and ordering constraints -------------------------------------------- */

static void test_dyn_lowest_free(void)
{
	struct cpuhp_step_desc d;
	char name[CPUHP_NAME_MAX];
	int i;

	setup_machine(1);
	CHECK_EQ(add_step(33, CPUHP_NOCALLS), 0);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "dyn%d", i);
		d = desc_for(50 + i, name);
		CHECK_EQ(cpuhp_setup_step_dyn(&machine, 31, 35, &d, CPUHP_NOCALLS, NULL),
			 i < 2 ? 31 + i : 32 + i);
	}
	CHECK_STR(cpuhp_step_name(&machine, 35), "dyn3");
	d = desc_for(54, "dyn4");
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 31, 35, &d, CPUHP_NOCALLS, NULL), CPUHP_ENOSPC);
	/* Positions outside every section are skipped, a range with none of them refused. */
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 60, 64, &d, CPUHP_NOCALLS, NULL), 60);
	d = desc_for(55, "dyn5");
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 60, 64, &d, CPUHP_NOCALLS, NULL), CPUHP_ENOSPC);
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 61, 64, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 40, 39, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 0, 39, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	/* Fixed positions: outside a section, taken. */
	CHECK_EQ(cpuhp_setup_step(&machine, 62, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 33, &d, CPUHP_NOCALLS, NULL), CPUHP_EBUSY);

	/* A dynamic step with INVOKE runs on the CPUs past the position it gets. */
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, NULL), 0);
	trace_reset();
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 36, 40, &d, CPUHP_INVOKE, NULL), 36);
	CHECK_STR(trace, "0:+55");
}

/*
 * Hyper-V's per-CPU setup must run before KVM's, on every hotplug: Linux's
 * include/linux/cpuhotplug.h puts CPUHP_AP_HYPERV_ONLINE before CPUHP_AP_KVM_ONLINE.
 */
static void test_fixed_position_checked_against_constraint(void)
{
	struct cpuhp_step_desc hv = desc_for(1, "hyperv/online");
	struct cpuhp_step_desc kvm = desc_for(2, "kvm/online");

	setup_machine(1);
	CHECK_EQ(cpuhp_require_before(&machine, "hyperv/online", "kvm/online"), 0);
	CHECK_EQ(cpuhp_setup_step(&machine, 35, &kvm, CPUHP_NOCALLS, NULL), 0);
	CHECK_EQ(cpuhp_setup_step(&machine, 40, &hv, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK(cpuhp_step_name(&machine, 40) == NULL);
	CHECK_EQ(cpuhp_find_step(&machine, "hyperv/online"), CPUHP_ENOENT);
	CHECK_EQ(cpuhp_setup_step(&machine, 34, &hv, CPUHP_NOCALLS, NULL), 0);
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, NULL), 0);
	CHECK_STR(trace, "0:+1 0:+2");

	/* Declared after both are registered: checked against their positions. */
	CHECK_EQ(cpuhp_require_before(&machine, "kvm/online", "hyperv/online"), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_require_before(&machine, "hyperv/online", "kvm/online"), 0); /* again */
	CHECK_EQ(cpuhp_require_before(&machine, "kvm/online", "kvm/online"), CPUHP_EINVAL);

	/* Constraints are about names: they stay when a step goes and comes back. */
	CHECK_EQ(cpuhp_remove_step(&machine, 34, CPUHP_NOCALLS, NULL), 0);
	CHECK_EQ(cpuhp_setup_step(&machine, 36, &hv, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 31, &hv, CPUHP_NOCALLS, NULL), 0);
}

static void test_constraint_cycles_refused(void)
{
	setup_machine(1);
	CHECK_EQ(cpuhp_require_before(&machine, "a", "b"), 0);
	CHECK_EQ(cpuhp_require_before(&machine, "b", "c"), 0);
	CHECK_EQ(cpuhp_require_before(&machine, "c", "a"), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_require_before(&machine, "a", "c"), 0);
	CHECK_EQ(cpuhp_require_before(&machine, "", "c"), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_require_before(&machine, "a", NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_require_before(NULL, "a", "b"), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_require_before(&machine, "a", "0123456789012345678901234567890123"),
		 CPUHP_ENAMETOOLONG);
}

static void test_constraint_through_unregistered_step(void)
{
	struct cpuhp_step_desc a = desc_for(1, "a"), b = desc_for(2, "b"), x = desc_for(3, "x");

	setup_machine(1);
	CHECK_EQ(cpuhp_require_before(&machine, "a", "x"), 0);
	CHECK_EQ(cpuhp_require_before(&machine, "x", "b"), 0);
	CHECK_EQ(cpuhp_setup_step(&machine, 40, &b, CPUHP_NOCALLS, NULL), 0);
	CHECK_EQ(cpuhp_setup_step(&machine, 45, &a, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 38, &a, CPUHP_NOCALLS, NULL), 0);
	/* x must go strictly between them. */
	CHECK_EQ(cpuhp_setup_step(&machine, 37, &x, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 41, &x, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 31, 60, &x, CPUHP_NOCALLS, NULL), 39);
}

static void test_dyn_placed_by_constraints(void)
{
	static const char *const after_base[] = { "base", NULL };
	static const char *const before_top[] = { "top", NULL };
	static const char *const before_later[] = { "later", NULL };
	struct cpuhp_step_desc d;

	setup_machine(1);
	d = desc_for(1, "base");
	CHECK_EQ(cpuhp_setup_step(&machine, 34, &d, CPUHP_NOCALLS, NULL), 0);
	/* The lowest free position is 31, but it must come after base. */
	d = desc_for(2, "follower");
	d.after = after_base;
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 31, 40, &d, CPUHP_NOCALLS, NULL), 35);

	/* After base (34) and before top (33): free positions exist, none fits. */
	d = desc_for(3, "top");
	CHECK_EQ(cpuhp_setup_step(&machine, 33, &d, CPUHP_NOCALLS, NULL), 0);
	d = desc_for(4, "squeezed");
	d.after = after_base;
	d.before = before_top;
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 31, 40, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_find_step(&machine, "squeezed"), CPUHP_ENOENT);

	/* A constraint on a step that registers later is checked when it does. */
	d = desc_for(5, "early");
	d.before = before_later;
	CHECK_EQ(cpuhp_setup_step_dyn(&machine, 31, 40, &d, CPUHP_NOCALLS, NULL), 31);
	d = desc_for(6, "later");
	CHECK_EQ(cpuhp_setup_step(&machine, 30, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 32, &d, CPUHP_NOCALLS, NULL), 0);

	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, NULL), 0);
	CHECK_STR(trace, "0:+5 0:+6 0:+3 0:+1 0:+2");
}

static void test_desc_constraint_on_itself_refused(void)
{
	static const char *const self[] = { "me", NULL };
	struct cpuhp_step_desc d = desc_for(1, "me");

	setup_machine(1);
	d.after = self;
	CHECK_EQ(cpuhp_setup_step(&machine, 35, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK(cpuhp_step_name(&machine, 35) == NULL);
}

/* --- names and table limits ------------------------------------------------------------ */

static void test_names(void)
{
	struct cpuhp_step_desc d = desc_for(1, "x");
	char longest[CPUHP_NAME_MAX];

	setup_machine(1);
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	d.name = longest;
	CHECK_EQ(cpuhp_setup_step(&machine, 35, &d, CPUHP_NOCALLS, NULL), 0);
	CHECK_STR(cpuhp_step_name(&machine, 35), longest);
	CHECK_EQ(cpuhp_find_step(&machine, longest), 35);
	CHECK_EQ(cpuhp_setup_step(&machine, 36, &d, CPUHP_NOCALLS, NULL), CPUHP_EEXIST);
	d.name = "0123456789012345678901234567890123";
	CHECK_EQ(cpuhp_setup_step(&machine, 36, &d, CPUHP_NOCALLS, NULL), CPUHP_ENAMETOOLONG);
	d.name = "01234567890123456789012345678901"; /* CPUHP_NAME_MAX chars: no room for NUL */
	CHECK_EQ(cpuhp_setup_step(&machine, 36, &d, CPUHP_NOCALLS, NULL), CPUHP_ENAMETOOLONG);
	d.name = "";
	CHECK_EQ(cpuhp_setup_step(&machine, 36, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	d.name = NULL;
	CHECK_EQ(cpuhp_setup_step(&machine, 36, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 36, NULL, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	/* The name was copied: the caller's buffer can change. */
	longest[0] = 'X';
	CHECK_EQ(cpuhp_find_step(&machine, longest), CPUHP_ENOENT);
	CHECK_EQ(cpuhp_step_name(&machine, 35)[0], 'n');
}

static void test_name_slots_recycled(void)
{
	struct cpuhp_step_desc d;
	char name[CPUHP_NAME_MAX];
	int i, ok = 0;

	setup_machine(1);
	for (i = 0; i < 4 * CPUHP_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "transient%d", i);
		d = desc_for(1, name);
		if (cpuhp_setup_step(&machine, 35, &d, CPUHP_NOCALLS, NULL) == 0 &&
		    cpuhp_remove_step(&machine, 35, CPUHP_NOCALLS, NULL) == 0)
			ok++;
	}
	CHECK_EQ(ok, 4 * CPUHP_MAX_NAMES);
}

static void test_constraint_table_full(void)
{
	char a[CPUHP_NAME_MAX], b[CPUHP_NAME_MAX];
	struct cpuhp_step_desc d;
	int i, ok = 0;

	setup_machine(1);
	for (i = 0; i < CPUHP_MAX_CONSTRAINTS; i++) {
		snprintf(a, sizeof(a), "c%d", i);
		snprintf(b, sizeof(b), "c%d", i + 1);
		if (cpuhp_require_before(&machine, a, b) == 0)
			ok++;
	}
	CHECK_EQ(ok, CPUHP_MAX_CONSTRAINTS);
	CHECK_EQ(cpuhp_require_before(&machine, "c0", "c64"), CPUHP_ENOSPC);
	CHECK_EQ(cpuhp_require_before(&machine, "c0", "c1"), 0); /* already there */
	/* The whole chain c0 -> c1 -> ... -> c64 is checked, none of it registered. */
	d = desc_for(1, "c64");
	CHECK_EQ(cpuhp_setup_step(&machine, 31, &d, CPUHP_NOCALLS, NULL), 0);
	d = desc_for(2, "c0");
	CHECK_EQ(cpuhp_setup_step(&machine, 40, &d, CPUHP_NOCALLS, NULL), CPUHP_EINVAL);
	CHECK_EQ(cpuhp_setup_step(&machine, 30, &d, CPUHP_NOCALLS, NULL), 0);
}

/* --- re-entry from callbacks ----------------------------------------------------------- */

#define NR_REENTRY 6
static int reentry_results[NR_REENTRY];
static int reentry_state, reentry_depth;

/* Tries every mutating call from inside a callback (only at the outer level). */
static int reentering_cb(unsigned cpu, void *ctx)
{
	struct cpuhp_step_desc d = desc_for(2, "inner");

	(void)ctx;
	if (reentry_depth++ == 0) {
		reentry_results[0] = cpuhp_up_to(&machine, 1, 40, NULL);
		reentry_results[1] = cpuhp_down_to(&machine, cpu, 0, NULL);
		reentry_results[2] = cpuhp_setup_step(&machine, 45, &d, CPUHP_NOCALLS, NULL);
		reentry_results[3] = cpuhp_remove_step(&machine, 35, CPUHP_NOCALLS, NULL);
		reentry_results[4] = cpuhp_require_before(&machine, "x", "y");
		reentry_results[5] = cpuhp_rollback_to(&machine, cpu, 0);
		reentry_state = cpuhp_cpu_state(&machine, cpu); /* queries are fine */
	}
	reentry_depth--;
	return 0;
}

static void check_reentry_refused(int expect_state)
{
	unsigned i;

	for (i = 0; i < NR_REENTRY; i++)
		CHECK_EQ(reentry_results[i], CPUHP_EDEADLK);
	CHECK_EQ(reentry_state, expect_state);
	CHECK_EQ(cpuhp_cpu_state(&machine, 1), CPUHP_OFFLINE);
	CHECK(cpuhp_step_name(&machine, 45) == NULL);
	memset(reentry_results, 0, sizeof(reentry_results));
	reentry_state = -1;
}

static void test_reentry_refused(void)
{
	struct cpuhp_step_desc d = { .name = "outer",
				     .startup = reentering_cb,
				     .teardown = reentering_cb };

	setup_machine(2);
	memset(reentry_results, 0, sizeof(reentry_results));
	CHECK_EQ(cpuhp_setup_step(&machine, 35, &d, CPUHP_NOCALLS, NULL), 0);
	/* From a walk. */
	CHECK_EQ(cpuhp_up_to(&machine, 0, CPUHP_ONLINE, NULL), 0);
	check_reentry_refused(34);
	/* From a removal and a registration with INVOKE. */
	CHECK_EQ(cpuhp_remove_step(&machine, 35, CPUHP_INVOKE, NULL), 0);
	check_reentry_refused(CPUHP_ONLINE);
	CHECK_EQ(cpuhp_setup_step(&machine, 35, &d, CPUHP_INVOKE, NULL), 0);
	check_reentry_refused(CPUHP_ONLINE);
	/* From the report hook. */
	report_reenters = true;
	inject(25, false, 0, -EIO, 1);
	CHECK_EQ(add_step(25, CPUHP_NOCALLS), 0);
	CHECK_EQ(cpuhp_down_to(&machine, 0, 24, NULL), 0);
	report_reenters = false;
	CHECK_EQ(nr_reports, 1);
	CHECK_EQ(report_reentry_result, CPUHP_EDEADLK);
	/* From a rollback. */
	CHECK_EQ(cpuhp_rollback_to(&machine, 0, CPUHP_ONLINE), 0);
	check_reentry_refused(34);
	/* After the calls the machine takes calls again. */
	CHECK_EQ(cpuhp_require_before(&machine, "x", "y"), 0);
}

/* --- many CPUs ------------------------------------------------------------------------- */

static void test_many_cpus(void)
{
	static const int ids[] = { 2, 9, 18, 22, 28, 31, 44, 60 };
	unsigned cpu, expect_calls = 0, got_calls = 0;
	bool in_order = true;
	int last_cpu = -1, expect_last_cpu = -1;

	setup_machine(MAX_CPUS);
	add_steps(ids, 8);
	trace_on = false;
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		CHECK_EQ(cpuhp_up_to(&machine, cpu, (cpu * 7) % (CPUHP_ONLINE + 1), NULL), 0);
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		CHECK_EQ(cpuhp_cpu_state(&machine, cpu), (cpu * 7) % (CPUHP_ONLINE + 1));
		CHECK_EQ(calls_up[cpu][22], (cpu * 7) % (CPUHP_ONLINE + 1) >= 22);
	}

	/* INVOKE runs exactly on the CPUs past the position, once each, in CPU order. */
	trace_on = true;
	trace_reset();
	CHECK_EQ(add_step(33, CPUHP_INVOKE), 0);
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		if ((cpu * 7) % (CPUHP_ONLINE + 1) >= 33) {
			expect_calls++;
			expect_last_cpu = (int)cpu;
		}
		got_calls += calls_up[cpu][33];
		CHECK(calls_up[cpu][33] == ((cpu * 7) % (CPUHP_ONLINE + 1) >= 33));
	}
	CHECK_EQ(got_calls, expect_calls);
	CHECK(expect_calls > 100);
	{
		const char *p = trace;
		unsigned c;

		while (sscanf(p, "%u:", &c) == 1) {
			in_order &= (int)c > last_cpu;
			last_cpu = (int)c;
			p = strchr(p, ' ');
			if (!p)
				break;
			p++;
		}
		CHECK(in_order);
		CHECK_EQ(last_cpu, expect_last_cpu);
	}

	/* All the way up and down: every CPU ran each startup and teardown exactly once. */
	trace_on = false;
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		CHECK_EQ(cpuhp_up_to(&machine, cpu, CPUHP_ONLINE, NULL), 0);
		CHECK_EQ(cpuhp_down_to(&machine, cpu, CPUHP_OFFLINE, NULL), 0);
	}
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		unsigned i;

		CHECK_EQ(cpuhp_cpu_state(&machine, cpu), CPUHP_OFFLINE);
		for (i = 0; i < 8; i++) {
			CHECK_EQ(calls_up[cpu][ids[i]], 1);
			CHECK_EQ(calls_down[cpu][ids[i]], 1);
		}
	}
	CHECK_EQ(cpuhp_violations(&machine), 0);
}

int main(void)
{
	RUN(test_init_rejects_bad_config);
	RUN(test_fresh_machine);
	RUN(test_up_down_order);
	RUN(test_walk_bad_targets);
	RUN(test_up_rollback_at_every_step);
	RUN(test_down_rollforward_at_every_step);
	RUN(test_nofail_section_counts_and_goes_on);
	RUN(test_failure_while_undoing_is_counted);
	RUN(test_positive_return_is_an_error);
	RUN(test_two_halves_up);
	RUN(test_two_halves_down);
	RUN(test_setup_invoke_and_nocalls);
	RUN(test_setup_invoke_failure_is_undone);
	RUN(test_setup_invoke_failure_in_nofail_section);
	RUN(test_remove_with_and_without_teardown);
	RUN(test_dyn_lowest_free);
	RUN(test_fixed_position_checked_against_constraint);
	RUN(test_constraint_cycles_refused);
	RUN(test_constraint_through_unregistered_step);
	RUN(test_dyn_placed_by_constraints);
	RUN(test_desc_constraint_on_itself_refused);
	RUN(test_names);
	RUN(test_name_slots_recycled);
	RUN(test_constraint_table_full);
	RUN(test_reentry_refused);
	RUN(test_many_cpus);
	return t_done();
}
