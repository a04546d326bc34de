/* SPDX-License-Identifier: MIT */
/*
 * Running code at CPL3. On this KVM only CPL3 code runs natively (CPL0 code is emulated
 * and the emulator walks the page tables), so tests that must observe the TLB, or time
 * native code, run it through run_user().
 *
 * run_user(fn, arg) saves the kernel context, points the TSS RSP0 at the current stack
 * and enters fn(arg) at CPL3 with iretq, on a per-CPU user stack. It ends when fn returns
 * (the entry stub then executes a ud2 at a known address, whose #UD the exception path
 * recognises) or at the first exception the CPL3 code raises; both unwind to the saved
 * kernel context. Interrupts (IPIs) that arrive at CPL3 are handled on the RSP0 stack
 * and return to CPL3. Measured on this KVM: `int $n` from CPL3 raises #UD (any n),
 * `syscall` jumps to garbage, int3 (#BP) and icebp (#DB) work, IOPL 3 does not let CPL3
 * code use port I/O (#GP); hence the ud2.
 *
 * fn runs from the identity-mapped kernel image (mapped user-accessible) and may touch
 * memory only: printf, locks and port I/O are off limits (USER_IOPL3 sets RFLAGS.IOPL,
 * which hardware honours but this KVM does not).
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

/*
 * Bulk work at native speed: runs fn(arg) at CPL3 with interrupts off when this CPU can
 * (its descriptors are loaded, it is at CPL0 and not already inside run_user()). Returns
 * true and fn's value in *ret when fn returned; false when CPL3 was not available or fn
 * faulted (the caller then does the work at CPL0). memset/memcpy of 4 KiB and more and
 * ACPI checksums of large tables use it: CPL0 stores cost microseconds each here, and a
 * CPL3 round trip about 150 us.
 */
bool run_user_bulk(user_fn fn, u64 arg, u64 *ret);
#define USER_BULK_MIN 4096
/*
 * fn(arg) at CPL3 where run_user_bulk() can, else here: for loops that touch memory only
 * (over every CPU, every IDT gate), which at CPL0 are emulated instruction by instruction.
 */
u64 run_natively(user_fn fn, u64 arg);
/* Marks this CPU ready for run_user_bulk() (after its GDT, IDT and TSS are loaded). */
void user_mode_ready(void);

struct ex_regs;
/* Called by do_interrupt() for an exception from CPL3 while run_user() is active. */
__noreturn void user_mode_exit(struct ex_regs *regs);

#endif
