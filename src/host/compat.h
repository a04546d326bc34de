/* SPDX-License-Identifier: MIT */
/*
 * What a host CPU must have to run a VM's vCPUs, and the comparison with what was
 * measured on one host CPU. Pure: the measuring is in cpucheck.c.
 *
 * Only the CPUID registers that enumerate features the guest uses natively are compared
 * (the table host_feat_regs); value leaves (vendor, family, cache and topology leaves,
 * the brand string) describe the model, not what the CPU can execute, and hvemu's own
 * leaves 0x40000000+ are not host features at all. Bits that KVM provides whatever the
 * host has, or that mirror guest state, are never required (documented in
 * docs/host-cpus.md and at the table).
 */
#ifndef HVEMU_HOST_COMPAT_H
#define HVEMU_HOST_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One CPUID leaf as the VM exposes it (the shape of struct kvm_cpuid_entry2). */
struct host_cpuid_leaf {
	uint32_t function;
	uint32_t index;
	uint32_t eax, ebx, ecx, edx;
};

enum host_cpuid_reg {
	HOST_EAX,
	HOST_EBX,
	HOST_ECX,
	HOST_EDX
};

struct host_feat_reg {
	uint32_t function;
	uint32_t index;
	bool indexed; /* subleaves differ: index must match (else index is ignored) */
	enum host_cpuid_reg reg;
	uint32_t not_required;	  /* emulated by KVM or guest-state mirrors */
	const char *const *names; /* 32 entries, NULL where unnamed */
};

#define HOST_NR_FEAT_REGS 11
extern const struct host_feat_reg host_feat_regs[HOST_NR_FEAT_REGS];

/* Room for a reason text ("missing CPUID.7.0:EBX bit 5 (avx2)", ...). */
#define HOST_REASON_MAX 160

/*
 * TSC rates within this many ppm are the same rate: KVM's own default
 * (kvm.tsc_tolerance_ppm), under which it neither scales nor warns.
 */
#define HOST_TSC_TOLERANCE_PPM 250u

struct host_req {
	uint32_t regs[HOST_NR_FEAT_REGS]; /* required bits per table register */
	uint64_t xcr0;			  /* XCR0 bits the VM's XSAVE state needs */
	uint32_t tsc_khz;		  /* 0: the TSC rate is not compared */
};

/* What the check measured on one host CPU. */
struct host_cpu_profile {
	bool valid;		    /* the check ran on the CPU and read everything */
	char fail[HOST_REASON_MAX]; /* why not, when !valid */
	uint32_t regs[HOST_NR_FEAT_REGS];
	uint64_t xcr0;		 /* XGETBV(0); 0 when the OS has not enabled XSAVE */
	uint32_t tsc_khz;	 /* measured against CLOCK_MONOTONIC_RAW; 0 unknown */
	uint32_t tsc_uncert_ppm; /* bound of the measurement error */
};

/* Derives the requirement from the VM's CPUID, XCR0 and TSC rate. */
void host_req_build(const struct host_cpuid_leaf *leaves, unsigned n, uint64_t xcr0,
		    uint32_t tsc_khz, struct host_req *out);

/*
 * True when the CPU described by p can run the VM described by req; otherwise writes why
 * into reason (the profile's own failure, the first missing feature bit with a count of
 * the others, the missing XCR0 bits, or the TSC difference).
 */
bool host_compat_check(const struct host_req *req, const struct host_cpu_profile *p, char *reason,
		       size_t len);

/* "CPUID.7.0:EBX", "CPUID.0x80000001:ECX" */
void host_feat_reg_name(unsigned idx, char *buf, size_t len);
/* Linux's /proc/cpuinfo name of a bit, or NULL. */
const char *host_feat_bit_name(unsigned idx, unsigned bit);

/* Reads a register of a leaf in the VM's table; false if the leaf is not there. */
bool host_cpuid_lookup(const struct host_cpuid_leaf *leaves, unsigned n, uint32_t function,
		       uint32_t index, bool indexed, enum host_cpuid_reg reg, uint32_t *out);

#endif
