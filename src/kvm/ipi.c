// SPDX-License-Identifier: MIT
/* Interrupt delivery from user space: fixed, edge MSIs through the in-kernel LAPICs. */
#include <errno.h>

#include "kvm/vm_internal.h"
#include "x86/apicdef.h"

int vm_send_msi(struct vm *vm, uint32_t apic_id, uint8_t vector)
{
	/*
	 * Physical destination mode, fixed delivery, edge. With KVM_X2APIC_API_USE_32BIT_IDS
	 * the destination's bits 31:8 go in address_hi bits 31:8, so APIC IDs above 255 work.
	 */
	struct kvm_msi msi = {
		.address_lo = MSI_ADDR_BASE_LO | MSI_ADDR_DEST_ID(apic_id),
		.address_hi = apic_id & 0xffffff00u,
		.data = vector,
	};
	int r = kvm_ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);

	if (r < 0) {
		stat_inc(&vm->stats.ipi_failures);
		return r;
	}
	stat_inc(&vm->stats.ipis_sent);
	/* KVM returns 0 when the interrupt was blocked (e.g. the target APIC is disabled). */
	return r > 0 ? 0 : -EAGAIN;
}
