/* SPDX-License-Identifier: MIT */
/*
 * Running code at CPL3. On this KVM only CPL3 code runs natively (CPL0 code is emulated
 * and the emulator walks the page tables), so tests that must observe the TLB, or time
 * native code, run it through run_user().
 *
 * run_user(fn, arg) saves the kernel context, points the TSS RSP0 at the current stack
 * and enters fn(arg) at CPL3 with iretq, on a per-CPU user stack. It ends when fn returns
 * (the entry stub then executes `int $USER_RET_VECTOR`, a DPL 3 gate) or at the first
 * exception the CPL3 code raises; both unwind to the saved kernel context. Interrupts
 * (IPIs) that arrive at CPL3 are handled on the RSP0 stack and return to CPL3.
 *
 * fn runs from the identity-mapped kernel image (mapped user-accessible) and may touch
 * memory only: port I/O needs USER_IOPL3; printf and locks are off limits.
 */
#ifndef GUEST_X86_USERMODE_H
#define GUEST_X86_USERMODE_H

#include "types.h"

#define USER_IOPL3    (1u << 0) /* RFLAGS.IOPL = 3: CPL3 may use in/out */
#define USER_IRQS_OFF (1u << 1) /* RFLAGS.IF = 0 while at CPL3 */

struct user_result {
	int vector; /* -1 (FAULT_NONE): fn returned; else the exception that ended it */
	u32 error_code;
	u64 rip;
	u64 cr2;    /* #PF */
	u64 retval; /* fn's return value when it returned */
};

typedef u64 (*user_fn)(u64 arg);

/*
 * Returns -1 when fn returned normally (its value in res->retval), else the vector of the
 * exception that ended it; -ENOMEM (< -1) when no user stack could be allocated. @res
 * may be NULL.
 */
int run_user(user_fn fn, u64 arg, unsigned int flags, struct user_result *res);

struct ex_regs;
/* Called by do_interrupt() for an exception or USER_RET_VECTOR from CPL3. */
__noreturn void user_mode_exit(struct ex_regs *regs);

#endif
