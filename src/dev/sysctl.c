// SPDX-License-Identifier: MIT
#include "dev/sysctl.h"

#include "util/log.h"
#include "util/stats.h"

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

/* A sleep request in either register's encoding: only S5 (power off) is supported. */
static void sleep_request(struct sysctl_dev *d, struct vcpu *vcpu, bool en, uint32_t typ,
			  uint32_t raw)
{
	if (!en)
		return;
	if (typ == SYSCTL_SLP_TYP_S5) {
		d->fn(d->opaque, vcpu, SYSCTL_POWEROFF, raw);
		return;
	}
	stat_inc(&d->sleep_unsupported);
	pr_info_ratelimited("guest requested sleep state SLP_TYP %u: not supported, ignored", typ);
}

static void sleep_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		     uint32_t *data)
{
	(void)port;
	(void)size;
	if (!is_write) {
		*data = 0; /* SLEEP_STATUS: WAK_STS clear */
		return;
	}
	sleep_request(opaque, vcpu, *data & SYSCTL_SLP_EN, (*data >> SYSCTL_SLP_TYP_SHIFT) & 7,
		      *data);
}

static void pm1_cnt_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		       uint32_t *data)
{
	uint32_t v = *data;

	if (!is_write) {
		/* ACPI mode is always on (there is no SMI_CMD to switch it). */
		*data = port == SYSCTL_PM1A_CNT_PORT ? SYSCTL_PM1_SCI_EN : 0;
		return;
	}
	if (port != SYSCTL_PM1A_CNT_PORT || size == 1)
		return; /* the high byte alone carries SLP_EN: honour only 16/32-bit writes */
	sleep_request(opaque, vcpu, v & SYSCTL_PM1_SLP_EN, (v >> SYSCTL_PM1_SLP_TYP_SHIFT) & 7, v);
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
	if ((port == SYSCTL_RESET_PORT &&
	     (v == SYSCTL_RESET_VALUE || v == SYSCTL_RESET_VALUE_FULL)) ||
	    (port == SYSCTL_KBC_PORT && v == SYSCTL_KBC_RESET))
		d->fn(d->opaque, vcpu, SYSCTL_RESET, v);
}

int sysctl_attach(struct sysctl_dev *d, struct pio_bus *bus, sysctl_event_fn fn, void *opaque)
{
	int r;

	d->fn = fn;
	d->opaque = opaque;
	atomic_store(&d->sleep_unsupported, 0);
	r = pio_register(bus, SYSCTL_DEBUG_EXIT_PORT, 1, "debug-exit", debug_exit_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_SLEEP_PORT, 1, "acpi-sleep", sleep_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_PM1A_CNT_PORT, 2, "acpi-pm1a-cnt", pm1_cnt_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_RESET_PORT, 1, "reset", reset_io, d);
	if (!r)
		r = pio_register(bus, SYSCTL_KBC_PORT, 1, "kbc", reset_io, d);
	return r;
}
