// SPDX-License-Identifier: MIT
#include "dev/pio.h"

#include <errno.h>
#include <string.h>

#include "util/compiler.h"
#include "util/log.h"

static const struct stat_desc pio_stat_descs[] = {
	STAT_DESC(struct pio_stats, pio_exits, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct pio_stats, pio_unclaimed_reads, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct pio_stats, pio_unclaimed_writes, STAT_CUMULATIVE, STAT_UNIT_NONE),
};

int pio_register(struct pio_bus *bus, uint16_t base, uint16_t len, const char *name,
		 pio_handler_fn fn, void *opaque)
{
	uint32_t end = (uint32_t)base + len;

	if (len == 0 || end > 0x10000 || !fn)
		return -EINVAL;
	for (unsigned i = 0; i < bus->nranges; i++) {
		const struct pio_range *r = &bus->ranges[i];

		if (base < (uint32_t)r->base + r->len && r->base < end)
			return -EEXIST;
	}
	if (bus->nranges == PIO_MAX_RANGES)
		return -ENOSPC;
	bus->ranges[bus->nranges++] = (struct pio_range){
		.base = base, .len = len, .fn = fn, .opaque = opaque, .name = name
	};
	return 0;
}

const struct pio_range *pio_find(const struct pio_bus *bus, uint16_t port)
{
	for (unsigned i = 0; i < bus->nranges; i++) {
		const struct pio_range *r = &bus->ranges[i];

		if (port >= r->base && port - r->base < r->len)
			return r;
	}
	return NULL;
}

void pio_dispatch(struct pio_bus *bus, struct vcpu *vcpu, uint16_t port, unsigned size,
		  bool is_write, uint32_t count, uint8_t *data)
{
	const struct pio_range *r = pio_find(bus, port);

	stat_inc(&bus->stats.pio_exits);
	for (uint32_t i = 0; i < count; i++, data += size) {
		uint32_t v = 0;

		if (!r) {
			/* Normal on a PC (POST codes, probes), so debug only; counted below. */
			pr_debug_ratelimited("%s of %u bytes at unclaimed port 0x%x",
					     is_write ? "write" : "read", size, port);
			if (is_write) {
				stat_inc(&bus->stats.pio_unclaimed_writes);
			} else {
				stat_inc(&bus->stats.pio_unclaimed_reads);
				memset(data, 0xff, size);
			}
			continue;
		}
		if (is_write)
			memcpy(&v, data, MIN(size, sizeof(v)));
		r->fn(r->opaque, vcpu, port, size, is_write, &v);
		if (!is_write)
			memcpy(data, &v, MIN(size, sizeof(v)));
	}
}

void pio_stats_visit(struct pio_bus *bus, stat_visit_fn fn, void *ctx)
{
	stats_visit(pio_stat_descs, ARRAY_SIZE(pio_stat_descs), &bus->stats, fn, ctx);
}
