// SPDX-License-Identifier: MIT
#include "host/cpucheck.h"

#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host_internal.h"
#include "sandbox/sandbox.h"
#include "util/compiler.h"
#include "util/fault.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

/* Check threads abandoned by their waiter and not yet ended (a futex word). */
static _Atomic uint32_t stragglers;

enum {
	JOB_RUNNING,
	JOB_DONE,
	JOB_ABANDONED
};

struct check_job {
	_Atomic uint32_t refs;	/* the waiter's and the thread's */
	_Atomic uint32_t state; /* futex; RUNNING -> DONE (thread) or -> ABANDONED (waiter) */
	unsigned cpu;
	pthread_t thread;
	struct host_cpu_profile prof;
};

static void job_put(struct check_job *job)
{
	if (atomic_fetch_sub(&job->refs, 1) == 1)
		free(job);
}

static uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	/* lfence before: earlier loads are done; after: later work does not start early. */
	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct tsc_sample {
	uint64_t tsc; /* midpoint of the two TSC reads around the clock read */
	uint64_t ns;
	uint64_t width; /* TSC cycles between the two reads: twice the error bound */
};

/* The tightest of a few brackets: one that was interrupted is simply not chosen. */
static void tsc_sample(struct tsc_sample *s)
{
	s->width = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc_ordered();
		uint64_t ns = raw_ns();
		uint64_t t1 = rdtsc_ordered();

		if (t1 >= t0 && t1 - t0 < s->width) {
			s->width = t1 - t0;
			s->tsc = t0 + (t1 - t0) / 2;
			s->ns = ns;
		}
	}
}

/*
 * The TSC rate against CLOCK_MONOTONIC_RAW (not slewed by NTP). The error bound is half
 * of each bracket plus a nanosecond of clock granularity at each end, relative to the
 * window; the window is doubled while that bound exceeds HOST_TSC_GOOD_PPM.
 */
static void measure_tsc(uint32_t *khz, uint32_t *uncert_ppm)
{
	uint64_t window = HOST_TSC_WINDOW_NS;

	*khz = 0;
	*uncert_ppm = 0;
	for (int attempt = 0; attempt < 4; attempt++, window *= 2) {
		struct tsc_sample a, b;
		struct timespec ts = ns_to_timespec(window);
		uint64_t cycles, ns, err_cycles, ppm;

		tsc_sample(&a);
		nanosleep(&ts, NULL);
		tsc_sample(&b);
		if (a.width == UINT64_MAX || b.width == UINT64_MAX || b.tsc <= a.tsc ||
		    b.ns <= a.ns)
			continue;
		cycles = b.tsc - a.tsc;
		ns = b.ns - a.ns;
		err_cycles = (a.width + b.width) / 2 + 1;
		ppm = err_cycles * 1000000ull / cycles + 2000000ull / ns + 1;
		*khz = (uint32_t)(cycles * 1000000ull / ns);
		*uncert_ppm = (uint32_t)MIN(ppm, (uint64_t)UINT32_MAX);
		if (ppm <= HOST_TSC_GOOD_PPM)
			break;
	}
}

static void read_cpuid_regs(uint32_t *regs)
{
	uint32_t max_basic, max_ext, sub7 = 0, a, b, c, d;

	__cpuid_count(0, 0, max_basic, b, c, d);
	__cpuid_count(0x80000000u, 0, max_ext, b, c, d);
	if (max_basic >= 7)
		__cpuid_count(7, 0, sub7, b, c, d);
	for (unsigned i = 0; i < HOST_NR_FEAT_REGS; i++) {
		const struct host_feat_reg *r = &host_feat_regs[i];
		uint32_t v[4];

		regs[i] = 0;
		/* Beyond the maximum leaf, CPUID returns another leaf's data: read as zeros. */
		if (r->function < 0x80000000u ? r->function > max_basic : r->function > max_ext)
			continue;
		if (r->function == 7 && r->index > sub7)
			continue;
		__cpuid_count(r->function, r->index, a, b, c, d);
		v[HOST_EAX] = a;
		v[HOST_EBX] = b;
		v[HOST_ECX] = c;
		v[HOST_EDX] = d;
		regs[i] = v[r->reg];
	}
}

void host_check_read_local(struct host_cpu_profile *out)
{
	memset(out, 0, sizeof(*out));
	read_cpuid_regs(out->regs);
	/* XGETBV faults unless the OS enabled XSAVE (CPUID.1:ECX.OSXSAVE). */
	if (out->regs[1] & BIT(27))
		out->xcr0 = xgetbv0();
	measure_tsc(&out->tsc_khz, &out->tsc_uncert_ppm);
	out->valid = true;
}

static void run_check(unsigned cpu, struct host_cpu_profile *prof)
{
	char ctx[16];
	int r, at;

	snprintf(ctx, sizeof(ctx), "%u", cpu);
	r = fault_hit_ctx("hostcpu.check", ctx);
	if (r) {
		memset(prof, 0, sizeof(*prof));
		snprintf(prof->fail, sizeof(prof->fail),
			 "check failed: fault injected (hostcpu.check)");
		return;
	}
	at = sched_getcpu();
	if (at != (int)cpu) {
		memset(prof, 0, sizeof(*prof));
		snprintf(prof->fail, sizeof(prof->fail), "could not run on the CPU (ran on CPU %d)",
			 at);
		return;
	}
	host_check_read_local(prof);
	at = sched_getcpu();
	if (at != (int)cpu) {
		memset(prof, 0, sizeof(*prof));
		snprintf(prof->fail, sizeof(prof->fail),
			 "could not run on the CPU (moved to CPU %d during the check)", at);
	}
}

static void *check_thread(void *arg)
{
	struct check_job *job = arg;
	char name[16];

	sandbox_enter(SANDBOX_CPUCHK);
	snprintf(name, sizeof(name), "cpuchk%u", job->cpu);
	pthread_setname_np(pthread_self(), name);
	log_set_thread_name(name);
	uint32_t expected = JOB_RUNNING;

	run_check(job->cpu, &job->prof);
	if (atomic_compare_exchange_strong(&job->state, &expected, JOB_DONE)) {
		futex_wake(&job->state, 1);
		job_put(job);
		return NULL;
	}
	/* The waiter gave up on us (and counted us as a straggler). */
	pr_warn("host CPU %u: check finished after its waiter gave up", job->cpu);
	job_put(job);
	atomic_fetch_sub(&stragglers, 1);
	futex_wake(&stragglers, INT32_MAX);
	return NULL;
}

static void fail_prof(struct host_cpu_profile *p, const char *what, int err)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->fail, sizeof(p->fail), "%s: %s", what, strerror(err));
	stat_inc(&host_stats_g.check_failures);
}

/* Starts the thread with every signal blocked (it inherits the mask) and pinned at birth. */
static int start_job(struct check_job *job)
{
	sigset_t all, old;
	pthread_attr_t attr;
	cpu_set_t one;
	int r;

	CPU_ZERO(&one);
	CPU_SET(job->cpu, &one);
	r = pthread_attr_init(&attr);
	if (r)
		return r;
	r = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	if (!r) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&job->thread, &attr, check_thread, job);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_attr_destroy(&attr);
	return r;
}

static void finish_batch(struct check_job **jobs, unsigned n, struct host_cpu_profile *prof,
			 uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;

	for (unsigned i = 0; i < n; i++) {
		struct check_job *job = jobs[i];
		struct host_cpu_profile *p = &prof[job->cpu];

		uint32_t expected = JOB_RUNNING;

		if (futex_wait_change(&job->state, JOB_RUNNING, deadline) != 0) {
			/* Count it first, so that its own decrement can never come before. */
			atomic_fetch_add(&stragglers, 1);
			if (atomic_compare_exchange_strong(&job->state, &expected, JOB_ABANDONED)) {
				/* It may still run later; it owns its reference and frees the job.
				 */
				pthread_detach(job->thread);
				memset(p, 0, sizeof(*p));
				snprintf(
				    p->fail, sizeof(p->fail),
				    "could not run on the CPU (the check did not finish within "
				    "%llu ms)",
				    (unsigned long long)(timeout_ns / NSEC_PER_MSEC));
				stat_inc(&host_stats_g.check_timeouts);
				stat_inc(&host_stats_g.check_failures);
				job_put(job);
				continue;
			}
			atomic_fetch_sub(&stragglers, 1); /* it finished just now */
		}
		pthread_join(job->thread, NULL);
		*p = job->prof;
		if (!p->valid)
			stat_inc(&host_stats_g.check_failures);
		job_put(job);
	}
}

unsigned host_check_cpus(const cpu_set_t *cpus, struct host_cpu_profile *prof, uint64_t timeout_ns,
			 const _Atomic bool *stop)
{
	struct check_job *jobs[HOST_CHECK_BATCH];
	unsigned written = 0;
	int cpu = 0;

	while (cpu < CPU_SETSIZE) {
		unsigned n = 0;

		if (stop && atomic_load(stop))
			break;
		for (; cpu < CPU_SETSIZE && n < HOST_CHECK_BATCH; cpu++) {
			struct check_job *job;
			int r;

			if (!CPU_ISSET(cpu, cpus))
				continue;
			written++;
			stat_inc(&host_stats_g.checks_run);
			job = calloc(1, sizeof(*job));
			if (!job) {
				fail_prof(&prof[cpu], "could not start the check", ENOMEM);
				continue;
			}
			job->cpu = (unsigned)cpu;
			atomic_init(&job->refs, 2);
			r = start_job(job);
			if (r) {
				free(job);
				if (r == EINVAL)
					fail_prof(&prof[cpu], "could not run on the CPU", r);
				else
					fail_prof(&prof[cpu], "could not start the check thread",
						  r);
				continue;
			}
			jobs[n++] = job;
		}
		finish_batch(jobs, n, prof, timeout_ns);
	}
	return written;
}

unsigned host_check_stragglers(void)
{
	return atomic_load(&stragglers);
}

unsigned host_check_wait_stragglers(uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	uint32_t n;

	while ((n = atomic_load(&stragglers)) != 0) {
		if (futex_wait_change(&stragglers, n, deadline))
			break;
	}
	return atomic_load(&stragglers);
}
