// SPDX-License-Identifier: MIT
/*
 * exceptions.elf: the exception fixup mechanism reports vector, error code, RIP (and CR2
 * for #PF) correctly for #DE, #UD, #GP, #PF and #BP, and handle_exception() handlers run.
 *
 * Options:
 *   unhandled=de|ud|gp|pf      take that exception with no fixup: the runtime prints
 *                              "EXCEPTION: #GP (vector 13) error 0x0 RIP 0x... on CPU 0"
 *                              and exits with failure (hvemu status 3)
 *   bp0                        also try int3 at CPL0 (this KVM's emulator lacks it: the
 *                              VM then ends with an emulation failure)
 */
#include "libguest.h"

/*
 * Each probe is a function whose faulting instruction has a global label, so the test
 * knows the exact RIP the CPU must report. The fixup resumes at the *_end label.
 */
/* clang-format off */
asm(".pushsection .text\n"
    ".globl probe_de, probe_ud, probe_gp_noncanonical, probe_gp_selector, probe_pf_read\n"
    ".globl probe_pf_write, probe_bp\n"
    ".globl de_insn, ud_insn, gpnc_insn, gpsel_insn, pfr_insn, pfw_insn, bp_insn, bp_end\n"
    "probe_de:\n"
    "	xorl %ecx, %ecx\n"
    "	movl $1, %eax\n"
    "	xorl %edx, %edx\n"
    "de_insn: divl %ecx\n"
    "de_end: ret\n"
    EX_TABLE_ENTRY(de_insn, de_end)
    "probe_ud:\n"
    "ud_insn: ud2\n"
    "ud_end: ret\n"
    EX_TABLE_ENTRY(ud_insn, ud_end)
    "probe_gp_noncanonical:\n"
    "	movabsq $0x8000000000000000, %rax\n"
    "gpnc_insn: movq (%rax), %rax\n"
    "gpnc_end: ret\n"
    EX_TABLE_ENTRY(gpnc_insn, gpnc_end)
    "probe_gp_selector:\n"
    "	movw %di, %ax\n"
    "gpsel_insn: movw %ax, %fs\n"
    "gpsel_end: ret\n"
    EX_TABLE_ENTRY(gpsel_insn, gpsel_end)
    "probe_pf_read:\n"
    "pfr_insn: movq (%rdi), %rax\n"
    "pfr_end: ret\n"
    EX_TABLE_ENTRY(pfr_insn, pfr_end)
    "probe_pf_write:\n"
    "pfw_insn: movq %rsi, (%rdi)\n"
    "pfw_end: ret\n"
    EX_TABLE_ENTRY(pfw_insn, pfw_end)
    "probe_bp:\n"
    "bp_insn: int3\n"
    "bp_end: ret\n"
    EX_TABLE_ENTRY(bp_insn, bp_end)
    ".popsection\n");
/* clang-format on */

void probe_de(void);
void probe_ud(void);
void probe_gp_noncanonical(void);
void probe_gp_selector(u16 sel);
u64 probe_pf_read(u64 va);
void probe_pf_write(u64 va, u64 val);
void probe_bp(void);
extern char de_insn[], ud_insn[], gpnc_insn[], gpsel_insn[], pfr_insn[], pfw_insn[];
extern char bp_insn[], bp_end[];

static void expect(const char *what, int vector, u32 error_code, const void *rip, u64 cr2)
{
	struct fault_info f;

	fault_get(&f);
	report(f.vector == vector && f.error_code == error_code && f.rip == (u64)(uintptr_t)rip &&
		   (vector != X86_TRAP_PF || f.cr2 == cr2),
	       "%s: vector %d error %#x RIP %#lx CR2 %#lx (expected %d %#x %#lx %#lx)", what,
	       f.vector, f.error_code, (unsigned long)f.rip, (unsigned long)f.cr2, vector,
	       error_code, (unsigned long)(uintptr_t)rip, (unsigned long)cr2);
}

static u32 ud_handler_hits;

static void ud_handler(struct ex_regs *regs)
{
	ud_handler_hits++;
	regs->rip += 2; /* skip ud2 */
}

static void test_fixups(void)
{
	u64 ro_va = TEST_VA_BASE, np_va = TEST_VA_BASE + 0x10000, v = 0;
	void *page = alloc_page();
	int r;

	fault_clear();
	probe_de();
	expect("#DE from div by zero", X86_TRAP_DE, 0, de_insn, 0);

	fault_clear();
	probe_ud();
	expect("#UD from ud2", X86_TRAP_UD, 0, ud_insn, 0);

	fault_clear();
	probe_gp_noncanonical();
	expect("#GP from a non-canonical load", X86_TRAP_GP, 0, gpnc_insn, 0);

	/* A selector beyond the GDT limit: #GP with the selector as error code. */
	fault_clear();
	probe_gp_selector(0xfff8);
	expect("#GP(selector) from loading FS with 0xfff8", X86_TRAP_GP, 0xfff8, gpsel_insn, 0);

	fault_clear();
	probe_pf_read(np_va);
	expect("#PF from a read of a not-present page", X86_TRAP_PF, 0, pfr_insn, np_va);

	if (!page || map_page(ro_va, (u64)(uintptr_t)page, 0)) {
		report_skip("map", "#PF on a read-only page: cannot map a test page");
	} else {
		fault_clear();
		probe_pf_write(ro_va + 8, 1);
		expect("#PF from a write to a read-only page (CR0.WP)", X86_TRAP_PF,
		       PFERR_PRESENT | PFERR_WRITE, pfw_insn, ro_va + 8);
		fault_clear();
		v = probe_pf_read(ro_va);
		report(fault_vector() == FAULT_NONE, "reading the read-only page does not fault");
	}

	r = rdmsr_safe(0xdeadbeef, &v);
	report(r == X86_TRAP_GP, "rdmsr_safe of a nonexistent MSR returns #GP (%d)", r);
	r = wrmsr_safe(0xdeadbeef, 0);
	report(r == X86_TRAP_GP, "wrmsr_safe of a nonexistent MSR returns #GP (%d)", r);
	r = rdmsr_safe(MSR_EFER, &v);
	report(r == 0 && (v & EFER_LMA), "rdmsr_safe(EFER) succeeds (%d, %#lx)", r,
	       (unsigned long)v);
	r = read_u64_safe((void *)(uintptr_t)np_va, &v);
	report(r == X86_TRAP_PF, "read_u64_safe of an unmapped address returns #PF (%d)", r);
	r = write_u8_safe((void *)(uintptr_t)0x8000000000001000ull, 1);
	report(r == X86_TRAP_GP, "write_u8_safe of a non-canonical address returns #GP (%d)", r);

	/* A registered handler runs instead of the fixup table. */
	handle_exception(X86_TRAP_UD, ud_handler);
	fault_clear();
	probe_ud();
	handle_exception(X86_TRAP_UD, NULL);
	report(ud_handler_hits == 1 && fault_vector() == FAULT_NONE,
	       "handle_exception(#UD) handler ran and skipped ud2");
}

static u64 user_int3(u64 arg)
{
	asm volatile("int3");
	return arg;
}

static void test_breakpoint(void)
{
	struct user_result res;
	int r = run_user(user_int3, 0, 0, &res);

	/* #BP is a trap: the reported RIP is the instruction after int3. */
	report(r == X86_TRAP_BP && res.error_code == 0,
	       "#BP from int3 at CPL3 (vector %d, RIP %#lx)", r, (unsigned long)res.rip);
	if (!cmdline_has("bp0")) {
		report_skip("bp0", "#BP from int3 at CPL0 (emulated; pass bp0 to try it)");
		return;
	}
	fault_clear();
	probe_bp();
	expect("#BP from int3 at CPL0 (RIP after int3)", X86_TRAP_BP, 0, bp_end, 0);
}

static void take_unhandled(const char *what)
{
	printf("taking an unhandled %s\n", what);
	if (!strcmp(what, "de")) {
		volatile u32 zero = 0;

		asm volatile("divl %1" : : "a"(1), "r"(zero), "d"(0));
	} else if (!strcmp(what, "ud")) {
		asm volatile("ud2");
	} else if (!strcmp(what, "gp")) {
		asm volatile("movq (%0), %%rax" : : "r"(0x8000000000000000ull) : "rax");
	} else if (!strcmp(what, "pf")) {
		asm volatile("movq (%0), %%rax" : : "r"(TEST_VA_BASE + 0x123000) : "rax");
	}
	report(false, "unhandled=%s: no exception was taken", what);
}

int main(void)
{
	char what[8];

	if (!cmdline_get_str("unhandled", what, sizeof(what)))
		take_unhandled(what);
	/* int3 at CPL0 goes through the instruction emulator: an opt-in (bp0). */
	report_skip_allow("bp0");
	test_fixups();
	test_breakpoint();
	return report_summary();
}
