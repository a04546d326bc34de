// SPDX-License-Identifier: MIT
/*
 * The vCPU bring-up steps on lib/cpuhp (docs/architecture.md §7.2): each startup and
 * teardown, their order constraints, and their registration on the VM's machine. The
 * flows that run them (add, remove) are in hotplug.c; the slot's state follows them:
 * "kvm:vcpu" makes it ADDING (up) and ABSENT (down), "vcpu:online" ONLINE and REMOVING.
 *
 * Each startup is a fault point "vcpu.<name>" (HVEMU_FAULT): a failure rolls the completed
 * steps back in reverse, the VM keeps running, and the vCPU is never visible to the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpuhp/cpuhp.h"
#include "kvm/cpuid.h"
#include "kvm/kvm_stats.h"
#include "kvm/vm_internal.h"
#include "util/fault.h"
#include "util/log.h"
#include "fw/acpi.h"
#include "x86/msr-index.h"

/* --- the steps --------------------------------------------------------------------------- */

/* The slot's KVM vCPU and its struct vcpu, ABSENT and not yet in the slot table. */
static int vcpu_create(struct vm *vm, unsigned slot, struct vcpu **out)
{
	struct vcpu *v;
	void *run;
	int fd, r;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	fd = kvm_ioctl(vm->fd, KVM_CREATE_VCPU, (void *)(uintptr_t)slot);
	if (fd < 0) {
		free(v);
		return fd;
	}
	run = mmap(NULL, (size_t)vm->sys.vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		/*
		 * The KVM vCPU exists now and cannot be destroyed; without its mapping it is
		 * useless, and the slot can never be used again (KVM refuses the id). Say so.
		 */
		r = -errno;
		pr_err_ratelimited("vcpu%u: mapping kvm_run failed: %s; the slot is lost", slot,
				   strerror(-r));
		close(fd);
		free(v);
		return r;
	}
	v->vm = vm;
	v->slot = slot;
	v->fd = fd;
	if (vm->cfg.exit_timing && vcpu_exit_timing_alloc(v))
		pr_warn_ratelimited("vcpu%u: no histograms for exit timing: not timed", slot);
	/* Now or never: later, vCPU ioctls would wait for KVM_RUN to return. */
	v->stats_fd = kvm_stats_open(fd);
	v->run = run;
	/*
	 * Registers come with every exit through the sync regs (no ioctl). The special
	 * registers are needed by the hypercall exit only (CPU mode, CPL, the page walk of its
	 * `ret`); copying them out costs KVM about 0.27 us of every exit here (bench/kvm_floor:
	 * `in` loop with and without), so a VM without Hyper-V does without. The events too,
	 * only with the SynIC: AutoEOI injection goes through them (autoeoi.c), and so does
	 * a hypercall's #UD then (hcall.c).
	 */
	v->run->kvm_valid_regs =
	    KVM_SYNC_X86_REGS | (vm->hv ? KVM_SYNC_X86_SREGS : 0) |
	    (vm->hv && hv_has(&vm->cfg.hv, HV_FEAT_SYNIC) ? KVM_SYNC_X86_EVENTS : 0);
	oncpu_init_none(&v->oncpu);
	vcpu_aeoi_init(v);
	pthread_mutex_init(&v->work_lock, NULL);
	atomic_init(&v->state, VCPU_ABSENT);
	*out = v;
	return 0;
}

static int vcpu_set_cpuid(struct vm *vm, struct vcpu *v)
{
	struct kvm_cpuid2 *c;
	int r;

	/*
	 * A parked vCPU that is reused keeps the CPUID it was given: KVM refuses
	 * KVM_SET_CPUID2 on a vCPU that has run guest code, and the template never changes.
	 */
	if (v->cpuid_set)
		return 0;
	c = cpuid_for_vcpu(vm->cpuid, v->slot);
	if (!c)
		return -ENOMEM;
	r = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (!r)
		v->cpuid_set = true;
	return r;
}

/*
 * With APIC IDs of 255 and more (max > 255), every vCPU starts in x2APIC mode, as firmware
 * leaves such a machine (an xAPIC cannot address those CPUs: the OS must use x2APIC, and
 * finds it enabled). Besides, each AP's own switch to x2APIC made KVM rebuild its APIC map
 * over every vCPU (kvm_recalculate_apic_map), and so did the INIT before it while the APIC
 * was in xAPIC mode: measured with 1024 vCPUs, the guest's AP bring-up 640 -> 500 ms.
 * After KVM_SET_CPUID2 (KVM checks the x2APIC bit); only for a vCPU that has not run (a
 * re-added one keeps the mode its guest left: INIT does not change it).
 */
static int vcpu_preset_x2apic(struct vm *vm, struct vcpu *v)
{
	uint64_t base = BOOT_LAPIC_GPA | APICBASE_ENABLE | APICBASE_EXTD;
	int r;

	if (vm->cfg.max_vcpus <= ACPI_X2APIC_FIRST_ID || v->has_run || v->x2apic_preset)
		return 0;
	r = kvm_vcpu_set_msr(v->fd, MSR_IA32_APICBASE, base | (v->slot ? 0 : APICBASE_BSP));
	if (!r)
		v->x2apic_preset = true;
	return r;
}

/*
 * An application processor that has not run waits for a SIPI, as after power-on or
 * RESET (Intel SDM Vol. 3A, "MP Initialization"): KVM_MP_STATE_INIT_RECEIVED. KVM creates
 * it UNINITIALIZED instead, where a SIPI is ignored until an INIT: the INIT then costs
 * every AP a vCPU reset and a rebuild of KVM's APIC map over all vCPUs
 * (kvm_apic_accept_events -> kvm_lapic_reset -> kvm_recalculate_apic_map), 130 ms of the
 * 1024-vCPU boot here. fw_cfg's etc/hvemu/boot-flags tells the guest
 * (include/hvemu/boot_flags.h), which then sends the SIPI alone. A vCPU that has run
 * keeps UNINITIALIZED (step_state_up): only an INIT resets what its last run left. Fault
 * point "vcpu.wait_for_sipi" leaves the state out while the flag still says so (the guest
 * runtime's fallback is tested with it).
 */
static int vcpu_preset_wait_for_sipi(struct vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_INIT_RECEIVED };
	int r;

	if (v->slot == 0 || v->has_run || v->wait_for_sipi_preset)
		return 0;
	if (fault_hit("vcpu.wait_for_sipi"))
		return 0;
	r = kvm_ioctl(v->fd, KVM_SET_MP_STATE, &mp);
	if (!r)
		v->wait_for_sipi_preset = true;
	return r;
}

int vm_vcpu_precreate(struct vm *vm, unsigned slot)
{
	struct vcpu *v = NULL;
	int r;

	if (vm_slot_vcpu(vm, slot))
		return 0;
	r = vcpu_create(vm, slot, &v);
	if (r)
		return r;
	if (!v)
		return -EINVAL;
	r = vcpu_set_cpuid(vm, v); /* on failure kvm:cpuid tries again, and reports it */
	if (!r)
		r = vcpu_preset_x2apic(vm, v); /* on failure kvm:state tries again */
	if (!r)
		r = vcpu_preset_wait_for_sipi(v); /* likewise */
	atomic_store(&vm->slots[slot], v);
	return r;
}

static int step_kvm_vcpu_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	int r;

	r = fault_hit("vcpu.kvm_vcpu");
	if (r)
		return r;
	if (!v) {
		r = vcpu_create(vm, slot, &v);
		if (r)
			return r;
		atomic_store(&vm->slots[slot], v);
	}
	/* new, or a parked (or pre-created) KVM vCPU that is reused */
	atomic_store(&v->state, VCPU_ADDING);
	return 0;
}

/* KVM cannot destroy a vCPU: it stays parked in the slot for the next bring-up. */
static int step_kvm_vcpu_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;

	atomic_store(&vm_slot_vcpu(vm, slot)->state, VCPU_ABSENT);
	return 0;
}

static int step_cpuid_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	int r;

	r = fault_hit("vcpu.cpuid");
	if (r)
		return r;
	return vcpu_set_cpuid(vm, vm_slot_vcpu(vm, slot));
}

/* Guest TSC = host TSC + offset (no TSC scaling): measured once, on the first vCPU. */
static int measure_tsc(struct vm *vm, struct vcpu *v)
{
	uint64_t t1, t2, guest;
	int r;

	if (vm->tsc_offset_valid)
		return 0;
	t1 = __builtin_ia32_rdtsc();
	r = kvm_vcpu_get_msr(v->fd, MSR_IA32_TSC, &guest);
	t2 = __builtin_ia32_rdtsc();
	if (r)
		return r;
	/* Read by vCPU threads (reference time) without the lock. */
	__atomic_store_n(&vm->tsc_offset, (int64_t)(guest - (t1 + (t2 - t1) / 2)),
			 __ATOMIC_RELAXED);
	vm->tsc_offset_valid = true;
	if (!vm->tsc_khz) {
		r = kvm_ioctl(v->fd, KVM_GET_TSC_KHZ, NULL);
		vm->tsc_khz = r > 0 ? (uint64_t)r : 0;
	}
	return 0;
}

static int step_state_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	uint64_t st_gpa = BOOT_STEAL_TIME_GPA + (uint64_t)slot * BOOT_STEAL_TIME_SLOT_SIZE;
	int r;

	r = fault_hit("vcpu.state");
	if (!r)
		r = measure_tsc(vm, v);
	if (!r)
		r = vcpu_preset_x2apic(vm, v);
	if (r)
		return r;
	/*
	 * --flush-method steal: the steal-time area carries the flush flag (flush.c). KVM
	 * accepts it from the host whatever the guest CPUID says.
	 */
	v->steal = NULL;
	if (vm->cfg.flush_method == VM_FLUSH_STEAL) {
		struct kvm_steal_time *st = vm_gpa_ptr(vm, st_gpa, sizeof(*st));

		if (st) {
			memset(st, 0, sizeof(*st));
			if (kvm_vcpu_set_msr(v->fd, MSR_KVM_STEAL_TIME, st_gpa | KVM_MSR_ENABLED) ==
			    0)
				v->steal = st;
			else
				return -ENOTSUP;
		}
	}
	if (slot != 0 && v->has_run) {
		/* Re-added: it waits for INIT/SIPI; the INIT resets what its last run left. */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };

		r = kvm_ioctl(v->fd, KVM_SET_MP_STATE, &mp);
	}
	return r ? r : vcpu_preset_wait_for_sipi(v);
}

static int step_hv_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	struct hv_vp *hv;
	uint32_t vp;
	int r;

	r = fault_hit("vcpu.hv");
	if (r)
		return r;
	/* Assigned once per slot, in creation order, before the vCPU is in any VP set. */
	vp = vm_slot_assign_vp_index(vm, slot);
	if (!vm->hv)
		return 0;
	r = hv_vp_create(vm->hv, vp, v, &hv);
	if (!r)
		__atomic_store_n(&v->hv, hv, __ATOMIC_RELEASE); /* read by other threads */
	return r;
}

static int step_hv_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	struct hv_vp *hv = v->hv;

	__atomic_store_n(&v->hv, NULL, __ATOMIC_RELEASE); /* read by other threads */
	if (hv)
		hv_vp_destroy(hv);
	return 0;
}

static int step_thread_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	int r;

	r = fault_hit("vcpu.thread");
	if (r)
		return r;
	return vcpu_thread_start(vm_slot_vcpu(vm, slot));
}

/*
 * The steps after vcpu:thread need its TID. vcpu:thread does not wait for it, so that the
 * boot vCPUs' threads start side by side (vm_vcpus_add_boot); the first of them waits.
 * A thread that does not report in time fails the step: the rollback stops it.
 */
static int thread_tid(struct vcpu *v, pid_t *tid)
{
	int r = vcpu_thread_wait_started(v, VCPU_THREAD_START_TIMEOUT_NS);

	*tid = (pid_t)atomic_load(&v->tid);
	return r ? r : (*tid > 0 ? 0 : -ESRCH);
}

/*
 * Under vm->lock. On a removal the thread runs this itself (vm_vcpu_finish_removal) and
 * nothing is waited for; on a failed bring-up the thread is at its gate, where it needs
 * no lock, so waiting for it here is safe (docs/architecture.md §8).
 */
static int step_thread_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;

	return vcpu_thread_stop(vm_slot_vcpu(vm, slot), VCPU_THREAD_STOP_TIMEOUT_NS);
}

static int step_oncpu_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	pid_t tid;
	int r;

	r = fault_hit("vcpu.oncpu");
	if (!r)
		r = thread_tid(v, &tid);
	if (r)
		return r;
	r = oncpu_open(&v->oncpu, tid);
	if (r)
		pr_info_ratelimited(
		    "vcpu%u: no scheduler probe (perf_event_open: %s); flushes kick "
		    "every target inside KVM_RUN",
		    slot, strerror(-r));
	return 0;
}

static int step_oncpu_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;

	oncpu_close(&vm_slot_vcpu(vm, slot)->oncpu);
	return 0;
}

static int step_place_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	pid_t tid;
	int r;

	r = fault_hit("vcpu.place");
	if (!r)
		r = thread_tid(vm_slot_vcpu(vm, slot), &tid);
	if (r)
		return r;
	return vm_host_thread_add(vm, vm_slot_vcpu(vm, slot));
}

static int step_place_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;

	vm_host_thread_remove(vm, vm_slot_vcpu(vm, slot));
	return 0;
}

static int step_apic_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	struct kvm_lapic_state lapic;
	int r;

	r = fault_hit("vcpu.apic");
	if (r)
		return r;
	/*
	 * The boot vCPUs, created before any runs: KVM rebuilds its APIC-ID map from every
	 * vCPU that exists, so the refresh of the last one covers all the others (2 ioctls and
	 * one map rebuild over every vCPU, instead of that for each: 0.2 s of 1024).
	 */
	if (!atomic_load(&vm->started) && slot + 1 < vm->cfg.boot_vcpus)
		return 0;
	r = kvm_ioctl(v->fd, KVM_GET_LAPIC, &lapic);
	if (!r)
		r = kvm_ioctl(v->fd, KVM_SET_LAPIC, &lapic);
	return r;
}

static int step_online_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	int r;

	r = fault_hit("vcpu.online");
	if (r)
		return r;
	if (v->hv)
		hv_vp_set_online(v->hv, true);
	hpctl_set_present(&vm->hpctl, slot, true);
	atomic_store(&v->state, VCPU_ONLINE);
	vcpu_wake_gate(v); /* the thread starts running the guest */
	return 0;
}

static int step_online_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);

	atomic_store(&v->state, VCPU_REMOVING);
	hpctl_set_present(&vm->hpctl, slot, false);
	if (v->hv) {
		hv_vp_set_online(v->hv, false);
		/* Anyone suspended waiting on this vCPU resumes and re-executes its flush. */
		hv_unsuspend_waiters_of(vm->hv, hv_vp_index(v->hv));
	}
	return 0;
}

static const char *const after_kvm_vcpu[] = { "kvm:vcpu", NULL };
static const char *const after_state[] = { "kvm:cpuid", "kvm:state", NULL };
static const char *const after_thread[] = { "vcpu:thread", NULL };
static const char *const before_online[] = { "vcpu:online", NULL };

static const struct {
	unsigned pos;
	struct cpuhp_step_desc d;
} vcpu_steps[] = {
	{ VCPU_STEP_KVM_VCPU,
	  { .name = "kvm:vcpu", .startup = step_kvm_vcpu_up, .teardown = step_kvm_vcpu_down } },
	{ VCPU_STEP_CPUID,
	  { .name = "kvm:cpuid", .startup = step_cpuid_up, .after = after_kvm_vcpu } },
	{ VCPU_STEP_STATE,
	  { .name = "kvm:state", .startup = step_state_up, .after = after_kvm_vcpu } },
	/* The VP index must exist before the vCPU can appear in any VP set. */
	{ VCPU_STEP_HV,
	  { .name = "hv:vp",
	    .startup = step_hv_up,
	    .teardown = step_hv_down,
	    .after = after_state,
	    .before = before_online } },
	{ VCPU_STEP_THREAD,
	  { .name = "vcpu:thread",
	    .startup = step_thread_up,
	    .teardown = step_thread_down,
	    .after = after_state } },
	{ VCPU_STEP_ONCPU,
	  { .name = "oncpu:perf",
	    .startup = step_oncpu_up,
	    .teardown = step_oncpu_down,
	    .after = after_thread,
	    .before = before_online } },
	{ VCPU_STEP_PLACE,
	  { .name = "host:place",
	    .startup = step_place_up,
	    .teardown = step_place_down,
	    .after = after_thread,
	    .before = before_online } },
	{ VCPU_STEP_APIC,
	  { .name = "apic:refresh", .startup = step_apic_up, .before = before_online } },
	{ VCPU_STEP_ONLINE,
	  { .name = "vcpu:online", .startup = step_online_up, .teardown = step_online_down } },
};

/* Every startup runs through this, under vm->lock: the boot timeline's per-step times. */
static int step_timed_up(unsigned slot, void *ctx)
{
	struct vcpu_step_clock *c = ctx;
	uint64_t t0 = now_ns();
	int r = c->startup(slot, c->vm);

	c->ns += now_ns() - t0;
	c->calls++;
	return r;
}

static int step_down(unsigned slot, void *ctx)
{
	struct vcpu_step_clock *c = ctx;

	return c->teardown(slot, c->vm);
}

static void hp_report(void *ctx, const struct cpuhp_violation *viol)
{
	(void)ctx;
	pr_err_ratelimited("vcpu%u: step %s %s failed (%d) where it may not fail", viol->cpu,
			   viol->name, viol->startup ? "startup" : "teardown", viol->err);
}

/* --- registration --------------------------------------------------------------------- */

int vm_vcpu_steps_register(struct vm *vm, char *err, size_t errlen)
{
	static const struct cpuhp_section section = { .first = 1, .last = CPUHP_MAX_STEPS };
	struct cpuhp_config cfg = { .cpus = vm->hp_cpus,
				    .nr_cpus = vm->cfg.max_vcpus,
				    .sections = &section,
				    .nr_sections = 1,
				    .report = hp_report };
	int r = cpuhp_init(vm->hp, &cfg);

	for (size_t i = 0; !r && i < sizeof(vcpu_steps) / sizeof(vcpu_steps[0]); i++) {
		struct cpuhp_step_desc d = vcpu_steps[i].d;
		struct vcpu_step_clock *c = &vm->step_clock[vcpu_steps[i].pos];

		c->vm = vm;
		c->name = d.name;
		c->startup = d.startup;
		c->teardown = d.teardown;
		d.startup = c->startup ? step_timed_up : NULL;
		d.teardown = c->teardown ? step_down : NULL;
		d.ctx = c;
		r = cpuhp_setup_step(vm->hp, vcpu_steps[i].pos, &d, CPUHP_NOCALLS, NULL);
	}
	if (r)
		snprintf(err, errlen, "registering the vCPU bring-up steps: error %d", r);
	return r;
}
