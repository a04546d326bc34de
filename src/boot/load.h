/* SPDX-License-Identifier: MIT */
/*
 * Loading the guest kernel (docs/architecture.md §2.3). The format is detected from the
 * file: a Linux bzImage (the x86 boot protocol, entered at its 64-bit entry), an ELF with
 * a PVH entry note (entered in 32-bit protected mode with a struct hvm_start_info), an
 * ELF64 kernel (64-bit long mode), or a Multiboot v1 kernel (ELF32 or the a.out kludge,
 * 32-bit protected mode). boot_load checks the whole image first and writes guest RAM only
 * when everything fits; it returns the register state the KVM backend puts in the BSP.
 */
#ifndef HVEMU_BOOT_LOAD_H
#define HVEMU_BOOT_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "boot/layout.h"
#include "fw/bootparam.h"

struct boot_image {
	const uint8_t *data;
	size_t size;
	const char *path; /* the Multiboot command line / module string; NULL reads as "" */
};

enum boot_format {
	BOOT_FMT_MULTIBOOT = 1, /* Multiboot v1: ELF32 or a.out kludge */
	BOOT_FMT_ELF64,		/* ELF64 without a PVH note */
	BOOT_FMT_PVH,		/* ELF (either class) with XEN_ELFNOTE_PHYS32_ENTRY */
	BOOT_FMT_BZIMAGE,	/* Linux/x86 boot protocol */
};

/* "Multiboot", "ELF64", "PVH", "bzImage". */
const char *boot_format_name(enum boot_format f);

enum boot_mode {
	BOOT_MODE_MULTIBOOT32 = 1, /* 32-bit protected mode, paging off, EAX magic, EBX info */
	BOOT_MODE_LONG64 = 2,	   /* 64-bit long mode, identity-mapped first 4 GiB */
	BOOT_MODE_PVH32 = 3,	   /* 32-bit protected mode, paging off, EBX = hvm_start_info */
	BOOT_MODE_LINUX64 = 4,	   /* 64-bit long mode, RSI = boot_params, Linux's selectors */
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

/*
 * GDT selectors of the boot GDT at BOOT_GDT_GPA. The Linux boot protocol wants its own
 * (__BOOT_CS 0x10, __BOOT_DS 0x18): BOOT_MODE_LINUX64 gets a GDT laid out that way.
 */
#define BOOT_SEL_CODE	    0x08 /* 64-bit code (LONG64) or flat 32-bit code (32-bit modes) */
#define BOOT_SEL_DATA	    0x10 /* flat 32-bit data */
#define BOOT_SEL_LINUX_CODE BOOT_PROTO_CS /* 64-bit code (LINUX64) */
#define BOOT_SEL_LINUX_DATA BOOT_PROTO_DS /* flat data (LINUX64) */

/*
 * The BSP state at entry. General registers not listed are 0. The backend sets all of it
 * (KVM_SET_REGS / KVM_SET_SREGS); cr2, cr8, debug registers and the APIC base keep their
 * reset values.
 */
struct boot_entry {
	enum boot_format format;
	enum boot_mode mode;
	uint64_t rip, rsp, rflags;
	uint64_t rax, rbx, rsi, rdi;
	uint64_t cr0, cr3, cr4, efer;
	struct boot_dtable gdt, idt;
	struct boot_segment cs, ds, es, fs, gs, ss, tr, ldt;

	/* Where things went, for logs and tests. */
	uint64_t info_gpa;	/* Multiboot information, hvm_start_info or boot_params */
	uint64_t cmdline_gpa;	/* the command line the kernel reads */
	uint64_t kernel_low;	/* lowest GPA of a loaded segment (bzImage: load address) */
	uint64_t kernel_high;	/* end of the highest segment (bzImage: load + init_size) */
	uint64_t module_gpa;	/* module 0 (the initrd), 0 when none */
	uint64_t boot_data_end; /* first page above the boot data: free RAM from here */
};

/*
 * Loads kernel (and initrd, when non-NULL: Multiboot module 0, PVH module 0, or the Linux
 * initrd) into ram, writes the boot information of the format (Multiboot information,
 * hvm_start_info, or the boot_params zero page), the boot GDT and (64-bit entries) the
 * entry page tables, and fills *entry. cmdline is the --cmdline text (NULL = none).
 *
 * Returns 0; -ENOEXEC for an image hvemu cannot load, -ENOSPC when the image, initrd,
 * command line or boot data do not fit, -EINVAL for bad arguments (all three: the CLI
 * exits 2), -ENOMEM. err (errlen bytes) then names the failed check. Nothing is written
 * to ram on failure.
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
