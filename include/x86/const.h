/* SPDX-License-Identifier: MIT */
/*
 * Constants usable from both C and assembly (Linux: include/uapi/linux/const.h _AC/_BITULL):
 * the include/x86/ headers are also included by the guest runtime's .S files, where
 * integer suffixes do not exist.
 */
#ifndef HVEMU_X86_CONST_H
#define HVEMU_X86_CONST_H

#ifdef __ASSEMBLER__
#define X86_U64(x) x
#define X86_BIT(n) (1 << (n))
#else
#define X86_U64(x) x##ull
#define X86_BIT(n) (1ull << (n))
#endif

#endif
