// SPDX-License-Identifier: MIT
/*
 * query-hyperv: what the guest set up of the Hyper-V interface, as hvemu sees it (the
 * GUEST_OS_ID it reported, decoded; the hypercall, reference TSC and per-VP assist pages
 * it enabled), next to the CPUID words hvemu offered (the four Linux prints as "Hyper-V:
 * privilege flags low, high, hints, misc"). docs/control-socket.md has the reply.
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/compiler.h"

#define PAGE_ENABLE	 1ull
#define PAGE_ADDR_MASK	 (~0xFFFull)
#define SEQUENCE_INVALID 0xFFFFFFFFu

struct vp_ctx {
	json_t *arr;
	int err;
};

/* {"enabled": bool, "gpa": N} of a page MSR (0 when disabled). */
static json_t *page(uint64_t msr)
{
	return json_pack("{s:b, s:I}", "enabled", (int)(msr & PAGE_ENABLE), "gpa",
			 (json_int_t)((msr & PAGE_ENABLE) ? msr & PAGE_ADDR_MASK : 0));
}

static void add_vp(void *ctx, const struct ctl_hyperv_vp *vp)
{
	struct vp_ctx *c = ctx;
	json_t *o;

	if (c->err)
		return;
	o = json_pack("{s:I, s:I, s:o*}", "slot", (json_int_t)vp->slot, "vp-index",
		      (json_int_t)vp->vp_index, "vp-assist-page", page(vp->vp_assist_page));
	if (!o || json_array_append_new(c->arr, o))
		c->err = -ENOMEM;
}

static json_t *guest_os(const struct ctl_hyperv *h)
{
	char raw[24];

	snprintf(raw, sizeof(raw), "0x%016llx", (unsigned long long)h->guest_os_id);
	return json_pack("{s:s, s:b, s:I, s:s, s:s, s:I}", "value", raw, "open-source",
			 (int)h->guest_open_source, "os-type", (json_int_t)h->guest_os_type, "os",
			 h->guest_os, "version", h->guest_version, "build",
			 (json_int_t)h->guest_build);
}

int ctl_cmd_query_hyperv(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			 struct ctl_error *e)
{
	struct ctl_hyperv h;
	struct vp_ctx c = { 0 };
	char msg[CTL_ERRMSG_MAX] = "";
	uint64_t tsc_gpa;
	int r;

	(void)args;
	if (!d->ops->query_hyperv) {
		ctl_error_set(e, CTL_ERR_GENERIC, "query-hyperv is not supported by this VM");
		return -EOPNOTSUPP;
	}
	memset(&h, 0, sizeof(h));
	c.arr = json_array();
	if (!c.arr)
		return -ENOMEM;
	r = d->ops->query_hyperv(d->opaque, &h, add_vp, &c, msg);
	if (!r)
		r = c.err;
	if (r) {
		json_decref(c.arr);
		msg[CTL_ERRMSG_MAX - 1] = '\0';
		ctl_error_backend(e, "query-hyperv", r, msg);
		return r;
	}
	if (!h.enabled) {
		json_decref(c.arr);
		*ret = json_pack("{s:b}", "enabled", 0);
		return *ret ? 0 : -ENOMEM;
	}
	h.features[sizeof(h.features) - 1] = '\0';
	h.guest_os[sizeof(h.guest_os) - 1] = '\0';
	h.guest_version[sizeof(h.guest_version) - 1] = '\0';
	tsc_gpa = (h.reference_tsc & PAGE_ENABLE) ? h.reference_tsc & PAGE_ADDR_MASK : 0;
	*ret = json_pack(
	    "{s:b, s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:o*, s:o*, s:{s:b, s:I, s:I, s:b}, s:o}",
	    "enabled", 1, "features", h.features, "cpuid", "privileges-low",
	    (json_int_t)h.privileges_low, "privileges-high", (json_int_t)h.privileges_high, "hints",
	    (json_int_t)h.hints, "misc", (json_int_t)h.misc, "spinlock-retries",
	    (json_int_t)h.spinlock_retries, "guest-os-id", guest_os(&h), "hypercall-page",
	    page(h.hypercall), "reference-tsc-page", "enabled",
	    (int)(h.reference_tsc & PAGE_ENABLE), "gpa", (json_int_t)tsc_gpa, "sequence",
	    (json_int_t)h.tsc_sequence, "valid",
	    (int)(tsc_gpa && h.tsc_sequence && h.tsc_sequence != SEQUENCE_INVALID), "vps", c.arr);
	return *ret ? 0 : -ENOMEM;
}
