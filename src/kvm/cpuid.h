/* SPDX-License-Identifier: MIT */
/* The CPUID the vCPUs see. */
#ifndef HVEMU_KVM_CPUID_H
#define HVEMU_KVM_CPUID_H

#include <linux/kvm.h>
#include <stddef.h>

#include "cpu/model.h"
#include "hv/hv.h"

/*
 * Builds the VM's CPUID template from KVM's supported CPUID: no KVM paravirtual leaves
 * (0x40000000-0x4FFFFFFF are replaced by the Hyper-V leaves when features are enabled,
 * else left empty), x2APIC topology for max_vcpus. *out is malloc'd.
 */
int cpuid_build_template(const struct kvm_cpuid2 *supported, const struct hv_features *hv,
			 unsigned max_vcpus, struct kvm_cpuid2 **out, char *err, size_t errlen);
/*
 * Applies the --cpu model to the template (before any vCPU gets it). 0, or -ENOTSUP / -EINVAL
 * from cpu_model_apply with its message.
 */
int cpuid_apply_model(struct kvm_cpuid2 *tmpl, const struct cpu_model *m, char *err, size_t errlen);
/* A copy of the template with the APIC ID of `slot` filled in (leaves 1 and 0xB). */
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *tmpl, unsigned slot);
/* The entry for (function, index) or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index);

#endif
