// SPDX-License-Identifier: MIT
/*
 * The scheduler probe (src/kvm/oncpu.c): is a thread on a CPU right now? Checked in
 * states that do not depend on how busy the machine is: a thread reading its own probe
 * is running by definition, and a thread blocked in a wait is off its CPU.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "kvm/oncpu.h"
#include "util/futex.h"

static _Atomic pid_t tid;
static _Atomic uint32_t phase;
static struct oncpu probe;
static enum oncpu_state self_seen[20];

static void *target(void *arg)
{
	(void)arg;
	atomic_store(&tid, gettid());
	/* Phase 1: the probe is open; switch out and back in, then look at ourselves. */
	while (atomic_load(&phase) < 1)
		usleep(1000);
	for (int i = 0; i < 20; i++) {
		usleep(1000);
		self_seen[i] = oncpu_get(&probe);
	}
	atomic_store(&phase, 2);
	futex_wake(&phase, 1);
	/* Phase 3: block until told to leave. */
	while (atomic_load(&phase) < 3)
		futex_wait(&phase, 2, 0);
	return NULL;
}

static char task_state(pid_t t)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", t);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

static void test_self_running_blocked_off(void)
{
	pthread_t th;
	int running = 0, off = 0;

	pthread_create(&th, NULL, target, NULL);
	while (!atomic_load(&tid))
		usleep(100);
	if (oncpu_open(&probe, atomic_load(&tid))) {
		t_skip("perf_event_open refused (perf_event_paranoid or seccomp)");
		atomic_store(&phase, 3);
		futex_wake(&phase, 1);
		pthread_join(th, NULL);
		return;
	}
	atomic_store(&phase, 1);
	while (atomic_load(&phase) < 2)
		usleep(1000);
	for (int i = 0; i < 20; i++)
		CHECK_MSG(self_seen[i] == ONCPU_RUNNING, "the thread saw itself as %d, not running",
			  (int)self_seen[i]);
	/* Now it sleeps in futex_wait: once the kernel says so, the probe must say "off". */
	for (int i = 0; i < 2000 && task_state(atomic_load(&tid)) != 'S'; i++)
		usleep(1000);
	CHECK_EQ(task_state(atomic_load(&tid)), 'S');
	for (int i = 0; i < 50; i++) {
		if (oncpu_get(&probe) == ONCPU_OFF)
			off++;
		else
			running++;
		usleep(200);
	}
	CHECK_MSG(off == 50, "a blocked thread read as off %d of 50 times", off);
	(void)running;
	atomic_store(&phase, 3);
	futex_wake(&phase, 1);
	pthread_join(th, NULL);
	oncpu_close(&probe);
	/* A closed probe knows nothing. */
	CHECK_EQ(oncpu_get(&probe), ONCPU_UNKNOWN);
}

static void test_switch_count(void)
{
	struct oncpu self;
	uint64_t n0, n1, n2;

	oncpu_init_none(&self);
	CHECK_EQ(oncpu_switches(&self), 0);
	if (oncpu_open(&self, gettid())) {
		t_skip("perf_event_open refused (perf_event_paranoid or seccomp)");
		return;
	}
	n0 = oncpu_switches(&self);
	n1 = oncpu_switches(&self);
	usleep(2000);
	n2 = oncpu_switches(&self);
	/* Nothing forces a switch between the first two reads; a sleep is two switches. */
	CHECK_MSG(n1 - n0 <= 2, "%llu switches between two reads", (unsigned long long)(n1 - n0));
	CHECK_MSG(n2 >= n1 + 2, "a 2 ms sleep counted %llu switches",
		  (unsigned long long)(n2 - n1));
	oncpu_close(&self);
	CHECK_EQ(oncpu_switches(&self), 0);
}

int main(void)
{
	RUN(test_self_running_blocked_off);
	RUN(test_switch_count);
	return t_done();
}
