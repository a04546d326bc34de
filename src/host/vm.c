// SPDX-License-Identifier: MIT
/*
 * One VM's view of the host CPUs: its per-CPU states, the set its vCPU threads may run
 * on, the threads themselves, the event callback, and the queries. Lock order: host_lock
 * before vm->lock (ctx.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/place.h"
#include "host/host_internal.h"
#include "util/cpulist.h"
#include "util/fault.h"
#include "util/futex.h"
#include "util/log.h"

const char *host_cpu_state_name(enum host_cpu_state s)
{
	switch (s) {
	case HOST_CPU_OFFLINE:
		return "offline";
	case HOST_CPU_CHECKING:
		return "checking";
	case HOST_CPU_ADMITTED:
		return "admitted";
	case HOST_CPU_REJECTED:
		return "rejected";
	case HOST_CPU_EXCLUDED:
		return "excluded";
	}
	return "unknown";
}

const char *host_cpu_event_name(enum host_cpu_event_type t)
{
	switch (t) {
	case HOST_CPU_EV_ONLINE:
		return "online";
	case HOST_CPU_EV_OFFLINE:
		return "offline";
	case HOST_CPU_EV_ADMITTED:
		return "admitted";
	case HOST_CPU_EV_REJECTED:
		return "rejected";
	case HOST_CPU_EV_EXCLUDED:
		return "excluded";
	case HOST_CPU_EV_FALLBACK:
		return "fallback";
	case HOST_CPU_EV_FALLBACK_END:
		return "fallback-end";
	}
	return "unknown";
}

/* A list for a log line: "none" when empty, "..." when it did not fit. */
static const char *fmt_set(const cpu_set_t *s, char *buf, size_t len)
{
	size_t need = cpulist_format(s, buf, len);

	if (need == 0)
		snprintf(buf, len, "none");
	else if (need >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

static struct host_place_input place_input(const struct host_ctx *ctx, const struct host_vm *vm)
{
	return (struct host_place_input){
		.online = &ctx->online,
		.checked = &ctx->checked,
		.prof = ctx->prof,
		.req = &vm->req,
		.mask = vm->has_mask ? &vm->mask : NULL,
		.nr_cpus = ctx->nr_cpus,
	};
}

int host_vm_alloc(const struct host_vm_params *p, struct host_vm **out)
{
	struct host_vm *vm;
	int r;

	if (!p || !out || (p->nr_cpuid && !p->cpuid))
		return -EINVAL;
	if (p->user_mask && CPU_COUNT(p->user_mask) == 0) {
		pr_err("%s: the host CPU mask (--host-cpus) names no CPU",
		       p->name ? p->name : "vm");
		return -EINVAL;
	}
	r = fault_hit("hostvm.alloc");
	if (r)
		return r;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	r = pthread_mutex_init(&vm->lock, NULL);
	if (r) {
		free(vm);
		return -r;
	}
	snprintf(vm->name, sizeof(vm->name), "%s", p->name ? p->name : "vm");
	host_req_build(p->cpuid, p->nr_cpuid, p->xcr0, p->tsc_khz, &vm->req);
	if (p->user_mask) {
		vm->has_mask = true;
		vm->mask = *p->user_mask;
	}
	vm->event_fn = p->event_fn;
	vm->opaque = p->opaque;
	*out = vm;
	return 0;
}

void host_vm_free(struct host_vm *vm)
{
	if (vm->nr_vcpus)
		atomic_fetch_sub(&host_stats_g.vcpu_threads, vm->nr_vcpus);
	pthread_mutex_destroy(&vm->lock);
	free(vm->vcpu_tid);
	free(vm);
}

/* vm->lock held. A thread that exited without being removed is forgotten. */
static void replace_threads(struct host_vm *vm)
{
	char set[128];

	for (unsigned slot = 0; slot < vm->nr_slots; slot++) {
		pid_t tid = vm->vcpu_tid[slot];

		if (!tid)
			continue;
		/* Make sure the tid is still one of ours before changing its affinity. */
		if (syscall(SYS_tgkill, getpid(), tid, 0) && errno == ESRCH) {
			pr_warn_ratelimited("%s: vCPU %u thread %d exited without being removed",
					    vm->name, slot, (int)tid);
			vm->vcpu_tid[slot] = 0;
			vm->nr_vcpus--;
			atomic_fetch_sub(&host_stats_g.vcpu_threads, 1);
			continue;
		}
		if (sched_setaffinity(tid, sizeof(vm->allowed), &vm->allowed)) {
			stat_inc(&host_stats_g.replace_errors);
			pr_warn_ratelimited(
			    "%s: cannot move vCPU %u thread %d to host CPUs %s: %s", vm->name, slot,
			    (int)tid, fmt_set(&vm->allowed, set, sizeof(set)), strerror(errno));
			continue;
		}
		stat_inc(&host_stats_g.replacements);
	}
}

static void log_change(const struct host_vm *vm, const struct host_place_input *in, int cpu,
		       enum host_cpu_state s)
{
	char reason[HOST_REASON_MAX];

	switch (s) {
	case HOST_CPU_REJECTED:
		host_place_cpu_state(in, cpu, reason, sizeof(reason));
		pr_warn("%s: host CPU %d rejected: %s", vm->name, cpu, reason);
		break;
	case HOST_CPU_ADMITTED:
		pr_info("%s: host CPU %d admitted", vm->name, cpu);
		break;
	case HOST_CPU_OFFLINE:
		pr_info("%s: host CPU %d offline", vm->name, cpu);
		break;
	case HOST_CPU_CHECKING:
		pr_info("%s: host CPU %d online, being checked", vm->name, cpu);
		break;
	case HOST_CPU_EXCLUDED:
		pr_info("%s: host CPU %d online, excluded by --host-cpus", vm->name, cpu);
		break;
	}
}

static void log_summary(const struct host_vm *vm, const uint8_t *st, int nr)
{
	cpu_set_t sets[5];
	char b[6][96];

	for (int i = 0; i < 5; i++)
		CPU_ZERO(&sets[i]);
	for (int c = 0; c < nr; c++)
		CPU_SET(c, &sets[st[c]]);
	pr_info("%s: host CPUs admitted %s; rejected %s; offline %s; excluded %s%s%s; vCPU "
		"threads may run on %s%s",
		vm->name, fmt_set(&sets[HOST_CPU_ADMITTED], b[0], sizeof(b[0])),
		fmt_set(&sets[HOST_CPU_REJECTED], b[1], sizeof(b[1])),
		fmt_set(&sets[HOST_CPU_OFFLINE], b[2], sizeof(b[2])),
		fmt_set(&sets[HOST_CPU_EXCLUDED], b[3], sizeof(b[3])),
		CPU_COUNT(&sets[HOST_CPU_CHECKING]) ? "; being checked " : "",
		CPU_COUNT(&sets[HOST_CPU_CHECKING])
		    ? fmt_set(&sets[HOST_CPU_CHECKING], b[4], sizeof(b[4]))
		    : "",
		fmt_set(&vm->allowed, b[5], sizeof(b[5])), vm->fallback ? " (fallback)" : "");
}

/* host_lock and vm->lock held. */
static void recompute_vm(struct host_ctx *ctx, struct host_vm *vm, bool initial)
{
	struct host_place_input in = place_input(ctx, vm);
	uint8_t st[CPU_SETSIZE];
	cpu_set_t admitted, allowed;
	bool fallback, changed = initial;
	char set[128];

	fallback = host_place_vm(&in, st, &admitted, &allowed);
	for (int cpu = 0; cpu < ctx->nr_cpus; cpu++) {
		if (initial) {
			if (st[cpu] == HOST_CPU_REJECTED) {
				log_change(vm, &in, cpu, HOST_CPU_REJECTED);
				stat_inc(&host_stats_g.cpus_rejected);
			}
			/* Only rejections are reported at registration (host.h). */
			vm->reported[cpu] =
			    st[cpu] == HOST_CPU_REJECTED ? HOST_STATE_UNREPORTED : st[cpu];
		} else if (st[cpu] != vm->state[cpu]) {
			changed = true;
			log_change(vm, &in, cpu, st[cpu]);
			if (st[cpu] == HOST_CPU_REJECTED)
				stat_inc(&host_stats_g.cpus_rejected);
		}
		vm->state[cpu] = st[cpu];
		if (vm->state[cpu] != vm->reported[cpu])
			vm->ev_pending = true;
	}
	if (fallback && !vm->fallback) {
		stat_inc(&host_stats_g.fallbacks);
		pr_err("%s: no admitted host CPU: vCPU threads fall back to every online CPU (%s), "
		       "including CPUs that failed their checks",
		       vm->name, fmt_set(&allowed, set, sizeof(set)));
	} else if (!fallback && vm->fallback) {
		pr_warn("%s: admitted host CPUs again (%s): the fallback is over", vm->name,
			fmt_set(&allowed, set, sizeof(set)));
	}
	vm->fallback = fallback;
	if (vm->fallback != vm->fallback_reported)
		vm->ev_pending = true;
	if (initial || !CPU_EQUAL(&allowed, &vm->allowed)) {
		changed = true;
		vm->allowed = allowed;
		if (!initial)
			replace_threads(vm);
	}
	if (changed)
		log_summary(vm, st, ctx->nr_cpus);
}

void host_vm_attach_locked(struct host_ctx *ctx, struct host_vm *vm)
{
	vm->ctx = ctx;
	if (vm->has_mask) {
		cpu_set_t both;
		char m[128];

		CPU_AND(&both, &vm->mask, &ctx->possible);
		if (!CPU_COUNT(&both))
			pr_warn("%s: --host-cpus %s names no CPU of this host", vm->name,
				fmt_set(&vm->mask, m, sizeof(m)));
	}
	pthread_mutex_lock(&vm->lock);
	recompute_vm(ctx, vm, true);
	pthread_mutex_unlock(&vm->lock);
}

void host_recompute_all_locked(struct host_ctx *ctx)
{
	for (struct host_vm *vm = ctx->vms; vm; vm = vm->next) {
		pthread_mutex_lock(&vm->lock);
		recompute_vm(ctx, vm, false);
		pthread_mutex_unlock(&vm->lock);
	}
}

static void add_ev(struct host_ctx *ctx, unsigned *n, enum host_cpu_event_type t, int cpu)
{
	struct host_ev_rec *e = &ctx->evbuf[(*n)++];

	e->type = t;
	e->cpu = cpu;
	e->reason[0] = '\0';
}

/* host_lock and vm->lock held: the events between what was reported and what is. */
static unsigned build_events(struct host_ctx *ctx, struct host_vm *vm)
{
	struct host_place_input in = place_input(ctx, vm);
	unsigned n = 0;
	char set[96];

	for (int cpu = 0; cpu < ctx->nr_cpus; cpu++) {
		uint8_t s = vm->state[cpu], rep = vm->reported[cpu];

		if (s == rep)
			continue;
		if (rep == HOST_CPU_OFFLINE && s != HOST_CPU_CHECKING)
			add_ev(ctx, &n, HOST_CPU_EV_ONLINE, cpu);
		switch ((enum host_cpu_state)s) {
		case HOST_CPU_OFFLINE:
			add_ev(ctx, &n, HOST_CPU_EV_OFFLINE, cpu);
			break;
		case HOST_CPU_CHECKING:
			add_ev(ctx, &n, HOST_CPU_EV_ONLINE, cpu);
			break;
		case HOST_CPU_ADMITTED:
			add_ev(ctx, &n, HOST_CPU_EV_ADMITTED, cpu);
			break;
		case HOST_CPU_REJECTED:
			add_ev(ctx, &n, HOST_CPU_EV_REJECTED, cpu);
			host_place_cpu_state(&in, cpu, ctx->evbuf[n - 1].reason,
					     sizeof(ctx->evbuf[n - 1].reason));
			break;
		case HOST_CPU_EXCLUDED:
			add_ev(ctx, &n, HOST_CPU_EV_EXCLUDED, cpu);
			break;
		}
		vm->reported[cpu] = s;
	}
	if (vm->fallback != vm->fallback_reported) {
		add_ev(ctx, &n, vm->fallback ? HOST_CPU_EV_FALLBACK : HOST_CPU_EV_FALLBACK_END, -1);
		snprintf(ctx->evbuf[n - 1].reason, sizeof(ctx->evbuf[n - 1].reason),
			 vm->fallback
			     ? "no admitted host CPU: vCPU threads run on every online CPU (%s)"
			     : "vCPU threads run on admitted host CPUs (%s) again",
			 fmt_set(&vm->allowed, set, sizeof(set)));
		vm->fallback_reported = vm->fallback;
	}
	vm->ev_pending = false;
	return n;
}

void host_deliver_events(struct host_ctx *ctx)
{
	pthread_mutex_lock(&host_lock);
restart:
	for (struct host_vm *vm = ctx->vms; vm; vm = vm->next) {
		unsigned n = 0;

		pthread_mutex_lock(&vm->lock);
		if (vm->ev_pending)
			n = build_events(ctx, vm);
		pthread_mutex_unlock(&vm->lock);
		if (!n || !vm->event_fn)
			continue;
		/*
		 * Call it without host_lock (it is VM code and may call back into us); cb_busy
		 * keeps host_vm_unregister from freeing the VM meanwhile.
		 */
		atomic_store(&vm->cb_busy, 1);
		pthread_mutex_unlock(&host_lock);
		for (unsigned i = 0; i < n; i++) {
			const struct host_ev_rec *r = &ctx->evbuf[i];
			struct host_cpu_event ev = { .type = r->type,
						     .cpu = r->cpu,
						     .reason = r->reason };

			vm->event_fn(vm->opaque, &ev);
		}
		pthread_mutex_lock(&host_lock);
		atomic_store(&vm->cb_busy, 0);
		futex_wake(&vm->cb_busy, INT32_MAX);
		/* The list may have changed while host_lock was dropped. */
		goto restart;
	}
	pthread_mutex_unlock(&host_lock);
}

int host_vcpu_thread_add(struct host_vm *vm, unsigned slot, pid_t tid)
{
	int r = 0;

	if (!vm || tid <= 0 || slot >= HOST_MAX_VCPU_SLOTS)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (slot >= vm->nr_slots) {
		unsigned n = MAX(slot + 1, vm->nr_slots * 2);
		pid_t *t;

		n = MIN(MAX(n, 8u), HOST_MAX_VCPU_SLOTS);
		t = realloc(vm->vcpu_tid, n * sizeof(*t));
		if (!t) {
			r = -ENOMEM;
			goto out;
		}
		memset(t + vm->nr_slots, 0, (n - vm->nr_slots) * sizeof(*t));
		vm->vcpu_tid = t;
		vm->nr_slots = n;
	}
	if (vm->vcpu_tid[slot]) {
		r = -EEXIST;
		goto out;
	}
	if (syscall(SYS_tgkill, getpid(), tid, 0)) {
		r = errno == ESRCH ? -ESRCH : -errno;
		goto out;
	}
	/* Under vm->lock, as the monitor's re-placement: no set change can slip between. */
	if (sched_setaffinity(tid, sizeof(vm->allowed), &vm->allowed)) {
		r = -errno;
		pr_warn("%s: cannot pin vCPU %u thread %d: %s", vm->name, slot, (int)tid,
			strerror(errno));
		goto out;
	}
	vm->vcpu_tid[slot] = tid;
	vm->nr_vcpus++;
	stat_inc(&host_stats_g.vcpu_threads);
out:
	pthread_mutex_unlock(&vm->lock);
	return r;
}

void host_vcpu_thread_remove(struct host_vm *vm, unsigned slot)
{
	if (!vm)
		return;
	pthread_mutex_lock(&vm->lock);
	if (slot < vm->nr_slots && vm->vcpu_tid[slot]) {
		vm->vcpu_tid[slot] = 0;
		vm->nr_vcpus--;
		atomic_fetch_sub(&host_stats_g.vcpu_threads, 1);
	}
	pthread_mutex_unlock(&vm->lock);
}

int host_vm_allowed_cpus(struct host_vm *vm, cpu_set_t *out, bool *fallback)
{
	if (!vm || !out)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	*out = vm->allowed;
	if (fallback)
		*fallback = vm->fallback;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

int host_query_cpus(struct host_vm *vm, struct host_cpu_info **out)
{
	struct host_place_input in;
	struct host_cpu_info *info;
	struct host_ctx *ctx;
	int n;

	if (!vm || !out)
		return -EINVAL;
	pthread_mutex_lock(&host_lock);
	pthread_mutex_lock(&vm->lock);
	ctx = vm->ctx;
	n = ctx->nr_cpus;
	info = calloc((size_t)n, sizeof(*info));
	if (info) {
		in = place_input(ctx, vm);
		for (int c = 0; c < n; c++) {
			info[c].cpu = (unsigned)c;
			info[c].state = (enum host_cpu_state)vm->state[c];
			if (info[c].state == HOST_CPU_REJECTED)
				host_place_cpu_state(&in, c, info[c].reason,
						     sizeof(info[c].reason));
			if (CPU_ISSET(c, &ctx->checked) && ctx->prof[c].valid)
				info[c].tsc_khz = ctx->prof[c].tsc_khz;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	pthread_mutex_unlock(&host_lock);
	if (!info)
		return -ENOMEM;
	*out = info;
	return n;
}

int host_query_vcpus(struct host_vm *vm, struct host_vcpu_info **out)
{
	struct host_vcpu_info *info = NULL;
	cpu_set_t allowed;
	unsigned n = 0;

	if (!vm || !out)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (vm->nr_vcpus && !(info = calloc(vm->nr_vcpus, sizeof(*info)))) {
		pthread_mutex_unlock(&vm->lock);
		return -ENOMEM;
	}
	for (unsigned s = 0; info && s < vm->nr_slots && n < vm->nr_vcpus; s++) {
		if (vm->vcpu_tid[s]) {
			info[n].slot = s;
			info[n++].tid = vm->vcpu_tid[s];
		}
	}
	allowed = vm->allowed;
	pthread_mutex_unlock(&vm->lock);
	/* /proc is read without the lock: it is slow and needs none. */
	for (unsigned i = 0; i < n; i++) {
		info[i].cpu = host_vcpu_current_cpu(info[i].tid);
		info[i].allowed = info[i].cpu >= 0 && CPU_ISSET(info[i].cpu, &allowed);
	}
	*out = info;
	return (int)n;
}
