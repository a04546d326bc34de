// SPDX-License-Identifier: MIT
#include "boot/entry.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "boot/bootutil.h"
#include "boot/multiboot.h"
#include "x86/msr-index.h"
#include "x86/pgtable.h"
#include "x86/processor-flags.h"
#include "x86/segment.h"

#define PT_PML4	 (BOOT_PT_GPA)
#define PT_PDPT	 (BOOT_PT_GPA + 0x1000)
#define PT_PD0	 (BOOT_PT_GPA + 0x2000) /* four PDs, one per GiB */
#define PT_NR_PD 4
_Static_assert(PT_PD0 + PT_NR_PD * 0x1000 == BOOT_PT_END, "six page-table pages");

#define BOOT_RFLAGS X86_EFLAGS_FIXED /* IF clear */

/* The register image of a flat segment loaded from the boot GDT. */
static struct boot_segment flat_segment(uint16_t selector, uint8_t type, bool code64)
{
	return (struct boot_segment){
		.base = 0,
		.limit = 0xFFFFFFFFu,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = code64 ? 0 : 1, /* D must be 0 when L is 1 */
		.s = 1,
		.l = code64 ? 1 : 0,
		.g = 1,
	};
}

static void write_page_tables(uint8_t *pt)
{
	uint8_t *pml4 = pt, *pdpt = pt + 0x1000, *pd = pt + 0x2000;

	put_le64(pml4, PT_PDPT | PTE_PRESENT | PTE_WRITE);
	for (unsigned int i = 0; i < PT_NR_PD; i++)
		put_le64(pdpt + 8 * i, (PT_PD0 + 0x1000ull * i) | PTE_PRESENT | PTE_WRITE);
	for (unsigned int i = 0; i < PT_NR_PD * 512; i++) {
		uint64_t addr = (uint64_t)i << 21, pde = addr | PTE_PRESENT | PTE_WRITE | PTE_PS;

		/*
		 * The MMIO hole (IOAPIC, LAPIC) is mapped uncached: there are no MTRRs to
		 * make it UC, and device registers must not be cached or combined.
		 */
		if (addr >= BOOT_MMIO_HOLE_START)
			pde |= PTE_PCD | PTE_PWT;
		put_le64(pd + 8 * i, pde);
	}
}

/* Writes the GDT for mode; returns its limit. */
static uint16_t write_gdt(uint8_t *gdt, enum boot_mode mode)
{
	switch (mode) {
	case BOOT_MODE_LINUX64:
		/* boot.rst "64-bit boot protocol": __BOOT_CS and __BOOT_DS at 0x10 and 0x18. */
		put_le64(gdt + BOOT_SEL_LINUX_CODE, GDT_FLAT_CODE64(0));
		put_le64(gdt + BOOT_SEL_LINUX_DATA, GDT_FLAT_DATA(0));
		return BOOT_GDT_LINUX_ENTRIES * 8 - 1;
	case BOOT_MODE_LONG64:
		put_le64(gdt + BOOT_SEL_CODE, GDT_FLAT_CODE64(0));
		break;
	case BOOT_MODE_MULTIBOOT32:
	case BOOT_MODE_PVH32:
		put_le64(gdt + BOOT_SEL_CODE, GDT_FLAT_CODE32(0));
		break;
	}
	put_le64(gdt + BOOT_SEL_DATA, GDT_FLAT_DATA(0));
	return BOOT_GDT_ENTRIES * 8 - 1;
}

int boot_entry_setup(const struct guest_ram *ram, enum boot_mode mode, uint64_t rip, uint64_t info,
		     struct boot_entry *e)
{
	uint8_t *area = guest_ram_ptr(ram, BOOT_PRIVATE_GPA, BOOT_UNUSED_GPA - BOOT_PRIVATE_GPA);
	bool long64 = mode == BOOT_MODE_LONG64 || mode == BOOT_MODE_LINUX64;
	uint16_t code = mode == BOOT_MODE_LINUX64 ? BOOT_SEL_LINUX_CODE : BOOT_SEL_CODE;
	uint16_t data = mode == BOOT_MODE_LINUX64 ? BOOT_SEL_LINUX_DATA : BOOT_SEL_DATA;
	uint16_t gdt_limit;

	if (!area)
		return -EFAULT;
	memset(area, 0, BOOT_UNUSED_GPA - BOOT_PRIVATE_GPA);
	gdt_limit = write_gdt(area + (BOOT_GDT_GPA - BOOT_PRIVATE_GPA), mode);
	if (long64)
		write_page_tables(area + (BOOT_PT_GPA - BOOT_PRIVATE_GPA));

	e->mode = mode;
	e->rip = rip;
	e->rsp = BOOT_STACK_TOP; /* Multiboot and PVH leave ESP undefined; give a usable one */
	e->rflags = BOOT_RFLAGS;
	e->rax = e->rbx = e->rsi = e->rdi = 0;
	switch (mode) {
	case BOOT_MODE_LONG64:
		e->rdi = info;
		e->rsi = MULTIBOOT_BOOTLOADER_MAGIC;
		break;
	case BOOT_MODE_LINUX64:
		e->rsi =
		    info; /* boot.rst: "%rsi must hold the base address of struct boot_params" */
		break;
	case BOOT_MODE_MULTIBOOT32:
		e->rax = MULTIBOOT_BOOTLOADER_MAGIC;
		e->rbx = info;
		break;
	case BOOT_MODE_PVH32:
		e->rbx = info; /* Xen docs/misc/pvh.pandoc: EBX = the hvm_start_info */
		break;
	}
	if (long64) {
		e->cr0 =
		    X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
		e->cr3 = PT_PML4;
		e->cr4 = X86_CR4_PAE;
		e->efer = EFER_LME | EFER_LMA;
	} else {
		e->cr0 = X86_CR0_PE | X86_CR0_ET;
		e->cr3 = 0;
		e->cr4 = 0;
		e->efer = 0;
	}
	e->gdt = (struct boot_dtable){ BOOT_GDT_GPA, gdt_limit };
	e->idt = (struct boot_dtable){ 0, 0 }; /* the kernel installs its own */
	e->cs = flat_segment(code, DESC_TYPE_CODE_XRA, long64);
	e->ds = flat_segment(data, DESC_TYPE_DATA_RWA, false);
	e->es = e->fs = e->gs = e->ss = e->ds;
	/*
	 * No TSS or LDT in the boot GDT; VM entry still needs TR to be a busy TSS and LDTR
	 * either unusable or an LDT, so give both their power-on shape (selector 0). PVH
	 * asks for a 32-bit TSS with base 0 and limit 0x67 (pvh.pandoc).
	 */
	e->tr = (struct boot_segment){ .limit = mode == BOOT_MODE_PVH32 ? 0x67 : 0xFFFF,
				       .type = DESC_TYPE_TSS_BUSY,
				       .present = 1 };
	e->ldt = (struct boot_segment){ .limit = 0xFFFF, .type = DESC_TYPE_LDT, .present = 1 };
	return 0;
}
