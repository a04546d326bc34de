// SPDX-License-Identifier: MIT
/*
 * The hypercall exit (docs/architecture.md §5): the guest called the hypercall page, whose
 * `out %al, $0xE6` exits here with the caller's registers in kvm_run (sync regs, no ioctl).
 * Only that `out` in the enabled page is a hypercall (vcpu_exit_is_hypercall); the port is
 * otherwise an unclaimed one, so code elsewhere never has its stack popped.
 * src/hv decodes and executes the call; this file moves registers and performs the page's
 * `ret` when it can, which saves one emulated instruction on every hypercall.
 */
#include <errno.h>
#include <string.h>

#include "kvm/pgwalk.h"
#include "kvm/vm_internal.h"
#include "util/log.h"
#include "util/time.h"
#include "x86/msr-index.h"
#include "x86/processor-flags.h"
#include "x86/trapnr.h"

#define SUSPEND_POLL_NS (10 * NSEC_PER_MSEC)

/*
 * Pops the return address the caller's `call` pushed, as the page's `ret` would. Only in
 * 64-bit mode with paging; anything unusual (RSP not 8-aligned, the slot straddling a page,
 * an untranslatable or non-canonical address) leaves the `ret` to the guest.
 */
static bool emulate_ret(struct vcpu *v)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	uint64_t gpa, ret;
	const uint64_t *p;

	if (!(s->cr0 & X86_CR0_PG) || (r->rsp & 7))
		return false;
	if (pgwalk_long_mode(&v->vm->ram, s->cr3, s->cr4, r->rsp, &gpa))
		return false;
	p = vm_gpa_ptr(v->vm, gpa, sizeof(*p));
	if (!p)
		return false;
	ret = __atomic_load_n(p, __ATOMIC_RELAXED);
	if ((uint64_t)((int64_t)(ret << 16) >> 16) != ret)
		return false; /* let the guest's own `ret` fault */
	r->rip = ret;
	r->rsp += 8;
	stat_inc(&v->stats.hcall_ret_emulated);
	return true;
}

/*
 * With the SynIC every event goes through the sync-regs area (an AutoEOI injection before
 * the same entry then sees the exception and waits: autoeoi.c); flags = 0 leaves the NMI,
 * SIPI and shadow state alone. Without it the events are not copied out on exits, so the
 * exception takes the ioctls.
 */
static void inject_ud(struct vcpu *v)
{
	struct kvm_vcpu_events *ev = &v->run->s.regs.events, io;

	if (!(v->run->kvm_valid_regs & KVM_SYNC_X86_EVENTS)) {
		ev = &io;
		if (kvm_ioctl(v->fd, KVM_GET_VCPU_EVENTS, ev))
			goto fail;
	}
	ev->exception.injected = 1;
	ev->exception.nr = X86_TRAP_UD;
	ev->exception.has_error_code = 0;
	ev->flags = 0;
	if (ev != &io) {
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
		return;
	}
	if (!kvm_ioctl(v->fd, KVM_SET_VCPU_EVENTS, ev))
		return;
fail:
	vm_stop(v->vm, VM_EXIT_HOST_ERROR, "vcpu%u: cannot inject #UD for a hypercall", v->slot);
}

/*
 * The caller is suspended (a flush targets a vCPU whose flushes are inhibited): do not
 * enter the guest, keep answering stop and work requests, and return when unsuspended.
 * Returns false when the VM or this vCPU is stopping.
 */
static bool wait_unsuspended(struct vcpu *v)
{
	struct hv_vp_suspend_info si;
	uint64_t t0 = now_ns();

	stat_inc(&v->stats.suspended_waits);
	hv_vp_suspend_info(v->hv, &si);
	vm_event(v->vm, CTL_EVENT_VCPU_SUSPENDED, CTL_EV_INT("slot", v->slot),
		 CTL_EV_INT("vp-index", hv_vp_index(v->hv)),
		 CTL_EV_INT("waiting-on", si.waiting_on), CTL_EV_BOOL("cycle", si.in_cycle));
	for (;;) {
		int r = hv_vp_wait_unsuspended(v->hv, SUSPEND_POLL_NS);

		if (r == 0) {
			vm_event(v->vm, CTL_EVENT_VCPU_RESUMED, CTL_EV_INT("slot", v->slot),
				 CTL_EV_INT("vp-index", hv_vp_index(v->hv)),
				 CTL_EV_INT("suspended-ns", now_ns() - t0));
			return true;
		}
		if (r == -ECANCELED || (atomic_load(&v->requests) & VCPU_REQ_STOP))
			return false;
		if (atomic_load(&v->requests) & VCPU_REQ_WORK) {
			atomic_fetch_and(&v->requests, ~(uint32_t)VCPU_REQ_WORK);
			vcpu_do_work(v);
		}
	}
}

bool vcpu_exit_is_hypercall(const struct vcpu *v)
{
	const struct kvm_run *run = v->run;
	const struct kvm_sregs *s = &run->s.regs.sregs;
	const struct pgwalk_regs pr = {
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer
	};
	uint64_t la = run->s.regs.regs.rip, gpa;

	if (run->io.port != HV_HYPERCALL_EXIT_PORT || run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.size != 1 || run->io.count != 1 || !v->vm->hv)
		return false;
	/* Outside 64-bit mode the linear address is CS.base + EIP, 32 bits wide. */
	if (!((s->efer & EFER_LMA) && s->cs.l))
		la = (s->cs.base + la) & 0xffffffffu;
	if (pgwalk_translate(&v->vm->ram, &pr, la, &gpa))
		return false;
	return hv_hypercall_exit_from_page(v->vm->hv, gpa);
}

void vcpu_handle_hypercall(struct vcpu *v)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	struct hv_cpu_mode mode = {
		.protected_mode = s->cr0 & X86_CR0_PE,
		.is_64bit = (s->efer & EFER_LMA) && s->cs.l,
		.cpl = s->ss.dpl,
	};
	struct hv_regs hr = {
		.rax = r->rax,
		.rbx = r->rbx,
		.rcx = r->rcx,
		.rdx = r->rdx,
		.rsi = r->rsi,
		.rdi = r->rdi,
		.r8 = r->r8,
	};
	enum hv_hcall_outcome out;

	stat_inc(&v->stats.exits_hypercall);
	if (!v->hv) {
		inject_ud(v);
		return;
	}
	/* A suspended call is re-executed from the start, re-reading its input, once resumed. */
	while ((out = hv_hypercall(v->hv, &mode, &hr)) == HV_HCALL_SUSPENDED) {
		if (!wait_unsuspended(v))
			return;
		hr.dirty = 0;
	}
	if (out == HV_HCALL_INJECT_UD) {
		inject_ud(v);
		return;
	}
	if (hr.dirty & HV_REG_DIRTY_RAX)
		r->rax = hr.rax;
	if (hr.dirty & HV_REG_DIRTY_RCX)
		r->rcx = hr.rcx;
	if (hr.dirty & HV_REG_DIRTY_RDX)
		r->rdx = hr.rdx;
	if (mode.is_64bit)
		emulate_ret(v);
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}
