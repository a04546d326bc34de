// SPDX-License-Identifier: MIT
/*
 * Unit tests of the placement logic (src/host/place.c): per-CPU states for a VM, the
 * allowed set (admitted ∩ mask), the empty-set fallback, and what changes when a CPU goes
 * offline or comes back.
 */
#include "harness.h"
#include "host/place.h"
#include "util/cpulist.h"

#include <string.h>

#define NCPU 8

static struct host_cpu_profile prof[CPU_SETSIZE];
static cpu_set_t online, checked;
static struct host_req req;

static cpu_set_t L(const char *list)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	if (cpulist_parse(list, &s, NULL))
		t_fail(__FILE__, __LINE__, "bad list %s", list);
	return s;
}

static const char *S(const cpu_set_t *s)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	cpulist_format(s, buf[i], sizeof(buf[i]));
	return buf[i];
}

/* Eight CPUs, all online and checked; each has AVX2 (CPUID.7.0:EBX bit 5) and a 2 GHz TSC. */
static void setup(void)
{
	memset(prof, 0, sizeof(prof));
	for (int c = 0; c < NCPU; c++) {
		prof[c].valid = true;
		prof[c].regs[2] = 1u << 5;
		prof[c].xcr0 = 7;
		prof[c].tsc_khz = 2000000;
	}
	online = L("0-7");
	checked = L("0-7");
	host_req_build(NULL, 0, 7, 2000000, &req);
	req.regs[2] = 1u << 5;
}

static struct host_place_input input(const cpu_set_t *mask)
{
	return (struct host_place_input){ .online = &online,
					  .checked = &checked,
					  .prof = prof,
					  .req = &req,
					  .mask = mask,
					  .nr_cpus = NCPU };
}

static void test_all_admitted(void)
{
	struct host_place_input in;
	uint8_t st[NCPU];
	cpu_set_t adm, allowed;

	setup();
	in = input(NULL);
	CHECK(!host_place_vm(&in, st, &adm, &allowed));
	CHECK_STR(S(&adm), "0-7");
	CHECK_STR(S(&allowed), "0-7");
	for (int c = 0; c < NCPU; c++)
		CHECK_EQ(st[c], HOST_CPU_ADMITTED);
}

static void test_rejected_and_mask(void)
{
	struct host_place_input in;
	cpu_set_t mask = L("0-1,3,5-6"), adm, allowed;
	uint8_t st[NCPU];
	char why[HOST_REASON_MAX];

	setup();
	prof[1].regs[2] = 0;	   /* no AVX2 */
	prof[5].tsc_khz = 2100000; /* another TSC rate */
	prof[6].valid = false;	   /* could not be checked */
	snprintf(prof[6].fail, sizeof(prof[6].fail),
		 "check failed: fault injected (hostcpu.check)");
	CPU_CLR(7, &online);
	CPU_CLR(7, &checked);
	in = input(&mask);
	CHECK(!host_place_vm(&in, st, &adm, &allowed));
	CHECK_STR(S(&adm), "0,3");
	CHECK_STR(S(&allowed), "0,3");
	CHECK_EQ(st[0], HOST_CPU_ADMITTED);
	CHECK_EQ(st[1], HOST_CPU_REJECTED);
	CHECK_EQ(st[2], HOST_CPU_EXCLUDED);
	CHECK_EQ(st[4], HOST_CPU_EXCLUDED);
	CHECK_EQ(st[5], HOST_CPU_REJECTED);
	CHECK_EQ(st[6], HOST_CPU_REJECTED);
	CHECK_EQ(st[7], HOST_CPU_OFFLINE);
	CHECK_EQ(host_place_cpu_state(&in, 1, why, sizeof(why)), HOST_CPU_REJECTED);
	CHECK_STR(why, "missing CPUID.7.0:EBX bit 5 (avx2)");
	CHECK_EQ(host_place_cpu_state(&in, 6, why, sizeof(why)), HOST_CPU_REJECTED);
	CHECK_STR(why, "check failed: fault injected (hostcpu.check)");
	CHECK_EQ(host_place_cpu_state(&in, 5, why, sizeof(why)), HOST_CPU_REJECTED);
	CHECK(strncmp(why, "TSC 2100000 kHz differs from 2000000 kHz", 40) == 0);
	/* Precedence: an offline CPU is offline even outside the mask; masked beats rejected. */
	CHECK_EQ(host_place_cpu_state(&in, 7, why, sizeof(why)), HOST_CPU_OFFLINE);
	CHECK_EQ(host_place_cpu_state(&in, 4, why, sizeof(why)), HOST_CPU_EXCLUDED);
	CHECK_EQ(host_place_cpu_state(&in, -1, NULL, 0), HOST_CPU_OFFLINE);
	CHECK_EQ(host_place_cpu_state(&in, CPU_SETSIZE, NULL, 0), HOST_CPU_OFFLINE);
}

static void test_checking_is_not_admitted(void)
{
	struct host_place_input in;
	cpu_set_t adm, allowed;
	uint8_t st[NCPU];

	setup();
	CPU_CLR(2, &checked); /* online, its check has not finished */
	in = input(NULL);
	host_place_vm(&in, st, &adm, &allowed);
	CHECK_EQ(st[2], HOST_CPU_CHECKING);
	CHECK_STR(S(&allowed), "0-1,3-7");
}

static void test_empty_fallback(void)
{
	struct host_place_input in;
	cpu_set_t mask = L("4-5"), adm, allowed;
	uint8_t st[NCPU];

	setup();
	/* Nothing passes: the VM runs on every online CPU rather than nowhere. */
	for (int c = 0; c < NCPU; c++)
		prof[c].regs[2] = 0;
	CPU_CLR(3, &online);
	CPU_CLR(3, &checked);
	in = input(NULL);
	CHECK(host_place_vm(&in, st, &adm, &allowed));
	CHECK_EQ(CPU_COUNT(&adm), 0);
	CHECK_STR(S(&allowed), "0-2,4-7");
	/* The mask excludes every admitted CPU: the same fallback (the mask is not kept). */
	setup();
	prof[4].regs[2] = prof[5].regs[2] = 0;
	in = input(&mask);
	CHECK(host_place_vm(&in, NULL, &adm, &allowed));
	CHECK_STR(S(&allowed), "0-7");
	/* A broken (empty) online list: run anywhere rather than get EINVAL from the kernel. */
	setup();
	CPU_ZERO(&online);
	in = input(NULL);
	CHECK(host_place_vm(&in, NULL, &adm, &allowed));
	CHECK_STR(S(&allowed), "0-7");
}

static void test_replace_after_offline_online(void)
{
	struct host_place_input in;
	cpu_set_t before, adm, allowed, off, on, thread_aff;
	cpu_set_t mask = L("2-3");

	setup();
	in = input(&mask);
	host_place_vm(&in, NULL, &adm, &before);
	CHECK_STR(S(&before), "2-3");
	thread_aff = before; /* a vCPU thread placed there */

	/* CPU 3 goes offline: the diff names it, the allowed set shrinks, the thread moves. */
	{
		cpu_set_t now = online;

		CPU_CLR(3, &now);
		host_place_online_diff(&online, &now, &off, &on);
		CHECK_STR(S(&off), "3");
		CHECK_EQ(CPU_COUNT(&on), 0);
		online = now;
		CPU_CLR(3, &checked);
	}
	host_place_vm(&in, NULL, &adm, &allowed);
	CHECK_STR(S(&allowed), "2");
	CHECK(host_place_needs_move(&thread_aff, &allowed));
	thread_aff = allowed;

	/* CPU 2 goes offline too: nothing admitted in the mask, fallback to all online. */
	CPU_CLR(2, &online);
	CPU_CLR(2, &checked);
	CHECK(host_place_vm(&in, NULL, &adm, &allowed));
	CHECK_STR(S(&allowed), "0-1,4-7");
	CHECK(host_place_needs_move(&thread_aff, &allowed));
	thread_aff = allowed;

	/* CPU 3 comes back: online but not admitted until its check has passed. */
	{
		cpu_set_t now = online;

		CPU_SET(3, &now);
		host_place_online_diff(&online, &now, &off, &on);
		CHECK_STR(S(&on), "3");
		CHECK_EQ(CPU_COUNT(&off), 0);
		online = now;
	}
	CHECK_EQ(host_place_cpu_state(&in, 3, NULL, 0), HOST_CPU_CHECKING);
	CHECK(host_place_vm(&in, NULL, &adm, &allowed));
	CHECK(!CPU_ISSET(3, &adm));
	CPU_SET(3, &checked); /* the check passed */
	CHECK(!host_place_vm(&in, NULL, &adm, &allowed));
	CHECK_STR(S(&allowed), "3");
	CHECK(host_place_needs_move(&thread_aff, &allowed));
	thread_aff = allowed;
	CHECK(!host_place_needs_move(&thread_aff, &allowed));
}

int main(void)
{
	RUN(test_all_admitted);
	RUN(test_rejected_and_mask);
	RUN(test_checking_is_not_admitted);
	RUN(test_empty_fallback);
	RUN(test_replace_after_offline_online);
	return t_done();
}
