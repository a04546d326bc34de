// SPDX-License-Identifier: MIT
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/layout.h"

const char run_usage[] =
    "Usage: hvemu run --kernel FILE [options]\n"
    "\n"
    "Boots a guest kernel on KVM, its format detected from the file: a Linux bzImage (the\n"
    "x86 boot protocol's 64-bit entry), an ELF kernel with a PVH entry note (a Linux\n"
    "vmlinux; 32-bit entry), an ELF64 kernel (64-bit long mode) or a Multiboot (v1)\n"
    "kernel (32-bit protected mode) (docs/architecture.md).\n"
    "\n"
    "  --kernel FILE          the kernel image (required)\n"
    "  --initrd FILE          the initrd (Linux), or Multiboot / PVH module 0\n"
    "  --cmdline STR          kernel command line (Multiboot: after the kernel's path)\n"
    "  --cpu host[,+F|-F|safe...]   CPU model: the host's CPUID with features F added or\n"
    "                         hidden by their /proc/cpuinfo names; `safe` hides what KVM's\n"
    "                         emulator lacks on hosts without vmx/svm (--cpu help)\n"
    "  --cpus boot=N[,max=M]  vCPUs at boot and vCPU slots for hot-add (default 1; max\n"
    "                         defaults to boot; at most 1024)\n"
    "  --memory SIZE          guest RAM, with suffix K, M or G (default 128M; a plain\n"
    "                         number is MiB)\n"
    "  --serial stdio|file:PATH|none   where COM1 output goes (default stdio)\n"
    "  --hv LIST              Hyper-V enlightenments: vpindex, runtime, time, frequencies,\n"
    "                         vapic, tlbflush, ipi, reset, crash, spinlocks=N, xmm-input,\n"
    "                         synic, stimer, stimer-direct, tsc-invariant, or all\n"
    "                         (default: none, no Hyper-V CPUID leaf)\n"
    "  --device NAME          an optional device: hyperv-testdev (QEMU's Hyper-V test\n"
    "                         device at port 0x3000; needs --hv synic)\n"
    "  --api-socket PATH      control socket (JSON lines, see docs/control-socket.md)\n"
    "  --host-cpus LIST       host CPUs vCPU threads may use, e.g. 0-3,6\n"
    "  --flush-method auto|steal|sregs   how remote TLB flushes reach vCPUs (default auto)\n"
    "  --vcpu-sched batch|normal   scheduling policy of vCPU threads (default batch: a\n"
    "                         woken vCPU does not preempt the one that woke it)\n"
    "  --internal-error exit|pause   a KVM internal error (e.g. an instruction KVM cannot\n"
    "                         emulate) ends hvemu with status 6 (exit, the default), or\n"
    "                         stops that vCPU and keeps the VM up until quit (pause)\n"
    "  --exit-timing          time every exit (KVM_RUN return to the next call) per kind:\n"
    "                         histograms in query-stats, a summary when the VM ends\n"
    "  --seccomp on|log|off   system-call filters per thread (default on: a forbidden call\n"
    "                         stops hvemu with SIGSYS; log: allowed, logged by the kernel)\n"
    "  --log-level error|warn|info|debug (default info);  -v: debug\n"
    "  -h, --help             this text;  --version: hvemu's version\n"
    "\n"
    "Exit status: 0 guest powered off or stopped; (v << 1) | 1 the guest wrote v to port\n"
    "0xf4; 2 bad command line or kernel image; 4 guest triple fault; 6 KVM internal error\n"
    "or unhandled exit; 8 guest crash report; 10 guest reset request; 12 host error (no\n"
    "/dev/kvm, missing KVM capability, out of memory, stuck vCPU). SIGINT, SIGTERM and\n"
    "SIGHUP stop the VM (status 0); SIGPIPE, SIGUSR2 and SIGALRM are ignored.\n"
    "Environment: HVEMU_FAULT=point[@N][*],... injects failures (tests).\n";

int parse_device(const char *s, uint32_t *devices)
{
	if (!s || strcmp(s, "hyperv-testdev") != 0)
		return -EINVAL;
	*devices |= VM_DEV_HYPERV_TESTDEV;
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v, mul = 1ull << 20;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'B':
	case 'b':
		mul = 1;
		end++;
		break;
	case 'K':
	case 'k':
		mul = 1ull << 10;
		end++;
		break;
	case 'M':
	case 'm':
		end++;
		break;
	case 'G':
	case 'g':
		mul = 1ull << 30;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0' || v == 0 || v > ULLONG_MAX / mul)
		return -EINVAL;
	*bytes = v * mul;
	return 0;
}

static int parse_uint(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 9)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = (unsigned)v;
	return 0;
}

int parse_cpus(const char *s, unsigned *boot, unsigned *max, char *err, size_t errlen)
{
	bool have_boot = false, have_max = false;
	const char *p = s;

	if (!s || !*s)
		goto bad;
	if (parse_uint(s, strlen(s), boot) == 0) { /* plain "N" */
		*max = *boot;
		goto check;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		unsigned *dst;

		if (!eq)
			goto bad;
		if ((size_t)(eq - p) == 4 && strncmp(p, "boot", 4) == 0 && !have_boot) {
			dst = boot;
			have_boot = true;
		} else if ((size_t)(eq - p) == 3 && strncmp(p, "max", 3) == 0 && !have_max) {
			dst = max;
			have_max = true;
		} else {
			snprintf(err, errlen, "--cpus '%s': unknown or repeated key '%.*s'", s,
				 (int)(eq - p), p);
			return -EINVAL;
		}
		if (parse_uint(eq + 1, len - (size_t)(eq + 1 - p), dst))
			goto bad;
		p += len;
		if (*p == ',' && *++p == '\0')
			goto bad;
	}
	if (!have_boot)
		*boot = 1;
	if (!have_max)
		*max = *boot;
check:
	if (*boot == 0 || *boot > *max || *max > BOOT_MAX_SLOTS) {
		snprintf(err, errlen, "--cpus '%s': need 1 <= boot <= max <= %u", s,
			 BOOT_MAX_SLOTS);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "--cpus '%s': expected N or boot=N[,max=M]", s ? s : "");
	return -EINVAL;
}

int parse_serial(const char *s, enum uart_sink *sink, const char **path)
{
	*path = NULL;
	if (strcmp(s, "stdio") == 0)
		*sink = UART_SINK_STDIO;
	else if (strcmp(s, "none") == 0)
		*sink = UART_SINK_NONE;
	else if (strncmp(s, "file:", 5) == 0 && s[5] != '\0') {
		*sink = UART_SINK_FILE;
		*path = s + 5;
	} else
		return -EINVAL;
	return 0;
}

int parse_vcpu_sched(const char *s, enum vm_vcpu_sched *p)
{
	if (strcmp(s, "batch") == 0)
		*p = VM_SCHED_BATCH;
	else if (strcmp(s, "normal") == 0)
		*p = VM_SCHED_NORMAL;
	else
		return -EINVAL;
	return 0;
}

int parse_flush_method(const char *s, enum vm_flush_method *m)
{
	/* "auto" chooses sregs, the method that works on every KVM measured. */
	if (strcmp(s, "auto") == 0 || strcmp(s, "sregs") == 0)
		*m = VM_FLUSH_SREGS;
	else if (strcmp(s, "steal") == 0)
		*m = VM_FLUSH_STEAL;
	else
		return -EINVAL;
	return 0;
}

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_CPU,
	OPT_CPUS,
	OPT_MEMORY,
	OPT_SERIAL,
	OPT_HV,
	OPT_API_SOCKET,
	OPT_SECCOMP,
	OPT_HOST_CPUS,
	OPT_FLUSH_METHOD,
	OPT_VCPU_SCHED,
	OPT_INTERNAL_ERROR,
	OPT_EXIT_TIMING,
	OPT_DEVICE,
	OPT_LOG_LEVEL,
	OPT_VERSION,
};

static const struct option run_longopts[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "hv", required_argument, NULL, OPT_HV },
	{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "host-cpus", required_argument, NULL, OPT_HOST_CPUS },
	{ "flush-method", required_argument, NULL, OPT_FLUSH_METHOD },
	{ "vcpu-sched", required_argument, NULL, OPT_VCPU_SCHED },
	{ "internal-error", required_argument, NULL, OPT_INTERNAL_ERROR },
	{ "exit-timing", no_argument, NULL, OPT_EXIT_TIMING },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

int run_options_parse(int argc, char **argv, struct run_options *o, char *err, size_t errlen)
{
	char hverr[256];
	int c;

	memset(o, 0, sizeof(*o));
	o->vm.mem_size = RUN_DEFAULT_MEMORY;
	o->vm.boot_vcpus = 1;
	o->vm.max_vcpus = 1;
	o->vm.serial = UART_SINK_STDIO;
	o->seccomp = SANDBOX_ON;
	o->vm.flush_method = VM_FLUSH_SREGS;
	o->vm.vcpu_sched = VM_SCHED_BATCH;
	o->log_level = LOG_INFO;
	optind = 0; /* reset getopt: the parser may run more than once (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", run_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_INITRD:
			o->initrd = optarg;
			break;
		case OPT_CMDLINE:
			o->cmdline = optarg;
			break;
		case OPT_CPU:
			if (strcmp(optarg, "help") == 0) {
				o->cpu_help = true;
				return 0;
			}
			if (cpu_model_parse(optarg, &o->vm.cpu, err, errlen))
				return -EINVAL;
			break;
		case OPT_CPUS:
			if (parse_cpus(optarg, &o->vm.boot_vcpus, &o->vm.max_vcpus, err, errlen))
				return -EINVAL;
			break;
		case OPT_MEMORY:
			if (parse_size(optarg, &o->vm.mem_size)) {
				snprintf(err, errlen,
					 "--memory '%s': expected a size such as 128M, 512K or 2G",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_SERIAL:
			if (parse_serial(optarg, &o->vm.serial, &o->vm.serial_path)) {
				snprintf(err, errlen,
					 "--serial '%s': expected stdio, none or file:PATH",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_HV:
			if (hv_features_parse(optarg, &o->vm.hv, hverr, sizeof(hverr))) {
				snprintf(err, errlen, "--hv '%s': %s", optarg, hverr);
				return -EINVAL;
			}
			break;
		case OPT_API_SOCKET:
			o->api_socket = optarg;
			break;
		case OPT_SECCOMP:
			if (sandbox_parse_mode(optarg, &o->seccomp)) {
				snprintf(err, errlen, "--seccomp '%s': expected on, log or off",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_HOST_CPUS:
			o->vm.host_cpus = optarg;
			break;
		case OPT_FLUSH_METHOD:
			if (parse_flush_method(optarg, &o->vm.flush_method)) {
				snprintf(err, errlen,
					 "--flush-method '%s': expected auto, steal or sregs",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_VCPU_SCHED:
			if (parse_vcpu_sched(optarg, &o->vm.vcpu_sched)) {
				snprintf(err, errlen, "--vcpu-sched '%s': expected batch or normal",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_INTERNAL_ERROR:
			if (strcmp(optarg, "exit") == 0) {
				o->vm.internal_error = VM_INTERNAL_ERROR_EXIT;
			} else if (strcmp(optarg, "pause") == 0) {
				o->vm.internal_error = VM_INTERNAL_ERROR_PAUSE;
			} else {
				snprintf(err, errlen,
					 "--internal-error '%s': expected exit or pause", optarg);
				return -EINVAL;
			}
			break;
		case OPT_EXIT_TIMING:
			o->vm.exit_timing = true;
			break;
		case OPT_DEVICE:
			if (parse_device(optarg, &o->vm.devices)) {
				snprintf(err, errlen,
					 "--device '%s': unknown device (hyperv-testdev)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(optarg, &o->log_level)) {
				snprintf(err, errlen,
					 "--log-level '%s': expected error, warn, info or debug",
					 optarg);
				return -EINVAL;
			}
			break;
		case 'v':
			o->log_level = LOG_DEBUG;
			break;
		case 'h':
			o->help = true;
			return 0;
		case OPT_VERSION:
			o->version = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->kernel) {
		snprintf(err, errlen, "--kernel FILE is required");
		return -EINVAL;
	}
	/* QEMU's hyperv-testdev needs the SynIC (its routes are SynIC routes). */
	if ((o->vm.devices & VM_DEV_HYPERV_TESTDEV) && !hv_has(&o->vm.hv, HV_FEAT_SYNIC)) {
		snprintf(err, errlen, "--device hyperv-testdev needs --hv synic");
		return -EINVAL;
	}
	return 0;
}
