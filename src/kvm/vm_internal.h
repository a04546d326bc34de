/* SPDX-License-Identifier: MIT */
/*
 * Private to src/kvm: the VM object and the functions its files share. Other layers use
 * kvm/vm.h; unit tests use kvm/vm_test.h.
 *
 * Locks (docs/architecture.md §8): vm->lock protects the slot table, the cpuhp machine and
 * every vCPU's state and thread handle; it is taken before a host VM's lock and never
 * held while waiting for a vCPU thread that could need it. Exit handling on the vCPU
 * threads takes no VM lock on its hot paths.
 */
#ifndef HVEMU_KVM_VM_INTERNAL_H
#define HVEMU_KVM_VM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"
#include "dev/fw_cfg.h"
#include "dev/hpctl.h"
#include "dev/hyperv_testdev.h"
#include "dev/pio.h"
#include "dev/sysctl.h"
#include "dev/testdev.h"
#include "dev/uart.h"
#include "kvm/kvm_sys.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"
#include "util/hist.h"
#include "util/stats.h"
#include "util/time.h"

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
	_Atomic uint64_t vcpu_add_failures;    /* hot-adds refused or rolled back */
	_Atomic uint64_t vcpu_remove_failures; /* ejects refused (no vCPU there, in progress...) */
	_Atomic uint64_t vcpu_stop_timeouts;   /* vCPU threads that did not leave in time */
	_Atomic uint64_t guest_marks;
};

/* vcpu_steps.c: the bring-up steps (docs/architecture.md §7.2), positions on vm->hp */
enum vcpu_step_pos {
	VCPU_STEP_KVM_VCPU = 1,
	VCPU_STEP_CPUID,
	VCPU_STEP_STATE,
	VCPU_STEP_HV,
	VCPU_STEP_THREAD,
	VCPU_STEP_ONCPU,
	VCPU_STEP_PLACE,
	VCPU_STEP_APIC,
	VCPU_STEP_ONLINE,
	VCPU_STEP_POSITIONS, /* one past the last */
};

/* A bring-up step's startup, timed: its time summed over every vCPU it brought up. */
struct vcpu_step_clock {
	struct vm *vm;
	const char *name; /* the step's */
	int (*startup)(unsigned slot, void *vm);
	int (*teardown)(unsigned slot, void *vm); /* called through the clock, not timed */
	uint64_t ns, calls;			  /* under vm->lock */
};

/*
 * Where the time to a running VM goes: the phases of vm_create, the kernel load
 * and vm_start, in nanoseconds, logged once the boot vCPUs are online (boot_time.c).
 */
enum vm_boot_phase {
	VM_BOOT_KVM,	 /* /dev/kvm, CPUID template, the KVM VM, irqchip, PIT */
	VM_BOOT_HOST,	 /* registration with the host CPU manager (first checks) */
	VM_BOOT_MEMORY,	 /* guest RAM */
	VM_BOOT_DEVICES, /* devices, the Hyper-V partition, the slot tables */
	VM_BOOT_TABLES,	 /* firmware tables */
	VM_BOOT_VCPUS,	 /* the boot vCPUs' bring-up steps up to apic:refresh */
	VM_BOOT_LOAD,	 /* reading and loading the kernel */
	VM_BOOT_START,	 /* vm_start: the boot vCPUs online */
	VM_BOOT_PHASES,
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
	struct fw_cfg fwcfg;
	bool fwcfg_ready;
	struct hpctl hpctl;
	struct hv_partition *hv;	   /* NULL without --hv */
	struct hyperv_testdev *hv_testdev; /* --device hyperv-testdev, else NULL */
	struct tsvc *timers; /* synthetic timers and SynIC retries; NULL without SynIC */

	pthread_mutex_t lock; /* the slots and hotplug (hotplug.c) */
	/*
	 * [max_vcpus]; NULL until the slot's KVM vCPU exists, then fixed until vm_destroy
	 * (a removed vCPU is parked, never freed), so it is read without the lock.
	 */
	_Atomic(struct vcpu *) *slots;
	/* [max_vcpus]; UINT32_MAX until assigned, then fixed: VP indexes are never reused. */
	_Atomic uint32_t *slot_vp_index;
	/* [max_vcpus], the inverse: VP index -> slot, UINT32_MAX for an unused index. */
	_Atomic uint32_t *vp_slot;
	uint32_t next_vp_index;	  /* under lock */
	struct cpuhp_machine *hp; /* the vCPU bring-up steps (vcpu_steps.c), under lock */
	struct cpuhp_cpu *hp_cpus;
	struct host_vm *host; /* registration with the host CPU manager */

	/* The control socket for events, or NULL; readers hold ctl_readers (vm_event). */
	struct ctl_server *_Atomic ctl;
	_Atomic uint32_t ctl_readers;

	_Atomic int stopping;
	_Atomic bool started; /* vm_start() succeeded */
	int exit_status;
	char exit_msg[512];
	int stop_efd; /* eventfd: wakes vm_wait */

	struct vm_stats stats;
	struct hist flush_latency_ns;
	struct vcpu_step_clock step_clock[VCPU_STEP_POSITIONS];
	uint64_t boot_ns[VM_BOOT_PHASES];
	struct bgcall oncpu_warm;   /* until the boot vCPUs' probes are open */
	struct bgcall msr_filter;   /* KVM_X86_SET_MSR_FILTER, before any vCPU runs */
	uint64_t boot_precreate_ns; /* vm_vcpus_add_boot's parallel creation */
	unsigned boot_precreate_threads;
};

/* boot_time.c: the boot timeline */
/* Adds the time since *t (now_ns()) to phase and moves *t to now. */
void vm_boot_phase_end(struct vm *vm, enum vm_boot_phase phase, uint64_t *t);
/* Logs the timeline, one line (info). */
void vm_boot_report(struct vm *vm);

/* vm.c */
int vm_write_tables(struct vm *vm, char *err, size_t errlen);
/* Host pointer to guest physical memory, or NULL (see guest_ram_ptr). */
void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
uint64_t vm_guest_tsc(const struct vm *vm);

/* events.c: ctl_event() to the attached control socket, if any. */
#define vm_event(vm, type, ...)                            \
	do {                                               \
		struct ctl_server *ctl__ = vm_ctl_get(vm); \
		ctl_event(ctl__, type, __VA_ARGS__);       \
		vm_ctl_put(vm);                            \
	} while (0)
struct ctl_server *vm_ctl_get(struct vm *vm);
void vm_ctl_put(struct vm *vm);

/* msr.c */
/* MSR exits; the MSR filter is set on a thread of its own: vm_msr_filter_wait takes it. */
int vm_msr_setup(struct vm *vm);
int vm_msr_filter_wait(struct vm *vm);
void vcpu_handle_msr(struct vcpu *v);

/* devices.c */
int vm_devices_init(struct vm *vm, char *err, size_t errlen);
/* The devices built on the Hyper-V partition (after vm_hv_create). */
int vm_hv_devices_init(struct vm *vm, char *err, size_t errlen);
void vm_devices_destroy(struct vm *vm);

/* hv_ops.c */
int vm_hv_create(struct vm *vm, char *err, size_t errlen);
/* stats.c */
void vm_timer_stats_visit(struct vm *vm, stat_visit_fn fn, void *ctx);
/* Stops the timer thread: no synthetic timer or retry fires afterwards. */
void vm_timers_stop(struct vm *vm);
void vm_hv_destroy(struct vm *vm);

/* hostcpus.c */
int vm_host_register(struct vm *vm, char *err, size_t errlen);
void vm_host_unregister(struct vm *vm);
int vm_host_thread_add(struct vm *vm, struct vcpu *v);
void vm_host_thread_remove(struct vm *vm, struct vcpu *v);

/* slots.c: the slot table and lookups (lock-free unless said otherwise) */
int vm_slots_init(struct vm *vm, char *err, size_t errlen);
/* Frees the parked vCPUs (KVM fd, kvm_run) and the tables; after vm_vcpus_remove_all. */
void vm_slots_destroy(struct vm *vm);
static inline struct vcpu *vm_slot_vcpu(struct vm *vm, unsigned slot)
{
	return atomic_load(&vm->slots[slot]);
}
/* The slot's state (VCPU_ABSENT for a bad slot or one that never had a vCPU). */
enum vcpu_state vm_slot_state(struct vm *vm, unsigned slot);
/* The slot's vCPU if it is online, else NULL. */
struct vcpu *vm_online_vcpu(struct vm *vm, unsigned slot);
/* The vCPU with that VP index while it has Hyper-V state, else NULL. */
struct vcpu *vm_vcpu_by_vp(struct vm *vm, uint32_t vp_index);
/* The slot's VP index, or UINT32_MAX before its first bring-up. */
uint32_t vm_slot_vp_index(struct vm *vm, unsigned slot);
/* Under lock: the slot's VP index, assigned at its first bring-up. */
uint32_t vm_slot_assign_vp_index(struct vm *vm, unsigned slot);
/* Number of online vCPUs. */
unsigned vm_vcpu_count_online(struct vm *vm);
/* The lowest slot without a vCPU (VCPU_ABSENT), or -ENOSPC. */
int vm_vcpu_free_slot(struct vm *vm);

/* Boot vCPUs are built up to here by vm_create and started by vm_start. */
#define VCPU_STEP_READY		     VCPU_STEP_APIC
#define VCPU_THREAD_START_TIMEOUT_NS (2 * NSEC_PER_SEC)
#define VCPU_THREAD_STOP_TIMEOUT_NS  (5 * NSEC_PER_SEC)
/*
 * Creates the slot's KVM vCPU and sets its CPUID, parked (ABSENT) in the slot, ready for its
 * bring-up steps to reuse; nothing when the slot has a vCPU. Boot only, from several
 * threads at once (hotplug.c), before the steps run. 0 or -errno.
 */
int vm_vcpu_precreate(struct vm *vm, unsigned slot);
/* Registers the steps on vm->hp. */
int vm_vcpu_steps_register(struct vm *vm, char *err, size_t errlen);

/* hotplug.c: adding and removing vCPUs, each through the steps */
int vm_vcpus_add_boot(struct vm *vm, char *err, size_t errlen);
int vm_vcpus_start_boot(struct vm *vm);
/*
 * Hot-adds the vCPU of `slot` and raises the guest's insert event. A slot whose vCPU is
 * still leaving (REMOVING) is waited for, without a lock, first. 0 or -errno: -EEXIST,
 * -EBUSY (still leaving after the limit), -ESHUTDOWN, -EINVAL, a step's error.
 */
int vm_vcpu_add(struct vm *vm, unsigned slot);
/* Raises the guest's remove event for `slot`; the guest then ejects it. 0 or -errno. */
int vm_vcpu_request_remove(struct vm *vm, unsigned slot);
/*
 * The guest ejected `slot`: hide it, stop its thread, and wait (no lock held) until that
 * thread has finished the removal. 0; -EINPROGRESS when the removal goes on without the
 * caller (a vCPU asked to stop meanwhile, or the thread has not left within its limit);
 * -ENOENT (no vCPU there), -EBUSY (slot 0), -EINVAL, -ESHUTDOWN.
 */
int vm_vcpu_eject(struct vm *vm, unsigned slot);
/* On a removed vCPU's own thread, as it leaves: the remaining teardown steps. */
void vm_vcpu_finish_removal(struct vcpu *v);
/* Joins every vCPU thread (the VM is stopping). 0, or -ETIMEDOUT if one stays. */
int vm_vcpus_join_all(struct vm *vm, uint64_t timeout_ns);
/* Takes every slot down to VCPU_ABSENT through the steps (vm_destroy). */
void vm_vcpus_remove_all(struct vm *vm);

/* exit_timing.c: with --exit-timing, logs every kind's distribution over all vCPUs */
void vm_exit_timing_report(struct vm *vm);

/* exit.c */
void vcpu_handle_exit(struct vcpu *v);

/* hcall.c */
/*
 * Whether the KVM_EXIT_IO KVM_RUN returned with is the hypercall page's `out`: a one-byte
 * OUT to port 0xE6 whose RIP is in the enabled hypercall page (docs/architecture.md §5).
 * Any other access to the port is an ordinary unclaimed port access.
 */
bool vcpu_exit_is_hypercall(const struct vcpu *v);
void vcpu_handle_hypercall(struct vcpu *v);

/* ipi.c */
int vm_send_msi(struct vm *vm, uint32_t apic_id, uint8_t vector);

/* autoeoi.c: AutoEOI interrupts injected past the local APIC */
void vcpu_aeoi_init(struct vcpu *v);
/* Drops pending AutoEOI interrupts (a vCPU that starts again). */
void vcpu_aeoi_reset(struct vcpu *v);
/* Any thread: raise an AutoEOI vector on v. */
int vcpu_aeoi_raise(struct vcpu *v, uint8_t vector);
/* v's thread, outside KVM_RUN: inject the highest pending one if the guest can take it. */
void vcpu_aeoi_deliver(struct vcpu *v);
bool vcpu_aeoi_pending(struct vcpu *v);
uint32_t vcpu_aeoi_count(struct vcpu *v);

/* targets.c */
/*
 * The next vCPU (with Hyper-V state) whose VP index is in targets; *cursor starts at -1.
 * Lock-free. NULL at the end.
 */
struct vcpu *vm_target_next(struct vm *vm, const struct hv_vpset *targets, int64_t *cursor);

/* flush.c */
int vm_flush_tlb(struct vm *vm, struct vcpu *caller, const struct hv_vpset *targets);
/* The vCPU thread's side: a pending VCPU_REQ_FLUSH (SREGS method). */
void vcpu_flush_tlb_sregs(struct vcpu *v);

/* stats.c */
void vm_stats_visit(struct vm *vm, stat_visit_fn fn, void *ctx);
void vcpu_stats_visit(struct vcpu *v, stat_visit_fn fn, void *ctx);

#endif
