// SPDX-License-Identifier: MIT
#include "alloc.h"
#include "string.h"
#include "spinlock.h"
#include "x86/multiboot.h"

#define MAX_REGIONS 32
#define LIMIT	    (4 * GiB)

struct region {
	u64 next, end; /* bump pointer and end, both page-aligned */
};

static struct region regions[MAX_REGIONS];
static unsigned int nr_regions;
static void *free_list;
static u64 free_list_pages;
static u64 lowest;
static struct spinlock lock = SPINLOCK_INIT;

/* Small allocations: the rest of the last page used by alloc_bytes(). */
static u64 bytes_next, bytes_end;

void alloc_init(void)
{
	u64 floor = ALIGN_UP(MAX(1 * MiB, boot_info.boot_data_end), PAGE_SIZE);

	lowest = floor;
	if (!boot_info.nr_mmap && boot_info.mem_upper_kb) {
		/* No memory map: mem_upper counts the KiB from 1 MiB up. */
		u64 end = ALIGN_DOWN(1 * MiB + boot_info.mem_upper_kb * KiB, PAGE_SIZE);

		if (end > floor)
			regions[nr_regions++] = (struct region){ floor, MIN(end, LIMIT) };
		return;
	}
	for (unsigned int i = 0; i < boot_info.nr_mmap && nr_regions < MAX_REGIONS; i++) {
		const struct mb_region *r = &boot_info.mmap[i];
		u64 start = ALIGN_UP(r->base, PAGE_SIZE);
		u64 end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);

		if (r->type != MULTIBOOT_MEMORY_AVAILABLE)
			continue;
		start = MAX(start, floor);
		end = MIN(end, LIMIT);
		if (start < end)
			regions[nr_regions++] = (struct region){ start, end };
	}
}

void *alloc_pages(size_t n)
{
	u64 bytes = (u64)n * PAGE_SIZE;
	void *p = NULL;
	u64 flags;

	if (!n)
		return NULL;
	flags = spin_lock_irqsave(&lock);
	if (n == 1 && free_list) {
		p = free_list;
		free_list = *(void **)p;
		free_list_pages--;
	} else {
		for (unsigned int i = 0; i < nr_regions; i++) {
			if (regions[i].end - regions[i].next >= bytes) {
				p = (void *)(uintptr_t)regions[i].next;
				regions[i].next += bytes;
				break;
			}
		}
	}
	spin_unlock_irqrestore(&lock, flags);
	return p;
}

void *alloc_pages_zeroed(size_t n)
{
	void *p = alloc_pages(n);

	if (p)
		memset(p, 0, n * PAGE_SIZE);
	return p;
}

void *alloc_page(void)
{
	return alloc_pages_zeroed(1);
}

void free_page(void *page)
{
	u64 flags;

	if (!page)
		return;
	flags = spin_lock_irqsave(&lock);
	*(void **)page = free_list;
	free_list = page;
	free_list_pages++;
	spin_unlock_irqrestore(&lock, flags);
}

void *alloc_bytes(size_t size, size_t align)
{
	u64 flags, p = 0;

	if (!size || !align || (align & (align - 1)) || align > PAGE_SIZE)
		return NULL;
	if (size > PAGE_SIZE / 2)
		return alloc_pages_zeroed(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
	flags = spin_lock_irqsave(&lock);
	p = ALIGN_UP(bytes_next, (u64)align);
	if (!bytes_next || p + size > bytes_end) {
		u64 page = 0;

		for (unsigned int i = 0; i < nr_regions; i++) {
			if (regions[i].end - regions[i].next >= PAGE_SIZE) {
				page = regions[i].next;
				regions[i].next += PAGE_SIZE;
				break;
			}
		}
		if (!page) {
			spin_unlock_irqrestore(&lock, flags);
			return NULL;
		}
		p = page;
		bytes_end = page + PAGE_SIZE;
	}
	bytes_next = p + size;
	spin_unlock_irqrestore(&lock, flags);
	memset((void *)(uintptr_t)p, 0, size);
	return (void *)(uintptr_t)p;
}

u64 alloc_free_bytes(void)
{
	u64 flags = spin_lock_irqsave(&lock);
	u64 total = free_list_pages * PAGE_SIZE;

	for (unsigned int i = 0; i < nr_regions; i++)
		total += regions[i].end - regions[i].next;
	spin_unlock_irqrestore(&lock, flags);
	return total;
}

u64 alloc_lowest(void)
{
	return lowest;
}
