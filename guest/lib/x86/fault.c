// SPDX-License-Identifier: MIT
#include "x86/fault.h"
#include "x86/desc.h"
#include "x86/processor.h"

extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static bool is_trap(u64 vector)
{
	/* Traps report the RIP after the instruction. */
	return vector == X86_TRAP_DB || vector == X86_TRAP_BP || vector == X86_TRAP_OF;
}

bool fixup_exception(struct ex_regs *r)
{
	struct percpu *pc = this_cpu();

	/* cppcheck-suppress comparePointers ; the linker script's bounds of one section */
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		bool hit = is_trap(r->vector) ? (r->rip > e->start && r->rip <= e->end)
					      : (r->rip >= e->start && r->rip < e->end);

		if (!hit)
			continue;
		pc->fault.vector = (int)r->vector;
		pc->fault.error_code = (u32)r->error_code;
		pc->fault.rip = r->rip;
		pc->fault.cr2 = r->vector == X86_TRAP_PF ? read_cr2() : 0;
		r->rip = e->end;
		return true;
	}
	return false;
}

static int fault_result(void)
{
	int v = fault_vector();

	return v == FAULT_NONE ? 0 : v;
}

int rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	int v;

	fault_clear();
	asm volatile(ASM_SAFE("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	v = fault_result();
	if (!v)
		*val = lo | ((u64)hi << 32);
	return v;
}

int wrmsr_safe(u32 msr, u64 val)
{
	fault_clear();
	asm volatile(ASM_SAFE("wrmsr")
		     :
		     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
	return fault_result();
}

int read_u64_safe(const volatile void *addr, u64 *val)
{
	u64 x = 0;
	int v;

	fault_clear();
	asm volatile(ASM_SAFE("movq (%1), %0") : "+r"(x) : "r"(addr) : "memory");
	v = fault_result();
	if (!v)
		*val = x;
	return v;
}

int write_u64_safe(volatile void *addr, u64 val)
{
	fault_clear();
	asm volatile(ASM_SAFE("movq %1, (%0)") : : "r"(addr), "r"(val) : "memory");
	return fault_result();
}

int read_u8_safe(const volatile void *addr, u8 *val)
{
	u8 x = 0;
	int v;

	fault_clear();
	asm volatile(ASM_SAFE("movb (%1), %0") : "+q"(x) : "r"(addr) : "memory");
	v = fault_result();
	if (!v)
		*val = x;
	return v;
}

int write_u8_safe(volatile void *addr, u8 val)
{
	fault_clear();
	asm volatile(ASM_SAFE("movb %1, (%0)") : : "r"(addr), "q"(val) : "memory");
	return fault_result();
}
