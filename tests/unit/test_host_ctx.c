// SPDX-License-Identifier: MIT
/*
 * The host context's life: the usage count, creation and teardown (the monitor thread and
 * every descriptor come and go with it), fault injection at each creation step, polling
 * when the uevent socket cannot be opened, and many threads creating and destroying VMs
 * while (fake) hotplug events arrive. Also built with -fsanitize=thread.
 */
#include "test_host_util.h"

#include "util/fault.h"

static void test_usage_count_and_teardown(void)
{
	int tasks0 = th_tasks(), fds0 = th_fds();
	uint64_t created0 = host_stats_get()->contexts_created;
	struct host_vm_params p1 = th_params("vm-a", NULL), p2 = th_params("vm-b", NULL);
	struct host_vm *a = NULL, *b = NULL, *c = NULL;

	CHECK_EQ(host_usage_count(), 0);
	CHECK(!th_thread_named("hostcpu"));
	CHECK_EQ(host_rescan(), -ENODEV);
	CHECK_EQ(host_sync(), -ENODEV);

	CHECK_EQ(host_vm_register(&p1, &a), 0);
	CHECK_EQ(host_usage_count(), 1);
	CHECK(th_thread_named("hostcpu"));
	CHECK(!th_thread_named("cpuchk")); /* the check threads are joined */
	CHECK_EQ(host_stats_get()->contexts_created, created0 + 1);
	CHECK_EQ(host_vm_register(&p2, &b), 0);
	CHECK_EQ(host_vm_register(&p2, &c), 0);
	CHECK_EQ(host_usage_count(), 3);
	CHECK_EQ(host_stats_get()->usage_count, 3);
	/* One context for all of them. */
	CHECK_EQ(host_stats_get()->contexts_created, created0 + 1);
	CHECK_EQ(host_sync(), 0);

	host_vm_unregister(b);
	CHECK_EQ(host_usage_count(), 2);
	host_vm_unregister(a);
	CHECK_EQ(host_usage_count(), 1);
	CHECK(th_thread_named("hostcpu"));
	host_vm_unregister(c);
	CHECK_EQ(host_usage_count(), 0);
	CHECK_EQ(host_stats_get()->usage_count, 0);
	/* The last one stopped and joined the monitor and closed every descriptor. */
	CHECK_EQ(th_tasks_settle(tasks0), tasks0);
	CHECK(!th_thread_named("hostcpu"));
	CHECK_EQ(th_fds(), fds0);
	CHECK_EQ(host_rescan(), -ENODEV);
	host_vm_unregister(NULL);

	/* A new registration creates a new context. */
	CHECK_EQ(host_vm_register(&p1, &a), 0);
	CHECK_EQ(host_stats_get()->contexts_created, created0 + 2);
	host_vm_unregister(a);
	CHECK_EQ(th_tasks_settle(tasks0), tasks0);
	CHECK_EQ(th_fds(), fds0);
}

static void test_bad_params(void)
{
	struct host_vm_params p = th_params("bad", NULL);
	struct host_vm *vm = NULL;
	cpu_set_t empty;

	CHECK_EQ(host_vm_register(NULL, &vm), -EINVAL);
	CHECK_EQ(host_vm_register(&p, NULL), -EINVAL);
	p.cpuid = NULL;
	CHECK_EQ(host_vm_register(&p, &vm), -EINVAL);
	p = th_params("bad", NULL);
	CPU_ZERO(&empty);
	p.user_mask = &empty;
	CHECK_EQ(host_vm_register(&p, &vm), -EINVAL);
	CHECK(vm == NULL);
	CHECK_EQ(host_usage_count(), 0);
}

/* Every creation step that can fail leaves nothing behind: no thread, no fd, no count. */
static void test_fault_unwind(void)
{
	static const char *const points[] = {
		"hostvm.alloc",	 "hostctx.create", "hostctx.eventfd",
		"hostctx.epoll", "hostctx.online", "hostctx.monitor",
	};
	struct host_vm_params p = th_params("faulty", NULL);
	int tasks0 = th_tasks(), fds0 = th_fds();

	for (unsigned i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct host_vm *vm = NULL;
		uint64_t injected = fault_injected_total();

		CHECK_EQ(fault_arm(points[i]), 0);
		CHECK_MSG(host_vm_register(&p, &vm) == -EIO, "%s: registration did not fail",
			  points[i]);
		CHECK_MSG(fault_injected_total() == injected + 1, "%s was not reached", points[i]);
		CHECK(vm == NULL);
		CHECK_EQ(host_usage_count(), 0);
		CHECK_MSG(th_tasks_settle(tasks0) == tasks0, "%s: %d threads left (%d before)",
			  points[i], th_tasks_settle(tasks0), tasks0);
		CHECK_MSG(th_fds() == fds0, "%s: %d fds left (%d before)", points[i], th_fds(),
			  fds0);
		fault_disarm_all();
		/* And the next attempt works. */
		CHECK_EQ(host_vm_register(&p, &vm), 0);
		host_vm_unregister(vm);
	}
	/* A VM failing to register while another exists leaves the first one alone. */
	{
		struct host_vm *a = NULL, *b = NULL;

		CHECK_EQ(host_vm_register(&p, &a), 0);
		CHECK_EQ(fault_arm("hostvm.alloc"), 0);
		CHECK_EQ(host_vm_register(&p, &b), -EIO);
		fault_disarm_all();
		CHECK_EQ(host_usage_count(), 1);
		CHECK_EQ(host_sync(), 0);
		host_vm_unregister(a);
	}
	CHECK_EQ(th_tasks_settle(tasks0), tasks0);
	CHECK_EQ(th_fds(), fds0);
}

/* Without the uevent socket the online list is polled: a change is still seen. */
static void test_netlink_fault_polls(void)
{
	struct host_vm_params p = th_params("poller", NULL);
	struct host_vm *vm = NULL;
	struct host_cpu_info *info = NULL;
	cpu_set_t online;
	int n, tasks0 = th_tasks(), fds0 = th_fds();
	uint64_t reads0;
	bool seen = false;

	if (th_online_cpus(&online) || !CPU_ISSET(0, &online) || !CPU_ISSET(1, &online)) {
		t_skip("needs host CPUs 0 and 1 online");
		return;
	}
	CHECK_EQ(th_online_set("0-1"), 0);
	CHECK_EQ(fault_arm("hostctx.netlink"), 0);
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	fault_disarm_all();
	CHECK_EQ(host_stats_get()->polling, 1);
	CHECK(th_log_contains("polling"));
	reads0 = host_stats_get()->online_reads;
	/* No uevent at all: the next poll (within a second) must notice CPU 1 is gone. */
	CHECK_EQ(th_online_set("0"), 0);
	for (int i = 0; i < 300 && !seen; i++) {
		th_sleep_ms(10);
		n = host_query_cpus(vm, &info);
		if (n > 1)
			seen = info[1].state == HOST_CPU_OFFLINE;
		free(info);
	}
	CHECK_MSG(seen, "polling did not notice CPU 1 going offline");
	CHECK(host_stats_get()->online_reads > reads0);
	host_vm_unregister(vm);
	CHECK_EQ(host_stats_get()->polling, 0);
	th_online_reset();
	CHECK_EQ(th_tasks_settle(tasks0), tasks0);
	CHECK_EQ(th_fds(), fds0);
}

/* --- many threads creating and destroying VMs while hotplug events arrive ------------- */

#define STRESS_THREADS 4
#define STRESS_ITERS   40

static _Atomic bool stress_stop;
static _Atomic unsigned stress_errors;

static void *stress_vm_thread(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	for (unsigned i = 0; i < STRESS_ITERS; i++) {
		struct host_vm_params p = th_params("stress", NULL);
		struct host_cpu_info *info = NULL;
		struct host_vcpu_info *vi = NULL;
		struct host_vm *vm = NULL;
		cpu_set_t mask;
		int r;

		CPU_ZERO(&mask);
		CPU_SET(0, &mask);
		if ((i + id) % 3 == 0)
			p.user_mask = &mask;
		r = host_vm_register(&p, &vm);
		if (r) {
			atomic_fetch_add(&stress_errors, 1);
			continue;
		}
		/* This thread plays a vCPU thread of its VM for a moment. */
		if (host_vcpu_thread_add(vm, id, tid))
			atomic_fetch_add(&stress_errors, 1);
		r = host_query_cpus(vm, &info);
		if (r <= 0)
			atomic_fetch_add(&stress_errors, 1);
		free(info);
		if (host_query_vcpus(vm, &vi) != 1)
			atomic_fetch_add(&stress_errors, 1);
		free(vi);
		if (i % 8 == 0)
			host_sync(); /* 0, or -ENODEV never: our VM holds the context */
		host_vcpu_thread_remove(vm, id);
		host_vm_unregister(vm);
	}
	return NULL;
}

static void *stress_hotplug_thread(void *arg)
{
	unsigned long long seq = 1000;
	char buf[256];

	(void)arg;
	while (!atomic_load(&stress_stop)) {
		size_t n;

		th_online_set((seq & 1) ? "0" : "0-1");
		n = th_cpu_uevent(buf, sizeof(buf), (seq & 1) ? "offline" : "online", 1, seq);
		/* -ENODEV when no VM exists at that moment: fine. */
		host_test_inject_uevent(buf, n);
		if (seq % 7 == 0)
			host_rescan();
		seq++;
		th_sleep_ms(1);
	}
	return NULL;
}

static void test_concurrent_create_destroy_hotplug(void)
{
	pthread_t vmth[STRESS_THREADS], hp;
	int tasks0 = th_tasks(), fds0 = th_fds();
	uint64_t events0 = host_stats_get()->hotplug_events;
	struct host_vm_params p = th_params("anchor", NULL);
	struct host_vm *anchor = NULL;

	CHECK_EQ(th_online_set("0-1"), 0);
	atomic_store(&stress_stop, false);
	atomic_store(&stress_errors, 0);
	CHECK_EQ(pthread_create(&hp, NULL, stress_hotplug_thread, NULL), 0);
	for (unsigned i = 0; i < STRESS_THREADS; i++)
		CHECK_EQ(pthread_create(&vmth[i], NULL, stress_vm_thread, (void *)(uintptr_t)i), 0);
	/* Halfway, hold a VM for a while so that events reach a live context for sure. */
	th_sleep_ms(50);
	CHECK_EQ(host_vm_register(&p, &anchor), 0);
	th_sleep_ms(100);
	CHECK_EQ(host_sync(), 0);
	host_vm_unregister(anchor);
	for (unsigned i = 0; i < STRESS_THREADS; i++)
		pthread_join(vmth[i], NULL);
	atomic_store(&stress_stop, true);
	pthread_join(hp, NULL);

	CHECK_EQ(atomic_load(&stress_errors), 0);
	CHECK_EQ(host_usage_count(), 0);
	CHECK_EQ(host_stats_get()->usage_count, 0);
	CHECK_EQ(host_stats_get()->vcpu_threads, 0);
	CHECK(host_stats_get()->hotplug_events > events0);
	CHECK_EQ(th_tasks_settle(tasks0), tasks0);
	CHECK(!th_thread_named("hostcpu"));
	CHECK_EQ(th_fds(), fds0);
	th_online_reset();
}

static void count_stat(void *ctx, const char *name, enum stat_type type, enum stat_unit unit,
		       uint64_t value)
{
	unsigned *n = ctx;

	(void)type;
	(void)unit;
	(void)value;
	if (strcmp(name, "checks_run") == 0 || strcmp(name, "hotplug_events") == 0 ||
	    strcmp(name, "cpus_rejected") == 0 || strcmp(name, "replacements") == 0)
		(*n)++;
}

static void test_stats_descriptors(void)
{
	unsigned n = 0;

	host_stats_visit(count_stat, &n);
	CHECK_EQ(n, 4);
	CHECK_EQ(host_nr_stat_descs, sizeof(struct host_stats) / sizeof(_Atomic uint64_t));
	CHECK(host_stats_get()->checks_run > 0);
}

int main(void)
{
	th_log_capture();
	th_warm_up_threads();
	th_nr_leaves = th_host_leaves(th_leaves);
	RUN(test_usage_count_and_teardown);
	RUN(test_bad_params);
	RUN(test_fault_unwind);
	RUN(test_netlink_fault_polls);
	RUN(test_concurrent_create_destroy_hotplug);
	RUN(test_stats_descriptors);
	return t_done();
}
