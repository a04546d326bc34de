/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine: the public interface of the KVM layer (src/kvm), which is all that
 * src/main uses. Everything else in src/kvm is private to it (docs/architecture.md §1).
 *
 * Lifecycle:
 *   vm_config_check()  is the configuration valid? (no host resource is touched)
 *   vm_create()        builds the VM: KVM VM, memory, devices, Hyper-V partition, the boot
 *                      vCPUs (not running yet); any failure unwinds completely
 *   vm_load_kernel()   the kernel image (and initrd) and the boot vCPU's entry state
 *   vm_attach_ctl()    the control socket that receives the VM's events (optional)
 *   vm_start()         the boot vCPUs start running the guest
 *   vm_wait()          returns the exit status once the guest or a user stopped the VM;
 *                      vm_exit_message() then says why
 *   vm_destroy()       frees everything
 * vm_stop() ends the VM from any thread, at any point after vm_create().
 *
 * Errors (docs/architecture.md §1, "How a failure travels"): every function returns 0
 * or -errno and, where it takes err/errlen, a one-line message. vm_config_check() is the
 * only one that judges what the user asked for; a vm_create() that fails after it passed
 * is a host problem.
 */
#ifndef HVEMU_KVM_VM_H
#define HVEMU_KVM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/model.h"
#include "ctl/ctl.h"
#include "dev/uart.h"
#include "hv/hv.h"

struct vm;

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

/*
 * How a remote TLB flush reaches a target vCPU (src/kvm/flush.c). `--flush-method auto`
 * selects VM_FLUSH_SREGS, the method that works on every KVM measured; it is not a method
 * of its own.
 */
enum vm_flush_method {
	VM_FLUSH_SREGS, /* targets toggle CR4.PGE with KVM_SET_SREGS before re-entry */
	VM_FLUSH_STEAL, /* KVM_VCPU_FLUSH_TLB in the steal-time area (stale on shadow paging) */
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

/*
 * What a KVM internal error (an instruction KVM's emulator lacks, an event it cannot
 * deliver) does: end hvemu with status 6, or stop only that vCPU and keep the VM and its
 * control socket up until quit, as QEMU pauses on one (--internal-error).
 */
enum vm_internal_error {
	VM_INTERNAL_ERROR_EXIT, /* default */
	VM_INTERNAL_ERROR_PAUSE,
};

/* Optional devices (--device NAME). */
enum vm_device {
	VM_DEV_HYPERV_TESTDEV = 1u << 0, /* QEMU's hyperv-testdev at port 0x3000 (needs synic) */
};

struct vm_config {
	uint64_t mem_size;
	unsigned boot_vcpus;
	unsigned max_vcpus;
	struct hv_features hv; /* mask 0: no Hyper-V */
	struct cpu_model cpu;  /* --cpu; nops 0: the host's CPUID as KVM offers it */
	enum vm_flush_method flush_method;
	enum vm_vcpu_sched vcpu_sched;
	enum vm_internal_error internal_error;
	bool exit_timing; /* --exit-timing: per-exit histograms (kvm/exit_timing.h) */
	uint32_t devices; /* enum vm_device */
	enum uart_sink serial;
	const char *serial_path;
	const char *kvm_path;  /* NULL: /dev/kvm */
	const char *host_cpus; /* --host-cpus LIST, or NULL */
	const char *name;      /* for logs */
};

/* 0, or -EINVAL with a message naming the bad value (vCPU counts, --host-cpus, memory). */
int vm_config_check(const struct vm_config *cfg, char *err, size_t errlen);
/*
 * Builds a VM; the boot vCPUs exist but do not run. -EINVAL when vm_config_check() fails;
 * otherwise a failure is the host's (no /dev/kvm, a missing capability, memory, a host
 * TSC Hyper-V cannot use...). Nothing is left behind on failure.
 */
int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen);
/*
 * Loads the kernel (and initrd) and sets the boot vCPU's entry state. -ENOEXEC, -EINVAL,
 * -EFBIG, -ENOSPC: the image cannot be loaded; -ENOENT, -EACCES, -EISDIR: the file
 * cannot be read; others (-ENOMEM, -EIO) are the host's.
 */
int vm_load_kernel(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline,
		   char *err, size_t errlen);
/*
 * The control socket that receives the VM's events (NULL: none). Detaching (NULL) returns
 * once no VM thread can still be using the old server, so it may then be stopped.
 */
void vm_attach_ctl(struct vm *vm, struct ctl_server *ctl);
/* The control socket backend of a VM (opaque = struct vm *). */
extern const struct ctl_backend_ops vm_ctl_ops;
/* Starts the boot vCPUs. 0, or -errno after stopping the VM with VM_EXIT_HOST_ERROR. */
int vm_start(struct vm *vm);
/*
 * Waits until the VM stops and its vCPU threads are gone, and returns the exit status
 * (enum vm_exit_status, or the debug-exit status). sigfd (a signalfd, or -1): a signal
 * read from it stops the VM with VM_EXIT_POWEROFF. Logs the reason, sends the control
 * socket's SHUTDOWN event.
 */
int vm_wait(struct vm *vm, int sigfd);
/*
 * Ends the VM with exit status `status` (the first caller wins) and makes every vCPU
 * leave. Callable from any thread, including vCPU threads and signal-driven paths.
 */
void vm_stop(struct vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool vm_stopping(const struct vm *vm);
/* Where the VM is in its lifecycle (query-status). */
enum vm_run_state vm_run_state(const struct vm *vm);
/* Why the VM stopped ("" while it runs); valid until vm_destroy. */
const char *vm_exit_message(const struct vm *vm);
void vm_destroy(struct vm *vm);

#endif
