// SPDX-License-Identifier: MIT
#include "hvemu/sysctl.h"
#include "report.h"
#include "x86/processor.h"

__noreturn void exit_status(u8 code)
{
	outb(SYSCTL_DEBUG_EXIT_PORT, code);
	/* Only reached when the VMM has no isa-debug-exit device. */
	halt_forever();
}

__noreturn void poweroff(void)
{
	outb(SYSCTL_SLEEP_PORT, SYSCTL_SLEEP_S5);
	exit_status(0);
}
