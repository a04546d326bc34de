/* SPDX-License-Identifier: MIT */
/* Inline wrappers for privileged x86 instructions: CRs, MSRs, port I/O, CPUID, flags. */
#ifndef GUEST_X86_PROCESSOR_H
#define GUEST_X86_PROCESSOR_H

#include "types.h"
#include "x86/asm-defs.h"
#include "x86/msr-index.h"
#include "x86/processor-flags.h"

/* The TSS descriptor of a CPU in the GDT (desc.c); the other selectors are in asm-defs.h. */
#define TSS_SEL(cpu) (0x30 + 16 * (cpu))

struct cpuid {
	u32 a, b, c, d;
};

static inline struct cpuid cpuid_count(u32 leaf, u32 subleaf)
{
	struct cpuid r;

	asm volatile("cpuid"
		     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid cpuid(u32 leaf)
{
	return cpuid_count(leaf, 0);
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return lo | ((u64)hi << 32);
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "a"((u32)val), "d"((u32)(val >> 32)), "c"(msr) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

#define DEFINE_CR(n)                                                       \
	static inline u64 read_cr##n(void)                                 \
	{                                                                  \
		u64 v;                                                     \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v) : : "memory"); \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(u64 v)                              \
	{                                                                  \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");     \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* rep insb: one exit per page of @buf instead of one per byte. */
static inline void insb(u16 port, void *buf, u32 n)
{
	asm volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline u64 irq_save(void)
{
	u64 f = read_rflags();

	irq_disable();
	return f;
}

static inline void irq_restore(u64 flags)
{
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

static inline bool irqs_enabled(void)
{
	return read_rflags() & X86_EFLAGS_IF;
}

/* sti's one-instruction shadow makes "sti; hlt" wake-up safe. */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

static inline void invlpg(const volatile void *va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline u16 read_cs(void)
{
	u16 v;

	asm volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

struct __packed desc_ptr {
	u16 limit;
	u64 base;
};

static inline void lgdt(const struct desc_ptr *p)
{
	asm volatile("lgdt %0" : : "m"(*p) : "memory");
}

static inline void lidt(const struct desc_ptr *p)
{
	asm volatile("lidt %0" : : "m"(*p) : "memory");
}

static inline void sidt(struct desc_ptr *p)
{
	asm volatile("sidt %0" : "=m"(*p));
}

static inline void ltr(u16 sel)
{
	asm volatile("ltr %0" : : "rm"(sel) : "memory");
}

static inline __noreturn void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

#endif
