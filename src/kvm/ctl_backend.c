// SPDX-License-Identifier: MIT
/* The control socket's view of a VM: struct ctl_backend_ops over the VM API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "kvm/kvm_stats.h"
#include "kvm/vm_internal.h"
#include "util/time.h"

static enum ctl_run_state run_state(const struct vm *vm)
{
	switch (vm_run_state(vm)) {
	case VM_STATE_STARTING:
		return CTL_RUN_STARTING;
	case VM_STATE_RUNNING:
		return CTL_RUN_RUNNING;
	case VM_STATE_SHUTTING_DOWN:
		break;
	}
	return CTL_RUN_SHUTTING_DOWN;
}

static int be_query_status(void *opaque, struct ctl_status *out, char *err)
{
	struct vm *vm = opaque;

	(void)err;
	out->state = run_state(vm);
	out->boot_cpus = vm->cfg.boot_vcpus;
	out->present_cpus = vm_vcpu_count_online(vm);
	out->max_cpus = vm->cfg.max_vcpus;
	hv_features_format(&vm->cfg.hv, out->hv_features, sizeof(out->hv_features));
	out->uptime_ns = now_ns() - vm->start_ns;
	return 0;
}

/*
 * The one mapping from a slot's state (enum vcpu_state) to the control socket's: the
 * socket also tells a parked KVM vCPU from an empty slot, a suspended vCPU, and a removal
 * that the guest has been asked for but has not done yet.
 */
static enum ctl_vcpu_state vcpu_ctl_state(struct vm *vm, unsigned slot, struct vcpu *v,
					  const struct hv_vp_suspend_info *si)
{
	switch (vm_slot_state(vm, slot)) {
	case VCPU_ABSENT:
		return v ? CTL_VCPU_PARKED : CTL_VCPU_ABSENT;
	case VCPU_ADDING:
		return CTL_VCPU_ADDING;
	case VCPU_REMOVING:
		return CTL_VCPU_REMOVING;
	case VCPU_ONLINE:
		break;
	}
	if (v && atomic_load(&v->stopped_on_error))
		return CTL_VCPU_INTERNAL_ERROR;
	if (si && si->waiting_on >= 0)
		return CTL_VCPU_SUSPENDED;
	if (hpctl_status(&vm->hpctl, slot) & HPCTL_ST_REMOVE)
		return CTL_VCPU_REMOVING;
	return CTL_VCPU_ONLINE;
}

static int be_query_synic(void *opaque, ctl_synic_fn fn, void *ctx, char *err)
{
	struct vm *vm = opaque;

	if (!vm->hv || !hv_has(&vm->cfg.hv, HV_FEAT_SYNIC)) {
		snprintf(err, CTL_ERRMSG_MAX, "this VM has no SynIC (--hv synic)");
		return -ENODEV;
	}
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_online_vcpu(vm, s);
		struct ctl_synic_info out = { .slot = s };
		struct hv_synic_info si;
		struct hv_vp *hv;
		uint32_t gen;

		if (!v)
			continue;
		/* The VP may be removed meanwhile: read it inside a read section. */
		gen = hv_read_lock(vm->hv);
		hv = vcpu_hv(v);
		if (hv) {
			hv_vp_synic_info(hv, &si);
			out.vp_index = hv_vp_index(hv);
		}
		hv_read_unlock(vm->hv, gen);
		if (!hv)
			continue;
		out.scontrol = si.scontrol;
		out.simp = si.simp;
		out.siefp = si.siefp;
		memcpy(out.sint, si.sint, sizeof(out.sint));
		memcpy(out.stimer_config, si.stimer_config, sizeof(out.stimer_config));
		memcpy(out.stimer_count, si.stimer_count, sizeof(out.stimer_count));
		memcpy(out.stimer_expiration, si.stimer_exp_time, sizeof(out.stimer_expiration));
		out.waiting_sints = si.waiting;
		out.autoeoi_pending = vcpu_aeoi_count(v);
		fn(ctx, &out);
	}
	return 0;
}

static int be_query_cpus(void *opaque, ctl_vcpu_fn fn, void *ctx, char *err)
{
	struct vm *vm = opaque;

	(void)err;
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = vm_slot_vcpu(vm, s);
		uint32_t vp = vm_slot_vp_index(vm, s);
		struct hv_vp_suspend_info si = { .waiting_on = -1 };
		struct ctl_vcpu_info info = {
			.slot = s,
			.vp_index = vp == UINT32_MAX ? -1 : (int64_t)vp,
			.apic_id = s,
			.waiting_on = -1,
			.host_cpu = -1,
			.thread_id = -1,
		};
		bool has_hv = false;
		pid_t tid;

		if (v && vm->hv) {
			/* The VP may be removed meanwhile: read it inside a read section. */
			uint32_t gen = hv_read_lock(vm->hv);
			struct hv_vp *hv = vcpu_hv(v);

			if (hv) {
				hv_vp_suspend_info(hv, &si);
				has_hv = true;
			}
			hv_read_unlock(vm->hv, gen);
		}
		info.state = vcpu_ctl_state(vm, s, v, has_hv ? &si : NULL);
		info.tlb_flush_inhibit = si.inhibited;
		info.waiting_on = si.waiting_on;
		info.suspended_since_ns = si.suspended_since_ns;
		tid = v ? (pid_t)atomic_load(&v->tid) : 0;
		if (tid > 0) {
			int cpu = host_vcpu_current_cpu(tid);

			info.thread_id = tid;
			info.host_cpu = cpu >= 0 ? cpu : -1;
		}
		fn(ctx, &info);
	}
	return 0;
}

static void errmsg(char *err, int r)
{
	switch (r) {
	case -EEXIST:
		snprintf(err, CTL_ERRMSG_MAX, "that slot already has a vCPU");
		break;
	case -EBUSY:
		snprintf(err, CTL_ERRMSG_MAX, "that slot's vCPU is still being removed");
		break;
	case -ENOSPC:
		snprintf(err, CTL_ERRMSG_MAX, "every vCPU slot is in use (raise --cpus max=)");
		break;
	case -EINVAL:
		snprintf(err, CTL_ERRMSG_MAX, "no such vCPU slot");
		break;
	case -ESHUTDOWN:
		snprintf(err, CTL_ERRMSG_MAX, "the VM is shutting down");
		break;
	default:
		break;
	}
}

static int be_cpu_add(void *opaque, int32_t slot, uint32_t *slot_out, char *err)
{
	struct vm *vm = opaque;
	int r;

	if (slot < 0) {
		slot = vm_vcpu_free_slot(vm);
		if (slot < 0) {
			errmsg(err, slot);
			return slot;
		}
	}
	r = vm_vcpu_add(vm, (unsigned)slot);
	if (r) {
		errmsg(err, r);
		return r == -EINVAL ? -ENOENT : r; /* an unknown slot: DeviceNotFound */
	}
	*slot_out = (uint32_t)slot;
	return 0;
}

static int be_cpu_del(void *opaque, uint32_t slot, char *err)
{
	int r = vm_vcpu_request_remove(opaque, slot);

	if (r == -EINVAL || r == -ENOENT) {
		snprintf(err, CTL_ERRMSG_MAX, "slot %u has no online vCPU", slot);
		return -ENOENT;
	}
	if (r == -EBUSY)
		snprintf(err, CTL_ERRMSG_MAX, "the boot vCPU (slot 0) cannot be removed");
	else
		errmsg(err, r);
	return r;
}

static int be_resize_cpus(void *opaque, uint32_t desired, char *err)
{
	struct vm *vm = opaque;
	unsigned online = vm_vcpu_count_online(vm);

	if (desired == 0 || desired > vm->cfg.max_vcpus) {
		snprintf(err, CTL_ERRMSG_MAX, "desired vCPUs must be 1..%u", vm->cfg.max_vcpus);
		return -EINVAL;
	}
	while (online < desired) {
		int slot = vm_vcpu_free_slot(vm);
		int r = slot < 0 ? slot : vm_vcpu_add(vm, (unsigned)slot);

		if (r) {
			errmsg(err, r);
			return r;
		}
		online++;
	}
	/* Removal is a request to the guest: the highest online slots are asked to go. */
	for (unsigned s = vm->cfg.max_vcpus; online > desired && s-- > 1;) {
		if (vm_online_vcpu(vm, s) && !(hpctl_status(&vm->hpctl, s) & HPCTL_ST_REMOVE) &&
		    vm_vcpu_request_remove(vm, s) == 0)
			online--;
	}
	return 0;
}

static int be_set_inhibit(void *opaque, uint32_t vp, bool on, char *err)
{
	struct vm *vm = opaque;
	int r;

	if (!vm->hv) {
		snprintf(err, CTL_ERRMSG_MAX, "Hyper-V enlightenments are not enabled (--hv)");
		return -ENODEV;
	}
	r = hv_set_tlb_flush_inhibit(vm->hv, vp, on);
	if (r == -ENOENT)
		snprintf(err, CTL_ERRMSG_MAX, "no VP with index %u", vp);
	return r;
}

static int be_query_host_cpus(void *opaque, ctl_host_cpu_fn fn, void *ctx, char *err)
{
	struct vm *vm = opaque;
	struct host_cpu_info *cpus;
	int n;

	if (!vm->host) {
		snprintf(err, CTL_ERRMSG_MAX, "no host CPU manager");
		return -ENODEV;
	}
	n = host_query_cpus(vm->host, &cpus);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct ctl_host_cpu_info info = { .cpu = cpus[i].cpu, .reason = cpus[i].reason };

		switch (cpus[i].state) {
		case HOST_CPU_ADMITTED:
			info.state = CTL_HOST_CPU_ADMITTED;
			break;
		case HOST_CPU_REJECTED:
			info.state = CTL_HOST_CPU_REJECTED;
			break;
		case HOST_CPU_EXCLUDED:
			info.state = CTL_HOST_CPU_EXCLUDED;
			break;
		case HOST_CPU_CHECKING:
			info.state = CTL_HOST_CPU_EXCLUDED;
			info.reason = "check in progress";
			break;
		case HOST_CPU_OFFLINE:
			info.state = CTL_HOST_CPU_OFFLINE;
			break;
		}
		fn(ctx, &info);
	}
	free(cpus);
	return 0;
}

struct stat_ctx {
	ctl_stat_fn fn;
	void *ctx;
	enum ctl_stats_target target;
	uint32_t slot;
	const char *provider;
};

static void emit_stat(void *c, const char *name, enum stat_type type, enum stat_unit unit,
		      uint64_t value)
{
	struct stat_ctx *sc = c;
	struct ctl_stat st = { .target = sc->target,
			       .vcpu_slot = sc->slot,
			       .provider = sc->provider,
			       .name = name,
			       .type = type,
			       .unit = unit,
			       .value = value };

	sc->fn(sc->ctx, &st);
}

static int be_query_hyperv(void *opaque, struct ctl_hyperv *out, ctl_hyperv_vp_fn fn, void *ctx,
			   char *err)
{
	struct vm *vm = opaque;
	struct hv_partition_info pi;
	struct hv_guest_os os;

	(void)err;
	if (!vm->hv)
		return 0; /* out->enabled stays false */
	hv_partition_query(vm->hv, &pi);
	hv_guest_os_id_decode(pi.guest_os_id, &os);
	out->enabled = true;
	hv_features_format(&vm->cfg.hv, out->features, sizeof(out->features));
	out->privileges_low = pi.privileges_low;
	out->privileges_high = pi.privileges_high;
	out->hints = pi.hints;
	out->misc = pi.misc;
	out->spinlock_retries = pi.spinlock_retries;
	out->guest_os_id = pi.guest_os_id;
	out->guest_open_source = os.open_source;
	out->guest_os_type = os.os_type;
	out->guest_build = os.build;
	snprintf(out->guest_os, sizeof(out->guest_os), "%s", os.os);
	snprintf(out->guest_version, sizeof(out->guest_version), "%s", os.version_text);
	out->hypercall = pi.hypercall;
	out->reference_tsc = pi.reference_tsc;
	out->tsc_sequence = pi.tsc_sequence;
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = atomic_load(&vm->slots[s]);
		struct hv_vp *vp = v ? vcpu_hv(v) : NULL;
		struct hv_vp_info vi;

		if (!vp)
			continue;
		hv_vp_query(vp, &vi);
		fn(ctx, &(struct ctl_hyperv_vp){ .slot = s,
						 .vp_index = vi.vp_index,
						 .vp_assist_page = vi.vp_assist_page });
	}
	return 0;
}

static void emit_hist(void *c, const char *name, enum stat_unit unit, const struct hist *h)
{
	struct stat_ctx *sc = c;
	struct ctl_stat st = { .target = sc->target,
			       .vcpu_slot = sc->slot,
			       .provider = sc->provider,
			       .name = name,
			       .type = STAT_HISTOGRAM,
			       .unit = unit,
			       .hist = h };

	sc->fn(sc->ctx, &st);
}

static int be_query_stats(void *opaque, ctl_stat_fn fn, void *ctx, char *err)
{
	struct vm *vm = opaque;
	struct stat_ctx sc = { .fn = fn, .ctx = ctx, .target = CTL_STATS_VM, .provider = "hvemu" };

	(void)err;
	vm_stats_visit(vm, emit_stat, &sc);
	host_stats_visit(emit_stat, &sc);
	ctl_server_stats_visit(vm_ctl_get(vm), emit_stat, &sc);
	vm_ctl_put(vm);
	sc.provider = "kvm";
	kvm_stats_visit(vm->stats_fd, emit_stat, &sc);
	sc.target = CTL_STATS_VCPU;
	for (unsigned s = 0; s < vm->cfg.max_vcpus; s++) {
		struct vcpu *v = atomic_load(&vm->slots[s]);

		if (!v)
			continue;
		sc.slot = s;
		sc.provider = "hvemu";
		vcpu_stats_visit(v, emit_stat, &sc);
		vcpu_exit_timing_visit(v, emit_hist, &sc);
		sc.provider = "kvm";
		kvm_stats_visit(v->stats_fd, emit_stat, &sc);
	}
	return 0;
}

static int be_quit(void *opaque, char *err)
{
	(void)err;
	vm_stop(opaque, VM_EXIT_POWEROFF, "stopped by the control socket's quit command");
	return 0;
}

const struct ctl_backend_ops vm_ctl_ops = {
	.query_status = be_query_status,
	.query_cpus = be_query_cpus,
	.cpu_add = be_cpu_add,
	.cpu_del = be_cpu_del,
	.resize_cpus = be_resize_cpus,
	.set_tlb_flush_inhibit = be_set_inhibit,
	.query_host_cpus = be_query_host_cpus,
	.query_stats = be_query_stats,
	.query_hyperv = be_query_hyperv,
	.quit = be_quit,
	.query_synic = be_query_synic,
};
