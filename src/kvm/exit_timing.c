// SPDX-License-Identifier: MIT
/* Exit timing: the per-vCPU histograms of the time spent outside KVM_RUN (exit_timing.h). */
#include "kvm/exit_timing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvm/vm_internal.h"
#include "util/fault.h"
#include "util/log.h"

static const char *const kind_names[VCPU_EXIT_KINDS] = {
	[VCPU_EXIT_PIO] = "pio",   [VCPU_EXIT_HYPERCALL] = "hypercall", [VCPU_EXIT_MSR] = "msr",
	[VCPU_EXIT_MMIO] = "mmio", [VCPU_EXIT_INTR] = "intr",		[VCPU_EXIT_OTHER] = "other",
};

static const char *const part_names[VCPU_EXIT_PARTS] = {
	[VCPU_PART_IPI_SEND] = "ipi_send",
	[VCPU_PART_IPI_MSI] = "ipi_msi",
	[VCPU_PART_IPI_SEND_SWITCHED] = "ipi_send_switched",
};

const char *vcpu_exit_kind_name(enum vcpu_exit_kind k)
{
	return k < VCPU_EXIT_KINDS ? kind_names[k] : "unknown";
}

int vcpu_exit_timing_alloc(struct vcpu *v)
{
	int r = fault_hit("vcpu.exit_timing");

	if (r)
		return r;
	if (!v->exit_timing)
		v->exit_timing = calloc(1, sizeof(*v->exit_timing));
	return v->exit_timing ? 0 : -ENOMEM;
}

void vcpu_exit_timing_free(struct vcpu *v)
{
	free(v->exit_timing);
	v->exit_timing = NULL;
}

enum vcpu_exit_kind vcpu_exit_kind(const struct vcpu *v, int r)
{
	if (r < 0)
		return VCPU_EXIT_INTR;
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
		return vcpu_exit_is_hypercall(v) ? VCPU_EXIT_HYPERCALL : VCPU_EXIT_PIO;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		return VCPU_EXIT_MSR;
	case KVM_EXIT_MMIO:
		return VCPU_EXIT_MMIO;
	case KVM_EXIT_INTR:
		return VCPU_EXIT_INTR;
	default:
		return VCPU_EXIT_OTHER;
	}
}

void vcpu_exit_timing_visit(struct vcpu *v, stat_hist_fn fn, void *ctx)
{
	char name[32];

	if (!v->exit_timing)
		return;
	for (unsigned k = 0; k < VCPU_EXIT_KINDS; k++) {
		if (!hist_count(&v->exit_timing->ns[k]))
			continue;
		snprintf(name, sizeof(name), "exit_ns_%s", kind_names[k]);
		fn(ctx, name, STAT_UNIT_NSEC, &v->exit_timing->ns[k]);
	}
	for (unsigned p = 0; p < VCPU_EXIT_PARTS; p++) {
		if (!hist_count(&v->exit_timing->part[p]))
			continue;
		snprintf(name, sizeof(name), "%s_ns", part_names[p]);
		fn(ctx, name, STAT_UNIT_NSEC, &v->exit_timing->part[p]);
	}
}

void vcpu_exit_timing_merge(struct vcpu_exit_timing *sum, const struct vcpu *v)
{
	if (!v->exit_timing)
		return;
	for (unsigned k = 0; k < VCPU_EXIT_KINDS; k++)
		hist_merge(&sum->ns[k], &v->exit_timing->ns[k]);
	for (unsigned p = 0; p < VCPU_EXIT_PARTS; p++)
		hist_merge(&sum->part[p], &v->exit_timing->part[p]);
}

void vm_exit_timing_report(struct vm *vm)
{
	struct vcpu_exit_timing *sum;

	if (!vm->cfg.exit_timing)
		return;
	sum = calloc(1, sizeof(*sum));
	if (!sum)
		return;
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);

		if (v)
			vcpu_exit_timing_merge(sum, v);
	}
	for (unsigned k = 0; k < VCPU_EXIT_KINDS + VCPU_EXIT_PARTS; k++) {
		const struct hist *h =
		    k < VCPU_EXIT_KINDS ? &sum->ns[k] : &sum->part[k - VCPU_EXIT_KINDS];
		const char *name =
		    k < VCPU_EXIT_KINDS ? kind_names[k] : part_names[k - VCPU_EXIT_KINDS];
		uint64_t n = hist_count(h);

		if (n)
			pr_info(
			    "exit timing: %s n=%llu p50=%llu p90=%llu p99=%llu max=%llu mean=%llu "
			    "ns",
			    name, (unsigned long long)n, (unsigned long long)hist_percentile(h, 50),
			    (unsigned long long)hist_percentile(h, 90),
			    (unsigned long long)hist_percentile(h, 99),
			    (unsigned long long)stat_get(&h->max),
			    (unsigned long long)(stat_get(&h->sum) / n));
	}
	free(sum);
}
