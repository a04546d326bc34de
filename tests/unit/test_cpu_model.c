// SPDX-License-Identifier: MIT
/*
 * --cpu: parsing, presets, removals with their dependents, additions and their refusals,
 * leaf 0xD kept consistent, and cpuid_apply_model on a KVM-shaped CPUID table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/model.h"
#include "harness.h"
#include "kvm/cpuid.h"

static char err[256];

/* A host with SSE to SSE4.2, POPCNT, CX16, XSAVE with AVX and AVX-512, SMEP/SMAP, PKU. */
static size_t host_leaves(struct cpu_leaf *l)
{
	size_t n = 0;

	l[n++] =
	    (struct cpu_leaf){ 1, 0, 0x00b00f21, 0x00010800,
			       /* pni pclmul ssse3 fma cx16 sse4.1/2 x2apic popcnt xsave
				  osxsave avx f16c hypervisor */
			       (1u << 0) | (1u << 1) | (1u << 9) | (1u << 12) | (1u << 13) |
				   (1u << 19) | (1u << 20) | (1u << 21) | (1u << 23) | (1u << 26) |
				   (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31),
			       /* fpu ... fxsr sse sse2 */
			       0x078bfbff };
	/* avx2 smep bmi2 avx512f smap ; pku ospke */
	l[n++] = (struct cpu_leaf){ 7,
				    0,
				    0,
				    (1u << 5) | (1u << 7) | (1u << 8) | (1u << 16) | (1u << 20),
				    (1u << 3) | (1u << 4),
				    0 };
	/* XCR0: x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU */
	l[n++] = (struct cpu_leaf){ 0xd, 0, 0x2e7, 0x240, 0xa88, 0 };
	l[n++] = (struct cpu_leaf){ 0xd, 1, 0xf, 0, 0, 0 }; /* xsaveopt xsavec xgetbv1 xsaves */
	l[n++] = (struct cpu_leaf){ 0xd, 2, 0x100, 0x240, 0, 0 }; /* AVX: 256 bytes at 576 */
	l[n++] = (struct cpu_leaf){ 0xd, 5, 0x40, 0x340, 0, 0 };  /* opmask */
	l[n++] = (struct cpu_leaf){ 0xd, 6, 0x200, 0x380, 0, 0 }; /* ZMM_Hi256 */
	l[n++] = (struct cpu_leaf){ 0xd, 7, 0x400, 0x580, 0, 0 }; /* Hi16_ZMM: ends 0x980 */
	l[n++] = (struct cpu_leaf){ 0xd, 9, 0x8, 0xa80, 0, 0 };	  /* PKRU: ends 0xa88 */
	l[n++] = (struct cpu_leaf){ 0x80000001, 0, 0, 0, 0x1, 0x2c100800 }; /* lahf_lm; nx lm */
	return n;
}

static struct cpu_leaf *leaf(struct cpu_leaf *l, size_t n, uint32_t fn, uint32_t idx)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].function == fn && l[i].index == idx)
			return &l[i];
	abort(); /* a test bug: host_leaves has every leaf the tests look at */
}

static int have(const struct cpu_leaf *l, size_t n, const char *name)
{
	return cpu_leaves_have(l, n, name);
}

static void test_parse(void)
{
	struct cpu_model m;

	CHECK_EQ(cpu_model_parse("host", &m, err, sizeof(err)), 0);
	CHECK_EQ(m.nops, 0);
	CHECK_STR(m.text, "host");
	CHECK_EQ(cpu_model_parse("host,-cx16,+popcnt,xsave", &m, err, sizeof(err)), 0);
	CHECK_EQ(m.nops, 3);
	CHECK_EQ(m.ops[0].add, 0);
	CHECK_EQ(m.ops[1].add, 1);
	CHECK_EQ(m.ops[2].add, 1); /* a bare name adds, as in QEMU */
	CHECK_EQ(cpu_model_parse("host,safe", &m, err, sizeof(err)), 0);
	CHECK_EQ(m.nops, 6);
	for (unsigned int i = 0; i < m.nops; i++)
		CHECK_EQ(m.ops[i].add, 0);
	CHECK_EQ(cpu_model_parse("host,-nosuch", &m, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "unknown feature or preset 'nosuch'") != NULL);
	CHECK_EQ(cpu_model_parse("qemu64", &m, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "'host'") != NULL);
	CHECK_EQ(cpu_model_parse("", &m, err, sizeof(err)), -EINVAL);
	CHECK_EQ(cpu_model_parse(NULL, &m, err, sizeof(err)), -EINVAL);
	CHECK_EQ(cpu_model_parse("host,", &m, err, sizeof(err)), -EINVAL);
	CHECK_EQ(cpu_model_parse("host,,-cx16", &m, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "empty item") != NULL);
	CHECK_EQ(cpu_model_parse("hostx", &m, err, sizeof(err)), -EINVAL);
}

static void test_safe_preset(void)
{
	struct cpu_leaf l[16];
	size_t n = host_leaves(l);
	struct cpu_model m;

	CHECK_EQ(cpu_model_parse("host,safe", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	/* what the preset names ... */
	CHECK_EQ(have(l, n, "cx16"), 0);
	CHECK_EQ(have(l, n, "popcnt"), 0);
	CHECK_EQ(have(l, n, "xsave"), 0);
	CHECK_EQ(have(l, n, "smap"), 0);
	CHECK_EQ(have(l, n, "smep"), 0);
	CHECK_EQ(have(l, n, "ssse3"), 0);
	/* ... what is built on it ... */
	CHECK_EQ(have(l, n, "sse4_1"), 0);
	CHECK_EQ(have(l, n, "sse4_2"), 0);
	CHECK_EQ(have(l, n, "avx"), 0);
	CHECK_EQ(have(l, n, "avx2"), 0);
	CHECK_EQ(have(l, n, "fma"), 0);
	CHECK_EQ(have(l, n, "f16c"), 0);
	CHECK_EQ(have(l, n, "avx512f"), 0);
	CHECK_EQ(have(l, n, "pku"), 0);
	CHECK_EQ(have(l, n, "xsaveopt"), 0);
	CHECK_EQ(have(l, n, "xsaves"), 0);
	CHECK_EQ(leaf(l, n, 1, 0)->ecx & (1u << 27), 0); /* OSXSAVE */
	CHECK_EQ(leaf(l, n, 7, 0)->ecx & (1u << 4), 0);	 /* OSPKE */
	for (size_t i = 0; i < n; i++)
		if (l[i].function == 0xd)
			CHECK_EQ(l[i].eax | l[i].ebx | l[i].ecx | l[i].edx, 0);
	/* ... and nothing else. */
	CHECK_EQ(have(l, n, "pni"), 1);
	CHECK_EQ(have(l, n, "pclmulqdq"), 1);
	CHECK_EQ(have(l, n, "x2apic"), 1);
	CHECK_EQ(have(l, n, "sse2"), 1);
	CHECK_EQ(have(l, n, "bmi2"), 1);
	CHECK_EQ(have(l, n, "hypervisor"), 1);
	CHECK_EQ(have(l, n, "lahf_lm"), 1);
	CHECK_EQ(have(l, n, "nx"), 1);
	CHECK_EQ(leaf(l, n, 1, 0)->edx, 0x078bfbff);
	CHECK_EQ(leaf(l, n, 1, 0)->eax, 0x00b00f21);
}

static void test_xsave_leaf(void)
{
	struct cpu_leaf l[16];
	size_t n = host_leaves(l);
	struct cpu_model m;

	/* -avx512f: XSAVE stays, its three components leave XCR0 and the size shrinks. */
	CHECK_EQ(cpu_model_parse("host,-avx512f", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	CHECK_EQ(have(l, n, "xsave"), 1);
	CHECK_EQ(have(l, n, "avx2"), 1);
	CHECK_EQ(leaf(l, n, 0xd, 0)->eax, 0x207);
	CHECK_EQ(leaf(l, n, 0xd, 0)->ecx, 0xa88); /* PKRU is still the last component */
	CHECK_EQ(leaf(l, n, 0xd, 5)->eax, 0);
	CHECK_EQ(leaf(l, n, 0xd, 7)->ebx, 0);
	CHECK_EQ(leaf(l, n, 0xd, 2)->eax, 0x100);
	/* -pku too: the size ends after AVX. */
	n = host_leaves(l);
	CHECK_EQ(cpu_model_parse("host,-avx512f,-pku", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	CHECK_EQ(leaf(l, n, 0xd, 0)->eax, 0x7);
	CHECK_EQ(leaf(l, n, 0xd, 0)->ecx, 0x340);
	CHECK_EQ(leaf(l, n, 0xd, 9)->eax, 0);
	/* -avx: AVX2 and AVX-512 go with it, XSAVE with only x87 and SSE stays. */
	n = host_leaves(l);
	CHECK_EQ(cpu_model_parse("host,-avx", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	CHECK_EQ(have(l, n, "avx2"), 0);
	CHECK_EQ(have(l, n, "fma"), 0);
	CHECK_EQ(have(l, n, "avx512f"), 0);
	CHECK_EQ(have(l, n, "xsave"), 1);
	CHECK_EQ(leaf(l, n, 0xd, 0)->eax, 0x203);
	CHECK_EQ(leaf(l, n, 0xd, 2)->eax, 0);
	CHECK_EQ(leaf(l, n, 1, 0)->ecx & (1u << 27), 1u << 27); /* OSXSAVE stays */
	/* -xsaves: no supervisor components. */
	n = host_leaves(l);
	leaf(l, n, 0xd, 1)->ecx = 0x800;
	CHECK_EQ(cpu_model_parse("host,-xsaves", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	CHECK_EQ(leaf(l, n, 0xd, 1)->eax, 0x7);
	CHECK_EQ(leaf(l, n, 0xd, 1)->ecx, 0);
}

static void test_add_and_order(void)
{
	struct cpu_leaf l[16];
	size_t n = host_leaves(l);
	struct cpu_model m;

	/* Later words win: the preset, then popcnt back. */
	CHECK_EQ(cpu_model_parse("host,safe,+popcnt,+smep", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	CHECK_EQ(have(l, n, "popcnt"), 1);
	CHECK_EQ(have(l, n, "smep"), 1);
	CHECK_EQ(have(l, n, "cx16"), 0);
	/* Not offered by the host: refused, nothing changed. */
	n = host_leaves(l);
	CHECK_EQ(cpu_model_parse("host,+rdrand", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), -ENOTSUP);
	CHECK(strstr(err, "+rdrand: this host's KVM does not offer it (CPUID 0x1.0 ecx bit 30)") !=
	      NULL);
	CHECK_EQ(cpu_model_parse("host,+svm", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), -ENOTSUP);
	{
		struct cpu_leaf fresh[16];

		host_leaves(fresh);
		CHECK(memcmp(l, fresh, n * sizeof(*l)) == 0);
	}
	/* A prerequisite taken away: an explicit addition is refused. */
	CHECK_EQ(cpu_model_parse("host,-xsave,+avx", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "+avx needs xsave") != NULL);
	CHECK_EQ(cpu_model_parse("host,-sse2,+ssse3", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "+ssse3 needs pni") != NULL);
	/* "host" alone changes nothing. */
	n = host_leaves(l);
	CHECK_EQ(cpu_model_parse("host", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_apply(&m, l, n, err, sizeof(err)), 0);
	CHECK_EQ(have(l, n, "xsave"), 1);
	CHECK_EQ(cpu_model_apply(NULL, l, n, err, sizeof(err)), 0);
}

static void test_absent(void)
{
	struct cpu_leaf l[16];
	size_t n = host_leaves(l);
	struct cpu_model m;
	char buf[64];

	leaf(l, n, 1, 0)->ecx &= ~((1u << 23) | (1u << 26)); /* no popcnt, no xsave */
	CHECK_EQ(cpu_model_parse("host,safe,+cx16", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_absent(&m, l, n, buf, sizeof(buf)), 2);
	CHECK_STR(buf, "popcnt,xsave");
	CHECK_EQ(cpu_model_parse("host,-cx16", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpu_model_absent(&m, l, n, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
}

static void test_kvm_template(void)
{
	/* KVM's shape: leaf 1 answers every subleaf, leaves 7 and 0xD have indexes. */
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 4 * sizeof(c->entries[0]));
	struct cpu_model m;

	c->nent = 4;
	c->entries[0] =
	    (struct kvm_cpuid_entry2){ .function = 1,
				       .ecx = (1u << 13) | (1u << 26) | (1u << 28) | (1u << 23) };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 7,
						   .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
						   .ebx = (1u << 20) | (1u << 5) };
	c->entries[2] = (struct kvm_cpuid_entry2){
		.function = 0xd, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 7, .ecx = 0x340
	};
	c->entries[3] = (struct kvm_cpuid_entry2){
		.function = 0xd, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x100
	};
	CHECK_EQ(cpu_model_parse("host,-cx16,-xsave,-smap", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpuid_apply_model(c, &m, err, sizeof(err)), 0);
	CHECK_EQ(c->entries[0].ecx, 1u << 23);
	CHECK_EQ(c->entries[1].ebx, 0); /* avx2 went with xsave */
	CHECK_EQ(c->entries[2].eax | c->entries[2].ecx, 0);
	CHECK_EQ(c->entries[3].eax, 0);
	CHECK_EQ(cpu_model_parse("host,+rdrand", &m, err, sizeof(err)), 0);
	CHECK_EQ(cpuid_apply_model(c, &m, err, sizeof(err)), -ENOTSUP);
	CHECK_EQ(cpuid_apply_model(c, NULL, err, sizeof(err)), 0);
	free(c);
}

static void test_host_hw_virt(void)
{
	char path[] = "/tmp/hvemu-cpuinfo-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(f != NULL);
	if (!f)
		return;
	fputs("processor\t: 0\nflags\t\t: fpu vme sse2 svm nx\n", f);
	fclose(f);
	CHECK_EQ(cpu_host_hw_virt(path), 1);
	f = fopen(path, "w");
	fputs("processor\t: 0\nflags\t\t: fpu vme sse2 vmxx svmm hypervisor\n", f);
	fclose(f);
	CHECK_EQ(cpu_host_hw_virt(path), 0);
	unlink(path);
	CHECK_EQ(cpu_host_hw_virt(path), -ENOENT);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_safe_preset);
	RUN(test_xsave_leaf);
	RUN(test_add_and_order);
	RUN(test_absent);
	RUN(test_kvm_template);
	RUN(test_host_hw_virt);
	return t_done();
}
