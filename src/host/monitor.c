// SPDX-License-Identifier: MIT
/*
 * The "hostcpu" thread: follows host CPU hotplug and keeps every VM's placement true.
 *
 * It epolls an eventfd (stop, rescan, sync, injected events, events to deliver) and the
 * NETLINK_KOBJECT_UEVENT socket. A batch of SUBSYSTEM=cpu uevents leads to one re-read of
 * /sys/devices/system/cpu/online, which is the truth (events are only the reason to look):
 * CPUs that went offline are dropped at once and the vCPU threads re-placed; CPUs that
 * came online (or had an online/add event, even if the list looks unchanged because they
 * went down and up between two reads) are checked with no lock held, then admitted. A
 * socket overrun (ENOBUFS: events were lost) re-checks every online CPU. Without the
 * socket, the online list is polled every second; with it, every ten seconds as well.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "host/cpucheck.h"
#include "host/place.h"
#include "host/host_internal.h"
#include "host/uevent.h"
#include "sandbox/sandbox.h"
#include "util/cpulist.h"
#include "util/fault.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

#define POLL_INTERVAL_MS 1000
/*
 * With the uevent socket, the online list is still re-read this often: in a network
 * namespace other than the initial one the socket opens but the kernel sends it no
 * device events, and a lost event must not go unnoticed forever.
 */
#define SAFETY_POLL_INTERVAL_MS 10000
/* Room for bursts of uevents (a CPU brings its cpuid/msr devices along). */
#define NETLINK_RCVBUF (1024 * 1024)

static __thread bool on_monitor;

bool host_on_monitor_thread(void)
{
	return on_monitor;
}

int host_netlink_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd, r, sz = NETLINK_RCVBUF;

	r = fault_hit("hostctx.netlink");
	if (r)
		return r;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	/* RCVBUFFORCE needs CAP_NET_ADMIN; the plain one is capped by rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

struct pass {
	bool reread;	   /* re-read the online list */
	bool full;	   /* re-check every online CPU */
	cpu_set_t recheck; /* CPUs with an online/add event */
};

static void note_uevent(struct pass *ps, bool is_cpu, int cpu, int action)
{
	if (!is_cpu) {
		stat_inc(&host_stats_g.uevents_ignored);
		return;
	}
	stat_inc(&host_stats_g.hotplug_events);
	ps->reread = true;
	if (cpu >= 0 && (action == HOST_UEVENT_ONLINE || action == HOST_UEVENT_ADD))
		CPU_SET(cpu, &ps->recheck);
}

static void drain_netlink(struct host_ctx *ctx, struct pass *ps)
{
	char buf[HOST_UEVENT_MAX_LEN + 1]; /* + 1: a longer message shows as MSG_TRUNC */

	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1
		};
		struct host_uevent ev;
		ssize_t n = recvmsg(ctx->nlfd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Events were lost: a CPU may have gone down and up unseen. */
				stat_inc(&host_stats_g.uevent_overruns);
				pr_warn_ratelimited("uevent socket overrun: re-checking every CPU");
				ps->full = ps->reread = true;
				continue;
			}
			if (errno != EAGAIN)
				pr_warn_ratelimited("uevent socket: %s", strerror(errno));
			return;
		}
		/* Only the kernel (port 0) is believed; anything else is not an event. */
		if (msg.msg_namelen < sizeof(sa) || sa.nl_pid != 0)
			continue;
		if ((msg.msg_flags & MSG_TRUNC) || host_uevent_parse(buf, (size_t)n, &ev)) {
			stat_inc(&host_stats_g.uevents_malformed);
			pr_warn_ratelimited("ignoring a malformed uevent (%zd bytes)", n);
			continue;
		}
		if (host_uevent_is_cpu(&ev))
			pr_debug("uevent %s %s seqnum %llu", ev.action_str, ev.devpath,
				 (unsigned long long)ev.seqnum);
		note_uevent(ps, host_uevent_is_cpu(&ev), ev.cpu, (int)ev.action);
	}
}

static void drain_injected(struct host_ctx *ctx, struct pass *ps)
{
	pthread_mutex_lock(&host_lock);
	for (unsigned i = 0; i < ctx->nr_inj; i++)
		note_uevent(ps, ctx->inj[i].is_cpu, ctx->inj[i].cpu, ctx->inj[i].action);
	ctx->nr_inj = 0;
	if (ctx->inj_overrun) {
		stat_inc(&host_stats_g.uevent_overruns);
		ps->full = ps->reread = true;
		ctx->inj_overrun = false;
	}
	pthread_mutex_unlock(&host_lock);
}

static void log_transitions(const cpu_set_t *off, const cpu_set_t *on, const cpu_set_t *again)
{
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, off)) {
			stat_inc(&host_stats_g.cpus_offlined);
			pr_info("host CPU %d went offline", c);
		} else if (CPU_ISSET(c, on)) {
			stat_inc(&host_stats_g.cpus_onlined);
			pr_info("host CPU %d came online: checking it", c);
		} else if (CPU_ISSET(c, again)) {
			stat_inc(&host_stats_g.cpus_onlined);
			pr_info("host CPU %d came online again: checking it", c);
		}
	}
}

/*
 * Stores the results, then re-evaluates every VM. Only this thread changes the online
 * set, so it is the one the checks started from; a CPU that went down during its check
 * moved the check thread (which then failed), and its offline event is already queued.
 */
static void publish_checks(struct host_ctx *ctx, const cpu_set_t *checked)
{
	pthread_mutex_lock(&host_lock);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, checked) || !CPU_ISSET(c, &ctx->online))
			continue;
		ctx->prof[c] = ctx->scratch_prof[c];
		CPU_SET(c, &ctx->checked);
		if (!ctx->prof[c].valid)
			pr_warn("host CPU %d failed its check: %s", c, ctx->prof[c].fail);
	}
	host_recompute_all_locked(ctx);
	pthread_mutex_unlock(&host_lock);
}

/*
 * One pass: the online list is read, offline CPUs dropped, new ones checked and admitted.
 * A CPU that came online (in the list, or by an online/add event even when the list
 * looks unchanged) is a new incarnation: it is not admitted again until its new check
 * passes. A full rescan keeps the existing profiles valid while it re-checks, so that a
 * manual rescan does not take every CPU away from the vCPU threads for its duration.
 */
static void update(struct host_ctx *ctx, const struct pass *ps)
{
	cpu_set_t now, off, on, again, fresh, to_check, unchecked;

	pthread_mutex_lock(&host_lock);
	if (host_read_online_locked(&now) || CPU_COUNT(&now) == 0) {
		pthread_mutex_unlock(&host_lock);
		return;
	}
	host_place_online_diff(&ctx->online, &now, &off, &on);
	CPU_AND(&again, &ps->recheck, &now);
	CPU_AND(&again, &again, &ctx->online); /* online before too: down and up unseen */
	CPU_OR(&fresh, &off, &on);
	CPU_OR(&fresh, &fresh, &again);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &fresh))
			CPU_CLR(c, &ctx->checked);
	log_transitions(&off, &on, &again);
	ctx->online = now;
	to_check = now;
	if (!ps->full) {
		CPU_XOR(&unchecked, &now, &ctx->checked);
		CPU_AND(&to_check, &unchecked, &now);
	}
	if (CPU_COUNT(&fresh))
		host_recompute_all_locked(ctx);
	pthread_mutex_unlock(&host_lock);

	host_deliver_events(ctx);
	if (!CPU_COUNT(&to_check))
		return;
	/* The checks run with no lock held: registrations and vCPU threads go on meanwhile. */
	host_check_cpus(&to_check, ctx->scratch_prof, HOST_CHECK_TIMEOUT_NS, &ctx->stopping);
	if (atomic_load(&ctx->stopping))
		return;
	publish_checks(ctx, &to_check);
	host_deliver_events(ctx);
}

static void drain_eventfd(int efd)
{
	uint64_t v;

	while (read(efd, &v, sizeof(v)) == sizeof(v))
		;
}

static void monitor_loop(struct host_ctx *ctx)
{
	uint64_t last_poll = now_ns();
	int interval_ms = ctx->nlfd < 0 ? POLL_INTERVAL_MS : SAFETY_POLL_INTERVAL_MS;

	while (!atomic_load(&ctx->stopping)) {
		struct epoll_event evs[4];
		struct pass ps = { .reread = false };
		uint32_t gen, flags;
		int n;

		n = epoll_wait(ctx->epfd, evs, ARRAY_SIZE(evs), interval_ms);
		if (n < 0 && errno != EINTR) {
			struct timespec ts = { .tv_sec = 1 };

			pr_err("hostcpu: epoll_wait: %s", strerror(errno));
			nanosleep(&ts, NULL);
			continue;
		}
		if (atomic_load(&ctx->stopping))
			break;
		/*
		 * The generation first, then the flags, then the queues: a request counted in gen
		 * had its flags set and its events queued before it, so this pass sees them all
		 * (see monitor_request in ctx.c).
		 */
		gen = atomic_load(&ctx->req_gen);
		flags = atomic_exchange(&ctx->req_flags, 0);
		CPU_ZERO(&ps.recheck);
		if (now_ns() - last_poll >= (uint64_t)interval_ms * NSEC_PER_MSEC) {
			ps.reread = true; /* the poll tick */
			last_poll = now_ns();
		}
		/* Both are drained whatever epoll said: a message may have come since. */
		drain_eventfd(ctx->efd);
		if (ctx->nlfd >= 0)
			drain_netlink(ctx, &ps);
		if (flags & HOST_REQ_FULL)
			ps.full = ps.reread = true;
		drain_injected(ctx, &ps);
		if (ps.reread)
			update(ctx, &ps);
		host_deliver_events(ctx);
		atomic_store(&ctx->done_gen, gen);
		atomic_fetch_add(&ctx->wake_seq, 1);
		futex_wake(&ctx->wake_seq, INT32_MAX);
	}
}

void *host_monitor_main(void *arg)
{
	struct host_ctx *ctx = arg;

	on_monitor = true;
	sandbox_enter(SANDBOX_HOSTCPU);
	pthread_setname_np(pthread_self(), "hostcpu");
	log_set_thread_name("hostcpu");
	monitor_loop(ctx);
	atomic_store(&ctx->dead, 1);
	atomic_fetch_add(&ctx->wake_seq, 1);
	futex_wake(&ctx->wake_seq, INT32_MAX);
	return NULL;
}

int host_monitor_start(struct host_ctx *ctx)
{
	sigset_t all, old;
	int r;

	r = fault_hit("hostctx.monitor");
	if (r)
		return r;
	/* Signals are for the threads that expect them (vCPU kicks, the main loop). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&ctx->monitor, NULL, host_monitor_main, ctx);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pr_err("cannot start the hostcpu thread: %s", strerror(r));
		return -r;
	}
	/* Named here too, so that it has its name as soon as this returns. */
	pthread_setname_np(ctx->monitor, "hostcpu");
	return 0;
}
