/* SPDX-License-Identifier: MIT */
/*
 * hvemu's own fw_cfg file "etc/hvemu/boot-flags" (docs/architecture.md §2.2, §2.3): a
 * little-endian u32 of facts about the machine at the guest's first instruction that
 * no standard interface states. Shared by the VMM (src/kvm/devices.c) and the guest
 * runtime (guest/lib/x86/smp.c); a guest that does not find the file assumes none.
 *
 * Freestanding (<stdint.h> only).
 */
#ifndef HVEMU_HVEMU_BOOT_FLAGS_H
#define HVEMU_HVEMU_BOOT_FLAGS_H

#include <stdint.h>

#define HVEMU_FW_CFG_BOOT_FLAGS "etc/hvemu/boot-flags"

/*
 * Every application processor that has not run yet waits for a startup IPI, as one does
 * after power-on or RESET (Intel SDM Vol. 3A, "MP Initialization"): a SIPI alone
 * starts it, no INIT is needed first. (KVM creates such vCPUs UNINITIALIZED, which takes
 * an INIT; hvemu puts them in KVM_MP_STATE_INIT_RECEIVED, the wait-for-SIPI state.) A
 * CPU that has run since needs INIT-SIPI as ever.
 */
#define HVEMU_BOOT_AP_WAIT_FOR_SIPI (1u << 0)

#endif
