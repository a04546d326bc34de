// SPDX-License-Identifier: MIT
/*
 * The process-wide host context: created by the first host_vm_register, torn down by the
 * last host_vm_unregister, with the usage count and the VM list; requests to the monitor
 * (host_rescan, host_sync, injected uevents); statistics.
 *
 * Lock order (docs/host-cpus.md "Locks"):
 *
 *   host_lock  ->  host_vm.lock
 *
 * host_lock is taken first and protects the context pointer, the usage count, the VM
 * list (changed and walked only under it: a hotplug event never walks a list that VM
 * creation or destruction is changing), the online/checked sets, the per-CPU profiles,
 * the injected-event queue and the closing of the context's descriptors. A
 * VM's lock protects that VM's allowed set, its per-CPU states and its vCPU threads; it
 * is taken alone (host_vcpu_thread_add/remove) or inside host_lock (the monitor
 * re-placing threads, queries), never the other way round.
 *
 * No lock is held across: running checks on the monitor (checks take milliseconds and
 * vCPU thread registration must not wait for them), event callbacks (VM code that may
 * take its own locks and call back into us), joining the monitor thread, or waiting for
 * a callback or a monitor request. The first registration does run the initial checks
 * under host_lock: every other registration has to wait for them anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/cpucheck.h"
#include "host/host_internal.h"
#include "host/uevent.h"
#include "util/cpulist.h"
#include "util/fd.h"
#include "util/fault.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

#define ONLINE_PATH   "/sys/devices/system/cpu/online"
#define POSSIBLE_PATH "/sys/devices/system/cpu/possible"

/* Lock order: host_lock first, then a VM's lock (see the top of this file). */
pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static struct host_ctx *host_ctx_cur; /* under host_lock */
static char *online_path_override;    /* under host_lock */
struct host_stats host_stats_g;

#define HS(f, t, u) STAT_DESC(struct host_stats, f, t, u)
const struct stat_desc host_stat_descs[] = {
	HS(checks_run, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(check_failures, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(check_timeouts, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(cpus_rejected, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(hotplug_events, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(uevents_ignored, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(uevents_malformed, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(uevent_overruns, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(online_reads, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(online_read_errors, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(cpus_offlined, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(cpus_onlined, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(replacements, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(replace_errors, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(fallbacks, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(rescans, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(contexts_created, STAT_CUMULATIVE, STAT_UNIT_NONE),
	HS(usage_count, STAT_INSTANT, STAT_UNIT_NONE),
	HS(vcpu_threads, STAT_INSTANT, STAT_UNIT_NONE),
	HS(polling, STAT_INSTANT, STAT_UNIT_BOOLEAN),
};
const unsigned host_nr_stat_descs = ARRAY_SIZE(host_stat_descs);

const struct host_stats *host_stats_get(void)
{
	return &host_stats_g;
}

void host_stats_visit(stat_visit_fn fn, void *ctx)
{
	stats_visit(host_stat_descs, host_nr_stat_descs, &host_stats_g, fn, ctx);
}

int host_read_online_locked(cpu_set_t *out)
{
	const char *path = online_path_override ? online_path_override : ONLINE_PATH;
	int r;

	stat_inc(&host_stats_g.online_reads);
	r = host_read_cpulist_file(path, out);
	if (r) {
		stat_inc(&host_stats_g.online_read_errors);
		pr_warn_ratelimited("cannot read the online host CPUs from %s: %s", path,
				    strerror(-r));
	}
	return r;
}

void host_kick_locked(struct host_ctx *ctx, uint32_t flags)
{
	uint64_t one = 1;

	if (flags)
		atomic_fetch_or(&ctx->req_flags, flags);
	/* Under host_lock, so the descriptor cannot be closed (and reused) meanwhile. */
	if (ctx->fds_closed || ctx->efd < 0)
		return;
	/* EAGAIN: the counter is full, so the monitor is woken anyway. */
	if (write(ctx->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn_ratelimited("cannot wake the hostcpu thread: %s", strerror(errno));
}

static void ctx_close_fds(struct host_ctx *ctx)
{
	fd_close(&ctx->nlfd);
	fd_close(&ctx->epfd);
	fd_close(&ctx->efd);
	ctx->fds_closed = true;
}

static void ctx_free(struct host_ctx *ctx)
{
	free(ctx->prof);
	free(ctx->scratch_prof);
	free(ctx->evbuf);
	free(ctx);
}

static void ctx_put_locked(struct host_ctx *ctx)
{
	if (--ctx->refs == 0)
		ctx_free(ctx);
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int open_fds(struct host_ctx *ctx)
{
	int r;

	r = fault_hit("hostctx.eventfd");
	if (r)
		return r;
	ctx->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->efd < 0)
		return -errno;
	r = fault_hit("hostctx.epoll");
	if (r)
		return r;
	ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->epfd < 0)
		return -errno;
	r = epoll_add(ctx->epfd, ctx->efd);
	if (r)
		return r;
	/* Listen before reading the online list, so no event falls between the two. */
	ctx->nlfd = host_netlink_open();
	if (ctx->nlfd >= 0 && (r = epoll_add(ctx->epfd, ctx->nlfd)) != 0) {
		close(ctx->nlfd);
		ctx->nlfd = r;
	}
	if (ctx->nlfd < 0) {
		pr_warn("cannot listen to kernel uevents (%s): polling %s every second instead",
			strerror(-ctx->nlfd),
			online_path_override ? online_path_override : ONLINE_PATH);
		ctx->nlfd = -1;
	}
	stat_set(&host_stats_g.polling, ctx->nlfd < 0);
	return 0;
}

static void log_initial(const struct host_ctx *ctx)
{
	char on[256], pos[256];
	unsigned failed = 0;

	for (int c = 0; c < ctx->nr_cpus; c++) {
		if (!CPU_ISSET(c, &ctx->checked) || ctx->prof[c].valid)
			continue;
		failed++;
		pr_warn("host CPU %d failed its check: %s", c, ctx->prof[c].fail);
	}
	cpulist_format(&ctx->online, on, sizeof(on));
	cpulist_format(&ctx->possible, pos, sizeof(pos));
	pr_info("host CPUs: possible %s, online %s, %u of %d checked CPUs failed; %s", pos, on,
		failed, CPU_COUNT(&ctx->checked),
		ctx->nlfd >= 0 ? "following uevents" : "polling the online list");
}

/* With host_lock held. On failure everything created here is undone. */
static int ctx_create(struct host_ctx **out)
{
	struct host_ctx *ctx;
	int r;

	r = fault_hit("hostctx.create");
	if (r)
		return r;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->efd = ctx->epfd = ctx->nlfd = -1;
	ctx->prof = calloc(CPU_SETSIZE, sizeof(*ctx->prof));
	ctx->scratch_prof = calloc(CPU_SETSIZE, sizeof(*ctx->scratch_prof));
	r = -ENOMEM;
	if (!ctx->prof || !ctx->scratch_prof)
		goto fail;
	r = open_fds(ctx);
	if (r)
		goto fail;
	r = fault_hit("hostctx.online");
	if (!r)
		r = host_read_online_locked(&ctx->online);
	if (!r && CPU_COUNT(&ctx->online) == 0)
		r = -ENOENT;
	if (r) {
		pr_err("cannot read the online host CPUs: %s", strerror(-r));
		goto fail;
	}
	if (host_read_cpulist_file(POSSIBLE_PATH, &ctx->possible))
		CPU_ZERO(&ctx->possible);
	CPU_OR(&ctx->possible, &ctx->possible, &ctx->online);
	ctx->nr_cpus = cpulist_last(&ctx->possible) + 1;
	r = -ENOMEM;
	ctx->evbuf = calloc(2 * (size_t)ctx->nr_cpus + 2, sizeof(*ctx->evbuf));
	if (!ctx->evbuf)
		goto fail;

	host_check_cpus(&ctx->online, ctx->prof, HOST_CHECK_TIMEOUT_NS, NULL);
	ctx->checked = ctx->online;
	log_initial(ctx);

	r = host_monitor_start(ctx);
	if (r)
		goto fail;
	ctx->refs = 1;
	stat_inc(&host_stats_g.contexts_created);
	*out = ctx;
	return 0;

fail:
	ctx_close_fds(ctx);
	ctx_free(ctx);
	stat_set(&host_stats_g.polling, 0);
	return r;
}

/* Without any lock: stops the monitor, then frees what nobody else can reach now. */
static void ctx_teardown(struct host_ctx *ctx)
{
	unsigned left;

	/*
	 * The monitor sees `stopping` between steps; its longest step is one batch of checks
	 * (HOST_CHECK_TIMEOUT_NS), so this join is bounded by that.
	 */
	pthread_join(ctx->monitor, NULL);
	if (host_check_stragglers()) {
		left = host_check_wait_stragglers(HOST_CHECK_TIMEOUT_NS);
		if (left)
			pr_warn("%u host CPU check threads are still stuck", left);
	}
	pthread_mutex_lock(&host_lock);
	ctx_close_fds(ctx);
	ctx_put_locked(ctx);
	if (!host_ctx_cur)
		stat_set(&host_stats_g.polling, 0);
	pthread_mutex_unlock(&host_lock);
	pr_info("host CPU manager stopped: no VM left");
}

int host_vm_register(const struct host_vm_params *p, struct host_vm **out)
{
	struct host_vm *vm;
	struct host_ctx *ctx;
	int r;

	if (!out)
		return -EINVAL;
	r = host_vm_alloc(p, &vm);
	if (r)
		return r;
	pthread_mutex_lock(&host_lock);
	ctx = host_ctx_cur;
	if (!ctx) {
		r = ctx_create(&ctx);
		if (r) {
			pthread_mutex_unlock(&host_lock);
			host_vm_free(vm);
			return r;
		}
		host_ctx_cur = ctx;
	}
	host_vm_attach_locked(ctx, vm);
	vm->next = ctx->vms;
	if (ctx->vms)
		ctx->vms->prev = vm;
	ctx->vms = vm;
	ctx->nr_vms++;
	stat_set(&host_stats_g.usage_count, ctx->nr_vms);
	if (vm->ev_pending)
		host_kick_locked(ctx, 0);
	pthread_mutex_unlock(&host_lock);
	*out = vm;
	return 0;
}

void host_vm_unregister(struct host_vm *vm)
{
	struct host_ctx *ctx, *stop = NULL;

	if (!vm)
		return;
	if (host_on_monitor_thread()) {
		/* It would wait for its own callback, or join its own thread. */
		pr_err("%s: host_vm_unregister called on the hostcpu thread: not unregistered",
		       vm->name);
		return;
	}
	pthread_mutex_lock(&host_lock);
	ctx = vm->ctx;
	if (vm->prev)
		vm->prev->next = vm->next;
	else
		ctx->vms = vm->next;
	if (vm->next)
		vm->next->prev = vm->prev;
	vm->next = vm->prev = NULL;
	ctx->nr_vms--;
	stat_set(&host_stats_g.usage_count, ctx->nr_vms);
	if (ctx->nr_vms == 0) {
		/* A later registration creates a fresh context while this one stops. */
		host_ctx_cur = NULL;
		stop = ctx;
		atomic_store(&ctx->stopping, true);
		host_kick_locked(ctx, 0);
	}
	pthread_mutex_unlock(&host_lock);

	/*
	 * The VM is off the list, so no new callback starts; wait for one that runs. There
	 * is no time limit: freeing what a running callback uses would be worse than waiting.
	 * The callback is hvemu's own short, non-blocking code; a slow one is reported.
	 */
	while (atomic_load(&vm->cb_busy)) {
		if (futex_wait(&vm->cb_busy, 1, NSEC_PER_SEC) == -ETIMEDOUT)
			pr_warn("%s: still waiting for its host CPU event callback to return",
				vm->name);
	}
	/* The monitor clears cb_busy under host_lock: once we get it, it is done with vm. */
	pthread_mutex_lock(&host_lock);
	pthread_mutex_unlock(&host_lock);
	if (stop)
		ctx_teardown(stop);
	host_vm_free(vm);
}

unsigned host_usage_count(void)
{
	unsigned n;

	pthread_mutex_lock(&host_lock);
	n = host_ctx_cur ? host_ctx_cur->nr_vms : 0;
	pthread_mutex_unlock(&host_lock);
	return n;
}

/* Asks the monitor for one more pass (with flags) and waits until it has finished it. */
static int monitor_request(uint32_t flags)
{
	struct host_ctx *ctx;
	uint64_t deadline = now_ns() + HOST_SYNC_TIMEOUT_NS;
	uint32_t target;
	int r = 0;

	if (host_on_monitor_thread())
		return -EDEADLK;
	pthread_mutex_lock(&host_lock);
	ctx = host_ctx_cur;
	if (!ctx) {
		pthread_mutex_unlock(&host_lock);
		return -ENODEV;
	}
	ctx->refs++;
	/* Flags before the generation: a monitor that sees the generation sees the flags. */
	atomic_fetch_or(&ctx->req_flags, flags);
	target = atomic_fetch_add(&ctx->req_gen, 1) + 1;
	host_kick_locked(ctx, 0);
	pthread_mutex_unlock(&host_lock);

	for (;;) {
		uint32_t seq = atomic_load(&ctx->wake_seq);
		uint64_t now;

		if ((int32_t)(atomic_load(&ctx->done_gen) - target) >= 0)
			break;
		if (atomic_load(&ctx->dead)) {
			r = -ENODEV;
			break;
		}
		now = now_ns();
		if (now >= deadline) {
			r = -ETIMEDOUT;
			pr_warn("the hostcpu thread did not answer within %llu s",
				(unsigned long long)(HOST_SYNC_TIMEOUT_NS / NSEC_PER_SEC));
			break;
		}
		futex_wait(&ctx->wake_seq, seq, deadline - now);
	}
	pthread_mutex_lock(&host_lock);
	ctx_put_locked(ctx);
	pthread_mutex_unlock(&host_lock);
	return r;
}

int host_rescan(void)
{
	stat_inc(&host_stats_g.rescans);
	return monitor_request(HOST_REQ_FULL);
}

int host_sync(void)
{
	return monitor_request(0);
}

int host_test_set_online_path(const char *path)
{
	char *copy = NULL;

	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	pthread_mutex_lock(&host_lock);
	free(online_path_override);
	online_path_override = copy;
	pthread_mutex_unlock(&host_lock);
	return 0;
}

int host_test_inject_uevent(const void *buf, size_t len)
{
	struct host_uevent ev;
	struct host_ctx *ctx;
	int r = host_uevent_parse(buf, len, &ev);

	if (r) {
		stat_inc(&host_stats_g.uevents_malformed);
		return r;
	}
	pthread_mutex_lock(&host_lock);
	ctx = host_ctx_cur;
	if (!ctx) {
		pthread_mutex_unlock(&host_lock);
		return -ENODEV;
	}
	if (ctx->nr_inj < HOST_INJ_MAX) {
		ctx->inj[ctx->nr_inj++] = (struct host_inj_event){
			.is_cpu = host_uevent_is_cpu(&ev),
			.cpu = ev.cpu,
			.action = (int)ev.action,
		};
	} else {
		ctx->inj_overrun = true; /* handled like a socket overrun: a full rescan */
	}
	host_kick_locked(ctx, 0);
	pthread_mutex_unlock(&host_lock);
	return 0;
}
