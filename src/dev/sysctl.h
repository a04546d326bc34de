/* SPDX-License-Identifier: MIT */
/*
 * The ports through which a guest ends or resets the machine:
 *   0xF4   isa-debug-exit: writing v (any width) ends the VM with status (v << 1) | 1
 *   0x600  ACPI hardware-reduced sleep control: SLP_EN | SLP_TYP 5 powers off (status 0)
 *   0x604  ACPI PM1 control (16 bits): the same request in the PM1_CNT bit positions
 *   0xCF9  reset control (0x06 / 0x0E), 0x64 keyboard controller 0xFE: reset request
 * The device does not stop the VM itself: it calls the owner's stop hook, which records the
 * first status and makes every vCPU leave.
 */
#ifndef HVEMU_DEV_SYSCTL_H
#define HVEMU_DEV_SYSCTL_H

#include "dev/pio.h"

#define SYSCTL_DEBUG_EXIT_PORT 0xf4
#define SYSCTL_SLEEP_PORT      0x600
#define SYSCTL_PM1A_CNT_PORT   0x604
#define SYSCTL_RESET_PORT      0xcf9
#define SYSCTL_KBC_PORT	       0x64

#define SYSCTL_SLP_EN	     0x20
#define SYSCTL_SLP_TYP_S5    5
#define SYSCTL_SLP_TYP_SHIFT 2
/* PM1_CNT (ACPI 6.3 §4.8.3.2.1): SCI_EN bit 0, SLP_TYP bits 10-12, SLP_EN bit 13. */
#define SYSCTL_PM1_SCI_EN	 0x1
#define SYSCTL_PM1_SLP_EN	 0x2000
#define SYSCTL_PM1_SLP_TYP_SHIFT 10

enum sysctl_event {
	SYSCTL_DEBUG_EXIT, /* value = what the guest wrote */
	SYSCTL_POWEROFF,
	SYSCTL_RESET,
};

typedef void (*sysctl_event_fn)(void *opaque, struct vcpu *vcpu, enum sysctl_event ev,
				uint32_t value);

struct sysctl_dev {
	sysctl_event_fn fn;
	void *opaque;
};

int sysctl_attach(struct sysctl_dev *d, struct pio_bus *bus, sysctl_event_fn fn, void *opaque);

#endif
