/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator. It hands out usable RAM (Multiboot memory map type 1) above
 * 1 MiB and above everything the loader placed (kernel, information, modules, strings),
 * below 4 GiB (the identity-mapped range), so addresses are both physical and virtual.
 * Contiguous runs come from a bump pointer per region; single pages that are freed go on
 * a free list and are reused first.
 */
#ifndef GUEST_ALLOC_H
#define GUEST_ALLOC_H

#include "types.h"

/* Builds the free regions from boot_info (call once, on the boot CPU). */
void alloc_init(void);
/* @n contiguous pages, page-aligned, not zeroed; NULL when memory is exhausted. */
void *alloc_pages(size_t n);
void *alloc_pages_zeroed(size_t n);
/* One zeroed page. */
void *alloc_page(void);
void free_page(void *page);
/* A permanent zeroed allocation of @size bytes aligned to @align (a power of two <= 4096). */
void *alloc_bytes(size_t size, size_t align);
/* Bytes still available (free regions plus the free list). */
u64 alloc_free_bytes(void);
/* The lowest address the allocator may hand out (for tests that check it). */
u64 alloc_lowest(void);

#endif
