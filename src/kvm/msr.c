// SPDX-License-Identifier: MIT
/*
 * MSR exits. The synthetic Hyper-V MSRs (0x40000000-0x400001FF) reach user space through
 * an MSR filter that denies the range (KVM_CAP_X86_MSR_FILTER): that works whether or not
 * the host KVM has its own Hyper-V code. KVM's paravirtual MSRs are denied to the guest as
 * well: hvemu programs steal time and PV EOI from the host for its own use, and a guest
 * must not move them. MSRs KVM does not know exit too (KVM_MSR_EXIT_REASON_UNKNOWN) so
 * they are counted and logged (rate-limited) before the guest gets its #GP.
 */
#include <errno.h>
#include <string.h>

#include "kvm/vm_internal.h"
#include "util/bgcall.h"
#include "util/fault.h"
#include "util/log.h"

#define HV_MSR_FIRST HV_X64_MSR_SYNTHETIC_FIRST
#define HV_MSR_COUNT (HV_X64_MSR_SYNTHETIC_LAST - HV_X64_MSR_SYNTHETIC_FIRST + 1)
/* KVM's paravirtual MSRs (<asm/kvm_para.h>) that hvemu programs itself. */
#define KVM_PV_MSR_FIRST      MSR_KVM_WALL_CLOCK_NEW
#define KVM_PV_MSR_COUNT      (MSR_KVM_ASYNC_PF_ACK - MSR_KVM_WALL_CLOCK_NEW + 1)
#define MSR_FILTER_TIMEOUT_NS (5 * NSEC_PER_SEC)

/*
 * KVM_X86_SET_MSR_FILTER waits for an SRCU grace period (kvm_vm_ioctl_set_msr_filter):
 * 13-15 ms here, with no CPU used. It runs on its own thread (util/bgcall.h) while the VM
 * is built, and vm_msr_filter_wait takes its result before any vCPU runs. A vCPU created
 * meanwhile is covered: the ranges denied here are always intercepted, and each access is
 * checked against the filter installed at that moment (kvm_msr_allowed).
 */
static intptr_t set_filter(intptr_t vm_fd)
{
	static uint8_t deny_hv[HV_MSR_COUNT / 8];
	static uint8_t deny_kvm_pv[(KVM_PV_MSR_COUNT + 7) / 8];
	struct kvm_msr_filter filter;
	int r = fault_hit("vm.msr_filter");

	if (r)
		return r;
	memset(&filter, 0, sizeof(filter));
	filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	filter.ranges[0] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = HV_MSR_COUNT,
		.base = HV_MSR_FIRST,
		.bitmap = deny_hv,
	};
	filter.ranges[1] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = KVM_PV_MSR_COUNT,
		.base = KVM_PV_MSR_FIRST,
		.bitmap = deny_kvm_pv,
	};
	return kvm_ioctl((int)vm_fd, KVM_X86_SET_MSR_FILTER, &filter);
}

int vm_msr_setup(struct vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_FILTER },
	};
	int r = kvm_ioctl(vm->fd, KVM_ENABLE_CAP, &cap);

	return r ? r : bgcall_start(&vm->msr_filter, set_filter, vm->fd, NULL);
}

int vm_msr_filter_wait(struct vm *vm)
{
	intptr_t res;
	int r = bgcall_wait(&vm->msr_filter, MSR_FILTER_TIMEOUT_NS, &res);

	if (r == -ENOENT)
		return 0; /* taken already (or never started: vm_msr_setup failed and said so) */
	return r ? r : (int)res;
}

void vcpu_handle_msr(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	bool write = run->exit_reason == KVM_EXIT_X86_WRMSR;
	uint32_t index = run->msr.index;
	enum hv_msr_result res = HV_MSR_UNKNOWN;
	uint64_t value = 0;

	if (v->hv && hv_msr_is_synthetic(index)) {
		if (write)
			res = hv_msr_write(v->hv, index, run->msr.data);
		else
			res = hv_msr_read(v->hv, index, &value);
	}
	switch (res) {
	case HV_MSR_OK:
		run->msr.error = 0;
		if (!write)
			run->msr.data = value;
		return;
	case HV_MSR_GP:
		run->msr.error = 1;
		return;
	case HV_MSR_UNKNOWN:
		break;
	}
	run->msr.error = 1;
	stat_inc(&v->stats.msr_unknown);
	if (index >= KVM_PV_MSR_FIRST && index < KVM_PV_MSR_FIRST + KVM_PV_MSR_COUNT)
		pr_warn_ratelimited("vcpu%u: %s of KVM paravirtual MSR 0x%x: #GP (hvemu exposes no "
				    "KVM PV interface)",
				    v->slot, write ? "wrmsr" : "rdmsr", index);
	else
		pr_warn_ratelimited("vcpu%u: %s of unknown MSR 0x%x (RIP 0x%llx): #GP", v->slot,
				    write ? "wrmsr" : "rdmsr", index,
				    (unsigned long long)run->s.regs.regs.rip);
}
