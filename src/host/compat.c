// SPDX-License-Identifier: MIT
#include "host/compat.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/compiler.h"

/* Bit names are Linux's (arch/x86/include/asm/cpufeatures.h, as /proc/cpuinfo shows them). */
static const char *const n_1_edx[32] = {
	"fpu",	"vme",	"de",	"pse", "tsc",  "msr", "pae",   "mce", "cx8",	 "apic", NULL,
	"sep",	"mtrr", "pge",	"mca", "cmov", "pat", "pse36", "pn",  "clflush", NULL,	 "dts",
	"acpi", "mmx",	"fxsr", "sse", "sse2", "ss",  "ht",    "tm",  "ia64",	 "pbe",
};
static const char *const n_1_ecx[32] = {
	"pni",	  "pclmulqdq",	"dtes64",  "monitor", "ds_cpl",
	"vmx",	  "smx",	"est",	   "tm2",     "ssse3",
	"cid",	  "sdbg",	"fma",	   "cx16",    "xtpr",
	"pdcm",	  NULL,		"pcid",	   "dca",     "sse4_1",
	"sse4_2", "x2apic",	"movbe",   "popcnt",  "tsc_deadline_timer",
	"aes",	  "xsave",	"osxsave", "avx",     "f16c",
	"rdrand", "hypervisor",
};
static const char *const n_7_0_ebx[32] = {
	"fsgsbase",
	"tsc_adjust",
	"sgx",
	"bmi1",
	"hle",
	"avx2",
	"fdp_excptn_only",
	"smep",
	"bmi2",
	"erms",
	"invpcid",
	"rtm",
	"cqm",
	"zero_fcs_fds",
	"mpx",
	"rdt_a",
	"avx512f",
	"avx512dq",
	"rdseed",
	"adx",
	"smap",
	"avx512ifma",
	"pcommit",
	"clflushopt",
	"clwb",
	"intel_pt",
	"avx512pf",
	"avx512er",
	"avx512cd",
	"sha_ni",
	"avx512bw",
	"avx512vl",
};
static const char *const n_7_0_ecx[32] = {
	"prefetchwt1",
	"avx512vbmi",
	"umip",
	"pku",
	"ospke",
	"waitpkg",
	"avx512_vbmi2",
	"shstk",
	"gfni",
	"vaes",
	"vpclmulqdq",
	"avx512_vnni",
	"avx512_bitalg",
	"tme",
	"avx512_vpopcntdq",
	NULL,
	"la57",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	"rdpid",
	NULL,
	"bus_lock_detect",
	"cldemote",
	NULL,
	"movdiri",
	"movdir64b",
	"enqcmd",
	"sgx_lc",
	"pks",
};
static const char *const n_7_0_edx[32] = {
	NULL,
	NULL,
	"avx512_4vnniw",
	"avx512_4fmaps",
	"fsrm",
	NULL,
	NULL,
	NULL,
	"avx512_vp2intersect",
	NULL,
	"md_clear",
	NULL,
	NULL,
	NULL,
	"serialize",
	NULL,
	"tsxldtrk",
	NULL,
	"pconfig",
	"arch_lbr",
	"ibt",
	NULL,
	"amx_bf16",
	"avx512_fp16",
	"amx_tile",
	"amx_int8",
	"spec_ctrl",
	"intel_stibp",
	"flush_l1d",
	"arch_capabilities",
	"core_capabilities",
	"spec_ctrl_ssbd",
};
static const char *const n_7_1_eax[32] = {
	[4] = "avx_vnni", [5] = "avx512_bf16", [7] = "cmpccxadd", [10] = "fzrm",     [11] = "fsrs",
	[12] = "fsrc",	  [21] = "amx_fp16",   [22] = "hreset",	  [23] = "avx_ifma", [26] = "lam",
};
static const char *const n_d_1_eax[32] = {
	"xsaveopt", "xsavec", "xgetbv1", "xsaves", "xfd",
};
static const char *const n_ext1_ecx[32] = {
	"lahf_lm",    "cmp_legacy",  "svm",
	"extapic",    "cr8_legacy",  "abm",
	"sse4a",      "misalignsse", "3dnowprefetch",
	"osvw",	      "ibs",	     "xop",
	"skinit",     "wdt",	     NULL,
	"lwp",	      "fma4",	     "tce",
	NULL,	      "nodeid_msr",  NULL,
	"tbm",	      "topoext",     "perfctr_core",
	"perfctr_nb", NULL,	     "bpext",
	"ptsc",	      "perfctr_llc", "mwaitx",
};
static const char *const n_ext1_edx[32] = {
	[11] = "syscall", [19] = "mp",	   [20] = "nx", [22] = "mmxext",   [25] = "fxsr_opt",
	[26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm", [30] = "3dnowext", [31] = "3dnow",
};
static const char *const n_ext7_edx[32] = {
	[8] = "invtsc",
};
static const char *const n_ext8_ebx[32] = {
	[0] = "clzero",	   [1] = "irperf",     [2] = "xsaveerptr",  [4] = "rdpru",
	[9] = "wbnoinvd",  [12] = "amd_ibpb",  [14] = "amd_ibrs",   [15] = "amd_stibp",
	[24] = "amd_ssbd", [25] = "virt_ssbd", [26] = "amd_ssb_no",
};

/*
 * not_required: bits a host CPU need not have even when the VM exposes them.
 *   1:ECX x2apic, tsc_deadline_timer, hypervisor: the in-kernel LAPIC and KVM provide them.
 *   1:ECX osxsave, 7.0:ECX ospke: mirror the guest's own CR4 bits, not a feature.
 *   7.0:EBX tsc_adjust: KVM emulates IA32_TSC_ADJUST.
 *   7.0:EDX arch_capabilities: KVM emulates IA32_ARCH_CAPABILITIES.
 *   0x80000008:EBX virt_ssbd: KVM emulates VIRT_SPEC_CTRL.
 *   0x80000007:EDX: power-management bits; only invariant TSC (bit 8) matters to a guest.
 * Bits KVM can emulate only by trapping #UD (movbe, rdpid in KVM_GET_EMULATED_CPUID) are
 * required: hvemu does not rely on that slow path.
 */
const struct host_feat_reg host_feat_regs[HOST_NR_FEAT_REGS] = {
	{ 0x1, 0, false, HOST_EDX, 0, n_1_edx },
	{ 0x1, 0, false, HOST_ECX, BIT(21) | BIT(24) | BIT(27) | BIT(31), n_1_ecx },
	{ 0x7, 0, true, HOST_EBX, BIT(1), n_7_0_ebx },
	{ 0x7, 0, true, HOST_ECX, BIT(4), n_7_0_ecx },
	{ 0x7, 0, true, HOST_EDX, BIT(29), n_7_0_edx },
	{ 0x7, 1, true, HOST_EAX, 0, n_7_1_eax },
	{ 0xd, 1, true, HOST_EAX, 0, n_d_1_eax },
	{ 0x80000001, 0, false, HOST_ECX, 0, n_ext1_ecx },
	{ 0x80000001, 0, false, HOST_EDX, 0, n_ext1_edx },
	{ 0x80000007, 0, false, HOST_EDX, ~BIT(8), n_ext7_edx },
	{ 0x80000008, 0, false, HOST_EBX, BIT(25), n_ext8_ebx },
};

static const char *const xcr0_names[64] = {
	[0] = "x87",	[1] = "sse",	   [2] = "avx",	       [3] = "bndregs",
	[4] = "bndcsr", [5] = "opmask",	   [6] = "zmm_hi256",  [7] = "hi16_zmm",
	[9] = "pkru",	[17] = "xtilecfg", [18] = "xtiledata", [19] = "apx",
};

static const char *const reg_names[] = { "EAX", "EBX", "ECX", "EDX" };

bool host_cpuid_lookup(const struct host_cpuid_leaf *leaves, unsigned n, uint32_t function,
		       uint32_t index, bool indexed, enum host_cpuid_reg reg, uint32_t *out)
{
	for (unsigned i = 0; i < n; i++) {
		const struct host_cpuid_leaf *l = &leaves[i];

		if (l->function != function || (indexed && l->index != index))
			continue;
		switch (reg) {
		case HOST_EAX:
			*out = l->eax;
			break;
		case HOST_EBX:
			*out = l->ebx;
			break;
		case HOST_ECX:
			*out = l->ecx;
			break;
		case HOST_EDX:
			*out = l->edx;
			break;
		}
		return true;
	}
	return false;
}

void host_req_build(const struct host_cpuid_leaf *leaves, unsigned n, uint64_t xcr0,
		    uint32_t tsc_khz, struct host_req *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < HOST_NR_FEAT_REGS; i++) {
		const struct host_feat_reg *r = &host_feat_regs[i];
		uint32_t v;

		if (leaves &&
		    host_cpuid_lookup(leaves, n, r->function, r->index, r->indexed, r->reg, &v))
			out->regs[i] = v & ~r->not_required;
	}
	out->xcr0 = xcr0;
	out->tsc_khz = tsc_khz;
}

void host_feat_reg_name(unsigned idx, char *buf, size_t len)
{
	const struct host_feat_reg *r;
	char fn[16];

	if (idx >= HOST_NR_FEAT_REGS) {
		snprintf(buf, len, "CPUID.?");
		return;
	}
	r = &host_feat_regs[idx];
	if (r->function < 10)
		snprintf(fn, sizeof(fn), "%" PRIu32, r->function);
	else
		snprintf(fn, sizeof(fn), "0x%" PRIX32, r->function);
	if (r->indexed)
		snprintf(buf, len, "CPUID.%s.%" PRIu32 ":%s", fn, r->index, reg_names[r->reg]);
	else
		snprintf(buf, len, "CPUID.%s:%s", fn, reg_names[r->reg]);
}

const char *host_feat_bit_name(unsigned idx, unsigned bit)
{
	if (idx >= HOST_NR_FEAT_REGS || bit >= 32)
		return NULL;
	return host_feat_regs[idx].names[bit];
}

static void xcr0_bits_text(uint64_t bits, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned b = 0; b < 64 && used < len; b++) {
		int n;

		if (!(bits & BIT_ULL(b)))
			continue;
		if (xcr0_names[b])
			n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
				     xcr0_names[b]);
		else
			n = snprintf(buf + used, len - used, "%sbit%u", used ? "," : "", b);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static bool check_tsc(const struct host_req *req, const struct host_cpu_profile *p, char *reason,
		      size_t len)
{
	uint64_t diff, diff_ppm, limit;

	if (!req->tsc_khz)
		return true;
	if (!p->tsc_khz) {
		snprintf(reason, len, "TSC rate could not be measured");
		return false;
	}
	diff = p->tsc_khz > req->tsc_khz ? p->tsc_khz - req->tsc_khz : req->tsc_khz - p->tsc_khz;
	diff_ppm = diff * 1000000ull / req->tsc_khz;
	/*
	 * Reject only when the difference is certain: beyond the tolerance plus the bound of
	 * the measurement's own error, so a noisy host never rejects a good CPU.
	 */
	limit = (uint64_t)HOST_TSC_TOLERANCE_PPM + p->tsc_uncert_ppm;
	if (diff_ppm <= limit)
		return true;
	snprintf(reason, len,
		 "TSC %" PRIu32 " kHz differs from %" PRIu32 " kHz by %" PRIu64
		 " ppm (more than %u ppm + %" PRIu32 " ppm measurement uncertainty)",
		 p->tsc_khz, req->tsc_khz, diff_ppm, HOST_TSC_TOLERANCE_PPM, p->tsc_uncert_ppm);
	return false;
}

bool host_compat_check(const struct host_req *req, const struct host_cpu_profile *p, char *reason,
		       size_t len)
{
	unsigned missing_total = 0, first_reg = 0, first_bit = 0;
	uint64_t xcr0_missing;

	if (len)
		reason[0] = '\0';
	if (!p->valid) {
		snprintf(reason, len, "%s", p->fail[0] ? p->fail : "not checked");
		return false;
	}
	for (unsigned i = 0; i < HOST_NR_FEAT_REGS; i++) {
		uint32_t miss = req->regs[i] & ~p->regs[i];

		if (!miss)
			continue;
		if (!missing_total) {
			first_reg = i;
			first_bit = (unsigned)__builtin_ctz(miss);
		}
		missing_total += (unsigned)__builtin_popcount(miss);
	}
	if (missing_total) {
		const char *name = host_feat_bit_name(first_reg, first_bit);
		char rn[32], more[40] = "";

		host_feat_reg_name(first_reg, rn, sizeof(rn));
		if (missing_total > 1)
			snprintf(more, sizeof(more), " and %u more feature%s", missing_total - 1,
				 missing_total > 2 ? "s" : "");
		snprintf(reason, len, "missing %s bit %u%s%s%s%s", rn, first_bit, name ? " (" : "",
			 name ? name : "", name ? ")" : "", more);
		return false;
	}
	xcr0_missing = req->xcr0 & ~p->xcr0;
	if (xcr0_missing) {
		char names[96];

		xcr0_bits_text(xcr0_missing, names, sizeof(names));
		if (p->xcr0 == 0)
			snprintf(reason, len, "XCR0 lacks 0x%" PRIx64 " (%s): XSAVE is not enabled",
				 xcr0_missing, names);
		else
			snprintf(reason, len, "XCR0 lacks 0x%" PRIx64 " (%s)", xcr0_missing, names);
		return false;
	}
	return check_tsc(req, p, reason, len);
}
