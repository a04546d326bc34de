/* SPDX-License-Identifier: MIT */
/*
 * x86 control-register and RFLAGS bits (Intel SDM Vol. 3A §2.3 "System Flags and Fields in
 * the EFLAGS Register", §2.5 "Control Registers"; names as Linux's
 * arch/x86/include/uapi/asm/processor-flags.h). Freestanding; usable from assembly.
 */
#ifndef HVEMU_X86_PROCESSOR_FLAGS_H
#define HVEMU_X86_PROCESSOR_FLAGS_H

#include "x86/const.h"

#define X86_EFLAGS_CF	 X86_BIT(0)
#define X86_EFLAGS_FIXED X86_BIT(1) /* reserved, always 1 */
#define X86_EFLAGS_ZF	 X86_BIT(6)
#define X86_EFLAGS_TF	 X86_BIT(8)
#define X86_EFLAGS_IF	 X86_BIT(9)
#define X86_EFLAGS_DF	 X86_BIT(10)
#define X86_EFLAGS_IOPL	 (X86_U64(3) << 12)
#define X86_EFLAGS_AC	 X86_BIT(18)

#define X86_CR0_PE X86_BIT(0)  /* protection enable */
#define X86_CR0_MP X86_BIT(1)  /* monitor coprocessor */
#define X86_CR0_EM X86_BIT(2)  /* x87 emulation */
#define X86_CR0_TS X86_BIT(3)  /* task switched */
#define X86_CR0_ET X86_BIT(4)  /* extension type (reads as 1) */
#define X86_CR0_NE X86_BIT(5)  /* native x87 error reporting */
#define X86_CR0_WP X86_BIT(16) /* supervisor writes honour read-only pages */
#define X86_CR0_AM X86_BIT(18) /* alignment mask */
#define X86_CR0_NW X86_BIT(29) /* not write-through */
#define X86_CR0_CD X86_BIT(30) /* cache disable */
#define X86_CR0_PG X86_BIT(31) /* paging */

#define X86_CR4_PSE	   X86_BIT(4)  /* 4 MiB pages in 32-bit paging */
#define X86_CR4_PAE	   X86_BIT(5)  /* physical address extension (needed for long mode) */
#define X86_CR4_PGE	   X86_BIT(7)  /* global pages */
#define X86_CR4_OSFXSR	   X86_BIT(9)  /* fxsave/fxrstor and SSE enabled */
#define X86_CR4_OSXMMEXCPT X86_BIT(10) /* unmasked SSE exceptions raise #XM */
#define X86_CR4_LA57	   X86_BIT(12) /* 5-level paging */

#endif
