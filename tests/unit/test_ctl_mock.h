/* SPDX-License-Identifier: MIT */
/*
 * A mock VMM behind struct ctl_backend_ops for the control socket tests and the fuzzer:
 * a small VM (4 slots, 4 host CPUs, a few statistics) that records every call and its
 * arguments, and fails on demand. Header-only (static functions) so that the unit tests
 * and the fuzz target can both include it without a support object.
 */
#ifndef HVEMU_TESTS_CTL_MOCK_H
#define HVEMU_TESTS_CTL_MOCK_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util/hist.h"
#include "util/compiler.h"
#include "util/time.h"

enum mock_op {
	MOCK_STATUS,
	MOCK_CPUS,
	MOCK_ADD,
	MOCK_DEL,
	MOCK_RESIZE,
	MOCK_INHIBIT,
	MOCK_HOST,
	MOCK_STATS,
	MOCK_QUIT,
	MOCK_HYPERV,
	MOCK_SYNIC,
	MOCK_OP_NR,
};

#define MOCK_SLOTS 4

struct mock_be {
	pthread_mutex_t lock; /* ops run on the ctl thread, the test reads from its own */
	struct ctl_vcpu_info vcpus[MOCK_SLOTS];
	enum ctl_run_state state;  /* what query-status reports (mock_init: running) */
	struct ctl_server *server; /* for events and the ctl counters in query-stats */
	/* failure injection: op returns fail[op] (a -errno) with fail_msg[op] if set */
	int fail[MOCK_OP_NR];
	const char *fail_msg[MOCK_OP_NR];
	/* what the ops received */
	unsigned calls[MOCK_OP_NR];
	int32_t add_slot;
	uint32_t del_slot, resize, inhibit_vp;
	bool inhibit_on;
	bool hv_off; /* query-hyperv: a VM without --hv */
};

static inline void mock_init(struct mock_be *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->state = CTL_RUN_RUNNING;
	for (unsigned i = 0; i < MOCK_SLOTS; i++) {
		m->vcpus[i] = (struct ctl_vcpu_info){ .slot = i,
						      .vp_index = i,
						      .apic_id = i,
						      .state = CTL_VCPU_ONLINE,
						      .waiting_on = -1,
						      .host_cpu = (int32_t)i + 4,
						      .thread_id = 1000 + i };
	}
	/* slot 1 inhibits, slot 2 waits on it for 5 ms, slot 3 is empty */
	m->vcpus[1].tlb_flush_inhibit = true;
	m->vcpus[2].state = CTL_VCPU_SUSPENDED;
	m->vcpus[2].waiting_on = 1;
	m->vcpus[2].suspended_since_ns = now_ns() - 5 * NSEC_PER_MSEC;
	m->vcpus[3] = (struct ctl_vcpu_info){ .slot = 3,
					      .vp_index = -1,
					      .apic_id = 3,
					      .state = CTL_VCPU_ABSENT,
					      .waiting_on = -1,
					      .host_cpu = -1,
					      .thread_id = -1 };
}

static inline void mock_destroy(struct mock_be *m)
{
	pthread_mutex_destroy(&m->lock);
}

static inline unsigned mock_calls(struct mock_be *m, enum mock_op op)
{
	unsigned n;

	pthread_mutex_lock(&m->lock);
	n = m->calls[op];
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* Counts the call; returns the injected failure (0 = go on). Called with the lock held. */
static inline int mock_enter(struct mock_be *m, enum mock_op op, char *err)
{
	m->calls[op]++;
	if (m->fail[op] && m->fail_msg[op])
		snprintf(err, CTL_ERRMSG_MAX, "%s", m->fail_msg[op]);
	return m->fail[op];
}

static inline int mock_query_status(void *opaque, struct ctl_status *out, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_STATUS, err);
	if (!r) {
		out->state = m->state;
		out->boot_cpus = 2;
		out->max_cpus = MOCK_SLOTS;
		out->present_cpus = 0;
		for (unsigned i = 0; i < MOCK_SLOTS; i++)
			out->present_cpus += m->vcpus[i].state != CTL_VCPU_ABSENT;
		snprintf(out->hv_features, sizeof(out->hv_features), "vpindex,tlbflush");
		out->uptime_ns = 1500 * NSEC_PER_MSEC;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

/* Two vCPUs with a SynIC: VP 0 enabled with SINT 2 on a timer, VP 1 untouched. */
static inline int mock_query_synic(void *opaque, ctl_synic_fn fn, void *ctx, char *err)
{
	struct mock_be *m = opaque;
	struct ctl_synic_info s = { .slot = 0,
				    .vp_index = 0,
				    .scontrol = 1,
				    .simp = 0x5000 | 1,
				    .siefp = 0x6000 | 1,
				    .waiting_sints = 1u << 2 };
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_SYNIC, err);
	pthread_mutex_unlock(&m->lock);
	if (r)
		return r;
	for (int i = 0; i < 16; i++)
		s.sint[i] = 0x10000;
	s.sint[2] = 0xffffffff00020051ull;
	s.stimer_config[0] = 0x20003;
	s.stimer_count[0] = 10000;
	s.stimer_expiration[0] = 123456;
	fn(ctx, &s);
	memset(&s, 0, sizeof(s));
	s.slot = 1;
	s.vp_index = 1;
	s.autoeoi_pending = 2;
	fn(ctx, &s);
	return 0;
}

static inline int mock_query_cpus(void *opaque, ctl_vcpu_fn fn, void *ctx, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_CPUS, err);
	for (unsigned i = 0; !r && i < MOCK_SLOTS; i++)
		fn(ctx, &m->vcpus[i]);
	pthread_mutex_unlock(&m->lock);
	return r;
}

static inline int mock_cpu_add(void *opaque, int32_t slot, uint32_t *slot_out, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_ADD, err);
	m->add_slot = slot;
	if (!r && slot == -1) {
		for (slot = 0; slot < MOCK_SLOTS && m->vcpus[slot].state != CTL_VCPU_ABSENT; slot++)
			;
		if (slot == MOCK_SLOTS) {
			snprintf(err, CTL_ERRMSG_MAX, "no free slot");
			r = -ENOSPC;
		}
	} else if (!r && slot >= MOCK_SLOTS) {
		snprintf(err, CTL_ERRMSG_MAX, "there is no slot %d", slot);
		r = -ENOENT;
	} else if (!r && m->vcpus[slot].state != CTL_VCPU_ABSENT) {
		snprintf(err, CTL_ERRMSG_MAX, "slot %d already has a vCPU", slot);
		r = -EBUSY;
	}
	if (!r) {
		m->vcpus[slot].state = CTL_VCPU_ONLINE;
		m->vcpus[slot].vp_index = slot;
		*slot_out = (uint32_t)slot;
		/* As the VMM does: the event comes from the thread that did the work. */
		ctl_event(m->server, CTL_EVENT_VCPU_ADDED, CTL_EV_INT("slot", slot),
			  CTL_EV_INT("vp-index", slot), CTL_EV_INT("apic-id", slot));
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

static inline int mock_cpu_del(void *opaque, uint32_t slot, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_DEL, err);
	m->del_slot = slot;
	if (!r && slot >= MOCK_SLOTS)
		r = -ENOENT; /* no message: the generic text is used */
	pthread_mutex_unlock(&m->lock);
	return r;
}

static inline int mock_resize(void *opaque, uint32_t desired, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_RESIZE, err);
	m->resize = desired;
	pthread_mutex_unlock(&m->lock);
	return r;
}

static inline int mock_inhibit(void *opaque, uint32_t vp, bool on, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_INHIBIT, err);
	m->inhibit_vp = vp;
	m->inhibit_on = on;
	if (!r && vp >= MOCK_SLOTS) {
		snprintf(err, CTL_ERRMSG_MAX, "no VP with index %u", vp);
		r = -ENOENT;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

static inline int mock_query_host_cpus(void *opaque, ctl_host_cpu_fn fn, void *ctx, char *err)
{
	static const struct ctl_host_cpu_info hosts[] = {
		{ 0, CTL_HOST_CPU_ADMITTED, NULL },
		{ 1, CTL_HOST_CPU_REJECTED, "CPUID.1:ECX.VMX differs from CPU 0" },
		{ 2, CTL_HOST_CPU_OFFLINE, "" },
		{ 3, CTL_HOST_CPU_EXCLUDED, NULL },
	};
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_HOST, err);
	for (unsigned i = 0; !r && i < ARRAY_SIZE(hosts); i++)
		fn(ctx, &hosts[i]);
	pthread_mutex_unlock(&m->lock);
	return r;
}

struct mock_stats_fwd {
	ctl_stat_fn fn;
	void *ctx;
};

static inline void mock_fwd_ctl_stat(void *ctx, const char *name, enum stat_type type,
				     enum stat_unit unit, uint64_t value)
{
	struct mock_stats_fwd *f = ctx;
	struct ctl_stat st = { .target = CTL_STATS_VM,
			       .provider = "hvemu",
			       .name = name,
			       .type = type,
			       .unit = unit,
			       .value = value };

	f->fn(f->ctx, &st);
}

static inline int mock_query_stats(void *opaque, ctl_stat_fn fn, void *ctx, char *err)
{
#define MOCK_ST(target_, slot_, provider_, name_, type_, unit_, value_)              \
	{                                                                            \
		.target = (target_), .vcpu_slot = (slot_), .provider = (provider_),  \
		.name = (name_), .type = (type_), .unit = (unit_), .value = (value_) \
	}
	/* Deliberately interleaved: the ctl layer must group them. */
	static const struct ctl_stat stats[] = {
		MOCK_ST(CTL_STATS_VM, 0, "hvemu", "hypercalls", STAT_CUMULATIVE, STAT_UNIT_NONE,
			42),
		MOCK_ST(CTL_STATS_VCPU, 0, "hvemu", "flushes", STAT_CUMULATIVE, STAT_UNIT_NONE, 7),
		MOCK_ST(CTL_STATS_VM, 0, "kvm", "remote_tlb_flush", STAT_CUMULATIVE, STAT_UNIT_NONE,
			5),
		MOCK_ST(CTL_STATS_VCPU, 1, "hvemu", "flushes", STAT_CUMULATIVE, STAT_UNIT_NONE, 9),
		MOCK_ST(CTL_STATS_VCPU, 0, "kvm", "halt_poll_success_ns", STAT_CUMULATIVE,
			STAT_UNIT_NSEC, 123456),
		MOCK_ST(CTL_STATS_VCPU, 0, "hvemu", "suspended_ns", STAT_PEAK, STAT_UNIT_NSEC,
			5000),
		MOCK_ST(CTL_STATS_VM, 0, "hvemu", "vcpus_present", STAT_INSTANT, STAT_UNIT_NONE, 3),
		MOCK_ST(CTL_STATS_VCPU, 1, "kvm", "exits", STAT_CUMULATIVE, STAT_UNIT_NONE,
			UINT64_MAX), /* clamps to INT64_MAX */
	};
#undef MOCK_ST
	/* A histogram (vCPU 1): 1000 ns twice, 3000 ns once. */
	static struct hist h;
	struct ctl_stat hs = { .target = CTL_STATS_VCPU,
			       .vcpu_slot = 1,
			       .provider = "hvemu",
			       .name = "exit_ns_pio",
			       .type = STAT_HISTOGRAM,
			       .unit = STAT_UNIT_NSEC,
			       .hist = &h };
	struct mock_be *m = opaque;
	struct mock_stats_fwd fwd = { fn, ctx };
	int r;

	hist_reset(&h);
	hist_record(&h, 1000);
	hist_record(&h, 1000);
	hist_record(&h, 3000);
	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_STATS, err);
	for (unsigned i = 0; !r && i < ARRAY_SIZE(stats); i++)
		fn(ctx, &stats[i]);
	if (!r)
		fn(ctx, &hs);
	pthread_mutex_unlock(&m->lock);
	if (!r)
		ctl_server_stats_visit(m->server, mock_fwd_ctl_stat, &fwd);
	return r;
}

static inline int mock_quit(void *opaque, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_QUIT, err);
	pthread_mutex_unlock(&m->lock);
	return r;
}

/* A Linux guest that enabled the hypercall and TSC pages and VP 0's assist page. */
static inline int mock_query_hyperv(void *opaque, struct ctl_hyperv *out, ctl_hyperv_vp_fn fn,
				    void *ctx, char *err)
{
	struct mock_be *m = opaque;
	int r;

	pthread_mutex_lock(&m->lock);
	r = mock_enter(m, MOCK_HYPERV, err);
	if (!r && !m->hv_off) {
		*out = (struct ctl_hyperv){ .enabled = true,
					    .privileges_low = 0xaf3,
					    .hints = 0xc24,
					    .misc = 0x518,
					    .spinlock_retries = 0xfff,
					    .guest_os_id = 0x8100000601c00000ull,
					    .guest_open_source = true,
					    .guest_os_type = 1,
					    .hypercall = 0x4000001,
					    .reference_tsc = 0x3000001,
					    .tsc_sequence = 5 };
		snprintf(out->features, sizeof(out->features), "vpindex,tlbflush");
		snprintf(out->guest_os, sizeof(out->guest_os), "Linux");
		snprintf(out->guest_version, sizeof(out->guest_version), "6.1.192");
		for (unsigned i = 0; i < MOCK_SLOTS; i++)
			if (m->vcpus[i].vp_index >= 0)
				fn(ctx, &(struct ctl_hyperv_vp){
					    .slot = i,
					    .vp_index = (uint32_t)m->vcpus[i].vp_index,
					    .vp_assist_page = i == 0 ? 0x5000001 : 0x6000000 });
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

static const struct ctl_backend_ops mock_ops __unused = {
	.query_status = mock_query_status,
	.query_cpus = mock_query_cpus,
	.cpu_add = mock_cpu_add,
	.cpu_del = mock_cpu_del,
	.resize_cpus = mock_resize,
	.set_tlb_flush_inhibit = mock_inhibit,
	.query_host_cpus = mock_query_host_cpus,
	.query_stats = mock_query_stats,
	.quit = mock_quit,
	.query_hyperv = mock_query_hyperv,
	.query_synic = mock_query_synic,
};

#endif
