// SPDX-License-Identifier: MIT
/*
 * The synthetic MSRs (TLFS "Hypercall Interface", "Virtual Processor Properties",
 * "Timers", "Virtual Interrupt Controller", "Guest Crash Enlightenment Interface").
 *
 * Access is gated by the CPUID bits hvemu offers, as KVM's hv_check_msr_access() does
 * with enforced CPUID (arch/x86/kvm/hyperv.c): an MSR whose bit is not offered takes #GP on
 * read and write. Synthetic MSRs hvemu does not implement (reenlightenment, SynDbg, ...)
 * have no bit offered, so they #GP too. Read-only MSRs #GP on write. The SynIC and
 * synthetic-timer ranges are handled in synic.c and stimer.c.
 */
#include <string.h>

#include "hv/hv_internal.h"
#include "util/log.h"
#include "x86/apicdef.h"

/* The hypercall page: out %al, $HV_HYPERCALL_EXIT_PORT; ret. The rest is int3. */
static const uint8_t hypercall_code[] = { 0xE6, HV_HYPERCALL_EXIT_PORT, 0xC3 };
_Static_assert(HV_HYPERCALL_EXIT_LEN == 2, "the page's out is E6 ib");
#define INT3 0xCC

bool hv_msr_is_synthetic(uint32_t msr)
{
	return msr >= HV_X64_MSR_SYNTHETIC_FIRST && msr <= HV_X64_MSR_SYNTHETIC_LAST;
}

static int msr_idx(uint32_t msr)
{
	switch (msr) {
#define HV_MSR_CASE(u, l)    \
	case HV_X64_MSR_##u: \
		return HV_MSR_IDX_##u;
		HV_MSR_LIST(HV_MSR_CASE)
#undef HV_MSR_CASE
	default:
		return -1;
	}
}

/* KVM hv_check_msr_access() for the MSRs hvemu implements. */
static bool msr_allowed(const struct hv_cpuid_cache *c, enum hv_msr_idx idx)
{
	switch (idx) {
	case HV_MSR_IDX_GUEST_OS_ID:
	case HV_MSR_IDX_HYPERCALL:
		return c->features_eax & HV_X64_MSR_HYPERCALL_AVAILABLE;
	case HV_MSR_IDX_VP_INDEX:
		return c->features_eax & HV_X64_MSR_VP_INDEX_AVAILABLE;
	case HV_MSR_IDX_RESET:
		return c->features_eax & HV_X64_MSR_RESET_AVAILABLE;
	case HV_MSR_IDX_VP_RUNTIME:
		return c->features_eax & HV_X64_MSR_VP_RUNTIME_AVAILABLE;
	case HV_MSR_IDX_TIME_REF_COUNT:
		return c->features_eax & HV_X64_MSR_TIME_REF_COUNT_AVAILABLE;
	case HV_MSR_IDX_REFERENCE_TSC:
		return c->features_eax & HV_X64_MSR_REFERENCE_TSC_AVAILABLE;
	case HV_MSR_IDX_TSC_FREQUENCY:
	case HV_MSR_IDX_APIC_FREQUENCY:
		return c->features_eax & HV_X64_ACCESS_FREQUENCY_MSRS;
	case HV_MSR_IDX_EOI:
	case HV_MSR_IDX_ICR:
	case HV_MSR_IDX_TPR:
	case HV_MSR_IDX_VP_ASSIST_PAGE:
		return c->features_eax & HV_X64_MSR_APIC_ACCESS_AVAILABLE;
	case HV_MSR_IDX_CRASH_P0:
	case HV_MSR_IDX_CRASH_P1:
	case HV_MSR_IDX_CRASH_P2:
	case HV_MSR_IDX_CRASH_P3:
	case HV_MSR_IDX_CRASH_P4:
	case HV_MSR_IDX_CRASH_CTL:
		return c->features_edx & HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE;
	case HV_MSR_IDX_TSC_INVARIANT_CONTROL:
		return c->features_eax & HV_X64_ACCESS_TSC_INVARIANT;
	case HV_MSR_IDX_NR:
		break;
	}
	return false;
}

static uint32_t x2apic_msr(enum hv_msr_idx idx)
{
	/* The x2APIC MSRs the Hyper-V APIC MSRs are forwarded to. */
	return idx == HV_MSR_IDX_EOI   ? X2APIC_MSR(APIC_EOI)
	       : idx == HV_MSR_IDX_ICR ? X2APIC_MSR(APIC_ICR)
				       : X2APIC_MSR(APIC_TASKPRI);
}

static enum hv_msr_result gp(struct hv_partition *part, int idx)
{
	if (idx >= 0)
		stat_inc(&part->stats.msr[idx].gp);
	return HV_MSR_GP;
}

static enum hv_msr_result unimplemented(struct hv_vp *vp, uint32_t msr, bool write)
{
	stat_inc(&vp->part->stats.msr_unimplemented);
	pr_info_ratelimited("hv: vp %u: %s of unimplemented synthetic MSR 0x%x: #GP\n", vp->index,
			    write ? "write" : "read", msr);
	return HV_MSR_GP;
}

/*
 * The SynIC (SCONTROL-SINT15, CPUID AccessSynicRegs) and synthetic-timer (STIMERn,
 * AccessSyntheticTimerRegs) ranges: gated like the others, counted per range.
 */
static enum hv_msr_result range_access(struct hv_vp *vp, uint32_t msr, bool write, uint64_t *value)
{
	struct hv_partition *part = vp->part;
	bool synic = hv_synic_msr(msr);
	struct hv_msr_counters *c = synic ? &part->stats.msr_synic : &part->stats.msr_stimer;
	uint32_t bit = synic ? HV_X64_MSR_SYNIC_AVAILABLE : HV_X64_MSR_SYNTIMER_AVAILABLE;
	enum hv_msr_result res;

	if (!(part->cpuid.features_eax & bit)) {
		res = HV_MSR_GP;
	} else {
		stat_inc(write ? &c->writes : &c->reads);
		if (synic)
			res = write ? hv_synic_msr_write(vp, msr, *value)
				    : hv_synic_msr_read(vp, msr, value);
		else
			res = write ? hv_stimer_msr_write(vp, msr, *value)
				    : hv_stimer_msr_read(vp, msr, value);
	}
	if (res == HV_MSR_GP)
		stat_inc(&c->gp);
	return res;
}

/*
 * The checks every synthetic MSR access passes before its handler: not ours (the caller
 * tries the next MSR owner), unimplemented, or hidden by CPUID (#GP, as KVM does), and
 * the access counted. On HV_MSR_OK *idx is the MSR's table index.
 */
static enum hv_msr_result msr_admit(struct hv_vp *vp, uint32_t msr, bool write, int *idx)
{
	struct hv_partition *part = vp->part;
	int i = msr_idx(msr);

	*idx = i;
	if (!hv_msr_is_synthetic(msr))
		return HV_MSR_UNKNOWN;
	if (i < 0)
		return unimplemented(vp, msr, write);
	if (!msr_allowed(&part->cpuid, (enum hv_msr_idx)i))
		return gp(part, i);
	if (write)
		stat_inc(&part->stats.msr[i].writes);
	else
		stat_inc(&part->stats.msr[i].reads);
	return HV_MSR_OK;
}

enum hv_msr_result hv_msr_read(struct hv_vp *vp, uint32_t msr, uint64_t *value)
{
	struct hv_partition *part = vp->part;
	const struct hv_platform_ops *ops = part->ops;
	enum hv_msr_result res;
	int idx;
	uint64_t v = 0;

	if (hv_synic_msr(msr) || hv_stimer_msr(msr))
		return range_access(vp, msr, false, value);
	res = msr_admit(vp, msr, false, &idx);
	if (res != HV_MSR_OK)
		return res;

	switch ((enum hv_msr_idx)idx) {
	case HV_MSR_IDX_GUEST_OS_ID:
		v = atomic_load(&part->guest_os_id);
		break;
	case HV_MSR_IDX_HYPERCALL:
		v = atomic_load(&part->hypercall);
		break;
	case HV_MSR_IDX_VP_INDEX: /* TLFS "Virtual Processor Index" */
		v = vp->index;
		break;
	case HV_MSR_IDX_RESET: /* KVM reads 0 */
		v = 0;
		break;
	case HV_MSR_IDX_VP_RUNTIME: /* TLFS "Virtual Processor Run Time Register": 100 ns */
		v = ops->vp_runtime_ns(part->opaque, vp) / 100;
		break;
	case HV_MSR_IDX_TIME_REF_COUNT:
		v = hv_ref_time(part);
		break;
	case HV_MSR_IDX_REFERENCE_TSC:
		pthread_mutex_lock(&part->lock);
		v = part->reference_tsc;
		pthread_mutex_unlock(&part->lock);
		break;
	case HV_MSR_IDX_TSC_FREQUENCY:
		v = part->tsc_hz;
		break;
	case HV_MSR_IDX_APIC_FREQUENCY:
		v = part->apic_hz;
		break;
	case HV_MSR_IDX_EOI:
	case HV_MSR_IDX_ICR:
	case HV_MSR_IDX_TPR:
		if (ops->apic_read(part->opaque, vp, x2apic_msr((enum hv_msr_idx)idx), &v)) {
			stat_inc(&part->stats.apic_msr_errors);
			return gp(part, idx);
		}
		break;
	case HV_MSR_IDX_VP_ASSIST_PAGE:
		v = atomic_load(&vp->vp_assist_page);
		break;
	case HV_MSR_IDX_CRASH_P0:
	case HV_MSR_IDX_CRASH_P1:
	case HV_MSR_IDX_CRASH_P2:
	case HV_MSR_IDX_CRASH_P3:
	case HV_MSR_IDX_CRASH_P4:
		pthread_mutex_lock(&part->lock);
		v = part->crash_p[idx - HV_MSR_IDX_CRASH_P0];
		pthread_mutex_unlock(&part->lock);
		break;
	case HV_MSR_IDX_CRASH_CTL:
		/* The capabilities: CrashNotify (what QEMU programs into KVM's hv_crash_ctl). */
		v = HV_CRASH_CTL_CRASH_NOTIFY;
		break;
	case HV_MSR_IDX_TSC_INVARIANT_CONTROL:
		pthread_mutex_lock(&part->lock);
		v = part->tsc_invariant_control;
		pthread_mutex_unlock(&part->lock);
		break;
	case HV_MSR_IDX_NR:
		return gp(part, -1);
	}
	*value = v;
	return HV_MSR_OK;
}

/* Who the guest says it is, when it says something new (rate-limited: guest-triggered). */
static void log_guest_os(const struct hv_vp *vp, uint64_t id)
{
	struct hv_guest_os os;

	hv_guest_os_id_decode(id, &os);
	pr_info_ratelimited("hv: vp %u: guest OS ID 0x%016llx: %s %s (%s, build %u)\n", vp->index,
			    (unsigned long long)id, os.os, os.version_text,
			    os.open_source ? "open source" : "proprietary", os.build);
}

/*
 * TLFS "Establishing the Hypercall Interface", with KVM's semantics
 * (kvm_hv_set_msr_pw): dropped entirely while GUEST_OS_ID is 0 ("enable bit will remain
 * zero"); a value without enable is stored as written; enabling writes the page and #GPs
 * if the GPFN is not guest RAM ("beyond the bounds of the GPA space"). The Locked bit is
 * stored but not enforced, as in KVM: hvemu does not offer HypercallMsrLock (EDX b18).
 */
static enum hv_msr_result write_hypercall(struct hv_partition *part, uint64_t value)
{
	enum hv_msr_result res = HV_MSR_OK;

	pthread_mutex_lock(&part->lock);
	if (!atomic_load(&part->guest_os_id))
		goto out;
	if (value & HV_X64_MSR_HYPERCALL_ENABLE) {
		uint64_t gpa = value & HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_MASK;
		uint8_t *page = part->ops->gpa_ptr(part->opaque, gpa, HV_PAGE_SIZE);

		if (!page) {
			res = HV_MSR_GP;
			goto out;
		}
		memset(page + sizeof(hypercall_code), INT3, HV_PAGE_SIZE - sizeof(hypercall_code));
		memcpy(page, hypercall_code, sizeof(hypercall_code));
		stat_inc(&part->stats.hypercall_page_writes);
	}
	atomic_store(&part->hypercall, value);
out:
	pthread_mutex_unlock(&part->lock);
	return res;
}

bool hv_hypercall_exit_from_page(struct hv_partition *part, uint64_t rip_gpa)
{
	uint64_t hc = atomic_load(&part->hypercall);
	uint64_t page = hc & HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_MASK;
	const uint8_t *code;

	if (!atomic_load(&part->guest_os_id) || !(hc & HV_X64_MSR_HYPERCALL_ENABLE))
		return false;
	if (rip_gpa != page && rip_gpa != page + HV_HYPERCALL_EXIT_LEN)
		return false;
	/* The guest may have overwritten its page: then that code is not hvemu's. */
	code = part->ops->gpa_ptr(part->opaque, page, sizeof(hypercall_code));
	if (!code)
		return false;
	for (size_t i = 0; i < sizeof(hypercall_code); i++)
		if (__atomic_load_n(&code[i], __ATOMIC_RELAXED) != hypercall_code[i])
			return false;
	return true;
}

/*
 * TLFS "Virtual Processor Assist Page" with KVM's semantics: enabling clears only the
 * first u32 (apic_assist; "there can be valuable data in the rest which needs to be
 * preserved"), #GP if the page is not guest RAM; then the backend programs PV EOI. No
 * reserved-bit check (KVM stores the value as written).
 */
static enum hv_msr_result write_vp_assist(struct hv_vp *vp, uint64_t value)
{
	struct hv_partition *part = vp->part;
	bool enable = value & HV_X64_MSR_VP_ASSIST_PAGE_ENABLE;
	uint64_t gpa = value & HV_X64_MSR_VP_ASSIST_PAGE_ADDRESS_MASK;

	if (enable) {
		uint32_t *page = part->ops->gpa_ptr(part->opaque, gpa, HV_PAGE_SIZE);

		if (!page)
			return HV_MSR_GP;
		__atomic_store_n(page, 0, __ATOMIC_RELAXED);
	}
	if (part->ops->vp_assist_page(part->opaque, vp, gpa, enable))
		return HV_MSR_GP;
	atomic_store(&vp->vp_assist_page, value);
	return HV_MSR_OK;
}

/*
 * TLFS HV_X64_MSR_TSC_INVARIANT_CONTROL with KVM's rules (kvm_hv_set_msr_pw): only bit 0
 * (HV_EXPOSE_INVARIANT_TSC) may be set, and the guest cannot clear it once set. KVM also
 * hides CPUID 0x80000007.EDX[8] until bit 0 is written; hvemu cannot change CPUID after
 * the first KVM_RUN, so the bit shows what the host offers from the start (docs/synic.md).
 */
static enum hv_msr_result write_tsc_invariant(struct hv_partition *part, uint64_t value)
{
	enum hv_msr_result res = HV_MSR_OK;

	if (value & ~HV_EXPOSE_INVARIANT_TSC)
		return HV_MSR_GP;
	pthread_mutex_lock(&part->lock);
	if (part->tsc_invariant_control && !value)
		res = HV_MSR_GP;
	else
		part->tsc_invariant_control = value;
	pthread_mutex_unlock(&part->lock);
	return res;
}

enum hv_msr_result hv_msr_write(struct hv_vp *vp, uint32_t msr, uint64_t value)
{
	struct hv_partition *part = vp->part;
	const struct hv_platform_ops *ops = part->ops;
	int idx;
	enum hv_msr_result res;

	if (hv_synic_msr(msr) || hv_stimer_msr(msr))
		return range_access(vp, msr, true, &value);
	res = msr_admit(vp, msr, true, &idx);
	if (res != HV_MSR_OK)
		return res;

	switch ((enum hv_msr_idx)idx) {
	case HV_MSR_IDX_GUEST_OS_ID:
		/* TLFS "Reporting the Guest OS Identity": zeroing it disables the page. */
		pthread_mutex_lock(&part->lock);
		if (atomic_exchange(&part->guest_os_id, value) != value)
			log_guest_os(vp, value);
		if (!value)
			atomic_fetch_and(&part->hypercall, ~HV_X64_MSR_HYPERCALL_ENABLE);
		pthread_mutex_unlock(&part->lock);
		break;
	case HV_MSR_IDX_HYPERCALL:
		res = write_hypercall(part, value);
		break;
	case HV_MSR_IDX_VP_INDEX:
	case HV_MSR_IDX_VP_RUNTIME:
	case HV_MSR_IDX_TIME_REF_COUNT:
	case HV_MSR_IDX_TSC_FREQUENCY:
	case HV_MSR_IDX_APIC_FREQUENCY:
		res = HV_MSR_GP; /* read-only for the guest (KVM: host writes only) */
		break;
	case HV_MSR_IDX_RESET:
		/* KVM resets on exactly 1 ("if (data == 1)"); other values are ignored. */
		if (value == HV_X64_MSR_RESET_VALUE) {
			stat_inc(&part->stats.resets);
			pr_info_ratelimited(
			    "hv: vp %u: guest requested a reset (HV_X64_MSR_RESET)\n", vp->index);
			ops->system_event(part->opaque, vp, HV_EVENT_RESET, NULL);
		}
		break;
	case HV_MSR_IDX_REFERENCE_TSC:
		res = hv_msr_reference_tsc_write(part, value);
		break;
	case HV_MSR_IDX_EOI:
	case HV_MSR_IDX_ICR:
	case HV_MSR_IDX_TPR:
		if (ops->apic_write(part->opaque, vp, x2apic_msr((enum hv_msr_idx)idx), value)) {
			stat_inc(&part->stats.apic_msr_errors);
			res = HV_MSR_GP;
		}
		break;
	case HV_MSR_IDX_VP_ASSIST_PAGE:
		res = write_vp_assist(vp, value);
		break;
	case HV_MSR_IDX_CRASH_P0:
	case HV_MSR_IDX_CRASH_P1:
	case HV_MSR_IDX_CRASH_P2:
	case HV_MSR_IDX_CRASH_P3:
	case HV_MSR_IDX_CRASH_P4:
		pthread_mutex_lock(&part->lock);
		part->crash_p[idx - HV_MSR_IDX_CRASH_P0] = value;
		pthread_mutex_unlock(&part->lock);
		break;
	case HV_MSR_IDX_CRASH_CTL:
		/* KVM: a guest write with CrashNotify reports the crash; others are ignored. */
		if (value & HV_CRASH_CTL_CRASH_NOTIFY) {
			uint64_t p[HV_CRASH_PARAMS];

			pthread_mutex_lock(&part->lock);
			memcpy(p, part->crash_p, sizeof(p));
			pthread_mutex_unlock(&part->lock);
			stat_inc(&part->stats.crashes);
			pr_warn_ratelimited("hv: vp %u: guest crash 0x%llx 0x%llx 0x%llx 0x%llx "
					    "0x%llx\n",
					    vp->index, (unsigned long long)p[0],
					    (unsigned long long)p[1], (unsigned long long)p[2],
					    (unsigned long long)p[3], (unsigned long long)p[4]);
			ops->system_event(part->opaque, vp, HV_EVENT_CRASH, p);
		}
		break;
	case HV_MSR_IDX_TSC_INVARIANT_CONTROL:
		res = write_tsc_invariant(part, value);
		break;
	case HV_MSR_IDX_NR:
		res = HV_MSR_GP;
		break;
	}
	if (res == HV_MSR_GP)
		gp(part, idx);
	return res;
}
