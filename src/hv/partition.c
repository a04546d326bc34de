// SPDX-License-Identifier: MIT
/*
 * Partitions and VPs (TLFS "Partitions", "Virtual Processors"): creation, the VP-index
 * table and the online state.
 *
 * The table is an array of _Atomic pointers indexed by VP index, so hv_vp_lookup() and the
 * flush/IPI paths read it without a lock, inside a read section (readers.c). A destroyed
 * VP is unpublished at once and freed once no read section can still hold it, so a
 * reader that loaded the pointer just before the removal still reads valid memory, and
 * hotplug churn keeps no memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv_internal.h"
#include "util/log.h"

static bool ops_complete(const struct hv_platform_ops *o)
{
	/* Every op but unsuspended (and raise_irq without SynIC) is required (hv.h). */
	return o && o->gpa_ptr && o->guest_tsc && o->vp_runtime_ns && o->flush_tlb && o->send_ipi &&
	       o->apic_write && o->apic_read && o->vp_assist_page && o->system_event && o->yield &&
	       o->get_xmm;
}

int hv_partition_create(const struct hv_partition_params *p, struct hv_partition **out)
{
	struct hv_partition *part;
	char err[96];

	if (!p || !out)
		return -EINVAL;
	*out = NULL;
	if (!ops_complete(p->ops)) {
		pr_err("hv: partition needs every platform op\n");
		return -EINVAL;
	}
	if (p->max_vps == 0 || p->max_vps > HV_VPSET_MAX_VP) {
		pr_err("hv: max_vps %u out of range 1-%u\n", p->max_vps, HV_VPSET_MAX_VP);
		return -EINVAL;
	}
	if (hv_features_check(&p->features, err, sizeof(err))) {
		pr_err("hv: %s\n", err);
		return -EINVAL;
	}
	if (hv_has(&p->features, HV_FEAT_SYNIC) && (!p->ops->raise_irq || !p->timers)) {
		pr_err("hv: the SynIC needs the raise_irq op and a timer service\n");
		return -EINVAL;
	}
	/* The reference TSC scale (10^7 << 64) / tsc_hz must fit in 64 bits. */
	if (hv_has(&p->features, HV_FEAT_TIME) && p->tsc_hz <= HV_CLOCK_HZ) {
		pr_err("hv: TSC frequency %llu Hz too low for the reference TSC page\n",
		       (unsigned long long)p->tsc_hz);
		return -EINVAL;
	}

	part = calloc(1, sizeof(*part));
	if (!part)
		return -ENOMEM;
	part->vps = calloc(p->max_vps, sizeof(*part->vps));
	if (!part->vps) {
		free(part);
		return -ENOMEM;
	}
	part->features = p->features;
	part->max_vps = p->max_vps;
	part->tsc_hz = p->tsc_hz;
	part->apic_hz = p->apic_hz;
	part->ops = p->ops;
	part->opaque = p->opaque;
	part->timers = p->timers;
	hv_cpuid_cache_build(&part->features, &part->cpuid);
	pthread_mutex_init(&part->vp_lock, NULL);
	pthread_mutex_init(&part->lock, NULL);
	hv_readers_init(part);
	pthread_mutex_init(&part->ref_lock, NULL);
	pthread_mutex_init(&part->routes_lock, NULL);
	hv_conns_init(part);
	for (uint32_t i = 0; i < p->max_vps; i++)
		atomic_init(&part->vps[i], NULL);
	if (hv_has(&part->features, HV_FEAT_TIME))
		hv_ref_time_init(part);
	*out = part;
	return 0;
}

void hv_partition_destroy(struct hv_partition *part)
{
	if (!part)
		return;
	/* The timer service may outlive the partition: no timer of a VP stays armed. */
	for (uint32_t i = 0; i < part->max_vps; i++) {
		struct hv_vp *vp = atomic_load(&part->vps[i]);

		if (vp)
			hv_synic_stop(vp);
	}
	for (uint32_t i = 0; i < part->max_vps; i++)
		free(atomic_load(&part->vps[i]));
	while (part->routes)
		hv_sint_route_destroy(part->routes);
	hv_conns_destroy(part);
	pthread_mutex_destroy(&part->routes_lock);
	hv_readers_destroy(part);
	pthread_mutex_destroy(&part->ref_lock);
	pthread_mutex_destroy(&part->lock);
	pthread_mutex_destroy(&part->vp_lock);
	free(part->vps);
	free(part);
}

const struct hv_features *hv_partition_features(const struct hv_partition *part)
{
	return &part->features;
}

int hv_vp_create(struct hv_partition *part, uint32_t vp_index, void *vp_opaque, struct hv_vp **out)
{
	struct hv_vp *vp;

	if (!part || !out)
		return -EINVAL;
	*out = NULL;
	if (vp_index >= part->max_vps)
		return -EINVAL;
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->part = part;
	vp->index = vp_index;
	vp->opaque = vp_opaque;
	atomic_init(&vp->online, 0);
	atomic_init(&vp->inhibit, 0);
	atomic_init(&vp->waiting_on, HV_VP_NONE);
	hv_synic_init(vp);

	pthread_mutex_lock(&part->vp_lock);
	hv_vp_reclaim_locked(part); /* VPs destroyed while a reader held them */
	if (atomic_load(&part->vps[vp_index])) {
		pthread_mutex_unlock(&part->vp_lock);
		free(vp);
		return -EEXIST;
	}
	/* Publishes the initialised VP (seq_cst store: also a release). */
	atomic_store(&part->vps[vp_index], vp);
	pthread_mutex_unlock(&part->vp_lock);
	*out = vp;
	return 0;
}

void hv_vp_destroy(struct hv_vp *vp)
{
	struct hv_partition *part;
	struct hv_vp *expected;

	if (!vp)
		return;
	part = vp->part;
	atomic_store(&vp->online, 0);
	hv_synic_stop(vp);
	if (atomic_exchange(&vp->inhibit, 0))
		atomic_fetch_sub(&part->inhibited_vps, 1);
	pthread_mutex_lock(&part->vp_lock);
	expected = vp;
	atomic_compare_exchange_strong(&part->vps[vp->index], &expected, NULL);
	pthread_mutex_unlock(&part->vp_lock);
	/*
	 * The table store above comes before this scan (both seq_cst), which is what a
	 * suspending caller's re-check relies on (suspend.c).
	 */
	hv_unsuspend_waiters_of(part, vp->index);
	/* Unpublished (and the backend's own pointer to it cleared): free it when safe. */
	pthread_mutex_lock(&part->vp_lock);
	hv_vp_retire_locked(part, vp);
	pthread_mutex_unlock(&part->vp_lock);
}

void hv_vp_set_online(struct hv_vp *vp, bool online)
{
	atomic_store(&vp->online, online ? 1u : 0u);
	/* A parked or removed vCPU stops its synthetic timers. */
	if (online) {
		hv_synic_start(vp);
	} else {
		hv_synic_stop(vp);
		hv_unsuspend_waiters_of(vp->part, vp->index);
	}
}

uint32_t hv_vp_index(const struct hv_vp *vp)
{
	return vp->index;
}

void *hv_vp_opaque(const struct hv_vp *vp)
{
	return vp->opaque;
}

struct hv_vp *hv_vp_lookup(struct hv_partition *part, uint32_t vp_index)
{
	return part ? hv_vp_get(part, vp_index) : NULL;
}
