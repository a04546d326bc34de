/* SPDX-License-Identifier: MIT */
/*
 * Page tables. All CPUs share one set: the first 4 GiB identity-mapped with 2 MiB pages
 * (present, writable, user). map_page() and friends work on 4 KiB pages anywhere in the
 * canonical lower half, allocating page tables and splitting a 2 MiB page when needed.
 * TEST_VA_BASE starts a region nothing maps, for tests that build their own mappings.
 *
 * map_page()/unmap_page() flush the calling CPU's TLB entry for the page; other CPUs
 * keep stale entries until the caller flushes them (tlb_flush_native() or a PV flush).
 * Writing a PTE through vm_pte() flushes nothing: that is how tests create stale entries.
 *
 * On this KVM (shadow paging, CPL0 emulated) a PTE written by CPL0 code is seen at once:
 * the emulator's write updates KVM's shadow page tables. A PTE written by CPL3 code (which
 * runs natively) is not, and CPL3 reads keep using the old translation until invlpg or a
 * CR3 load: pte_write_cpl3() does that write, for tests that need a stale TLB entry.
 */
#ifndef GUEST_X86_VM_H
#define GUEST_X86_VM_H

#include "types.h"
#include "cpumask.h"
#include "x86/pgtable.h" /* PTE_* and PFERR_* */

#define TEST_VA_BASE 0x100000000ull /* 4 GiB: unmapped until a test maps pages there */

/* The page-table entry that maps @va at 4 KiB granularity, creating tables if @create. */
u64 *vm_pte(u64 va, bool create);
/* Maps one 4 KiB page: @flags are PTE bits (PTE_PRESENT is added). 0 or -ENOMEM/-EINVAL. */
int map_page(u64 va, u64 pa, u64 flags);
/* Clears the mapping of one 4 KiB page: 0, or -ENOENT when none exists. */
int unmap_page(u64 va);
/* Translates through the page tables: 0, or -ENOENT when not present. */
int virt_to_phys(u64 va, u64 *pa);
/* Stores @val into *@pte from CPL3 (see above). 0, or -EFAULT when the store faulted. */
int pte_write_cpl3(u64 *pte, u64 val);
/* Reloads CR3: flushes this CPU's non-global TLB entries. */
void flush_tlb_local(void);

#define TLB_FLUSH_ALL (~0ull)
/*
 * The native TLB shootdown: every online CPU in @mask runs invlpg(@va) (or a full flush
 * for TLB_FLUSH_ALL) through a cross-CPU call, and this returns when all are done.
 */
void tlb_flush_native(const struct cpumask *mask, u64 va);

#endif
