// SPDX-License-Identifier: MIT
#include "hv_mock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *mock_gpa_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
	struct hvmock *m = opaque;

	if (gpa > m->ram_size || len > m->ram_size - gpa)
		return NULL;
	if (m->hole_end > m->hole_start && gpa < m->hole_end && gpa + len > m->hole_start)
		return NULL;
	return m->ram + gpa;
}

static uint64_t mock_guest_tsc(void *opaque)
{
	struct hvmock *m = opaque;

	return atomic_fetch_add(&m->tsc, m->tsc_step);
}

static uint64_t mock_vp_runtime_ns(void *opaque, struct hv_vp *vp)
{
	struct hvmock *m = opaque;

	(void)vp;
	return m->runtime_ns;
}

static int mock_flush_tlb(void *opaque, struct hv_vp *caller, const struct hv_vpset *targets)
{
	struct hvmock *m = opaque;
	int r;

	atomic_fetch_add(&m->flush_entered, 1);
	while (atomic_load(&m->flush_block))
		usleep(100);
	pthread_mutex_lock(&m->lock);
	m->flushes++;
	m->last_flush = *targets;
	m->last_flush_caller = hv_vp_index(caller);
	r = m->flush_ret;
	pthread_mutex_unlock(&m->lock);
	atomic_fetch_add(&m->flush_done, 1);
	return r;
}

static int mock_send_ipi(void *opaque, struct hv_vp *caller, const struct hv_vpset *targets,
			 uint32_t vector)
{
	struct hvmock *m = opaque;
	int64_t vp;
	int r;

	(void)caller;
	pthread_mutex_lock(&m->lock);
	m->ipi_calls++;
	m->last_ipi = *targets;
	m->last_vector = vector;
	vpset_for_each (vp, targets, HV_VPSET_MAX_VP) {
		/* Like the backend: only VPs that exist get the interrupt. */
		if (hv_vp_lookup(m->part, (uint32_t)vp))
			m->ipis_to[vp]++;
	}
	r = m->ipi_ret;
	pthread_mutex_unlock(&m->lock);
	return r;
}

static int mock_apic_write(void *opaque, struct hv_vp *vp, uint32_t msr, uint64_t value)
{
	struct hvmock *m = opaque;

	(void)vp;
	m->apic_writes++;
	m->last_apic_msr = msr;
	m->last_apic_value = value;
	return m->apic_ret;
}

static int mock_apic_read(void *opaque, struct hv_vp *vp, uint32_t msr, uint64_t *value)
{
	struct hvmock *m = opaque;

	(void)vp;
	m->apic_reads++;
	m->last_apic_msr = msr;
	if (m->apic_ret)
		return m->apic_ret;
	*value = m->apic_read_value;
	return 0;
}

static int mock_vp_assist_page(void *opaque, struct hv_vp *vp, uint64_t gpa, bool enable)
{
	struct hvmock *m = opaque;

	(void)vp;
	m->vp_assist_calls++;
	m->last_vp_assist_gpa = gpa;
	m->last_vp_assist_enable = enable;
	return m->vp_assist_ret;
}

static void mock_system_event(void *opaque, struct hv_vp *vp, enum hv_system_event ev,
			      const uint64_t params[5])
{
	struct hvmock *m = opaque;

	(void)vp;
	if (ev == HV_EVENT_RESET) {
		m->resets++;
	} else {
		m->crashes++;
		memcpy(m->crash_params, params, sizeof(m->crash_params));
	}
}

static void mock_yield(void *opaque, struct hv_vp *vp)
{
	struct hvmock *m = opaque;

	(void)vp;
	m->yields++;
}

static int mock_get_xmm(void *opaque, struct hv_vp *vp, uint64_t xmm[12])
{
	struct hvmock *m = opaque;

	(void)vp;
	m->xmm_reads++;
	if (m->xmm_ret)
		return m->xmm_ret;
	memcpy(xmm, m->xmm, sizeof(m->xmm));
	return 0;
}

static void mock_unsuspended(void *opaque, struct hv_vp *vp)
{
	struct hvmock *m = opaque;

	atomic_fetch_add(&m->unsuspended[hv_vp_index(vp)], 1);
}

static int mock_raise_irq(void *opaque, struct hv_vp *vp, uint32_t vector, bool auto_eoi)
{
	struct hvmock *m = opaque;
	uint32_t i = hv_vp_index(vp);
	int r;

	pthread_mutex_lock(&m->lock);
	m->raise_calls++;
	r = m->raise_ret;
	if (!r && i < HVMOCK_RAISE_VPS && vector < 256) {
		m->raised[i][vector]++;
		if (auto_eoi)
			m->raised_aeoi[i]++;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

const struct hv_platform_ops hvmock_ops = {
	.gpa_ptr = mock_gpa_ptr,
	.guest_tsc = mock_guest_tsc,
	.vp_runtime_ns = mock_vp_runtime_ns,
	.flush_tlb = mock_flush_tlb,
	.send_ipi = mock_send_ipi,
	.apic_write = mock_apic_write,
	.apic_read = mock_apic_read,
	.vp_assist_page = mock_vp_assist_page,
	.system_event = mock_system_event,
	.yield = mock_yield,
	.get_xmm = mock_get_xmm,
	.unsuspended = mock_unsuspended,
	.raise_irq = mock_raise_irq,
};

struct hvmock *hvmock_new(uint64_t ram_size)
{
	struct hvmock *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->ram = calloc(1, ram_size ? ram_size : 1);
	if (!m->ram) {
		free(m);
		return NULL;
	}
	m->ram_size = ram_size;
	atomic_init(&m->tsc, 1000000);
	pthread_mutex_init(&m->lock, NULL);
	{
		struct tsvc_params tp = { .manual = true, .name = "mock-timers" };

		if (tsvc_create(&tp, &m->timers)) {
			free(m->ram);
			free(m);
			return NULL;
		}
	}
	return m;
}

void hvmock_free(struct hvmock *m)
{
	if (!m)
		return;
	tsvc_destroy(m->timers);
	pthread_mutex_destroy(&m->lock);
	free(m->ram);
	free(m);
}

void *hvmock_gpa(struct hvmock *m, uint64_t gpa)
{
	return m->ram + gpa;
}

unsigned hvmock_advance(struct hvmock *m, uint64_t ns)
{
	atomic_fetch_add(&m->tsc, ns * (HVMOCK_TSC_HZ / 1000000000ull) +
				      ns * (HVMOCK_TSC_HZ % 1000000000ull) / 1000000000ull);
	tsvc_set_now(m->timers, tsvc_now(m->timers) + ns);
	return tsvc_run_due(m->timers);
}

unsigned hvmock_raised(struct hvmock *m, uint32_t vp)
{
	unsigned n = 0;

	pthread_mutex_lock(&m->lock);
	for (int v = 0; v < 256; v++)
		n += m->raised[vp][v];
	pthread_mutex_unlock(&m->lock);
	return n;
}

int hvmock_partition(struct hvmock *m, const char *features, uint32_t max_vps,
		     struct hv_partition **out)
{
	struct hv_partition_params p = {
		.max_vps = max_vps,
		.tsc_hz = HVMOCK_TSC_HZ,
		.apic_hz = HVMOCK_APIC_HZ,
		.ops = &hvmock_ops,
		.opaque = m,
		.timers = m->timers,
	};
	char err[128];
	int r;

	r = hv_features_parse(features, &p.features, err, sizeof(err));
	if (r)
		return r;
	r = hv_partition_create(&p, out);
	if (!r)
		m->part = *out;
	return r;
}

struct hv_vp *hvmock_vp(struct hv_partition *part, uint32_t vp_index)
{
	struct hv_vp *vp;

	if (hv_vp_create(part, vp_index, NULL, &vp))
		return NULL;
	hv_vp_set_online(vp, true);
	return vp;
}

void hvmock_guest_os_id(struct hv_vp *vp)
{
	/* Linux's encoding: open source, OS type Linux. */
	hv_msr_write(vp, 0x40000000u, 0x8100000000000000ull);
}

struct hv_vp *hvmock_guest_ready(struct hvmock *m, const char *features, uint32_t max_vps,
				 struct hv_partition **part)
{
	struct hv_vp *vp;

	if (hvmock_partition(m, features, max_vps, part))
		return NULL;
	vp = hvmock_vp(*part, 0);
	if (vp)
		hvmock_guest_os_id(vp);
	return vp;
}

uint64_t hvmock_hcall(struct hv_vp *vp, uint64_t control, uint64_t in, uint64_t out,
		      enum hv_hcall_outcome *outcome)
{
	struct hv_cpu_mode mode = { .protected_mode = true, .is_64bit = true, .cpl = 0 };
	struct hv_regs regs = { .rax = ~0ull, .rcx = control, .rdx = in, .r8 = out };
	enum hv_hcall_outcome o = hv_hypercall(vp, &mode, &regs);

	if (outcome)
		*outcome = o;
	return o == HV_HCALL_DONE ? regs.rax : ~0ull;
}

uint64_t hvmock_set_lo(const struct hv_vpset *s)
{
	return s->all ? ~0ull : s->bank[0];
}

uint64_t hvmock_set_hi(const struct hv_vpset *s)
{
	return s->all ? ~0ull : s->bank[1];
}

struct hvmock_stat_find {
	const char *name;
	uint64_t value;
};

static void hvmock_find_stat(void *ctx, const char *name, enum stat_type type, enum stat_unit unit,
			     uint64_t value)
{
	struct hvmock_stat_find *f = ctx;

	(void)type;
	(void)unit;
	if (!strcmp(name, f->name))
		f->value = value;
}

uint64_t hvmock_pstat(struct hv_partition *part, const char *name)
{
	struct hvmock_stat_find f = { .name = name, .value = ~0ull };

	hv_partition_stats_visit(part, hvmock_find_stat, &f);
	return f.value;
}

uint64_t hvmock_vstat(struct hv_vp *vp, const char *name)
{
	struct hvmock_stat_find f = { .name = name, .value = ~0ull };

	hv_vp_stats_visit(vp, hvmock_find_stat, &f);
	return f.value;
}
