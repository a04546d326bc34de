/* SPDX-License-Identifier: MIT */
/* Guest RAM: allocation and the KVM memory slots (docs/architecture.md §2.1). */
#ifndef HVEMU_KVM_MEMORY_H
#define HVEMU_KVM_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"

/*
 * Allocates `size` bytes of guest RAM (split below the 3 GiB hole and above 4 GiB) and
 * registers it with the VM. Returns -errno with a message ("cannot allocate ...") on
 * failure; nothing is left mapped then.
 */
int guest_mem_create(int vm_fd, uint64_t size, struct guest_ram *ram, char *err, size_t errlen);
void guest_mem_destroy(struct guest_ram *ram);

#endif
