/* SPDX-License-Identifier: MIT */
/*
 * Segment and gate descriptors (Intel SDM Vol. 3A §3.4.5 "Segment Descriptors", §3.5
 * "System Descriptor Types", §6.14.1 "64-Bit Mode IDT"; GDT_ENTRY as in Linux's
 * arch/x86/include/asm/desc_defs.h). Freestanding; usable from assembly.
 */
#ifndef HVEMU_X86_SEGMENT_H
#define HVEMU_X86_SEGMENT_H

#include "x86/const.h"

/* The type field (descriptor bits 43:40). With S = 1, code and data segments: */
#define DESC_TYPE_DATA_RW  0x2
#define DESC_TYPE_DATA_RWA 0x3 /* read/write, accessed */
#define DESC_TYPE_CODE_XR  0xa
#define DESC_TYPE_CODE_XRA 0xb /* execute/read, accessed */
/* With S = 0, system descriptors in 64-bit mode: */
#define DESC_TYPE_LDT	    0x2
#define DESC_TYPE_TSS_AVAIL 0x9
#define DESC_TYPE_TSS_BUSY  0xb
#define DESC_TYPE_INTR_GATE 0xe

/* The flags of GDT_ENTRY: descriptor bits 55:52 and 47:40, as one 16-bit value. */
#define DESC_S	     0x0010 /* code or data (not a system descriptor) */
#define DESC_DPL(pl) ((pl) << 5)
#define DESC_P	     0x0080 /* present */
#define DESC_L	     0x2000 /* 64-bit code */
#define DESC_DB	     0x4000 /* 32-bit default operand size / big stack */
#define DESC_G	     0x8000 /* limit in 4 KiB units */

/* A segment descriptor from its flags, 32-bit base and 20-bit limit. */
#define GDT_ENTRY(flags, base, limit)                                                              \
	(((X86_U64(0xff000000) & (base)) << (56 - 24)) | ((X86_U64(0x0000f0ff) & (flags)) << 40) | \
	 ((X86_U64(0x000f0000) & (limit)) << (48 - 16)) | ((X86_U64(0x00ffffff) & (base)) << 16) | \
	 (X86_U64(0x0000ffff) & (limit)))

/*
 * Flat (base 0, limit 4 GiB) present code and data segments, with the accessed bit preset
 * so that loading a selector never makes the CPU write the descriptor.
 */
#define GDT_FLAT(flags)	     GDT_ENTRY(DESC_G | DESC_P | DESC_S | (flags), 0, 0xfffff)
#define GDT_FLAT_CODE64(dpl) GDT_FLAT(DESC_L | DESC_DPL(dpl) | DESC_TYPE_CODE_XRA)
#define GDT_FLAT_CODE32(dpl) GDT_FLAT(DESC_DB | DESC_DPL(dpl) | DESC_TYPE_CODE_XRA)
#define GDT_FLAT_DATA(dpl)   GDT_FLAT(DESC_DB | DESC_DPL(dpl) | DESC_TYPE_DATA_RWA)

/* The type-and-attributes byte of an IDT gate: present interrupt gate, DPL 0. */
#define IDT_GATE_INTR (DESC_P | DESC_TYPE_INTR_GATE)

#ifndef __ASSEMBLER__
_Static_assert(GDT_FLAT_CODE64(0) == 0x00af9b000000ffffull, "64-bit kernel code descriptor");
_Static_assert(GDT_FLAT_CODE64(3) == 0x00affb000000ffffull, "64-bit user code descriptor");
_Static_assert(GDT_FLAT_CODE32(0) == 0x00cf9b000000ffffull, "32-bit code descriptor");
_Static_assert(GDT_FLAT_DATA(0) == 0x00cf93000000ffffull, "kernel data descriptor");
_Static_assert(GDT_FLAT_DATA(3) == 0x00cff3000000ffffull, "user data descriptor");
#endif

#endif
