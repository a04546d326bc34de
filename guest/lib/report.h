/* SPDX-License-Identifier: MIT */
/*
 * Test reporting and exit. Each report prints one line:
 *	PASS: <message>		FAIL: <message>		SKIP: <message>		INFO: <message>
 * report_summary() prints "SUMMARY: N tests, M failures, K skipped" (N counts every
 * report() and report_skip()) and returns the exit code: 0 = no failure, 1 = failures.
 *
 * exit_status(code) writes code to the isa-debug-exit port 0xF4: hvemu and QEMU then
 * exit with (code << 1) | 1, so a passing test guest makes hvemu exit with 1.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include "types.h"

bool report(bool pass, const char *fmt, ...) __printf(2, 3);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
int report_summary(void);
/* report_summary(), then exit_status() with its result. */
__noreturn void report_exit(void);
unsigned int report_failures(void);

__noreturn void exit_status(u8 code);
/*
 * ACPI sleep control (port 0x600, SLP_TYP 5 | SLP_EN): hvemu powers off and exits 0.
 * Where that port does nothing (QEMU), falls back to exit_status(0).
 */
__noreturn void poweroff(void);
/* Prints "PANIC: <message> (CPU n)" and exits with failure. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define assert(cond)                                                                       \
	do {                                                                               \
		if (!(cond))                                                               \
			panic("assertion failed at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#endif
