// SPDX-License-Identifier: MIT
/* Loading the kernel and putting the boot vCPU in the entry state src/boot computed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/e820.h"
#include "boot/load.h"
#include "kvm/vm_internal.h"
#include "util/log.h"

static void seg_to_kvm(const struct boot_segment *b, struct kvm_segment *k)
{
	*k = (struct kvm_segment){
		.base = b->base,
		.limit = b->limit,
		.selector = b->selector,
		.type = b->type,
		.present = b->present,
		.dpl = b->dpl,
		.db = b->db,
		.s = b->s,
		.l = b->l,
		.g = b->g,
		.avl = b->avl,
		.unusable = b->unusable,
	};
}

static int set_entry_state(struct vcpu *v, const struct boot_entry *e)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	int rc;

	rc = kvm_ioctl(v->fd, KVM_GET_SREGS, &s);
	if (rc)
		return rc;
	seg_to_kvm(&e->cs, &s.cs);
	seg_to_kvm(&e->ds, &s.ds);
	seg_to_kvm(&e->es, &s.es);
	seg_to_kvm(&e->fs, &s.fs);
	seg_to_kvm(&e->gs, &s.gs);
	seg_to_kvm(&e->ss, &s.ss);
	seg_to_kvm(&e->tr, &s.tr);
	seg_to_kvm(&e->ldt, &s.ldt);
	s.gdt.base = e->gdt.base;
	s.gdt.limit = e->gdt.limit;
	s.idt.base = e->idt.base;
	s.idt.limit = e->idt.limit;
	s.cr0 = e->cr0;
	s.cr3 = e->cr3;
	s.cr4 = e->cr4;
	s.efer = e->efer;
	rc = kvm_ioctl(v->fd, KVM_SET_SREGS, &s);
	if (rc)
		return rc;
	memset(&r, 0, sizeof(r));
	r.rip = e->rip;
	r.rsp = e->rsp;
	r.rflags = e->rflags;
	r.rax = e->rax;
	r.rbx = e->rbx;
	r.rsi = e->rsi;
	r.rdi = e->rdi;
	return kvm_ioctl(v->fd, KVM_SET_REGS, &r);
}

/* The memory map every boot protocol hands the guest, once, for users and tests to compare. */
static void log_memory_map(const struct vm *vm)
{
	struct boot_e820_entry map[BOOT_E820_MAX];
	int n = boot_e820_build_split(vm->ram.low_size, vm->ram.high_size, map, BOOT_E820_MAX);
	char line[BOOT_E820_MAX * 48] = "";
	size_t used = 0;

	for (int i = 0; i < n && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s[0x%llx-0x%llx] %s",
					 i ? ", " : "", (unsigned long long)map[i].addr,
					 (unsigned long long)(map[i].addr + map[i].len - 1),
					 map[i].type == BOOT_E820_RAM ? "usable" : "reserved");
	pr_info("memory map (e820): %s", line);
}

int vm_load_kernel(struct vm *vm, const char *kernel, const char *initrd, const char *cmdline,
		   char *err, size_t errlen)
{
	struct boot_image k = { 0 }, i = { 0 };
	struct boot_entry entry;
	struct vcpu *bsp = atomic_load(&vm->slots[0]);
	uint64_t t = now_ns();
	int r;

	r = boot_read_file(kernel, &k, err, errlen);
	if (r)
		return r;
	if (initrd) {
		r = boot_read_file(initrd, &i, err, errlen);
		if (r)
			goto out;
	}
	r = boot_load(&vm->ram, &k, initrd ? &i : NULL, cmdline, &entry, err, errlen);
	if (r)
		goto out;
	r = bsp ? set_entry_state(bsp, &entry) : -ENODEV;
	if (r) {
		snprintf(err, errlen, "setting the boot vCPU's entry state: %s", strerror(-r));
		r = r == -EINVAL ? -EIO
				 : r; /* not the user's fault: keep it out of exit status 2 */
		goto out;
	}
	log_memory_map(vm);
	pr_debug("kernel %s (%s) loaded at 0x%llx-0x%llx, entry at 0x%llx, boot information at "
		 "0x%llx, initrd at 0x%llx",
		 kernel, boot_format_name(entry.format), (unsigned long long)entry.kernel_low,
		 (unsigned long long)entry.kernel_high, (unsigned long long)entry.rip,
		 (unsigned long long)entry.info_gpa, (unsigned long long)entry.module_gpa);
	vm_boot_phase_end(vm, VM_BOOT_LOAD, &t);
out:
	boot_image_free(&k);
	boot_image_free(&i);
	return r;
}
