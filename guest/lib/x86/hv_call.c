// SPDX-License-Identifier: MIT
/*
 * Calls through the hypercall page (TLFS "Hypercall Interface"): the x64 register
 * convention, XMM fast input, the rep loop, and the *_safe variants.
 *
 * The page's code belongs to the hypervisor, so an exception it raises (#UD for a call it
 * refuses, #GP from the instruction it uses) has a RIP inside the page, where no fixup
 * table entry can be. The *_safe calls mark this CPU, and a #UD/#GP handler that finds
 * the mark and a RIP inside the page records the vector and returns to the caller as the
 * page's `ret` would (the return address is on top of the stack: the page's code is
 * entered by CALL and touches no stack before its RET). Every other exception goes on to
 * the handler that was installed before, the fixup table, or the fatal report.
 */
#include "x86/hv.h"
#include "x86/desc.h"
#include "x86/fault.h"

/*
 * The page hv_init() enables, in the image's text so that a direct CALL reaches it; ud2
 * until the hypervisor writes it, so that a call before that is reported, not run.
 */
asm(".pushsection .text.hv_hypercall_page, \"ax\"\n"
    ".balign 4096\n"
    ".globl hv_hypercall_page\n"
    "hv_hypercall_page:\n"
    ".rept 2048\n"
    "	ud2\n"
    ".endr\n"
    ".popsection\n");

static handler_fn prev_ud, prev_gp;

static bool in_page(u64 rip, const void *page)
{
	return page && rip - (u64)(uintptr_t)page < PAGE_SIZE;
}

static void hv_catch_fault(struct ex_regs *r)
{
	struct hv_cpu *c = hv_this_cpu();
	handler_fn prev = r->vector == X86_TRAP_UD ? prev_ud : prev_gp;

	if (c && c->safe && !(r->cs & 3) &&
	    (in_page(r->rip, hv_hypercall_page) || in_page(r->rip, READ_ONCE(hv_hypercall_pg)))) {
		c->fault = (int)r->vector;
		r->rip = *(const u64 *)(uintptr_t)r->rsp;
		r->rsp += 8;
		return;
	}
	if (prev) {
		prev(r);
		return;
	}
	if (!(r->cs & 3) && fixup_exception(r))
		return;
	unhandled_exception(r);
}

void hv_install_fault_catcher(void);
void hv_install_fault_catcher(void)
{
	static bool installed;

	if (installed)
		return;
	installed = true;
	prev_ud = handle_exception(X86_TRAP_UD, hv_catch_fault);
	prev_gp = handle_exception(X86_TRAP_GP, hv_catch_fault);
}

/*
 * RCX/RDX/R8 carry the call; RAX the result. R9-R11 are treated as clobbered, as Linux's
 * hv_do_hypercall() does: the page's code is the hypervisor's, not ours.
 */
u64 hv_hypercall_rcx(u64 *control_inout, u64 rdx, u64 r8)
{
	register u64 r8_reg asm("r8") = r8;
	u64 rcx = *control_inout, result;

	asm volatile("call hv_hypercall_page"
		     : "=a"(result), "+c"(rcx), "+d"(rdx), "+r"(r8_reg)
		     :
		     : "cc", "memory", "r9", "r10", "r11");
	*control_inout = rcx;
	return result;
}

u64 hv_hypercall_via(const void *page, u64 control, u64 rdx, u64 r8)
{
	register u64 r8_reg asm("r8") = r8;
	u64 result;

	asm volatile("call *%[pg]"
		     : "=a"(result), "+c"(control), "+d"(rdx), "+r"(r8_reg)
		     : [pg] "r"(page)
		     : "cc", "memory", "r9", "r10", "r11");
	return result;
}

u64 hv_hypercall(u64 control, u64 rdx, u64 r8)
{
	return hv_hypercall_rcx(&control, rdx, r8);
}

u64 hv_hypercall_pcpu(u64 control)
{
	struct hv_cpu *c = hv_this_cpu();

	return hv_hypercall(control, hv_pa(c->input), hv_pa(c->output));
}

u64 hv_fast_hypercall8(u16 code, u64 input1)
{
	return hv_hypercall(code | HV_HYPERCALL_FAST_BIT, input1, 0);
}

u64 hv_fast_hypercall16(u16 code, u64 input1, u64 input2)
{
	return hv_hypercall(code | HV_HYPERCALL_FAST_BIT, input1, input2);
}

/*
 * XMM0-5 are loaded from memory with movdqu (F3 0F 6F; stored with F3 0F 7F): where CPL0
 * code runs in KVM's instruction emulator, movdqu, movdqa and movups are emulated, but
 * movq xmm, r64 (66 REX.W 0F 6E) and pinsrq are not (KVM_EXIT_INTERNAL_ERROR, seen on
 * kvm_pvm). The registers cannot be named as clobbers under -mgeneral-regs-only; nothing
 * in the runtime keeps values there.
 */
#define XMM_LOAD                                                                     \
	"movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\tmovdqu 32(%0), %%xmm2\n\t" \
	"movdqu 48(%0), %%xmm3\n\tmovdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\t"

void hv_xmm_load(const u64 xmm[12])
{
	asm volatile(XMM_LOAD : : "r"(xmm) : "memory");
}

void hv_xmm_store(u64 xmm[12])
{
	asm volatile("movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 16(%0)\n\t"
		     "movdqu %%xmm2, 32(%0)\n\tmovdqu %%xmm3, 48(%0)\n\t"
		     "movdqu %%xmm4, 64(%0)\n\tmovdqu %%xmm5, 80(%0)"
		     :
		     : "r"(xmm)
		     : "memory");
}

u64 hv_hypercall_xmm(u64 control, u64 rdx, u64 r8, const u64 xmm[12])
{
	hv_xmm_load(xmm);
	return hv_hypercall(control, rdx, r8);
}

u64 hv_rep_hypercall(u16 code, u16 rep_count, u16 varhead, u64 in_gpa, u64 out_gpa)
{
	u64 control = hv_control(code, false, varhead, rep_count, 0);
	u16 start = 0, done;
	u64 result;

	for (;;) {
		result = hv_hypercall(control, in_gpa, out_gpa);
		if (hv_result_status(result) != HV_STATUS_SUCCESS)
			return result;
		done = hv_result_reps(result);
		/* TLFS "Rep Hypercalls": every return makes progress; stop if one did not. */
		if (done >= rep_count || done <= start)
			return result;
		start = done;
		control = (control & ~HV_HYPERCALL_REP_START_MASK) |
			  ((u64)start << HV_HYPERCALL_REP_START_OFFSET);
	}
}

int hv_hypercall_safe(u64 control, u64 rdx, u64 r8, u64 *result)
{
	struct hv_cpu *c = hv_this_cpu();
	u64 r;
	int v;

	c->fault = FAULT_NONE;
	WRITE_ONCE(c->safe, 1);
	r = hv_hypercall(control, rdx, r8);
	WRITE_ONCE(c->safe, 0);
	v = READ_ONCE(c->fault);
	if (v != FAULT_NONE)
		return v;
	*result = r;
	return 0;
}

int hv_hypercall_xmm_safe(u64 control, u64 rdx, u64 r8, const u64 xmm[12], u64 *result)
{
	int v;

	fault_clear();
	asm volatile(ASM_SAFE(XMM_LOAD) : : "r"(xmm) : "memory");
	v = fault_vector();
	if (v != FAULT_NONE)
		return v;
	return hv_hypercall_safe(control, rdx, r8, result);
}
