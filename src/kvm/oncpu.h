/* SPDX-License-Identifier: MIT */
/*
 * Is a vCPU thread on a host CPU right now?
 *
 * The flush engine must not wait on a vCPU that is preempted (that is the point of a
 * paravirtual flush), but it must wait on one that may be executing guest code. KVM's
 * steal-time `preempted` byte would say so, but the KVM hvemu runs on never sets it
 * (docs/flush.md).
 * So hvemu asks the scheduler: a perf software event with context_switch=1 on the vCPU
 * thread writes an 8-byte PERF_RECORD_SWITCH into a read-only (overwrite) ring at every
 * switch in and out. The last record tells whether the thread is off its CPU.
 *
 * Why "switched out" is enough (flush.c): the flusher has already sent the target its kick
 * signal, so TIF_SIGPENDING is set; KVM checks for pending signals (with interrupts off)
 * right before every guest entry, so a target that is not on a CPU now cannot execute
 * guest code again before it has returned to hvemu and flushed. Only a target on a CPU
 * may still be in guest mode until the signal's IPI lands, and only it is waited for.
 */
#ifndef HVEMU_KVM_ONCPU_H
#define HVEMU_KVM_ONCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/bgcall.h"

struct perf_event_mmap_page;

/*
 * Other vCPU threads (flushers) read a probe while its vCPU may be torn down (hot-remove):
 * a reader announces itself in `users` before it looks at `live`, and oncpu_close clears
 * `live` before it waits for `users` to drain and unmaps (Dekker, seq_cst), so no reader
 * touches the ring after the unmap.
 */
struct oncpu {
	int fd;				   /* -1: unknown (perf unavailable) */
	struct perf_event_mmap_page *page; /* meta page; the ring follows */
	size_t map_len;
	_Atomic bool live;
	_Atomic uint32_t users;
};

enum oncpu_state {
	ONCPU_UNKNOWN, /* no information: treat as running */
	ONCPU_RUNNING, /* last switch was in (or no switch seen yet) */
	ONCPU_OFF,     /* last switch was out: not executing anything */
};

/*
 * The first context-switch event on the host makes the kernel enable its switch hook (a
 * static key: kernel text is patched), about 15 ms of waiting and no CPU here; the first
 * probe of a boot would wait for it on the critical path. oncpu_warm_start has a thread
 * (util/bgcall.h) open one such event on the caller (the VM's main thread) while
 * KVM_CREATE_VM and the vCPU creation run; oncpu_warm_stop (idempotent) takes it, within a
 * time limit, and closes the event once the boot vCPUs' own probes hold the key.
 */
void oncpu_warm_start(struct bgcall *w);
void oncpu_warm_stop(struct bgcall *w);

void oncpu_init_none(struct oncpu *o);
/* Starts watching thread tid. Returns -errno (o stays "unknown" and usable). */
int oncpu_open(struct oncpu *o, pid_t tid);
/* Stops watching; waits for concurrent oncpu_get calls to finish first. */
void oncpu_close(struct oncpu *o);
/* Safe from any thread, also while another thread closes the probe. */
enum oncpu_state oncpu_get(struct oncpu *o);
/*
 * How many times the thread has been switched in or out since the probe opened (it
 * only grows; 0 without a probe). Two reads that differ: the thread left its CPU in
 * between. The same rules as oncpu_get.
 */
uint64_t oncpu_switches(struct oncpu *o);

#endif
