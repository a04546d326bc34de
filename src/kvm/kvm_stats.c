// SPDX-License-Identifier: MIT
#include "kvm/kvm_stats.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static enum stat_type kvm_type(uint32_t flags)
{
	switch (flags & KVM_STATS_TYPE_MASK) {
	case KVM_STATS_TYPE_INSTANT:
		return STAT_INSTANT;
	case KVM_STATS_TYPE_PEAK:
		return STAT_PEAK;
	default:
		return STAT_CUMULATIVE;
	}
}

/* Values in seconds with a decimal exponent become nanoseconds; other units map directly. */
static enum stat_unit kvm_unit(const struct kvm_stats_desc *d, uint64_t *value)
{
	switch (d->flags & KVM_STATS_UNIT_MASK) {
	case KVM_STATS_UNIT_BYTES:
		return STAT_UNIT_BYTES;
	case KVM_STATS_UNIT_BOOLEAN:
		return STAT_UNIT_BOOLEAN;
	case KVM_STATS_UNIT_SECONDS:
		if ((d->flags & KVM_STATS_BASE_MASK) == KVM_STATS_BASE_POW10 && d->exponent >= -9 &&
		    d->exponent <= 0) {
			for (int e = d->exponent; e > -9; e--)
				*value *= 10; /* 10^exponent seconds -> nanoseconds */
			return STAT_UNIT_NSEC;
		}
		return STAT_UNIT_NONE;
	default:
		return STAT_UNIT_NONE;
	}
}

int kvm_stats_open(int fd)
{
	int sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);

	return sfd < 0 ? -errno : sfd;
}

int kvm_stats_visit(int sfd, stat_visit_fn fn, void *ctx)
{
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs = NULL;
	int r = 0;

	if (sfd < 0)
		return -EBADF;
	if (pread(sfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.name_size == 0 ||
	    h.num_desc > 4096 || h.name_size > 4096) {
		r = -EIO;
		goto out;
	}
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(desc_size * h.num_desc);
	if (!descs) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(sfd, descs, desc_size * h.num_desc, h.desc_offset) !=
	    (ssize_t)(desc_size * h.num_desc)) {
		r = -EIO;
		goto out;
	}
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * desc_size);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;
		uint64_t value = 0;
		char name[128];

		if (d->size == 0)
			continue;
		if (type == KVM_STATS_TYPE_LINEAR_HIST || type == KVM_STATS_TYPE_LOG_HIST) {
			/* A histogram: report how many samples it holds. */
			for (uint16_t b = 0; b < d->size && b < 64; b++) {
				uint64_t v;

				if (pread(sfd, &v, sizeof(v), h.data_offset + d->offset + b * 8u) ==
				    (ssize_t)sizeof(v))
					value += v;
			}
		} else if (pread(sfd, &value, sizeof(value), h.data_offset + d->offset) !=
			   (ssize_t)sizeof(value)) {
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)h.name_size, d->name);
		fn(ctx, name, kvm_type(d->flags), kvm_unit(d, &value), value);
	}
out:
	free(descs);
	return r;
}
