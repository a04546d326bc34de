/* SPDX-License-Identifier: MIT */
/*
 * Descriptor tables and interrupt dispatch: one GDT shared by all CPUs (kernel and user
 * segments, then one TSS descriptor per CPU), one IDT whose 256 stubs all call
 * do_interrupt(). Exceptions nobody expects are reported and end the test with failure.
 */
#ifndef GUEST_X86_DESC_H
#define GUEST_X86_DESC_H

#include "types.h"
#include "x86/percpu.h"
#include "x86/trapnr.h" /* exception vectors X86_TRAP_DE... */

/* Legacy PIC vectors (masked; only spurious interrupts can arrive there). */
#define PIC_VECTOR_BASE 0x20
/* Free for tests and later layers: 0x30-0xef. */
#define FIRST_FREE_VECTOR 0x30
#define LAST_FREE_VECTOR  0xef
/* Cross-CPU function calls (smp.c). */
#define XCALL_VECTOR 0xf0
/* The local APIC timer of halt_until_tsc() (idle.c). */
#define IDLE_TIMER_VECTOR 0xf1
#define SPURIOUS_VECTOR	  0xff

/* Register state saved by the interrupt stubs (entry.S), lowest address first. */
struct ex_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

typedef void (*handler_fn)(struct ex_regs *regs);

/* Loads the full GDT and the IDT on the boot CPU (called once, early). */
void desc_init_bsp(void);
/* Gates 32-255 (desc_init_bsp sets the exceptions'): once CPL3 code can run. */
void desc_init_irq_gates(void);
/* Writes @pc's TSS descriptor into the GDT. */
void desc_init_tss(struct percpu *pc);
/* Loads GDT, IDT and TR on the calling CPU. */
void desc_load_cpu(struct percpu *pc);

/*
 * Installs a handler for exception @vector (0-31); it runs instead of the fixup table and
 * the fatal report, and may change regs->rip to skip the faulting instruction. NULL
 * removes it. Returns the previous handler.
 */
handler_fn handle_exception(u8 vector, handler_fn fn);
/*
 * Installs a handler for interrupt @vector (32-255). The runtime sends the EOI after the
 * handler returns. Returns the previous handler.
 */
handler_fn handle_irq(u8 vector, handler_fn fn);
/*
 * Installs a handler for interrupt @vector whose EOI nobody sends: for interrupts that
 * need none (a SynIC SINT with AutoEOI set). A handler that must EOI calls apic_eoi().
 */
handler_fn handle_irq_no_eoi(u8 vector, handler_fn fn);
/* Loads an IDT with the given limit (0 makes every exception a triple fault). */
void load_idt_limit(u16 limit);

const char *exception_mnemonic(unsigned int vector);
/* Prints the report of an exception no one expected and exits with failure. */
__noreturn void unhandled_exception(struct ex_regs *regs);

void do_interrupt(struct ex_regs *regs);

#endif
