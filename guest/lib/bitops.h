/* SPDX-License-Identifier: MIT */
/* Bit helpers that avoid popcnt (missing in this KVM's emulator) and libgcc. */
#ifndef GUEST_BITOPS_H
#define GUEST_BITOPS_H

#include "types.h"

static inline unsigned int hweight64(u64 w)
{
	w = w - ((w >> 1) & 0x5555555555555555ull);
	w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned int)((w * 0x0101010101010101ull) >> 56);
}

/* Index of the lowest set bit; w must not be 0. */
static inline unsigned int ffs64(u64 w)
{
	u64 r;

	asm("bsf %1, %0" : "=r"(r) : "rm"(w));
	return (unsigned int)r;
}

#endif
