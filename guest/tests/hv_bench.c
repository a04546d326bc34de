// SPDX-License-Identifier: MIT
/*
 * hv_bench.elf: the cost of a hypercall through the page against the bare exit it is
 * built on. Needs --hv with tlbflush (and ipi for the fast call). Options: n=COUNT samples
 * of each (default 10000), block=COUNT per block (default 100).
 *
 *   port_exit_ns       `outl %eax, %dx` to the test device's ECHO port (0x5A0): one exit to
 *                      the VMM, which resumes at once
 *   port_via_stub_ns   `call` to a guest stub `outl %eax, %dx; ret`: the same exit reached
 *                      the way a hypercall is, with the guest executing both the call and
 *                      the ret (what the page would cost if the VMM did no more than for
 *                      ECHO)
 *   hypercall_ns       `call hv_hypercall_page` with HvCallFlushVirtualAddressSpaceEx (slow)
 *                      and an empty sparse VP set: the VMM decodes the call, checks it,
 *                      reads the 32-byte header from the input page and returns SUCCESS
 *                      without flushing (no ioctl, no log line, no syscall)
 *   hypercall_fast_ns  `call hv_hypercall_page` with HvCallSendSyntheticClusterIpi, fast
 *                      (registers only: RDX vector, R8 processor mask 0): a null-ish call,
 *                      no guest memory read, no IPI sent
 *
 * The loops are the same code but for that one instruction (the same registers are loaded
 * each time: RCX control, RDX port or input GPA, R8 output GPA), each sample is timed with
 * rdtsc around it, and the four run in rotating blocks so that they share the noise. The
 * page's code is `out; ret`, and the VMM performs the `ret` itself when it can.
 *
 * Output: "BENCH <name> median=<ns> p99=<ns> n=<count>" per figure, then
 * "BENCH hypercall_ratio_milli=<1000 * hypercall median / port median>".
 */
#include "libguest.h"
#include "testlib/tdev.h"
#include "x86/hv.h"
#include "testlib/samples.h"

/* NOLINTBEGIN(bugprone-macro-parentheses): insn is an asm template string */
#define TIMED_LOOP(name, insn)                                                             \
	static __noinline void name(u64 *out, u32 n, u64 control, u64 rdx_val, u64 r8_val) \
	{                                                                                  \
		for (u32 i = 0; i < n; i++) {                                              \
			register u64 r8 asm("r8") = r8_val;                                \
			u64 rcx = control, rdx = rdx_val, rax;                             \
			u64 t0 = rdtsc();                                                  \
                                                                                           \
			asm volatile(insn                                                  \
				     : "=a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8)           \
				     :                                                     \
				     : "cc", "memory", "r9", "r10", "r11");                \
			out[i] = rdtsc() - t0;                                             \
			(void)rax;                                                         \
		}                                                                          \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

/*
 * The stub `outl %eax, %dx; ret` that port_via_stub_ns calls, and the diagnostics that split
 * the difference: the timing floor (a nop, and two), a direct CALL to a guest stub that is
 * only `ret` (the emulated call and return).
 */
asm(".pushsection .text\n"
    ".balign 64\n"
    "bench_ret_stub: ret\n"
    ".balign 64\n"
    "bench_out_stub: outl %eax, %dx\n"
    "	ret\n"
    ".popsection\n");

TIMED_LOOP(loop_port, "outl %%eax, %%dx")
TIMED_LOOP(loop_hypercall, "call hv_hypercall_page")
TIMED_LOOP(loop_nop, "nop")
TIMED_LOOP(loop_nop2, "nop; nop")
TIMED_LOOP(loop_call_ret, "call bench_ret_stub")
TIMED_LOOP(loop_call_out, "call bench_out_stub")

typedef void (*timed_loop)(u64 *out, u32 n, u64 control, u64 rdx_val, u64 r8_val);

/* The diagnostics: a then b, block samples of each at a time, into s[0] and s[1]. */
static void diag_pair(timed_loop a, timed_loop b, struct samples s[2], u32 block, u64 control,
		      u64 r8)
{
	for (u32 o = 0; o < s[0].n; o += block) {
		a(s[0].v + o, block, control, TDEV_PORT_ECHO, r8);
		b(s[1].v + o, block, control, TDEV_PORT_ECHO, r8);
	}
}

enum {
	L_PORT,
	L_STUB,
	L_HCALL,
	L_FAST,
	NLOOPS
};

int main(void)
{
	u32 n = (u32)cmdline_u64("n", 10000), block = (u32)cmdline_u64("block", 100);
	u64 control = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, in, out, r, port_med, hc_med;
	u64 fast_control = HVCALL_SEND_IPI | HV_HYPERCALL_FAST_BIT, fast_vector = 0xf0;
	struct samples s[NLOOPS];
	bool fast;
	int err = hv_init();

	if (err || !hv_recommended(HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED) ||
	    !hv_recommended(HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED)) {
		printf("BENCH hypercall skipped: needs Hyper-V with tlbflush (hv_init %d)\n", err);
		return 1;
	}
	if (!n || !block || n % block) {
		printf("BENCH hypercall skipped: n must be a non-zero multiple of block\n");
		return 1;
	}
	for (int i = 0; i < NLOOPS; i++) {
		s[i].n = n;
		s[i].v = alloc_pages(ALIGN_UP(n * sizeof(u64), PAGE_SIZE) / PAGE_SIZE);
		if (!s[i].v) {
			printf("BENCH hypercall skipped: no memory for %u samples\n", n);
			return 1;
		}
	}
	/* Zeroed input: format HV_GENERIC_SET_SPARSE_4K, no banks, varhead 0. */
	memset(hv_this_cpu()->input, 0, PAGE_SIZE);
	in = hv_pa(hv_this_cpu()->input);
	out = hv_pa(hv_this_cpu()->output);
	r = hv_hypercall(control, in, out);
	if (hv_result_status(r) != HV_STATUS_SUCCESS) {
		printf("BENCH hypercall skipped: the null call returned %#lx\n", (unsigned long)r);
		return 1;
	}
	fast = hv_recommended(HV_X64_CLUSTER_IPI_RECOMMENDED);
	if (fast) {
		register u64 r8 asm("r8") = 0;
		u64 rcx = fast_control, rdx = fast_vector;

		asm volatile("call hv_hypercall_page"
			     : "=a"(r), "+c"(rcx), "+d"(rdx), "+r"(r8)
			     :
			     : "cc", "memory", "r9", "r10", "r11");
		fast = hv_result_status(r) == HV_STATUS_SUCCESS;
		if (!fast)
			printf("BENCH hypercall_fast skipped: the fast null call returned %#lx\n",
			       (unsigned long)r);
	} else {
		printf("BENCH hypercall_fast skipped: needs --hv ipi\n");
	}
	/* Rotate which goes first, so that none always follows another. */
	for (u32 b = 0; b < n / block; b++) {
		u32 o = b * block;

		for (int k = 0; k < NLOOPS; k++) {
			switch ((b + (u32)k) % NLOOPS) {
			case L_PORT:
				loop_port(s[L_PORT].v + o, block, control, TDEV_PORT_ECHO, out);
				break;
			case L_STUB:
				loop_call_out(s[L_STUB].v + o, block, control, TDEV_PORT_ECHO, out);
				break;
			case L_HCALL:
				loop_hypercall(s[L_HCALL].v + o, block, control, in, out);
				break;
			case L_FAST:
				if (fast)
					loop_hypercall(s[L_FAST].v + o, block, fast_control,
						       fast_vector, 0);
				break;
			}
		}
	}
	port_med = samples_report("port_exit_ns", &s[L_PORT]);
	hc_med = samples_report("hypercall_ns", &s[L_HCALL]);
	samples_report("port_via_stub_ns", &s[L_STUB]);
	if (fast)
		samples_report("hypercall_fast_ns", &s[L_FAST]);
	printf("BENCH hypercall_ratio_milli=%lu\n",
	       port_med ? (unsigned long)(hc_med * 1000 / port_med) : 0ul);
	/* The diagnostics, reusing the sample arrays. */
	diag_pair(loop_nop, loop_call_ret, s, block, control, out);
	samples_report("call_ret_ns", &s[1]);
	/*
	 * One more `nop` is the cost of one emulated instruction where CPL0 code is
	 * emulated: the least the page's `call` can cost, whatever the VMM does.
	 */
	diag_pair(loop_nop, loop_nop2, s, block, control, out);
	samples_report("timing_floor_ns", &s[0]);
	samples_report("timing_floor_2nop_ns", &s[1]);
	return 0;
}
