// SPDX-License-Identifier: MIT
#include "report.h"
#include "printf.h"
#include "atomic.h"
#include "console.h"
#include "x86/percpu.h"

static u32 tests, failures, skipped;

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

void report_skip(const char *fmt, ...)
{
	va_list ap;

	atomic_inc(&tests);
	atomic_inc(&skipped);
	va_start(ap, fmt);
	report_line("SKIP", fmt, ap);
	va_end(ap);
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
	u32 f = atomic_load(&failures);

	printf("SUMMARY: %u tests, %u failures, %u skipped\n", atomic_load(&tests), f,
	       atomic_load(&skipped));
	return f ? 1 : 0;
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
