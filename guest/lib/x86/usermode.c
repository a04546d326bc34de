// SPDX-License-Identifier: MIT
#include "x86/usermode.h"
#include "x86/desc.h"
#include "x86/fault.h"
#include "x86/processor.h"
#include "x86/asm-defs.h"
#include "alloc.h"
#include "report.h"

#define USER_STACK_PAGES 4

u64 __run_user(u64 *kernel_rsp, void *tss_rsp0, u64 fn, u64 arg, u64 user_rsp, u64 rflags);
__noreturn void __run_user_return(u64 kernel_rsp, u64 retval);
extern char user_return_insn[];

int run_user(user_fn fn, u64 arg, unsigned int flags, struct user_result *res)
{
	struct percpu *pc = this_cpu();
	struct user_ctx *u = &pc->user;
	u64 rflags = 0x2, saved_flags, retval;

	if (!u->stack_top) {
		void *stack = alloc_pages(USER_STACK_PAGES);

		if (!stack)
			return -ENOMEM;
		u->stack_top = (u64)(uintptr_t)stack + USER_STACK_PAGES * PAGE_SIZE;
	}
	if (!(flags & USER_IRQS_OFF))
		rflags |= X86_EFLAGS_IF;
	if (flags & USER_IOPL3)
		rflags |= X86_EFLAGS_IOPL;
	saved_flags = irq_save();
	u->exit.vector = FAULT_NONE;
	u->active = 1;
	retval =
	    __run_user(&u->kernel_rsp, (char *)&pc->tss + __builtin_offsetof(struct tss64, rsp),
		       (u64)(uintptr_t)fn, arg, u->stack_top, rflags);
	/* Back at CPL0 (interrupts disabled by the gate): restore the kernel's RSP0. */
	pc->tss.rsp[0] = pc->stack_top;
	irq_restore(saved_flags);
	if (res) {
		res->vector = u->exit.vector;
		res->error_code = u->exit.error_code;
		res->rip = u->exit.rip;
		res->cr2 = u->exit.cr2;
		res->retval = retval;
	}
	return u->exit.vector;
}

/* False until the boot CPU has a GS base and descriptors (memset runs before that). */
static bool bulk_enabled;

void user_mode_ready(void)
{
	this_cpu()->user.ready = 1;
	bulk_enabled = true;
}

bool run_user_bulk(user_fn fn, u64 arg, u64 *ret)
{
	struct percpu *pc;
	struct user_result res;

	if (!READ_ONCE(bulk_enabled) || (read_cs() & 3))
		return false;
	pc = this_cpu();
	if (!pc->user.ready || pc->user.active)
		return false;
	if (run_user(fn, arg, USER_IRQS_OFF, &res) != FAULT_NONE)
		return false;
	if (ret)
		*ret = res.retval;
	return true;
}

u64 run_natively(user_fn fn, u64 arg)
{
	u64 ret;

	if (!run_user_bulk(fn, arg, &ret))
		ret = fn(arg);
	return ret;
}

__noreturn void user_mode_exit(struct ex_regs *r)
{
	struct user_ctx *u = &this_cpu()->user;
	u64 retval = 0;

	if (r->vector == X86_TRAP_UD && r->rip == (u64)(uintptr_t)user_return_insn) {
		u->exit.vector = FAULT_NONE;
		retval = r->rdi;
	} else {
		u->exit.vector = (int)r->vector;
		u->exit.error_code = (u32)r->error_code;
		u->exit.rip = r->rip;
		u->exit.cr2 = r->vector == X86_TRAP_PF ? read_cr2() : 0;
	}
	u->active = 0;
	__run_user_return(u->kernel_rsp, retval);
}
