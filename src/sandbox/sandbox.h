/* SPDX-License-Identifier: MIT */
/*
 * The system-call sandbox: one seccomp filter per thread class, each allowing only the
 * calls that class makes (docs/architecture.md §3.1). vCPU threads run guest-driven
 * code, so theirs is the tightest: ioctl only with the KVM requests hvemu issues.
 *
 * Use: sandbox_init() once in main, before any thread exists (it compiles every filter
 * with libseccomp and installs the SIGSYS reporter); then each thread calls
 * sandbox_enter(its class) as the first thing it does. Filters stack in Linux: a thread
 * inherits its creator's filter, so a class that creates threads of another class allows
 * what those need until they have entered (see rules.c).
 *
 * Modes: off (no filter), log (a forbidden call is allowed and logged by the kernel's
 * audit log, SECCOMP_RET_LOG), on (a forbidden call is not made: hvemu prints the thread
 * and the call and dies with SIGSYS).
 */
#ifndef HVEMU_SANDBOX_SANDBOX_H
#define HVEMU_SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sandbox_mode {
	SANDBOX_OFF,
	SANDBOX_LOG,
	SANDBOX_ON,
};

enum sandbox_class {
	SANDBOX_MAIN,	 /* the main thread once the VM runs: signals, shutdown */
	SANDBOX_VCPU,	 /* vcpuN: the run loop, exits, hypercalls, hot-add from the guest */
	SANDBOX_CTL,	 /* ctl: the control socket (and hot-add from a client) */
	SANDBOX_HOSTCPU, /* hostcpu: uevents, sysfs, re-placing vCPU threads */
	SANDBOX_CPUCHK,	 /* cpuchkN: a compatibility check pinned to one host CPU */
	SANDBOX_TIMERS,	 /* timers: synthetic timers and SynIC retries (--hv synic) */
	SANDBOX_CLASS_NR,
};

/* "off", "log", "on"; -EINVAL otherwise. */
int sandbox_parse_mode(const char *s, enum sandbox_mode *out);
const char *sandbox_mode_name(enum sandbox_mode m);
const char *sandbox_class_name(enum sandbox_class c);

/*
 * Compiles every class's filter for mode and, in mode on, installs the SIGSYS reporter.
 * Call once, from main, before any other thread exists. 0, or -errno with a message in err
 * (libseccomp missing a call, the kernel lacking seccomp filters).
 */
int sandbox_init(enum sandbox_mode mode, char *err, size_t errlen);
enum sandbox_mode sandbox_get_mode(void);

/*
 * Puts the calling thread under its class's filter (nothing when off or before
 * sandbox_init). Installing a compiled filter can only fail on a kernel refusal; in mode
 * on the thread then dies with SIGSYS as if it had made a forbidden call (fail closed),
 * in mode log it goes on and a warning is logged.
 */
void sandbox_enter(enum sandbox_class cls);

/* Threads that entered a filter, per class (query-stats: sandbox_threads_<class>). */
uint64_t sandbox_entered(enum sandbox_class cls);

/* Frees the compiled filters (installed ones stay, as the kernel keeps them). */
void sandbox_fini(void);

/* --- rules.c: the allow-lists ------------------------------------------------------ */

struct sandbox_ioctl_set {
	const unsigned long *req;
	size_t n;
};

struct sandbox_rules {
	const int *calls; /* system call numbers, allowed with any arguments */
	size_t ncalls;
	struct sandbox_ioctl_set ioctls; /* ioctl allowed with only these requests */
	bool prctl_name;		 /* prctl(PR_SET_NAME / PR_GET_NAME) */
};

/* The rules of a class (with the sanitizer runtime's calls in sanitizer builds). */
void sandbox_rules_get(enum sandbox_class cls, struct sandbox_rules *out, int *buf, size_t cap);

#endif
