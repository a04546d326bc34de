// SPDX-License-Identifier: MIT
/*
 * usermode.elf: run_user() works: normal return, exceptions raised at CPL3 end the run
 * with the right vector, error code and RIP, IOPL 3 allows port I/O, an interrupt that
 * arrives at CPL3 is handled and CPL3 resumes, and the TLB behaves as the flush tests
 * need: with the PTE changed from CPL3 (pte_write_cpl3), CPL3 sees the new mapping after
 * invlpg, locally and on another CPU through the native shootdown. Whether CPL3 sees the
 * stale mapping before the flush is printed as INFO (architecturally allowed either way;
 * on this KVM it is visible only when the PTE write itself ran at CPL3).
 */
#include "libguest.h"

#define TEST_VECTOR 0x40

asm(".pushsection .text\n"
    ".globl user_ud, user_ud_insn, user_cli, user_cli_insn, user_out, user_out_insn\n"
    "user_ud:\n"
    "user_ud_insn: ud2\n"
    "	ret\n"
    "user_cli:\n"
    "user_cli_insn: cli\n"
    "	ret\n"
    "user_out:\n"
    "	movl %edi, %eax\n"
    "user_out_insn: outb %al, $0x80\n"
    "	movq $7, %rax\n"
    "	ret\n"
    ".popsection\n");

u64 user_ud(u64 arg);
u64 user_cli(u64 arg);
u64 user_out(u64 arg);
extern char user_ud_insn[], user_cli_insn[], user_out_insn[];

static u64 user_double(u64 arg)
{
	return arg * 2;
}

static u64 user_read(u64 va)
{
	return *(volatile u64 *)(uintptr_t)va;
}

static u64 user_write(u64 va)
{
	*(volatile u64 *)(uintptr_t)va = 1;
	return 0;
}

static volatile u32 irq_seen;
static volatile u64 irq_cs;

static void test_irq(struct ex_regs *regs)
{
	irq_cs = regs->cs;
	irq_seen = 1;
}

static u64 user_wait_irq(u64 limit)
{
	for (u64 i = 0; i < limit; i++) {
		if (irq_seen)
			return 1;
		asm volatile("pause");
	}
	return 0;
}

static void check_fault(const char *what, int r, const struct user_result *res, int vector,
			u32 error_code, const void *rip, u64 cr2)
{
	report(r == vector && res->vector == vector && res->error_code == error_code &&
		   (!rip || res->rip == (u64)(uintptr_t)rip) &&
		   (vector != X86_TRAP_PF || res->cr2 == cr2),
	       "%s: vector %d error %#x RIP %#lx CR2 %#lx", what, r, res->error_code,
	       (unsigned long)res->rip, (unsigned long)res->cr2);
}

static void test_basic(void)
{
	struct user_result res;
	int r;

	r = run_user(user_double, 21, 0, &res);
	report(r == FAULT_NONE && res.retval == 42, "CPL3 function returns its value (%d, %lu)", r,
	       (unsigned long)res.retval);
	r = run_user(user_ud, 0, 0, &res);
	check_fault("#UD at CPL3", r, &res, X86_TRAP_UD, 0, user_ud_insn, 0);
	r = run_user(user_cli, 0, 0, &res);
	check_fault("#GP from cli at CPL3 (IOPL 0)", r, &res, X86_TRAP_GP, 0, user_cli_insn, 0);
	r = run_user(user_out, 0x55, 0, &res);
	check_fault("#GP from out at CPL3 (IOPL 0)", r, &res, X86_TRAP_GP, 0, user_out_insn, 0);
	r = run_user(user_out, 0x55, USER_IOPL3, &res);
	if (r == X86_TRAP_GP)
		report_skip("iopl",
			    "out at CPL3 with IOPL 3 raised #GP: this KVM ignores IOPL at CPL3");
	else
		report(r == FAULT_NONE && res.retval == 7, "out at CPL3 with IOPL 3 (%d)", r);
	report(read_cr3() && (read_rflags() & X86_EFLAGS_IF), "back at CPL0 with interrupts on");
}

static void test_paging(void)
{
	u64 va = TEST_VA_BASE + 0x200000, pa = (u64)(uintptr_t)alloc_page();
	struct user_result res;
	int r;

	if (!pa || map_page(va, pa, PTE_WRITE)) {
		report_skip("map", "supervisor-page tests: cannot map a page");
		return;
	}
	r = run_user(user_read, va, 0, &res);
	check_fault("#PF reading a supervisor page at CPL3", r, &res, X86_TRAP_PF,
		    PFERR_PRESENT | PFERR_USER, NULL, va);
	map_page(va, pa, PTE_USER);
	r = run_user(user_write, va + 16, 0, &res);
	check_fault("#PF writing a read-only user page at CPL3", r, &res, X86_TRAP_PF,
		    PFERR_PRESENT | PFERR_WRITE | PFERR_USER, NULL, va + 16);
	unmap_page(va);
	r = run_user(user_read, va, 0, &res);
	check_fault("#PF reading an unmapped page at CPL3", r, &res, X86_TRAP_PF, PFERR_USER, NULL,
		    va);
}

static void test_interrupt(void)
{
	struct user_result res;
	int r;

	/* Sent with interrupts off: it is delivered at the first CPL3 instruction. */
	handle_irq(TEST_VECTOR, test_irq);
	irq_seen = 0;
	irq_disable();
	apic_send_ipi_self(TEST_VECTOR);
	r = run_user(user_wait_irq, 1000000000ull, 0, &res);
	irq_enable();
	handle_irq(TEST_VECTOR, NULL);
	report(r == FAULT_NONE && res.retval == 1 && (irq_cs & 3) == 3,
	       "an interrupt at CPL3 is handled and CPL3 resumes (CS %#lx)", (unsigned long)irq_cs);
}

/* Two pages with different contents, both mappable at one test address. */
struct tlb_pages {
	u64 va, pa[2];
	u64 *pte;
};

static bool tlb_setup(struct tlb_pages *t, u64 va)
{
	for (int i = 0; i < 2; i++) {
		u64 *p = alloc_page();

		if (!p)
			return false;
		p[0] = 0xa0 + i;
		t->pa[i] = (u64)(uintptr_t)p;
	}
	t->va = va;
	if (map_page(va, t->pa[0], PTE_USER | PTE_WRITE))
		return false;
	t->pte = vm_pte(va, false);
	return t->pte != NULL;
}

static u64 user_pte(const struct tlb_pages *t, int page)
{
	return t->pa[page] | PTE_PRESENT | PTE_USER | PTE_WRITE;
}

static void test_tlb_local(void)
{
	struct tlb_pages t;
	struct user_result res;
	u64 before, stale, fresh, cpl0;

	if (!tlb_setup(&t, TEST_VA_BASE + 0x400000)) {
		report_skip("map", "local TLB test: cannot map pages");
		return;
	}
	run_user(user_read, t.va, 0, &res);
	before = res.retval;
	/* Change the translation without a flush, then with one. */
	report(!pte_write_cpl3(t.pte, user_pte(&t, 1)), "PTE written from CPL3");
	run_user(user_read, t.va, 0, &res);
	stale = res.retval;
	invlpg((void *)(uintptr_t)t.va);
	run_user(user_read, t.va, 0, &res);
	fresh = res.retval;
	report_info("CPL3 read before the PTE change %#lx, after it without invlpg %#lx (%s)",
		    (unsigned long)before, (unsigned long)stale,
		    stale == 0xa0 ? "stale TLB entry visible" : "no stale entry seen");
	report(before == 0xa0 && fresh == 0xa1, "after invlpg CPL3 sees the new page (%#lx)",
	       (unsigned long)fresh);
	/* The same change made by (emulated) CPL0 code. */
	WRITE_ONCE(*t.pte, user_pte(&t, 0));
	run_user(user_read, t.va, 0, &res);
	cpl0 = res.retval;
	report_info("PTE changed at CPL0 without invlpg: CPL3 reads %#lx (%s)", (unsigned long)cpl0,
		    cpl0 == 0xa1 ? "stale" : "new page at once");
	invlpg((void *)(uintptr_t)t.va);
}

static struct tlb_pages remote;
static u64 remote_val;

static void remote_read(void *arg)
{
	struct user_result res;

	(void)arg;
	run_user(user_read, remote.va, 0, &res);
	remote_val = res.retval;
}

static void test_tlb_remote(void)
{
	struct cpumask m;
	u64 first, stale;

	if (smp_nr_online() < 2) {
		report_skip("cpus", "remote TLB flush: needs 2 CPUs");
		return;
	}
	if (!tlb_setup(&remote, TEST_VA_BASE + 0x600000)) {
		report_skip("map", "remote TLB flush: cannot map pages");
		return;
	}
	cpumask_clear(&m);
	cpumask_set(&m, 1);
	on_cpu(1, remote_read, NULL);
	first = remote_val;
	/*
	 * No local invlpg: with shadow paging the page tables behind the TLB are shared by
	 * all vCPUs, and a local flush would refresh CPU 1's view too.
	 */
	pte_write_cpl3(remote.pte, user_pte(&remote, 1));
	on_cpu(1, remote_read, NULL);
	stale = remote_val;
	tlb_flush_native(&m, remote.va);
	on_cpu(1, remote_read, NULL);
	report_info("CPU 1 at CPL3 read %#lx, then %#lx without a remote flush (%s)",
		    (unsigned long)first, (unsigned long)stale,
		    stale == 0xa0 ? "stale TLB entry visible" : "no stale entry seen");
	report(first == 0xa0 && remote_val == 0xa1,
	       "after the native shootdown CPU 1 sees the new page (%#lx)",
	       (unsigned long)remote_val);
	invlpg((void *)(uintptr_t)remote.va);
}

int main(void)
{
	/* kvm_pvm raises #GP for out at CPL3 whatever IOPL says: a declared skip there. */
	report_skip_allow("iopl");
	test_basic();
	test_paging();
	test_interrupt();
	test_tlb_local();
	test_tlb_remote();
	return report_summary();
}
