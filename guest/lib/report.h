/* SPDX-License-Identifier: MIT */
/*
 * Test reporting and exit. Each report prints one line:
 *	PASS: <message>		FAIL: <message>		INFO: <message>
 *	SKIP: <message> [<tag>]		SKIP: <message> [<tag>, unexpected]
 *
 * A check that cannot run reports a skip naming the missing prerequisite with a short tag
 * ("hv", "vp", "xmm", "cpus", ...). A skip is allowed only when it was declared for the
 * run: by the guest itself (report_skip_allow(tag), for what a test expects on every host)
 * or on the command line (allow_skip=tag1,tag2: a configuration that lacks the
 * prerequisite on purpose). Any other skip is unexpected and fails the run, so losing a
 * feature (Hyper-V CPUID, a VP index) never turns a test green.
 *
 * report_summary() prints
 *	SUMMARY: N tests, F failures, S skipped, U unexpected skips
 * (N counts every report() and report_skip(), S every skip, U the undeclared ones; N - S
 * checks ran) and returns the guest's exit code:
 *	0  REPORT_PASS: at least one check ran, no failure, no unexpected skip;
 *	1  REPORT_FAIL: a failure, an unexpected skip, or no report at all (N = 0);
 *	77 REPORT_SKIP: every report was a declared skip (the SKIP status of automake and
 *	   kvm-unit-tests).
 *
 * exit_status(code) writes code to the isa-debug-exit port 0xF4: hvemu and QEMU then
 * exit with (code << 1) | 1, so a passing test guest makes hvemu exit with 1, a failing
 * one with 3, an all-skipped one with 155.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include "types.h"

enum {
	REPORT_PASS = 0,
	REPORT_FAIL = 1,
	REPORT_SKIP = 77,
};

bool report(bool pass, const char *fmt, ...) __printf(2, 3);
/* A check that cannot run for want of @tag (see above: unexpected unless declared). */
void report_skip(const char *tag, const char *fmt, ...) __printf(2, 3);
/* Declares skips tagged @tag allowed in this run (@tag must stay valid). */
void report_skip_allow(const char *tag);
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
