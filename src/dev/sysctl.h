/* SPDX-License-Identifier: MIT */
/*
 * The ports through which a guest ends or resets the machine (include/hvemu/sysctl.h):
 * isa-debug-exit, the ACPI sleep control and PM1 control registers, reset control and the
 * keyboard controller's reset command. The device does not stop the VM itself: it calls
 * the owner's stop hook, which records the first status and makes every vCPU leave.
 */
#ifndef HVEMU_DEV_SYSCTL_H
#define HVEMU_DEV_SYSCTL_H

#include "dev/pio.h"
#include "hvemu/sysctl.h"

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
	_Atomic uint64_t sleep_unsupported; /* sleep requests other than S5 (ignored) */
};

int sysctl_attach(struct sysctl_dev *d, struct pio_bus *bus, sysctl_event_fn fn, void *opaque);

#endif
