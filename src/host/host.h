/* SPDX-License-Identifier: MIT */
/*
 * The host CPU manager (docs/host-cpus.md).
 *
 * One host context per process, created when the first VM registers and torn down when
 * the last one unregisters (a usage count). Creating it runs a compatibility check on
 * every online host CPU, each on a short-lived thread "cpuchkN" pinned there, and starts
 * the monitor thread "hostcpu", which follows host CPU hotplug through kernel uevents
 * (or by polling /sys/devices/system/cpu/online every second where the netlink socket
 * cannot be opened), checks CPUs that come online and re-places vCPU threads.
 *
 * For each VM, a host CPU is ADMITTED when it is online, inside the VM's --host-cpus
 * mask and passed the check against the VM's CPU model (every CPUID feature bit the VM
 * exposes, the XCR0 features it needs, the same TSC rate). The VM's vCPU threads may run
 * on the admitted CPUs only; when there are none they fall back to every online CPU,
 * logged as an error, so that the VM keeps running.
 *
 * Lock order (also at host_lock in ctx.c): host_lock (process-wide: the context, the
 * usage count, the VM list, the per-CPU profiles) before a VM's own lock (its allowed set,
 * its vCPU threads, its per-CPU states). Event callbacks are called with no lock held.
 */
#ifndef HVEMU_HOST_HOST_H
#define HVEMU_HOST_HOST_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/compat.h"
#include "util/stats.h"

struct host_vm;

enum host_cpu_state {
	HOST_CPU_OFFLINE,  /* not online in the host */
	HOST_CPU_CHECKING, /* online, its check has not finished: not admitted yet */
	HOST_CPU_ADMITTED, /* online, passed: this VM's vCPU threads may run there */
	HOST_CPU_REJECTED, /* online, failed its check (the reason says why) */
	HOST_CPU_EXCLUDED, /* online but outside the VM's --host-cpus mask */
};

const char *host_cpu_state_name(enum host_cpu_state s);

enum host_cpu_event_type {
	HOST_CPU_EV_ONLINE,	  /* the CPU came online; its check follows */
	HOST_CPU_EV_OFFLINE,	  /* the CPU went offline; threads there were re-placed */
	HOST_CPU_EV_ADMITTED,	  /* the CPU passed its check: vCPU threads may run there */
	HOST_CPU_EV_REJECTED,	  /* the CPU failed its check: reason */
	HOST_CPU_EV_EXCLUDED,	  /* the CPU came online but is outside --host-cpus */
	HOST_CPU_EV_FALLBACK,	  /* cpu -1: no admitted CPU left, threads use every online CPU */
	HOST_CPU_EV_FALLBACK_END, /* cpu -1: admitted CPUs again, the fallback is over */
};

const char *host_cpu_event_name(enum host_cpu_event_type t);

struct host_cpu_event {
	enum host_cpu_event_type type;
	int cpu;
	const char *reason; /* REJECTED and FALLBACK: text; otherwise ""; valid during the call */
};

/*
 * Called on the "hostcpu" thread with no host lock held, in order, one at a time per
 * VM; the first ones may come before host_vm_register returns. It must return quickly
 * and must not call host_vm_unregister for its own VM or host_rescan/host_sync (which
 * would wait for the thread that is calling it). Events of a CPU that changes state
 * several times before delivery are coalesced into the last state (an OFFLINE CPU that
 * is ADMITTED again gives ONLINE then ADMITTED). At registration only the CPUs rejected
 * for this VM (and a fallback) are reported; host_query_cpus gives the rest.
 */
typedef void (*host_cpu_event_fn)(void *opaque, const struct host_cpu_event *ev);

struct host_vm_params {
	const char *name; /* for log lines, e.g. "vm0"; NULL gives "vm" */
	/*
	 * The CPU model: the CPUID leaves the VM exposes (what goes to KVM_SET_CPUID2).
	 * Leaves that only enumerate values, and hvemu's own 0x40000000+ leaves, are not
	 * compared (see compat.h). nr_cpuid == 0: no CPUID feature is required.
	 */
	const struct host_cpuid_leaf *cpuid;
	unsigned nr_cpuid;
	uint64_t xcr0; /* XCR0 bits the VM's XSAVE state needs (0: none) */
	/*
	 * The host TSC rate the VM's TSC is based on (KVM_GET_TSC_KHZ before any
	 * KVM_SET_TSC_KHZ), in kHz; 0 disables the TSC comparison.
	 */
	uint32_t tsc_khz;
	const cpu_set_t *user_mask; /* --host-cpus; NULL for every CPU; must not be empty */
	host_cpu_event_fn event_fn; /* may be NULL */
	void *opaque;
};

/*
 * Registers a VM; the first registration creates the host context (checks, monitor).
 * Returns 0 and *out, or -EINVAL (bad parameters, an empty mask), -ENOMEM, -EIO
 * (an injected fault), or the errno of a failed step (eventfd, epoll, reading the online
 * CPU list, starting the monitor); on failure nothing is left behind (no thread, fd or
 * usage count). Fault points: hostvm.alloc, hostctx.create, hostctx.eventfd,
 * hostctx.epoll, hostctx.online, hostctx.monitor, and hostctx.netlink (not a failure:
 * the monitor polls instead), hostcpu.check=CPU (that CPU fails its check).
 */
int host_vm_register(const struct host_vm_params *p, struct host_vm **out);

/*
 * Unregisters and frees the VM (NULL is a no-op); the last one tears the context down:
 * the monitor thread is stopped and joined before this returns. Waits for an event
 * callback of this VM that is running (no event is delivered after it returns). All its
 * vCPU threads should have been removed (any left are forgotten, not re-placed).
 */
void host_vm_unregister(struct host_vm *vm);

/*
 * Records the vCPU thread of a slot and sets its affinity to the VM's allowed set at
 * once. Call it before the thread first enters KVM_RUN, ideally from the thread itself
 * (tid = gettid()). The tid must be a thread of this process (checked: -ESRCH) and must
 * be removed with host_vcpu_thread_remove before the thread exits. Returns 0, -EINVAL,
 * -EEXIST (slot already has a thread), -ESRCH, -ENOMEM, or sched_setaffinity's error.
 */
int host_vcpu_thread_add(struct host_vm *vm, unsigned slot, pid_t tid);
void host_vcpu_thread_remove(struct host_vm *vm, unsigned slot);

#define HOST_MAX_VCPU_SLOTS 4096u

/* The CPUs this VM's vCPU threads may run on now; *fallback (may be NULL): no admitted. */
int host_vm_allowed_cpus(struct host_vm *vm, cpu_set_t *out, bool *fallback);

struct host_cpu_info {
	unsigned cpu;
	enum host_cpu_state state;
	char reason[HOST_REASON_MAX]; /* REJECTED: why; "" otherwise */
	uint32_t tsc_khz;	      /* measured on that CPU, 0 if not checked */
};

/*
 * Every possible host CPU (0 .. highest in /sys/devices/system/cpu/possible) as seen by
 * this VM. Returns the number of entries and *out (free() it), or -errno.
 */
int host_query_cpus(struct host_vm *vm, struct host_cpu_info **out);

struct host_vcpu_info {
	unsigned slot;
	pid_t tid;
	int cpu;      /* host CPU the thread last ran on, or -errno (e.g. -ESRCH) */
	bool allowed; /* that CPU is in the VM's allowed set */
};

/* Every recorded vCPU thread, by slot. Returns the count and *out (free() it), or -errno. */
int host_query_vcpus(struct host_vm *vm, struct host_vcpu_info **out);

/* The CPU a thread of this process last ran on (/proc/self/task/TID/stat field 39). */
int host_vcpu_current_cpu(pid_t tid);

/*
 * Re-reads the online CPU list and re-checks every online CPU on the monitor thread;
 * returns when done: 0, -ENODEV (no VM registered), -EDEADLK (called on the monitor
 * thread, e.g. from an event callback), -ETIMEDOUT (after HOST_SYNC_TIMEOUT_NS).
 */
int host_rescan(void);
/* Waits until the monitor has handled everything queued before the call; same returns. */
int host_sync(void);

#define HOST_SYNC_TIMEOUT_NS (30ull * 1000000000ull)

/* The number of registered VMs (the usage count). */
unsigned host_usage_count(void);

/* Process-wide statistics (all STAT_CUMULATIVE unless noted). */
struct host_stats {
	_Atomic uint64_t checks_run;	    /* per-CPU checks started */
	_Atomic uint64_t check_failures;    /* checks that could not measure the CPU */
	_Atomic uint64_t check_timeouts;    /* ... because they did not finish in time */
	_Atomic uint64_t cpus_rejected;	    /* a CPU became REJECTED for a VM */
	_Atomic uint64_t hotplug_events;    /* SUBSYSTEM=cpu uevents seen */
	_Atomic uint64_t uevents_ignored;   /* well-formed uevents of other subsystems */
	_Atomic uint64_t uevents_malformed; /* rejected by the parser or truncated */
	_Atomic uint64_t uevent_overruns;   /* the socket overflowed (ENOBUFS): full rescan */
	_Atomic uint64_t online_reads;	    /* reads of the online CPU list */
	_Atomic uint64_t online_read_errors;
	_Atomic uint64_t cpus_offlined; /* CPUs seen going offline */
	_Atomic uint64_t cpus_onlined;	/* CPUs seen coming online */
	_Atomic uint64_t replacements;	/* vCPU thread affinity changes by the monitor */
	_Atomic uint64_t replace_errors;
	_Atomic uint64_t fallbacks; /* a VM fell back to every online CPU */
	_Atomic uint64_t rescans;   /* host_rescan requests served */
	_Atomic uint64_t contexts_created;
	_Atomic uint64_t usage_count;  /* STAT_INSTANT: registered VMs */
	_Atomic uint64_t vcpu_threads; /* STAT_INSTANT: recorded vCPU threads */
	_Atomic uint64_t polling;      /* STAT_INSTANT, boolean: no uevents, polling */
};

extern const struct stat_desc host_stat_descs[];
extern const unsigned host_nr_stat_descs;
const struct host_stats *host_stats_get(void);
void host_stats_visit(stat_visit_fn fn, void *ctx);

/* --- test hooks ----------------------------------------------------------------------- */

/*
 * Reads the online CPU list from path instead of /sys/devices/system/cpu/online (NULL
 * restores it), so tests can make the monitor see a CPU go offline without root.
 */
int host_test_set_online_path(const char *path);
/*
 * Hands a raw uevent message to the monitor as if it came from the kernel. Returns 0,
 * -EINVAL when the parser rejects it, -ENODEV when there is no host context.
 */
int host_test_inject_uevent(const void *buf, size_t len);

#endif
