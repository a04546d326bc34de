// SPDX-License-Identifier: MIT
/* The KVM side of struct hv_platform_ops: what src/hv asks of the machine. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "kvm/vm_internal.h"
#include "sandbox/sandbox.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/timersvc.h"

#define APIC_BUS_HZ 1000000000ull /* KVM's APIC timer runs at 1 GHz */

static struct vcpu *vp_vcpu(struct hv_vp *vp)
{
	return hv_vp_opaque(vp);
}

static void *op_gpa_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
	return vm_gpa_ptr(opaque, gpa, len);
}

static uint64_t op_guest_tsc(void *opaque)
{
	return vm_guest_tsc(opaque);
}

/* The CPU-time clock of a thread of this process, by TID (Linux's MAKE_THREAD_CPUCLOCK). */
static clockid_t thread_cpu_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned)tid << 3) | 6u); /* CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD */
}

static uint64_t op_vp_runtime_ns(void *opaque, struct hv_vp *vp)
{
	pid_t tid = atomic_load(&vp_vcpu(vp)->tid);
	struct timespec ts;

	(void)opaque;
	if (tid <= 0 || clock_gettime(thread_cpu_clock(tid), &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int op_flush_tlb(void *opaque, struct hv_vp *caller, const struct hv_vpset *targets)
{
	return vm_flush_tlb(opaque, vp_vcpu(caller), targets);
}

static int op_send_ipi(void *opaque, struct hv_vp *caller, const struct hv_vpset *targets,
		       uint32_t vector)
{
	struct vm *vm = opaque;
	struct vcpu *self = vp_vcpu(caller);
	/*
	 * --exit-timing: the call's MSIs and each one, as parts of its exit, and apart the
	 * calls during which the sender's thread was switched out (docs/architecture.md §4.1).
	 */
	struct vcpu_exit_timing *et = self->exit_timing;
	uint64_t t0 = et ? exit_timing_now() : 0;
	uint64_t sw0 = et ? oncpu_switches(&self->oncpu) : 0;
	int64_t cursor = -1;
	struct vcpu *t;

	while ((t = vm_target_next(vm, targets, &cursor))) {
		uint64_t t1 = et ? exit_timing_now() : 0;

		if (atomic_load(&t->state) != VCPU_ONLINE)
			continue;
		/*
		 * One MSI per target VP: exactly one interrupt each, halted targets woken. A
		 * target whose APIC refuses it (disabled) is skipped, as KVM does; the MSI
		 * statistics count it.
		 */
		(void)vm_send_msi(vm, t->slot, (uint8_t)vector);
		vcpu_exit_part(et, VCPU_PART_IPI_MSI, t1);
	}
	vcpu_exit_part(et, VCPU_PART_IPI_SEND, t0);
	if (et && oncpu_switches(&self->oncpu) != sw0)
		vcpu_exit_part(et, VCPU_PART_IPI_SEND_SWITCHED, t0);
	return 0;
}

/* x2APIC registers through KVM_SET/GET_MSRS: only on the vCPU's own thread (MSR exits). */
static int op_apic_write(void *opaque, struct hv_vp *vp, uint32_t msr, uint64_t value)
{
	(void)opaque;
	return kvm_vcpu_set_msr(vp_vcpu(vp)->fd, msr, value) ? -EOPNOTSUPP : 0;
}

static int op_apic_read(void *opaque, struct hv_vp *vp, uint32_t msr, uint64_t *value)
{
	(void)opaque;
	return kvm_vcpu_get_msr(vp_vcpu(vp)->fd, msr, value) ? -EOPNOTSUPP : 0;
}

/*
 * The VP assist page's apic_assist bit 0 is KVM's PV-EOI protocol (same bit, same offset),
 * so hvemu enables KVM's PV EOI on the page, as KVM's own Hyper-V code does.
 */
static int op_vp_assist_page(void *opaque, struct hv_vp *vp, uint64_t gpa, bool enable)
{
	(void)opaque;
	return kvm_vcpu_set_msr(vp_vcpu(vp)->fd, MSR_KVM_PV_EOI_EN,
				enable ? gpa | KVM_MSR_ENABLED : 0)
		   ? -EOPNOTSUPP
		   : 0;
}

static void op_system_event(void *opaque, struct hv_vp *vp, enum hv_system_event ev,
			    const uint64_t params[5])
{
	struct vm *vm = opaque;
	unsigned slot = vp_vcpu(vp)->slot;

	if (ev == HV_EVENT_RESET) {
		vm_stop(vm, VM_EXIT_RESET, "vcpu%u: guest requested a reset (HV_X64_MSR_RESET)",
			slot);
		return;
	}
	vm_event(vm, CTL_EVENT_GUEST_CRASHED, CTL_EV_INT("slot", slot), CTL_EV_HEX("p0", params[0]),
		 CTL_EV_HEX("p1", params[1]), CTL_EV_HEX("p2", params[2]),
		 CTL_EV_HEX("p3", params[3]), CTL_EV_HEX("p4", params[4]));
	vm_stop(vm, VM_EXIT_GUEST_CRASH,
		"vcpu%u: guest crash reported (HV_X64_MSR_CRASH_CTL): P0=0x%llx P1=0x%llx "
		"P2=0x%llx P3=0x%llx P4=0x%llx",
		slot, (unsigned long long)params[0], (unsigned long long)params[1],
		(unsigned long long)params[2], (unsigned long long)params[3],
		(unsigned long long)params[4]);
}

static void op_yield(void *opaque, struct hv_vp *vp)
{
	(void)opaque;
	(void)vp;
	sched_yield();
}

static int op_get_xmm(void *opaque, struct hv_vp *vp, uint64_t xmm[12])
{
	struct kvm_fpu fpu;
	int r;

	(void)opaque;
	r = kvm_ioctl(vp_vcpu(vp)->fd, KVM_GET_FPU, &fpu);
	if (r)
		return r;
	for (int i = 0; i < 6; i++)
		memcpy(&xmm[2 * i], fpu.xmm[i], 16);
	return 0;
}

/*
 * A SINT or a direct-mode timer: a fixed MSI to the VP's own APIC (APIC ID = slot), or,
 * for an AutoEOI SINT, an injection past the APIC (autoeoi.c).
 */
static int op_raise_irq(void *opaque, struct hv_vp *vp, uint32_t vector, bool auto_eoi)
{
	struct vcpu *v = vp_vcpu(vp);

	/* The fault point sends AutoEOI vectors to the APIC: the tests' control. */
	if (auto_eoi && !fault_hit("synic.autoeoi"))
		return vcpu_aeoi_raise(v, (uint8_t)vector);
	return vm_send_msi(opaque, v->slot, (uint8_t)vector);
}

static const struct hv_platform_ops kvm_hv_ops = {
	.gpa_ptr = op_gpa_ptr,
	.guest_tsc = op_guest_tsc,
	.vp_runtime_ns = op_vp_runtime_ns,
	.flush_tlb = op_flush_tlb,
	.send_ipi = op_send_ipi,
	.apic_write = op_apic_write,
	.apic_read = op_apic_read,
	.vp_assist_page = op_vp_assist_page,
	.system_event = op_system_event,
	.yield = op_yield,
	.get_xmm = op_get_xmm,
	.raise_irq = op_raise_irq,
};

/* The timer thread's first step: its seccomp filter (docs/architecture.md §3.1). */
static void timers_thread_init(void)
{
	sandbox_enter(SANDBOX_TIMERS);
}

int vm_hv_create(struct vm *vm, char *err, size_t errlen)
{
	struct hv_partition_params p = {
		.features = vm->cfg.hv,
		.max_vps = vm->cfg.max_vcpus,
		.tsc_hz = vm->tsc_khz * 1000ull,
		.apic_hz = APIC_BUS_HZ,
		.ops = &kvm_hv_ops,
		.opaque = vm,
	};
	int r;

	if (!vm->cfg.hv.mask)
		return 0;
	if (!vm->tsc_khz) {
		snprintf(err, errlen,
			 "Hyper-V enlightenments need the TSC frequency, which KVM "
			 "did not report");
		return -ENOTSUP;
	}
	/* The reference TSC page's scale (10^7 << 64) / tsc_hz must fit in 64 bits. */
	if (hv_has(&vm->cfg.hv, HV_FEAT_TIME) && p.tsc_hz <= HV_CLOCK_HZ) {
		snprintf(err, errlen,
			 "the host TSC runs at %llu kHz: too slow for the Hyper-V reference "
			 "time (it needs more than %u kHz)",
			 (unsigned long long)vm->tsc_khz, (unsigned)(HV_CLOCK_HZ / 1000));
		return -ENOTSUP;
	}
	if (hv_has(&vm->cfg.hv, HV_FEAT_SYNIC)) {
		/* Synthetic timers of every VP and the SynIC retries run on one thread. */
		struct tsvc_params tp = {
			.capacity = 6 * vm->cfg.max_vcpus,
			.name = "timers",
			.thread_init = timers_thread_init,
		};

		r = tsvc_create(&tp, &vm->timers);
		if (r) {
			snprintf(err, errlen, "starting the timer thread: %s", strerror(-r));
			return r;
		}
		p.timers = vm->timers;
	}
	r = hv_partition_create(&p, &vm->hv);
	if (r)
		snprintf(err, errlen, "creating the Hyper-V partition: %s", strerror(-r));
	return r;
}

void vm_timers_stop(struct vm *vm)
{
	if (vm->timers)
		tsvc_stop(vm->timers);
}

void vm_hv_destroy(struct vm *vm)
{
	vm_timers_stop(vm);
	if (vm->hv)
		hv_partition_destroy(vm->hv);
	vm->hv = NULL;
	tsvc_destroy(vm->timers);
	vm->timers = NULL;
}
