/* SPDX-License-Identifier: MIT */
/* Internal to src/cpu: the CPUID feature bits by their /proc/cpuinfo names. */
#ifndef HVEMU_CPU_FEATURES_H
#define HVEMU_CPU_FEATURES_H

#include <stddef.h>
#include <stdint.h>

enum cpu_reg {
	CPU_EAX,
	CPU_EBX,
	CPU_ECX,
	CPU_EDX
};

struct cpu_feature {
	const char *name;     /* as Linux shows it in /proc/cpuinfo (arch/x86 cpufeatures.h) */
	uint32_t function;    /* CPUID leaf */
	uint32_t index;	      /* subleaf */
	uint8_t reg;	      /* enum cpu_reg */
	uint8_t bit;	      /* 0-31 */
	const char *needs;    /* the feature this one is built on, or NULL */
	uint32_t xcr0;	      /* XSAVE state components (XCR0 bits) it owns */
	const char *why_safe; /* non-NULL: in the `safe` preset, for this reason */
};

extern const struct cpu_feature cpu_features[];
extern const size_t cpu_nr_features;

/* Index of the feature with that name, or -1. */
int cpu_feature_find(const char *name, size_t len);

#endif
