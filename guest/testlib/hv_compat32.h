/* SPDX-License-Identifier: MIT */
/* Test support: a hypercall in the x86 (32-bit) calling convention. */
#ifndef GUEST_TESTLIB_HV_COMPAT32_H
#define GUEST_TESTLIB_HV_COMPAT32_H

#include "types.h"

/*
 * The x86 (32-bit) convention (TLFS "Hypercall Register Conventions"): control in
 * EDX:EAX, input GPA in EBX:ECX, output GPA in EDI:ESI, result in EDX:EAX. The call is
 * made from compatibility mode at CPL0 (EFER.LMA = 1, CS.L = 0), which a hypervisor must
 * treat as a 32-bit caller; the runtime has no legacy protected mode to return to. Uses a
 * private GDT with interrupts disabled for the duration. Not fault-safe: call it only
 * with the page enabled and a feature the call needs. Returns the result value.
 */
u64 hv_call32(u64 control, u64 in_gpa, u64 out_gpa);

#endif
