/* SPDX-License-Identifier: MIT */
/*
 * The control socket: users drive a running VM from outside with QMP-shaped JSON lines
 * over a Unix socket (`hvemu run --api-socket PATH`), and `hvemu ctl` is the client.
 * The protocol is described for users in docs/control-socket.md.
 *
 * The VMM is reached only through struct ctl_backend_ops. This header has no jansson
 * type in it, so the VMM core does not depend on jansson; src/ctl does the JSON.
 *
 * Threads: the server runs one thread, "ctl", which accepts clients, parses requests,
 * calls the backend and writes replies and events (epoll, non-blocking sockets).
 * ctl_event() may be called from any thread and never blocks on a client.
 */
#ifndef HVEMU_CTL_CTL_H
#define HVEMU_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/stats.h"

/* hvemu's version as reported in the greeting and by query-version. */
#ifndef HVEMU_VERSION_MAJOR
#define HVEMU_VERSION_MAJOR 0
#define HVEMU_VERSION_MINOR 1
#define HVEMU_VERSION_MICRO 0
#endif

/* Room for a backend error message (NUL included); longer messages are truncated. */
#define CTL_ERRMSG_MAX 256

/* --- what the backend reports ------------------------------------------------------- */

enum ctl_run_state {
	CTL_RUN_STARTING,      /* built (the socket is live), the boot vCPUs not all started */
	CTL_RUN_RUNNING,       /* the boot vCPUs were started and run guest code */
	CTL_RUN_SHUTTING_DOWN, /* quit, poweroff, a fatal exit or a failed start: stopping */
};

struct ctl_status {
	enum ctl_run_state state;
	uint32_t boot_cpus;    /* --cpus boot= */
	uint32_t present_cpus; /* slots with a vCPU now */
	uint32_t max_cpus;     /* --cpus max= (number of slots) */
	char hv_features[256]; /* canonical --hv text, "" when none */
	uint64_t uptime_ns;    /* since the VM started */
};

enum ctl_vcpu_state {
	CTL_VCPU_ABSENT,    /* the slot has no vCPU (pluggable) */
	CTL_VCPU_ADDING,    /* hot-add in progress (the guest has not brought it up yet) */
	CTL_VCPU_OFFLINE,   /* present, not running guest code (wait-for-SIPI, halted offline) */
	CTL_VCPU_ONLINE,    /* running guest code */
	CTL_VCPU_SUSPENDED, /* Hyper-V suspended: waits for another VP's TLB-flush inhibit */
	CTL_VCPU_REMOVING,  /* removal requested, the guest has not ejected it yet */
	CTL_VCPU_PARKED,    /* ejected or removed: the thread is parked */
	CTL_VCPU_INTERNAL_ERROR, /* stopped by a KVM internal error (--internal-error pause) */
};

struct ctl_vcpu_info {
	uint32_t slot;
	int64_t vp_index; /* Hyper-V VP index, -1 if none */
	uint32_t apic_id;
	enum ctl_vcpu_state state;
	bool tlb_flush_inhibit;	     /* this VP's inhibit is set */
	int64_t waiting_on;	     /* VP index it is suspended on, -1 if none */
	uint64_t suspended_since_ns; /* CLOCK_MONOTONIC; valid when waiting_on >= 0 */
	int32_t host_cpu;	     /* host CPU its thread last ran on, -1 unknown */
	int64_t thread_id;	     /* Linux TID of the vCPU thread, -1 if none */
};

enum ctl_host_cpu_state {
	CTL_HOST_CPU_ADMITTED, /* online and passed the compatibility checks: vCPUs may run there */
	CTL_HOST_CPU_REJECTED, /* online but failed a check (reason says which) */
	CTL_HOST_CPU_OFFLINE,  /* not online in the host */
	CTL_HOST_CPU_EXCLUDED, /* online but outside hvemu's affinity/cpuset */
};

struct ctl_host_cpu_info {
	uint32_t cpu;
	enum ctl_host_cpu_state state;
	const char *reason; /* may be NULL; only read during the callback */
};

enum ctl_stats_target {
	CTL_STATS_VM,
	CTL_STATS_VCPU,
};

/* One statistic; the strings are only read during the callback. */
struct ctl_stat {
	enum ctl_stats_target target;
	uint32_t vcpu_slot;   /* for CTL_STATS_VCPU */
	const char *provider; /* "hvemu" or "kvm" */
	const char *name;
	enum stat_type type;
	enum stat_unit unit;
	uint64_t value;
	const struct hist *hist; /* STAT_HISTOGRAM: the distribution (value is ignored) */
};

/*
 * What the guest set up of Hyper-V (query-hyperv): the CPUID words hvemu offers, the
 * guest OS identity it reported, and the pages it enabled. Raw MSR values: bit 0 is the
 * enable bit, bits 63:12 the page's GPA.
 */
struct ctl_hyperv {
	bool enabled;	    /* any --hv feature */
	char features[256]; /* canonical --hv text */
	uint32_t privileges_low, privileges_high, hints, misc, spinlock_retries;
	uint64_t guest_os_id; /* 0: not written */
	bool guest_open_source;
	uint32_t guest_os_type; /* open source: 1 Linux, ... */
	uint32_t guest_build;
	char guest_os[24];	/* "Linux", "Windows NT", "unknown", "none" */
	char guest_version[24]; /* "6.1.192" */
	uint64_t hypercall;	/* HV_X64_MSR_HYPERCALL */
	uint64_t reference_tsc; /* HV_X64_MSR_REFERENCE_TSC */
	uint32_t tsc_sequence;	/* of the enabled page; 0 or 0xFFFFFFFF: not valid */
};

struct ctl_hyperv_vp {
	uint32_t slot;
	uint32_t vp_index;
	uint64_t vp_assist_page; /* HV_X64_MSR_VP_ASSIST_PAGE */
};

typedef void (*ctl_hyperv_vp_fn)(void *ctx, const struct ctl_hyperv_vp *vp);
/* The SynIC and synthetic-timer registers of a vCPU (query-synic). */
struct ctl_synic_info {
	uint32_t slot;
	uint32_t vp_index;
	uint64_t scontrol, simp, siefp;
	uint64_t sint[16];
	uint64_t stimer_config[4], stimer_count[4], stimer_expiration[4];
	uint32_t waiting_sints;	  /* SINTs with a message waiting for its slot */
	uint32_t autoeoi_pending; /* AutoEOI vectors waiting to be injected */
};

typedef void (*ctl_vcpu_fn)(void *ctx, const struct ctl_vcpu_info *info);
typedef void (*ctl_synic_fn)(void *ctx, const struct ctl_synic_info *info);
typedef void (*ctl_host_cpu_fn)(void *ctx, const struct ctl_host_cpu_info *info);
typedef void (*ctl_stat_fn)(void *ctx, const struct ctl_stat *stat);

/*
 * The VMM side of the control socket. Every op returns 0 or -errno and may write a
 * message for the user into err (CTL_ERRMSG_MAX bytes; left empty, the errno text is
 * used). -ENOENT, -ENODEV and -ENXIO become the error class "DeviceNotFound" (an unknown
 * slot, VP index or host CPU); every other error is "GenericError".
 *
 * All ops are called on the ctl thread, one at a time, and must return quickly: a
 * backend that waits for a vCPU does so with its own time limit (and fails with
 * -ETIMEDOUT), because while an op runs no client is served. An op left NULL makes its
 * command fail with "GenericError: ... is not supported by this VM".
 *
 * List ops call their callback once per entry, in the order to show, before returning.
 */
struct ctl_backend_ops {
	int (*query_status)(void *opaque, struct ctl_status *out, char *err);
	/* Every slot, present or not (up to max_cpus). */
	int (*query_cpus)(void *opaque, ctl_vcpu_fn fn, void *ctx, char *err);
	/* Hot-add a vCPU in slot (-1 = the lowest free slot); *slot_out = the slot used. */
	int (*cpu_add)(void *opaque, int32_t slot, uint32_t *slot_out, char *err);
	/* Request removal of the vCPU in slot (the guest then ejects it). */
	int (*cpu_del)(void *opaque, uint32_t slot, char *err);
	/* Add or remove vCPUs until desired are present (Cloud Hypervisor's vm.resize). */
	int (*resize_cpus)(void *opaque, uint32_t desired, char *err);
	/* Hyper-V TLB-flush inhibit of the VP with this index (not slot): on or off. */
	int (*set_tlb_flush_inhibit)(void *opaque, uint32_t vp_index, bool on, char *err);
	/* Every possible host CPU. */
	int (*query_host_cpus)(void *opaque, ctl_host_cpu_fn fn, void *ctx, char *err);
	/*
	 * Every statistic: hvemu's own per-VM and per-vCPU counters (provider "hvemu",
	 * including ctl_server_stats_visit's), and KVM's binary statistics (provider "kvm")
	 * where KVM_CAP_BINARY_STATS_FD is available. The ctl layer filters and groups.
	 */
	int (*query_stats)(void *opaque, ctl_stat_fn fn, void *ctx, char *err);
	/* Hyper-V state of the partition, then fn once per vCPU with a VP (slot order). */
	int (*query_hyperv)(void *opaque, struct ctl_hyperv *out, ctl_hyperv_vp_fn fn, void *ctx,
			    char *err);
	/* Request an orderly stop of the VM and return at once (the reply is sent first). */
	int (*quit)(void *opaque, char *err);
	/* Every online vCPU's SynIC and timers; -ENODEV when the VM has no SynIC. */
	int (*query_synic)(void *opaque, ctl_synic_fn fn, void *ctx, char *err);
};

/* --- the server ---------------------------------------------------------------------- */

struct ctl_server;

/* Bounds on what a client may cost; zero fields take the default. */
struct ctl_limits {
	size_t max_line;	/* bytes in one request line (default 64 KiB) */
	size_t max_out;		/* queued output before a non-reading client is dropped (1 MiB) */
	size_t out_high;	/* requests are not read while this much is queued (max_out/4) */
	unsigned max_clients;	/* connected at once (16) */
	unsigned event_queue;	/* events waiting for the ctl thread (256) */
	uint64_t stop_flush_ns; /* ctl_server_stop's grace period to flush output (200 ms) */
};

#define CTL_DEFAULT_MAX_LINE	  (64u * 1024)
#define CTL_DEFAULT_MAX_OUT	  (1024u * 1024)
#define CTL_DEFAULT_MAX_CLIENTS	  16u
#define CTL_DEFAULT_EVENT_QUEUE	  256u
#define CTL_DEFAULT_STOP_FLUSH_NS (200ull * 1000 * 1000)

/*
 * Creates the socket at path (mode 0600), starts the "ctl" thread and returns the server.
 * A stale socket file (nobody accepts on it) is replaced; a live one is an error
 * ("another hvemu is listening on PATH", -EADDRINUSE); a path that exists and is not a
 * socket is never removed (-EEXIST); a path longer than sun_path allows is -ENAMETOOLONG;
 * an empty path is -EINVAL; a directory that does not exist is -ENOENT (from bind). On
 * failure err (may be NULL) gets one line saying what went wrong, nothing is logged: the
 * caller reports it. ops and opaque must outlive the server.
 */
int ctl_server_start(const char *path, const struct ctl_backend_ops *ops, void *opaque,
		     struct ctl_server **out, char *err, size_t errlen);
int ctl_server_start_ex(const char *path, const struct ctl_backend_ops *ops, void *opaque,
			const struct ctl_limits *limits, struct ctl_server **out, char *err,
			size_t errlen);
/*
 * Sends what is queued (events included) for up to stop_flush_ns, closes every client,
 * joins the thread, unlinks the socket (only if it is still ours) and frees the server.
 * NULL is a no-op. No thread may call ctl_event() on s during or after this call.
 */
void ctl_server_stop(struct ctl_server *s);

/*
 * The server's counters (names start with "ctl_"); the backend adds them to query-stats.
 * Callable from any thread (relaxed atomic reads); s == NULL visits nothing.
 */
void ctl_server_stats_visit(struct ctl_server *s, stat_visit_fn fn, void *ctx);

/* --- events -------------------------------------------------------------------------- */

/* Event names (QMP style). The data of each is listed in docs/control-socket.md. */
#define CTL_EVENT_VCPU_ADDED	      "VCPU_ADDED"
#define CTL_EVENT_VCPU_REMOVED	      "VCPU_REMOVED"
#define CTL_EVENT_VCPU_SUSPENDED      "VCPU_SUSPENDED"
#define CTL_EVENT_VCPU_RESUMED	      "VCPU_RESUMED"
#define CTL_EVENT_HOST_CPU_OFFLINE    "HOST_CPU_OFFLINE"
#define CTL_EVENT_HOST_CPU_ONLINE     "HOST_CPU_ONLINE"
#define CTL_EVENT_HOST_CPU_REJECTED   "HOST_CPU_REJECTED"
#define CTL_EVENT_GUEST_CRASHED	      "GUEST_CRASHED"
#define CTL_EVENT_VCPU_INTERNAL_ERROR "VCPU_INTERNAL_ERROR"
#define CTL_EVENT_SHUTDOWN	      "SHUTDOWN"

/* Limits of one event: longer names/keys/strings are truncated, extra fields dropped. */
#define CTL_EVENT_NAME_MAX   32
#define CTL_EVENT_KEY_MAX    24
#define CTL_EVENT_STR_MAX    128
#define CTL_EVENT_FIELDS_MAX 8

enum ctl_ev_type {
	CTL_EV_T_END = 0,
	CTL_EV_T_INT,  /* int64_t: a JSON integer */
	CTL_EV_T_BOOL, /* int: a JSON boolean */
	CTL_EV_T_STR,  /* const char *: a JSON string (NULL gives null) */
	CTL_EV_T_HEX,  /* uint64_t: a JSON string "0x..." (values beyond int64, e.g. crash data) */
};

/* Typed data fields for ctl_event(); each expands to (type, key, value). */
#define CTL_EV_INT(key, v)  CTL_EV_T_INT, (const char *)(key), (int64_t)(v)
#define CTL_EV_BOOL(key, v) CTL_EV_T_BOOL, (const char *)(key), (int)!!(v)
#define CTL_EV_STR(key, v)  CTL_EV_T_STR, (const char *)(key), (const char *)(v)
#define CTL_EV_HEX(key, v)  CTL_EV_T_HEX, (const char *)(key), (uint64_t)(v)

/*
 * Queues an event for every connected client, e.g.
 *   ctl_event(s, CTL_EVENT_VCPU_ADDED, CTL_EV_INT("slot", 2), CTL_EV_INT("vp-index", 2));
 *   ctl_event(s, CTL_EVENT_SHUTDOWN, CTL_EV_STR("reason", "quit"));
 * Callable from any thread; the timestamp is taken here, and clients receive events in
 * the order of these calls. It never blocks on a client and never allocates: when the
 * queue is full the event is dropped and counted (ctl_events_dropped). s == NULL (no
 * --api-socket) does nothing.
 */
#define ctl_event(s, ...) ctl_event_list((s), __VA_ARGS__, CTL_EV_T_END)
/* The same with an explicit CTL_EV_T_END terminator. */
void ctl_event_list(struct ctl_server *s, const char *name, ...);

/* --- the client: `hvemu ctl` ------------------------------------------------------- */

/*
 * hvemu ctl --api-socket PATH [--json] [--timeout SECONDS] COMMAND [key=value ...]
 * hvemu ctl --api-socket PATH [--json] watch
 * argv[0] is "ctl" (or anything). Prints readable output on stdout, errors on stderr.
 * Returns the exit status: 0 success, 1 an error reply, 2 usage error, 3 the socket
 * cannot be reached (or does not answer in time).
 */
int ctl_client_main(int argc, char **argv);

#endif
