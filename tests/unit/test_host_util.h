/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the host CPU manager tests (test_host_ctx.c, test_host_events.c,
 * test_host_hotplug.c). A header, not a support .c file, so that it is not linked into
 * every other unit test.
 */
#ifndef HVEMU_TESTS_TEST_HOST_UTIL_H
#define HVEMU_TESTS_TEST_HOST_UTIL_H

#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "host/host.h"
#include "util/cpulist.h"
#include "util/log.h"

#define TH_UNUSED __attribute__((unused))

static TH_UNUSED int th_count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * The number of threads once it has settled at want (or after a second): a joined thread
 * can still be listed for a moment, until the kernel has reaped it.
 */
static TH_UNUSED int th_tasks_settle(int want)
{
	int n = th_count_dir("/proc/self/task");

	for (int i = 0; i < 1000 && n != want; i++) {
		struct timespec ts = { .tv_nsec = 1000000 };

		nanosleep(&ts, NULL);
		n = th_count_dir("/proc/self/task");
	}
	return n;
}

static void *th_noop(void *arg)
{
	return arg;
}

/*
 * Starts and joins one thread, so that helper threads a runtime starts lazily with the
 * first pthread_create (ThreadSanitizer's background thread) exist before a test takes
 * its baseline of threads.
 */
static TH_UNUSED void th_warm_up_threads(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, th_noop, NULL) == 0)
		pthread_join(t, NULL);
}

static TH_UNUSED int th_tasks(void)
{
	return th_count_dir("/proc/self/task");
}

static TH_UNUSED int th_fds(void)
{
	return th_count_dir("/proc/self/fd");
}

/* Is there a thread of this process whose name starts with prefix? */
static TH_UNUSED bool th_thread_named(const char *prefix)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[300], name[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && strncmp(name, prefix, strlen(prefix)) == 0)
			found = true;
		fclose(f);
	}
	closedir(d);
	return found;
}

static TH_UNUSED void th_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The CPUID feature leaves of the CPU the test runs on: a VM modelled on this host. */
static TH_UNUSED unsigned th_host_leaves(struct host_cpuid_leaf *l)
{
	static const uint32_t fn[][2] = { { 1, 0 },	    { 7, 0 },	       { 7, 1 },
					  { 0xd, 1 },	    { 0x80000001, 0 }, { 0x80000007, 0 },
					  { 0x80000008, 0 } };
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		unsigned a, b, c, d;

		__cpuid_count(fn[i][0], fn[i][1], a, b, c, d);
		l[n++] = (struct host_cpuid_leaf){ .function = fn[i][0],
						   .index = fn[i][1],
						   .eax = a,
						   .ebx = b,
						   .ecx = c,
						   .edx = d };
	}
	return n;
}

/* --- recorded events ---------------------------------------------------------------- */

#define TH_MAX_EVENTS 512

struct th_events {
	pthread_mutex_t lock;
	unsigned n;
	struct {
		enum host_cpu_event_type type;
		int cpu;
		char reason[HOST_REASON_MAX];
	} ev[TH_MAX_EVENTS];
	_Atomic unsigned delay_ms; /* the callback sleeps this long (to test waiting) */
	_Atomic bool in_cb;
	_Atomic int sync_from_cb; /* what host_sync returned inside the callback */
};

static TH_UNUSED void th_events_init(struct th_events *e)
{
	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	atomic_store(&e->sync_from_cb, 1);
}

static TH_UNUSED void th_event_cb(void *opaque, const struct host_cpu_event *ev)
{
	struct th_events *e = opaque;
	unsigned delay = atomic_load(&e->delay_ms);

	atomic_store(&e->in_cb, true);
	if (delay) {
		atomic_store(&e->sync_from_cb, host_sync());
		th_sleep_ms(delay);
	}
	pthread_mutex_lock(&e->lock);
	if (e->n < TH_MAX_EVENTS) {
		e->ev[e->n].type = ev->type;
		e->ev[e->n].cpu = ev->cpu;
		snprintf(e->ev[e->n].reason, sizeof(e->ev[e->n].reason), "%s", ev->reason);
		e->n++;
	}
	pthread_mutex_unlock(&e->lock);
	atomic_store(&e->in_cb, false);
}

/* The CPUID leaves the test VMs are modelled on: main() fills them with th_host_leaves. */
static TH_UNUSED struct host_cpuid_leaf th_leaves[8];
static TH_UNUSED unsigned th_nr_leaves;

/* Parameters of a test VM on th_leaves; events go to ev (none when NULL). */
static TH_UNUSED struct host_vm_params th_params(const char *name, struct th_events *ev)
{
	return (struct host_vm_params){
		.name = name,
		.cpuid = th_leaves,
		.nr_cpuid = th_nr_leaves,
		.event_fn = ev ? th_event_cb : NULL,
		.opaque = ev,
	};
}

/* Index of the first event (type, cpu) at or after from, or -1. */
static TH_UNUSED int th_find_event(struct th_events *e, unsigned from,
				   enum host_cpu_event_type type, int cpu)
{
	int found = -1;

	pthread_mutex_lock(&e->lock);
	for (unsigned i = from; i < e->n; i++) {
		if (e->ev[i].type == type && e->ev[i].cpu == cpu) {
			found = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return found;
}

static TH_UNUSED unsigned th_nr_events(struct th_events *e)
{
	unsigned n;

	pthread_mutex_lock(&e->lock);
	n = e->n;
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* --- a vCPU-like thread: registers itself, then spins and notes every CPU it runs on --- */

struct th_spinner {
	pthread_t th;
	struct host_vm *vm;
	unsigned slot;
	_Atomic pid_t tid;
	_Atomic int add_r;
	_Atomic bool ready, stop, remove_at_end;
	/*
	 * CPUs the thread saw itself on (bit c: sched_getcpu() returned c, c < 32) in the low
	 * half, the sampling epoch in the high half. A thread preempted between sched_getcpu
	 * and recording its answer could record a CPU from before the last reset: the epoch
	 * tells such stale answers apart.
	 */
	_Atomic uint64_t seen;
};

static TH_UNUSED void th_spin_reset(struct th_spinner *s)
{
	uint64_t epoch = (atomic_load(&s->seen) >> 32) + 1;

	atomic_store(&s->seen, epoch << 32);
}

static TH_UNUSED uint32_t th_spin_seen(struct th_spinner *s)
{
	return (uint32_t)atomic_load(&s->seen);
}

static TH_UNUSED void th_spin_note(struct th_spinner *s)
{
	uint64_t epoch = atomic_load(&s->seen) >> 32, old;
	int cpu = sched_getcpu();

	if (cpu < 0 || cpu >= 32)
		return;
	old = atomic_load(&s->seen);
	while (old >> 32 == epoch &&
	       !atomic_compare_exchange_weak(&s->seen, &old, old | (1ull << cpu)))
		;
}

/*
 * Samples, every millisecond for ms milliseconds, the CPU the host reports each of the n
 * spinners on, and adds what the spinners saw themselves: a mask of the CPUs seen.
 */
static TH_UNUSED uint64_t th_spin_sample(struct th_spinner *sp, unsigned n, unsigned ms)
{
	uint64_t seen = 0;

	for (unsigned i = 0; i < n; i++)
		th_spin_reset(&sp[i]);
	for (unsigned t = 0; t < ms; t++) {
		for (unsigned i = 0; i < n; i++) {
			int cpu = host_vcpu_current_cpu(atomic_load(&sp[i].tid));

			if (cpu >= 0 && cpu < 64)
				seen |= 1ull << cpu;
		}
		th_sleep_ms(1);
	}
	for (unsigned i = 0; i < n; i++)
		seen |= th_spin_seen(&sp[i]);
	return seen;
}

static TH_UNUSED void *th_spin_main(void *arg)
{
	struct th_spinner *s = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	atomic_store(&s->tid, tid);
	atomic_store(&s->add_r, host_vcpu_thread_add(s->vm, s->slot, tid));
	atomic_store(&s->ready, true);
	while (!atomic_load(&s->stop)) {
		th_spin_note(s);
		for (volatile int i = 0; i < 2000; i++)
			;
	}
	if (atomic_load(&s->remove_at_end))
		host_vcpu_thread_remove(s->vm, s->slot);
	return NULL;
}

static TH_UNUSED int th_spin_start(struct th_spinner *s, struct host_vm *vm, unsigned slot)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->slot = slot;
	atomic_store(&s->remove_at_end, true);
	if (pthread_create(&s->th, NULL, th_spin_main, s))
		return -1;
	while (!atomic_load(&s->ready))
		th_sleep_ms(1);
	return atomic_load(&s->add_r);
}

static TH_UNUSED void th_spin_stop(struct th_spinner *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
}

/* The thread's affinity as a list ("0", "0-1"), or "?" */
static TH_UNUSED const char *th_affinity(pid_t tid, char *buf, size_t len)
{
	cpu_set_t s;

	if (sched_getaffinity(tid, sizeof(s), &s))
		return "?";
	cpulist_format(&s, buf, len);
	return buf;
}

/* --- the online list seen by the monitor (host_test_set_online_path) ---------------- */

static char th_online_file[64];

static TH_UNUSED int th_online_set(const char *list)
{
	char tmp[80];
	FILE *f;

	if (!th_online_file[0]) {
		int fd;

		snprintf(th_online_file, sizeof(th_online_file), "/tmp/hvemu-online-XXXXXX");
		fd = mkstemp(th_online_file);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	/* Replace atomically: the monitor may be reading it. */
	snprintf(tmp, sizeof(tmp), "%s.new", th_online_file);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", list);
	fclose(f);
	if (rename(tmp, th_online_file))
		return -errno;
	return host_test_set_online_path(th_online_file);
}

static TH_UNUSED void th_online_reset(void)
{
	host_test_set_online_path(NULL);
	if (th_online_file[0])
		unlink(th_online_file);
	th_online_file[0] = '\0';
}

/* A kernel-shaped uevent for a CPU: "offline@/devices/system/cpu/cpuN\0..." */
static TH_UNUSED size_t th_cpu_uevent(char *buf, size_t len, const char *action, int cpu,
				      unsigned long long seq)
{
	int n = snprintf(buf, len,
			 "%s@/devices/system/cpu/cpu%d%cACTION=%s%cDEVPATH=/devices/system/cpu/"
			 "cpu%d%cSUBSYSTEM=cpu%cSEQNUM=%llu%c",
			 action, cpu, 0, action, 0, cpu, 0, 0, seq, 0);

	return n > 0 ? (size_t)n : 0;
}

/* --- log capture ---------------------------------------------------------------------- */

static FILE *th_log;
static char th_log_path[64];

static TH_UNUSED void th_log_cleanup(void)
{
	if (th_log_path[0])
		unlink(th_log_path);
}

/*
 * Sends hvemu's log to a file (append mode: writers always add at the end, whatever a
 * reader does). Call in main() before any thread is started (log_set_output is not
 * thread-safe). HVEMU_TEST_LOG_STDERR=1 keeps the log on stderr instead.
 */
static TH_UNUSED void th_log_capture(void)
{
	int fd;

	if (getenv("HVEMU_TEST_LOG_STDERR"))
		return;
	snprintf(th_log_path, sizeof(th_log_path), "/tmp/hvemu-testlog-XXXXXX");
	fd = mkstemp(th_log_path);
	if (fd < 0)
		return;
	close(fd);
	th_log = fopen(th_log_path, "a");
	if (!th_log)
		return;
	setvbuf(th_log, NULL, _IOLBF, 0);
	log_set_output(th_log);
	atexit(th_log_cleanup);
}

static TH_UNUSED bool th_log_contains(const char *needle)
{
	char line[1200];
	bool found = false;
	FILE *f;

	if (!th_log)
		return true; /* not captured: cannot tell, do not fail */
	fflush(th_log);
	f = fopen(th_log_path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static TH_UNUSED int th_online_cpus(cpu_set_t *s)
{
	char buf[256];
	ssize_t n;
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY);

	CPU_ZERO(s); /* defined on every path, failures included */
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return cpulist_parse(buf, s, NULL);
}

/* The online host CPUs as a list, without one CPU (-1: none): what a VM may use. */
static TH_UNUSED const char *th_online_except(int cpu, char *buf, size_t len)
{
	cpu_set_t s;

	if (th_online_cpus(&s))
		return "?";
	if (cpu >= 0)
		CPU_CLR(cpu, &s);
	cpulist_format(&s, buf, len);
	return buf;
}

#endif
