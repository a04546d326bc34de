// SPDX-License-Identifier: MIT
/*
 * exit.elf: exits through the isa-debug-exit port with the code and access width given on
 * the command line: code=N (0-255, default 0), width=1|2|4 (default 1). hvemu then exits
 * with (N << 1) | 1. A bad option prints "exit: bad ..." and exits with code 1.
 */
#include "libguest.h"

int main(void)
{
	u64 code = 0, width = 1;

	if ((cmdline_has("code") && cmdline_get_u64("code", &code)) || code > 255) {
		printf("exit: bad code= option\n");
		return 1;
	}
	if ((cmdline_has("width") && cmdline_get_u64("width", &width)) ||
	    (width != 1 && width != 2 && width != 4)) {
		printf("exit: bad width= option (1, 2 or 4)\n");
		return 1;
	}
	printf("exit: writing %lu to port 0xf4 with a %lu-byte out\n", (unsigned long)code,
	       (unsigned long)width);
	if (width == 1)
		outb(0xf4, (u8)code);
	else if (width == 2)
		outw(0xf4, (u16)code);
	else
		outl(0xf4, (u32)code);
	printf("exit: still running after the write\n");
	return 1;
}
