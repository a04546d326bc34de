// SPDX-License-Identifier: MIT
#include "report.h"
#include "printf.h"
#include "atomic.h"
#include "cmdline.h"
#include "console.h"
#include "string.h"
#include "x86/percpu.h"

#define MAX_ALLOWED_SKIPS 16

static u32 tests, failures, skipped, unexpected;
static const char *allowed[MAX_ALLOWED_SKIPS];
static u32 nr_allowed;

static void report_line(const char *tag, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("%s: %s\n", tag, msg);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	atomic_inc(&tests);
	if (!pass)
		atomic_inc(&failures);
	va_start(ap, fmt);
	report_line(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	return pass;
}

void report_skip_allow(const char *tag)
{
	if (nr_allowed >= MAX_ALLOWED_SKIPS)
		panic("report_skip_allow(%s): more than %d tags", tag, MAX_ALLOWED_SKIPS);
	allowed[nr_allowed++] = tag;
}

/* Whether @tag is in the command line's comma-separated allow_skip= list. */
static bool allowed_by_cmdline(const char *tag)
{
	char list[128];
	size_t n = strlen(tag);

	if (cmdline_get_str("allow_skip", list, sizeof(list)))
		return false;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, tag, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static bool skip_allowed(const char *tag)
{
	for (u32 i = 0; i < nr_allowed; i++) {
		if (!strcmp(allowed[i], tag))
			return true;
	}
	return allowed_by_cmdline(tag);
}

void report_skip(const char *tag, const char *fmt, ...)
{
	bool ok = skip_allowed(tag);
	char msg[512];
	va_list ap;

	atomic_inc(&tests);
	atomic_inc(&skipped);
	if (!ok)
		atomic_inc(&unexpected);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("SKIP: %s [%s%s]\n", msg, tag, ok ? "" : ", unexpected");
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line("INFO", fmt, ap);
	va_end(ap);
}

unsigned int report_failures(void)
{
	return atomic_load(&failures);
}

int report_summary(void)
{
	u32 n = atomic_load(&tests), f = atomic_load(&failures), s = atomic_load(&skipped);
	u32 u = atomic_load(&unexpected);

	if (!n)
		printf("FAIL: no check ran\n");
	printf("SUMMARY: %u tests, %u failures, %u skipped, %u unexpected skips\n", n, f, s, u);
	if (!n || f || u)
		return REPORT_FAIL;
	return s == n ? REPORT_SKIP : REPORT_PASS;
}

__noreturn void report_exit(void)
{
	exit_status((u8)report_summary());
}

__noreturn void panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_lock_force();
	printf("PANIC: %s (CPU %u)\n", msg, smp_id());
	exit_status(1);
}
