// SPDX-License-Identifier: MIT
/*
 * The CPU hotplug controller (src/dev/hpctl.c) against a reference model: guest accesses
 * of every width to every port of the block (and the bytes around it) through the port
 * bus, from vCPU indexes inside and outside the slot table, interleaved with the host's
 * own calls (raise an event, set a slot present). Every read is compared with the model,
 * and so is every callback: EJECT reaches the VMM exactly when the guest writes bit 3 with
 * a valid slot selected, naming that slot; an event notifies exactly when NOTIFY holds a
 * vector, with NOTIFY's APIC ID and vector. Any difference aborts.
 *
 * Input: a header byte (number of slots, 1-64), then 8-byte records until the input ends:
 *   op & 3 = 0 guest write, 1 guest read: vcpu index, port offset from 0x51C (0-31),
 *              size (1, 2 or 4 from the low bits), 32-bit value
 *   op & 3 = 2 host raise: slot, event bits (insert, remove, others that must be ignored)
 *   op & 3 = 3 host set present: slot, on
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/hpctl.h"

#define MAX_SLOTS 64
#define PORT_LOW  (HPCTL_PORT_BASE - 4)

struct model {
	unsigned nslots;
	uint32_t status[MAX_SLOTS];
	uint32_t select[MAX_SLOTS];
	uint32_t notify;
	/* what the next callback must be; -1 = none expected */
	int64_t want_eject;
	int64_t want_notify;
	unsigned ejects, notifies;
};

static struct model m;

static unsigned f_vcpu_index(void *opaque, struct vcpu *vcpu)
{
	(void)opaque;
	return (unsigned)((uintptr_t)vcpu - 1);
}

static void f_eject(void *opaque, uint32_t slot)
{
	(void)opaque;
	if (m.want_eject != (int64_t)slot)
		abort();
	m.want_eject = -1;
	m.ejects++;
}

static void f_notify(void *opaque, uint32_t apic_id, uint8_t vector)
{
	(void)opaque;
	if (m.want_notify != (int64_t)((uint64_t)apic_id << 8 | vector))
		abort();
	m.want_notify = -1;
	m.notifies++;
}

static const struct hpctl_ops ops = {
	.vcpu_index = f_vcpu_index,
	.eject = f_eject,
	.notify = f_notify,
};

static uint32_t model_pending(void)
{
	for (unsigned s = 0; s < m.nslots; s++)
		if (m.status[s] & (HPCTL_ST_INSERT | HPCTL_ST_REMOVE))
			return s;
	return HPCTL_NO_PENDING;
}

/* The value a read of size bytes at port must give, per the register map. */
static uint32_t model_read(unsigned idx, uint16_t port, unsigned size)
{
	uint32_t slot = m.select[idx], v;

	switch (port) {
	case HPCTL_PORT_SELECT:
		v = slot;
		break;
	case HPCTL_PORT_STATUS:
		v = slot < m.nslots ? m.status[slot] : 0;
		break;
	case HPCTL_PORT_APICID:
		v = slot < m.nslots ? slot : 0xffffffff;
		break;
	case HPCTL_PORT_NOTIFY:
		v = m.notify;
		break;
	case HPCTL_PORT_PENDING:
		v = model_pending();
		break;
	default:
		v = 0xffffffff; /* the unused bytes of the block, and unclaimed ports */
		break;
	}
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void model_write(unsigned idx, uint16_t port, uint32_t v)
{
	uint32_t slot = m.select[idx];

	switch (port) {
	case HPCTL_PORT_SELECT:
		m.select[idx] = v;
		break;
	case HPCTL_PORT_STATUS:
		if (slot >= m.nslots)
			break;
		m.status[slot] &= ~(v & (HPCTL_ST_INSERT | HPCTL_ST_REMOVE));
		if (v & HPCTL_ST_EJECT)
			m.want_eject = slot;
		break;
	case HPCTL_PORT_NOTIFY:
		m.notify = v;
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpctl h;
	struct pio_bus bus;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.nslots = 1 + data[0] % MAX_SLOTS;
	m.want_eject = m.want_notify = -1;
	memset(&bus, 0, sizeof(bus));
	if (hpctl_init(&h, m.nslots, &ops, NULL) || hpctl_attach(&h, &bus))
		abort();
	for (size_t off = 1; off + 8 <= size; off += 8) {
		const uint8_t *r = data + off;
		uint32_t v;

		memcpy(&v, r + 4, sizeof(v));
		switch (r[0] & 3) {
		case 0:
		case 1: {
			/* vCPU indexes up to 2 * MAX_SLOTS: the ones beyond the table are ignored
			 */
			unsigned idx = r[1] % (2 * MAX_SLOTS);
			uint16_t port = (uint16_t)(PORT_LOW + r[2] % 32);
			unsigned sz = (r[3] & 3) == 3 ? 4 : 1u << (r[3] & 3);
			uint8_t buf[4];
			bool is_write = !(r[0] & 1);
			bool known = idx < m.nslots;
			bool claimed =
			    port >= HPCTL_PORT_BASE && port < HPCTL_PORT_BASE + HPCTL_PORT_LEN;
			uint32_t got = 0;

			memcpy(buf, &v, sizeof(buf));
			if (is_write) {
				uint32_t wv = sz == 4 ? v : v & ((1u << (8 * sz)) - 1);

				if (known && claimed)
					model_write(idx, port, wv);
				pio_dispatch(&bus, (struct vcpu *)(uintptr_t)(idx + 1), port, sz,
					     true, 1, buf);
				if (m.want_eject != -1) /* the EJECT callback did not come */
					abort();
				break;
			}
			pio_dispatch(&bus, (struct vcpu *)(uintptr_t)(idx + 1), port, sz, false, 1,
				     buf);
			memcpy(&got, buf, sz);
			/* An unknown vCPU reads what the bus had (nothing written): skip it. */
			if (known || !claimed) {
				uint32_t want =
				    claimed ? model_read(idx, port, sz) : model_read(0, 0, sz);

				if (got != want)
					abort();
			}
			break;
		}
		case 2: {
			uint32_t slot = r[1] % (MAX_SLOTS + 8);

			if (slot < m.nslots) {
				m.status[slot] |= v & (HPCTL_ST_INSERT | HPCTL_ST_REMOVE);
				if (m.notify & 0xff)
					m.want_notify = m.notify;
			}
			hpctl_raise(&h, slot, v);
			if (m.want_notify != -1)
				abort();
			break;
		}
		case 3: {
			uint32_t slot = r[1] % (MAX_SLOTS + 8);

			if (slot < m.nslots) {
				if (r[2] & 1)
					m.status[slot] |= HPCTL_ST_PRESENT;
				else
					m.status[slot] &= ~HPCTL_ST_PRESENT;
			}
			hpctl_set_present(&h, slot, r[2] & 1);
			break;
		}
		}
		for (unsigned s = 0; s < m.nslots; s++)
			if (hpctl_status(&h, s) != m.status[s] || (m.status[s] & ~7u))
				abort();
	}
	if (stat_get(&h.ejects) != m.ejects)
		abort();
	hpctl_destroy(&h);
	return 0;
}
