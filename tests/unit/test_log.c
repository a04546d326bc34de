// SPDX-License-Identifier: MIT
/*
 * The rate limit of guest- and client-triggerable log lines: a burst, then silence with a
 * count, one "suppressed" line when the next window opens; and a line below the log level
 * costs nothing and is never reported as suppressed.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "util/log.h"

static void test_burst_then_summary(void)
{
	static struct ratelimit rl;
	FILE *f = tmpfile();

	CHECK(f != NULL);
	if (!f)
		return;
	log_set_level(LOG_INFO);
	log_set_output(f);
	for (int i = 0; i < 1000; i++)
		pr_ratelimited(&rl, LOG_WARN, "flood %d", i);
	CHECK_EQ(t_count_lines(f, "flood"), RATELIMIT_BURST);
	CHECK_EQ(atomic_load(&rl.suppressed), 1000 - RATELIMIT_BURST);
	/* the next window: one summary line, then the line itself */
	atomic_store(&rl.window_start_ns, 1);
	pr_ratelimited(&rl, LOG_WARN, "flood again");
	log_set_output(NULL);
	CHECK_EQ(t_count_lines(f, "990 similar messages suppressed"), 1);
	CHECK_EQ(t_count_lines(f, "flood again"), 1);
	fclose(f);
}

static void test_below_level_is_free(void)
{
	static struct ratelimit rl;
	FILE *f = tmpfile();

	CHECK(f != NULL);
	if (!f)
		return;
	log_set_level(LOG_INFO);
	log_set_output(f);
	for (int i = 0; i < 1000; i++)
		pr_ratelimited(&rl, LOG_DEBUG, "debug %d", i);
	atomic_store(&rl.window_start_ns, 1);
	pr_ratelimited(&rl, LOG_DEBUG, "debug again");
	log_set_output(NULL);
	CHECK_EQ(atomic_load(&rl.suppressed), 0);
	CHECK_EQ(atomic_load(&rl.printed), 0);
	fflush(f);
	CHECK_EQ(ftell(f), 0); /* not a single line, no "suppressed" summary */
	fclose(f);
}

int main(void)
{
	RUN(test_burst_then_summary);
	RUN(test_below_level_is_free);
	return t_done();
}
