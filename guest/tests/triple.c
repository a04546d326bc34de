// SPDX-License-Identifier: MIT
/*
 * triple.elf: triple-faults on purpose. It loads an IDT with limit 0 and executes ud2:
 * the #UD cannot be delivered (#GP), neither can the #GP (#DF) nor the #DF (shutdown).
 * hvemu exits with status 4 and names the vCPU and RIP.
 */
#include "libguest.h"

int main(void)
{
	printf("triple: loading an empty IDT and executing ud2\n");
	irq_disable();
	load_idt_limit(0);
	asm volatile("ud2");
	printf("triple: still running\n");
	return 1;
}
