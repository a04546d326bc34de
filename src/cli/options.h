/* SPDX-License-Identifier: MIT */
/* Parsing the `hvemu run` command line into a VM configuration (pure, unit-tested). */
#ifndef HVEMU_CLI_OPTIONS_H
#define HVEMU_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm/vm.h"
#include "sandbox/sandbox.h"
#include "util/log.h"

#define RUN_DEFAULT_MEMORY (128ull << 20)

struct run_options {
	struct vm_config vm;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *api_socket;
	enum sandbox_mode seccomp; /* --seccomp, default on */
	enum log_level log_level;
	bool help;
	bool cpu_help; /* --cpu help */
	bool version;
};

/*
 * Parses the arguments after "run". Returns 0, or -EINVAL with a message naming the
 * option and the problem in err. Pointers in *o refer into argv.
 */
int run_options_parse(int argc, char **argv, struct run_options *o, char *err, size_t errlen);

/* "128M", "1G", "512K", "1048576B"; a plain number is MiB (as QEMU and kvmtool). */
int parse_size(const char *s, uint64_t *bytes);
/* "N", "boot=N", "boot=N,max=M" (max defaults to boot). */
int parse_cpus(const char *s, unsigned *boot, unsigned *max, char *err, size_t errlen);
/* "stdio", "none", "file:PATH". */
int parse_serial(const char *s, enum uart_sink *sink, const char **path);
int parse_flush_method(const char *s, enum vm_flush_method *m);
int parse_vcpu_sched(const char *s, enum vm_vcpu_sched *p);
/* "hyperv-testdev": adds VM_DEV_HYPERV_TESTDEV to *devices. */
int parse_device(const char *s, uint32_t *devices);

extern const char run_usage[];

#endif
