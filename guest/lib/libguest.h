/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime's umbrella header: a test guest includes this and defines
 * `int main(void)`, which runs on the boot CPU after every present CPU is online; its
 * return value is passed to exit_status(). See guest/README.md.
 */
#ifndef GUEST_LIBGUEST_H
#define GUEST_LIBGUEST_H

#include "types.h"
#include "atomic.h"
#include "bitops.h"
#include "cmdline.h"
#include "console.h"
#include "cpumask.h"
#include "printf.h"
#include "report.h"
#include "spinlock.h"
#include "string.h"
#include "alloc.h"
#include "x86/acpi.h"
#include "x86/apic.h"
#include "x86/asm-defs.h"
#include "x86/desc.h"
#include "x86/fault.h"
#include "x86/idle.h"
#include "x86/multiboot.h"
#include "x86/percpu.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/tsc.h"
#include "x86/usermode.h"
#include "x86/vm.h"

#endif
