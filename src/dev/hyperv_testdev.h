/* SPDX-License-Identifier: MIT */
/*
 * QEMU's Hyper-V test device (include/hvemu/hyperv_testdev.h has the register), built on
 * the SynIC's routes and connections (src/hv). Off by default: --device hyperv-testdev.
 *
 * Where QEMU aborts on a bad request (an unknown or duplicate route or connection, a VP
 * that does not exist), hvemu logs it (rate-limited), counts it in bad_requests and goes
 * on. Accesses other than 32-bit writes are ignored and counted too.
 */
#ifndef HVEMU_DEV_HYPERV_TESTDEV_H
#define HVEMU_DEV_HYPERV_TESTDEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "dev/pio.h"
#include "hv/hv.h"

struct hyperv_testdev;

/* A connection: the route its messages or events go to. */
struct hyperv_testdev_conn {
	struct hyperv_testdev *dev;
	struct hv_sint_route *route; /* NULL: no such connection */
	uint8_t id;
};

struct hyperv_testdev_stats {
	_Atomic uint64_t writes;
	_Atomic uint64_t bad_requests; /* refused (QEMU aborts on them) */
	_Atomic uint64_t bad_accesses; /* reads, or writes not 32 bits wide */
	_Atomic uint64_t sints_set;
	_Atomic uint64_t msgs_echoed;
	_Atomic uint64_t events_echoed;
};

struct hyperv_testdev {
	struct hv_partition *part;
	pthread_mutex_t lock;					/* the tables below */
	struct hv_sint_route *routes[256][HV_SYNIC_SINT_COUNT]; /* [vp_index][sint] */
	struct hyperv_testdev_conn msg[256], evt[256];		/* [conn_id] */
	struct hyperv_testdev_stats stats;
};

/* part must have the SynIC (-EINVAL otherwise). */
int hyperv_testdev_init(struct hyperv_testdev *d, struct hv_partition *part);
int hyperv_testdev_attach(struct hyperv_testdev *d, struct pio_bus *bus);
/* Removes every route and connection; call before the partition is destroyed. */
void hyperv_testdev_destroy(struct hyperv_testdev *d);
/* Runs one register write (the port handler's job; for tests). */
void hyperv_testdev_write(struct hyperv_testdev *d, uint32_t value);
void hyperv_testdev_stats_visit(struct hyperv_testdev *d, stat_visit_fn fn, void *ctx);

#endif
