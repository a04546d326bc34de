// SPDX-License-Identifier: MIT
/*
 * The seccomp sandbox, each case in a child process (a filter cannot be removed): a call
 * no class allows kills the process with SIGSYS in mode on, after a report naming the
 * thread and the call; mode log lets it through; the calls a class needs pass, ioctl only
 * with the listed requests; a thread created by a filtered thread keeps its creator's
 * filter under its own, and a vCPU thread created by a vCPU thread is not filtered twice
 * (hundreds of generations do not run out of filter space).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "sandbox/sandbox.h"
#include "util/fault.h"
#include "util/log.h"

/* What a child does in its thread: 0 = fine (the child exits 0). */
typedef int (*child_fn)(void);

struct child_result {
	int status;
	char err[2048];
};

static void *thread_main(void *arg)
{
	child_fn fn = (child_fn)arg;

	return (void *)(long)fn();
}

/* Forks; the child sets mode, runs fn on a new thread and exits with its result. */
static void run_child(enum sandbox_mode mode, child_fn fn, struct child_result *res)
{
	int pipefd[2];
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	memset(res, 0, sizeof(*res));
	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		char err[256];
		pthread_t t;
		void *ret;

		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		log_set_output(NULL);
		if (sandbox_init(mode, err, sizeof(err))) {
			fprintf(stderr, "sandbox_init: %s\n", err);
			_exit(90);
		}
		if (pthread_create(&t, NULL, thread_main, (void *)fn))
			_exit(91);
		pthread_join(t, &ret);
		_exit((int)(long)ret);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], res->err + got, sizeof(res->err) - 1 - got)) > 0)
		got += (size_t)n;
	close(pipefd[0]);
	waitpid(pid, &res->status, 0);
}

static bool died_of_sigsys(const struct child_result *r)
{
	return WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGSYS;
}

static bool exited(const struct child_result *r, int code)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

/* --- what the children do --------------------------------------------------------------- */

static int vcpu_calls_socket(void)
{
	int fd;

	sandbox_enter(SANDBOX_VCPU);
	prctl(PR_SET_NAME, "vcpu7");
	fd = socket(AF_INET, SOCK_DGRAM, 0); /* no class allows it */
	return fd >= 0 ? 0 : 3;
}

static int vcpu_allowed(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC); /* before: a vCPU opens no file */
	int r;

	sandbox_enter(SANDBOX_VCPU);
	prctl(PR_SET_NAME, "vcpu1");
	/* a KVM request on a non-KVM fd: allowed by the filter, refused by the driver */
	r = ioctl(fd, KVM_RUN, 0);
	if (r != -1 || errno != ENOTTY)
		return 4;
	if (write(fd, "x", 1) != 1 || getpid() <= 0 || sched_yield())
		return 5;
	close(fd);
	return 0;
}

static int vcpu_other_ioctl(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct winsize ws;

	sandbox_enter(SANDBOX_VCPU);
	ioctl(fd, TIOCGWINSZ, &ws); /* not a KVM request */
	return 6;
}

/* The timer thread: KVM_SIGNAL_MSI only (here on a non-KVM fd: the driver refuses it). */
static int timers_signal_msi(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	prctl(PR_SET_NAME, "timers");
	sandbox_enter(SANDBOX_TIMERS);
	if (ioctl(fd, KVM_SIGNAL_MSI, NULL) != -1 || errno != ENOTTY)
		return 8;
	close(fd);
	return 0;
}

static int timers_run_vcpu(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	prctl(PR_SET_NAME, "timers");
	sandbox_enter(SANDBOX_TIMERS);
	ioctl(fd, KVM_RUN, 0); /* a vCPU's request, not the timer thread's */
	return 9;
}

static int vcpu_unlinks_file(void)
{
	sandbox_enter(SANDBOX_VCPU);
	unlink("/nonexistent-hvemu-sandbox-test"); /* only main may unlink (its API socket) */
	return 7;
}

/* ctl creates a vCPU thread: the vCPU's own filter applies on top of ctl's. */
static int vcpu_from_ctl_accepts(void)
{
	sandbox_enter(SANDBOX_VCPU); /* name still "ctl": stacked */
	accept4(-1, NULL, NULL, 0);  /* ctl allows it, the vCPU filter does not */
	return 8;
}

static int ctl_creates_vcpu(void)
{
	pthread_t t;
	void *ret;

	sandbox_enter(SANDBOX_CTL);
	prctl(PR_SET_NAME, "ctl");
	if (accept4(-1, NULL, NULL, 0) != -1 || errno != EBADF) /* allowed here */
		return 9;
	if (pthread_create(&t, NULL, thread_main, (void *)vcpu_from_ctl_accepts))
		return 10;
	pthread_join(t, &ret);
	return (int)(long)ret;
}

/* Each vCPU thread hot-adds the next: the filter is inherited, not stacked again. */
static int generations;

static int vcpu_generation(void)
{
	pthread_t t;
	void *ret;
	char name[16];

	sandbox_enter(SANDBOX_VCPU);
	snprintf(name, sizeof(name), "vcpu%d", generations);
	prctl(PR_SET_NAME, name);
	if (++generations == 400)
		return sandbox_entered(SANDBOX_VCPU) == 400 ? 0 : 11;
	if (pthread_create(&t, NULL, thread_main, (void *)vcpu_generation))
		return 12;
	pthread_join(t, &ret);
	return (int)(long)ret;
}

/*
 * The main thread at the end of a VM: freeing memory of another thread's arena shrinks
 * that arena, and the first shrink in a process makes glibc open
 * /proc/sys/vm/overcommit_memory. Here the thread's own arena: allocated below the mmap
 * threshold so the chunks live in the arena, freed so its top passes the trim threshold.
 */
static int main_shrinks_arena(void)
{
	void *p[4];

	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	for (int i = 0; i < 4; i++)
		p[i] = malloc(1 << 20);
	sandbox_enter(SANDBOX_MAIN);
	prctl(PR_SET_NAME, "hvemu");
	for (int i = 4; i--;)
		free(p[i]);
	/* and a direct open: refused with EACCES, not a SIGSYS */
	return open("/dev/null", O_RDONLY) == -1 && errno == EACCES ? 0 : 13;
}

/* --- tests ----------------------------------------------------------------------------- */

static void test_forbidden_call_kills(void)
{
	struct child_result r;

	run_child(SANDBOX_ON, vcpu_calls_socket, &r);
	CHECK_MSG(died_of_sigsys(&r), "status 0x%x, stderr: %s", r.status, r.err);
	CHECK_MSG(strstr(r.err, "thread vcpu7 (vcpu filter) made the forbidden system call 41"),
		  "report: %s", r.err);
	run_child(SANDBOX_ON, vcpu_other_ioctl, &r);
	CHECK_MSG(died_of_sigsys(&r), "TIOCGWINSZ: status 0x%x", r.status);
	run_child(SANDBOX_ON, vcpu_unlinks_file, &r);
	CHECK_MSG(died_of_sigsys(&r), "unlink: status 0x%x", r.status);
	run_child(SANDBOX_ON, timers_run_vcpu, &r);
	CHECK_MSG(died_of_sigsys(&r) && strstr(r.err, "thread timers (timers filter)"),
		  "timers KVM_RUN: status 0x%x, stderr: %s", r.status, r.err);
}

static void test_log_mode_only_logs(void)
{
	struct child_result r;

	run_child(SANDBOX_LOG, vcpu_calls_socket, &r);
	CHECK_MSG(exited(&r, 0), "status 0x%x, stderr: %s", r.status, r.err);
	run_child(SANDBOX_OFF, vcpu_calls_socket, &r);
	CHECK_MSG(exited(&r, 0), "off: status 0x%x", r.status);
}

static void test_allowed_calls_pass(void)
{
	struct child_result r;

	run_child(SANDBOX_ON, vcpu_allowed, &r);
	CHECK_MSG(exited(&r, 0), "status 0x%x, stderr: %s", r.status, r.err);
	run_child(SANDBOX_ON, timers_signal_msi, &r);
	CHECK_MSG(exited(&r, 0), "timers: status 0x%x, stderr: %s", r.status, r.err);
}

static void test_glibc_opens_refused(void)
{
	struct child_result r;

	struct sandbox_rules rules;
	int calls[256];

	sandbox_rules_get(SANDBOX_MAIN, &rules, calls, 256);
	for (size_t i = 0; i < rules.ncalls; i++) {
		if (calls[i] == SYS_openat) {
			t_skip("main may open files in this build (the sanitizer runtimes do)");
			return;
		}
	}
	run_child(SANDBOX_ON, main_shrinks_arena, &r);
	CHECK_MSG(exited(&r, 0), "status 0x%x, stderr: %s", r.status, r.err);
	/* Control: without the EACCES rule, the same frees open a file and stop the child. */
	fault_arm("sandbox.open_traps=main*");
	run_child(SANDBOX_ON, main_shrinks_arena, &r);
	fault_disarm_all();
	CHECK_MSG(died_of_sigsys(&r) && strstr(r.err, "made the forbidden system call 257"),
		  "control: status 0x%x, stderr: %s", r.status, r.err);
}

static void test_stacking(void)
{
	struct child_result r;

	run_child(SANDBOX_ON, ctl_creates_vcpu, &r);
	CHECK_MSG(died_of_sigsys(&r) && strstr(r.err, "(vcpu filter) made the forbidden system "
						      "call 288"), /* accept4 */
		  "vCPU thread of ctl: status 0x%x, stderr: %s", r.status, r.err);
	run_child(SANDBOX_ON, vcpu_generation, &r);
	CHECK_MSG(exited(&r, 0), "400 vCPU generations: status 0x%x, stderr: %s", r.status, r.err);
}

static void test_parse(void)
{
	enum sandbox_mode m;

	CHECK(sandbox_parse_mode("on", &m) == 0 && m == SANDBOX_ON);
	CHECK(sandbox_parse_mode("log", &m) == 0 && m == SANDBOX_LOG);
	CHECK(sandbox_parse_mode("off", &m) == 0 && m == SANDBOX_OFF);
	CHECK_EQ(sandbox_parse_mode("yes", &m), -EINVAL);
	CHECK_STR(sandbox_mode_name(SANDBOX_LOG), "log");
	CHECK_STR(sandbox_class_name(SANDBOX_HOSTCPU), "hostcpu");
}

int main(void)
{
	RUN(test_parse);
	RUN(test_forbidden_call_kills);
	RUN(test_log_mode_only_logs);
	RUN(test_allowed_calls_pass);
	RUN(test_glibc_opens_refused);
	RUN(test_stacking);
	return t_done();
}
