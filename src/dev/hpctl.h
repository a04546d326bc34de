/* SPDX-License-Identifier: MIT */
/*
 * The CPU hotplug controller (docs/architecture.md §7.3), at ports 0x520-0x533.
 *
 * Why a device and not ACPI: an ACPI notification needs an AML interpreter in the guest
 * (GPE + _EVT + _EJ0 methods). This register block is QEMU's ACPI CPU hotplug interface
 * without the AML: a guest reads slot status through SELECT/STATUS and is told of events
 * by a fixed MSI whose destination and vector it chooses (NOTIFY), so a small guest
 * runtime — or an AML wrapper, later — can use it.
 *
 *   0x520 SELECT  R/W  slot the other registers refer to (per vCPU)
 *   0x524 STATUS  R    bit 0 present, bit 1 insert event, bit 2 remove event
 *                 W    bit 1 ack insert, bit 2 ack remove, bit 3 EJECT (guest is done with it)
 *   0x528 APICID  R    APIC ID of the selected slot
 *   0x52C NOTIFY  R/W  apic_id << 8 | vector of the event MSI; 0 = no interrupt
 *   0x530 PENDING R    lowest slot with an event pending, or 0xFFFFFFFF
 */
#ifndef HVEMU_DEV_HPCTL_H
#define HVEMU_DEV_HPCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/pio.h"

#define HPCTL_PORT_BASE	   0x520
#define HPCTL_PORT_SELECT  0x520
#define HPCTL_PORT_STATUS  0x524
#define HPCTL_PORT_APICID  0x528
#define HPCTL_PORT_NOTIFY  0x52c
#define HPCTL_PORT_PENDING 0x530
#define HPCTL_PORT_LEN	   0x14

#define HPCTL_ST_PRESENT (1u << 0)
#define HPCTL_ST_INSERT	 (1u << 1)
#define HPCTL_ST_REMOVE	 (1u << 2)
#define HPCTL_ST_EJECT	 (1u << 3)
#define HPCTL_NO_PENDING 0xffffffffu

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
