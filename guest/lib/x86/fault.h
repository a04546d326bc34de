/* SPDX-License-Identifier: MIT */
/*
 * Expected faults. ASM_SAFE(insn) wraps one or more instructions in inline assembly so
 * that an exception raised by them is recorded instead of being fatal: execution then
 * continues after the wrapped instructions. Recorded: vector, error code, the RIP the
 * CPU reported (for traps such as #BP: the next instruction) and, for #PF, CR2.
 *
 *	fault_clear();
 *	asm volatile(ASM_SAFE("wrmsr") : : "c"(msr), "a"(lo), "d"(hi) : "memory");
 *	vector = fault_vector();	// -1 when nothing faulted
 *
 * Outputs of the wrapped instructions are undefined when they fault. The record is
 * per CPU and ASM_SAFE sequences must not nest.
 */
#ifndef GUEST_X86_FAULT_H
#define GUEST_X86_FAULT_H

#include "types.h"
#include "x86/percpu.h"

#define FAULT_NONE (-1)

/* One exception-table entry: [start, end) are the wrapped instructions, end the fixup. */
struct ex_entry {
	u64 start, end;
};

#define ASM_SAFE(insn)                      \
	"1: " insn "\n\t"                   \
	"2:\n\t"                            \
	".pushsection .ex_table, \"a\"\n\t" \
	".balign 8\n\t"                     \
	".quad 1b, 2b\n\t"                  \
	".popsection\n\t"

/* For hand-written assembly with named labels. */
#define EX_TABLE_ENTRY(start, end)                                              \
	".pushsection .ex_table, \"a\"\n\t.balign 8\n\t.quad " #start ", " #end \
	"\n\t.popsection\n\t"

static inline void fault_clear(void)
{
	WRITE_ONCE(this_cpu()->fault.vector, FAULT_NONE);
	barrier();
}

static inline int fault_vector(void)
{
	barrier();
	return READ_ONCE(this_cpu()->fault.vector);
}

/* Copies this CPU's last recorded fault; returns its vector (FAULT_NONE if none). */
static inline int fault_get(struct fault_info *out)
{
	barrier();
	*out = this_cpu()->fault;
	return out->vector;
}

/*
 * Accessors that may fault. Each returns 0, or the vector of the exception the access
 * raised (#GP = 13, #PF = 14; #DE cannot come from them, so 0 is unambiguous).
 */
int rdmsr_safe(u32 msr, u64 *val);
int wrmsr_safe(u32 msr, u64 val);
int read_u64_safe(const volatile void *addr, u64 *val);
int write_u64_safe(volatile void *addr, u64 val);
int read_u8_safe(const volatile void *addr, u8 *val);
int write_u8_safe(volatile void *addr, u8 val);

/* Used by do_interrupt(): applies a fixup for regs->rip if one exists. */
struct ex_regs;
bool fixup_exception(struct ex_regs *regs);

#endif
