// SPDX-License-Identifier: MIT
/*
 * Seccomp filters per thread class (sandbox.h). The filters are compiled once, in main,
 * into BPF programs; entering one is then a single seccomp(2) call that cannot depend on
 * anything the thread's own filter forbids.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/compiler.h"
#include "util/fault.h"
#include "util/log.h"

#define MAX_CALLS 160

static enum sandbox_mode mode = SANDBOX_OFF;
static struct sock_fprog progs[SANDBOX_CLASS_NR];
static _Atomic uint64_t entered[SANDBOX_CLASS_NR];
static __thread int thread_class = -1; /* the class this thread entered, for the reporter */

static const int prctl_ops[] = { PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP };

static const char *const class_names[SANDBOX_CLASS_NR] = {
	[SANDBOX_MAIN] = "main",       [SANDBOX_VCPU] = "vcpu",	    [SANDBOX_CTL] = "ctl",
	[SANDBOX_HOSTCPU] = "hostcpu", [SANDBOX_CPUCHK] = "cpuchk", [SANDBOX_TIMERS] = "timers",
};

/*
 * The thread-name prefix each class's threads take. A new thread's name is its creator's
 * until it names itself, which tells sandbox_enter() which filter it inherited.
 */
static const char *const class_comm[SANDBOX_CLASS_NR] = {
	[SANDBOX_MAIN] = NULL,	       [SANDBOX_VCPU] = "vcpu",	    [SANDBOX_CTL] = "ctl",
	[SANDBOX_HOSTCPU] = "hostcpu", [SANDBOX_CPUCHK] = "cpuchk", [SANDBOX_TIMERS] = "timers",
};

const char *sandbox_class_name(enum sandbox_class c)
{
	return (unsigned)c < SANDBOX_CLASS_NR ? class_names[c] : "?";
}

int sandbox_parse_mode(const char *s, enum sandbox_mode *out)
{
	static const char *const names[] = { "off", "log", "on" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum sandbox_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sandbox_mode_name(enum sandbox_mode m)
{
	return m == SANDBOX_ON ? "on" : m == SANDBOX_LOG ? "log" : "off";
}

enum sandbox_mode sandbox_get_mode(void)
{
	return mode;
}

uint64_t sandbox_entered(enum sandbox_class cls)
{
	return (unsigned)cls < SANDBOX_CLASS_NR ? atomic_load(&entered[cls]) : 0;
}

/*
 * Mode on: a forbidden call traps here (SECCOMP_RET_TRAP) instead of being made. Say which
 * thread made which call, then die of SIGSYS: the default action is restored and the
 * signal, blocked while its handler runs, is taken as soon as the handler returns.
 * Only async-signal-safe calls, each one every filter allows.
 */
static void sigsys_report(int sig, siginfo_t *si, void *uctx)
{
	char msg[160], comm[17] = "?";
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int n;

	(void)uctx;
	prctl(PR_GET_NAME, comm);
	n = snprintf(msg, sizeof(msg),
		     "hvemu: seccomp: thread %s (%s filter) made the forbidden system call %d; "
		     "stopping (--seccomp log allows and logs it)\n",
		     comm, thread_class >= 0 ? class_names[thread_class] : "inherited",
		     si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		msg[0] = '\0';
	sigaction(sig, &dfl, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

/* The BPF of ctx into a malloc'd buffer (libseccomp 2.5 exports to a file descriptor). */
static int export_bpf(scmp_filter_ctx ctx, void **out, size_t *len)
{
	int fd = memfd_create("hvemu-seccomp", MFD_CLOEXEC), r;
	off_t size;
	char *buf;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	size = r ? -1 : lseek(fd, 0, SEEK_END);
	buf = size > 0 ? malloc((size_t)size) : NULL;
	if (!r && (!buf || pread(fd, buf, (size_t)size, 0) != size))
		r = -EIO;
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	*out = buf;
	*len = (size_t)size;
	return 0;
}

static bool class_opens_files(const struct sandbox_rules *rules)
{
	for (size_t i = 0; i < rules->ncalls; i++)
		if (rules->calls[i] == SYS_openat || rules->calls[i] == SYS_open)
			return true;
	return false;
}

/* Builds one class's program with libseccomp and copies its BPF out. */
static int compile(enum sandbox_class cls, uint32_t deny, struct sock_fprog *out, char *err,
		   size_t errlen)
{
	static int calls[MAX_CALLS];
	struct sandbox_rules rules;
	scmp_filter_ctx ctx = seccomp_init(deny);
	void *bpf = NULL;
	size_t len = 0;
	int r = 0;

	if (!ctx) {
		snprintf(err, errlen, "seccomp: libseccomp cannot create a filter");
		return -ENOMEM;
	}
	sandbox_rules_get(cls, &rules, calls, ARRAY_SIZE(calls));
	/* seccomp_load would also set NO_NEW_PRIVS; main sets it once for the process. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree over the call numbers instead of a linear list (libseccomp 2.5). */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; !r && i < rules.ncalls; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, rules.calls[i], 0);
	/* ioctl: only the listed requests (compared on 32 bits: the ABI's request width). */
	for (size_t i = 0; !r && i < rules.ioctls.n; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, rules.ioctls.req[i]));
	/* prctl: naming itself, and the two questions sandbox_enter asks a new thread. */
	for (size_t i = 0; !r && rules.prctl_name && i < ARRAY_SIZE(prctl_ops); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0(SCMP_CMP_EQ, prctl_ops[i], 0));
	/* rt_sigaction on SIGSYS only: the reporter restores the default action. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
				     SCMP_A0(SCMP_CMP_EQ, SIGSYS, 0));
	/*
	 * A class that opens no file: opens fail with EACCES instead of stopping hvemu. glibc
	 * opens files on its own, from whichever thread gets there first, and copes with a
	 * failed open: malloc reads /proc/sys/vm/overcommit_memory the first time it shrinks
	 * a thread's arena (glibc malloc/arena.c, check_may_shrink_heap), which the main
	 * thread does when it frees the vCPU threads' memory at the end. A denied open reads
	 * nothing, so it gives a thread no more than the filter already does.
	 */
	if (!r && deny == SCMP_ACT_TRAP && !class_opens_files(&rules) &&
	    !fault_hit_ctx("sandbox.open_traps", class_names[cls])) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	}
	if (r) {
		snprintf(err, errlen, "seccomp: adding a rule to the %s filter: %s",
			 class_names[cls], strerror(-r));
		goto out;
	}
	r = export_bpf(ctx, &bpf, &len);
	if (r || !len || len % sizeof(struct sock_filter)) {
		snprintf(err, errlen, "seccomp: exporting the %s filter failed", class_names[cls]);
		r = r ? r : -EINVAL;
		free(bpf);
		goto out;
	}
	out->filter = bpf;
	out->len = (unsigned short)(len / sizeof(struct sock_filter));
out:
	seccomp_release(ctx);
	return r;
}

int sandbox_init(enum sandbox_mode m, char *err, size_t errlen)
{
	uint32_t deny = m == SANDBOX_ON ? SCMP_ACT_TRAP : SCMP_ACT_LOG;
	struct sigaction sa = { .sa_sigaction = sigsys_report, .sa_flags = SA_SIGINFO };
	int r;

	sandbox_fini();
	mode = SANDBOX_OFF;
	if (m == SANDBOX_OFF)
		return 0;
	if (prctl(PR_GET_SECCOMP) < 0 && errno == EINVAL) {
		snprintf(err, errlen, "seccomp: the kernel has no seccomp support");
		return -ENOSYS;
	}
	for (unsigned c = 0; c < SANDBOX_CLASS_NR; c++) {
		r = compile((enum sandbox_class)c, deny, &progs[c], err, errlen);
		if (r) {
			sandbox_fini();
			return r;
		}
	}
	/*
	 * glibc learns its arena limit (8 per CPU) the first time a thread needs a new
	 * arena, by reading /sys/devices/system/cpu/online from that thread: a vCPU thread,
	 * under a filter without openat. Set the same limit now.
	 */
	mallopt(M_ARENA_MAX, 8 * get_nprocs_conf());
	/* Inherited by every thread created from now on; needed for an unprivileged filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		r = -errno;
		snprintf(err, errlen, "seccomp: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		sandbox_fini();
		return r;
	}
	if (m == SANDBOX_ON)
		sigaction(SIGSYS, &sa, NULL);
	mode = m;
	return 0;
}

/* The class whose filter the calling thread inherited, from its name; -1: none known. */
static int inherited_class(void)
{
	char comm[17] = "";

	if (prctl(PR_GET_SECCOMP) != SECCOMP_MODE_FILTER || prctl(PR_GET_NAME, comm))
		return -1;
	for (unsigned c = 0; c < SANDBOX_CLASS_NR; c++)
		if (class_comm[c] && !strncmp(comm, class_comm[c], strlen(class_comm[c])))
			return (int)c;
	return -1;
}

/*
 * The test hook (fault point "sandbox.forbidden=<class>"): the thread makes a call no
 * class allows, socket(2), right after entering its filter. Mode on must stop the
 * process, mode log must let the call through.
 */
static void forbidden_call(enum sandbox_class cls)
{
	int fd;

	pr_warn("seccomp: fault point: this %s thread now calls socket(2), which no filter "
		"allows",
		class_names[cls]);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	pr_warn("seccomp: socket(2) from a %s thread returned %d (%s): allowed and logged",
		class_names[cls], fd, fd < 0 ? strerror(errno) : "made");
}

void sandbox_enter(enum sandbox_class cls)
{
	int r;

	if (mode == SANDBOX_OFF || (unsigned)cls >= SANDBOX_CLASS_NR || !progs[cls].filter)
		return;
	/* A vCPU thread hot-added by a vCPU thread has the filter already: no second copy. */
	if (inherited_class() == (int)cls) {
		thread_class = (int)cls;
		atomic_fetch_add(&entered[cls], 1);
		return;
	}
	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[cls]);
	if (!r) {
		thread_class = (int)cls;
		atomic_fetch_add(&entered[cls], 1);
		if (fault_hit_ctx("sandbox.forbidden", class_names[cls]))
			forbidden_call(cls);
		return;
	}
	pr_err("seccomp: the %s filter cannot be installed: %s%s", class_names[cls],
	       strerror(errno), mode == SANDBOX_ON ? "; stopping" : "");
	if (mode == SANDBOX_ON) {
		/* Fail closed: this thread does not run unfiltered. */
		sigset_t sys;

		sigemptyset(&sys);
		sigaddset(&sys, SIGSYS);
		signal(SIGSYS, SIG_DFL);
		pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
		syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSYS);
	}
}

void sandbox_fini(void)
{
	for (unsigned c = 0; c < SANDBOX_CLASS_NR; c++) {
		free(progs[c].filter);
		progs[c].filter = NULL;
		progs[c].len = 0;
	}
}
