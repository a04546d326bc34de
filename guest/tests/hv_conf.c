// SPDX-License-Identifier: MIT
/*
 * hv_conf.elf: Hyper-V conformance as KVM's selftests check it with enforced CPUID
 * (tools/testing/selftests/kvm/x86/hyperv_features.c and hyperv_cpuid.c): the CPUID leaves,
 * the hypercall control word (CPL, unknown code, reserved bits, rep and varhead rules),
 * privilege gating (ACCESS_DENIED, #UD for XMM input), read-only MSRs, reset, the
 * reference TSC page and the hypercall page enable. Every result is derived from the CPUID
 * bits the guest reads, so one image checks any --hv set.
 *
 * Options:
 *   hv=LIST     the --hv list hvemu was given ("none" or absent: no Hyper-V): the CPUID
 *               leaves must offer exactly that set
 *   mode=reset  write HV_X64_MSR_RESET = 1: the VM must reset (hvemu exits 10)
 *   mode=crash  write CRASH_P0-P4 and CRASH_CTL = CrashNotify (hvemu exits 8, printing
 *               P0-P4 = 0x0c0ffee000000000 + n)
 *
 * Not testable here: a hypercall from real mode (the runtime never returns to real
 * mode). From CPL3 the `out` of the hypercall page takes #GP from the I/O permission
 * check before any VMM sees it; with IOPL 3 the hypervisor's #UD is what arrives.
 */
#include "libguest.h"
#include "x86/hv.h"
#include "testlib/hv_compat32.h"

#define IPI_VEC_FAST 0x40
#define IPI_VEC_XMM  0x41
#define IPI_VEC_32   0x42
#define CRASH_MAGIC  0x0c0ffee000000000ull
#define SELF	     0x5e1f5e1f5e1f5e1full /* replaced by this CPU's VP bit */
#define EXPECT_UD    (-X86_TRAP_UD)

/* --- the expected CPUID, from hv=LIST (hvemu's --hv vocabulary, QEMU's) ---------------- */

static struct {
	bool present;
	u32 eax, ebx, edx, enl_eax, enl_ebx;
} want = { .enl_ebx = HYPERV_SPINLOCK_NEVER_NOTIFY };

static const struct {
	const char *name;
	u32 eax, edx, enl_eax, ebx;
} hv_words[] = {
	{ .name = "vpindex" },
	{ .name = "runtime", .eax = HV_X64_MSR_VP_RUNTIME_AVAILABLE },
	{ .name = "time",
	  .eax = HV_X64_MSR_TIME_REF_COUNT_AVAILABLE | HV_X64_MSR_REFERENCE_TSC_AVAILABLE },
	{ .name = "frequencies",
	  .eax = HV_X64_ACCESS_FREQUENCY_MSRS,
	  .edx = HV_FEATURE_FREQUENCY_MSRS_AVAILABLE },
	{ .name = "vapic", .eax = HV_X64_MSR_APIC_ACCESS_AVAILABLE },
	{ .name = "tlbflush",
	  .enl_eax = HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED | HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED },
	{ .name = "ipi",
	  .enl_eax = HV_X64_CLUSTER_IPI_RECOMMENDED | HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED },
	{ .name = "reset", .eax = HV_X64_MSR_RESET_AVAILABLE },
	{ .name = "crash", .edx = HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE },
	{ .name = "xmm-input", .edx = HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE },
	/* The SynIC also recommends against AutoEOI, as KVM's supported set does. */
	{ .name = "synic",
	  .eax = HV_X64_MSR_SYNIC_AVAILABLE,
	  .enl_eax = HV_DEPRECATING_AEOI_RECOMMENDED,
	  .ebx = HV_POST_MESSAGES | HV_SIGNAL_EVENTS },
	{ .name = "stimer", .eax = HV_X64_MSR_SYNTIMER_AVAILABLE },
	{ .name = "stimer-direct", .edx = HV_STIMER_DIRECT_MODE_AVAILABLE },
	{ .name = "tsc-invariant", .eax = HV_X64_ACCESS_TSC_INVARIANT },
};

/* Hints hvemu may add to any set: CPU dynamic partitioning (hot-add), relaxed timing. */
#define HINT_EDX     HV_X64_CPU_DYNAMIC_PARTITIONING_AVAILABLE
#define HINT_ENL_EAX HV_X64_RELAXED_TIMING_RECOMMENDED

static bool add_word(const char *w, size_t n)
{
	u64 v;

	if (n == 3 && !memcmp(w, "all", 3)) {
		for (unsigned int i = 0; i < ARRAY_SIZE(hv_words); i++)
			add_word(hv_words[i].name, strlen(hv_words[i].name));
		if (want.enl_ebx == HYPERV_SPINLOCK_NEVER_NOTIFY)
			want.enl_ebx = 0xfff; /* KVM's default retry count */
		return true;
	}
	if (n > 10 && !memcmp(w, "spinlocks=", 10)) {
		if (parse_u64(w + 10, NULL, &v) || v == 0 || v > 0xffffffffull)
			return false;
		want.enl_ebx = (u32)v;
		want.present = true;
		return true;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(hv_words); i++) {
		if (strlen(hv_words[i].name) == n && !memcmp(w, hv_words[i].name, n)) {
			want.present = true;
			want.eax |= hv_words[i].eax;
			want.ebx |= hv_words[i].ebx;
			want.edx |= hv_words[i].edx;
			want.enl_eax |= hv_words[i].enl_eax;
			return true;
		}
	}
	return false;
}

static void parse_hv_list(void)
{
	char list[200];
	const char *p = list;

	if (cmdline_get_str("hv", list, sizeof(list)) || !strcmp(list, "none"))
		return;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!add_word(p, n))
			panic("hv=: unknown feature '%.*s'", (int)n, p);
		p += n + (e ? 1 : 0);
	}
	/* Any enlightenment brings HypercallMsrs and VpIndex ("Hv#1" promises them). */
	want.eax |= HV_X64_MSR_HYPERCALL_AVAILABLE | HV_X64_MSR_VP_INDEX_AVAILABLE;
}

/* Item 1. */
static void test_cpuid(void)
{
	const struct hv_info *h = &hv_info;

	if (!want.present) {
		report(!h->present && strcmp(h->vendor, "Microsoft Hv") != 0,
		       "no Hyper-V: 0x40000000 has no \"Microsoft Hv\" (vendor \"%s\")", h->vendor);
		return;
	}
	report(h->hypervisor_bit, "CPUID.1:ECX[31] (hypervisor present) is set");
	report(h->present, "0x40000000 \"%s\", max leaf %#x, 0x40000001 %#x (\"Hv#1\")", h->vendor,
	       h->max_leaf, h->interface);
	report(h->max_leaf >= HYPERV_CPUID_MIN && h->max_leaf <= HYPERV_CPUID_MAX,
	       "max leaf %#x in [%#x, %#x] (Linux's range)", h->max_leaf, HYPERV_CPUID_MIN,
	       HYPERV_CPUID_MAX);
	report(h->features_eax == want.eax, "0x40000003.EAX privileges %#x (want %#x)",
	       h->features_eax, want.eax);
	report(h->features_ebx == want.ebx && h->features_ecx == 0,
	       "0x40000003.EBX/ECX %#x/%#x (want %#x/0: SynIC calls only with synic; no "
	       "debugging or extended-call privileges)",
	       h->features_ebx, h->features_ecx, want.ebx);
	report((h->features_edx & ~HINT_EDX) == want.edx,
	       "0x40000003.EDX %#x (want %#x, hints %#x)", h->features_edx, want.edx, HINT_EDX);
	report((h->enlight_eax & ~HINT_ENL_EAX) == want.enl_eax,
	       "0x40000004.EAX %#x (want %#x, hints %#x)", h->enlight_eax, want.enl_eax,
	       HINT_ENL_EAX);
	report(h->enlight_ebx == want.enl_ebx, "0x40000004.EBX spinlock retries %#x (want %#x)",
	       h->enlight_ebx, want.enl_ebx);
	report(h->max_vps >= smp_nr_cpus(), "0x40000005.EAX max VPs %u >= %u listed CPUs",
	       h->max_vps, smp_nr_cpus());
}

/* --- MSRs (items 19, 20 gating, and §4.1.1's MSR stages) ---------------------------------- */

#define WVAL_SAME (~0ull) /* write back the value read */

static const struct msr_row {
	const char *name;
	u32 msr, eax_bit, edx_bit;
	bool writable;
	u64 wval;
} msr_rows[] = {
	{ "GUEST_OS_ID", HV_X64_MSR_GUEST_OS_ID, HV_X64_MSR_HYPERCALL_AVAILABLE, 0, true,
	  WVAL_SAME },
	{ "HYPERCALL", HV_X64_MSR_HYPERCALL, HV_X64_MSR_HYPERCALL_AVAILABLE, 0, true, WVAL_SAME },
	{ "VP_INDEX", HV_X64_MSR_VP_INDEX, HV_X64_MSR_VP_INDEX_AVAILABLE, 0, false, 0 },
	{ "RESET", HV_X64_MSR_RESET, HV_X64_MSR_RESET_AVAILABLE, 0, true, 0 },
	{ "VP_RUNTIME", HV_X64_MSR_VP_RUNTIME, HV_X64_MSR_VP_RUNTIME_AVAILABLE, 0, false, 0 },
	{ "TIME_REF_COUNT", HV_X64_MSR_TIME_REF_COUNT, HV_X64_MSR_TIME_REF_COUNT_AVAILABLE, 0,
	  false, 0 },
	{ "REFERENCE_TSC", HV_X64_MSR_REFERENCE_TSC, HV_X64_MSR_REFERENCE_TSC_AVAILABLE, 0, true,
	  0 },
	{ "TSC_FREQUENCY", HV_X64_MSR_TSC_FREQUENCY, HV_X64_ACCESS_FREQUENCY_MSRS, 0, false, 0 },
	{ "APIC_FREQUENCY", HV_X64_MSR_APIC_FREQUENCY, HV_X64_ACCESS_FREQUENCY_MSRS, 0, false, 0 },
	{ "VP_ASSIST_PAGE", HV_X64_MSR_VP_ASSIST_PAGE, HV_X64_MSR_APIC_ACCESS_AVAILABLE, 0, true,
	  0 },
	{ "CRASH_P0", HV_X64_MSR_CRASH_P0, 0, HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE, true, 0x1234 },
	{ "CRASH_P4", HV_X64_MSR_CRASH_P4, 0, HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE, true, 0x5678 },
	{ "CRASH_CTL", HV_X64_MSR_CRASH_CTL, 0, HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE, true, 0 },
	{ "SCONTROL", HV_X64_MSR_SCONTROL, HV_X64_MSR_SYNIC_AVAILABLE, 0, true, WVAL_SAME },
	{ "EOM", HV_X64_MSR_EOM, HV_X64_MSR_SYNIC_AVAILABLE, 0, true, 0 },
	{ "STIMER0_CONFIG", HV_X64_MSR_STIMER0_CONFIG, HV_X64_MSR_SYNTIMER_AVAILABLE, 0, true, 0 },
	{ "TSC_INVARIANT_CONTROL", HV_X64_MSR_TSC_INVARIANT_CONTROL, HV_X64_ACCESS_TSC_INVARIANT, 0,
	  true, 0 },
	/* Not implemented by hvemu, so their CPUID bits must be off and they must #GP. */
	{ "GUEST_IDLE", HV_X64_MSR_GUEST_IDLE, HV_X64_MSR_GUEST_IDLE_AVAILABLE, 0, false, 0 },
	{ "REENLIGHTENMENT_CONTROL", HV_X64_MSR_REENLIGHTENMENT_CONTROL,
	  HV_X64_ACCESS_REENLIGHTENMENT, 0, true, 0 },
	{ "TSC_EMULATION_STATUS", HV_X64_MSR_TSC_EMULATION_STATUS, HV_X64_ACCESS_REENLIGHTENMENT, 0,
	  true, 0 },
	{ "SYNDBG_CONTROL", HV_X64_MSR_SYNDBG_CONTROL, 0, HV_FEATURE_DEBUG_MSRS_AVAILABLE, true,
	  0 },
	{ "0x400001FF (unassigned)", 0x400001ff, 0, 0, true, 0 },
};

static const char *fault_name(int v)
{
	return v == 0 ? "ok" : v == X86_TRAP_GP ? "#GP" : v == X86_TRAP_UD ? "#UD" : "fault";
}

static void test_msr_gating(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(msr_rows); i++) {
		const struct msr_row *m = &msr_rows[i];
		bool on = (m->eax_bit && hv_priv(m->eax_bit)) ||
			  (m->edx_bit && hv_feature_edx(m->edx_bit));
		int want_w = on && m->writable ? 0 : X86_TRAP_GP;
		u64 v = 0, wv;
		int r = rdmsr_safe(m->msr, &v), w;

		wv = m->wval == WVAL_SAME || !m->writable ? v : m->wval;
		w = wrmsr_safe(m->msr, wv);
		report(r == (on ? 0 : X86_TRAP_GP) && w == want_w,
		       "MSR %s (%#x), CPUID bit %s: read %s, write %#lx %s (want %s, %s)", m->name,
		       m->msr, on ? "on" : "off", fault_name(r), (unsigned long)wv, fault_name(w),
		       fault_name(on ? 0 : X86_TRAP_GP), fault_name(want_w));
	}
	if (hv_feature_edx(HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE)) {
		u64 v = 0;
		int r = rdmsr_safe(HV_X64_MSR_CRASH_P0, &v);

		report(!r && v == 0x1234, "CRASH_P0 reads back %#lx", (unsigned long)v);
		r = rdmsr_safe(HV_X64_MSR_CRASH_CTL, &v);
		report(!r && (v & HV_CRASH_CTL_CRASH_NOTIFY), "CRASH_CTL offers CrashNotify (%#lx)",
		       (unsigned long)v);
	}
}

/*
 * Port 0xE6 is a hypercall only from the enabled hypercall page (GUEST_OS_ID set, the
 * HYPERCALL MSR's enable bit set, at the instruction the hypervisor wrote there); an
 * `out` anywhere else is an ordinary write to an unclaimed port. So nothing may touch
 * RAX and nothing may perform a `ret` for it.
 *
 * e6_out() pushes the address of a "popped" label, then writes the port: a VMM that
 * treats the write as a hypercall returns through that address and sets RAX.
 * e6_call() calls code at @page with a known RAX: a hypercall writes the result there.
 */
#define E6_RAX 0x5a5a5a5a5a5a5a5aull

static bool e6_out(u64 *rax_out)
{
	u64 rax = E6_RAX;
	u32 popped;

	asm volatile("leaq 1f(%%rip), %%r11\n\t"
		     "pushq %%r11\n\t"
		     "outb %%al, $0xe6\n\t"
		     "addq $8, %%rsp\n\t"
		     "xorl %[p], %[p]\n\t"
		     "jmp 2f\n"
		     "1:\tmovl $1, %[p]\n"
		     "2:"
		     : "+a"(rax), [p] "=r"(popped)
		     : "c"(0xbeefull), "d"(0ull)
		     : "r11", "cc", "memory");
	*rax_out = rax;
	return !popped;
}

static u64 e6_call(const void *page)
{
	register u64 r8 asm("r8") = 0;
	u64 rax = E6_RAX, rcx = 0xbeef, rdx = 0;

	asm volatile("call *%[pg]"
		     : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8)
		     : [pg] "r"(page)
		     : "cc", "memory", "r9", "r10", "r11");
	return rax;
}

static void check_e6_plain(const char *when)
{
	u64 rax = 0;
	bool plain = e6_out(&rax);
	u8 in = inb(0xe6);

	report(plain && rax == E6_RAX, "out to port 0xE6 %s is a plain port write (%s, RAX %#lx)",
	       when, plain ? "no ret performed" : "the VMM performed a ret", (unsigned long)rax);
	report(in == 0xff, "in from port 0xE6 %s reads all ones (%#x)", when, in);
}

/* The hypercall page's code, copied elsewhere: the copy is not the page. */
static void check_e6_copy(const u8 *pg)
{
	u8 *copy = alloc_page();
	u64 v;

	memcpy(copy, pg, 16);
	v = e6_call(copy);
	report(v == E6_RAX, "a copy of the hypercall page's code is not a hypercall (RAX %#lx)",
	       (unsigned long)v);
}

/*
 * Item 25 and the hypercall page MSR, before anything else writes GUEST_OS_ID. Returns
 * the page it enabled, which hv_init() replaces.
 */
static u8 *test_hypercall_msr(void)
{
	u8 *pg = alloc_page();
	u64 v = ~0ull, gpa = hv_pa(pg);
	int r;

	r = rdmsr_safe(HV_X64_MSR_GUEST_OS_ID, &v);
	report(!r && v == 0, "GUEST_OS_ID is 0 at boot (%s, %#lx)", fault_name(r),
	       (unsigned long)v);
	check_e6_plain("while GUEST_OS_ID is 0");
	r = wrmsr_safe(HV_X64_MSR_HYPERCALL, gpa | HV_X64_MSR_HYPERCALL_ENABLE);
	rdmsr_safe(HV_X64_MSR_HYPERCALL, &v);
	report(!r && v == 0 && pg[0] == 0,
	       "HYPERCALL enable ignored while GUEST_OS_ID is 0 (read %#lx, page byte %#x)",
	       (unsigned long)v, pg[0]);
	r = wrmsr_safe(HV_X64_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_DEFAULT);
	rdmsr_safe(HV_X64_MSR_GUEST_OS_ID, &v);
	report(!r && v == HV_GUEST_OS_ID_DEFAULT, "GUEST_OS_ID written and read back (%#lx)",
	       (unsigned long)v);
	r = wrmsr_safe(HV_X64_MSR_HYPERCALL, 0xc0000000ull | HV_X64_MSR_HYPERCALL_ENABLE);
	report(r == X86_TRAP_GP, "HYPERCALL enable at a GPA that is not RAM (0xc0000000): %s",
	       fault_name(r));
	check_e6_plain("with GUEST_OS_ID set, no page enabled");
	r = hv_hypercall_enable(pg);
	report(!r && pg[0] != 0, "HYPERCALL enable at %#lx reads back, the page is written (%#x)",
	       (unsigned long)gpa, pg[0]);
	v = e6_call(pg);
	report(v == HV_STATUS_INVALID_HYPERCALL_CODE,
	       "a call through the enabled page is a hypercall (RAX %#lx)", (unsigned long)v);
	check_e6_plain("outside the enabled page");
	check_e6_copy(pg);
	r = wrmsr_safe(HV_X64_MSR_HYPERCALL, gpa);
	rdmsr_safe(HV_X64_MSR_HYPERCALL, &v);
	report(!r && v == gpa, "HYPERCALL disable reads back %#lx", (unsigned long)v);
	v = e6_call(pg);
	report(v == E6_RAX, "a call through the disabled page is not a hypercall (RAX %#lx)",
	       (unsigned long)v);
	hv_hypercall_enable(pg);
	/*
	 * KVM: zeroing GUEST_OS_ID disables the page. KVM's page holds a VMCALL, which then
	 * reaches KVM's own hypercalls (-KVM_ENOSYS); hvemu's holds an `out`, which then is
	 * a write to an unclaimed port.
	 */
	wrmsr_safe(HV_X64_MSR_GUEST_OS_ID, 0);
	rdmsr_safe(HV_X64_MSR_HYPERCALL, &v);
	report(!(v & HV_X64_MSR_HYPERCALL_ENABLE), "GUEST_OS_ID = 0 clears the enable bit (%#lx)",
	       (unsigned long)v);
	v = e6_call(pg);
	report(v == E6_RAX,
	       "a call through the page with GUEST_OS_ID = 0 is not a hypercall (RAX %#lx)",
	       (unsigned long)v);
	/* hv_init() enables its own page. */
	return pg;
}

static void check_vp_indexes(void)
{
	u32 cpu, bad = 0, dup = 0;
	struct cpumask seen;

	if (!hv_priv(HV_X64_MSR_VP_INDEX_AVAILABLE)) {
		report(this_cpu()->vp_index == VP_INVAL, "no VpIndex: VP index stays unknown");
		return;
	}
	cpumask_clear(&seen);
	for_each_cpu (cpu, &cpu_online_mask) {
		struct percpu *pc = per_cpu(cpu);

		/* Boot vCPUs are created in slot order and APIC ID = slot. */
		if (pc->vp_index != pc->apic_id || pc->vp_index >= hv_info.max_vps) {
			printf("INFO: CPU %u APIC ID %u VP index %u\n", cpu, pc->apic_id,
			       pc->vp_index);
			bad++;
		} else if (cpumask_test(&seen, pc->vp_index)) {
			dup++;
		} else {
			cpumask_set(&seen, pc->vp_index);
		}
	}
	report(!bad && !dup, "%u CPUs read their own VP index = creation order (%u wrong, %u dup)",
	       smp_nr_online(), bad, dup);
}

/* VP_ASSIST_PAGE on every CPU (as Linux writes it on CPU online and clears it offline). */
static u32 assist_ok;

static void assist_fn(void *arg)
{
	if ((arg ? hv_vp_assist_enable() : hv_vp_assist_disable()) == 0)
		atomic_inc(&assist_ok);
}

static void test_vp_assist(void)
{
	if (!hv_priv(HV_X64_MSR_APIC_ACCESS_AVAILABLE))
		return;
	assist_ok = 0;
	on_all_cpus(assist_fn, (void *)1);
	report(assist_ok == smp_nr_online(), "VP assist page enabled on %u of %u CPUs", assist_ok,
	       smp_nr_online());
	assist_ok = 0;
	on_all_cpus(assist_fn, NULL);
	report(assist_ok == smp_nr_online(), "VP assist page disabled (reads 0) on %u of %u CPUs",
	       assist_ok, smp_nr_online());
}

static void test_time_msrs(void)
{
	u64 a = 0, b = 0, t0, t1, ref_ns, tsc_ns;

	if (hv_priv(HV_X64_MSR_TIME_REF_COUNT_AVAILABLE)) {
		rdmsr_safe(HV_X64_MSR_TIME_REF_COUNT, &a);
		t0 = rdtsc();
		mdelay(20);
		rdmsr_safe(HV_X64_MSR_TIME_REF_COUNT, &b);
		t1 = rdtsc();
		ref_ns = (b - a) * 100;
		tsc_ns = tsc_cycles_to_ns(t1 - t0);
		report(b > a && ref_ns * 100 > tsc_ns * 99 && ref_ns * 100 < tsc_ns * 101,
		       "TIME_REF_COUNT advanced %lu ns while the TSC advanced %lu ns (1%%)",
		       (unsigned long)ref_ns, (unsigned long)tsc_ns);
	}
	if (hv_priv(HV_X64_MSR_VP_RUNTIME_AVAILABLE)) {
		rdmsr_safe(HV_X64_MSR_VP_RUNTIME, &a);
		mdelay(5);
		rdmsr_safe(HV_X64_MSR_VP_RUNTIME, &b);
		report(b > a, "VP_RUNTIME grows while the VP runs (%lu -> %lu)", (unsigned long)a,
		       (unsigned long)b);
	}
	if (hv_priv(HV_X64_ACCESS_FREQUENCY_MSRS)) {
		u64 khz = tsc_khz();

		rdmsr_safe(HV_X64_MSR_TSC_FREQUENCY, &a);
		rdmsr_safe(HV_X64_MSR_APIC_FREQUENCY, &b);
		report(a / 10 > khz * 99 && a / 10 < khz * 101 && b > 0,
		       "TSC_FREQUENCY %lu Hz matches the calibrated TSC (%lu kHz); APIC %lu Hz",
		       (unsigned long)a, (unsigned long)khz, (unsigned long)b);
	}
}

/* Item 21. */
static void test_reference_tsc(void)
{
	volatile struct hv_reference_tsc_page *pg;
	u8 *raw = alloc_page();
	u64 v = 0, p1 = 0, m = 0, p2 = 0, prev = 0, gpa = hv_pa(raw);
	bool untouched = true, mono = true;
	int r;

	if (!hv_priv(HV_X64_MSR_REFERENCE_TSC_AVAILABLE))
		return;
	pg = (volatile struct hv_reference_tsc_page *)raw;
	memset(raw, 0xa5, PAGE_SIZE);
	r = wrmsr_safe(HV_X64_MSR_REFERENCE_TSC, gpa);
	rdmsr_safe(HV_X64_MSR_REFERENCE_TSC, &v);
	for (unsigned int i = 0; i < PAGE_SIZE; i += 8)
		untouched &= raw[i] == 0xa5;
	report(!r && v == gpa && untouched,
	       "REFERENCE_TSC without enable: page untouched, reads %#lx", (unsigned long)v);
	r = wrmsr_safe(HV_X64_MSR_REFERENCE_TSC, gpa | HV_X64_MSR_TSC_REFERENCE_ENABLE);
	rdmsr_safe(HV_X64_MSR_REFERENCE_TSC, &v);
	report(!r && v == (gpa | 1) && pg->tsc_sequence != HV_TSC_SEQUENCE_INVALID &&
		   pg->tsc_sequence != HV_TSC_SEQUENCE_UPDATING,
	       "REFERENCE_TSC enabled (%#lx): sequence %#x is valid", (unsigned long)v,
	       pg->tsc_sequence);
	r = hv_ref_tsc_read(pg, &p1);
	rdmsr_safe(HV_X64_MSR_TIME_REF_COUNT, &m);
	r |= hv_ref_tsc_read(pg, &p2);
	report(!r && p1 <= m && m <= p2 && p2 - p1 < 10000,
	       "page time %lu <= TIME_REF_COUNT %lu <= page time %lu, within 1 ms",
	       (unsigned long)p1, (unsigned long)m, (unsigned long)p2);
	for (unsigned int i = 0; i < 50 && !r; i++) {
		r = hv_ref_tsc_read(pg, &v);
		mono &= v >= prev;
		prev = v;
	}
	report(!r && mono, "page time is monotonic over 50 reads");
	r = wrmsr_safe(HV_X64_MSR_REFERENCE_TSC, 0);
	rdmsr_safe(HV_X64_MSR_REFERENCE_TSC, &v);
	report(!r && v == 0, "REFERENCE_TSC disabled reads back 0");
}

/* --- hypercalls (items 3-10) ---------------------------------------------------------------- */

enum gate {
	G_ALWAYS,
	G_FLUSH,
	G_FLUSH_EX,
	G_IPI,
	G_IPI_EX,
	G_SPIN,
	G_POST,
	G_SIGNAL,
	G_EXT
};
enum kind {
	SLOW,
	FAST,
	XMM
};

struct hc_row {
	const char *what;
	u64 control;
	enum gate gate;
	enum kind kind;
	s16 expect; /* HV_STATUS with the gate open, or EXPECT_UD */
	u16 reps;   /* reps completed on success */
	u8 ipi;	    /* a vector the call must deliver once to this CPU */
	u64 in[8];  /* SLOW: the input page; FAST/XMM: RDX, R8, XMM0.lo, XMM0.hi, ... */
};

/* A row; the trailing arguments are the input QWORDs. */
#define R(what, control, gate, kind, expect, reps, ipi, ...)  \
	{                                                     \
		what, control, gate, kind, expect, reps, ipi, \
		{                                             \
			__VA_ARGS__                           \
		}                                             \
	}
/* A control word (a constant expression, for the table). */
#define C(code, fast, var, cnt, start)                        \
	((u64)(code) | ((fast) ? HV_HYPERCALL_FAST_BIT : 0) | \
	 ((u64)(var) << HV_HYPERCALL_VARHEAD_OFFSET) |        \
	 ((u64)(cnt) << HV_HYPERCALL_REP_COMP_OFFSET) |       \
	 ((u64)(start) << HV_HYPERCALL_REP_START_OFFSET))
#define FLUSH	HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE
#define FLUSHL	HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST
#define FLUSHX	HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX
#define FLUSHLX HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX
#define GVA	0x200000ull /* one page of the kernel image: a harmless flush target */

static const struct hc_row hc_rows[] = {
	/* Items 3 and 9: codes. */
	R("unknown code 0xbeef", 0xbeef, G_ALWAYS, SLOW, 2, 0, 0, 0),
	R("unknown code 0xbeef, fast", 0xbeef | HV_HYPERCALL_FAST_BIT, G_ALWAYS, FAST, 2, 0, 0, 0),
	R("code 0", 0, G_ALWAYS, SLOW, 2, 0, 0, 0),
	R("HvCallResetDebugSession, SynDbg off", HVCALL_RESET_DEBUG_SESSION, G_ALWAYS, SLOW, 2, 0,
	  0, 0),
	/* With the SynIC (then always active): connection ID 0 is nobody's. */
	R("HvCallPostMessage, no such connection", HVCALL_POST_MESSAGE, G_POST, SLOW,
	  HV_STATUS_INVALID_CONNECTION_ID, 0, 0, 0),
	R("HvCallSignalEvent, no such connection", HVCALL_SIGNAL_EVENT, G_SIGNAL, SLOW,
	  HV_STATUS_INVALID_CONNECTION_ID, 0, 0, 0),
	R("HvExtCallQueryCapabilities, fast",
	  HV_EXT_CALL_QUERY_CAPABILITIES | HV_HYPERCALL_FAST_BIT, G_EXT, FAST, 5, 0, 0, 0),
	R("FlushVASpace, all-zero input", FLUSH, G_FLUSH, SLOW, 0, 0, 0, 0),
	R("FlushVASpace with reserved bit 31", FLUSH | (1ull << 31), G_FLUSH, SLOW, 3, 0, 0, 0),
	R("NotifyLongSpinWait", HVCALL_NOTIFY_LONG_SPIN_WAIT, G_SPIN, SLOW, 0, 0, 0, 0),
	R("NotifyLongSpinWait, fast", HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HYPERCALL_FAST_BIT, G_SPIN,
	  FAST, 0, 0, 0, 0),
	R("SendIpi, vector 0", HVCALL_SEND_IPI, G_IPI, SLOW, 3, 0, 0, 0),
	R("SendIpi fast, RDX[63:32] != 0", HVCALL_SEND_IPI | HV_HYPERCALL_FAST_BIT, G_IPI, FAST, 3,
	  0, 0, (1ull << 32) | IPI_VEC_FAST, SELF),
	R("SendIpi fast, vector 0x0f", HVCALL_SEND_IPI | HV_HYPERCALL_FAST_BIT, G_IPI, FAST, 3, 0,
	  0, 0x0f, SELF),
	R("SendIpi fast to self (no XMM needed)", HVCALL_SEND_IPI | HV_HYPERCALL_FAST_BIT, G_IPI,
	  FAST, 0, 0, IPI_VEC_FAST, IPI_VEC_FAST, SELF),
	/* Item 5: rep count or start on a simple call. */
	R("FlushVASpace, rep count 1", C(FLUSH, 0, 0, 1, 0), G_FLUSH, SLOW, 3, 0, 0, 0),
	R("FlushVASpace, rep start 1", C(FLUSH, 0, 0, 0, 1), G_FLUSH, SLOW, 3, 0, 0, 0),
	R("FlushVASpaceEx, rep count 1", C(FLUSHX, 0, 0, 1, 0), G_FLUSH_EX, SLOW, 3, 0, 0, 0),
	R("SendIpi fast, rep count 1", C(HVCALL_SEND_IPI, 1, 0, 1, 0), G_IPI, FAST, 3, 0, 0,
	  IPI_VEC_FAST, SELF),
	R("SendIpiEx, rep count 1", C(HVCALL_SEND_IPI_EX, 0, 0, 1, 0), G_IPI_EX, SLOW, 3, 0, 0, 0),
	R("NotifyLongSpinWait, rep count 1", C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 0, 1, 0), G_SPIN,
	  SLOW, 3, 0, 0, 0),
	/* Item 6: the list calls. */
	R("FlushVAList, rep count 0", C(FLUSHL, 0, 0, 0, 0), G_FLUSH, SLOW, 3, 0, 0, 0),
	R("FlushVAList, rep start 1 of 2", C(FLUSHL, 0, 0, 2, 1), G_FLUSH, SLOW, 3, 0, 0, 0, 0,
	  SELF, GVA, GVA),
	R("FlushVAList, 2 reps to self", C(FLUSHL, 0, 0, 2, 0), G_FLUSH, SLOW, 0, 2, 0, 0, 0, SELF,
	  GVA, GVA + 0x1000),
	R("FlushVAListEx, rep count 0", C(FLUSHLX, 0, 0, 0, 0), G_FLUSH_EX, SLOW, 3, 0, 0, 0),
	R("FlushVAListEx, rep start 1 of 2", C(FLUSHLX, 0, 0, 2, 1), G_FLUSH_EX, SLOW, 3, 0, 0, 0),
	R("FlushVAListEx, 3 reps to self", C(FLUSHLX, 0, 1, 3, 0), G_FLUSH_EX, SLOW, 0, 3, 0, 0, 0,
	  HV_GENERIC_SET_SPARSE_4K, 1, SELF, GVA, GVA, GVA),
	/* Item 7: a variable header on a non-Ex call. */
	R("FlushVASpace, varhead 1", C(FLUSH, 0, 1, 0, 0), G_FLUSH, SLOW, 3, 0, 0, 0),
	R("FlushVAList, varhead 1", C(FLUSHL, 0, 1, 1, 0), G_FLUSH, SLOW, 3, 0, 0, 0),
	R("SendIpi fast, varhead 1", C(HVCALL_SEND_IPI, 1, 1, 0, 0), G_IPI, FAST, 3, 0, 0,
	  IPI_VEC_FAST, SELF),
	R("NotifyLongSpinWait, varhead 1", C(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0, 1, 0, 0), G_SPIN,
	  SLOW, 3, 0, 0, 0),
	/* Item 8: Ex varhead != popcount(valid_bank_mask). */
	R("FlushVASpaceEx, mask 0x3, varhead 1", C(FLUSHX, 0, 1, 0, 0), G_FLUSH_EX, SLOW, 3, 0, 0,
	  0, 0, 0, 3, SELF, 0),
	R("FlushVASpaceEx, mask 0x1, varhead 0", C(FLUSHX, 0, 0, 0, 0), G_FLUSH_EX, SLOW, 3, 0, 0,
	  0, 0, 0, 1),
	R("FlushVASpaceEx, mask 0, varhead 1", C(FLUSHX, 0, 1, 0, 0), G_FLUSH_EX, SLOW, 3, 0, 0, 0),
	R("FlushVASpaceEx, mask 0x1, varhead 1, self", C(FLUSHX, 0, 1, 0, 0), G_FLUSH_EX, SLOW, 0,
	  0, 0, 0, 0, 0, 1, SELF),
	R("FlushVASpaceEx, empty sparse set", FLUSHX, G_FLUSH_EX, SLOW, 0, 0, 0, 0),
	R("FlushVAListEx, mask 0x1, varhead 2", C(FLUSHLX, 0, 2, 1, 0), G_FLUSH_EX, SLOW, 3, 0, 0,
	  0, 0, 0, 1, SELF, GVA, GVA),
	R("SendIpiEx, mask 0x5, varhead 1", C(HVCALL_SEND_IPI_EX, 0, 1, 0, 0), G_IPI_EX, SLOW, 3, 0,
	  0, IPI_VEC_FAST, 0, 5, SELF),
	R("SendIpiEx, empty sparse set, vector 0", HVCALL_SEND_IPI_EX, G_IPI_EX, SLOW, 0, 0, 0, 0),
	/* Item 10: XMM fast input (#UD without 0x40000003.EDX b4). */
	R("FlushVASpace XMM fast, zero input", FLUSH | HV_HYPERCALL_FAST_BIT, G_FLUSH, XMM, 0, 0, 0,
	  0),
	R("FlushVAList XMM fast, 1 rep to self", C(FLUSHL, 1, 0, 1, 0), G_FLUSH, XMM, 0, 1, 0, 0, 0,
	  SELF, GVA),
	R("FlushVASpaceEx XMM fast, mask in XMM0.hi, bank in XMM1", C(FLUSHX, 1, 1, 0, 0),
	  G_FLUSH_EX, XMM, 0, 0, 0, 0, 0, 0, 1, SELF),
	R("FlushVASpaceEx XMM fast, mask 0x3, varhead 1", C(FLUSHX, 1, 1, 0, 0), G_FLUSH_EX, XMM, 3,
	  0, 0, 0, 0, 0, 3, SELF),
	R("FlushVAListEx XMM fast, 11 banks + 1 rep > XMM0-5", C(FLUSHLX, 1, 11, 1, 0), G_FLUSH_EX,
	  XMM, 3, 0, 0, 0, 0, 0, 0x7ff),
	R("SendIpiEx XMM fast to self", C(HVCALL_SEND_IPI_EX, 1, 1, 0, 0), G_IPI_EX, XMM, 0, 0,
	  IPI_VEC_XMM, IPI_VEC_XMM, HV_GENERIC_SET_SPARSE_4K, 1, SELF),
};

static bool gate_open(enum gate g)
{
	bool ex = hv_recommended(HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED);
	u32 spin = hv_info.enlight_ebx;

	switch (g) {
	case G_ALWAYS:
		return true;
	case G_FLUSH:
		return hv_recommended(HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED);
	case G_FLUSH_EX:
		return ex && hv_recommended(HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED);
	case G_IPI:
		return hv_recommended(HV_X64_CLUSTER_IPI_RECOMMENDED);
	case G_IPI_EX:
		return ex && hv_recommended(HV_X64_CLUSTER_IPI_RECOMMENDED);
	case G_SPIN:
		return spin && spin != HYPERV_SPINLOCK_NEVER_NOTIFY;
	case G_POST:
		return hv_info.features_ebx & HV_POST_MESSAGES;
	case G_SIGNAL:
		return hv_info.features_ebx & HV_SIGNAL_EVENTS;
	case G_EXT:
		return hv_info.features_ebx & HV_ENABLE_EXTENDED_HYPERCALLS;
	}
	return false;
}

static bool is_xmm_code(u16 code)
{
	return code == FLUSH || code == FLUSHL || code == FLUSHX || code == FLUSHLX ||
	       code == HVCALL_SEND_IPI_EX;
}

static u32 ipi_hits[256];

static void ipi_handler(struct ex_regs *r)
{
	atomic_inc(&ipi_hits[r->vector & 0xff]);
}

static u64 self_bit(void)
{
	u32 vp = this_cpu()->vp_index;

	return vp < 64 ? 1ull << vp : 0;
}

/* Waits up to 10 ms for the IPI, then 1 ms more for a duplicate. Returns the count. */
static u32 ipi_count(u8 vec)
{
	u64 end = rdtsc() + tsc_ms_to_cycles(10);

	while (!atomic_load(&ipi_hits[vec]) && rdtsc() < end)
		cpu_relax();
	mdelay(1);
	return atomic_xchg(&ipi_hits[vec], 0);
}

static int do_row(const struct hc_row *h, u64 *result)
{
	u64 in[14] = { 0 }; /* RDX, R8, XMM0-XMM5 */
	u32 n = h->kind == SLOW ? 8 : 12;

	for (u32 i = 0; i < 8; i++)
		in[i] = h->in[i] == SELF ? self_bit() : h->in[i];
	if (h->kind == SLOW) {
		u64 *page = hv_this_cpu()->input;

		memset(page, 0, PAGE_SIZE);
		memcpy(page, in, n * sizeof(u64));
		return hv_hypercall_safe(h->control, hv_pa(page), hv_pa(hv_this_cpu()->output),
					 result);
	}
	if (h->kind == FAST)
		return hv_hypercall_safe(h->control, in[0], in[1], result);
	return hv_hypercall_xmm_safe(h->control, in[0], in[1], &in[2], result);
}

static void test_hypercalls(void)
{
	bool xmm = hv_feature_edx(HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE);
	static const u8 rsvd_bits[] = { 27, 28, 29, 30, 31, 44, 45, 46, 47, 60, 61, 62, 63 };
	u64 res;
	int v;

	/* Item 4: every reserved control bit (checked before the code: unknown code -> 3). */
	for (unsigned int i = 0; i < ARRAY_SIZE(rsvd_bits); i++) {
		v = hv_hypercall_safe(0xbeef | (1ull << rsvd_bits[i]), 0, 0, &res);
		report(!v && res == HV_STATUS_INVALID_HYPERCALL_INPUT,
		       "reserved control bit %u -> %#lx (want 3)", rsvd_bits[i],
		       v ? 0ul : (unsigned long)res);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(hc_rows); i++) {
		const struct hc_row *h = &hc_rows[i];
		bool open = gate_open(h->gate);
		int want_st = open ? h->expect : HV_STATUS_ACCESS_DENIED;
		u16 want_reps = want_st == 0 ? h->reps : 0;
		u32 hits = 0;

		if (open && (h->control & HV_HYPERCALL_FAST_BIT) && is_xmm_code((u16)h->control) &&
		    !(h->control & HV_HYPERCALL_RSVD_MASK) && !xmm)
			want_st = EXPECT_UD;
		res = 0;
		v = do_row(h, &res);
		if (h->ipi && want_st == 0)
			hits = ipi_count(h->ipi);
		if (want_st == EXPECT_UD)
			report(v == X86_TRAP_UD, "%s [gate open, no XMM input]: %s (want #UD)",
			       h->what, v ? fault_name(v) : "returned");
		else
			report(
			    !v && hv_result_status(res) == want_st &&
				hv_result_reps(res) == want_reps && (!h->ipi || !open || hits == 1),
			    "%s [gate %s]: %s status %u reps %u%s (want %d reps %u)", h->what,
			    open ? "open" : "closed", fault_name(v), hv_result_status(res),
			    hv_result_reps(res),
			    h->ipi && open ? (hits == 1 ? ", IPI once" : ", IPI count wrong") : "",
			    want_st, want_reps);
	}
	if (gate_open(G_FLUSH)) {
		u64 *page = hv_this_cpu()->input;

		memset(page, 0, PAGE_SIZE);
		page[2] = self_bit();
		for (u32 i = 0; i < 5; i++)
			page[3 + i] = GVA + i * 0x1000;
		res = hv_rep_hypercall(FLUSHL, 5, 0, hv_pa(page), 0);
		report(hv_result_status(res) == 0 && hv_result_reps(res) == 5,
		       "rep loop: FlushVAList of 5 reps completes (status %u, reps %u)",
		       hv_result_status(res), hv_result_reps(res));
	}
}

/* The SSE moves XMM fast input relies on work here (the emulator may lack some SSE). */
static void test_xmm_moves(void)
{
	u64 a[12], b[12] = { 0 };

	if (!hv_feature_edx(HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE))
		return;
	for (u32 i = 0; i < 12; i++)
		a[i] = 0x0101010101010101ull * (i + 1);
	hv_xmm_load(a);
	hv_xmm_store(b);
	report(!memcmp(a, b, sizeof(a)), "movdqu to and from XMM0-XMM5 at CPL0 round-trips");
}

/* Item 2: from CPL3. */
static u64 user_hypercall(u64 arg)
{
	(void)arg;
	return hv_hypercall(0xbeef, 0, 0);
}

static u64 user_out(u64 arg)
{
	outb(0x80, (u8)arg); /* an unclaimed port: the write is ignored */
	return 0;
}

static void test_cpl3(void)
{
	struct user_result res;
	int v;

	v = run_user(user_hypercall, 0, 0, &res);
	report(v == X86_TRAP_GP && res.rip - hv_pa(hv_hypercall_page) < PAGE_SIZE,
	       "hypercall from CPL3 without I/O permission: vector %d at RIP %#lx (want #GP from "
	       "the page's out, before the VMM sees it)",
	       v, (unsigned long)res.rip);
	/* Some KVMs (kvm_pvm) ignore IOPL at CPL3: then the hypervisor's #UD is unreachable. */
	if (run_user(user_out, 0, USER_IOPL3, NULL) != FAULT_NONE) {
		report_skip("iopl",
			    "hypercall from CPL3 with IOPL 3: this KVM raises #GP for out at CPL3 "
			    "whatever IOPL says");
	} else {
		v = run_user(user_hypercall, 0, USER_IOPL3, &res);
		report(v == X86_TRAP_UD,
		       "hypercall from CPL3 with IOPL 3: vector %d at RIP %#lx "
		       "(want #UD from the hypervisor)",
		       v, (unsigned long)res.rip);
	}
	report_skip("real-mode", "hypercall from real mode: the runtime has no real-mode path");
}

/* The x86 convention from compatibility mode. */
static void test_call32(void)
{
	u64 *page = hv_this_cpu()->input, r;

	r = hv_call32(0xbeef, 0, 0);
	report(r == HV_STATUS_INVALID_HYPERCALL_CODE, "32-bit: unknown code -> EDX:EAX %#lx",
	       (unsigned long)r);
	r = hv_call32(0xbeef | (1ull << 63), 0, 0);
	report(r == HV_STATUS_INVALID_HYPERCALL_INPUT,
	       "32-bit: reserved bit 63 in EDX -> EDX:EAX %#lx (want 3)", (unsigned long)r);
	if (gate_open(G_FLUSH)) {
		memset(page, 0, PAGE_SIZE);
		page[2] = self_bit();
		page[3] = page[4] = page[5] = GVA;
		r = hv_call32(C(FLUSHL, 0, 0, 3, 0), hv_pa(page), 0);
		report(r == (3ull << 32),
		       "32-bit: FlushVAList of 3 reps -> EDX:EAX %#lx (reps in EDX)",
		       (unsigned long)r);
		r = hv_call32(C(FLUSHL, 0, 0, 3, 0), hv_pa(page) | (1ull << 40), 0);
		report(r == HV_STATUS_INVALID_HYPERCALL_INPUT,
		       "32-bit: input GPA high half from EBX (not RAM) -> %#lx (want 3)",
		       (unsigned long)r);
	}
	if (gate_open(G_IPI)) {
		memset(page, 0, PAGE_SIZE);
		page[0] = IPI_VEC_32;
		page[1] = self_bit();
		r = hv_call32(HVCALL_SEND_IPI, hv_pa(page), 0);
		report(r == 0 && ipi_count(IPI_VEC_32) == 1,
		       "32-bit: SendIpi to self from the input "
		       "page at EBX:ECX -> %#lx, IPI once",
		       (unsigned long)r);
	}
}

static __noreturn void do_mode(const char *mode)
{
	int r = -1;

	if (!strcmp(mode, "reset")) {
		r = wrmsr_safe(HV_X64_MSR_RESET, HV_X64_MSR_RESET_VALUE);
		report(false, "RESET = 1 returned (%s): the VM should have reset", fault_name(r));
	} else if (!strcmp(mode, "crash")) {
		for (u32 i = 0; i < HV_CRASH_PARAMS; i++)
			r = wrmsr_safe(HV_X64_MSR_CRASH_P0 + i, CRASH_MAGIC + i);
		r |= wrmsr_safe(HV_X64_MSR_CRASH_CTL, HV_CRASH_CTL_CRASH_NOTIFY);
		report(false, "CRASH_CTL notify returned (%s): the VM should have stopped",
		       fault_name(r));
	} else {
		report(false, "unknown mode=%s", mode);
	}
	report_exit();
}

int main(void)
{
	char mode[16];
	u8 *old_pg;
	u64 v;
	int r;

	/*
	 * Declared skips, taken on every host of their kind: kvm_pvm raises #GP for out at
	 * CPL3 whatever IOPL says, and the runtime has no real-mode path for the TLFS's
	 * real-mode hypercall check.
	 */
	report_skip_allow("iopl");
	report_skip_allow("real-mode");
	parse_hv_list();
	hv_detect();
	test_cpuid();
	if (!want.present || !hv_info.present) {
		test_msr_gating();
		check_e6_plain("without Hyper-V");
		return report_summary();
	}
	old_pg = test_hypercall_msr();
	r = hv_init();
	report(!r, "hv_init: GUEST_OS_ID, hypercall page, per-CPU set-up on %u CPUs (%d)",
	       smp_nr_online(), r);
	if (r)
		return report_summary();
	v = e6_call(old_pg);
	report(v == E6_RAX, "a call through the page enabled before is not a hypercall (RAX %#lx)",
	       (unsigned long)v);
	if (!cmdline_get_str("mode", mode, sizeof(mode)))
		do_mode(mode);
	handle_irq(IPI_VEC_FAST, ipi_handler);
	handle_irq(IPI_VEC_XMM, ipi_handler);
	handle_irq(IPI_VEC_32, ipi_handler);
	check_vp_indexes();
	test_msr_gating();
	test_vp_assist();
	test_time_msrs();
	test_reference_tsc();
	test_xmm_moves();
	test_hypercalls();
	test_cpl3();
	test_call32();
	return report_summary();
}
