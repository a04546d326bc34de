// SPDX-License-Identifier: MIT
#include "dev/hpctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/stats.h"

int hpctl_init(struct hpctl *h, unsigned nslots, const struct hpctl_ops *ops, void *opaque)
{
	memset(h, 0, sizeof(*h));
	h->ops = ops;
	h->opaque = opaque;
	h->nslots = nslots;
	h->status = calloc(nslots, sizeof(*h->status));
	h->select = calloc(nslots, sizeof(*h->select));
	if (!h->status || !h->select) {
		hpctl_destroy(h);
		return -ENOMEM;
	}
	return 0;
}

void hpctl_destroy(struct hpctl *h)
{
	free((void *)h->status);
	free(h->select);
	h->status = NULL;
	h->select = NULL;
}

void hpctl_set_present(struct hpctl *h, uint32_t slot, bool present)
{
	if (slot >= h->nslots)
		return;
	if (present)
		atomic_fetch_or(&h->status[slot], HPCTL_ST_PRESENT);
	else
		atomic_fetch_and(&h->status[slot], ~HPCTL_ST_PRESENT);
}

uint32_t hpctl_status(struct hpctl *h, uint32_t slot)
{
	return slot < h->nslots ? atomic_load(&h->status[slot]) : 0;
}

void hpctl_raise(struct hpctl *h, uint32_t slot, uint32_t event)
{
	uint32_t n;

	if (slot >= h->nslots)
		return;
	atomic_fetch_or(&h->status[slot], event & (HPCTL_ST_INSERT | HPCTL_ST_REMOVE));
	stat_inc(&h->events_raised);
	n = atomic_load(&h->notify);
	if (HPCTL_NOTIFY_VECTOR(n))
		h->ops->notify(h->opaque, HPCTL_NOTIFY_APIC_ID(n), (uint8_t)HPCTL_NOTIFY_VECTOR(n));
}

static uint32_t hpctl_pending(struct hpctl *h)
{
	for (uint32_t s = 0; s < h->nslots; s++)
		if (atomic_load(&h->status[s]) & (HPCTL_ST_INSERT | HPCTL_ST_REMOVE))
			return s;
	return HPCTL_NO_PENDING;
}

static void hpctl_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		     uint32_t *data)
{
	struct hpctl *h = opaque;
	unsigned idx = h->ops->vcpu_index(h->opaque, vcpu);
	uint32_t slot;

	(void)size;
	if (idx >= h->nslots)
		return;
	slot = h->select[idx];
	switch (port) {
	case HPCTL_PORT_SELECT:
		if (is_write)
			h->select[idx] = *data;
		else
			*data = slot;
		return;
	case HPCTL_PORT_STATUS:
		if (!is_write) {
			*data = slot < h->nslots ? atomic_load(&h->status[slot]) : 0;
			return;
		}
		if (slot >= h->nslots)
			return;
		atomic_fetch_and(&h->status[slot], ~(*data & (HPCTL_ST_INSERT | HPCTL_ST_REMOVE)));
		if (*data & HPCTL_ST_EJECT) {
			stat_inc(&h->ejects);
			h->ops->eject(h->opaque, slot);
		}
		return;
	case HPCTL_PORT_APICID:
		if (!is_write)
			*data = slot < h->nslots ? slot : 0xffffffff;
		return;
	case HPCTL_PORT_NOTIFY:
		if (is_write)
			atomic_store(&h->notify, *data);
		else
			*data = atomic_load(&h->notify);
		return;
	case HPCTL_PORT_PENDING:
		if (!is_write)
			*data = hpctl_pending(h);
		return;
	default:
		if (!is_write)
			*data = 0xffffffff;
		return;
	}
}

int hpctl_attach(struct hpctl *h, struct pio_bus *bus)
{
	return pio_register(bus, HPCTL_PORT_BASE, HPCTL_PORT_LEN, "cpu-hotplug", hpctl_io, h);
}
