/* SPDX-License-Identifier: MIT */
/*
 * A tiny TAP harness for host unit tests. Each test binary:
 *
 *   static void test_parse(void) { CHECK_EQ(parse("1"), 1); }
 *   int main(void) { RUN(test_parse); return t_done(); }
 *
 * prints "ok N - name", "not ok N - name" (with the failed checks as "# " lines before it)
 * or "ok N - name # SKIP reason", then "1..N". scripts/run-tests.sh totals the lines.
 * A test passes only if it ran at least one check: a test that checks nothing is a defect.
 */
#ifndef HVEMU_TESTS_HARNESS_H
#define HVEMU_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void t_run(const char *name, void (*fn)(void));
void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void t_pass_check(void);
/* Marks the running test skipped (call, then return). */
void t_skip(const char *reason);
int t_done(void);
/* Lines of the file f (a captured log: log_set_output) that contain needle. */
unsigned t_count_lines(FILE *f, const char *needle);

#define RUN(fn) t_run(#fn, fn)

#define CHECK(cond)                                                     \
	do {                                                            \
		if (cond)                                               \
			t_pass_check();                                 \
		else                                                    \
			t_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_MSG(cond, ...)                                     \
	do {                                                     \
		if (cond)                                        \
			t_pass_check();                          \
		else                                             \
			t_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a__ = (long long)(a), b__ = (long long)(b);                              \
		if (a__ == b__)                                                                    \
			t_pass_check();                                                            \
		else                                                                               \
			t_fail(__FILE__, __LINE__, "%s == %s: %lld (0x%llx) != %lld (0x%llx)", #a, \
			       #b, a__, (unsigned long long)a__, b__, (unsigned long long)b__);    \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *a__ = (a), *b__ = (b);                                       \
		if (a__ && b__ && strcmp(a__, b__) == 0)                                 \
			t_pass_check();                                                  \
		else                                                                     \
			t_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
			       a__ ? a__ : "(null)", b__ ? b__ : "(null)");              \
	} while (0)

#endif
