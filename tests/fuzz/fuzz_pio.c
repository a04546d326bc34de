// SPDX-License-Identifier: MIT
/*
 * The port bus with every port device hvemu puts on it (COM1, isa-debug-exit and the ACPI
 * sleep/reset ports, the test device, fw_cfg, the CPU hotplug controller), driven the way a guest
 * can: any port near a device and any 16-bit port, widths 1/2/4, string I/O of up to four
 * elements, from vCPU indexes inside and outside the per-vCPU tables. A model predicts
 * what every read returns and which VMM callback every write causes; the controller's own
 * model is fuzz_hpctl.c, here it only has to survive its neighbours.
 *
 * Input: 8-byte records: op (bit 0 write, bits 1-2 element count - 1, bits 3-4 width),
 * vcpu index, port selector (2 bytes), 32-bit value.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/fw_cfg.h"
#include "dev/hpctl.h"
#include "dev/sysctl.h"
#include "dev/testdev.h"
#include "dev/uart.h"

#define NVCPU 8

static const uint16_t bases[] = {
	SYSCTL_DEBUG_EXIT_PORT,
	SYSCTL_SLEEP_PORT,
	SYSCTL_PM1A_CNT_PORT,
	SYSCTL_RESET_PORT,
	SYSCTL_KBC_PORT,
	UART_COM1_BASE,
	TDEV_PORT_ECHO,
	HPCTL_PORT_BASE,
	FW_CFG_PORT_SEL,
	0xe6,
	0x80,
};

static struct {
	/* uart */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint64_t uart_bytes;
	/* test device, per vCPU */
	uint32_t arg[NVCPU];
	int32_t result[NVCPU];
	/* the callback the current write must cause; calls counts what came */
	int want_sys;
	uint32_t want_sys_value;
	int want_tdev; /* a TDEV_CMD_*, or 0 */
	uint32_t want_tdev_arg;
	unsigned calls;
	/* fw_cfg: the items as the device was built (copied), the selected one, the offset */
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned nitems;
	int cur;
	uint32_t offset;
} m;

/* One byte of fw_cfg's data register: the selected item's next byte, 0 past its end. */
static uint8_t fw_cfg_model_byte(void)
{
	if (m.cur < 0 || m.offset >= m.items[m.cur].size)
		return 0;
	return m.items[m.cur].data[m.offset++];
}

static void fw_cfg_model_select(uint16_t key)
{
	m.cur = -1;
	m.offset = 0;
	for (unsigned i = 0; !(key & FW_CFG_WRITE_CHANNEL) && i < m.nitems; i++)
		if (m.items[i].key == key)
			m.cur = (int)i;
}

static unsigned f_index(void *opaque, struct vcpu *vcpu)
{
	(void)opaque;
	return (unsigned)((uintptr_t)vcpu - 1);
}

static void f_sys(void *opaque, struct vcpu *vcpu, enum sysctl_event ev, uint32_t value)
{
	(void)opaque;
	(void)vcpu;
	if (m.want_sys != (int)ev || m.want_sys_value != value)
		abort();
	m.want_sys = -1;
	m.calls++;
}

/* Every test-device op checks that it is the one the model expects, then answers. */
static int32_t tdev_call(int cmd, uint32_t arg)
{
	if (m.want_tdev != cmd || m.want_tdev_arg != arg)
		abort();
	m.want_tdev = 0;
	m.calls++;
	return (int32_t)(arg * 7u) - 3; /* any value, negative ones included */
}

static int f_inhibit(void *o, uint32_t vp, bool on)
{
	(void)o;
	return tdev_call(TDEV_CMD_SET_INHIBIT, vp << 1 | on);
}
static int f_add(void *o, uint32_t slot)
{
	(void)o;
	return tdev_call(TDEV_CMD_CPU_ADD, slot);
}
static int f_remove(void *o, uint32_t slot)
{
	(void)o;
	return tdev_call(TDEV_CMD_CPU_REMOVE, slot);
}
static int64_t f_query(void *o, uint32_t vp)
{
	(void)o;
	return tdev_call(TDEV_CMD_QUERY_SUSPENDED, vp);
}
static uint32_t f_slots(void *o)
{
	(void)o;
	return (uint32_t)tdev_call(TDEV_CMD_NR_SLOTS, m.want_tdev_arg);
}
static void f_mark(void *o, struct vcpu *v, uint32_t id)
{
	(void)o;
	(void)v;
	tdev_call(TDEV_CMD_MARK, id);
}

static const struct testdev_ops tdev_ops = {
	.vcpu_index = f_index,
	.set_inhibit = f_inhibit,
	.cpu_add = f_add,
	.cpu_remove = f_remove,
	.query_suspended = f_query,
	.nr_slots = f_slots,
	.mark = f_mark,
};

static void f_eject(void *opaque, uint32_t slot)
{
	(void)opaque;
	if (slot >= NVCPU)
		abort();
}

static void f_notify(void *opaque, uint32_t apic_id, uint8_t vector)
{
	(void)opaque;
	(void)apic_id;
	(void)vector;
}

static const struct hpctl_ops hp_ops = {
	.vcpu_index = f_index,
	.eject = f_eject,
	.notify = f_notify,
};

static bool in(uint16_t port, uint16_t base, unsigned len)
{
	return port >= base && port < base + len;
}

/* A read of the full 32-bit register value; NULL-device ports read all ones. */
static uint32_t model_read(unsigned idx, uint16_t port, unsigned size)
{
	bool dlab = m.lcr & 0x80;

	if (port == FW_CFG_PORT_SEL)
		return 0;
	if (port == FW_CFG_PORT_DATA) {
		uint32_t v = 0;

		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)fw_cfg_model_byte() << (8 * i);
		return v;
	}
	if (in(port, UART_COM1_BASE, 8)) {
		static const uint32_t fixed[8] = { [2] = 1, [5] = 0x60 };

		switch (port - UART_COM1_BASE) {
		case 0:
			return dlab ? m.dll : 0;
		case 1:
			return dlab ? m.dlm : m.ier;
		case 3:
			return m.lcr;
		case 4:
			return m.mcr;
		case 6:
			return (m.mcr & 0x10) ? (uint32_t)((m.mcr & 0x0f) << 4) : 0xb0;
		case 7:
			return m.scr;
		default:
			return fixed[port - UART_COM1_BASE];
		}
	}
	if (port == SYSCTL_PM1A_CNT_PORT)
		return SYSCTL_PM1_SCI_EN;
	if (port == SYSCTL_DEBUG_EXIT_PORT || port == SYSCTL_SLEEP_PORT ||
	    port == SYSCTL_PM1A_CNT_PORT + 1 || port == SYSCTL_RESET_PORT ||
	    port == SYSCTL_KBC_PORT)
		return 0;
	if (in(port, TDEV_PORT_ECHO, 12)) {
		if (idx >= NVCPU)
			return 0; /* an unknown vCPU: the device leaves the bus's zero */
		if (port == TDEV_PORT_ECHO)
			return 0;
		if (port == TDEV_PORT_ARG)
			return m.arg[idx];
		if (port == TDEV_PORT_CMD)
			return (uint32_t)m.result[idx];
	}
	return 0xffffffff;
}

static void sleep_model(bool en, uint32_t typ, uint32_t raw)
{
	if (en && typ == SYSCTL_SLP_TYP_S5) {
		m.want_sys = SYSCTL_POWEROFF;
		m.want_sys_value = raw;
	}
}

static void model_write(unsigned idx, uint16_t port, unsigned size, uint32_t v)
{
	uint8_t b = (uint8_t)v;
	bool dlab = m.lcr & 0x80;

	if (in(port, UART_COM1_BASE, 8)) {
		switch (port - UART_COM1_BASE) {
		case 0:
			if (dlab)
				m.dll = b;
			else
				m.uart_bytes++;
			break;
		case 1:
			if (dlab)
				m.dlm = b;
			else
				m.ier = b & 0x0f;
			break;
		case 3:
			m.lcr = b;
			break;
		case 4:
			m.mcr = b & 0x1f;
			break;
		case 7:
			m.scr = b;
			break;
		}
	} else if (port == SYSCTL_DEBUG_EXIT_PORT) {
		m.want_sys = SYSCTL_DEBUG_EXIT;
		m.want_sys_value = v;
	} else if (port == SYSCTL_SLEEP_PORT) {
		sleep_model(v & SYSCTL_SLP_EN, (v >> SYSCTL_SLP_TYP_SHIFT) & 7, v);
	} else if (port == SYSCTL_PM1A_CNT_PORT && size > 1) {
		sleep_model(v & SYSCTL_PM1_SLP_EN, (v >> SYSCTL_PM1_SLP_TYP_SHIFT) & 7, v);
	} else if ((port == SYSCTL_RESET_PORT && (b == 6 || b == 0xe)) ||
		   (port == SYSCTL_KBC_PORT && b == 0xfe)) {
		m.want_sys = SYSCTL_RESET;
		m.want_sys_value = b;
	} else if (port == FW_CFG_PORT_SEL) {
		fw_cfg_model_select((uint16_t)v);
	} else if (in(port, TDEV_PORT_ECHO, 12) && idx < NVCPU) {
		if (port == TDEV_PORT_ARG) {
			m.arg[idx] = v;
		} else if (port == TDEV_PORT_CMD) {
			bool known = v >= TDEV_CMD_SET_INHIBIT && v <= TDEV_CMD_MARK;

			m.want_tdev = known ? (int)v : 0;
			m.want_tdev_arg = m.arg[idx];
			if (!known)
				m.result[idx] = -EINVAL;
			else if (v == TDEV_CMD_MARK)
				m.result[idx] = 0;
			else
				m.result[idx] = (int32_t)(m.arg[idx] * 7u) - 3;
		}
	}
}

static uint16_t pick_port(const uint8_t *sel)
{
	uint16_t raw = (uint16_t)(sel[0] | sel[1] << 8);

	if (sel[0] & 0x80)
		return raw; /* anywhere */
	return (uint16_t)(bases[sel[1] % (sizeof(bases) / sizeof(bases[0]))] + (sel[0] & 0x1f) - 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pio_bus bus;
	struct uart u;
	struct sysctl_dev sys;
	struct testdev td;
	struct hpctl hp;
	struct fw_cfg fw;

	memset(&m, 0, sizeof(m));
	m.want_sys = -1;
	memset(&bus, 0, sizeof(bus));
	if (uart_init(&u, UART_SINK_NONE, NULL) || testdev_init(&td, NVCPU, &tdev_ops, NULL) ||
	    hpctl_init(&hp, NVCPU, &hp_ops, NULL) || fw_cfg_init(&fw, 128u << 20, 2, NVCPU) ||
	    fw_cfg_add_file(&fw, "etc/fuzz", "hvemu", 5) || uart_attach(&u, &bus) ||
	    sysctl_attach(&sys, &bus, f_sys, NULL) || testdev_attach(&td, &bus) ||
	    hpctl_attach(&hp, &bus) || fw_cfg_attach(&fw, &bus))
		abort();
	/* The model serves the items the device was built with (after the file was added). */
	m.nitems = fw.n;
	memcpy(m.items, fw.items, sizeof(m.items));
	m.cur = -1;
	for (size_t off = 0; off + 8 <= size; off += 8) {
		const uint8_t *r = data + off;
		bool is_write = r[0] & 1;
		unsigned count = 1 + ((r[0] >> 1) & 3);
		unsigned width = (r[0] >> 3) & 3, sz = width == 3 ? 4 : 1u << width;
		unsigned idx = r[1] % (2 * NVCPU);
		uint16_t port = pick_port(r + 2);
		uint8_t buf[16];
		uint32_t v, mask = sz == 4 ? 0xffffffff : (1u << (8 * sz)) - 1;
		struct vcpu *vcpu = (struct vcpu *)(uintptr_t)(idx + 1);

		memcpy(&v, r + 4, sizeof(v));
		for (unsigned i = 0; i < count; i++) /* each element a different value */
			for (unsigned k = 0; k < sz; k++)
				buf[i * sz + k] = (uint8_t)((v >> (8 * k)) + i);
		for (unsigned i = 0; i < count; i++) {
			uint32_t ev = 0, got = 0, want;

			memcpy(&ev, buf + i * sz, sz);
			if (is_write) {
				unsigned calls = m.calls;
				bool expect;

				model_write(idx, port, sz, ev);
				expect = m.want_sys != -1 || m.want_tdev != 0;
				pio_dispatch(&bus, vcpu, port, sz, true, 1, buf + i * sz);
				/* the callback came, exactly once, and only when expected */
				if (m.want_sys != -1 || m.want_tdev != 0 ||
				    m.calls != calls + (expect ? 1 : 0))
					abort();
				continue;
			}
			want = model_read(idx, port, sz) & mask;
			pio_dispatch(&bus, vcpu, port, sz, false, 1, buf + i * sz);
			memcpy(&got, buf + i * sz, sz);
			/* The hotplug controller has its own model (fuzz_hpctl). */
			if (!in(port, HPCTL_PORT_BASE, HPCTL_PORT_LEN) && got != want)
				abort();
		}
		if (stat_get(&u.bytes_out) != m.uart_bytes)
			abort();
	}
	hpctl_destroy(&hp);
	testdev_destroy(&td);
	uart_destroy(&u);
	fw_cfg_destroy(&fw);
	return 0;
}
