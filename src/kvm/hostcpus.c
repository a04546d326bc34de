// SPDX-License-Identifier: MIT
/*
 * The VM's registration with the host CPU manager (src/host): which host CPUs its vCPU
 * threads may run on, and the events when that changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "host/host.h"
#include "kvm/cpuid.h"
#include "kvm/vm_internal.h"
#include "util/cpulist.h"
#include "util/log.h"

static void host_event(void *opaque, const struct host_cpu_event *ev)
{
	struct vm *vm = opaque;

	switch (ev->type) {
	case HOST_CPU_EV_OFFLINE:
		pr_info("host CPU %d went offline; vCPU threads re-placed", ev->cpu);
		vm_event(vm, CTL_EVENT_HOST_CPU_OFFLINE, CTL_EV_INT("cpu", ev->cpu));
		break;
	case HOST_CPU_EV_ONLINE:
		pr_info("host CPU %d came online; checking it", ev->cpu);
		vm_event(vm, CTL_EVENT_HOST_CPU_ONLINE, CTL_EV_INT("cpu", ev->cpu),
			 CTL_EV_BOOL("admitted", false));
		break;
	case HOST_CPU_EV_ADMITTED:
		pr_info("host CPU %d admitted: vCPU threads may run there", ev->cpu);
		vm_event(vm, CTL_EVENT_HOST_CPU_ONLINE, CTL_EV_INT("cpu", ev->cpu),
			 CTL_EV_BOOL("admitted", true));
		break;
	case HOST_CPU_EV_REJECTED:
		pr_warn("host CPU %d rejected: %s; no vCPU runs there", ev->cpu, ev->reason);
		vm_event(vm, CTL_EVENT_HOST_CPU_REJECTED, CTL_EV_INT("cpu", ev->cpu),
			 CTL_EV_STR("reason", ev->reason));
		break;
	case HOST_CPU_EV_EXCLUDED:
		pr_info("host CPU %d is online but outside --host-cpus", ev->cpu);
		break;
	case HOST_CPU_EV_FALLBACK:
		pr_err("no admitted host CPU left: vCPU threads run on every online CPU (%s)",
		       ev->reason);
		break;
	case HOST_CPU_EV_FALLBACK_END:
		pr_info("admitted host CPUs are back: the fallback is over");
		break;
	}
}

/* XCR0 bits the VM's XSAVE state may use: CPUID.0xD.0 EDX:EAX as the VM sees it. */
static uint64_t vm_xcr0(struct vm *vm)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(vm->cpuid, 0xd, 0);

	return e ? ((uint64_t)e->edx << 32) | e->eax : 0;
}

int vm_host_register(struct vm *vm, char *err, size_t errlen)
{
	struct host_cpuid_leaf *leaves;
	struct host_vm_params p;
	cpu_set_t mask;
	int r;

	memset(&p, 0, sizeof(p));
	if (vm->cfg.host_cpus) {
		size_t off = 0;

		r = cpulist_parse(vm->cfg.host_cpus, &mask, &off);
		if (r || CPU_COUNT(&mask) == 0) {
			snprintf(err, errlen, "--host-cpus '%s': %s", vm->cfg.host_cpus,
				 r ? "bad CPU list" : "empty CPU list");
			return -EINVAL;
		}
		p.user_mask = &mask;
	}
	leaves = calloc(vm->cpuid->nent, sizeof(*leaves));
	if (!leaves) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < vm->cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];

		leaves[i] = (struct host_cpuid_leaf){ .function = e->function,
						      .index = e->index,
						      .eax = e->eax,
						      .ebx = e->ebx,
						      .ecx = e->ecx,
						      .edx = e->edx };
	}
	p.name = vm->cfg.name ? vm->cfg.name : "vm";
	p.cpuid = leaves;
	p.nr_cpuid = vm->cpuid->nent;
	p.xcr0 = vm_xcr0(vm);
	p.tsc_khz = (uint32_t)vm->tsc_khz;
	p.event_fn = host_event;
	p.opaque = vm;
	r = host_vm_register(&p, &vm->host);
	free(leaves);
	if (r)
		snprintf(err, errlen, "registering with the host CPU manager: %s", strerror(-r));
	return r;
}

void vm_host_unregister(struct vm *vm)
{
	host_vm_unregister(vm->host);
	vm->host = NULL;
}

int vm_host_thread_add(struct vm *vm, struct vcpu *v)
{
	if (!vm->host)
		return 0;
	return host_vcpu_thread_add(vm->host, v->slot, (pid_t)atomic_load(&v->tid));
}

void vm_host_thread_remove(struct vm *vm, struct vcpu *v)
{
	if (vm->host)
		host_vcpu_thread_remove(vm->host, v->slot);
}
