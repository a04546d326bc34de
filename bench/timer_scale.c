// SPDX-License-Identifier: MIT
/*
 * timer_scale: what serving many periodic synthetic timers costs the host, for the choice
 * of one timer mechanism (docs/synic.md "Timer service"). N VPs x T timers, each periodic
 * with the same period, re-armed from its own callback on the next point of its grid (as
 * src/hv/stimer.c does), for S seconds, served by one of:
 *
 *   tsvc      hvemu's timer service (src/util/timersvc.c): one thread, one min-heap
 *   epoll     one thread, one timerfd per VP (its earliest timer) in one epoll set
 *   threads   one thread per VP, blocking in read() on its own timerfd
 *
 * Timers start spread over one period. It prints one line:
 *   TIMERS mode=M vps=N timers=T period_us=P cpu_pct=C late_p50_us=.. late_p99_us=..
 *          late_max_us=.. missed=K fired=F cpu_ns_per_fire=.. threads=H fds=D
 * cpu_pct is the process's user+system time over the wall time (100 = one host CPU);
 * lateness is callback time minus deadline; missed counts grid points passed over
 * because a callback came more than one period late; cpu_ns_per_fire is the CPU time per
 * expiration served (less sensitive to a loaded host than the lateness).
 *
 * Usage: timer_scale MODE [VPS [TIMERS [PERIOD_US [SECONDS]]]]   (1024 4 1000 5)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "util/timersvc.h"

#define LATE_BUCKETS 4096 /* 10 us each: up to 40.96 ms */
#define BUCKET_NS    10000ull

static unsigned nvps, ntimers;
static uint64_t period_ns, end_ns;
static _Atomic uint64_t fired, missed, late_max;
static _Atomic uint64_t late_hist[LATE_BUCKETS];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One expiration at @now of a timer due at *deadline: account, move *deadline on. */
static void expire(uint64_t *deadline, uint64_t now)
{
	uint64_t late = now > *deadline ? now - *deadline : 0, b = late / BUCKET_NS, m;

	atomic_fetch_add_explicit(&fired, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&late_hist[b < LATE_BUCKETS ? b : LATE_BUCKETS - 1], 1,
				  memory_order_relaxed);
	m = atomic_load_explicit(&late_max, memory_order_relaxed);
	while (late > m && !atomic_compare_exchange_weak(&late_max, &m, late))
		;
	*deadline += period_ns;
	if (*deadline <= now) { /* KVM's lazy policy: skip to the next grid point */
		uint64_t skip = (now - *deadline) / period_ns + 1;

		atomic_fetch_add_explicit(&missed, skip, memory_order_relaxed);
		*deadline += skip * period_ns;
	}
}

static uint64_t start_deadline(unsigned i, uint64_t t0)
{
	return t0 + period_ns + period_ns * i / ((uint64_t)nvps * ntimers);
}

/* --- tsvc ------------------------------------------------------------------------------ */

struct tt {
	struct tsvc_timer t;
	uint64_t deadline;
};

static struct tsvc *svc;

static void tt_fire(struct tsvc_timer *t, uint32_t seq)
{
	struct tt *x = t->arg;
	uint64_t now = tsvc_now(svc);

	(void)seq;
	expire(&x->deadline, now);
	if (x->deadline < end_ns)
		tsvc_arm(svc, &x->t, x->deadline, 0);
}

static int run_tsvc(uint64_t t0)
{
	struct tsvc_params p = { .name = "timer-scale", .capacity = nvps * ntimers };
	struct tt *v = calloc((size_t)nvps * ntimers, sizeof(*v));

	if (!v || tsvc_create(&p, &svc))
		return -1;
	for (unsigned i = 0; i < nvps * ntimers; i++) {
		tsvc_timer_init(&v[i].t, tt_fire, &v[i]);
		v[i].deadline = start_deadline(i, t0);
		tsvc_arm(svc, &v[i].t, v[i].deadline, 0);
	}
	while (now_ns() < end_ns + period_ns)
		usleep(10000);
	tsvc_destroy(svc);
	free(v);
	return 0;
}

/* --- timerfds: one per VP, armed for the earliest of its timers ----------------------- */

struct vp {
	int fd;
	uint64_t deadline[8];
};

static struct vp *vps;

static void vp_arm(struct vp *p)
{
	uint64_t next = UINT64_MAX;
	struct itimerspec its = { 0 };

	for (unsigned k = 0; k < ntimers; k++)
		if (p->deadline[k] < next)
			next = p->deadline[k];
	its.it_value.tv_sec = (time_t)(next / 1000000000ull);
	its.it_value.tv_nsec = (long)(next % 1000000000ull);
	timerfd_settime(p->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The VP's timerfd fired: run its due timers, re-arm. False when the run is over. */
static int vp_service(struct vp *p)
{
	uint64_t n, now = now_ns();

	if (read(p->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return 0;
	for (unsigned k = 0; k < ntimers; k++)
		if (p->deadline[k] <= now)
			expire(&p->deadline[k], now);
	if (now >= end_ns)
		return 0;
	vp_arm(p);
	return 1;
}

static int vps_init(uint64_t t0, int flags)
{
	vps = calloc(nvps, sizeof(*vps));
	if (!vps)
		return -1;
	for (unsigned i = 0; i < nvps; i++) {
		vps[i].fd = timerfd_create(CLOCK_MONOTONIC, flags);
		if (vps[i].fd < 0)
			return -1;
		for (unsigned k = 0; k < ntimers; k++)
			vps[i].deadline[k] = start_deadline(i * ntimers + k, t0);
		vp_arm(&vps[i]);
	}
	return 0;
}

static int run_epoll(uint64_t t0)
{
	struct epoll_event ev[64];
	int ep = epoll_create1(0), live;

	if (ep < 0 || vps_init(t0, TFD_NONBLOCK))
		return -1;
	for (unsigned i = 0; i < nvps; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = &vps[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, vps[i].fd, &e))
			return -1;
	}
	live = (int)nvps;
	while (live > 0) {
		int n = epoll_wait(ep, ev, 64, 100);

		if (n == 0 && now_ns() > end_ns + period_ns)
			break;
		for (int i = 0; i < n; i++) {
			struct vp *p = ev[i].data.ptr;

			if (!vp_service(p)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
				live--;
			}
		}
	}
	close(ep);
	return 0;
}

static void *vp_thread(void *arg)
{
	while (vp_service(arg))
		;
	return NULL;
}

static int run_threads(uint64_t t0)
{
	pthread_t *th = calloc(nvps, sizeof(*th));
	pthread_attr_t a;

	if (!th || vps_init(t0, 0))
		return -1;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (unsigned i = 0; i < nvps; i++)
		if (pthread_create(&th[i], &a, vp_thread, &vps[i]))
			return -1;
	for (unsigned i = 0; i < nvps; i++)
		pthread_join(th[i], NULL);
	free(th);
	return 0;
}

static double pct_us(double q)
{
	uint64_t total = 0, want, acc = 0;

	for (unsigned b = 0; b < LATE_BUCKETS; b++)
		total += late_hist[b];
	want = (uint64_t)(q * (double)total);
	for (unsigned b = 0; b < LATE_BUCKETS; b++) {
		acc += late_hist[b];
		if (acc > want)
			return (double)(b * BUCKET_NS + BUCKET_NS / 2) / 1000.0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "tsvc";
	unsigned seconds;
	struct rusage r0, r1;
	uint64_t t0, w0, w1;
	double cpu;
	int r;

	nvps = argc > 2 ? (unsigned)atoi(argv[2]) : 1024;
	ntimers = argc > 3 ? (unsigned)atoi(argv[3]) : 4;
	period_ns = (argc > 4 ? (uint64_t)atoll(argv[4]) : 1000) * 1000ull;
	seconds = argc > 5 ? (unsigned)atoi(argv[5]) : 5;
	if (!nvps || !ntimers || ntimers > 8 || !period_ns || !seconds) {
		fprintf(stderr,
			"usage: %s tsvc|epoll|threads [VPS [TIMERS<=8 [PERIOD_US [SECONDS]]]]\n",
			argv[0]);
		return 2;
	}
	getrusage(RUSAGE_SELF, &r0);
	w0 = t0 = now_ns();
	end_ns = t0 + seconds * 1000000000ull;
	if (!strcmp(mode, "tsvc"))
		r = run_tsvc(t0);
	else if (!strcmp(mode, "epoll"))
		r = run_epoll(t0);
	else if (!strcmp(mode, "threads"))
		r = run_threads(t0);
	else
		r = -2;
	w1 = now_ns();
	getrusage(RUSAGE_SELF, &r1);
	if (r) {
		fprintf(stderr, "timer_scale %s: %s\n", mode,
			r == -2 ? "unknown mode" : strerror(errno));
		return 1;
	}
	cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec -
		       r0.ru_stime.tv_sec) +
	      (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec -
		       r0.ru_stime.tv_usec) /
		  1e6;
	printf("TIMERS mode=%s vps=%u timers=%u period_us=%llu cpu_pct=%.1f late_p50_us=%.0f "
	       "late_p99_us=%.0f late_max_us=%.0f missed=%llu fired=%llu cpu_ns_per_fire=%.0f "
	       "threads=%u fds=%u\n",
	       mode, nvps, ntimers, (unsigned long long)(period_ns / 1000),
	       100.0 * cpu / ((double)(w1 - w0) / 1e9), pct_us(0.5), pct_us(0.99),
	       (double)late_max / 1000.0, (unsigned long long)missed, (unsigned long long)fired,
	       fired ? cpu * 1e9 / (double)fired : 0.0, !strcmp(mode, "threads") ? nvps : 1,
	       !strcmp(mode, "tsvc") ? 0 : nvps);
	return 0;
}
