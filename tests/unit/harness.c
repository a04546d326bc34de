// SPDX-License-Identifier: MIT
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static unsigned t_num, t_failed_total, t_skipped_total;
static unsigned cur_checks, cur_fails;
static const char *cur_skip;

void t_pass_check(void)
{
	cur_checks++;
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cur_checks++;
	cur_fails++;
	if (cur_fails > 20)
		return;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void t_skip(const char *reason)
{
	cur_skip = reason;
}

void t_run(const char *name, void (*fn)(void))
{
	cur_checks = 0;
	cur_fails = 0;
	cur_skip = NULL;
	fflush(stdout);
	fn();
	t_num++;
	if (cur_skip && cur_fails == 0) {
		t_skipped_total++;
		printf("ok %u - %s # SKIP %s\n", t_num, name, cur_skip);
	} else if (cur_fails == 0 && cur_checks > 0) {
		printf("ok %u - %s\n", t_num, name);
	} else {
		if (cur_checks == 0)
			printf("# %s ran no checks\n", name);
		t_failed_total++;
		printf("not ok %u - %s\n", t_num, name);
	}
	fflush(stdout);
}

int t_done(void)
{
	printf("1..%u\n", t_num);
	return t_failed_total ? 1 : 0;
}

unsigned t_count_lines(FILE *f, const char *needle)
{
	char line[1024];
	unsigned n = 0;

	fflush(f);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	return n;
}
