// SPDX-License-Identifier: MIT
#include "libguest.h"

int main(void)
{
	u8 g = inb(0x61);
	u8 v[8];
	u64 t0, t1;
	int i;

	printf("0x61 initially %#x\n", g);
	for (i = 0; i < 4; i++) { outb(0x43, 0x00); printf("ch0 %#x %#x; ", inb(0x40), inb(0x40)); }
	printf("\n");
	outb(0x61, (g & ~0x02) | 0x01);
	printf("0x61 after gate %#x\n", inb(0x61));
	outb(0x43, 0xb0);
	outb(0x42, 0x9c);
	outb(0x42, 0x2e);
	t0 = rdtsc();
	for (i = 0; i < 8; i++)
		v[i] = inb(0x61);
	for (i = 0; i < 8; i++)
		printf("%#x ", v[i]);
	for (i = 0; i < 1000000; i++)
		if (inb(0x61) & 0x20)
			break;
	t1 = rdtsc();
	printf("\npolls %d cycles %lu\n", i, (unsigned long)(t1 - t0));
	return 0;
}
