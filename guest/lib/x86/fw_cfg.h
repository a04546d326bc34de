/* SPDX-License-Identifier: MIT */
/*
 * Reading QEMU's firmware configuration interface (include/qemu/fw_cfg.h) through its
 * traditional I/O ports, as firmware and Linux's qemu_fw_cfg driver do. One reader at a
 * time: the interface has a single selector for the whole machine.
 */
#ifndef GUEST_X86_FW_CFG_H
#define GUEST_X86_FW_CFG_H

#include "qemu/fw_cfg.h"
#include "types.h"

/* Selects key and reads len bytes of it into buf. */
void fw_cfg_read(u16 key, void *buf, u32 len);
/* True when the signature reads "QEMU". */
bool fw_cfg_present(void);
/* The key and size of the file name from the directory; -1 when there is none. */
int fw_cfg_find_file(const char *name, u16 *key, u32 *size);

#endif
