/* SPDX-License-Identifier: MIT */
/* Translating a guest virtual address through the guest's page tables, in user space. */
#ifndef HVEMU_KVM_PGWALK_H
#define HVEMU_KVM_PGWALK_H

#include <stdint.h>

#include "boot/layout.h"

/*
 * Walks the 4- or 5-level (CR4.LA57) long-mode page tables rooted at cr3 for gva. Returns 0
 * with the guest physical address in *gpa, -EFAULT for a non-present entry or a table
 * outside guest RAM, -EINVAL for a non-canonical address. Reads guest memory only.
 */
int pgwalk_long_mode(const struct guest_ram *ram, uint64_t cr3, uint64_t cr4, uint64_t gva,
		     uint64_t *gpa);

/* The control registers that decide how a linear address translates. */
struct pgwalk_regs {
	uint64_t cr0, cr3, cr4, efer;
};

/*
 * Translates the linear address la in whatever mode regs describe: paging off (la is the
 * physical address, 32 bits wide outside long mode), 32-bit paging (CR4.PSE 4 MiB pages
 * with the PSE-36 high bits), PAE paging, or long mode (pgwalk_long_mode). The PAE
 * PDPTEs are read from memory, not from the CPU's cached copies. Returns 0 and *gpa,
 * -EFAULT (not present, a table outside RAM) or -EINVAL (non-canonical).
 */
int pgwalk_translate(const struct guest_ram *ram, const struct pgwalk_regs *regs, uint64_t la,
		     uint64_t *gpa);

#endif
