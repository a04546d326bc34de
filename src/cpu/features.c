// SPDX-License-Identifier: MIT
/*
 * CPUID feature bits (Intel SDM Vol. 2A "CPUID", AMD APM Vol. 3 "CPUID") named as Linux
 * names them in /proc/cpuinfo (arch/x86/include/asm/cpufeatures.h). `needs` follows the
 * architectural prerequisite (the state an instruction set uses, the extension it extends),
 * as Linux's arch/x86/kernel/cpu/cpuid-deps.c does; `why_safe` marks the `safe` preset:
 * instructions that KVM's instruction emulator lacks, which a host without hardware
 * virtualization uses for all guest code at CPL0 (a guest that trusts CPUID dies on them).
 */
#include "cpu/features.h"

#include <string.h>

#include "util/compiler.h"

/* XCR0 state components (SDM Vol. 1 §13.1). */
#define XS_YMM	  (1u << 2)
#define XS_BND	  (3u << 3)
#define XS_AVX512 (7u << 5)
#define XS_PKRU	  (1u << 9)
#define XS_AMX	  (3u << 17)

#define F(n, fn, idx, r, b, ...)                                                               \
	{                                                                                      \
		.name = n, .function = fn, .index = idx, .reg = CPU_##r, .bit = b, __VA_ARGS__ \
	}

const struct cpu_feature cpu_features[] = {
	/* CPUID.1:EDX */
	F("fpu", 1, 0, EDX, 0),
	F("vme", 1, 0, EDX, 1),
	F("de", 1, 0, EDX, 2),
	F("pse", 1, 0, EDX, 3),
	F("tsc", 1, 0, EDX, 4),
	F("msr", 1, 0, EDX, 5),
	F("pae", 1, 0, EDX, 6),
	F("mce", 1, 0, EDX, 7),
	F("cx8", 1, 0, EDX, 8),
	F("apic", 1, 0, EDX, 9),
	F("sep", 1, 0, EDX, 11),
	F("mtrr", 1, 0, EDX, 12),
	F("pge", 1, 0, EDX, 13),
	F("mca", 1, 0, EDX, 14),
	F("cmov", 1, 0, EDX, 15),
	F("pat", 1, 0, EDX, 16),
	F("pse36", 1, 0, EDX, 17),
	F("clflush", 1, 0, EDX, 19),
	F("mmx", 1, 0, EDX, 23),
	F("fxsr", 1, 0, EDX, 24),
	F("sse", 1, 0, EDX, 25, .needs = "fxsr"),
	F("sse2", 1, 0, EDX, 26, .needs = "sse"),
	F("ss", 1, 0, EDX, 27),
	F("ht", 1, 0, EDX, 28),
	/* CPUID.1:ECX */
	F("pni", 1, 0, ECX, 0, .needs = "sse2"),
	F("pclmulqdq", 1, 0, ECX, 1, .needs = "sse2"),
	F("monitor", 1, 0, ECX, 3),
	F("ssse3", 1, 0, ECX, 9, .needs = "pni",
	  .why_safe = "ldmxcsr (kernel_fpu_begin for SSSE3 code)"),
	F("fma", 1, 0, ECX, 12, .needs = "avx"),
	F("cx16", 1, 0, ECX, 13, .why_safe = "cmpxchg16b"),
	F("pdcm", 1, 0, ECX, 15),
	F("pcid", 1, 0, ECX, 17, .needs = "pge"),
	F("sse4_1", 1, 0, ECX, 19, .needs = "ssse3"),
	F("sse4_2", 1, 0, ECX, 20, .needs = "sse4_1"),
	F("x2apic", 1, 0, ECX, 21, .needs = "apic"),
	F("movbe", 1, 0, ECX, 22),
	F("popcnt", 1, 0, ECX, 23, .why_safe = "popcnt"),
	F("tsc_deadline_timer", 1, 0, ECX, 24, .needs = "apic"),
	F("aes", 1, 0, ECX, 25, .needs = "sse2"),
	F("xsave", 1, 0, ECX, 26, .why_safe = "xrstor"),
	F("avx", 1, 0, ECX, 28, .needs = "xsave", .xcr0 = XS_YMM),
	F("f16c", 1, 0, ECX, 29, .needs = "avx"),
	F("rdrand", 1, 0, ECX, 30),
	F("hypervisor", 1, 0, ECX, 31),
	/* CPUID.(7,0):EBX */
	F("fsgsbase", 7, 0, EBX, 0),
	F("tsc_adjust", 7, 0, EBX, 1),
	F("sgx", 7, 0, EBX, 2),
	F("bmi1", 7, 0, EBX, 3),
	F("hle", 7, 0, EBX, 4),
	F("avx2", 7, 0, EBX, 5, .needs = "avx"),
	F("smep", 7, 0, EBX, 7, .why_safe = "hidden with smap, as measured on such hosts"),
	F("bmi2", 7, 0, EBX, 8),
	F("erms", 7, 0, EBX, 9),
	F("invpcid", 7, 0, EBX, 10, .needs = "pcid"),
	F("rtm", 7, 0, EBX, 11),
	F("mpx", 7, 0, EBX, 14, .needs = "xsave", .xcr0 = XS_BND),
	F("avx512f", 7, 0, EBX, 16, .needs = "avx2", .xcr0 = XS_AVX512),
	F("avx512dq", 7, 0, EBX, 17, .needs = "avx512f"),
	F("rdseed", 7, 0, EBX, 18),
	F("adx", 7, 0, EBX, 19),
	F("smap", 7, 0, EBX, 20, .why_safe = "clac, stac"),
	F("avx512ifma", 7, 0, EBX, 21, .needs = "avx512f"),
	F("clflushopt", 7, 0, EBX, 23),
	F("clwb", 7, 0, EBX, 24),
	F("avx512pf", 7, 0, EBX, 26, .needs = "avx512f"),
	F("avx512er", 7, 0, EBX, 27, .needs = "avx512f"),
	F("avx512cd", 7, 0, EBX, 28, .needs = "avx512f"),
	F("sha_ni", 7, 0, EBX, 29, .needs = "sse2"),
	F("avx512bw", 7, 0, EBX, 30, .needs = "avx512f"),
	F("avx512vl", 7, 0, EBX, 31, .needs = "avx512f"),
	/* CPUID.(7,0):ECX */
	F("avx512vbmi", 7, 0, ECX, 1, .needs = "avx512f"),
	F("umip", 7, 0, ECX, 2),
	F("pku", 7, 0, ECX, 3, .needs = "xsave", .xcr0 = XS_PKRU),
	F("waitpkg", 7, 0, ECX, 5),
	F("avx512_vbmi2", 7, 0, ECX, 6, .needs = "avx512f"),
	F("gfni", 7, 0, ECX, 8, .needs = "sse2"),
	F("vaes", 7, 0, ECX, 9, .needs = "avx"),
	F("vpclmulqdq", 7, 0, ECX, 10, .needs = "avx"),
	F("avx512_vnni", 7, 0, ECX, 11, .needs = "avx512f"),
	F("avx512_bitalg", 7, 0, ECX, 12, .needs = "avx512f"),
	F("avx512_vpopcntdq", 7, 0, ECX, 14, .needs = "avx512f"),
	F("la57", 7, 0, ECX, 16),
	F("rdpid", 7, 0, ECX, 22),
	F("cldemote", 7, 0, ECX, 25),
	F("movdiri", 7, 0, ECX, 27),
	F("movdir64b", 7, 0, ECX, 28),
	/* CPUID.(7,0):EDX */
	F("avx512_4vnniw", 7, 0, EDX, 2, .needs = "avx512f"),
	F("avx512_4fmaps", 7, 0, EDX, 3, .needs = "avx512f"),
	F("fsrm", 7, 0, EDX, 4),
	F("avx512_vp2intersect", 7, 0, EDX, 8, .needs = "avx512f"),
	F("md_clear", 7, 0, EDX, 10),
	F("serialize", 7, 0, EDX, 14),
	F("tsxldtrk", 7, 0, EDX, 16),
	F("avx512_fp16", 7, 0, EDX, 23, .needs = "avx512bw"),
	F("amx_tile", 7, 0, EDX, 24, .needs = "xsave", .xcr0 = XS_AMX),
	F("amx_bf16", 7, 0, EDX, 22, .needs = "amx_tile"),
	F("amx_int8", 7, 0, EDX, 25, .needs = "amx_tile"),
	F("arch_capabilities", 7, 0, EDX, 29),
	/* CPUID.(7,1):EAX */
	F("avx_vnni", 7, 1, EAX, 4, .needs = "avx2"),
	F("avx512_bf16", 7, 1, EAX, 5, .needs = "avx512bw"),
	/* CPUID.(0xD,1):EAX */
	F("xsaveopt", 0xd, 1, EAX, 0, .needs = "xsave"),
	F("xsavec", 0xd, 1, EAX, 1, .needs = "xsave"),
	F("xgetbv1", 0xd, 1, EAX, 2, .needs = "xsave"),
	F("xsaves", 0xd, 1, EAX, 3, .needs = "xsave"),
	/* CPUID.0x80000001:ECX */
	F("lahf_lm", 0x80000001, 0, ECX, 0),
	F("cmp_legacy", 0x80000001, 0, ECX, 1),
	F("svm", 0x80000001, 0, ECX, 2),
	F("extapic", 0x80000001, 0, ECX, 3),
	F("cr8_legacy", 0x80000001, 0, ECX, 4),
	F("abm", 0x80000001, 0, ECX, 5),
	F("sse4a", 0x80000001, 0, ECX, 6, .needs = "pni"),
	F("misalignsse", 0x80000001, 0, ECX, 7),
	F("3dnowprefetch", 0x80000001, 0, ECX, 8),
	F("osvw", 0x80000001, 0, ECX, 9),
	F("ibs", 0x80000001, 0, ECX, 10),
	F("xop", 0x80000001, 0, ECX, 11, .needs = "avx"),
	F("skinit", 0x80000001, 0, ECX, 12),
	F("wdt", 0x80000001, 0, ECX, 13),
	F("lwp", 0x80000001, 0, ECX, 15),
	F("fma4", 0x80000001, 0, ECX, 16, .needs = "avx"),
	F("tce", 0x80000001, 0, ECX, 17),
	F("nodeid_msr", 0x80000001, 0, ECX, 19),
	F("tbm", 0x80000001, 0, ECX, 21),
	F("topoext", 0x80000001, 0, ECX, 22),
	F("perfctr_core", 0x80000001, 0, ECX, 23),
	F("perfctr_nb", 0x80000001, 0, ECX, 24),
	F("bpext", 0x80000001, 0, ECX, 26),
	F("perfctr_llc", 0x80000001, 0, ECX, 28),
	F("mwaitx", 0x80000001, 0, ECX, 29),
	/* CPUID.0x80000001:EDX */
	F("syscall", 0x80000001, 0, EDX, 11),
	F("nx", 0x80000001, 0, EDX, 20),
	F("mmxext", 0x80000001, 0, EDX, 22),
	F("fxsr_opt", 0x80000001, 0, EDX, 25),
	F("pdpe1gb", 0x80000001, 0, EDX, 26),
	F("rdtscp", 0x80000001, 0, EDX, 27),
	F("lm", 0x80000001, 0, EDX, 29),
	F("3dnowext", 0x80000001, 0, EDX, 30),
	F("3dnow", 0x80000001, 0, EDX, 31),
};

const size_t cpu_nr_features = ARRAY_SIZE(cpu_features);

int cpu_feature_find(const char *name, size_t len)
{
	for (size_t i = 0; i < cpu_nr_features; i++)
		if (strlen(cpu_features[i].name) == len &&
		    memcmp(cpu_features[i].name, name, len) == 0)
			return (int)i;
	return -1;
}
