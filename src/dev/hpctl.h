/* SPDX-License-Identifier: MIT */
/*
 * The CPU hotplug controller (docs/architecture.md §7.3), at ports 0x520-0x533.
 *
 * Why a device and not ACPI: an ACPI notification needs an AML interpreter in the guest
 * (GPE + _EVT + _EJ0 methods). This register block is QEMU's ACPI CPU hotplug interface
 * without the AML: a guest reads slot status through SELECT/STATUS and is told of events
 * by a fixed MSI whose destination and vector it chooses (NOTIFY), so a small guest
 * runtime — or an AML wrapper, later — can use it. The register block, shared with the
 * guest runtime: include/hvemu/hpctl.h.
 */
#ifndef HVEMU_DEV_HPCTL_H
#define HVEMU_DEV_HPCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/pio.h"
#include "hvemu/hpctl.h"

struct hpctl_ops {
	unsigned (*vcpu_index)(void *opaque, struct vcpu *vcpu);
	/* The guest ejected the slot (it has taken the CPU offline): complete the removal. */
	void (*eject)(void *opaque, uint32_t slot);
	/* Send a fixed, edge MSI to apic_id with vector. */
	void (*notify)(void *opaque, uint32_t apic_id, uint8_t vector);
};

struct hpctl {
	const struct hpctl_ops *ops;
	void *opaque;
	unsigned nslots;
	_Atomic uint32_t *status; /* [nslots] HPCTL_ST_* */
	uint32_t *select;	  /* [nslots], indexed by the accessing vCPU */
	_Atomic uint32_t notify;
	_Atomic uint64_t events_raised;
	_Atomic uint64_t ejects;
};

int hpctl_init(struct hpctl *h, unsigned nslots, const struct hpctl_ops *ops, void *opaque);
int hpctl_attach(struct hpctl *h, struct pio_bus *bus);
void hpctl_destroy(struct hpctl *h);
void hpctl_set_present(struct hpctl *h, uint32_t slot, bool present);
/* Flags an insert (HPCTL_ST_INSERT) or remove (HPCTL_ST_REMOVE) event and notifies the guest. */
void hpctl_raise(struct hpctl *h, uint32_t slot, uint32_t event);
uint32_t hpctl_status(struct hpctl *h, uint32_t slot);

#endif
