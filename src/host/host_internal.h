/* SPDX-License-Identifier: MIT */
/*
 * Internals of the host CPU manager shared by ctx.c (the context, usage count, requests),
 * vm.c (VMs: placement, vCPU threads, events, queries) and monitor.c (the "hostcpu"
 * thread). Not for use outside src/host (and its unit tests).
 */
#ifndef HVEMU_HOST_HOST_INTERNAL_H
#define HVEMU_HOST_HOST_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/compat.h"
#include "host/host.h"

extern struct host_stats host_stats_g;

/*
 * The process-wide lock: taken first, before any VM's lock (see ctx.c). Protects
 * host_ctx_cur, the usage count, every context's VM list, online/checked sets, profiles,
 * the injected-event queue and file descriptors (closing them).
 */
extern pthread_mutex_t host_lock;

/* Monitor requests (host_ctx.req_flags). */
#define HOST_REQ_FULL 1u /* re-read the online list and re-check every online CPU */

#define HOST_INJ_MAX 64

struct host_inj_event {
	bool is_cpu;
	int cpu;
	int action; /* enum host_uevent_action */
};

/* One event being delivered (monitor-owned scratch). */
struct host_ev_rec {
	enum host_cpu_event_type type;
	int cpu;
	char reason[HOST_REASON_MAX];
};

struct host_ctx {
	/* Set at creation, then read-only. */
	cpu_set_t possible;
	int nr_cpus;	     /* highest possible CPU + 1 */
	int efd, epfd, nlfd; /* nlfd -1: polling */
	pthread_t monitor;

	/* Under host_lock. */
	unsigned refs; /* the registration ref + host_rescan/host_sync waiters */
	bool fds_closed;
	struct host_vm *vms; /* the VM list: walked and changed only under host_lock */
	unsigned nr_vms;
	cpu_set_t online;	       /* last read of the online list: the truth */
	cpu_set_t checked;	       /* online CPUs whose prof[] is current */
	struct host_cpu_profile *prof; /* [CPU_SETSIZE] */
	struct host_inj_event inj[HOST_INJ_MAX];
	unsigned nr_inj;
	bool inj_overrun;

	/* Monitor-only scratch. */
	struct host_cpu_profile *scratch_prof; /* [CPU_SETSIZE] */
	struct host_ev_rec *evbuf;	       /* [2 * nr_cpus + 2] */

	/* Requests to the monitor: flags first, then req_gen (see monitor.c). */
	_Atomic bool stopping;
	_Atomic uint32_t req_flags;
	_Atomic uint32_t req_gen;
	_Atomic uint32_t done_gen; /* the last req_gen the monitor completed */
	_Atomic uint32_t dead;	   /* the monitor has exited */
	_Atomic uint32_t wake_seq; /* futex: bumped after done_gen or dead changes */
};

struct host_vm {
	struct host_ctx *ctx;
	struct host_vm *next, *prev; /* ctx->vms, under host_lock */
	char name[32];
	struct host_req req;
	bool has_mask;
	cpu_set_t mask;
	host_cpu_event_fn event_fn;
	void *opaque;
	_Atomic uint32_t cb_busy; /* futex: the monitor is calling event_fn */

	pthread_mutex_t lock; /* after host_lock; protects the fields below */
	cpu_set_t allowed;
	bool fallback;
	bool fallback_reported;
	bool ev_pending;
	uint8_t state[CPU_SETSIZE];    /* enum host_cpu_state, for CPUs < ctx->nr_cpus */
	uint8_t reported[CPU_SETSIZE]; /* what the callback was last told */
	pid_t *vcpu_tid;	       /* [nr_slots], 0 = none */
	unsigned nr_slots;
	unsigned nr_vcpus;
};

#define HOST_STATE_UNREPORTED 0xff

/* ctx.c: with host_lock held. */
int host_read_online_locked(cpu_set_t *out);
void host_kick_locked(struct host_ctx *ctx, uint32_t flags);

/* vm.c */
int host_vm_alloc(const struct host_vm_params *p, struct host_vm **out);
void host_vm_free(struct host_vm *vm);
/* host_lock held: first evaluation of a new VM (not on the list yet). */
void host_vm_attach_locked(struct host_ctx *ctx, struct host_vm *vm);
/* host_lock held: re-evaluates every VM, logs changes, re-places vCPU threads. */
void host_recompute_all_locked(struct host_ctx *ctx);
/* Monitor thread only, no lock held: calls the VMs' event callbacks. */
void host_deliver_events(struct host_ctx *ctx);

/* monitor.c */
int host_netlink_open(void);
int host_monitor_start(struct host_ctx *ctx);
void *host_monitor_main(void *arg);
/* True on a "hostcpu" thread (where waiting for the monitor would deadlock). */
bool host_on_monitor_thread(void);

/* sysfs.c */
int host_read_cpulist_file(const char *path, cpu_set_t *out);
/* Parses the "processor" field (39) of a /proc/.../stat line; -EINVAL if malformed. */
int host_parse_stat_cpu(const char *buf, size_t len);

#endif
