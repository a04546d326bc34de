/* SPDX-License-Identifier: MIT */
/* KVM's binary statistics (KVM_GET_STATS_FD on a VM or vCPU fd), read for query-stats. */
#ifndef HVEMU_KVM_KVM_STATS_H
#define HVEMU_KVM_KVM_STATS_H

#include "util/stats.h"

/*
 * Opens the statistics fd of a VM or vCPU fd. A vCPU's must be opened before it runs:
 * vCPU ioctls wait for KVM_RUN to return. Returns the fd or -errno (-ENOTTY: no stats).
 */
int kvm_stats_open(int fd);
/*
 * Reads every statistic of a stats fd and calls fn for each (histograms are reported as
 * their sample count). Returns 0 or -errno.
 */
int kvm_stats_visit(int stats_fd, stat_visit_fn fn, void *ctx);

#endif
