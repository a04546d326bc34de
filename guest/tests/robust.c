// SPDX-License-Identifier: MIT
/*
 * robust.elf: a hostile guest at small scale. Every section may only end in a TLFS status,
 * an architectural fault (#GP) or a value the platform defines; hvemu must neither hang,
 * crash, nor lose state. Run with --hv all --cpus boot=2,max=3+2*race (max=35).
 *
 *   edge GPAs     the hypercalls that read memory, with input and output GPAs at 0, at
 *                 the end of RAM, beyond it, in the MMIO hole, across a page boundary and
 *                 unaligned: every result is a well-formed status
 *   every code    call codes 0-0xFFFF, fast and memory form, random control bits (rep
 *                 counts, start indexes, variable header sizes, sometimes reserved bits)
 *                 and random input pages: every result is a well-formed status
 *   MSRs          garbage written to all 512 synthetic MSRs (0x40000000-0x400001FF):
 *                 accepted or #GP, each restored afterwards
 *   ports         reads of every port in every width; writes of every width to the
 *                 device ports (values that power off or reset the VM left out); string
 *                 I/O; MMIO in the hole reads all ones
 *   hotplug       controller misuse: selecting slots that do not exist, EJECT of absent
 *                 slots (many times), of the boot vCPU, of a slot added but never started,
 *                 a running CPU ejecting its own slot, and two vCPUs ejecting each other
 *                 (race=N rounds); every slot must end in a true state and be re-addable
 * Finally the calls that worked at the start must still work.
 *
 * Options: seed=N (default 1), race=N (default 16 rounds; 0 = none), codes=N (how many
 * call codes from 0, default 65536), absent_ejects=N (default 1000).
 * The number of checks is fixed (19): tests/e2e/35_robust.sh compares it.
 */
#include "libguest.h"
#include "hvemu/hpctl.h"
#include "hvemu/sysctl.h"
#include "hvemu/testdev.h"
#include "hvemu/uart.h"
#include "testlib/tdev.h"
#include "x86/cpu_hotplug.h"
#include "x86/hv.h"

#define SAFE_VEC  0x50 /* the vector every IPI the guest provokes carries */
#define HPCTL_VEC 0x51
#define RACE_VEC  0x52 /* wakes the two racers */
#define MAX_RACE  32

/* The machine-ending ports (include/hvemu/sysctl.h): written only with harmless values. */
#define PORT_DEBUG_EXIT SYSCTL_DEBUG_EXIT_PORT
#define PORT_SLEEP	SYSCTL_SLEEP_PORT
#define PORT_PM1A_CNT	SYSCTL_PM1A_CNT_PORT
#define PORT_RESET	SYSCTL_RESET_PORT
#define PORT_KBC	SYSCTL_KBC_PORT
#define COM1		UART_COM1_BASE

static u64 rng_state;
static u64 ipis;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void ipi_handler(struct ex_regs *r)
{
	(void)r;
	atomic_inc(&ipis);
}

/* --- hypercall results ------------------------------------------------------------------- */

static bool status_defined(u16 st)
{
	switch (st) {
	case HV_STATUS_SUCCESS:
	case HV_STATUS_INVALID_HYPERCALL_CODE:
	case HV_STATUS_INVALID_HYPERCALL_INPUT:
	case HV_STATUS_INVALID_ALIGNMENT:
	case HV_STATUS_INVALID_PARAMETER:
	case HV_STATUS_ACCESS_DENIED:
	case HV_STATUS_INVALID_PARTITION_STATE:
	case HV_STATUS_OPERATION_DENIED:
	case HV_STATUS_INSUFFICIENT_MEMORY:
	case HV_STATUS_INVALID_VP_INDEX:
	case HV_STATUS_NOT_FOUND:
	case HV_STATUS_INVALID_PORT_ID:
	case HV_STATUS_INVALID_CONNECTION_ID:
	case HV_STATUS_INSUFFICIENT_BUFFERS:
	case HV_STATUS_NOT_ACKNOWLEDGED:
	case HV_STATUS_INVALID_VP_STATE:
	case HV_STATUS_TIME_OUT:
		return true;
	default:
		return false;
	}
}

struct hc_tally {
	u64 calls, bad, faults;
	u64 by_status[4]; /* success, invalid code, invalid input/alignment/parameter, other */
	u64 first_bad_control, first_bad_result;
	int first_fault;
};

/*
 * One call; the result must be a defined status with the reserved bits clear and no more
 * reps completed than asked for. A fault (#UD, #GP) counts as bad: with --hv all every
 * form of call is offered.
 */
static void hc_one(struct hc_tally *t, u64 control, u64 rdx, u64 r8)
{
	u16 reps = (u16)(control >> 32) & 0xfff;
	u64 res = 0;
	int v = hv_hypercall_safe(control, rdx, r8, &res);
	u16 st = hv_result_status(res);
	bool ok = !v && status_defined(st) && !(res & 0xffff0000ull) && !(res >> 44) &&
		  hv_result_reps(res) <= reps;

	t->calls++;
	if (v) {
		t->faults++;
		if (!t->first_fault)
			t->first_fault = v;
	}
	if (!ok) {
		if (!t->bad++) {
			t->first_bad_control = control;
			t->first_bad_result = res;
		}
		return;
	}
	if (st == HV_STATUS_SUCCESS)
		t->by_status[0]++;
	else if (st == HV_STATUS_INVALID_HYPERCALL_CODE)
		t->by_status[1]++;
	else if (st >= HV_STATUS_INVALID_HYPERCALL_INPUT && st <= HV_STATUS_INVALID_PARAMETER)
		t->by_status[2]++;
	else
		t->by_status[3]++;
}

static bool hc_report(const struct hc_tally *t, const char *what)
{
	return report(t->calls && !t->bad,
		      "%s: %lu calls, %lu malformed results (first: control %#lx -> %#lx, "
		      "fault %d); success %lu, unknown code %lu, bad input %lu, other %lu",
		      what, t->calls, t->bad, t->first_bad_control, t->first_bad_result,
		      t->first_fault, t->by_status[0], t->by_status[1], t->by_status[2],
		      t->by_status[3]);
}

/* The IPI calls would deliver whatever vector their input names: make it a handled one. */
static void make_safe(u16 code, bool fast, u64 *rdx, u64 *in_page)
{
	if (code != HVCALL_SEND_IPI && code != HVCALL_SEND_IPI_EX)
		return;
	if (fast)
		*rdx = (*rdx & ~0xffffffffull) | SAFE_VEC;
	else if (in_page)
		in_page[0] = (in_page[0] & ~0xffffffffull) | SAFE_VEC;
}

/* --- edge GPAs ---------------------------------------------------------------------------- */

static u64 ram_end; /* end of the highest usable RAM region below 4 GiB */

static void find_ram_end(void)
{
	for (u32 i = 0; i < boot_info.nr_mmap; i++) {
		const struct mb_region *r = &boot_info.mmap[i];
		u64 end = r->base + r->len;

		if (r->type == MULTIBOOT_MEMORY_AVAILABLE && end <= 0x100000000ull && end > ram_end)
			ram_end = end;
	}
}

/*
 * Where RAM is writable at @gpa (identity-mapped below 4 GiB): a harmless IPI input
 * there. Low memory below the AP trampoline and the last pages of RAM are not the
 * runtime's after boot.
 */
static void plant(u64 gpa)
{
	bool low = gpa >= 0x1000 && gpa <= TRAMPOLINE_BASE - 16;
	bool top = gpa < ram_end && ram_end - gpa >= 16 && ram_end - gpa <= 0x2000;

	if (low || top) {
		u64 *p = (u64 *)(uintptr_t)gpa;

		p[0] = SAFE_VEC;
		p[1] = 1;
	}
}

static void test_edge_gpas(void)
{
	static const u16 codes[] = {
		HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE,
		HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST,
		HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX,
		HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX,
		HVCALL_SEND_IPI,
		HVCALL_SEND_IPI_EX,
		HVCALL_POST_MESSAGE,
		HVCALL_SIGNAL_EVENT,
		HV_EXT_CALL_QUERY_CAPABILITIES,
		0xbeef,
	};
	u64 gpas[] = { 0,
		       8,
		       0x1ff8, /* the last 8 bytes of a page: the input crosses into the next */
		       0x2001, /* unaligned */
		       0x2004,
		       ram_end - 0x1000,
		       ram_end - 8,
		       ram_end - 1,
		       ram_end,
		       ram_end + 0x1000,
		       0xc0000000ull, /* the MMIO hole */
		       0xfec00000ull, /* IOAPIC */
		       0xfee00000ull, /* LAPIC */
		       0xfffff000ull,
		       0x100000000ull,
		       (1ull << 52) - 0x1000, /* the highest physical page */
		       ~0xfffull,
		       ~0ull };
	u64 *good_in = alloc_page(), *good_out = alloc_page();
	struct hc_tally t = { 0 };

	good_in[0] = SAFE_VEC;
	good_in[1] = 1;
	for (u32 g = 0; g < ARRAY_SIZE(gpas); g++)
		plant(gpas[g]);
	for (u32 c = 0; c < ARRAY_SIZE(codes); c++) {
		bool rep = codes[c] == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST ||
			   codes[c] == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX;

		for (u32 g = 0; g < ARRAY_SIZE(gpas); g++) {
			u64 control = hv_control(codes[c], false, 0, rep ? 2 : 0, 0);

			hc_one(&t, control, gpas[g], hv_pa(good_out));
			hc_one(&t, control, hv_pa(good_in), gpas[g]);
			hc_one(&t, control, gpas[g], gpas[g]);
			hc_one(&t, control, gpas[g], gpas[(g + 7) % ARRAY_SIZE(gpas)]);
		}
	}
	hc_report(&t, "edge input/output GPAs");
	free_page(good_in);
	free_page(good_out);
}

/* --- every call code ---------------------------------------------------------------------- */

/* The TLFS statuses hvemu may return, as a bitmap over status values 0-127. */
static u64 defined_status[2];

static void init_defined_status(void)
{
	for (u32 st = 0; st < 128; st++)
		if (status_defined((u16)st))
			defined_status[st / 64] |= 1ull << (st % 64);
}

/*
 * Control bits from one random value: the fast bit as given; variable header size, rep
 * count and rep start (which may exceed the count) from r; one call in eight also sets
 * reserved bits (27-31, 44-47, 60-63).
 */
#define CTL_RANDOM_MASK	  0x0fff0fff07fe0000ull /* varhead, rep count, rep start */
#define CTL_RESERVED_MASK 0xf000f000f8000000ull

static inline u64 random_control(u64 code, u64 r)
{
	u64 rsvd = (r >> 61) ? 0 : CTL_RESERVED_MASK;

	return code | (r & CTL_RANDOM_MASK) | (r & rsvd);
}

/* One CPU's share of the call codes. */
struct code_job {
	u32 first, end;
	u64 rng;
	u64 *in, *out;
	u64 calls, bad, bad_ctl, bad_res, success;
};

static u64 job_rnd(struct code_job *j)
{
	j->rng ^= j->rng >> 12;
	j->rng ^= j->rng << 25;
	j->rng ^= j->rng >> 27;
	return j->rng * 0x2545f4914f6cdd1dull;
}

/*
 * The loop body is kept short: CPL0 guest code is emulated here, so the loop around the
 * call costs more than the exit. The checks are those of hc_one(), without the fault
 * catcher: with --hv all no form of call may fault, and the runtime reports one anyway.
 */
static void run_codes(void *arg)
{
	struct code_job *j = (struct code_job *)arg + smp_id();

	for (u64 code = j->first; code < j->end; code++) {
		u64 r = job_rnd(j), ctl, res, rdx = r * 0x9e3779b97f4a7c15ull, r8 = r ^ (r >> 29);

		for (u32 fast = 0; fast < 2; fast++) {
			ctl = random_control(code, fast ? r : r >> 3 | r << 61);
			if (fast) {
				ctl |= HV_HYPERCALL_FAST_BIT;
				make_safe((u16)code, true, &rdx, NULL);
				res = hv_hypercall(ctl, rdx, r8);
			} else {
				ctl &= ~(u64)HV_HYPERCALL_FAST_BIT;
				j->in[code & 511] = r8;
				make_safe((u16)code, false, NULL, j->in);
				res = hv_hypercall(ctl, hv_pa(j->in), hv_pa(j->out));
			}
			j->calls++;
			j->success += (res & 0xffff) == 0;
			if ((res & 0xffff) < 128 &&
			    (defined_status[(res >> 6) & 1] >> (res & 63) & 1) &&
			    !(res & 0xfffff000ffff0000ull) &&
			    (res >> 32 & 0xfff) <= (ctl >> 32 & 0xfff))
				continue;
			if (!j->bad++) {
				j->bad_ctl = ctl;
				j->bad_res = res;
			}
		}
	}
}

/* CPUs 0 and 1 split the codes: the two vCPUs run on two host CPUs at once. */
static void test_every_code(u32 ncodes)
{
	static struct code_job jobs[2];
	struct cpumask both;
	u64 calls = 0, bad = 0, success = 0;
	struct code_job *first_bad = NULL;

	init_defined_status();
	cpumask_clear(&both);
	for (u32 c = 0; c < 2; c++) {
		struct code_job *j = &jobs[c];

		j->first = c * (ncodes / 2);
		j->end = c ? ncodes : ncodes / 2;
		j->rng = rnd() | 1;
		j->in = alloc_page();
		j->out = alloc_page();
		for (u32 i = 0; i < PAGE_SIZE / 8; i++)
			j->in[i] = rnd();
		cpumask_set(&both, c);
	}
	on_cpus(&both, run_codes, jobs);
	for (u32 c = 0; c < 2; c++) {
		calls += jobs[c].calls;
		bad += jobs[c].bad;
		success += jobs[c].success;
		if (jobs[c].bad && !first_bad)
			first_bad = &jobs[c];
		free_page(jobs[c].in);
		free_page(jobs[c].out);
	}
	report(calls == 2ull * ncodes && !bad,
	       "call codes 0-%#x, fast and memory form, random control bits and input: %lu "
	       "calls, %lu succeeded, %lu malformed results (first: control %#lx -> %#lx)",
	       ncodes - 1, calls, success, bad, first_bad ? first_bad->bad_ctl : 0,
	       first_bad ? first_bad->bad_res : 0);
}

/* --- synthetic MSRs ----------------------------------------------------------------------- */

/*
 * Values a write may not carry: the ones that end the VM by design (RESET = 1, a crash
 * notification) or that would make hvemu act on something (an IPI through ICR) which the
 * rest of this guest does not expect.
 */
static bool msr_value_allowed(u32 msr, u64 v)
{
	if (msr == HV_X64_MSR_RESET)
		return !(v & 1);
	if (msr == HV_X64_MSR_CRASH_CTL)
		return !(v & HV_CRASH_CTL_CRASH_NOTIFY);
	if (msr == HV_X64_MSR_ICR)
		return false;
	return true;
}

static void test_msrs(void)
{
	u8 *scratch = alloc_page();
	u64 hc, osid, vals[8];
	u32 reads_ok = 0, reads_gp = 0, writes_ok = 0, writes_gp = 0, other = 0, restored = 0;
	u32 restore_fail = 0, first_other = 0;
	int v;

	rdmsr_safe(HV_X64_MSR_HYPERCALL, &hc);
	rdmsr_safe(HV_X64_MSR_GUEST_OS_ID, &osid);
	for (u32 msr = 0x40000000; msr <= 0x400001ff; msr++) {
		u64 orig = 0;
		int rv = rdmsr_safe(msr, &orig);

		if (rv == 0)
			reads_ok++;
		else if (rv == X86_TRAP_GP)
			reads_gp++;
		else if (!other++)
			first_other = msr;
		/* Page-shaped values name the scratch page, never the guest's own memory. */
		vals[0] = 0;
		vals[1] = ~0ull;
		vals[2] = 0x5a5a5a5a5a5a5a5aull;
		vals[3] = 1ull << 63;
		vals[4] = hv_pa(scratch) | 0xfff;
		vals[5] = hv_pa(scratch) | 1;
		vals[6] = rnd() | 1ull << 62; /* a GPA beyond any RAM */
		/*
		 * A small, vector-shaped value; bit 0 (a page MSR's enable) clear, or the
		 * page would land in the guest's own low memory (the AP trampoline).
		 */
		vals[7] = rnd() & 0xfe;
		/* An MSR that cannot be read gets three values: most are not implemented. */
		for (u32 i = 0; i < (rv ? 3u : ARRAY_SIZE(vals)); i++) {
			if (!msr_value_allowed(msr, vals[i]))
				continue;
			v = wrmsr_safe(msr, vals[i]);
			if (v == 0)
				writes_ok++;
			else if (v == X86_TRAP_GP)
				writes_gp++;
			else if (!other++)
				first_other = msr;
		}
		if (rv == 0 && msr_value_allowed(msr, orig)) {
			restored++;
			restore_fail +=
			    wrmsr_safe(msr, orig) != 0 && wrmsr_safe(msr, 0) != 0 &&
			    msr != HV_X64_MSR_VP_INDEX && msr != HV_X64_MSR_VP_RUNTIME &&
			    msr != HV_X64_MSR_TIME_REF_COUNT && msr != HV_X64_MSR_TSC_FREQUENCY &&
			    msr != HV_X64_MSR_APIC_FREQUENCY && msr != HV_X64_MSR_SVERSION;
		}
		if (msr == HV_X64_MSR_GUEST_OS_ID) {
			/* zeroing it disabled the hypercall page: put both back */
			wrmsr_safe(HV_X64_MSR_GUEST_OS_ID, osid);
			wrmsr_safe(HV_X64_MSR_HYPERCALL, hc);
		}
	}
	wrmsr_safe(HV_X64_MSR_GUEST_OS_ID, osid);
	wrmsr_safe(HV_X64_MSR_HYPERCALL, hc);
	report(reads_ok + reads_gp == 512 && !other,
	       "512 synthetic MSRs read: %u values, %u #GP, %u other faults (first 0x%x)", reads_ok,
	       reads_gp, other, first_other);
	report(writes_ok + writes_gp >= 512 * 3 && !other && !restore_fail,
	       "garbage written: %u accepted, %u #GP, %u restored (%u failed)", writes_ok,
	       writes_gp, restored, restore_fail);
	free_page(scratch);
}

/* --- ports and MMIO ----------------------------------------------------------------------- */

static u32 in_w(u16 port, u32 width)
{
	return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

static void out_w(u16 port, u32 width, u32 v)
{
	if (width == 1)
		outb(port, (u8)v);
	else if (width == 2)
		outw(port, (u16)v);
	else
		outl(port, v);
}

/* rep ins of @n elements of @width bytes from an unclaimed port. */
static void rep_in(u32 width, u8 *dst, u64 n)
{
	u16 port = 0x1234;

	if (width == 1)
		asm volatile("cld; rep insb" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
	else if (width == 2)
		asm volatile("cld; rep insw" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
	else
		asm volatile("cld; rep insl" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

static bool write_allowed(u16 port, u32 width, u32 v)
{
	switch (port) {
	case PORT_DEBUG_EXIT:
		return false; /* any write ends the VM */
	case PORT_SLEEP:
		return (v >> 2 & 7) != 5 || !(v & 0x20);
	case PORT_PM1A_CNT:
		return width == 1 || (v >> 10 & 7) != 5 || !(v & 0x2000);
	case PORT_RESET:
		return (u8)v != 6 && (u8)v != 0xe;
	case PORT_KBC:
		return (u8)v != 0xfe;
	case COM1:     /* THR: printable text only, so the log stays readable */
	case COM1 + 3: /* LCR: DLAB would divert the console to the divisor latch */
		return false;
	case TDEV_PORT_CMD: /* only the commands without an effect on the machine */
		return v == 0 || v == TDEV_CMD_QUERY_SUSPENDED || v == TDEV_CMD_NR_SLOTS ||
		       v > TDEV_CMD_MARK;
	case HPCTL_PORT_STATUS: /* acknowledgements yes, EJECT not here (see the hotplug part) */
		return !(v & HPCTL_ST_EJECT);
	default:
		return true;
	}
}

static void test_ports(void)
{
	static const u16 devices[][2] = {
		{ PORT_DEBUG_EXIT, 1 },
		{ PORT_SLEEP, 1 },
		{ PORT_PM1A_CNT, 2 },
		{ PORT_RESET, 1 },
		{ PORT_KBC, 1 },
		{ COM1, 8 },
		{ TDEV_PORT_ECHO, 12 },
		{ HPCTL_PORT_SELECT, 0x14 },
		{ 0xe6, 1 },
	};
	u32 reads = 0, bad_unclaimed = 0, writes = 0, width;
	u32 notify = inl(HPCTL_PORT_NOTIFY);
	u8 mcr = inb(COM1 + 4), buf[64];
	bool ok;

	/*
	 * Every port once (bytes), the device ports in every width; only the ports nothing
	 * claims have a known value. The loop is plain: each read is an exit, and the
	 * emulated loop around it costs more than the exit.
	 */
	for (u32 port = 0; port < 0x10000; port++) {
		u8 v = inb((u16)port);

		bad_unclaimed += v != 0xff && ((port >= 0x1000 && port < 0x2000) || port == 0xe6);
	}
	reads = 0x10000;
	for (u32 d = 0; d < ARRAY_SIZE(devices); d++) {
		for (u32 p = devices[d][0] - 2; p < devices[d][0] + devices[d][1] + 2u; p++) {
			inw((u16)p);
			inl((u16)p);
			reads += 2;
		}
	}
	for (width = 1; width <= 4; width <<= 1)
		bad_unclaimed += in_w(0xe6, width) != (width == 4 ? ~0u : (1u << (8 * width)) - 1);
	report(reads > 0x10000 && !bad_unclaimed,
	       "%u port reads (every port, device ports in every width); %u unclaimed ones not "
	       "all ones",
	       reads, bad_unclaimed);

	for (u32 d = 0; d < ARRAY_SIZE(devices); d++) {
		for (u32 p = devices[d][0] - 2; p < devices[d][0] + devices[d][1] + 2u; p++) {
			for (width = 1; width <= 4; width <<= 1) {
				u32 vals[] = { 0, ~0u, (u32)rnd(), 0x80000000u, 1 };

				for (u32 i = 0; i < ARRAY_SIZE(vals); i++) {
					if (!write_allowed((u16)p, width, vals[i]))
						continue;
					out_w((u16)p, width, vals[i]);
					writes++;
				}
			}
		}
	}
	/* Undo what the sweep set: NOTIFY (MSIs on events), MCR, the selected slot. */
	outl(HPCTL_PORT_NOTIFY, notify);
	outb(COM1 + 4, mcr);
	outl(HPCTL_PORT_SELECT, 0);
	ok = inb(COM1 + 5) == 0x60 && (inb(COM1 + 3) & 0x80) == 0 &&
	     tdev_cmd(TDEV_CMD_NR_SLOTS, 0) == (s32)smp_nr_cpus() &&
	     (inl(HPCTL_PORT_STATUS) & HPCTL_ST_PRESENT);
	report(writes > 400 && ok, "%u device port writes, every width; the devices still answer",
	       writes);

	/* String I/O: rep insb/insw/insl from an unclaimed port, rep outsb to COM1. */
	memset(buf, 0, sizeof(buf));
	rep_in(1, buf, 16);
	rep_in(2, buf + 16, 8);
	rep_in(4, buf + 32, 4);
	ok = true;
	for (u32 i = 0; i < 48; i++)
		ok &= buf[i] == 0xff;
	{
		static const char text[] = "INFO: rep outsb to COM1\n";
		const char *src = text;
		u64 n = sizeof(text) - 1;

		asm volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"((u16)COM1) : "memory");
	}
	/* MMIO in the hole: reads all ones, writes ignored (nothing lives there). */
	{
		static const u64 holes[] = { 0xc0000000ull, 0xd0000000ull, 0xfed00000ull,
					     0xfff00000ull };
		u64 v;

		for (u32 i = 0; i < ARRAY_SIZE(holes); i++) {
			ok &= read_u64_safe((void *)(uintptr_t)holes[i], &v) == 0 && v == ~0ull;
			ok &= write_u64_safe((void *)(uintptr_t)holes[i], 0x1234) == 0;
			ok &= read_u64_safe((void *)(uintptr_t)holes[i], &v) == 0 && v == ~0ull;
		}
	}
	report(ok, "string I/O from an unclaimed port and MMIO in the hole read all ones");
}

/* --- the hotplug controller ----------------------------------------------------------------- */

static u32 status_of(u32 slot)
{
	return cpu_hpctl_status(slot);
}

static void eject(u32 slot)
{
	u64 flags = irq_save();

	outl(HPCTL_PORT_SELECT, slot);
	outl(HPCTL_PORT_STATUS, HPCTL_ST_EJECT);
	irq_restore(flags);
}

static void eject_boot(void *arg)
{
	(void)arg;
	eject(0);
}

/* Waits up to @ms for @slot's PRESENT bit to become @present. */
static bool wait_present(u32 slot, bool present, u32 ms)
{
	u64 end = rdtsc() + tsc_ms_to_cycles(ms);

	do {
		if (!!(status_of(slot) & HPCTL_ST_PRESENT) == present)
			return true;
		cpu_relax();
	} while (rdtsc() < end);
	return false;
}

/* Adds @slot at hvemu only (the guest does not start it), then ejects it. */
static bool add_and_eject(u32 slot)
{
	s32 r = tdev_cmd(TDEV_CMD_CPU_ADD, slot);
	u64 flags;

	if (r)
		return false;
	flags = irq_save();
	outl(HPCTL_PORT_SELECT, slot);
	outl(HPCTL_PORT_STATUS, HPCTL_ST_INSERT); /* acknowledge: nothing pending stays */
	irq_restore(flags);
	eject(slot);
	return wait_present(slot, false, 2000);
}

static void test_hpctl_misuse(u32 absent_ejects, u32 spare)
{
	static const u32 bad[] = { 0xffffffffu, 0x80000000u, 0x10000u, 1024, MAX_CPUS };
	u32 nslots = (u32)tdev_cmd(TDEV_CMD_NR_SLOTS, 0), wrong = 0;
	u64 t0, flags;
	bool ok;

	/* Slots that do not exist: STATUS 0, APIC ID all ones, every write ignored. */
	for (u32 i = 0; i < ARRAY_SIZE(bad) + 2; i++) {
		u32 s = i < ARRAY_SIZE(bad) ? bad[i] : nslots + i - ARRAY_SIZE(bad);

		flags = irq_save();
		outl(HPCTL_PORT_SELECT, s);
		outl(HPCTL_PORT_STATUS, HPCTL_ST_INSERT | HPCTL_ST_REMOVE | HPCTL_ST_EJECT);
		wrong += inl(HPCTL_PORT_SELECT) != s || inl(HPCTL_PORT_STATUS) != 0 ||
			 inl(HPCTL_PORT_APICID) != 0xffffffffu;
		irq_restore(flags);
	}
	report(!wrong && inl(HPCTL_PORT_PENDING) == HPCTL_NO_PENDING,
	       "SELECT of slots that do not exist: status 0, APIC ID ~0, writes ignored (%u wrong)",
	       wrong);

	/* EJECT of a slot that never had a vCPU, many times: nothing changes, nothing stalls. */
	t0 = rdtsc();
	for (u32 i = 0; i < absent_ejects; i++)
		eject(spare);
	report(status_of(spare) == 0 &&
		   tsc_cycles_to_ns(rdtsc() - t0) < (u64)absent_ejects * 1000000ull,
	       "%u EJECTs of absent slot %u: still absent, %lu us", absent_ejects, spare,
	       tsc_cycles_to_ns(rdtsc() - t0) / 1000);

	/* The boot vCPU stays, whoever ejects it (as in QEMU and Cloud Hypervisor). */
	eject(0);
	on_cpu(1, eject_boot, NULL);
	ok = (status_of(0) & HPCTL_ST_PRESENT) && (status_of(1) & HPCTL_ST_PRESENT) &&
	     tdev_cmd(TDEV_CMD_NR_SLOTS, 0) == (s32)nslots;
	report(ok, "EJECT of the boot vCPU, from CPU 0 and from CPU 1, is refused");

	/* A slot hvemu added but the guest never started, ejected twice, then added again. */
	ok = add_and_eject(spare);
	eject(spare);
	ok &= status_of(spare) == 0 && add_and_eject(spare);
	report(ok, "slot %u added, never started, ejected, ejected again, re-added and ejected",
	       spare);

	ok = tdev_cmd(TDEV_CMD_CPU_ADD, nslots) == -EINVAL &&
	     tdev_cmd(TDEV_CMD_CPU_ADD, 0) == -EEXIST && tdev_cmd(TDEV_CMD_CPU_REMOVE, spare) < 0 &&
	     tdev_cmd(TDEV_CMD_CPU_REMOVE, 0) < 0;
	report(ok, "add of a slot beyond max or taken, removal of an absent or the boot slot: "
		   "refused");
}

/* --- two vCPUs ejecting each other ---------------------------------------------------------- */

static struct {
	u32 go;		      /* set by CPU 0 to the round: eject now */
	u32 target[MAX_CPUS]; /* the slot a racer ejects */
	u32 arm[MAX_CPUS];    /* set by CPU 0 (after target) to the round a racer takes part in */
	u32 ready[MAX_CPUS];  /* the round a racer waits in, its target selected */
	u32 done[MAX_CPUS];   /* the round a racer has written its EJECT in */
} race;
static u32 race_first_cpu = ~0u;

/*
 * A racer selects its target first, so that after "go" a single OUT (the EJECT) is all
 * that separates the two racers' exits.
 */
static void race_wake(struct ex_regs *r)
{
	(void)r;
}

static __noreturn void racer(u32 cpu)
{
	for (;;) {
		u32 round = READ_ONCE(race.arm[cpu]);

		if (!round || READ_ONCE(race.done[cpu]) == round) {
			cpu_relax();
			continue;
		}
		irq_disable();
		outl(HPCTL_PORT_SELECT, READ_ONCE(race.target[cpu]));
		WRITE_ONCE(race.ready[cpu], round);
		/*
		 * Halted, the two racers leave the host CPUs free; CPU 0's IPI wakes both at
		 * once, and each runs straight into its EJECT.
		 */
		while (READ_ONCE(race.go) != round) {
			safe_halt();
			irq_disable();
		}
		outl(HPCTL_PORT_STATUS, HPCTL_ST_EJECT);
		irq_enable();
		WRITE_ONCE(race.done[cpu], round);
		/* usually not reached alive: the other racer ejects this one */
	}
}

void ap_main(void)
{
	if (smp_id() >= READ_ONCE(race_first_cpu))
		racer(smp_id());
	cpu_hotplug_ap_idle();
}

/* Adds @slot and brings it online in the guest through the controller's insert event. */
static int online_slot(u32 slot)
{
	u64 irqs = cpu_hpctl_irqs(), end;
	int r = tdev_cmd(TDEV_CMD_CPU_ADD, slot);

	if (r)
		return r;
	end = rdtsc() + tsc_ms_to_cycles(5000);
	while (cpu_hpctl_irqs() == irqs && rdtsc() < end)
		cpu_relax();
	r = cpu_hpctl_process();
	return r == 1 && cpumask_test(&cpu_online_mask, (u32)cpu_from_apic_id(slot)) ? 0 : -EIO;
}

/* The guest's view of a CPU that hvemu removed without the guest taking it offline. */
static void forget_cpu(u32 cpu)
{
	cpumask_clear_atomic(&cpu_online_mask, cpu);
	cpumask_clear_atomic(&cpu_present_mask, cpu);
	WRITE_ONCE(per_cpu(cpu)->state, CPU_ABSENT);
}

/*
 * A running CPU that ejects its own slot: its vCPU goes (hvemu finishes the removal on
 * the leaving thread), the slot is absent and can be added again.
 */
static void test_self_eject(u32 slot)
{
	const u32 round = 0x10000; /* a round number the cross-eject rounds never use */
	int cpu = cpu_from_apic_id(slot), online = cpu >= 0 ? online_slot(slot) : -ENOENT;
	bool ready = false, gone = false, again = false;
	u64 end;

	if (!online) {
		WRITE_ONCE(race.target[cpu], slot);
		WRITE_ONCE(race.arm[cpu], round);
		end = rdtsc() + tsc_ms_to_cycles(5000);
		while (!(ready = READ_ONCE(race.ready[cpu]) == round) && rdtsc() < end)
			cpu_relax();
		WRITE_ONCE(race.go, round);
		apic_send_ipi(per_cpu((u32)cpu)->apic_id, RACE_VEC);
		gone = wait_present(slot, false, 5000);
		forget_cpu((u32)cpu);
		again = add_and_eject(slot);
	}
	report(!online && ready && gone && again,
	       "a running CPU ejects its own slot %u: online %d, waiting %d, removed %d, added "
	       "again %d",
	       slot, online, ready, gone, again);
}

static void test_cross_eject(u32 rounds, u32 first_slot)
{
	u32 stalls = 0, left = 0, readd_fail = 0, setup_fail = 0, both = 0, one = 0;
	u64 worst_ns = 0;

	for (u32 n = 1; n <= rounds; n++) {
		u32 sa = first_slot + 2 * (n - 1), sb = sa + 1;
		int ca = cpu_from_apic_id(sa), cb = cpu_from_apic_id(sb);
		u64 t0, end, ns;
		bool a, b;

		if (ca < 0 || cb < 0 || online_slot(sa) || online_slot(sb)) {
			setup_fail++;
			continue;
		}
		WRITE_ONCE(race.target[ca], sb);
		WRITE_ONCE(race.target[cb], sa);
		WRITE_ONCE(race.arm[ca], n);
		WRITE_ONCE(race.arm[cb], n);
		end = rdtsc() + tsc_ms_to_cycles(5000);
		while ((READ_ONCE(race.ready[ca]) != n || READ_ONCE(race.ready[cb]) != n) &&
		       rdtsc() < end)
			cpu_relax();
		setup_fail += READ_ONCE(race.ready[ca]) != n || READ_ONCE(race.ready[cb]) != n;
		t0 = rdtsc();
		WRITE_ONCE(race.go, n);
		apic_send_ipi(per_cpu((u32)ca)->apic_id, RACE_VEC);
		apic_send_ipi(per_cpu((u32)cb)->apic_id, RACE_VEC);
		/* At least one EJECT lands; the survivor, if any, has written its own. */
		end = t0 + tsc_ms_to_cycles(10000);
		while (rdtsc() < end) {
			a = status_of(sa) & HPCTL_ST_PRESENT;
			b = status_of(sb) & HPCTL_ST_PRESENT;
			if ((!a && !b) || (!a && READ_ONCE(race.done[cb]) == n) ||
			    (!b && READ_ONCE(race.done[ca]) == n))
				break;
			/* give the host CPU to the racers (hvemu yields) */
			hv_fast_hypercall8(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0);
		}
		ns = tsc_cycles_to_ns(rdtsc() - t0);
		worst_ns = ns > worst_ns ? ns : worst_ns;
		stalls += ns > 2000000000ull;
		a = status_of(sa) & HPCTL_ST_PRESENT;
		b = status_of(sb) & HPCTL_ST_PRESENT;
		both += !a && !b;
		one += a != b;
		/* The survivor is still running its loop: CPU 0 ejects it. */
		if (a)
			eject(sa);
		if (b)
			eject(sb);
		left += !wait_present(sa, false, 3000) || !wait_present(sb, false, 3000);
		forget_cpu((u32)ca);
		forget_cpu((u32)cb);
		/* Both slots are usable again: hvemu has no half-removed vCPU left. */
		readd_fail += !add_and_eject(sa) || !add_and_eject(sb);
	}
	report_info("cross-eject: %u rounds, both ejected %u, one ejected %u, slowest %lu us",
		    rounds, both, one, worst_ns / 1000);
	report(!setup_fail, "cross-eject: %u rounds set up (two hot-added CPUs each), %u failed",
	       rounds, setup_fail);
	report(!stalls, "cross-eject: no round stalled (%u over 2 s, slowest %lu ms)", stalls,
	       worst_ns / 1000000);
	report(!left && !readd_fail,
	       "cross-eject: every slot absent afterwards (%u not) and re-addable (%u not)", left,
	       readd_fail);
}

/* --- after all that ------------------------------------------------------------------------- */

static void test_still_works(void)
{
	u64 before = atomic_load(&ipis), end, r1, r2, osid = 0;
	u32 vp = this_cpu()->vp_index;

	r1 = hv_fast_hypercall16(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0,
				 HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES);
	r2 = hv_fast_hypercall16(HVCALL_SEND_IPI, SAFE_VEC, 1ull << vp);
	end = rdtsc() + tsc_ms_to_cycles(1000);
	while (atomic_load(&ipis) == before && rdtsc() < end)
		cpu_relax();
	rdmsr_safe(HV_X64_MSR_GUEST_OS_ID, &osid);
	report(hv_result_status(r1) == 0 && hv_result_status(r2) == 0 &&
		   atomic_load(&ipis) > before && osid == HV_GUEST_OS_ID_DEFAULT,
	       "afterwards: flush %#lx, IPI to self %#lx (taken: %d), GUEST_OS_ID %#lx", r1, r2,
	       atomic_load(&ipis) > before, osid);
}

/* How long each section took (the whole guest has to stay well under a minute). */
static void section(const char *done)
{
	static u64 t0;
	u64 now = rdtsc();

	if (done)
		report_info("%s took %lu ms", done, tsc_cycles_to_ns(now - t0) / 1000000);
	t0 = now;
}

int main(void)
{
	u32 rounds = (u32)cmdline_u64("race", 16), ncodes = (u32)cmdline_u64("codes", 0x10000);
	u32 ncpus = smp_nr_cpus(), first_race_slot = 3;
	int r;

	rng_state = cmdline_u64("seed", 1) * 0x9e3779b97f4a7c15ull | 1;
	find_ram_end();
	handle_irq(SAFE_VEC, ipi_handler);
	handle_irq(RACE_VEC, race_wake);
	r = hv_init();
	report(!r && smp_nr_online() >= 2, "hv_init on %u CPUs (%d)", smp_nr_online(), r);
	r = cpu_hotplug_init();
	r = r ?: cpu_hpctl_init(HPCTL_VEC);
	report(!r && ncpus >= first_race_slot + 2 * rounds,
	       "hotplug set up (%d); %u slots for %u race rounds", r, ncpus, rounds);
	if (report_failures())
		return report_summary();
	if (rounds > MAX_RACE)
		rounds = MAX_RACE;
	section(NULL);
	test_edge_gpas();
	section("edge GPAs");
	test_every_code(ncodes);
	section("every code");
	test_msrs();
	section("MSRs");
	test_ports();
	section("ports");
	/* slot 2 and up: CPUs that run racer() once started (ap_main) */
	WRITE_ONCE(race_first_cpu, (u32)cpu_from_apic_id(2));
	test_hpctl_misuse((u32)cmdline_u64("absent_ejects", 1000), 2);
	test_self_eject(2);
	section("hotplug misuse");
	test_cross_eject(rounds, first_race_slot);
	section("cross-eject");
	test_still_works();
	return report_summary();
}
