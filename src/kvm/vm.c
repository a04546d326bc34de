// SPDX-License-Identifier: MIT
/*
 * The VM's lifecycle (kvm/vm.h): creation, start, wait, stop and teardown.
 *
 * vm_create builds the VM in a fixed order and every step can fail (each is a fault point
 * "vm.<step>"); vm_destroy undoes whatever was built, so a failure at any step leaves no
 * fd, thread, mapping or host-context reference behind.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "boot/tables.h"
#include "kvm/cpuid.h"
#include "kvm/kvm_stats.h"
#include "kvm/memory.h"
#include "kvm/vm_internal.h"
#include "util/cpulist.h"
#include "util/fault.h"
#include "util/fd.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"

#define VM_JOIN_TIMEOUT_NS (5 * NSEC_PER_SEC)

static int enable_cap(int fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg0 } };

	return kvm_ioctl(fd, KVM_ENABLE_CAP, &c);
}

/* Platform pieces of the VM that exist before any vCPU. */
static int vm_create_kvm(struct vm *vm, char *err, size_t errlen)
{
	/* KVM handles port 0x61 too, so PIT channel 2 calibration works as on a PC. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int r;

	r = fault_hit("vm.kvm");
	if (!r)
		r = kvm_ioctl(vm->sys.fd, KVM_CREATE_VM, 0);
	if (r < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(-r));
		return r;
	}
	vm->fd = r;
	vm->stats_fd = kvm_stats_open(vm->fd);
	r = kvm_ioctl(vm->fd, KVM_GET_TSC_KHZ, NULL);
	vm->tsc_khz = r > 0 ? (uint64_t)r : 0; /* else measured on the first vCPU */
	/* A host whose TSC is too slow for Hyper-V's reference time (a host problem). */
	if (fault_hit("vm.tsc_slow"))
		vm->tsc_khz = 1000;
	/* Needed for real mode on VMX without unrestricted guest; harmless elsewhere. */
	kvm_ioctl(vm->fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)0xfffbd000ul);
	r = fault_hit("vm.irqchip");
	if (!r)
		r = kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL);
	if (!r)
		r = kvm_ioctl(vm->fd, KVM_CREATE_PIT2, &pit);
	if (r) {
		snprintf(err, errlen, "creating the in-kernel irqchip and PIT: %s", strerror(-r));
		return r;
	}
	/* 32-bit APIC IDs in MSIs: IPIs and hotplug notifications reach APIC IDs above 255. */
	r = enable_cap(vm->fd, KVM_CAP_X2APIC_API,
		       KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK);
	if (r) {
		snprintf(err, errlen, "enabling KVM_CAP_X2APIC_API: %s", strerror(-r));
		return r;
	}
	r = vm_msr_setup(vm);
	if (r) {
		snprintf(err, errlen, "setting up MSR exits and the MSR filter: %s", strerror(-r));
		return r;
	}
	return 0;
}

int vm_config_check(const struct vm_config *cfg, char *err, size_t errlen)
{
	if (cfg->boot_vcpus == 0 || cfg->boot_vcpus > cfg->max_vcpus ||
	    cfg->max_vcpus > BOOT_MAX_SLOTS) {
		snprintf(err, errlen, "bad vCPU counts boot=%u max=%u (1 <= boot <= max <= %u)",
			 cfg->boot_vcpus, cfg->max_vcpus, BOOT_MAX_SLOTS);
		return -EINVAL;
	}
	if (cfg->mem_size == 0) {
		snprintf(err, errlen, "the memory size is 0");
		return -EINVAL;
	}
	if (cfg->host_cpus) {
		cpu_set_t mask;
		size_t off = 0;
		int r = cpulist_parse(cfg->host_cpus, &mask, &off);

		if (r || CPU_COUNT(&mask) == 0) {
			snprintf(err, errlen, "--host-cpus '%s': %s", cfg->host_cpus,
				 r ? "bad CPU list" : "empty CPU list");
			return -EINVAL;
		}
	}
	return 0;
}

static int kick_init_result;

static void kick_init_once(void)
{
	kick_init_result = vcpu_kick_init();
}

int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen)
{
	static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
	struct vm *vm;
	uint64_t t;
	int r;

	*out = NULL;
	r = vm_config_check(cfg, err, errlen);
	if (r)
		return r;
	/* The vCPU kick signal's handler is process-wide: installed by the first VM. */
	pthread_once(&kick_once, kick_init_once);
	if (kick_init_result) {
		snprintf(err, errlen, "installing the vCPU kick signal handler: %s",
			 strerror(-kick_init_result));
		return kick_init_result;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->cfg = *cfg;
	vm->fd = -1;
	vm->stats_fd = -1;
	vm->sys.fd = -1;
	vm->start_ns = now_ns();
	t = vm->start_ns;
	oncpu_warm_start(&vm->oncpu_warm);
	pthread_mutex_init(&vm->lock, NULL);
	vm->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (vm->stop_efd < 0) {
		r = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	r = kvm_sys_open(&vm->sys, cfg->kvm_path ? cfg->kvm_path : "/dev/kvm", err, errlen);
	if (r)
		goto fail;
	if ((int)cfg->max_vcpus > vm->sys.max_vcpus) {
		snprintf(err, errlen, "max=%u vCPUs exceeds KVM's limit of %d", cfg->max_vcpus,
			 vm->sys.max_vcpus);
		r = -ENOTSUP; /* this host's limit: -EINVAL is for what vm_config_check refuses */
		goto fail;
	}
	r = cpuid_build_template(vm->sys.cpuid, &cfg->hv, cfg->max_vcpus, &vm->cpuid, err, errlen);
	if (!r)
		r = cpuid_apply_model(vm->cpuid, &cfg->cpu, err, errlen);
	if (r)
		goto fail;
	r = vm_create_kvm(vm, err, errlen);
	if (r)
		goto fail;
	vm_boot_phase_end(vm, VM_BOOT_KVM, &t);
	/* Before any vCPU exists: its threads may only go where the host check passed. */
	r = vm_host_register(vm, err, errlen);
	if (r)
		goto fail;
	vm_boot_phase_end(vm, VM_BOOT_HOST, &t);
	r = guest_mem_create(vm->fd, cfg->mem_size, &vm->ram, err, errlen);
	if (r)
		goto fail;
	vm_boot_phase_end(vm, VM_BOOT_MEMORY, &t);
	r = vm_devices_init(vm, err, errlen);
	if (r)
		goto fail;
	r = vm_hv_create(vm, err, errlen);
	if (r)
		goto fail;
	r = vm_hv_devices_init(vm, err, errlen);
	if (r)
		goto fail;
	r = vm_slots_init(vm, err, errlen);
	if (r)
		goto fail;
	vm_boot_phase_end(vm, VM_BOOT_DEVICES, &t);
	r = vm_write_tables(vm, err, errlen);
	if (r)
		goto fail;
	vm_boot_phase_end(vm, VM_BOOT_TABLES, &t);
	r = vm_vcpus_add_boot(vm, err, errlen);
	if (r)
		goto fail;
	oncpu_warm_stop(&vm->oncpu_warm);
	vm_boot_phase_end(vm, VM_BOOT_VCPUS, &t);
	/* Before any vCPU runs (vm_start); it ran beside everything above. */
	r = vm_msr_filter_wait(vm);
	if (r) {
		snprintf(err, errlen, "setting the MSR filter: %s", strerror(-r));
		goto fail;
	}
	vm_boot_phase_end(vm, VM_BOOT_KVM, &t);
	*out = vm;
	return 0;
fail:
	vm_destroy(vm);
	return r;
}

int vm_write_tables(struct vm *vm, char *err, size_t errlen)
{
	struct boot_topology t = { .nslots = vm->cfg.max_vcpus, .nboot = vm->cfg.boot_vcpus };
	int r = fault_hit("vm.tables");

	if (r) {
		snprintf(err, errlen, "writing the firmware tables: %s", strerror(-r));
		return r;
	}
	return boot_write_tables(&vm->ram, &t, err, errlen);
}

void vm_stop(struct vm *vm, int status, const char *fmt, ...)
{
	uint64_t one = 1;
	int expected = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, 1))
		return;
	vm->exit_status = status;
	va_start(ap, fmt);
	vsnprintf(vm->exit_msg, sizeof(vm->exit_msg), fmt, ap);
	va_end(ap);
	if (vm->hv)
		hv_partition_cancel_waits(vm->hv);
	for (unsigned s = 0; vm->slots && s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = atomic_load(&vm->slots[s]);

		if (v)
			vcpu_request(v, VCPU_REQ_STOP);
	}
	if (vm->stop_efd >= 0 && write(vm->stop_efd, &one, sizeof(one)) < 0)
		pr_err("waking the main thread: %s", strerror(errno));
}

bool vm_stopping(const struct vm *vm)
{
	return atomic_load(&vm->stopping) != 0;
}

const char *vm_exit_message(const struct vm *vm)
{
	return vm_stopping(vm) ? vm->exit_msg : "";
}

int vm_start(struct vm *vm)
{
	uint64_t t = now_ns();
	int r = vm_vcpus_start_boot(vm);

	if (!r) {
		atomic_store(&vm->started, true);
		vm_boot_phase_end(vm, VM_BOOT_START, &t);
		vm_boot_report(vm);
	}
	return r;
}

enum vm_run_state vm_run_state(const struct vm *vm)
{
	if (vm_stopping(vm))
		return VM_STATE_SHUTTING_DOWN;
	return atomic_load(&vm->started) ? VM_STATE_RUNNING : VM_STATE_STARTING;
}

/* --- the control socket ---------------------------------------------------------------- */

/*
 * Event senders (vCPU threads, the hostcpu thread's callback) announce themselves in
 * ctl_readers before they load ctl; a detach stores NULL before it loads the count
 * (Dekker, seq_cst), so once the count is seen at 0 nobody holds the old server.
 */
struct ctl_server *vm_ctl_get(struct vm *vm)
{
	atomic_fetch_add(&vm->ctl_readers, 1);
	return atomic_load(&vm->ctl);
}

void vm_ctl_put(struct vm *vm)
{
	if (atomic_fetch_sub(&vm->ctl_readers, 1) == 1 && !atomic_load(&vm->ctl))
		futex_wake(&vm->ctl_readers, INT_MAX);
}

void vm_attach_ctl(struct vm *vm, struct ctl_server *ctl)
{
	uint32_t n;

	atomic_store(&vm->ctl, ctl);
	if (ctl)
		return;
	/* A reader only queues an event (it never blocks): this wait is short. */
	while ((n = atomic_load(&vm->ctl_readers)) != 0)
		futex_wait(&vm->ctl_readers, n, NSEC_PER_MSEC);
}

/* --- the end ------------------------------------------------------------------------------ */

static bool exit_is_error(int status)
{
	return status == VM_EXIT_TRIPLE_FAULT || status == VM_EXIT_INTERNAL_ERROR ||
	       status == VM_EXIT_GUEST_CRASH || status == VM_EXIT_HOST_ERROR;
}

int vm_wait(struct vm *vm, int sigfd)
{
	/* poll() ignores a negative fd: without sigfd only the stop eventfd counts. */
	struct pollfd p[2] = {
		{ .fd = vm->stop_efd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	int status;

	while (!vm_stopping(vm)) {
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			vm_stop(vm, VM_EXIT_HOST_ERROR, "waiting for the VM: %s", strerror(errno));
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				vm_stop(vm, VM_EXIT_POWEROFF, "stopped by signal %s",
					strsignal((int)si.ssi_signo));
		}
	}
	status = vm->exit_status;
	if (vm_vcpus_join_all(vm, VM_JOIN_TIMEOUT_NS)) {
		pr_err("%s", "vCPU threads did not stop in time");
		status = VM_EXIT_HOST_ERROR;
	}
	uart_flush(&vm->uart);
	vm_exit_timing_report(vm);
	if (vm->exit_msg[0]) {
		if (exit_is_error(vm->exit_status))
			pr_err("%s", vm->exit_msg);
		else
			pr_info("%s", vm->exit_msg);
	}
	vm_event(vm, CTL_EVENT_SHUTDOWN, CTL_EV_INT("status", status),
		 CTL_EV_STR("reason", vm->exit_msg));
	return status;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (!vm_stopping(vm))
		vm_stop(vm, VM_EXIT_POWEROFF, "destroyed");
	vm_vcpus_join_all(vm, VM_JOIN_TIMEOUT_NS);
	oncpu_warm_stop(&vm->oncpu_warm);
	vm_msr_filter_wait(vm); /* a VM that failed before it took the result */
	/* No host CPU event may reach a control socket that the caller stops after this. */
	vm_host_unregister(vm);
	vm_attach_ctl(vm, NULL);
	/* The timer thread's callbacks reach vCPUs and VPs: stop it before they go. */
	vm_timers_stop(vm);
	vm_vcpus_remove_all(vm);
	vm_slots_destroy(vm);
	/* Devices may hold SynIC routes and connections of the partition. */
	vm_devices_destroy(vm);
	vm_hv_destroy(vm);
	free(vm->cpuid);
	guest_mem_destroy(&vm->ram);
	fd_close(&vm->stats_fd);
	fd_close(&vm->fd);
	kvm_sys_close(&vm->sys);
	fd_close(&vm->stop_efd);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	return guest_ram_ptr(&vm->ram, gpa, len);
}

uint64_t vm_guest_tsc(const struct vm *vm)
{
	return __builtin_ia32_rdtsc() +
	       (uint64_t)__atomic_load_n(&vm->tsc_offset, __ATOMIC_RELAXED);
}
