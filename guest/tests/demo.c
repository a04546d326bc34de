// SPDX-License-Identifier: MIT
/*
 * demo.elf: the `make run` guest. Every CPU says what it is and does a little work (the
 * same loop at CPL0, which this KVM emulates, and at CPL3, which runs natively), then the
 * boot CPU prints a summary and powers off (hvemu exits 0).
 *
 * The demo is a list of sections; later features (Hyper-V enlightenments, paravirtual
 * flushes and IPIs, CPU hotplug) add theirs to demo_sections[].
 */
#include "libguest.h"

#define WORK_N 2000u

struct demo_section {
	const char *name;
	void (*run)(void);
};

/* Sum of squares 1..n: a loop the compiler cannot fold (n comes from memory). */
static u64 work(u64 n)
{
	u64 sum = 0;

	for (u64 i = 1; i <= READ_ONCE(n); i++) {
		sum += i * i;
		barrier();
	}
	return sum;
}

static u64 user_sum[MAX_CPUS];

/*
 * At CPL3: returns the cycles the loop took and leaves the sum in user_sum[] (GS still
 * points at this CPU's data at CPL3, and the identity map is user-accessible).
 */
static u64 work_user(u64 n)
{
	u64 t0 = rdtsc();

	WRITE_ONCE(user_sum[smp_id()], work(n));
	return rdtsc() - t0;
}

static void cpu_hello(void *arg)
{
	struct percpu *pc = this_cpu();
	struct user_result res;
	u64 t0, t1, sum;
	int r;

	(void)arg;
	t0 = rdtsc();
	sum = work(WORK_N);
	t1 = rdtsc();
	r = run_user(work_user, WORK_N, 0, &res);
	printf("CPU %u: APIC ID %u (%s), ACPI UID %u, online %lu us after boot; "
	       "sum of squares 1..%u = %lu: %lu us at CPL0 (emulated), %lu ns at CPL3%s\n",
	       pc->cpu, pc->apic_id, apic->name, pc->acpi_id,
	       (unsigned long)(tsc_cycles_to_ns(pc->boot_tsc - per_cpu(0)->boot_tsc) / 1000),
	       WORK_N, (unsigned long)sum, (unsigned long)(tsc_cycles_to_ns(t1 - t0) / 1000),
	       (unsigned long)tsc_cycles_to_ns(res.retval),
	       r == FAULT_NONE && user_sum[pc->cpu] == sum ? "" : " (CPL3 run failed)");
}

static void demo_cpus(void)
{
	on_all_cpus(cpu_hello, NULL);
}

static const struct demo_section demo_sections[] = {
	{ "cpus", demo_cpus },
};

int main(void)
{
	printf(
	    "demo: hvemu demo guest, %u CPUs online of %u listed, %s, TSC %lu MHz, loader \"%s\", "
	    "command line \"%s\"\n",
	    smp_nr_online(), smp_nr_cpus(), apic->name, (unsigned long)(tsc_khz() / 1000),
	    boot_info.loader_name, cmdline_args());
	for (unsigned int i = 0; i < ARRAY_SIZE(demo_sections); i++) {
		printf("--- %s\n", demo_sections[i].name);
		demo_sections[i].run();
	}
	printf("demo: %u CPUs came up in %lu us and ran their work; powering off\n",
	       smp_nr_online(), (unsigned long)(smp_last_boot_ns() / 1000));
	poweroff();
}
