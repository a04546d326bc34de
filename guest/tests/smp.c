// SPDX-License-Identifier: MIT
/*
 * smp.elf: every CPU the MADT lists as enabled comes online and reaches test code.
 *
 * Each AP checks in from ap_main() with its APIC ID; the boot CPU waits for all of them,
 * sends TDEV_CMD_MARK 1 (hvemu records the time: boot-time measurement), then checks
 * that the count equals the MADT's enabled count and, with expect=N on the command
 * line, N. A cross-CPU call to all CPUs must then reach every one of them.
 * With sipi_only=0|1 and init_fallback=N on the command line it also checks how the APs
 * were started: by a SIPI alone (the platform said they wait for one) or INIT-SIPI, and
 * how many had to be sent INIT after a SIPI alone went unanswered.
 */
#include "libguest.h"
#include "testlib/tdev.h"

static u32 checked_in;
static u32 checkin_apic[MAX_CPUS];
static u32 xcall_hits;
static u32 xcall_seen[MAX_CPUS];

void ap_main(void)
{
	struct percpu *pc = this_cpu();

	WRITE_ONCE(checkin_apic[pc->cpu], pc->apic_id + 1);
	atomic_inc(&checked_in);
}

static void xcall_fn(void *arg)
{
	u32 token = (u32)(uintptr_t)arg;

	WRITE_ONCE(xcall_seen[smp_id()], token);
	atomic_inc(&xcall_hits);
}

static u32 madt_enabled;

static void count_madt(const struct madt_cpu *c, void *ctx)
{
	(void)ctx;
	if (c->enabled)
		madt_enabled++;
}

static void check_start_protocol(void)
{
	const struct smp_boot_stats *b = smp_last_boot();
	u64 want;

	if (!cmdline_get_u64("sipi_only", &want))
		report(b->sipi_only == (want != 0), "APs started by %s (want %s)",
		       b->sipi_only ? "a SIPI alone" : "INIT-SIPI",
		       want ? "a SIPI alone" : "INIT-SIPI");
	if (!cmdline_get_u64("init_fallback", &want))
		report(b->init_fallback == want,
		       "%u APs sent INIT-SIPI after a SIPI alone went unanswered (want %lu)",
		       b->init_fallback, (unsigned long)want);
}

int main(void)
{
	u32 want_aps = smp_nr_online() - 1, n, bad = 0, cpu;
	u64 deadline = rdtsc() + tsc_ms_to_cycles(cmdline_u64("timeout_ms", 10000));
	u64 expect;
	int r;

	/* Every CPU that came online must reach ap_main(); the counts are checked below. */
	while ((n = atomic_load(&checked_in)) < want_aps && rdtsc() < deadline)
		cpu_relax();
	/* All CPUs (this one included) are in test code now. */
	tdev_mark(1);
	report_info("%u CPUs online, boot of the APs took %lu us (%s)", smp_nr_online(),
		    (unsigned long)(smp_last_boot_ns() / 1000), apic->name);

	r = madt_for_each_cpu(count_madt, NULL);
	if (r < 0)
		madt_enabled = 1;
	report(n + 1 == madt_enabled, "%u CPUs checked in, the MADT lists %u enabled", n + 1,
	       madt_enabled);
	report(smp_nr_online() == madt_enabled, "%u CPUs online", smp_nr_online());
	if (!cmdline_get_u64("expect", &expect))
		report(n + 1 == expect, "expect=%lu CPUs, %u checked in", (unsigned long)expect,
		       n + 1);
	for_each_cpu (cpu, &cpu_online_mask) {
		if (cpu && READ_ONCE(checkin_apic[cpu]) != per_cpu(cpu)->apic_id + 1)
			bad++;
	}
	report(!bad, "every AP checked in with its own APIC ID (%u wrong)", bad);
	report(smp_lost_aps() == 0, "no AP started with an unknown APIC ID");
	check_start_protocol();

	on_all_cpus(xcall_fn, (void *)(uintptr_t)0x5a);
	bad = 0;
	for_each_cpu (cpu, &cpu_online_mask) {
		if (READ_ONCE(xcall_seen[cpu]) != 0x5a)
			bad++;
	}
	report(atomic_load(&xcall_hits) == smp_nr_online() && !bad,
	       "a cross-CPU call reached all %u online CPUs (%u hits, %u missing)", smp_nr_online(),
	       atomic_load(&xcall_hits), bad);
	return report_summary();
}
