// SPDX-License-Identifier: MIT
/*
 * The vCPU bring-up steps on lib/cpuhp (docs/architecture.md §7.2): each startup and
 * teardown, their order constraints, and the machine's registration per VM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cpuhp/cpuhp.h"
#include "kvm/cpuid.h"
#include "kvm/kvm_stats.h"
#include "kvm/vm_internal.h"
#include "util/fault.h"
#include "util/futex.h"
#include "util/log.h"
#include "util/time.h"
#include "x86/msr-index.h"

#define THREAD_START_TIMEOUT_NS (2 * NSEC_PER_SEC)
#define THREAD_STOP_TIMEOUT_NS	(5 * NSEC_PER_SEC)
#define VCPU_THREAD_STACK	(256u << 10)

/* --- the steps --------------------------------------------------------------------------- */

static int step_kvm_vcpu_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	void *run;
	int fd, r;

	r = fault_hit("vcpu.kvm_vcpu");
	if (r)
		return r;
	if (v)
		return 0; /* a parked KVM vCPU: reuse it */
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
		pr_err("vcpu%u: mapping kvm_run failed: %s; the slot is lost", slot, strerror(-r));
		close(fd);
		free(v);
		return r;
	}
	v->vm = vm;
	v->slot = slot;
	v->fd = fd;
	/* Now or never: later, vCPU ioctls would wait for KVM_RUN to return. */
	v->stats_fd = kvm_stats_open(fd);
	v->run = run;
	v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	oncpu_init_none(&v->oncpu);
	pthread_mutex_init(&v->work_lock, NULL);
	atomic_store(&v->state, VCPU_ABSENT);
	atomic_store(&vm->slots[slot], v);
	return 0;
}

static int step_cpuid_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	struct kvm_cpuid2 *c;
	int r;

	r = fault_hit("vcpu.cpuid");
	if (r)
		return r;
	/*
	 * A parked vCPU that is reused keeps the CPUID it was given: KVM refuses
	 * KVM_SET_CPUID2 on a vCPU that has run guest code, and the template never changes.
	 */
	if (v->cpuid_set)
		return 0;
	c = cpuid_for_vcpu(vm->cpuid, slot);
	if (!c)
		return -ENOMEM;
	r = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (!r)
		v->cpuid_set = true;
	return r;
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
	if (slot != 0) {
		/* An application processor waits for INIT/SIPI, also when re-added. */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };

		r = kvm_ioctl(v->fd, KVM_SET_MP_STATE, &mp);
	}
	return r;
}

static int step_hv_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	struct hv_vp *hv;
	int r;

	r = fault_hit("vcpu.hv");
	if (r)
		return r;
	/* Assigned once per slot, in creation order, before the vCPU is in any VP set. */
	if (vm->slot_vp_index[slot] == UINT32_MAX)
		vm->slot_vp_index[slot] = vm->next_vp_index++;
	if (!vm->hv)
		return 0;
	r = hv_vp_create(vm->hv, vm->slot_vp_index[slot], v, &hv);
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

int vcpu_join_thread(struct vcpu *v, uint64_t timeout_ns)
{
	struct timespec ts;
	int r;

	if (!v->thread_alive)
		return 0;
	vcpu_request(v, VCPU_REQ_STOP);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(timeout_ns / NSEC_PER_SEC);
	ts.tv_nsec += (long)(timeout_ns % NSEC_PER_SEC);
	if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
		ts.tv_sec++;
		ts.tv_nsec -= (long)NSEC_PER_SEC;
	}
	r = pthread_timedjoin_np(v->thread, NULL, &ts);
	if (r) {
		pr_err("vcpu%u: thread did not stop within %llu ms", v->slot,
		       (unsigned long long)(timeout_ns / NSEC_PER_MSEC));
		return -r;
	}
	v->thread_alive = false;
	atomic_store(&v->tid, 0);
	return 0;
}

static int step_thread_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	pthread_attr_t attr;
	int r;

	r = fault_hit("vcpu.thread");
	if (r)
		return r;
	atomic_store(&v->requests, 0);
	atomic_store(&v->started, 0);
	atomic_store(&v->state, VCPU_STARTING);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_THREAD_STACK);
	r = -pthread_create(&v->thread, &attr, vcpu_thread_main, v);
	pthread_attr_destroy(&attr);
	if (r) {
		atomic_store(&v->state, VCPU_ABSENT);
		return r;
	}
	v->thread_alive = true;
	/* The next steps need the thread id; the thread waits at its gate after reporting it. */
	if (futex_wait_change(&v->started, 0, now_ns() + THREAD_START_TIMEOUT_NS)) {
		pr_err("vcpu%u: thread did not start", slot);
		vcpu_join_thread(v, THREAD_STOP_TIMEOUT_NS);
		atomic_store(&v->state, VCPU_ABSENT);
		return -ETIMEDOUT;
	}
	return 0;
}

static int step_thread_down(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	int r = vcpu_join_thread(v, THREAD_STOP_TIMEOUT_NS);

	if (!r)
		atomic_store(&v->state, VCPU_ABSENT);
	return r;
}

static int step_oncpu_up(unsigned slot, void *ctx)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm_slot_vcpu(vm, slot);
	int r;

	r = fault_hit("vcpu.oncpu");
	if (r)
		return r;
	r = oncpu_open(&v->oncpu, (pid_t)atomic_load(&v->tid));
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
	int r;

	r = fault_hit("vcpu.place");
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
	if (!r)
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
	futex_wake(&v->state, 1);
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
	{ VCPU_STEP_KVM_VCPU, { .name = "kvm:vcpu", .startup = step_kvm_vcpu_up } },
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

static void hp_report(void *ctx, const struct cpuhp_violation *viol)
{
	(void)ctx;
	pr_err("vcpu%u: step %s %s failed (%d) where it may not fail", viol->cpu, viol->name,
	       viol->startup ? "startup" : "teardown", viol->err);
}

/* --- slots ------------------------------------------------------------------------------- */

int vm_slots_init(struct vm *vm, char *err, size_t errlen)
{
	static const struct cpuhp_section section = { .first = 1, .last = CPUHP_MAX_STEPS };
	unsigned n = vm->cfg.max_vcpus;
	struct cpuhp_config cfg;
	int r;

	vm->slots = calloc(n, sizeof(*vm->slots));
	vm->slot_vp_index = malloc(n * sizeof(*vm->slot_vp_index));
	vm->hp = calloc(1, sizeof(*vm->hp));
	vm->hp_cpus = calloc(n, sizeof(*vm->hp_cpus));
	if (!vm->slots || !vm->slot_vp_index || !vm->hp || !vm->hp_cpus) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		vm->slot_vp_index[i] = UINT32_MAX;
	cfg = (struct cpuhp_config){ .cpus = vm->hp_cpus,
				     .nr_cpus = n,
				     .sections = &section,
				     .nr_sections = 1,
				     .report = hp_report };
	r = cpuhp_init(vm->hp, &cfg);
	for (size_t i = 0; !r && i < sizeof(vcpu_steps) / sizeof(vcpu_steps[0]); i++) {
		struct cpuhp_step_desc d = vcpu_steps[i].d;

		d.ctx = vm;
		r = cpuhp_setup_step(vm->hp, vcpu_steps[i].pos, &d, CPUHP_NOCALLS, NULL);
	}
	if (r) {
		snprintf(err, errlen, "registering the vCPU bring-up steps: error %d", r);
		return r;
	}
	return 0;
}

void vm_slots_destroy(struct vm *vm)
{
	free(vm->hp);
	free(vm->hp_cpus);
	free(vm->slot_vp_index);
	free((void *)vm->slots);
	vm->hp = NULL;
	vm->hp_cpus = NULL;
	vm->slot_vp_index = NULL;
	vm->slots = NULL;
}
