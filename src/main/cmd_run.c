// SPDX-License-Identifier: MIT
/* `hvemu run`: build the VM, run it, and turn how it ended into the exit status. */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/options.h"
#include "ctl/ctl.h"
#include "kvm/vm.h"
#include "main/commands.h"
#include "sandbox/sandbox.h"
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

/*
 * The signals a VMM that runs unattended must survive (docs/README "Signals"): SIGPIPE
 * (stdout or the log closed by a reader that went away: the write fails with EPIPE
 * instead), SIGUSR2 and SIGALRM (they mean nothing to hvemu; SIGUSR1 kicks vCPUs).
 * Dispositions are process-wide: set once, before any thread.
 */
static void ignore_stray_signals(void)
{
	static const int sigs[] = { SIGPIPE, SIGUSR2, SIGALRM };
	struct sigaction ign = { .sa_handler = SIG_IGN };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &ign, NULL);
}

/*
 * A file hvemu creates (--serial file:PATH, --api-socket PATH) must go into a directory
 * that exists: that is the user's path, checked before the host is touched, so that a
 * typo is a bad option (status 2), not a host error. 0, or -EINVAL with a message.
 */
static int check_output_path(const char *opt, const char *path, char *err, size_t errlen)
{
	char copy[4096];
	struct stat st;
	const char *dir;

	if (!path)
		return 0;
	if (!path[0]) {
		snprintf(err, errlen, "%s: the path is empty", opt);
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st)) {
		snprintf(err, errlen, "%s %s: directory %s: %s", opt, path, dir, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: %s is not a directory", opt, path, dir);
		return -EINVAL;
	}
	if (access(dir, W_OK | X_OK)) {
		snprintf(err, errlen, "%s %s: cannot create files in %s: %s", opt, path, dir,
			 strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/* What the control socket's failure says about the path the user gave. */
static int socket_status(int r)
{
	switch (r) {
	case -EADDRINUSE:
	case -EEXIST:
	case -ENAMETOOLONG:
	case -EINVAL:
	case -ENOENT:
	case -ENOTDIR:
	case -EACCES:
	case -EROFS:
	case -ELOOP:
		return VM_EXIT_USAGE;
	default:
		return VM_EXIT_HOST_ERROR;
	}
}

/*
 * A termination signal that arrived while the VM was being built (blocked: it waits in
 * the signalfd): stop before starting the guest. The VM does not run yet, so the status
 * is that of a stop by signal (0).
 */
static bool stop_signal_pending(int sigfd)
{
	struct pollfd p = { .fd = sigfd, .events = POLLIN };
	struct signalfd_siginfo si;

	if (poll(&p, 1, 0) != 1 || read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return false;
	pr_info("stopped by signal %s before the guest started", strsignal((int)si.ssi_signo));
	return true;
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
	ignore_stray_signals();
	if (fault_init_from_env())
		return VM_EXIT_USAGE;
	o.vm.name = "vm0";
	if (vm_config_check(&o.vm, err, sizeof(err))) {
		fprintf(stderr, "hvemu run: %s\nTry 'hvemu run --help'.\n", err);
		return VM_EXIT_USAGE;
	}
	if (check_output_path("--serial file:", o.vm.serial_path, err, sizeof(err)) ||
	    check_output_path("--api-socket", o.api_socket, err, sizeof(err))) {
		fprintf(stderr, "hvemu run: %s\n", err);
		return VM_EXIT_USAGE;
	}
	/* Before any thread: every thread inherits NO_NEW_PRIVS; each enters its filter. */
	if (sandbox_init(o.seccomp, err, sizeof(err))) {
		fprintf(stderr, "hvemu: %s (--seccomp off runs without it)\n", err);
		return VM_EXIT_HOST_ERROR;
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
	status = VM_EXIT_POWEROFF;
	if (stop_signal_pending(sigfd))
		goto out;
	r = vm_load_kernel(vm, o.kernel, o.initrd, o.cmdline, err, sizeof(err));
	if (r) {
		fprintf(stderr, "hvemu: %s\n", err);
		status = load_status(r);
		goto out;
	}
	if (stop_signal_pending(sigfd))
		goto out;
	if (o.api_socket) {
		r = ctl_server_start(o.api_socket, &vm_ctl_ops, vm, &ctl, err, sizeof(err));
		if (r) {
			fprintf(stderr, "hvemu: --api-socket %s: %s\n", o.api_socket, err);
			status = socket_status(r);
			goto out;
		}
		vm_attach_ctl(vm, ctl);
	}
	/* A failed start stops the VM (host error): vm_wait then returns at once. */
	(void)vm_start(vm);
	sandbox_enter(SANDBOX_MAIN);
	status = vm_wait(vm, sigfd);
out:
	if (vm)
		vm_attach_ctl(vm, NULL); /* no VM thread uses the server after this */
	ctl_server_stop(ctl);
	vm_destroy(vm);
	close(sigfd);
	return status;
}
