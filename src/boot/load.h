/* SPDX-License-Identifier: MIT */
/*
 * Loading the guest kernel (docs/architecture.md §2.3): ELF64 kernels are entered in
 * 64-bit long mode, Multiboot v1 kernels (ELF32, or any file with the a.out kludge) in
 * 32-bit protected mode. boot_load checks the whole image first and writes guest RAM only
 * when everything fits; it returns the register state the KVM backend puts in the BSP.
 */
#ifndef HVEMU_BOOT_LOAD_H
#define HVEMU_BOOT_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"

struct boot_image {
	const uint8_t *data;
	size_t size;
	const char *path; /* the Multiboot command line / module string; NULL reads as "" */
};

enum boot_mode {
	BOOT_MODE_MULTIBOOT32 = 1, /* 32-bit protected mode, paging off */
	BOOT_MODE_LONG64 = 2,	   /* 64-bit long mode, identity-mapped first 4 GiB */
};

/* A segment register as KVM's struct kvm_segment holds it (limit in bytes, G applied). */
struct boot_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable;
};

struct boot_dtable {
	uint64_t base;
	uint16_t limit;
};

/* GDT selectors of the boot GDT at BOOT_GDT_GPA. */
#define BOOT_SEL_CODE 0x08 /* 64-bit code (LONG64) or flat 32-bit code (MULTIBOOT32) */
#define BOOT_SEL_DATA 0x10 /* flat 32-bit data */

/*
 * The BSP state at entry. General registers not listed are 0. The backend sets all of it
 * (KVM_SET_REGS / KVM_SET_SREGS); cr2, cr8, debug registers and the APIC base keep their
 * reset values.
 */
struct boot_entry {
	enum boot_mode mode;
	uint64_t rip, rsp, rflags;
	uint64_t rax, rbx, rsi, rdi;
	uint64_t cr0, cr3, cr4, efer;
	struct boot_dtable gdt, idt;
	struct boot_segment cs, ds, es, fs, gs, ss, tr, ldt;

	/* Where things went, for logs and tests. */
	uint64_t mbi_gpa;	/* the Multiboot information */
	uint64_t kernel_low;	/* lowest GPA of a loaded segment */
	uint64_t kernel_high;	/* end of the highest loaded segment */
	uint64_t module_gpa;	/* module 0 (the initrd), 0 when none */
	uint64_t boot_data_end; /* first page above the boot data: free RAM from here */
};

/*
 * Loads kernel (and initrd as Multiboot module 0, when non-NULL) into ram, writes the
 * Multiboot information, the boot GDT and (ELF64) the entry page tables, and fills *entry.
 * cmdline is the --cmdline text (NULL = none).
 *
 * Returns 0; -ENOEXEC for an image hvemu cannot load, -ENOSPC when the image, module and
 * boot data do not fit, -EINVAL for bad arguments (all three: the CLI exits 2), -ENOMEM.
 * err (errlen bytes) then names the failed check. Nothing is written to ram on failure.
 */
int boot_load(const struct guest_ram *ram, const struct boot_image *kernel,
	      const struct boot_image *initrd, const char *cmdline, struct boot_entry *entry,
	      char *err, size_t errlen);

/*
 * Reads a whole regular file (at most BOOT_LOW_RAM_MAX bytes) into out->data (malloc'd;
 * release with boot_image_free). out->path = path, borrowed: it must outlive *out.
 * 0, or -errno with a message naming the file.
 */
int boot_read_file(const char *path, struct boot_image *out, char *err, size_t errlen);
void boot_image_free(struct boot_image *img);

#endif
