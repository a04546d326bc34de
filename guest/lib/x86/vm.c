// SPDX-License-Identifier: MIT
#include "x86/vm.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/usermode.h"
#include "alloc.h"
#include "spinlock.h"

/* Intermediate entries allow everything; the leaf decides. */
#define TABLE_FLAGS (PTE_PRESENT | PTE_WRITE | PTE_USER)

static struct spinlock pt_lock = SPINLOCK_INIT;

static u64 *table_of(u64 entry)
{
	return (u64 *)(uintptr_t)(entry & PTE_ADDR_MASK);
}

static bool canonical_lower(u64 va)
{
	return va < (1ull << 47);
}

/* Replaces a 2 MiB mapping with a page table of 512 equivalent 4 KiB entries. */
static bool split_large(u64 *pde)
{
	u64 *pt = alloc_page();
	u64 base = *pde & PTE_ADDR_MASK & ~(2 * MiB - 1);
	u64 flags = *pde & (PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_PWT | PTE_PCD | PTE_GLOBAL);

	if (!pt)
		return false;
	for (unsigned int i = 0; i < 512; i++)
		pt[i] = (base + i * PAGE_SIZE) | flags;
	WRITE_ONCE(*pde, (u64)(uintptr_t)pt | TABLE_FLAGS);
	return true;
}

static u64 *walk(u64 va, bool create)
{
	u64 *table = (u64 *)(uintptr_t)(read_cr3() & PTE_ADDR_MASK);

	for (int level = 3; level >= 1; level--) {
		u64 *e = &table[(va >> (12 + 9 * level)) & 511];

		if (!(*e & PTE_PRESENT)) {
			u64 *next;

			if (!create)
				return NULL;
			next = alloc_page();
			if (!next)
				return NULL;
			WRITE_ONCE(*e, (u64)(uintptr_t)next | TABLE_FLAGS);
		} else if (level == 1 && (*e & PTE_PS)) {
			if (!create)
				return NULL;
			if (!split_large(e))
				return NULL;
			flush_tlb_local();
		}
		table = table_of(*e);
	}
	return &table[(va >> 12) & 511];
}

u64 *vm_pte(u64 va, bool create)
{
	u64 flags;
	u64 *pte;

	if (!canonical_lower(va))
		return NULL;
	flags = spin_lock_irqsave(&pt_lock);
	pte = walk(va, create);
	spin_unlock_irqrestore(&pt_lock, flags);
	return pte;
}

int map_page(u64 va, u64 pa, u64 flags)
{
	u64 *pte;

	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE) || (pa & ~PTE_ADDR_MASK))
		return -EINVAL;
	pte = vm_pte(va, true);
	if (!pte)
		return canonical_lower(va) ? -ENOMEM : -EINVAL;
	WRITE_ONCE(*pte, pa | (flags & ~PTE_ADDR_MASK & ~PTE_PS) | PTE_PRESENT);
	invlpg((void *)(uintptr_t)va);
	return 0;
}

int unmap_page(u64 va)
{
	u64 *pte = vm_pte(va, false);

	if (!pte || !(*pte & PTE_PRESENT))
		return -ENOENT;
	WRITE_ONCE(*pte, 0);
	invlpg((void *)(uintptr_t)va);
	return 0;
}

int virt_to_phys(u64 va, u64 *pa)
{
	u64 *table = (u64 *)(uintptr_t)(read_cr3() & PTE_ADDR_MASK);

	if (!canonical_lower(va))
		return -EINVAL;
	for (int level = 3; level >= 0; level--) {
		u64 e = table[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_PRESENT))
			return -ENOENT;
		if (level == 0 || (level <= 2 && (e & PTE_PS))) {
			u64 size = 1ull << (12 + 9 * level);

			*pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = table_of(e);
	}
	return -ENOENT;
}

struct pte_store {
	u64 *pte;
	u64 val;
};

static u64 pte_store_user(u64 arg)
{
	const struct pte_store *st = (const struct pte_store *)(uintptr_t)arg;

	WRITE_ONCE(*st->pte, st->val);
	return 0;
}

int pte_write_cpl3(u64 *pte, u64 val)
{
	struct pte_store st = { pte, val };
	int r = run_user(pte_store_user, (u64)(uintptr_t)&st, USER_IRQS_OFF, NULL);

	return r == -1 ? 0 : -EFAULT;
}

void flush_tlb_local(void)
{
	write_cr3(read_cr3());
}

static void flush_one(void *arg)
{
	u64 va = (u64)(uintptr_t)arg;

	if (va == TLB_FLUSH_ALL)
		flush_tlb_local();
	else
		invlpg((void *)(uintptr_t)va);
}

void tlb_flush_native(const struct cpumask *mask, u64 va)
{
	on_cpus(mask, flush_one, (void *)(uintptr_t)va);
}
