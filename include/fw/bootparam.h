/* SPDX-License-Identifier: MIT */
/*
 * The Linux/x86 boot protocol: the setup header a bzImage carries at file offset 0x1F1 and
 * the "zero page" (struct boot_params) a loader fills in and passes to the kernel in RSI
 * (64-bit entry). Constants and layouts only, written from the protocol's description.
 *
 * Freestanding (<stdint.h> only), shared by hvemu's loader (src/boot/bzimage.c) and its
 * tests.
 *
 * Sources: Linux Documentation/arch/x86/boot.rst ("The real-mode kernel header", "Details
 * of header fields", "64-bit boot protocol", "Zero page"), Documentation/arch/x86/
 * zero-page.rst (offsets of the zero page), and arch/x86/include/uapi/asm/bootparam.h,
 * whose field names these follow.
 */
#ifndef HVEMU_FW_BOOTPARAM_H
#define HVEMU_FW_BOOTPARAM_H

#include <stdint.h>

/* Where the setup header sits, in the file and in the zero page alike. */
#define SETUP_HEADER_OFFSET 0x1F1u
/* header: "HdrS" (boot.rst "header"), boot_flag: 0xAA55. */
#define SETUP_HDRS_MAGIC 0x53726448u
#define SETUP_BOOT_FLAG	 0xAA55u
/* A setup_sects of 0 means 4 (boot.rst "setup_sects"). */
#define SETUP_SECTS_DEFAULT 4u
#define SETUP_SECTOR_SIZE   512u

/* Protocol versions (major << 8 | minor) whose fields hvemu relies on. */
#define BOOT_PROTO_MIN		0x0206u /* cmdline_size; initrd_addr_max honoured */
#define BOOT_PROTO_PREF_ADDRESS 0x020Au /* pref_address, init_size */
#define BOOT_PROTO_XLOADFLAGS	0x020Cu /* xloadflags, ext_* fields */

/* loadflags. */
#define LOADED_HIGH   (1u << 0) /* protected-mode code at 0x100000 (always, for bzImage) */
#define KASLR_FLAG    (1u << 1) /* set by the kernel itself, never by a loader */
#define QUIET_FLAG    (1u << 5)
#define KEEP_SEGMENTS (1u << 6) /* obsolete */
#define CAN_USE_HEAP  (1u << 7)

/* xloadflags (protocol 2.12+). */
#define XLF_KERNEL_64		   (1u << 0) /* 64-bit entry at load address + 0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1) /* kernel, boot_params, cmdline, initrd */
#define XLF_EFI_HANDOVER_32	   (1u << 2)
#define XLF_EFI_HANDOVER_64	   (1u << 3)
#define XLF_EFI_KEXEC		   (1u << 4)
#define XLF_5LEVEL		   (1u << 5)
#define XLF_5LEVEL_ENABLED	   (1u << 6)

/* The 64-bit entry (startup_64) is this far into the protected-mode kernel. */
#define BOOT_STARTUP_64_OFFSET 0x200u
/* type_of_loader 0xFF: "undefined" boot loader (boot.rst "type_of_loader"). */
#define BOOT_LOADER_TYPE_UNDEFINED 0xFFu
/* Selectors the 32- and 64-bit boot protocols require in the GDT. */
#define BOOT_PROTO_CS 0x10u /* __BOOT_CS */
#define BOOT_PROTO_DS 0x18u /* __BOOT_DS */

/* e820 table entries the zero page holds (E820_MAX_ENTRIES_ZEROPAGE). */
#define BOOT_PARAMS_E820_MAX 128u

struct setup_header {
	uint8_t setup_sects; /* 0x1F1: 512-byte sectors of real-mode setup after the boot sector */
	uint16_t root_flags;
	uint32_t syssize; /* protected-mode code size in 16-byte paragraphs */
	uint16_t ram_size;
	uint16_t vid_mode; /* 0xFFFF: "normal" */
	uint16_t root_dev;
	uint16_t boot_flag; /* SETUP_BOOT_FLAG */
	uint16_t jump;	    /* a short jump; its second byte + 0x202 ends the header */
	uint32_t header;    /* SETUP_HDRS_MAGIC */
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image; /* initrd GPA, low 32 bits */
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;	  /* command line GPA, low 32 bits */
	uint32_t initrd_addr_max; /* highest address the initrd's last byte may have */
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment; /* log2 */
	uint16_t xloadflags;
	uint32_t cmdline_size; /* longest command line, without its NUL */
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset; /* compressed kernel, from the protected-mode code's start */
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size; /* bytes the kernel needs from its load address while it starts */
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));

/* One e820 row (Linux: struct boot_e820_entry). */
struct boot_params_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/*
 * The zero page. Only what a loader without BIOS or EFI fills in is named; the rest is
 * padding the loader leaves zero (screen, APM, EDD, EFI information...).
 */
struct boot_params {
	uint8_t screen_info[0x40];	 /* 0x000 */
	uint8_t apm_bios_info[0x14];	 /* 0x040 */
	uint8_t pad2[4];		 /* 0x054 */
	uint64_t tboot_addr;		 /* 0x058 */
	uint8_t ist_info[0x10];		 /* 0x060 */
	uint64_t acpi_rsdp_addr;	 /* 0x070: the RSDP, so the kernel need not scan */
	uint8_t pad3[8];		 /* 0x078 */
	uint8_t hd0_info[16];		 /* 0x080 */
	uint8_t hd1_info[16];		 /* 0x090 */
	uint8_t sys_desc_table[16];	 /* 0x0A0 */
	uint8_t olpc_ofw_header[16];	 /* 0x0B0 */
	uint32_t ext_ramdisk_image;	 /* 0x0C0: initrd GPA, high 32 bits */
	uint32_t ext_ramdisk_size;	 /* 0x0C4 */
	uint32_t ext_cmd_line_ptr;	 /* 0x0C8 */
	uint8_t pad4[0x70];		 /* 0x0CC */
	uint32_t cc_blob_address;	 /* 0x13C */
	uint8_t edid_info[0x80];	 /* 0x140 */
	uint8_t efi_info[0x20];		 /* 0x1C0 */
	uint32_t alt_mem_k;		 /* 0x1E0 */
	uint32_t scratch;		 /* 0x1E4 */
	uint8_t e820_entries;		 /* 0x1E8 */
	uint8_t eddbuf_entries;		 /* 0x1E9 */
	uint8_t edd_mbr_sig_buf_entries; /* 0x1EA */
	uint8_t kbd_status;		 /* 0x1EB */
	uint8_t secure_boot;		 /* 0x1EC */
	uint8_t pad5[2];		 /* 0x1ED */
	uint8_t sentinel;	 /* 0x1EF: non-zero tells the kernel the loader copied garbage */
	uint8_t pad6[1];	 /* 0x1F0 */
	struct setup_header hdr; /* 0x1F1 */
	uint8_t pad7[0x290 - 0x1F1 - sizeof(struct setup_header)];
	uint32_t edd_mbr_sig_buffer[16];				/* 0x290 */
	struct boot_params_e820_entry e820_table[BOOT_PARAMS_E820_MAX]; /* 0x2D0 */
	uint8_t pad8[48];						/* 0xCD0 */
	uint8_t eddbuf[0xEEC - 0xD00];					/* 0xD00 */
	uint8_t pad9[276];						/* 0xEEC */
} __attribute__((packed));

#define BOOTPARAM_ASSERT_OFFSET(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " offset")
_Static_assert(sizeof(struct setup_header) == 0x26C - 0x1F1, "setup_header size");
_Static_assert(sizeof(struct boot_params_e820_entry) == 20, "e820 entry size");
_Static_assert(sizeof(struct boot_params) == 4096, "boot_params is one page");
BOOTPARAM_ASSERT_OFFSET(struct boot_params, acpi_rsdp_addr, 0x070);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, ext_ramdisk_image, 0x0C0);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, ext_cmd_line_ptr, 0x0C8);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, e820_entries, 0x1E8);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, sentinel, 0x1EF);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr, SETUP_HEADER_OFFSET);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.boot_flag, 0x1FE);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.header, 0x202);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.version, 0x206);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.type_of_loader, 0x210);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.loadflags, 0x211);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.code32_start, 0x214);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.ramdisk_image, 0x218);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.ramdisk_size, 0x21C);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.heap_end_ptr, 0x224);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.cmd_line_ptr, 0x228);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.initrd_addr_max, 0x22C);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.kernel_alignment, 0x230);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.relocatable_kernel, 0x234);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.xloadflags, 0x236);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.cmdline_size, 0x238);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.payload_offset, 0x248);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.setup_data, 0x250);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.pref_address, 0x258);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.init_size, 0x260);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, hdr.kernel_info_offset, 0x268);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, edd_mbr_sig_buffer, 0x290);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, e820_table, 0x2D0);
BOOTPARAM_ASSERT_OFFSET(struct boot_params, eddbuf, 0xD00);
#undef BOOTPARAM_ASSERT_OFFSET

#endif
