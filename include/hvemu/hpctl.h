/* SPDX-License-Identifier: MIT */
/*
 * The CPU hotplug controller's register block (docs/architecture.md §7.3), shared by the
 * VMM (src/dev/hpctl.c) and the guest runtime (guest/lib/x86/cpuhp_ctl.c).
 *
 *   0x520 SELECT  R/W  slot the other registers refer to (per vCPU)
 *   0x524 STATUS  R    HPCTL_ST_PRESENT, HPCTL_ST_INSERT / _REMOVE (event pending)
 *                 W    HPCTL_ST_INSERT / _REMOVE acknowledge the event; HPCTL_ST_EJECT:
 *                      the guest has taken the CPU offline, hvemu completes the removal
 *   0x528 APICID  R    APIC ID of the selected slot (all ones: no such slot)
 *   0x52C NOTIFY  R/W  HPCTL_NOTIFY(apic_id, vector) of the fixed MSI hvemu sends when an
 *                      event is raised; 0 = no interrupt
 *   0x530 PENDING R    the lowest slot with an event pending, or HPCTL_NO_PENDING
 */
#ifndef HVEMU_HVEMU_HPCTL_H
#define HVEMU_HVEMU_HPCTL_H

#define HPCTL_PORT_BASE	   0x520
#define HPCTL_PORT_SELECT  (HPCTL_PORT_BASE + 0x00)
#define HPCTL_PORT_STATUS  (HPCTL_PORT_BASE + 0x04)
#define HPCTL_PORT_APICID  (HPCTL_PORT_BASE + 0x08)
#define HPCTL_PORT_NOTIFY  (HPCTL_PORT_BASE + 0x0c)
#define HPCTL_PORT_PENDING (HPCTL_PORT_BASE + 0x10)
#define HPCTL_PORT_LEN	   0x14

#define HPCTL_ST_PRESENT (1u << 0)
#define HPCTL_ST_INSERT	 (1u << 1)
#define HPCTL_ST_REMOVE	 (1u << 2)
#define HPCTL_ST_EJECT	 (1u << 3)

#define HPCTL_NOTIFY(apic_id, vector) (((apic_id) << 8) | (vector))
#define HPCTL_NOTIFY_APIC_ID(v)	      ((v) >> 8)
#define HPCTL_NOTIFY_VECTOR(v)	      ((v)&0xffu)

#define HPCTL_NO_PENDING 0xffffffffu

#endif
