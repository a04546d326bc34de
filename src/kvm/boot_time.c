// SPDX-License-Identifier: MIT
/*
 * The boot timeline: where the time from `hvemu run` to a running VM goes (vm_create's
 * phases, each bring-up step summed over the boot vCPUs, the kernel load, vm_start), logged
 * in one line once the boot vCPUs are online. `make bench` prints it next to the guest's own
 * timeline (boot_to_main_ms).
 */
#include <stdarg.h>
#include <stdio.h>

#include "kvm/vm_internal.h"
#include "util/compiler.h"
#include "util/log.h"

static const char *const phase_names[VM_BOOT_PHASES] = {
	[VM_BOOT_KVM] = "kvm",	       [VM_BOOT_HOST] = "host-cpus", [VM_BOOT_MEMORY] = "memory",
	[VM_BOOT_DEVICES] = "devices", [VM_BOOT_TABLES] = "tables",  [VM_BOOT_VCPUS] = "vcpus",
	[VM_BOOT_LOAD] = "load",       [VM_BOOT_START] = "start",
};

void vm_boot_phase_end(struct vm *vm, enum vm_boot_phase phase, uint64_t *t)
{
	uint64_t now = now_ns();

	vm->boot_ns[phase] += now - *t;
	*t = now;
}

/* snprintf at line + *n, never past the end */
static void append(char *line, size_t size, size_t *n, const char *fmt, ...) __printf(4, 5);
static void append(char *line, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= size)
		return;
	va_start(ap, fmt);
	r = vsnprintf(line + *n, size - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r;
}

void vm_boot_report(struct vm *vm)
{
	char line[768];
	size_t n = 0;

	append(line, sizeof(line), &n, "boot timing (ms): %u vCPUs;", vm->cfg.boot_vcpus);
	for (unsigned p = 0; p < VM_BOOT_PHASES; p++)
		append(line, sizeof(line), &n, " %s %.1f", phase_names[p],
		       (double)vm->boot_ns[p] / 1e6);
	if (vm->boot_precreate_threads)
		append(line, sizeof(line), &n, "; of vcpus: created on %u threads %.1f",
		       vm->boot_precreate_threads, (double)vm->boot_precreate_ns / 1e6);
	append(line, sizeof(line), &n, "; steps:");
	for (unsigned s = 1; s < VCPU_STEP_POSITIONS; s++) {
		const struct vcpu_step_clock *c = &vm->step_clock[s];

		if (c->name && c->calls)
			append(line, sizeof(line), &n, " %s %.1f", c->name, (double)c->ns / 1e6);
	}
	pr_info("%s", line);
}
