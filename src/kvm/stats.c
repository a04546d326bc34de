// SPDX-License-Identifier: MIT
/* Per-VM and per-vCPU statistics (self-describing, see util/stats.h). */
#include <stdio.h>

#include "kvm/vm_internal.h"
#include "sandbox/sandbox.h"
#include "util/compiler.h"
#include "util/timersvc.h"

#include <stdio.h>

static const struct stat_desc vm_stat_descs[] = {
	STAT_DESC(struct vm_stats, flush_calls, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, flush_targets, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, flush_kicks, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, flush_flagged_outside, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, flush_kicked_offcpu, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, flush_timeouts, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, ipis_sent, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, ipi_failures, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, mmio_unclaimed, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, vcpus_added, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, vcpus_removed, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, vcpu_add_failures, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, vcpu_remove_failures, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, vcpu_stop_timeouts, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vm_stats, guest_marks, STAT_CUMULATIVE, STAT_UNIT_NONE),
};

static const struct stat_desc vcpu_stat_descs[] = {
	STAT_DESC(struct vcpu_stats, exits, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, exits_io, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, exits_mmio, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, exits_msr, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, exits_hypercall, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, exits_intr, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, kicks_received, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, flushes_sregs, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, mmio_unclaimed, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, msr_unknown, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, hcall_ret_emulated, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, suspended_waits, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, aeoi_raised, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, aeoi_injected, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, aeoi_merged, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, aeoi_deferred, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, aeoi_retry_kicks, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct vcpu_stats, aeoi_woken, STAT_CUMULATIVE, STAT_UNIT_NONE),
};

/* The timer thread's statistics, prefixed (timer_arms, timer_fired, ...). */
struct prefix_ctx {
	stat_visit_fn fn;
	void *ctx;
};

static void prefixed(void *c, const char *name, enum stat_type type, enum stat_unit unit,
		     uint64_t value)
{
	struct prefix_ctx *p = c;
	char buf[64];

	snprintf(buf, sizeof(buf), "timer_%s", name);
	p->fn(p->ctx, buf, type, unit, value);
}

void vm_timer_stats_visit(struct vm *vm, stat_visit_fn fn, void *ctx)
{
	struct prefix_ctx p = { .fn = fn, .ctx = ctx };

	tsvc_stats_visit(vm->timers, prefixed, &p);
}

void vm_stats_visit(struct vm *vm, stat_visit_fn fn, void *ctx)
{
	uint64_t retained = 0;

	stats_visit(vm_stat_descs, ARRAY_SIZE(vm_stat_descs), &vm->stats, fn, ctx);
	for (unsigned s = 0; vm->slots && s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = atomic_load(&vm->slots[s]);

		if (v && atomic_load(&v->state) == VCPU_ABSENT)
			retained++;
	}
	/* KVM cannot destroy a vCPU: removed and rolled-back ones stay parked for reuse. */
	fn(ctx, "kvm_vcpus_parked", STAT_INSTANT, STAT_UNIT_NONE, retained);
	fn(ctx, "vcpus_online", STAT_INSTANT, STAT_UNIT_NONE, vm_vcpu_count_online(vm));
	fn(ctx, "flush_latency_count", STAT_CUMULATIVE, STAT_UNIT_NONE,
	   hist_count(&vm->flush_latency_ns));
	fn(ctx, "flush_latency_p50", STAT_INSTANT, STAT_UNIT_NSEC,
	   hist_percentile(&vm->flush_latency_ns, 50));
	fn(ctx, "flush_latency_p99", STAT_INSTANT, STAT_UNIT_NSEC,
	   hist_percentile(&vm->flush_latency_ns, 99));
	fn(ctx, "flush_latency_max", STAT_PEAK, STAT_UNIT_NSEC,
	   stat_get(&vm->flush_latency_ns.max));
	pio_stats_visit(&vm->pio, fn, ctx);
	fn(ctx, "serial_bytes_out", STAT_CUMULATIVE, STAT_UNIT_BYTES,
	   stat_get(&vm->uart.bytes_out));
	fn(ctx, "serial_bytes_dropped", STAT_CUMULATIVE, STAT_UNIT_BYTES,
	   stat_get(&vm->uart.bytes_dropped));
	/* The sandbox: its mode (0 off, 1 log, 2 on) and the threads that entered a filter. */
	fn(ctx, "sandbox_mode", STAT_INSTANT, STAT_UNIT_NONE, (uint64_t)sandbox_get_mode());
	for (unsigned c = 0; c < SANDBOX_CLASS_NR; c++) {
		char name[40];

		snprintf(name, sizeof(name), "sandbox_threads_%s",
			 sandbox_class_name((enum sandbox_class)c));
		fn(ctx, name, STAT_CUMULATIVE, STAT_UNIT_NONE,
		   sandbox_entered((enum sandbox_class)c));
	}
	fn(ctx, "testdev_echo_exits", STAT_CUMULATIVE, STAT_UNIT_NONE,
	   stat_get(&vm->tdev.echo_exits));
	if (vm->fwcfg_ready)
		fw_cfg_stats_visit(&vm->fwcfg, fn, ctx);
	fn(ctx, "testdev_unknown_commands", STAT_CUMULATIVE, STAT_UNIT_NONE,
	   stat_get(&vm->tdev.unknown_commands));
	fn(ctx, "sysctl_sleep_unsupported", STAT_CUMULATIVE, STAT_UNIT_NONE,
	   stat_get(&vm->sysctl.sleep_unsupported));
	fn(ctx, "hotplug_events_raised", STAT_CUMULATIVE, STAT_UNIT_NONE,
	   stat_get(&vm->hpctl.events_raised));
	fn(ctx, "hotplug_ejects", STAT_CUMULATIVE, STAT_UNIT_NONE, stat_get(&vm->hpctl.ejects));
	if (vm->hv)
		hv_partition_stats_visit(vm->hv, fn, ctx);
	if (vm->hv_testdev)
		hyperv_testdev_stats_visit(vm->hv_testdev, fn, ctx);
	if (vm->timers)
		vm_timer_stats_visit(vm, fn, ctx);
}

void vcpu_stats_visit(struct vcpu *v, stat_visit_fn fn, void *ctx)
{
	struct hv_partition *part = v->vm->hv;

	stats_visit(vcpu_stat_descs, ARRAY_SIZE(vcpu_stat_descs), &v->stats, fn, ctx);
	if (part) {
		/* The VP may be removed meanwhile: read it inside a read section. */
		uint32_t gen = hv_read_lock(part);
		struct hv_vp *hv = vcpu_hv(v);

		if (hv)
			hv_vp_stats_visit(hv, fn, ctx);
		hv_read_unlock(part, gen);
	}
}
