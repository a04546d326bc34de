// SPDX-License-Identifier: MIT
#include "dev/testdev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/stats.h"

int testdev_init(struct testdev *d, unsigned max_vcpus, const struct testdev_ops *ops, void *opaque)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->opaque = opaque;
	d->max_vcpus = max_vcpus;
	d->regs = calloc(max_vcpus, sizeof(*d->regs));
	return d->regs ? 0 : -ENOMEM;
}

void testdev_destroy(struct testdev *d)
{
	free(d->regs);
	d->regs = NULL;
}

static int32_t testdev_run(struct testdev *d, struct vcpu *vcpu, uint32_t cmd, uint32_t arg)
{
	stat_inc(&d->commands);
	switch (cmd) {
	case TDEV_CMD_SET_INHIBIT:
		return d->ops->set_inhibit(d->opaque, arg >> 1, arg & 1);
	case TDEV_CMD_CPU_ADD:
		return d->ops->cpu_add(d->opaque, arg);
	case TDEV_CMD_CPU_REMOVE:
		return d->ops->cpu_remove(d->opaque, arg);
	case TDEV_CMD_QUERY_SUSPENDED:
		return (int32_t)d->ops->query_suspended(d->opaque, arg);
	case TDEV_CMD_NR_SLOTS:
		return (int32_t)d->ops->nr_slots(d->opaque);
	case TDEV_CMD_MARK:
		d->ops->mark(d->opaque, vcpu, arg);
		return 0;
	default:
		stat_inc(&d->unknown_commands);
		pr_warn_ratelimited("test device: unknown command %u", cmd);
		return -EINVAL;
	}
}

static void testdev_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		       uint32_t *data)
{
	struct testdev *d = opaque;
	unsigned idx = d->ops->vcpu_index(d->opaque, vcpu);
	struct testdev_regs *r;

	(void)size;
	if (idx >= d->max_vcpus)
		return;
	r = &d->regs[idx];
	switch (port) {
	case TDEV_PORT_ECHO:
		if (is_write)
			stat_inc(&d->echo_exits);
		else
			*data = 0;
		break;
	case TDEV_PORT_ARG:
		if (is_write)
			r->arg = *data;
		else
			*data = r->arg;
		break;
	case TDEV_PORT_CMD:
		if (is_write)
			r->result = testdev_run(d, vcpu, *data, r->arg);
		else
			*data = (uint32_t)r->result;
		break;
	default: /* the unused bytes of each 4-byte register */
		if (!is_write)
			*data = 0xffffffff;
		break;
	}
}

int testdev_attach(struct testdev *d, struct pio_bus *bus)
{
	return pio_register(bus, TDEV_PORT_BASE, TDEV_PORT_LEN, "testdev", testdev_io, d);
}
