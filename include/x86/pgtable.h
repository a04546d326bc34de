/* SPDX-License-Identifier: MIT */
/*
 * 4-level and 5-level paging: page-table entry bits and the #PF error code (Intel SDM
 * Vol. 3A §4.5 "4-Level Paging and 5-Level Paging", §4.7 "Page-Fault Exceptions"; Linux:
 * arch/x86/include/asm/pgtable_types.h, arch/x86/include/asm/trap_pf.h). Freestanding;
 * usable from assembly.
 */
#ifndef HVEMU_X86_PGTABLE_H
#define HVEMU_X86_PGTABLE_H

#include "x86/const.h"

#define PTE_PRESENT  X86_BIT(0)
#define PTE_WRITE    X86_BIT(1)
#define PTE_USER     X86_BIT(2)
#define PTE_PWT	     X86_BIT(3) /* page-level write-through */
#define PTE_PCD	     X86_BIT(4) /* page-level cache disable */
#define PTE_ACCESSED X86_BIT(5)
#define PTE_DIRTY    X86_BIT(6)
#define PTE_PS	     X86_BIT(7) /* in a PDPTE or PDE: maps a 1 GiB or 2 MiB page */
#define PTE_GLOBAL   X86_BIT(8)
#define PTE_NX	     X86_BIT(63) /* with EFER.NXE */
/* The physical address bits of an entry (and of CR3): 51:12. */
#define PTE_ADDR_MASK X86_U64(0x000ffffffffff000)

#define PT_ENTRIES    512 /* entries in one 4 KiB table */
#define PT_LEVEL_BITS 9	  /* linear-address bits each level translates */

/* #PF error code bits. */
#define PFERR_PRESENT X86_BIT(0) /* protection violation (0: page not present) */
#define PFERR_WRITE   X86_BIT(1)
#define PFERR_USER    X86_BIT(2)
#define PFERR_RSVD    X86_BIT(3)
#define PFERR_FETCH   X86_BIT(4)

#endif
