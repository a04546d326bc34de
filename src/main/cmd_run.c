// SPDX-License-Identifier: MIT
/* `hvemu run`: build the VM, run it, and turn how it ended into the exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/options.h"
#include "ctl/ctl.h"
#include "kvm/vm.h"
#include "main/commands.h"
#include "util/fault.h"
#include "util/log.h"

void print_version(void)
{
	printf("hvemu %d.%d.%d\n", HVEMU_VERSION_MAJOR, HVEMU_VERSION_MINOR, HVEMU_VERSION_MICRO);
}

/* Each vCPU needs a KVM fd, a stats fd and a perf fd: 1024 vCPUs need more than 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Which exit status a failure gets is decided here, by which step failed
 * (docs/architecture.md §1 "How a failure travels"): the configuration check and the
 * image judge what the user gave; building the VM is the host's business.
 */
static int load_status(int r)
{
	switch (r) {
	case -EINVAL:
	case -ENOEXEC:
	case -ENOSPC:
	case -ENOENT:
	case -EACCES:
	case -EISDIR:
	case -EFBIG:
		return VM_EXIT_USAGE;
	default:
		return VM_EXIT_HOST_ERROR;
	}
}

int cmd_run(int argc, char **argv)
{
	struct ctl_server *ctl = NULL;
	struct run_options o;
	struct vm *vm = NULL;
	char err[512] = "";
	sigset_t sigs;
	int r, status, sigfd;

	r = run_options_parse(argc, argv, &o, err, sizeof(err));
	if (r) {
		fprintf(stderr, "hvemu run: %s\nTry 'hvemu run --help'.\n", err);
		return VM_EXIT_USAGE;
	}
	if (o.help) {
		fputs(run_usage, stdout);
		return 0;
	}
	if (o.cpu_help) {
		cpu_model_help(stdout);
		return 0;
	}
	if (o.version) {
		print_version();
		return 0;
	}
	log_init();
	log_set_level(o.log_level);
	if (fault_init_from_env())
		return VM_EXIT_USAGE;
	o.vm.name = "vm0";
	if (vm_config_check(&o.vm, err, sizeof(err))) {
		fprintf(stderr, "hvemu run: %s\nTry 'hvemu run --help'.\n", err);
		return VM_EXIT_USAGE;
	}
	raise_fd_limit();
	/* Blocked before any thread exists, so every thread inherits it: only signalfd sees them.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sigfd < 0) {
		fprintf(stderr, "hvemu: setting up signals: %s\n", strerror(errno));
		return VM_EXIT_HOST_ERROR;
	}
	r = vm_create(&o.vm, &vm, err, sizeof(err));
	if (r) {
		/* The configuration passed its check: whatever failed now is the host's. */
		fprintf(stderr, "hvemu: %s\n", err);
		status = VM_EXIT_HOST_ERROR;
		goto out;
	}
	r = vm_load_kernel(vm, o.kernel, o.initrd, o.cmdline, err, sizeof(err));
	if (r) {
		fprintf(stderr, "hvemu: %s\n", err);
		status = load_status(r);
		goto out;
	}
	if (o.api_socket) {
		r = ctl_server_start(o.api_socket, &vm_ctl_ops, vm, &ctl);
		if (r) {
			fprintf(stderr, "hvemu: --api-socket %s: %s\n", o.api_socket,
				r == -EADDRINUSE ? "another hvemu is listening there"
						 : strerror(-r));
			status = r == -EADDRINUSE || r == -EEXIST || r == -ENAMETOOLONG
				     ? VM_EXIT_USAGE
				     : VM_EXIT_HOST_ERROR;
			goto out;
		}
		vm_attach_ctl(vm, ctl);
	}
	/* A failed start stops the VM (host error): vm_wait then returns at once. */
	(void)vm_start(vm);
	status = vm_wait(vm, sigfd);
out:
	if (vm)
		vm_attach_ctl(vm, NULL); /* no VM thread uses the server after this */
	ctl_server_stop(ctl);
	vm_destroy(vm);
	close(sigfd);
	return status;
}
