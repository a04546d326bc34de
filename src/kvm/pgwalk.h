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

#endif
