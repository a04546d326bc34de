// SPDX-License-Identifier: MIT
/*
 * Partition reference time (TLFS "Timers": "Partition Reference Counter" and "Partition
 * Reference TSC Mechanism"): HV_X64_MSR_TIME_REF_COUNT and the reference TSC page.
 *
 * Both are computed from the guest TSC with one scale and one offset:
 *     scale  = (10^7 << 64) / tsc_hz               (OpenVMM's formula; 100 ns units)
 *     offset = -((tsc_at_first_use * scale) >> 64) (reference time starts near 0)
 *     time   = ((tsc * scale) >> 64) + offset
 * The offset is fixed the first time the guest uses the reference time (a TIME_REF_COUNT
 * read or a REFERENCE_TSC enable), not at partition creation: a backend may only know the
 * guest TSC once its first vCPU exists (hvemu's measures the TSC offset then), and the
 * guest cannot tell the difference — reference time starts near 0 when it first looks.
 * so a time read from the page equals the MSR at the same TSC value, exactly: the
 * kvm-unit-tests hyperv_clock check t_page1 <= t_msr <= t_page2 holds by construction,
 * and both are monotonic because the guest TSC is. The guest TSC frequency never changes
 * under hvemu (no migration, no KVM_SET_CLOCK), so the page is written once per enable.
 */
#include "hv/hv_internal.h"

void hv_ref_time_init(struct hv_partition *part)
{
	unsigned __int128 s = ((unsigned __int128)HV_CLOCK_HZ << 64) / part->tsc_hz;

	/* hv_partition_create checked tsc_hz > 10^7, so the scale fits in 64 bits. */
	part->ref_scale = (uint64_t)s;
}

/* The reference time's origin, fixed once (double-checked: later calls take no lock). */
static uint64_t ref_offset(struct hv_partition *part)
{
	if (atomic_load_explicit(&part->ref_ready, memory_order_acquire))
		return part->ref_offset;
	pthread_mutex_lock(&part->ref_lock);
	if (!atomic_load_explicit(&part->ref_ready, memory_order_relaxed)) {
		uint64_t tsc0 = part->ops->guest_tsc(part->opaque);

		part->ref_offset = 0 - hv_mul_u64_u64_shr64(tsc0, part->ref_scale);
		atomic_store_explicit(&part->ref_ready, 1, memory_order_release);
	}
	pthread_mutex_unlock(&part->ref_lock);
	return part->ref_offset;
}

uint64_t hv_ref_time(struct hv_partition *part)
{
	uint64_t offset = ref_offset(part);
	uint64_t tsc = part->ops->guest_tsc(part->opaque);

	/* Unsigned wrap-around is the TLFS's signed TscOffset addition. */
	return hv_mul_u64_u64_shr64(tsc, part->ref_scale) + offset;
}

/* Writes the page with KVM's sequence protocol (kvm_hv_setup_tsc_page). */
static void write_tsc_page(struct hv_partition *part, struct hv_reference_tsc_page *pg,
			   uint64_t offset)
{
	uint32_t seq = __atomic_load_n(&pg->tsc_sequence, __ATOMIC_RELAXED);

	/*
	 * Sequence 0: readers use the MSR while scale and offset change. The sequence stores
	 * are seq_cst (not relaxed stores and fences, which ThreadSanitizer cannot model):
	 * they order the field stores between them, as the protocol needs.
	 */
	__atomic_store_n(&pg->tsc_sequence, HV_TSC_SEQUENCE_INVALID, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pg->tsc_scale, part->ref_scale, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->tsc_offset, (int64_t)offset, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->reserved1, 0, __ATOMIC_RELAXED);
	/* Then a new valid sequence: never 0 (invalid) nor 0xFFFFFFFF (KVM: updating). */
	seq++;
	if (seq == HV_TSC_SEQUENCE_INVALID || seq == HV_TSC_SEQUENCE_UPDATING)
		seq = 1;
	__atomic_store_n(&pg->tsc_sequence, seq, __ATOMIC_SEQ_CST);
	stat_inc(&part->stats.tsc_page_writes);
}

/*
 * TLFS HV_X64_MSR_REFERENCE_TSC: bit 0 enable, 63:12 GPFN. As in KVM the value is stored
 * as written (no reserved-bit check), a write without enable leaves the page untouched,
 * and a page that is not guest RAM does not fault the WRMSR: KVM marks its page "broken"
 * and keeps serving TIME_REF_COUNT, and so does hvemu (counted in tsc_page_not_ram).
 */
enum hv_msr_result hv_msr_reference_tsc_write(struct hv_partition *part, uint64_t value)
{
	bool enable = value & HV_X64_MSR_TSC_REFERENCE_ENABLE;
	/* Taken before part->lock: ref_lock is never nested inside it. */
	uint64_t offset = enable ? ref_offset(part) : 0;

	pthread_mutex_lock(&part->lock);
	part->reference_tsc = value;
	if (enable) {
		uint64_t gpa = value & HV_X64_MSR_TSC_REFERENCE_ADDRESS_MASK;
		void *pg = part->ops->gpa_ptr(part->opaque, gpa, HV_PAGE_SIZE);

		if (pg)
			write_tsc_page(part, pg, offset);
		else
			stat_inc(&part->stats.tsc_page_not_ram);
	}
	pthread_mutex_unlock(&part->lock);
	return HV_MSR_OK;
}
