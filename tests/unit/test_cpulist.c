// SPDX-License-Identifier: MIT
/* Unit tests of src/util/cpulist: the "0-3,5" CPU-list syntax. */
#include "harness.h"
#include "util/cpulist.h"

#include <errno.h>
#include <string.h>

static cpu_set_t set_of(const int *cpus, int n)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	for (int i = 0; i < n; i++)
		CPU_SET(cpus[i], &s);
	return s;
}

static void test_parse_simple(void)
{
	static const int want[] = { 0, 1, 2, 3, 5, 8, 9 };
	cpu_set_t s, w = set_of(want, 7);

	CHECK_EQ(cpulist_parse("0-3,5,8-9", &s, NULL), 0);
	CHECK(CPU_EQUAL(&s, &w));
	CHECK_EQ(CPU_COUNT(&s), 7);
	CHECK_EQ(cpulist_parse("7", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 1);
	CHECK(CPU_ISSET(7, &s));
	/* A single-CPU range and unordered, overlapping items are fine. */
	CHECK_EQ(cpulist_parse("4-4,2,0-2", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 4);
	CHECK(CPU_ISSET(0, &s) && CPU_ISSET(1, &s) && CPU_ISSET(2, &s) && CPU_ISSET(4, &s));
}

static void test_parse_sysfs_whitespace(void)
{
	cpu_set_t s;

	/* What /sys/devices/system/cpu/online holds: a trailing newline. */
	CHECK_EQ(cpulist_parse("0-1\n", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 2);
	CHECK_EQ(cpulist_parse("  0,2 \t\n", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 2);
	/* The empty list (all CPUs offline but... e.g. "offline" file) is the empty set. */
	CHECK_EQ(cpulist_parse("\n", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 0);
	CHECK_EQ(cpulist_parse("", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 0);
}

static void test_parse_bad_syntax(void)
{
	static const struct {
		const char *s;
		size_t off;
	} bad[] = {
		{ "0-3,x", 4 }, { ",1", 0 },  { "1,", 2 },  { "1,,2", 2 }, { "3-1", 0 },
		{ "1-", 2 },	{ "-1", 0 },  { "1 2", 1 }, { "0 -3", 1 }, { "+1", 0 },
		{ "1-3:2", 3 }, { "0x1", 1 }, { "1;2", 1 }, { "a", 0 },	   { "1--2", 2 },
	};
	cpu_set_t s, before;
	size_t off;

	CPU_ZERO(&before);
	CPU_SET(42, &before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = before;
		off = 999;
		CHECK_MSG(cpulist_parse(bad[i].s, &s, &off) == -EINVAL, "'%s' accepted", bad[i].s);
		CHECK_MSG(off == bad[i].off, "'%s': error at %zu, want %zu", bad[i].s, off,
			  bad[i].off);
		CHECK_MSG(CPU_EQUAL(&s, &before), "'%s' changed the set on error", bad[i].s);
	}
	CHECK_EQ(cpulist_parse(NULL, &s, NULL), -EINVAL);
}

static void test_parse_large(void)
{
	cpu_set_t s;
	size_t off = 0;
	bool clipped = false;

	CHECK_EQ(cpulist_parse("1023", &s, NULL), 0);
	CHECK(CPU_ISSET(1023, &s));
	CHECK_EQ(cpulist_parse("0-1023", &s, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), CPU_SETSIZE);
	CHECK_EQ(cpulist_parse("1,1024", &s, &off), -ERANGE);
	CHECK_EQ(off, 2);
	CHECK_EQ(cpulist_parse("1000-2000", &s, NULL), -ERANGE);
	/* Digits beyond any integer type: too large, not an overflow into a small CPU. */
	CHECK_EQ(cpulist_parse("99999999999999999999999", &s, NULL), -ERANGE);
	CHECK_EQ(cpulist_parse("4294967297", &s, NULL), -ERANGE);
	/* Clipping (a kernel file on a bigger host): what fits is kept. */
	CHECK_EQ(cpulist_parse_n("1020-1030,5000,3", 16, &s, true, &clipped, NULL), 0);
	CHECK(clipped);
	CHECK_EQ(CPU_COUNT(&s), 5);
	CHECK(CPU_ISSET(1023, &s) && CPU_ISSET(3, &s));
	clipped = true;
	CHECK_EQ(cpulist_parse_n("1-2", 3, &s, true, &clipped, NULL), 0);
	CHECK(!clipped);
}

static void test_parse_n_no_nul(void)
{
	const char buf[] = { '1', '-', '3', 'X' };
	cpu_set_t s;

	CHECK_EQ(cpulist_parse_n(buf, 3, &s, false, NULL, NULL), 0);
	CHECK_EQ(CPU_COUNT(&s), 3);
	CHECK_EQ(cpulist_parse_n(buf, 4, &s, false, NULL, NULL), -EINVAL);
}

static void test_format(void)
{
	static const int cpus[] = { 0, 1, 2, 3, 5, 7, 8, 1023 };
	cpu_set_t s = set_of(cpus, 8), back;
	char buf[64];

	CHECK_EQ(cpulist_format(&s, buf, sizeof(buf)), strlen("0-3,5,7-8,1023"));
	CHECK_STR(buf, "0-3,5,7-8,1023");
	CPU_ZERO(&s);
	CHECK_EQ(cpulist_format(&s, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	CPU_SET(1023, &s);
	cpulist_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "1023");
	/* Round trip of every CPU, and of every other CPU (the longest list). */
	for (int c = 0; c < CPU_SETSIZE; c++)
		CPU_SET(c, &s);
	cpulist_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "0-1023");
	{
		static char big[CPULIST_MAX_LEN];
		size_t need;

		CPU_ZERO(&s);
		for (int c = 0; c < CPU_SETSIZE; c += 2)
			CPU_SET(c, &s);
		need = cpulist_format(&s, big, sizeof(big));
		CHECK(need < sizeof(big));
		CHECK_EQ(strlen(big), need);
		CHECK_EQ(cpulist_parse(big, &back, NULL), 0);
		CHECK(CPU_EQUAL(&s, &back));
	}
}

static void test_format_truncates(void)
{
	static const int cpus[] = { 0, 2, 4, 6, 10 };
	cpu_set_t s = set_of(cpus, 5);
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	/* "0,2,4,6,10" needs 10; a buffer of 8 keeps whole items only. */
	CHECK_EQ(cpulist_format(&s, buf, sizeof(buf)), 10);
	CHECK_STR(buf, "0,2,4,6");
	CHECK_EQ(cpulist_format(&s, NULL, 0), 10);
	CHECK_EQ(cpulist_last(&s), 10);
	CPU_ZERO(&s);
	CHECK_EQ(cpulist_last(&s), -1);
}

int main(void)
{
	RUN(test_parse_simple);
	RUN(test_parse_sysfs_whitespace);
	RUN(test_parse_bad_syntax);
	RUN(test_parse_large);
	RUN(test_parse_n_no_nul);
	RUN(test_format);
	RUN(test_format_truncates);
	return t_done();
}
