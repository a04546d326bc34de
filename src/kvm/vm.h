/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine: the KVM VM, guest memory, the platform devices, the Hyper-V partition,
 * and the vCPU slots.
 *
 * Lifecycle: vm_create() (builds everything; any failure unwinds completely) →
 * vm_load_kernel() → vm_start() (the boot vCPUs start running) → vm_wait() (returns the
 * exit status once the guest or a user stops the VM) → vm_destroy().
 *
 * Locks (see docs/architecture.md §8): vm->lock protects the slot table and hotplug; it is
 * taken after the host-context lock and before any vCPU's work_lock. Exit handling on the
 * vCPU threads takes no VM lock on its hot paths.
 */
#ifndef HVEMU_KVM_VM_H
#define HVEMU_KVM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/layout.h"
#include "dev/hpctl.h"
#include "dev/pio.h"
#include "dev/sysctl.h"
#include "dev/testdev.h"
#include "dev/uart.h"
#include "ctl/ctl.h"
#include "hv/hv.h"
#include "kvm/kvm_sys.h"
#include "kvm/vcpu.h"
#include "util/hist.h"
#include "util/stats.h"

/* Exit statuses of `hvemu run` (docs/architecture.md §2.4). */
enum vm_exit_status {
	VM_EXIT_POWEROFF = 0,
	VM_EXIT_USAGE = 2,
	VM_EXIT_TRIPLE_FAULT = 4,
	VM_EXIT_INTERNAL_ERROR = 6,
	VM_EXIT_GUEST_CRASH = 8,
	VM_EXIT_RESET = 10,
	VM_EXIT_HOST_ERROR = 12,
};

enum vm_flush_method {
	VM_FLUSH_AUTO,	/* the SREGS toggle (the method that works on every KVM measured) */
	VM_FLUSH_STEAL, /* KVM_VCPU_FLUSH_TLB in the steal-time area (stale on shadow paging) */
	VM_FLUSH_SREGS, /* targets toggle CR4.PGE with KVM_SET_SREGS before re-entry */
};

/*
 * The scheduling policy of vCPU threads (docs/architecture.md §3). SCHED_BATCH keeps a
 * woken vCPU from preempting the running one: a vCPU sending a PV IPI to 64 targets, or
 * kicking flush targets, is not descheduled after each wake-up it causes.
 */
enum vm_vcpu_sched {
	VM_SCHED_BATCH, /* default */
	VM_SCHED_NORMAL,
};

/*
 * Where the VM is in its lifecycle (what query-status reports): vm_create() leaves it
 * STARTING (the control socket may already be live), a successful vm_start() makes it
 * RUNNING, and vm_stop() (poweroff, quit, a fatal exit, or a failed start) SHUTTING_DOWN,
 * which it stays.
 */
enum vm_run_state {
	VM_STATE_STARTING,
	VM_STATE_RUNNING,
	VM_STATE_SHUTTING_DOWN,
};

struct vm_config {
	uint64_t mem_size;
	unsigned boot_vcpus;
	unsigned max_vcpus;
	struct hv_features hv; /* mask 0: no Hyper-V */
	enum vm_flush_method flush_method;
	enum vm_vcpu_sched vcpu_sched;
	enum uart_sink serial;
	const char *serial_path;
	const char *kvm_path;  /* NULL: /dev/kvm */
	const char *host_cpus; /* --host-cpus LIST, or NULL */
	const char *name;      /* for logs */
};

struct vm_stats {
	_Atomic uint64_t flush_calls;
	_Atomic uint64_t flush_targets;
	_Atomic uint64_t flush_kicks;		/* targets on a CPU: kicked and waited for */
	_Atomic uint64_t flush_flagged_outside; /* targets outside KVM_RUN: flagged, not kicked */
	_Atomic uint64_t
	    flush_kicked_offcpu; /* targets preempted in KVM_RUN: kicked, not waited for */
	_Atomic uint64_t flush_timeouts;
	_Atomic uint64_t ipis_sent;
	_Atomic uint64_t ipi_failures;
	_Atomic uint64_t mmio_unclaimed;
	_Atomic uint64_t vcpus_added;
	_Atomic uint64_t vcpus_removed;
	_Atomic uint64_t vcpu_add_failures;
	_Atomic uint64_t kvm_vcpus_retained; /* KVM vCPU fds kept after a rollback or removal */
	_Atomic uint64_t guest_marks;
};

struct vm {
	struct vm_config cfg;
	struct kvm_sys sys;
	int fd;
	int stats_fd; /* KVM binary stats of the VM, or -1 */
	struct guest_ram ram;
	struct kvm_cpuid2 *cpuid; /* template for every vCPU (APIC ID fields set per vCPU) */
	uint64_t tsc_khz;
	int64_t tsc_offset;    /* guest TSC = host TSC + tsc_offset */
	bool tsc_offset_valid; /* measured on the first vCPU */
	uint64_t start_ns;

	struct pio_bus pio;
	struct uart uart;
	bool uart_ready;
	struct sysctl_dev sysctl;
	struct testdev tdev;
	struct hpctl hpctl;
	struct hv_partition *hv; /* NULL without --hv */

	pthread_mutex_t lock; /* slots and hotplug */
	/*
	 * [max_vcpus]; NULL until the slot's KVM vCPU exists, then fixed until vm_destroy
	 * (a removed vCPU is parked, never freed), so it is read without the lock.
	 */
	_Atomic(struct vcpu *) *slots;
	/* [max_vcpus]; UINT32_MAX until assigned, then fixed: VP indexes are never reused. */
	uint32_t *slot_vp_index;
	uint32_t next_vp_index;
	struct cpuhp_machine *hp; /* vCPU bring-up steps (hotplug.c), under lock */
	struct cpuhp_cpu *hp_cpus;
	struct host_vm *host; /* registration with the host CPU manager */
	/* Control socket for events, or NULL; set and cleared while other threads run. */
	struct ctl_server *_Atomic ctl;

	_Atomic int stopping;
	_Atomic bool started; /* vm_start() succeeded */
	int exit_status;
	char exit_msg[512];
	int stop_efd; /* eventfd: wakes vm_wait */

	struct vm_stats stats;
	struct hist flush_latency_ns;
};

int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen);
void vm_destroy(struct vm *vm);
/* Loads the kernel (and initrd) and sets the boot vCPU's entry state. */
int vm_load_kernel(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline,
		   char *err, size_t errlen);
/* Starts the boot vCPUs. */
int vm_start(struct vm *vm);
/* Waits for the VM to stop; returns its exit status. Prints the reason when there is one. */
int vm_wait(struct vm *vm);
/*
 * Ends the VM with exit status `status` (the first caller wins) and makes every vCPU
 * leave. Callable from any thread, including vCPU threads and signal-driven paths.
 */
void vm_stop(struct vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool vm_stopping(const struct vm *vm);
enum vm_run_state vm_run_state(const struct vm *vm);

/* The vCPU in a slot if it is online, else NULL. */
struct vcpu *vm_vcpu_online(struct vm *vm, unsigned slot);
/* The vCPU with that VP index if it is online, else NULL (lock-free). */
struct vcpu *vm_vcpu_by_vp(struct vm *vm, uint32_t vp_index);

/* Host pointer to guest physical memory, or NULL (see guest_ram_ptr). */
void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
uint64_t vm_guest_tsc(const struct vm *vm);

static inline struct ctl_server *vm_ctl(const struct vm *vm)
{
	return atomic_load(&vm->ctl);
}

void vm_stats_visit(struct vm *vm, stat_visit_fn fn, void *ctx);
void vcpu_stats_visit(struct vcpu *v, stat_visit_fn fn, void *ctx);

#endif
