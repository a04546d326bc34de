// SPDX-License-Identifier: MIT
/*
 * Snapshots of what the guest set up (GUEST_OS_ID, hypercall page, reference TSC page,
 * VP assist pages) for the control socket, and the decoding of the guest OS identity
 * (TLFS "Reporting the Guest OS Identity").
 */
#include <stdio.h>
#include <string.h>

#include "hv/hv_internal.h"

static const char *open_source_os(uint32_t type)
{
	switch (type) {
	case HV_GUEST_OS_TYPE_LINUX:
		return "Linux";
	case HV_GUEST_OS_TYPE_FREEBSD:
		return "FreeBSD";
	case HV_GUEST_OS_TYPE_XEN:
		return "Xen";
	case HV_GUEST_OS_TYPE_ILLUMOS:
		return "Illumos";
	default:
		return "unknown";
	}
}

void hv_guest_os_id_decode(uint64_t id, struct hv_guest_os *o)
{
	memset(o, 0, sizeof(*o));
	o->build = (uint32_t)(id & 0xFFFF);
	if (!id) {
		snprintf(o->os, sizeof(o->os), "none");
		return;
	}
	if (id & HV_GUEST_OS_ID_OPEN_SOURCE) {
		o->open_source = true;
		o->os_type = (uint32_t)(id >> 56) & 0x7F;
		o->os_id = (uint32_t)(id >> 48) & 0xFF;
		o->version = (uint32_t)(id >> 16);
		snprintf(o->os, sizeof(o->os), "%s", open_source_os(o->os_type));
		if (o->os_type == HV_GUEST_OS_TYPE_LINUX) /* KERNEL_VERSION(a, b, c) */
			snprintf(o->version_text, sizeof(o->version_text), "%u.%u.%u",
				 (o->version >> 16) & 0xFF, (o->version >> 8) & 0xFF,
				 o->version & 0xFF);
		else
			snprintf(o->version_text, sizeof(o->version_text), "0x%x", o->version);
		return;
	}
	o->vendor = (uint32_t)(id >> 48) & 0x7FFF;
	o->os_id = (uint32_t)(id >> 40) & 0xFF;
	o->major = (uint32_t)(id >> 32) & 0xFF;
	o->minor = (uint32_t)(id >> 24) & 0xFF;
	o->service = (uint32_t)(id >> 16) & 0xFF;
	snprintf(o->os, sizeof(o->os), "%s",
		 o->vendor == HV_GUEST_OS_VENDOR_MICROSOFT && o->os_id == HV_GUEST_OS_MICROSOFT_NT
		     ? "Windows NT"
		     : "unknown");
	snprintf(o->version_text, sizeof(o->version_text), "%u.%u", o->major, o->minor);
}

void hv_partition_query(struct hv_partition *part, struct hv_partition_info *out)
{
	memset(out, 0, sizeof(*out));
	out->privileges_low = part->cpuid.features_eax;
	out->privileges_high = part->cpuid.features_ebx;
	out->misc = part->cpuid.features_edx;
	out->hints = part->cpuid.enlight_eax;
	out->spinlock_retries = part->cpuid.enlight_ebx;
	out->guest_os_id = atomic_load(&part->guest_os_id);
	out->hypercall = atomic_load(&part->hypercall);
	pthread_mutex_lock(&part->lock);
	out->reference_tsc = part->reference_tsc;
	if (out->reference_tsc & HV_X64_MSR_TSC_REFERENCE_ENABLE) {
		struct hv_reference_tsc_page *pg = part->ops->gpa_ptr(
		    part->opaque, out->reference_tsc & HV_X64_MSR_TSC_REFERENCE_ADDRESS_MASK,
		    sizeof(*pg));

		if (pg)
			out->tsc_sequence = __atomic_load_n(&pg->tsc_sequence, __ATOMIC_ACQUIRE);
	}
	pthread_mutex_unlock(&part->lock);
}

void hv_vp_query(struct hv_vp *vp, struct hv_vp_info *out)
{
	memset(out, 0, sizeof(*out));
	out->vp_index = vp->index;
	out->vp_assist_page = atomic_load(&vp->vp_assist_page);
}
