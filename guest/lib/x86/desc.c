// SPDX-License-Identifier: MIT
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/fault.h"
#include "x86/apic.h"
#include "x86/usermode.h"
#include "console.h"
#include "printf.h"
#include "report.h"
#include "atomic.h"
#include "x86/segment.h"

struct __packed idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};

#define GDT_FIXED 6 /* null, kcode, kdata, ucode32, udata, ucode64 */

static u64 gdt[GDT_FIXED + 2 * MAX_CPUS] __aligned(16);
static struct idt_gate idt[256] __aligned(16);
static handler_fn exc_handlers[32];
static handler_fn irq_handlers[256];
static u64 no_eoi[4]; /* vectors whose handlers take no EOI (AutoEOI) */
static u64 spurious_count;

/* 256 stubs of 16 bytes each, in entry.S. */
extern char idt_stubs[];

static void set_gate(unsigned int v, u8 type_attr)
{
	u64 addr = (u64)(uintptr_t)idt_stubs + 16 * v;

	/* Two stores instead of seven: at CPL0 each one is an emulated instruction. */
	u64 g[2] = { (addr & 0xffff) | (u64)KERNEL_CS << 16 | (u64)type_attr << 40 |
			 (addr & 0xffff0000ull) << 32,
		     addr >> 32 };

	BUILD_BUG_ON(sizeof(idt[0]) != sizeof(g));
	__builtin_memcpy(&idt[v], g, sizeof(g)); /* inline: two stores */
}

/*
 * The interrupt gates, 32-255, filled at CPL3 once it is available (desc_init_irq_gates):
 * 224 gates at CPL0 took 5.5 ms of every boot. Only exceptions can arrive before: the
 * boot CPU runs with interrupts off until then.
 */
static u64 set_irq_gates(u64 unused)
{
	(void)unused;
	for (unsigned int v = 32; v < 256; v++)
		set_gate(v, IDT_GATE_INTR);
	return 0;
}

void desc_init_irq_gates(void)
{
	run_natively(set_irq_gates, 0);
}

void desc_init_bsp(void)
{
	/*
	 * Flat segments with the accessed bits preset, so that loading a selector never makes
	 * the CPU (or the emulator) write the GDT.
	 */
	gdt[0] = 0;
	gdt[KERNEL_CS / 8] = GDT_FLAT_CODE64(0);
	gdt[KERNEL_DS / 8] = GDT_FLAT_DATA(0);
	gdt[USER_CS32 / 8] = GDT_FLAT_CODE32(3); /* unused; sysret's order */
	gdt[USER_DS / 8] = GDT_FLAT_DATA(3);
	gdt[USER_CS / 8] = GDT_FLAT_CODE64(3);
	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, IDT_GATE_INTR);
}

void desc_init_tss(struct percpu *pc)
{
	u64 base = (u64)(uintptr_t)&pc->tss;
	u64 limit = sizeof(pc->tss) - 1;
	unsigned int i = GDT_FIXED + 2 * pc->cpu;

	pc->tss.iomap_base = sizeof(pc->tss); /* no I/O bitmap: CPL3 port I/O needs IOPL 3 */
	pc->tss.rsp[0] = pc->stack_top;
	/* An available 64-bit TSS, present. Rewritten before every ltr: ltr sets busy. */
	gdt[i] = GDT_ENTRY(DESC_P | DESC_TYPE_TSS_AVAIL, base, limit);
	gdt[i + 1] = base >> 32;
}

void desc_load_cpu(struct percpu *pc)
{
	struct desc_ptr gp = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	lgdt(&gp);
	lidt(&ip);
	desc_init_tss(pc);
	ltr(TSS_SEL(pc->cpu));
}

void load_idt_limit(u16 limit)
{
	struct desc_ptr ip = { limit, (u64)(uintptr_t)idt };

	lidt(&ip);
}

handler_fn handle_exception(u8 vector, handler_fn fn)
{
	handler_fn old;

	if (vector >= 32)
		return NULL;
	old = exc_handlers[vector];
	WRITE_ONCE(exc_handlers[vector], fn);
	return old;
}

static handler_fn set_irq_handler(u8 vector, handler_fn fn, bool eoi)
{
	handler_fn old;

	if (vector < 32)
		return NULL;
	/* cppcheck-suppress arrayIndexOutOfBoundsCond ; a u8 indexes all 256 entries */
	old = irq_handlers[vector];
	if (eoi)
		atomic_and(&no_eoi[vector / 64], ~(1ull << (vector % 64)));
	else
		atomic_or(&no_eoi[vector / 64], 1ull << (vector % 64));
	WRITE_ONCE(irq_handlers[vector], fn);
	return old;
}

handler_fn handle_irq(u8 vector, handler_fn fn)
{
	return set_irq_handler(vector, fn, true);
}

handler_fn handle_irq_no_eoi(u8 vector, handler_fn fn)
{
	return set_irq_handler(vector, fn, false);
}

const char *exception_mnemonic(unsigned int vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
		"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE",  "#CP",
		"#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
	};

	return vector < 32 ? names[vector] : "IRQ";
}

static void print_backtrace(const struct ex_regs *r)
{
	struct percpu *pc = this_cpu();
	u64 lo = pc->stack_base, hi = pc->stack_top;
	u64 fp = r->rbp;

	printf("  backtrace: %#lx", (unsigned long)r->rip);
	for (int depth = 0; depth < 16; depth++) {
		const u64 *frame = (const u64 *)(uintptr_t)fp;

		/* Frame pointers are only followed while they stay on this CPU's stack. */
		if (fp < lo || fp + 16 > hi || (fp & 7))
			break;
		printf(" %#lx", (unsigned long)frame[1]);
		fp = frame[0];
	}
	printf("\n");
}

__noreturn void unhandled_exception(struct ex_regs *r)
{
	console_lock_force();
	if (r->vector < 32)
		printf("EXCEPTION: %s (vector %lu) error %#lx RIP %#lx on CPU %u",
		       exception_mnemonic((unsigned int)r->vector), (unsigned long)r->vector,
		       (unsigned long)r->error_code, (unsigned long)r->rip, smp_id());
	else
		printf("EXCEPTION: unexpected interrupt (vector %lu) RIP %#lx on CPU %u",
		       (unsigned long)r->vector, (unsigned long)r->rip, smp_id());
	if (r->vector == X86_TRAP_PF)
		printf(" CR2 %#lx", (unsigned long)read_cr2());
	printf("\n");
	printf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printf("  RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	printf("  R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", r->r8, r->r9, r->r10, r->r11);
	printf("  R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", r->r12, r->r13, r->r14, r->r15);
	printf("  CS=%04lx SS=%04lx RFLAGS=%08lx CR0=%lx CR3=%lx CR4=%lx\n", r->cs, r->ss,
	       r->rflags, read_cr0(), read_cr3(), read_cr4());
	if (!(r->cs & 3))
		print_backtrace(r);
	exit_status(1);
}

void do_interrupt(struct ex_regs *r)
{
	struct percpu *pc = this_cpu();
	unsigned int v = (unsigned int)r->vector;
	handler_fn fn;

	if (v < 32) {
		/*
		 * CPL3 code run by run_user() ends at its first exception (NMI excepted),
		 * including the #UD of the ud2 its entry stub executes when fn returns.
		 */
		if ((r->cs & 3) && pc->user.active && !(v == X86_TRAP_NMI && exc_handlers[v]))
			user_mode_exit(r);
		fn = READ_ONCE(exc_handlers[v]);
		if (fn) {
			fn(r);
			return;
		}
		if (!(r->cs & 3) && fixup_exception(r))
			return;
		unhandled_exception(r);
	}
	if (v == SPURIOUS_VECTOR || (v >= PIC_VECTOR_BASE && v < PIC_VECTOR_BASE + 16)) {
		/* Spurious APIC or PIC interrupts take no EOI. */
		atomic_inc(&spurious_count);
		return;
	}
	pc->irq_count++;
	fn = READ_ONCE(irq_handlers[v]);
	if (!fn)
		unhandled_exception(r);
	fn(r);
	if (!(READ_ONCE(no_eoi[v / 64]) & (1ull << (v % 64))))
		apic_eoi();
}
