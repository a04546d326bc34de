// SPDX-License-Identifier: MIT
/*
 * What a VM sees of the host CPUs: states, events, log lines and statistics; where its
 * vCPU threads are allowed to run and where they actually run (a CPU made to fail its
 * check is never used); re-placement when a CPU goes offline and comes back (made
 * visible to the monitor through host_test_set_online_path and injected uevents, so no
 * root is needed); the callback contract. Needs host CPUs 0 and 1 for most tests.
 */
#include "test_host_util.h"

#include "host/host_internal.h"
#include "util/fault.h"

static bool two_cpus;

static bool need_two_cpus(void)
{
	if (!two_cpus)
		t_skip("needs host CPUs 0 and 1 online");
	return two_cpus;
}

static enum host_cpu_state cpu_state(struct host_vm *vm, unsigned cpu, char *reason, size_t len)
{
	struct host_cpu_info *info = NULL;
	enum host_cpu_state s = HOST_CPU_OFFLINE;
	int n = host_query_cpus(vm, &info);

	if (n > (int)cpu) {
		s = info[cpu].state;
		if (reason)
			snprintf(reason, len, "%s", info[cpu].reason);
	}
	free(info);
	return s;
}

static void test_all_admitted_and_threads_placed(void)
{
	struct host_vm_params p = th_params("vm0", NULL);
	struct host_vm *vm = NULL;
	struct host_vcpu_info *vi = NULL;
	struct th_spinner sp;
	cpu_set_t allowed, online;
	bool fallback = true;
	char aff[64], want[64];
	int n;

	CHECK_EQ(host_vm_register(&p, &vm), 0);
	CHECK_EQ(th_online_cpus(&online), 0);
	CHECK_EQ(host_vm_allowed_cpus(vm, &allowed, &fallback), 0);
	CHECK(!fallback);
	CHECK(CPU_EQUAL(&allowed, &online)); /* a VM modelled on this host fits every CPU */
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &online))
			CHECK_EQ(cpu_state(vm, (unsigned)c, NULL, 0), HOST_CPU_ADMITTED);
	CHECK(th_log_contains("vm0: host CPUs admitted"));

	CHECK_EQ(th_spin_start(&sp, vm, 3), 0);
	cpulist_format(&allowed, want, sizeof(want));
	CHECK_STR(th_affinity(atomic_load(&sp.tid), aff, sizeof(aff)), want);
	n = host_query_vcpus(vm, &vi);
	CHECK_EQ(n, 1);
	if (n == 1) {
		CHECK_EQ(vi[0].slot, 3);
		CHECK_EQ(vi[0].tid, atomic_load(&sp.tid));
		CHECK(vi[0].cpu >= 0);
		CHECK(vi[0].allowed);
	}
	free(vi);
	CHECK_EQ(host_stats_get()->vcpu_threads, 1);
	th_spin_stop(&sp);
	CHECK_EQ(host_stats_get()->vcpu_threads, 0);
	host_vm_unregister(vm);
}

static void test_vcpu_add_errors(void)
{
	struct host_vm_params p = th_params("vm-err", NULL);
	struct host_vm *vm = NULL;
	pid_t me = (pid_t)syscall(SYS_gettid);

	CHECK_EQ(host_vm_register(&p, &vm), 0);
	CHECK_EQ(host_vcpu_thread_add(NULL, 0, me), -EINVAL);
	CHECK_EQ(host_vcpu_thread_add(vm, 0, 0), -EINVAL);
	CHECK_EQ(host_vcpu_thread_add(vm, HOST_MAX_VCPU_SLOTS, me), -EINVAL);
	/* PID 1 is not a thread of this process: its affinity is never touched. */
	CHECK_EQ(host_vcpu_thread_add(vm, 0, 1), -ESRCH);
	CHECK_EQ(host_vcpu_thread_add(vm, 100, me), 0);
	CHECK_EQ(host_vcpu_thread_add(vm, 100, me), -EEXIST);
	host_vcpu_thread_remove(vm, 100);
	host_vcpu_thread_remove(vm, 100); /* twice: harmless */
	host_vcpu_thread_remove(vm, 5000);
	CHECK_EQ(host_vcpu_thread_add(vm, 100, me), 0);
	host_vcpu_thread_remove(vm, 100);
	CHECK_EQ(host_vcpu_current_cpu(1), -ESRCH);
	CHECK_EQ(host_vcpu_current_cpu(0), -EINVAL);
	host_vm_unregister(vm);
	/* Pinned to CPU 0, /proc agrees with sched_getcpu (no migration can come between). */
	{
		cpu_set_t one, all;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		CHECK_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
		CHECK_EQ(host_vcpu_current_cpu(me), 0);
		CHECK_EQ(sched_getcpu(), 0);
		/* The main thread may run anywhere again. */
		CPU_ZERO(&all);
		for (int c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
}

/* A CPU made to fail its check is rejected, reported, and never runs a vCPU thread. */
static void test_check_fault_rejects_cpu(void)
{
	struct th_events ev;
	struct host_vm_params p = th_params("vm-f", &ev);
	struct host_vm *vm = NULL;
	struct th_spinner sp[3];
	uint64_t rejected0 = host_stats_get()->cpus_rejected, seen;
	char why[HOST_REASON_MAX], aff[64], without1[64], all[64];
	unsigned from;

	if (!need_two_cpus())
		return;
	th_events_init(&ev);
	CHECK_EQ(fault_arm("hostcpu.check=1*"), 0);
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	CHECK_EQ(cpu_state(vm, 1, why, sizeof(why)), HOST_CPU_REJECTED);
	CHECK_STR(why, "check failed: fault injected (hostcpu.check)");
	CHECK_EQ(cpu_state(vm, 0, NULL, 0), HOST_CPU_ADMITTED);
	CHECK(host_stats_get()->cpus_rejected > rejected0);
	CHECK(th_log_contains("vm-f: host CPU 1 rejected: check failed: fault injected"));
	CHECK_EQ(host_sync(), 0);
	CHECK(th_find_event(&ev, 0, HOST_CPU_EV_REJECTED, 1) >= 0);
	CHECK(th_find_event(&ev, 0, HOST_CPU_EV_REJECTED, 0) < 0);

	th_online_except(1, without1, sizeof(without1));
	th_online_except(-1, all, sizeof(all));
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(th_spin_start(&sp[i], vm, i), 0);
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), without1);
	}
	/* More spinners than CPUs while CPU 1 idles: the scheduler would love to use it. */
	seen = th_spin_sample(sp, 3, 300);
	CHECK_MSG(!(seen & 2), "a vCPU thread ran on the rejected CPU 1 (seen mask 0x%llx)",
		  (unsigned long long)seen);
	CHECK(seen != 0);

	/* A rescan that still fails keeps it out; one that passes admits it. */
	CHECK_EQ(host_rescan(), 0);
	CHECK_EQ(cpu_state(vm, 1, NULL, 0), HOST_CPU_REJECTED);
	fault_disarm_all();
	from = th_nr_events(&ev);
	CHECK_EQ(host_rescan(), 0);
	CHECK_EQ(cpu_state(vm, 1, NULL, 0), HOST_CPU_ADMITTED);
	CHECK(th_find_event(&ev, from, HOST_CPU_EV_ADMITTED, 1) >= 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), all);
	CHECK(th_log_contains("vm-f: host CPU 1 admitted"));
	for (unsigned i = 0; i < 3; i++)
		th_spin_stop(&sp[i]);
	host_vm_unregister(vm);
}

/* Fake hotplug: the monitor believes the online file and the uevents we give it. */
static void test_offline_online_replaces_threads(void)
{
	struct th_events ev;
	struct host_vm_params p = th_params("vm-hp", &ev);
	struct host_vm *vm = NULL;
	struct th_spinner sp[2];
	uint64_t hp0 = host_stats_get()->hotplug_events, moved0, seen;
	char buf[256], aff[64];
	unsigned from;
	size_t n;

	if (!need_two_cpus())
		return;
	th_events_init(&ev);
	CHECK_EQ(th_online_set("0-1"), 0);
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ(th_spin_start(&sp[i], vm, i), 0);
	moved0 = host_stats_get()->replacements;

	/* CPU 1 "goes offline". */
	CHECK_EQ(th_online_set("0"), 0);
	n = th_cpu_uevent(buf, sizeof(buf), "offline", 1, 5000);
	CHECK_EQ(host_test_inject_uevent(buf, n), 0);
	CHECK_EQ(host_sync(), 0);
	CHECK(host_stats_get()->hotplug_events >= hp0 + 1); /* + real events */
	CHECK_EQ(cpu_state(vm, 1, NULL, 0), HOST_CPU_OFFLINE);
	CHECK(th_find_event(&ev, 0, HOST_CPU_EV_OFFLINE, 1) >= 0);
	CHECK(host_stats_get()->replacements >= moved0 + 2);
	for (unsigned i = 0; i < 2; i++)
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), "0");
	seen = th_spin_sample(sp, 2, 100);
	CHECK_MSG(seen == 1, "vCPU threads ran on 0x%llx while only CPU 0 is online",
		  (unsigned long long)seen);
	CHECK(th_log_contains("host CPU 1 went offline"));
	CHECK(th_log_contains("vm-hp: host CPU 1 offline"));

	/* It comes back: checked, then admitted, then the threads may use it again. */
	from = th_nr_events(&ev);
	CHECK_EQ(th_online_set("0-1"), 0);
	n = th_cpu_uevent(buf, sizeof(buf), "online", 1, 5001);
	CHECK_EQ(host_test_inject_uevent(buf, n), 0);
	CHECK_EQ(host_sync(), 0);
	CHECK_EQ(cpu_state(vm, 1, NULL, 0), HOST_CPU_ADMITTED);
	{
		int on = th_find_event(&ev, from, HOST_CPU_EV_ONLINE, 1);
		int adm = th_find_event(&ev, from, HOST_CPU_EV_ADMITTED, 1);

		CHECK(on >= 0 && adm > on); /* online first, admitted after its check */
	}
	for (unsigned i = 0; i < 2; i++)
		CHECK_STR(th_affinity(atomic_load(&sp[i].tid), aff, sizeof(aff)), "0-1");
	CHECK(th_log_contains("host CPU 1 came online: checking it"));

	/* Down and up between two reads (the list looks unchanged): re-checked all the same. */
	from = th_nr_events(&ev);
	uint64_t checks0 = host_stats_get()->checks_run;

	n = th_cpu_uevent(buf, sizeof(buf), "online", 1, 5002);
	CHECK_EQ(host_test_inject_uevent(buf, n), 0);
	CHECK_EQ(host_sync(), 0);
	CHECK(host_stats_get()->checks_run >= checks0 + 1);
	CHECK(th_find_event(&ev, from, HOST_CPU_EV_ADMITTED, 1) >= 0);
	CHECK(th_log_contains("host CPU 1 came online again"));

	/*
	 * Events of other subsystems, and malformed ones, change nothing. (The counters are
	 * process-wide and the real socket also counts, e.g. KVM's own "change" events when
	 * someone else creates a VM: hence >=.)
	 */
	{
		uint64_t ign0 = host_stats_get()->uevents_ignored;
		uint64_t bad0 = host_stats_get()->uevents_malformed;
		static const char cpuid_ev[] = "add@/devices/virtual/cpuid/cpu1\0ACTION=add\0"
					       "DEVPATH=/devices/virtual/cpuid/cpu1\0"
					       "SUBSYSTEM=cpuid\0SEQNUM=5003\0";

		CHECK_EQ(host_test_inject_uevent(cpuid_ev, sizeof(cpuid_ev) - 1), 0);
		CHECK_EQ(host_test_inject_uevent("junk", 4), -EINVAL);
		CHECK_EQ(host_sync(), 0);
		CHECK(host_stats_get()->uevents_ignored >= ign0 + 1);
		CHECK(host_stats_get()->uevents_malformed >= bad0 + 1);
	}
	for (unsigned i = 0; i < 2; i++)
		th_spin_stop(&sp[i]);
	host_vm_unregister(vm);
	th_online_reset();
}

/* Nothing passes (another TSC rate): the fallback to every online CPU, loudly. */
static void test_tsc_mismatch_fallback(void)
{
	struct th_events ev;
	struct host_vm_params p = th_params("vm-tsc", &ev);
	struct host_vm *vm = NULL;
	struct host_cpu_info *info = NULL;
	cpu_set_t allowed, online;
	uint64_t fb0 = host_stats_get()->fallbacks;
	bool fallback = false;
	int n, i;

	th_events_init(&ev);
	p.tsc_khz = 1000; /* 1 MHz: no CPU has that */
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	CHECK_EQ(host_vm_allowed_cpus(vm, &allowed, &fallback), 0);
	CHECK(fallback);
	CHECK_EQ(th_online_cpus(&online), 0);
	CHECK(CPU_EQUAL(&allowed, &online));
	CHECK_EQ(host_stats_get()->fallbacks, fb0 + 1);
	CHECK(th_log_contains("vm-tsc: no admitted host CPU: vCPU threads fall back"));
	n = host_query_cpus(vm, &info);
	CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		if (!CPU_ISSET(i, &online))
			continue;
		CHECK_EQ(info[i].state, HOST_CPU_REJECTED);
		CHECK_MSG(strstr(info[i].reason, "differs from 1000 kHz") != NULL, "reason: %s",
			  info[i].reason);
		CHECK(info[i].tsc_khz > 100000);
	}
	free(info);
	CHECK_EQ(host_sync(), 0);
	CHECK(th_find_event(&ev, 0, HOST_CPU_EV_FALLBACK, -1) >= 0);
	host_vm_unregister(vm);
}

static void test_user_mask(void)
{
	struct host_vm_params p = th_params("vm-mask", NULL);
	struct host_vm *vm = NULL;
	cpu_set_t mask, allowed;
	char aff[64];

	if (!need_two_cpus())
		return;
	CPU_ZERO(&mask);
	CPU_SET(1, &mask);
	p.user_mask = &mask;
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	CHECK_EQ(host_vm_allowed_cpus(vm, &allowed, NULL), 0);
	CHECK_STR((cpulist_format(&allowed, aff, sizeof(aff)), aff), "1");
	CHECK_EQ(cpu_state(vm, 0, NULL, 0), HOST_CPU_EXCLUDED);
	CHECK_EQ(cpu_state(vm, 1, NULL, 0), HOST_CPU_ADMITTED);
	host_vm_unregister(vm);
	/* A mask that names no CPU of this host: warned about, then the fallback. */
	CPU_ZERO(&mask);
	CPU_SET(1000, &mask);
	CHECK_EQ(host_vm_register(&p, &vm), 0);
	CHECK(th_log_contains("vm-mask: --host-cpus 1000 names no CPU of this host"));
	CHECK_EQ(host_vm_allowed_cpus(vm, &allowed, NULL), 0);
	CHECK(CPU_COUNT(&allowed) >= 2);
	host_vm_unregister(vm);
}

struct unreg_arg {
	struct host_vm *vm;
	_Atomic bool done;
};

static void *unreg_thread(void *arg)
{
	struct unreg_arg *u = arg;

	host_vm_unregister(u->vm);
	atomic_store(&u->done, true);
	return NULL;
}

/* host_vm_unregister waits for a callback that is running; the callback cannot deadlock. */
static void test_unregister_waits_for_callback(void)
{
	struct th_events ev;
	struct host_vm_params p = th_params("vm-cb", &ev), pa = th_params("anchor", NULL);
	struct unreg_arg u = { 0 };
	struct host_vm *anchor = NULL;
	pthread_t t;

	th_events_init(&ev);
	atomic_store(&ev.delay_ms, 300);
	p.tsc_khz = 1000; /* every CPU rejected: events at registration */
	/* Another VM keeps the context (and its monitor) alive: only the callback waits. */
	CHECK_EQ(host_vm_register(&pa, &anchor), 0);
	CHECK_EQ(host_vm_register(&p, &u.vm), 0);
	for (int i = 0; i < 2000 && !atomic_load(&ev.in_cb); i++)
		th_sleep_ms(1);
	CHECK(atomic_load(&ev.in_cb));
	CHECK_EQ(pthread_create(&t, NULL, unreg_thread, &u), 0);
	th_sleep_ms(50);
	CHECK(!atomic_load(&u.done)); /* still inside the callback */
	pthread_join(t, NULL);
	CHECK(!atomic_load(&ev.in_cb));
	/* host_sync inside the callback would wait for its own thread: refused. */
	CHECK_EQ(atomic_load(&ev.sync_from_cb), -EDEADLK);
	CHECK(th_nr_events(&ev) >= 1);
	CHECK_EQ(host_usage_count(), 1);
	host_vm_unregister(anchor);
	CHECK_EQ(host_usage_count(), 0);
}

/* Field 39 of /proc/.../stat, after a name that may hold spaces and parentheses. */
static void test_stat_parse(void)
{
	/* Each field holds its own number, field 39 aside. */
	static const char tail[] = " S 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 "
				   "26 27 28 29 30 31 32 33 34 35 36 37 38 %s 40 41\n";
	char line[400], t[300];

	snprintf(t, sizeof(t), tail, "7");
	snprintf(line, sizeof(line), "123 (vcpu0)%s", t);
	CHECK_EQ(host_parse_stat_cpu(line, strlen(line)), 7);
	snprintf(line, sizeof(line), "123 (a) b (c) 9)%s", t);
	CHECK_EQ(host_parse_stat_cpu(line, strlen(line)), 7);
	snprintf(t, sizeof(t), tail, "1023");
	snprintf(line, sizeof(line), "1 (x)%s", t);
	CHECK_EQ(host_parse_stat_cpu(line, strlen(line)), 1023);
	snprintf(t, sizeof(t), tail, "1024");
	snprintf(line, sizeof(line), "1 (x)%s", t);
	CHECK_EQ(host_parse_stat_cpu(line, strlen(line)), -EINVAL);
	snprintf(t, sizeof(t), tail, "x");
	snprintf(line, sizeof(line), "1 (x)%s", t);
	CHECK_EQ(host_parse_stat_cpu(line, strlen(line)), -EINVAL);
	CHECK_EQ(host_parse_stat_cpu("1 (x) S 1 2 3", 13), -EINVAL); /* too short */
	CHECK_EQ(host_parse_stat_cpu("no parenthesis", 14), -EINVAL);
	/* Only len bytes are read: the number ends at the buffer's end. */
	snprintf(t, sizeof(t), tail, "5");
	snprintf(line, sizeof(line), "1 (x)%s", t);
	CHECK_EQ(host_parse_stat_cpu(line, (size_t)(strstr(line, " 5 40") - line) + 2), 5);
}

int main(void)
{
	cpu_set_t online;

	th_log_capture();
	th_warm_up_threads();
	th_nr_leaves = th_host_leaves(th_leaves);
	two_cpus = th_online_cpus(&online) == 0 && CPU_ISSET(0, &online) && CPU_ISSET(1, &online);
	RUN(test_all_admitted_and_threads_placed);
	RUN(test_vcpu_add_errors);
	RUN(test_check_fault_rejects_cpu);
	RUN(test_offline_online_replaces_threads);
	RUN(test_tsc_mismatch_fallback);
	RUN(test_user_mask);
	RUN(test_unregister_waits_for_callback);
	RUN(test_stat_parse);
	return t_done();
}
