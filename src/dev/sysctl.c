// SPDX-License-Identifier: MIT
#include "dev/sysctl.h"

#include "util/log.h"

static void debug_exit_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size,
			  bool is_write, uint32_t *data)
{
	struct sysctl_dev *d = opaque;

	(void)port;
	(void)size;
	if (is_write)
		d->fn(d->opaque, vcpu, SYSCTL_DEBUG_EXIT, *data);
	else
		*data = 0;
}

static void sleep_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		     uint32_t *data)
{
	struct sysctl_dev *d = opaque;
	uint32_t typ;

	(void)port;
	(void)size;
	if (!is_write) {
		*data = 0; /* SLEEP_STATUS: WAK_STS clear */
		return;
	}
	typ = (*data >> SYSCTL_SLP_TYP_SHIFT) & 7;
	if (!(*data & SYSCTL_SLP_EN))
		return;
	if (typ == SYSCTL_SLP_TYP_S5)
		d->fn(d->opaque, vcpu, SYSCTL_POWEROFF, *data);
	else
		pr_info_ratelimited(
		    "guest requested sleep state SLP_TYP %u: not supported, ignored", typ);
}

static void reset_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		     uint32_t *data)
{
	struct sysctl_dev *d = opaque;
	uint8_t v = (uint8_t)*data;

	(void)size;
	if (!is_write) {
		*data = 0; /* 0xCF9 reads 0; KBC status: input and output buffers empty */
		return;
	}
	if ((port == SYSCTL_RESET_PORT && (v == 0x06 || v == 0x0e)) ||
	    (port == SYSCTL_KBC_PORT && v == 0xfe))
		d->fn(d->opaque, vcpu, SYSCTL_RESET, v);
}

int sysctl_attach(struct sysctl_dev *d, struct pio_bus *bus, sysctl_event_fn fn, void *opaque)
{
	int r;

	d->fn = fn;
	d->opaque = opaque;
	r = pio_register(bus, SYSCTL_DEBUG_EXIT_PORT, 1, "debug-exit", debug_exit_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_SLEEP_PORT, 1, "acpi-sleep", sleep_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_RESET_PORT, 1, "reset", reset_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_KBC_PORT, 1, "kbc", reset_io, d);
	return r;
}
