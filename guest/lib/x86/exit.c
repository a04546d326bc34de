// SPDX-License-Identifier: MIT
#include "report.h"
#include "x86/processor.h"

#define ISA_DEBUG_EXIT_PORT 0xf4
#define ACPI_SLEEP_CTL_PORT 0x600
/* SLP_EN (bit 5) | SLP_TYP 5 (S5) << 2: the hardware-reduced ACPI sleep control value. */
#define ACPI_SLEEP_S5 ((5 << 2) | (1 << 5))

__noreturn void exit_status(u8 code)
{
	outb(ISA_DEBUG_EXIT_PORT, code);
	/* Only reached when the VMM has no isa-debug-exit device. */
	halt_forever();
}

__noreturn void poweroff(void)
{
	outb(ACPI_SLEEP_CTL_PORT, ACPI_SLEEP_S5);
	exit_status(0);
}
