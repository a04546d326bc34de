/* SPDX-License-Identifier: MIT */
/*
 * The CPU model (`--cpu`), QEMU's shape: "host" (everything KVM supports, the default)
 * followed by +feature / -feature by the names Linux shows in /proc/cpuinfo, and presets
 * that stand for a list of those. Pure logic on a table of CPUID leaves: parsed from the
 * command line, applied once to the VM's CPUID template before any vCPU runs.
 *
 * Consistency: taking a feature away also takes away every feature that needs it (the
 * way Linux's arch/x86/kernel/cpu/cpuid-deps.c clears dependents): -xsave clears AVX and
 * everything built on it, the XSAVE leaf 0xD and the OSXSAVE bit; -avx clears the AVX
 * state component from leaf 0xD. Adding a feature whose prerequisite is absent is refused.
 */
#ifndef HVEMU_CPU_MODEL_H
#define HVEMU_CPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One CPUID leaf/subleaf (a kvm_cpuid_entry2 or an hv_cpuid_leaf without the flags). */
struct cpu_leaf {
	uint32_t function, index;
	uint32_t eax, ebx, ecx, edx;
};

#define CPU_MODEL_MAX_OPS 128

struct cpu_model_op {
	uint16_t feature; /* index into the feature table */
	bool add;
};

struct cpu_model {
	unsigned int nops; /* 0: "host", nothing changed */
	struct cpu_model_op ops[CPU_MODEL_MAX_OPS];
	char text[128]; /* what was given, for logs ("host,safe") */
};

/*
 * Parses "host[,+feat|-feat|feat|preset...]" ("feat" alone means +feat, as in QEMU).
 * 0, or -EINVAL with a message naming the unknown word in err.
 */
int cpu_model_parse(const char *s, struct cpu_model *m, char *err, size_t errlen);

/*
 * Applies m to leaves[0..n) (the host's supported CPUID): removals with everything that
 * depends on them, additions only of features the host supports and whose prerequisites
 * stay, then leaf 0xD made to match. 0; -ENOTSUP when a +feature is not in the host's
 * CPUID, -EINVAL when a +feature's prerequisite was taken away (message in err).
 */
int cpu_model_apply(const struct cpu_model *m, struct cpu_leaf *leaves, size_t n, char *err,
		    size_t errlen);

/*
 * Names (comma-separated, into buf) of the features m removes that leaves[0..n) does not
 * have to begin with; returns how many. KVM cannot hide from the guest what it does not
 * list as supported: on a KVM that lets such CPUID bits through (measured on kvm_pvm) the
 * guest still sees them, and the kernel command line must hide them.
 */
unsigned int cpu_model_absent(const struct cpu_model *m, const struct cpu_leaf *leaves, size_t n,
			      char *buf, size_t len);

/* Whether leaves[0..n) has the feature named name (a /proc/cpuinfo name); -ENOENT if unknown. */
int cpu_leaves_have(const struct cpu_leaf *leaves, size_t n, const char *name);

/* `--cpu help`: the presets and every feature name, with its CPUID location. */
void cpu_model_help(FILE *out);

/*
 * Whether the host CPU offers hardware virtualization (vmx or svm in /proc/cpuinfo, or the
 * file given): 1 yes, 0 no (KVM then runs without it, e.g. kvm_pvm: the `safe` preset is
 * for that), -errno when the file cannot be read.
 */
int cpu_host_hw_virt(const char *cpuinfo_path);

#endif
