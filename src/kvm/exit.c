// SPDX-License-Identifier: MIT
/* KVM exit dispatch for one vCPU, on its own thread. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvm/vm_internal.h"
#include "util/log.h"

static const char *exit_reason_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_UNKNOWN:
		return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION:
		return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_IO:
		return "KVM_EXIT_IO";
	case KVM_EXIT_HYPERCALL:
		return "KVM_EXIT_HYPERCALL";
	case KVM_EXIT_DEBUG:
		return "KVM_EXIT_DEBUG";
	case KVM_EXIT_HLT:
		return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO:
		return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN:
		return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:
		return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:
		return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT:
		return "KVM_EXIT_SYSTEM_EVENT";
	default:
		return "unknown";
	}
}

static const char *internal_suberror_name(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "event delivery failed";
	default:
		return "internal error";
	}
}

static void report_internal_error(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char bytes[64] = "";
	size_t n = 0;

	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		unsigned len = run->emulation_failure.insn_size;

		if (len > sizeof(run->emulation_failure.insn_bytes))
			len = sizeof(run->emulation_failure.insn_bytes);
		n += (size_t)snprintf(bytes, sizeof(bytes), ", instruction bytes");
		for (unsigned i = 0; i < len && n + 4 < sizeof(bytes); i++)
			n += (size_t)snprintf(bytes + n, sizeof(bytes) - n, " %02x",
					      run->emulation_failure.insn_bytes[i]);
	}
	char what[256];

	snprintf(what, sizeof(what), "vcpu%u: %s (suberror %u: %s) at RIP 0x%llx%s%s", v->slot,
		 exit_reason_name(run->exit_reason), run->internal.suberror,
		 internal_suberror_name(run->internal.suberror),
		 (unsigned long long)run->s.regs.regs.rip, bytes,
		 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
		     ? " (this KVM emulates CPL0 guest code and lacks some instructions)"
		     : "");
	if (v->vm->cfg.internal_error == VM_INTERNAL_ERROR_EXIT) {
		vm_stop(v->vm, VM_EXIT_INTERNAL_ERROR, "%s", what);
		return;
	}
	/* Once per vCPU: the vCPU never runs again, so this cannot repeat. */
	pr_err("%s; vcpu%u stopped, the VM stays up (--internal-error pause)", what, v->slot);
	atomic_store(&v->stopped_on_error, true);
	vm_event(v->vm, CTL_EVENT_VCPU_INTERNAL_ERROR, CTL_EV_INT("slot", v->slot),
		 CTL_EV_HEX("rip", run->s.regs.regs.rip), CTL_EV_STR("reason", what));
}

static void handle_system_event(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_stop(v->vm, VM_EXIT_POWEROFF, "vcpu%u: guest shut down", v->slot);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_stop(v->vm, VM_EXIT_RESET, "vcpu%u: guest requested a reset", v->slot);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vm_stop(v->vm, VM_EXIT_GUEST_CRASH, "vcpu%u: guest crashed", v->slot);
		break;
	default:
		vm_stop(v->vm, VM_EXIT_INTERNAL_ERROR, "vcpu%u: unexpected system event %u",
			v->slot, run->system_event.type);
		break;
	}
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	stat_inc(&v->stats.exits_io);
	if (vcpu_exit_is_hypercall(v)) {
		vcpu_handle_hypercall(v);
		return;
	}
	pio_dispatch(&v->vm->pio, v, run->io.port, run->io.size, out, run->io.count,
		     (uint8_t *)run + run->io.data_offset);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	/* No MMIO device lives in user space: like an empty bus, reads give all ones. */
	stat_inc(&v->stats.exits_mmio);
	stat_inc(&v->stats.mmio_unclaimed);
	stat_inc(&v->vm->stats.mmio_unclaimed);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	pr_warn_ratelimited("vcpu%u: %s of %u bytes at unclaimed GPA 0x%llx (RIP 0x%llx)", v->slot,
			    run->mmio.is_write ? "write" : "read", run->mmio.len,
			    (unsigned long long)run->mmio.phys_addr,
			    (unsigned long long)run->s.regs.regs.rip);
}

void vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	stat_inc(&v->stats.exits);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		stat_inc(&v->stats.exits_msr);
		vcpu_handle_msr(v);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_SHUTDOWN:
		vm_stop(v->vm, VM_EXIT_TRIPLE_FAULT,
			"vcpu%u: guest triple fault (KVM_EXIT_SHUTDOWN) at RIP 0x%llx", v->slot,
			(unsigned long long)run->s.regs.regs.rip);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		report_internal_error(v);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vm_stop(v->vm, VM_EXIT_INTERNAL_ERROR,
			"vcpu%u: KVM_EXIT_FAIL_ENTRY (hardware entry failure reason 0x%llx) at RIP "
			"0x%llx",
			v->slot, (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			(unsigned long long)run->s.regs.regs.rip);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(v);
		break;
	default:
		vm_stop(v->vm, VM_EXIT_INTERNAL_ERROR,
			"vcpu%u: unexpected exit reason %u (%s) at RIP 0x%llx", v->slot,
			run->exit_reason, exit_reason_name(run->exit_reason),
			(unsigned long long)run->s.regs.regs.rip);
		break;
	}
}
