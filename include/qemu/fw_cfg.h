/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration interface (fw_cfg), the traditional I/O port form that
 * x86 guests use: select an item with a 16-bit write to the selector port, then read its
 * bytes one by one from the data port. Constants and layouts only.
 *
 * Freestanding (<stdint.h> only): shared by hvemu's device and its guest runtime.
 *
 * Source: QEMU docs/specs/fw_cfg.rst ("Guest-side Interface", "Selector Register",
 * "Data Register", "File Directory") and include/standard-headers/linux/qemu_fw_cfg.h,
 * whose names these follow; Linux reads it in drivers/firmware/qemu_fw_cfg.c.
 */
#ifndef HVEMU_QEMU_FW_CFG_H
#define HVEMU_QEMU_FW_CFG_H

#include <stdint.h>

/* x86 I/O ports. */
#define FW_CFG_PORT_SEL	 0x510u /* 16-bit selector (write) */
#define FW_CFG_PORT_DATA 0x511u /* 8-bit data (read; each read moves on one byte) */
#define FW_CFG_PORT_LEN	 2u	/* hvemu decodes the traditional pair only: no DMA */

/* Selector keys. */
#define FW_CFG_SIGNATURE  0x0000u /* "QEMU" */
#define FW_CFG_ID	  0x0001u /* u32 LE feature bitmap: FW_CFG_VERSION_* */
#define FW_CFG_UUID	  0x0002u /* 16 bytes */
#define FW_CFG_RAM_SIZE	  0x0003u /* u64 LE: guest RAM in bytes */
#define FW_CFG_NOGRAPHIC  0x0004u /* u16 LE */
#define FW_CFG_NB_CPUS	  0x0005u /* u16 LE: CPUs present at boot */
#define FW_CFG_MAX_CPUS	  0x000fu /* u16 LE: possible CPUs (hot-add slots included) */
#define FW_CFG_FILE_DIR	  0x0019u /* the file directory, big-endian */
#define FW_CFG_FILE_FIRST 0x0020u /* first key the directory hands out */
/* Key bits: the write channel (unsupported here) and the architecture-local table. */
#define FW_CFG_WRITE_CHANNEL 0x4000u
#define FW_CFG_ARCH_LOCAL    0x8000u
#define FW_CFG_ENTRY_MASK    0x3fffu

/* FW_CFG_ID bits. */
#define FW_CFG_VERSION	   0x01u /* the traditional interface */
#define FW_CFG_VERSION_DMA 0x02u

#define FW_CFG_SIG	     "QEMU"
#define FW_CFG_MAX_FILE_PATH 56u
#define FW_CFG_FILE_E820     "etc/e820"

/*
 * FW_CFG_FILE_DIR: a big-endian u32 count, then count of these. Every multi-byte field of
 * the directory is big-endian; the items themselves are little-endian unless said.
 */
struct fw_cfg_file {
	uint32_t size;	 /* big-endian: bytes in the item */
	uint16_t select; /* big-endian: its key */
	uint16_t reserved;
	char name[FW_CFG_MAX_FILE_PATH]; /* NUL-terminated path, e.g. "etc/e820" */
};

/* One row of "etc/e820" (QEMU's struct e820_entry, little-endian, packed). */
struct fw_cfg_e820_entry {
	uint64_t address;
	uint64_t length;
	uint32_t type; /* 1 RAM, 2 reserved */
} __attribute__((packed));

_Static_assert(sizeof(struct fw_cfg_file) == 64, "fw_cfg_file size");
_Static_assert(__builtin_offsetof(struct fw_cfg_file, select) == 4, "fw_cfg_file.select");
_Static_assert(__builtin_offsetof(struct fw_cfg_file, name) == 8, "fw_cfg_file.name");
_Static_assert(sizeof(struct fw_cfg_e820_entry) == 20, "fw_cfg_e820_entry size");

#endif
