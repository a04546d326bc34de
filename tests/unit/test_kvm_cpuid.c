// SPDX-License-Identifier: MIT
/* The vCPU CPUID template: no KVM paravirtual leaves, Hyper-V leaves when enabled, topology. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kvm/cpuid.h"

/* A fake "supported CPUID" with KVM's signature leaves, as KVM_GET_SUPPORTED_CPUID has. */
static struct kvm_cpuid2 *fake_supported(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 8 * sizeof(c->entries[0]));

	c->nent = 6;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd };
	c->entries[1] =
	    (struct kvm_cpuid_entry2){ .function = 1, .ebx = 0x00010800, .ecx = 1u << 31 };
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x40000000,
						   .eax = 0x40000001,
						   .ebx = 0x4b4d564b };
	c->entries[3] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0xffff };
	c->entries[4] = (struct kvm_cpuid_entry2){ .function = 0xb,
						   .index = 0,
						   .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX };
	c->entries[5] = (struct kvm_cpuid_entry2){ .function = 0xd,
						   .eax = 7,
						   .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX };
	return c;
}

static void test_no_kvm_leaves_without_hv(void)
{
	struct kvm_cpuid2 *sup = fake_supported(), *t = NULL;
	struct hv_features none = { 0 };
	char err[128];

	CHECK_EQ(cpuid_build_template(sup, &none, 4, &t, err, sizeof(err)), 0);
	for (uint32_t i = 0; t && i < t->nent; i++)
		CHECK_MSG(t->entries[i].function < 0x40000000 ||
			      t->entries[i].function > 0x4fffffff,
			  "leaf 0x%x exposed", t->entries[i].function);
	CHECK(t && cpuid_find(t, 1, 0) != NULL);
	free(t);
	free(sup);
}

static void test_hv_leaves_replace_kvm(void)
{
	struct kvm_cpuid2 *sup = fake_supported(), *t = NULL;
	struct kvm_cpuid_entry2 *e;
	struct hv_features f;
	char err[128];

	CHECK_EQ(hv_features_parse("vpindex,tlbflush,ipi", &f, err, sizeof(err)), 0);
	CHECK_EQ(cpuid_build_template(sup, &f, 300, &t, err, sizeof(err)), 0);
	e = t ? cpuid_find(t, 0x40000000, 0) : NULL;
	CHECK(e != NULL);
	if (e) {
		char vendor[13];

		memcpy(vendor, &e->ebx, 4);
		memcpy(vendor + 4, &e->ecx, 4);
		memcpy(vendor + 8, &e->edx, 4);
		vendor[12] = '\0';
		CHECK_STR(vendor, "Microsoft Hv");
		CHECK(e->eax >= 0x40000005);
	}
	e = t ? cpuid_find(t, 0x40000001, 0) : NULL;
	CHECK(e && e->eax == 0x31237648); /* "Hv#1" */
	e = t ? cpuid_find(t, 0x40000005, 0) : NULL;
	CHECK(e && e->eax >= 300);
	free(t);
	free(sup);
}

static void test_per_vcpu_apic_ids(void)
{
	struct kvm_cpuid2 *sup = fake_supported(), *t = NULL, *v;
	struct hv_features none = { 0 };
	char err[128];

	CHECK_EQ(cpuid_build_template(sup, &none, 1024, &t, err, sizeof(err)), 0);
	v = cpuid_for_vcpu(t, 700);
	CHECK(v != NULL);
	if (v) {
		struct kvm_cpuid_entry2 *l1 = cpuid_find(v, 1, 0);
		struct kvm_cpuid_entry2 *core = cpuid_find(v, 0xb, 1);

		/* Leaf 1 holds the low 8 bits; leaf 0xB the full x2APIC ID. */
		CHECK(l1 && (l1->ebx >> 24) == (700 & 0xff));
		CHECK(l1 && (l1->ebx & 0xffffff) == 0x010800);
		CHECK(cpuid_find(v, 0xb, 0) && cpuid_find(v, 0xb, 0)->edx == 700);
		CHECK(core && core->edx == 700 && core->eax == 10 && core->ebx == 1024);
		CHECK(core && ((core->ecx >> 8) & 0xff) == 2);
		CHECK(cpuid_find(v, 0xb, 2) && ((cpuid_find(v, 0xb, 2)->ecx >> 8) & 0xff) == 0);
		free(v);
	}
	free(t);
	free(sup);
}

int main(void)
{
	RUN(test_no_kvm_leaves_without_hv);
	RUN(test_hv_leaves_replace_kvm);
	RUN(test_per_vcpu_apic_ids);
	return t_done();
}
