// SPDX-License-Identifier: MIT
/*
 * Real host CPU hotplug (root only): host CPU 1 is taken offline and brought back while a
 * VM's vCPU-like threads run; the kernel's uevents reach the monitor through the netlink
 * socket. Checks that the threads end up only on online, checked CPUs, that events, log
 * lines and statistics appear, and that a CPU failing its check when it comes back is
 * kept out.
 *
 * CPU 1 is always brought back: a guardian child process restores it when this process
 * ends in any way (the pipe it reads reaches EOF even on a crash or SIGKILL), and the
 * normal path, atexit and fatal-signal handlers restore it too. CPU 1 is offline for well
 * under a second each time: other people build on these machines.
 */
#include "test_host_util.h"

#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "util/fault.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static const char *skip_reason;
static pid_t guardian = -1;
static int guardian_fd = -1;

/* Async-signal-safe (errno is not touched): the signal handler and the guardian use it. */
static bool cpu1_write_raw(const char *v)
{
	int fd = open(CPU1_ONLINE, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, v, 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* For the test itself: 0 or -errno. */
static int cpu1_write(const char *v)
{
	errno = 0;
	if (cpu1_write_raw(v))
		return 0;
	return errno ? -errno : -EIO;
}

static void restore_cpu1(void)
{
	cpu1_write_raw("1");
}

static void fatal_signal(int sig)
{
	restore_cpu1();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Before any thread exists: fork() is simple then. */
static void start_guardian(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return;
	guardian = fork();
	if (guardian == 0) {
		char c;

		close(p[1]);
		while (read(p[0], &c, 1) != 0)
			;
		/* The test process is gone (or done): CPU 1 goes back online, whatever happened. */
		restore_cpu1();
		_exit(0);
	}
	close(p[0]);
	if (guardian < 0) {
		close(p[1]);
		return;
	}
	guardian_fd = p[1];
}

static void stop_guardian(void)
{
	if (guardian_fd >= 0)
		close(guardian_fd);
	if (guardian > 0)
		waitpid(guardian, NULL, 0);
	guardian_fd = -1;
	guardian = -1;
}

static bool cpu1_is_online(void)
{
	cpu_set_t s;

	return th_online_cpus(&s) == 0 && CPU_ISSET(1, &s);
}

/*
 * Two runs at once (the plain, ASan and TSan builds, or two people's `make check`) would
 * take CPU 1 away from each other: they take turns on a lock file, held until exit.
 */
static bool take_turn(void)
{
	int fd = open("/tmp/hvemu-host-cpu1-hotplug.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		return true; /* no lock to be had: go ahead */
	for (int i = 0; i < 1200; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return true;
		th_sleep_ms(100);
	}
	close(fd);
	return false;
}

static void decide_skip(void)
{
	if (geteuid() != 0)
		skip_reason = "needs root to take host CPU 1 offline";
	else if (access(CPU1_ONLINE, W_OK))
		skip_reason = "host CPU 1 cannot be taken offline here (no " CPU1_ONLINE ")";
	else if (!take_turn())
		skip_reason = "another test held host CPU 1 for two minutes";
	else if (!cpu1_is_online())
		skip_reason = "host CPU 1 is not online";
}

static enum host_cpu_state cpu1_state(struct host_vm *vm)
{
	struct host_cpu_info *info = NULL;
	enum host_cpu_state s = HOST_CPU_OFFLINE;

	if (host_query_cpus(vm, &info) > 1)
		s = info[1].state;
	free(info);
	return s;
}

/* Waits (at most 5 s) until the VM sees CPU 1 in state want. */
static bool wait_cpu1(struct host_vm *vm, enum host_cpu_state want)
{
	for (int i = 0; i < 500; i++) {
		if (cpu1_state(vm) == want)
			return true;
		th_sleep_ms(10);
	}
	return false;
}

static void test_offline_online_cpu1(void)
{
	struct th_events ev;
	struct host_vm_params p = th_params("vm-root", &ev);
	struct host_vm *vm = NULL;
	struct th_spinner sp[3];
	uint64_t hp0, seen;
	char aff[64], all[64], without1[64];
	unsigned from;
	int r;

	if (skip_reason) {
		t_skip(skip_reason);
		return;
	}
	th_events_init(&ev);
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	if (!vm)
		return;
	CHECK_EQ(host_stats_get()->polling, 0); /* real uevents, not polling */
	th_online_except(-1, all, sizeof(all));
	th_online_except(1, without1, sizeof(without1));
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(th_spin_start(&sp[i], vm, i), 0);
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), all);
	}
	hp0 = host_stats_get()->hotplug_events;

	r = cpu1_write("0");
	CHECK_MSG(r == 0, "cannot take CPU 1 offline: %s", strerror(-r));
	CHECK(wait_cpu1(vm, HOST_CPU_OFFLINE));
	CHECK_EQ(host_sync(), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), without1);
	seen = th_spin_sample(sp, 3, 100);
	r = cpu1_write("1"); /* back as soon as possible */
	CHECK_MSG(r == 0, "cannot bring CPU 1 back: %s", strerror(-r));
	CHECK_MSG(seen && !(seen & 2), "threads ran on 0x%llx while CPU 1 was offline",
		  (unsigned long long)seen);
	CHECK(host_stats_get()->hotplug_events > hp0);
	CHECK(th_find_event(&ev, 0, HOST_CPU_EV_OFFLINE, 1) >= 0);
	CHECK(th_log_contains("host CPU 1 went offline"));
	CHECK(th_log_contains("vm-root: host CPU 1 offline"));

	/* Back online: checked on the CPU, then admitted, then used again. */
	CHECK(wait_cpu1(vm, HOST_CPU_ADMITTED));
	CHECK_EQ(host_sync(), 0);
	{
		int on = th_find_event(&ev, 0, HOST_CPU_EV_ONLINE, 1);
		int adm = th_find_event(&ev, 0, HOST_CPU_EV_ADMITTED, 1);

		CHECK(on >= 0 && adm > on);
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), all);
	CHECK(th_log_contains("host CPU 1 came online: checking it"));
	CHECK(th_log_contains("vm-root: host CPU 1 admitted"));

	/* Again, but CPU 1 fails its check when it comes back: it stays out. */
	CHECK_EQ(fault_arm("hostcpu.check=1*"), 0);
	from = th_nr_events(&ev);
	r = cpu1_write("0");
	CHECK(r == 0);
	CHECK(wait_cpu1(vm, HOST_CPU_OFFLINE));
	r = cpu1_write("1");
	CHECK(r == 0);
	CHECK(wait_cpu1(vm, HOST_CPU_REJECTED));
	CHECK_EQ(host_sync(), 0);
	CHECK(th_find_event(&ev, from, HOST_CPU_EV_REJECTED, 1) >= 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), without1);
	seen = th_spin_sample(sp, 3, 200);
	CHECK_MSG(!(seen & 2), "a thread ran on the rejected CPU 1 (0x%llx)",
		  (unsigned long long)seen);
	CHECK(th_log_contains("vm-root: host CPU 1 rejected: check failed: fault injected"));
	fault_disarm_all();
	CHECK_EQ(host_rescan(), 0);
	CHECK_EQ(cpu1_state(vm), HOST_CPU_ADMITTED);

	for (unsigned i = 0; i < 3; i++)
		th_spin_stop(&sp[i]);
	host_vm_unregister(vm);
	CHECK(cpu1_is_online());
}

int main(void)
{
	decide_skip();
	if (!skip_reason) {
		start_guardian();
		atexit(restore_cpu1);
		signal(SIGINT, fatal_signal);
		signal(SIGTERM, fatal_signal);
		signal(SIGABRT, fatal_signal);
		signal(SIGSEGV, fatal_signal);
		signal(SIGBUS, fatal_signal);
	}
	th_log_capture();
	th_warm_up_threads();
	th_nr_leaves = th_host_leaves(th_leaves);
	RUN(test_offline_online_cpu1);
	if (!skip_reason) {
		restore_cpu1();
		stop_guardian();
	}
	return t_done();
}
