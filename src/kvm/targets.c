// SPDX-License-Identifier: MIT
/* Walking the vCPUs a flush or IPI targets. */
#include "kvm/vm_internal.h"

struct vcpu *vm_target_next(struct vm *vm, const struct hv_vpset *targets, int64_t *cursor)
{
	if (targets->all) {
		while (++*cursor < (int64_t)vm->cfg.max_vcpus) {
			struct vcpu *v = vm_slot_vcpu(vm, (unsigned)*cursor);

			if (v && vcpu_hv(v))
				return v;
		}
		return NULL;
	}
	/*
	 * A sparse set: only its VP indexes, so the cost follows the number of targets, not
	 * the number of vCPUs (a 2-target flush costs the same with 8 or 1024 vCPUs).
	 */
	for (;;) {
		struct vcpu *v;

		*cursor = hv_vpset_next(targets, (uint32_t)(*cursor + 1), vm->cfg.max_vcpus);
		if (*cursor < 0)
			return NULL;
		v = vm_vcpu_by_vp(vm, (uint32_t)*cursor);
		if (v)
			return v;
	}
}
