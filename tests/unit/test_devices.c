// SPDX-License-Identifier: MIT
/* The port bus and the platform devices, driven as KVM_EXIT_IO would drive them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/hpctl.h"
#include "dev/pio.h"
#include "dev/sysctl.h"
#include "dev/testdev.h"
#include "dev/uart.h"
#include "harness.h"

/* Fake vCPU handles: never dereferenced, only mapped to an index by the ops. */
#define FAKE_VCPU(i) ((struct vcpu *)(uintptr_t)((i) + 1))
static unsigned fake_index(void *opaque, struct vcpu *v)
{
	(void)opaque;
	return (unsigned)((uintptr_t)v - 1);
}

static uint32_t io_read(struct pio_bus *b, unsigned vcpu, uint16_t port, unsigned size)
{
	uint8_t buf[4] = { 0 };
	uint32_t v = 0;

	pio_dispatch(b, FAKE_VCPU(vcpu), port, size, false, 1, buf);
	memcpy(&v, buf, size);
	return v;
}

static void io_write(struct pio_bus *b, unsigned vcpu, uint16_t port, unsigned size, uint32_t v)
{
	pio_dispatch(b, FAKE_VCPU(vcpu), port, size, true, 1, (uint8_t *)&v);
}

static void nop_io(void *o, struct vcpu *v, uint16_t port, unsigned size, bool w, uint32_t *d)
{
	(void)o;
	(void)v;
	(void)port;
	(void)size;
	if (!w)
		*d = 0x1234;
}

static void test_bus_claims_and_unclaimed(void)
{
	struct pio_bus b;
	uint8_t str[6] = { 0 };

	memset(&b, 0, sizeof(b));
	CHECK_EQ(pio_register(&b, 0x100, 8, "a", nop_io, NULL), 0);
	CHECK_EQ(pio_register(&b, 0x104, 2, "overlap", nop_io, NULL), -EEXIST);
	CHECK_EQ(pio_register(&b, 0xfff0, 0x20, "wrap", nop_io, NULL), -EINVAL);
	CHECK_EQ(pio_register(&b, 0x108, 1, "adjacent", nop_io, NULL), 0);
	CHECK_EQ(io_read(&b, 0, 0x107, 2), 0x1234);
	/* Unclaimed: reads are all ones (PC bus), writes ignored, both counted. */
	CHECK_EQ(io_read(&b, 0, 0x80, 1), 0xff);
	CHECK_EQ(io_read(&b, 0, 0x80, 4), 0xffffffff);
	io_write(&b, 0, 0x80, 1, 5);
	CHECK_EQ(stat_get(&b.stats.pio_unclaimed_reads), 2);
	CHECK_EQ(stat_get(&b.stats.pio_unclaimed_writes), 1);
	/* String I/O: count accesses in one exit. */
	pio_dispatch(&b, FAKE_VCPU(0), 0x200, 2, false, 3, str);
	CHECK_EQ(stat_get(&b.stats.pio_unclaimed_reads), 5);
	CHECK(str[0] == 0xff && str[5] == 0xff);
}

static void test_uart(void)
{
	struct pio_bus b;
	struct uart u;
	char path[] = "/tmp/hvemu-uart-XXXXXX", buf[128] = "";
	const char *msg = "abc\n";
	FILE *f;
	int fd = mkstemp(path);

	memset(&b, 0, sizeof(b));
	CHECK(fd >= 0);
	CHECK_EQ(uart_init(&u, UART_SINK_FILE, path), 0);
	CHECK_EQ(uart_attach(&u, &b), 0);
	/* The transmitter is always empty, so polling guests never wait. */
	CHECK_EQ(io_read(&b, 0, 0x3fd, 1) & 0x60, 0x60);
	CHECK_EQ(io_read(&b, 0, 0x3fa, 1), 0x01); /* IIR: no interrupt pending */
	io_write(&b, 0, 0x3ff, 1, 0x5a);
	CHECK_EQ(io_read(&b, 0, 0x3ff, 1), 0x5a); /* scratch */
	io_write(&b, 0, 0x3fb, 1, 0x83);	  /* DLAB + 8N1 */
	io_write(&b, 0, 0x3f8, 1, 0x01);	  /* divisor low, not output */
	io_write(&b, 0, 0x3f9, 1, 0x00);
	CHECK_EQ(io_read(&b, 0, 0x3f8, 1), 0x01);
	io_write(&b, 0, 0x3fb, 1, 0x03);
	for (const char *p = msg; *p; p++)
		io_write(&b, 1, 0x3f8, 1, (uint8_t)*p);
	io_write(&b, 0, 0x3f8, 1, 'x'); /* partial line: flushed at destroy */
	uart_destroy(&u);
	f = fdopen(fd, "r");
	CHECK(f && fread(buf, 1, sizeof(buf) - 1, f) == 5);
	CHECK_STR(buf, "abc\nx");
	if (f)
		fclose(f);
	unlink(path);
	CHECK_EQ(uart_init(&u, UART_SINK_FILE, "/nonexistent-dir/x"), -ENOENT);
}

struct sys_rec {
	int n;
	enum sysctl_event ev;
	uint32_t value;
};

static void sys_event(void *opaque, struct vcpu *v, enum sysctl_event ev, uint32_t value)
{
	struct sys_rec *r = opaque;

	(void)v;
	r->n++;
	r->ev = ev;
	r->value = value;
}

static void test_sysctl(void)
{
	struct sysctl_dev d;
	struct sys_rec rec = { 0 };
	struct pio_bus b;

	memset(&b, 0, sizeof(b));
	CHECK_EQ(sysctl_attach(&d, &b, sys_event, &rec), 0);
	io_write(&b, 0, 0xf4, 4, 0x12345);
	CHECK(rec.n == 1 && rec.ev == SYSCTL_DEBUG_EXIT && rec.value == 0x12345);
	io_write(&b, 0, 0x600, 1, (3 << 2) | 0x20); /* S3: not supported, ignored */
	io_write(&b, 0, 0x600, 1, 5 << 2);	    /* SLP_EN clear: nothing */
	CHECK_EQ(rec.n, 1);
	io_write(&b, 0, 0x600, 1, (5 << 2) | 0x20);
	CHECK(rec.n == 2 && rec.ev == SYSCTL_POWEROFF);
	/* PM1a_CNT (0x604, 16 bits): SLP_TYP bits 10-12, SLP_EN bit 13; SCI_EN reads 1. */
	CHECK_EQ(io_read(&b, 0, 0x604, 2), 1);
	io_write(&b, 0, 0x604, 2, (3 << 10) | 0x2000); /* S3: ignored */
	io_write(&b, 0, 0x604, 2, 5 << 10);	       /* SLP_EN clear */
	io_write(&b, 0, 0x605, 1, 0x20 | (5 << 2));    /* high byte alone: ignored */
	CHECK_EQ(rec.n, 2);
	io_write(&b, 0, 0x604, 2, (5 << 10) | 0x2000);
	CHECK(rec.n == 3 && rec.ev == SYSCTL_POWEROFF);
	CHECK_EQ(stat_get(&d.sleep_unsupported), 2); /* the two S3 requests: counted */
	rec.n = 2;
	io_write(&b, 0, 0xcf9, 1, 0x02);
	CHECK_EQ(rec.n, 2);
	io_write(&b, 0, 0xcf9, 1, 0x06);
	CHECK(rec.n == 3 && rec.ev == SYSCTL_RESET);
	io_write(&b, 0, 0x64, 1, 0xfe);
	CHECK(rec.n == 4 && rec.ev == SYSCTL_RESET);
	CHECK_EQ(io_read(&b, 0, 0x64, 1), 0); /* keyboard controller idle */
}

static struct {
	uint32_t vp;
	bool on;
	uint32_t added, removed, marks;
} td;

static int td_inhibit(void *o, uint32_t vp, bool on)
{
	(void)o;
	td.vp = vp;
	td.on = on;
	return vp == 99 ? -ENOENT : 0;
}
static int td_add(void *o, uint32_t slot)
{
	(void)o;
	td.added = slot;
	return slot == 7 ? -EEXIST : 0;
}
static int td_remove(void *o, uint32_t slot)
{
	(void)o;
	td.removed = slot;
	return 0;
}
static int64_t td_query(void *o, uint32_t vp)
{
	(void)o;
	return vp == 3 ? 1 : -1;
}
static uint32_t td_slots(void *o)
{
	(void)o;
	return 8;
}
static void td_mark(void *o, struct vcpu *v, uint32_t id)
{
	(void)o;
	(void)v;
	td.marks += id;
}

static void test_testdev(void)
{
	static const struct testdev_ops ops = { .vcpu_index = fake_index,
						.set_inhibit = td_inhibit,
						.cpu_add = td_add,
						.cpu_remove = td_remove,
						.query_suspended = td_query,
						.nr_slots = td_slots,
						.mark = td_mark };
	struct testdev d;
	struct pio_bus b;

	memset(&b, 0, sizeof(b));
	CHECK_EQ(testdev_init(&d, 4, &ops, NULL), 0);
	CHECK_EQ(testdev_attach(&d, &b), 0);
	io_write(&b, 0, TDEV_PORT_ECHO, 4, 1);
	CHECK_EQ(stat_get(&d.echo_exits), 1);
	/* ARG and the result are per vCPU: two CPUs interleaving do not mix them up. */
	io_write(&b, 0, TDEV_PORT_ARG, 4, (5 << 1) | 1);
	io_write(&b, 1, TDEV_PORT_ARG, 4, 7);
	io_write(&b, 0, TDEV_PORT_CMD, 4, TDEV_CMD_SET_INHIBIT);
	CHECK(td.vp == 5 && td.on);
	io_write(&b, 1, TDEV_PORT_CMD, 4, TDEV_CMD_CPU_ADD);
	CHECK_EQ(td.added, 7);
	CHECK_EQ((int32_t)io_read(&b, 1, TDEV_PORT_CMD, 4), -EEXIST);
	CHECK_EQ((int32_t)io_read(&b, 0, TDEV_PORT_CMD, 4), 0);
	io_write(&b, 2, TDEV_PORT_ARG, 4, 99 << 1);
	io_write(&b, 2, TDEV_PORT_CMD, 4, TDEV_CMD_SET_INHIBIT);
	CHECK_EQ((int32_t)io_read(&b, 2, TDEV_PORT_CMD, 4), -ENOENT);
	io_write(&b, 3, TDEV_PORT_ARG, 4, 3);
	io_write(&b, 3, TDEV_PORT_CMD, 4, TDEV_CMD_QUERY_SUSPENDED);
	CHECK_EQ((int32_t)io_read(&b, 3, TDEV_PORT_CMD, 4), 1);
	io_write(&b, 3, TDEV_PORT_CMD, 4, TDEV_CMD_NR_SLOTS);
	CHECK_EQ((int32_t)io_read(&b, 3, TDEV_PORT_CMD, 4), 8);
	io_write(&b, 3, TDEV_PORT_ARG, 4, 2);
	io_write(&b, 3, TDEV_PORT_CMD, 4, TDEV_CMD_CPU_REMOVE);
	CHECK_EQ(td.removed, 2);
	io_write(&b, 3, TDEV_PORT_CMD, 4, TDEV_CMD_MARK);
	CHECK_EQ(td.marks, 2);
	io_write(&b, 3, TDEV_PORT_CMD, 4, 0x777);
	CHECK_EQ((int32_t)io_read(&b, 3, TDEV_PORT_CMD, 4), -EINVAL);
	CHECK_EQ(stat_get(&d.unknown_commands), 1);
	testdev_destroy(&d);
}

static struct {
	uint32_t ejected, notify_apic, notify_vec;
	int notifies, ejects;
} hp;

static void hp_eject(void *o, uint32_t slot)
{
	(void)o;
	hp.ejected = slot;
	hp.ejects++;
}
static void hp_notify(void *o, uint32_t apic, uint8_t vec)
{
	(void)o;
	hp.notify_apic = apic;
	hp.notify_vec = vec;
	hp.notifies++;
}

static void test_hpctl(void)
{
	static const struct hpctl_ops ops = { .vcpu_index = fake_index,
					      .eject = hp_eject,
					      .notify = hp_notify };
	struct hpctl h;
	struct pio_bus b;

	memset(&b, 0, sizeof(b));
	CHECK_EQ(hpctl_init(&h, 300, &ops, NULL), 0);
	CHECK_EQ(hpctl_attach(&h, &b), 0);
	hpctl_set_present(&h, 0, true);
	CHECK_EQ(io_read(&b, 0, HPCTL_PORT_PENDING, 4), HPCTL_NO_PENDING);
	/* No NOTIFY programmed: the event is flagged but nobody is interrupted. */
	hpctl_set_present(&h, 257, true);
	hpctl_raise(&h, 257, HPCTL_ST_INSERT);
	CHECK_EQ(hp.notifies, 0);
	CHECK_EQ(io_read(&b, 0, HPCTL_PORT_PENDING, 4), 257);
	io_write(&b, 0, HPCTL_PORT_SELECT, 4, 257);
	CHECK_EQ(io_read(&b, 0, HPCTL_PORT_STATUS, 4), HPCTL_ST_PRESENT | HPCTL_ST_INSERT);
	CHECK_EQ(io_read(&b, 0, HPCTL_PORT_APICID, 4), 257);
	/* SELECT is per vCPU. */
	CHECK_EQ(io_read(&b, 1, HPCTL_PORT_SELECT, 4), 0);
	io_write(&b, 0, HPCTL_PORT_STATUS, 4, HPCTL_ST_INSERT);
	CHECK_EQ(io_read(&b, 0, HPCTL_PORT_STATUS, 4), HPCTL_ST_PRESENT);
	CHECK_EQ(io_read(&b, 0, HPCTL_PORT_PENDING, 4), HPCTL_NO_PENDING);
	/* With NOTIFY set, an event sends the MSI the guest asked for (x2APIC IDs too). */
	io_write(&b, 0, HPCTL_PORT_NOTIFY, 4, (260u << 8) | 0xd0);
	hpctl_raise(&h, 257, HPCTL_ST_REMOVE);
	CHECK(hp.notifies == 1 && hp.notify_apic == 260 && hp.notify_vec == 0xd0);
	io_write(&b, 0, HPCTL_PORT_STATUS, 4, HPCTL_ST_REMOVE | HPCTL_ST_EJECT);
	CHECK(hp.ejects == 1 && hp.ejected == 257);
	/* Out-of-range selections read as nothing and cannot eject. */
	io_write(&b, 2, HPCTL_PORT_SELECT, 4, 5000);
	CHECK_EQ(io_read(&b, 2, HPCTL_PORT_STATUS, 4), 0);
	CHECK_EQ(io_read(&b, 2, HPCTL_PORT_APICID, 4), 0xffffffff);
	io_write(&b, 2, HPCTL_PORT_STATUS, 4, HPCTL_ST_EJECT);
	CHECK_EQ(hp.ejects, 1);
	hpctl_destroy(&h);
}

int main(void)
{
	RUN(test_bus_claims_and_unclaimed);
	RUN(test_uart);
	RUN(test_sysctl);
	RUN(test_testdev);
	RUN(test_hpctl);
	return t_done();
}
