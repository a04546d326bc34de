/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for failure-path tests (vCPU bring-up steps, VM creation steps,
 * host CPU checks). Each fallible step calls fault_hit("point.name") and fails with
 * the returned -errno when it is non-zero.
 *
 * Points are armed with a spec, from the environment variable HVEMU_FAULT (read by
 * fault_init_from_env) or through fault_arm():
 *   HVEMU_FAULT="vcpu.thread,vm.irqchip@2,hostcpu.check=1*"
 *   name          fail the next hit of that point, once
 *   name@N        fail the N-th hit (1-based) from now, once
 *   name*         fail every hit
 *   name=CPU...   for per-CPU points the text after '=' is matched against the
 *                 context string given to fault_hit_ctx (e.g. a host CPU number)
 * Every injected failure is logged and counted (fault_injected_total()).
 */
#ifndef HVEMU_UTIL_FAULT_H
#define HVEMU_UTIL_FAULT_H

#include <stdbool.h>
#include <stdint.h>

int fault_arm(const char *spec);
int fault_init_from_env(void);
void fault_disarm_all(void);
/* Returns 0, or -EIO (logged) when the point is armed to fail now. */
int fault_hit(const char *point);
int fault_hit_ctx(const char *point, const char *ctx);
uint64_t fault_injected_total(void);

#endif
