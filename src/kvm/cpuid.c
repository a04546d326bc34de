// SPDX-License-Identifier: MIT
#include "kvm/cpuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_sys.h"
#include "util/compiler.h"
#include "util/log.h"

#define CPUID_LEAF_TOPOLOGY 0xb
#define CPUID_HV_FIRST	    0x40000000u
#define CPUID_HV_LAST	    0x4fffffffu
#define CPUID_HV_MAX_LEAVES 16u

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

static unsigned order_base_2(unsigned n)
{
	unsigned s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

int cpuid_build_template(const struct kvm_cpuid2 *supported, const struct hv_features *hv,
			 unsigned max_vcpus, struct kvm_cpuid2 **out, char *err, size_t errlen)
{
	struct hv_cpuid_leaf hvl[CPUID_HV_MAX_LEAVES];
	struct kvm_cpuid2 *c;
	uint32_t n = 0;
	int nhv;

	nhv = hv_cpuid_build(hv, max_vcpus, hvl, CPUID_HV_MAX_LEAVES);
	if (nhv < 0) {
		snprintf(err, errlen, "building the Hyper-V CPUID leaves: %s", strerror(-nhv));
		return nhv;
	}
	c = calloc(1, sizeof(*c) + (supported->nent + (size_t)nhv + 3) * sizeof(c->entries[0]));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < supported->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &supported->entries[i];

		/* KVM's own PV leaves: a guest that sees them may re-program steal time. */
		if (e->function >= CPUID_HV_FIRST && e->function <= CPUID_HV_LAST)
			continue;
		if (e->function == CPUID_LEAF_TOPOLOGY || e->function == 0x1f)
			continue;
		c->entries[n++] = *e;
	}
	/* x2APIC topology: one thread per core, max_vcpus cores in one package. */
	for (uint32_t level = 0; level < 3; level++) {
		struct kvm_cpuid_entry2 *e = &c->entries[n++];

		memset(e, 0, sizeof(*e));
		e->function = CPUID_LEAF_TOPOLOGY;
		e->index = level;
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		e->ecx = level;
		if (level == 0) {
			e->ebx = 1;
			e->ecx |= 1u << 8; /* SMT */
		} else if (level == 1) {
			e->eax = order_base_2(max_vcpus);
			e->ebx = max_vcpus & 0xffff;
			e->ecx |= 2u << 8; /* core */
		}
	}
	for (int i = 0; i < nhv; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[n++];

		memset(e, 0, sizeof(*e));
		e->function = hvl[i].function;
		e->index = hvl[i].index;
		e->eax = hvl[i].eax;
		e->ebx = hvl[i].ebx;
		e->ecx = hvl[i].ecx;
		e->edx = hvl[i].edx;
	}
	c->nent = n;
	*out = c;
	return 0;
}

struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *tmpl, unsigned slot)
{
	struct kvm_cpuid2 *c = kvm_cpuid_dup(tmpl, 0);
	struct kvm_cpuid_entry2 *e;

	if (!c)
		return NULL;
	e = cpuid_find(c, 1, 0);
	if (e)
		e->ebx = (e->ebx & 0x00ffffffu) | ((slot & 0xffu) << 24);
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == CPUID_LEAF_TOPOLOGY)
			c->entries[i].edx = slot;
	return c;
}

int cpuid_apply_model(struct kvm_cpuid2 *tmpl, const struct cpu_model *m, char *err, size_t errlen)
{
	char absent[256];
	struct cpu_leaf *l;
	int r;

	if (!m || !m->nops)
		return 0;
	l = calloc(tmpl->nent ? tmpl->nent : 1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < tmpl->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &tmpl->entries[i];

		l[i] = (struct cpu_leaf){ e->function, e->index, e->eax, e->ebx, e->ecx, e->edx };
		/* A leaf without a significant index answers every subleaf: match it as 0. */
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX))
			l[i].index = 0;
	}
	if (cpu_model_absent(m, l, tmpl->nent, absent, sizeof(absent)))
		pr_warn(
		    "--cpu %s: KVM does not list %s as supported, so hiding them is up to KVM: "
		    "a KVM without hardware virtualization may still show them to the guest (hide "
		    "them on the kernel command line too, e.g. noxsave, clearcpuid=)",
		    m->text, absent);
	r = cpu_model_apply(m, l, tmpl->nent, err, errlen);
	for (uint32_t i = 0; !r && i < tmpl->nent; i++) {
		struct kvm_cpuid_entry2 *e = &tmpl->entries[i];

		e->eax = l[i].eax;
		e->ebx = l[i].ebx;
		e->ecx = l[i].ecx;
		e->edx = l[i].edx;
	}
	free(l);
	return r;
}
