// SPDX-License-Identifier: MIT
#include "kvm/memory.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm/kvm_sys.h"
#include "util/fault.h"

static void *alloc_ram(uint64_t size)
{
	/*
	 * Not MAP_NORESERVE: memory the host cannot give should fail here, with a message,
	 * not later as an OOM kill. Transparent huge pages help the shadow MMU a little.
	 */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static int add_slot(int vm_fd, uint32_t slot, uint64_t gpa, void *hva, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return kvm_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int guest_mem_create(int vm_fd, uint64_t size, struct guest_ram *ram, char *err, size_t errlen)
{
	uint64_t low, high;
	int r;

	memset(ram, 0, sizeof(*ram));
	r = guest_ram_split(size, &low, &high);
	if (r) {
		snprintf(err, errlen,
			 "bad memory size %llu bytes (at least %llu MiB, a multiple of 4 KiB)",
			 (unsigned long long)size, (unsigned long long)(BOOT_MIN_RAM_SIZE >> 20));
		return r;
	}
	r = fault_hit("vm.memory");
	if (!r) {
		ram->low = alloc_ram(low);
		r = ram->low ? 0 : -errno;
		ram->low_size = ram->low ? low : 0;
	}
	if (!r && high) {
		ram->high = alloc_ram(high);
		r = ram->high ? 0 : -errno;
		ram->high_size = ram->high ? high : 0;
	}
	if (r) {
		snprintf(err, errlen, "cannot allocate %llu MiB of guest memory: %s",
			 (unsigned long long)(size >> 20), strerror(-r));
		goto fail;
	}
	r = add_slot(vm_fd, 0, 0, ram->low, low);
	if (!r && high)
		r = add_slot(vm_fd, 1, BOOT_RAM_4G_BASE, ram->high, high);
	if (r) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	guest_mem_destroy(ram);
	return r;
}

void guest_mem_destroy(struct guest_ram *ram)
{
	/* The memory slots go with the VM fd; only the host mappings are ours to undo. */
	if (ram->low)
		munmap(ram->low, ram->low_size);
	if (ram->high)
		munmap(ram->high, ram->high_size);
	memset(ram, 0, sizeof(*ram));
}
