/* SPDX-License-Identifier: MIT */
/*
 * The ports through which a guest ends or resets the machine (docs/architecture.md §2.2),
 * shared by the VMM's device (src/dev/sysctl.c), the firmware tables that describe it
 * (src/boot: FADT, DSDT _S5, the reset-vector stub) and the guest runtime
 * (guest/lib/x86/exit.c).
 *
 *   0xF4   isa-debug-exit (as QEMU's): writing v, any width, ends the VM with status
 *          (v << 1) | 1
 *   0x600  ACPI hardware-reduced sleep control register (ACPI 6.3 §4.8.3.7):
 *          SLP_EN | SLP_TYP 5 (S5) powers off, status 0
 *   0x604  ACPI PM1 control (16 bits, ACPI 6.3 §4.8.3.2.1): the same request in the
 *          PM1_CNT bit positions, for loaders that ignore the hardware-reduced registers
 *   0xCF9  reset control: SYSCTL_RESET_VALUE (or 0x0E) requests a reset
 *   0x64   keyboard controller: command 0xFE pulses the reset line
 */
#ifndef HVEMU_HVEMU_SYSCTL_H
#define HVEMU_HVEMU_SYSCTL_H

#define SYSCTL_DEBUG_EXIT_PORT 0xf4
#define SYSCTL_SLEEP_PORT      0x600
#define SYSCTL_PM1A_CNT_PORT   0x604
#define SYSCTL_RESET_PORT      0xcf9
#define SYSCTL_KBC_PORT	       0x64

/* Sleep control register: SLP_TYP bits 4:2, SLP_EN bit 5. */
#define SYSCTL_SLP_EN	     0x20
#define SYSCTL_SLP_TYP_SHIFT 2
#define SYSCTL_SLP_TYP_S5    5 /* the DSDT's _S5 package names this value */
#define SYSCTL_SLEEP_S5	     ((SYSCTL_SLP_TYP_S5 << SYSCTL_SLP_TYP_SHIFT) | SYSCTL_SLP_EN)

/* PM1 control: SCI_EN bit 0, SLP_TYP bits 12:10, SLP_EN bit 13. */
#define SYSCTL_PM1_SCI_EN	 0x1
#define SYSCTL_PM1_SLP_EN	 0x2000
#define SYSCTL_PM1_SLP_TYP_SHIFT 10

#define SYSCTL_RESET_VALUE	0x06 /* the FADT's RESET_VALUE: a hard reset */
#define SYSCTL_RESET_VALUE_FULL 0x0e /* full reset, also accepted */
#define SYSCTL_KBC_RESET	0xfe

#endif
