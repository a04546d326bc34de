// SPDX-License-Identifier: MIT
/*
 * What each thread class may call (the allow-lists of sandbox.c), derived from what the
 * code does and checked with strace -f over the e2e suites and with --seccomp log runs.
 *
 * Filters stack: a thread runs under its creator's filter until it enters its own, and
 * under both afterwards. So a class that creates threads allows the creation and the new
 * thread's start (clone3, set_robust_list, rseq, its stack, its affinity), and, because
 * the new thread keeps the creator's filter, everything the new class needs too:
 *   ctl  creates vCPU threads (cpu-add, resize-cpus)  -> ctl  allows the vCPU list
 *   vCPU creates vCPU threads (a guest's hot-add)     -> same list: not stacked again
 *   hostcpu creates cpuchkN threads                   -> hostcpu allows the cpuchk list
 * The main thread enters its filter last, once the VM runs; it creates no thread after.
 *
 * Sanitizer builds: the ASan/UBSan and TSan runtimes make calls of their own from every
 * thread (see sanitizer_calls below); LeakSanitizer's exit check stops the world with
 * clone and ptrace from the main thread.
 */
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>

#include "sandbox/sandbox.h"
#include "util/compiler.h"

/* Every thread: memory, futexes, signals, time, logging, leaving. */
static const int base_calls[] = {
	SYS_read,
	SYS_write,
	SYS_writev,
	SYS_close,
	SYS_futex,
	SYS_rt_sigreturn,
	SYS_rt_sigprocmask,
	SYS_restart_syscall,
	SYS_mmap,
	SYS_munmap,
	SYS_mprotect,
	SYS_madvise,
	SYS_brk,
	SYS_mremap,
	SYS_exit,
	SYS_clock_gettime,
	SYS_clock_nanosleep,
	SYS_nanosleep,
	SYS_sched_yield,
	SYS_gettid,
	SYS_getpid,
	SYS_tgkill,
	SYS_getcpu,
	SYS_newfstatat,
	SYS_fstat,
	SYS_lseek,
	SYS_getrandom,
};

/* Creating a thread, and the new thread's start in glibc before its start routine. */
static const int thread_create_calls[] = {
	SYS_clone3,
	SYS_clone,
	SYS_set_robust_list,
	SYS_rseq,
	SYS_sched_setaffinity,
	SYS_sched_getaffinity,
};

/*
 * A vCPU thread: the run loop, exits, kicks (tgkill), SCHED_BATCH, the flush engine's
 * scheduler probe, and a hot-add the guest asks for (KVM_CREATE_VCPU, kvm_run mmap, the
 * stats fd, the perf probe, the new thread).
 */
static const int vcpu_calls[] = {
	SYS_sched_setscheduler,
	SYS_sched_getscheduler,
	SYS_perf_event_open,
	SYS_pread64,
};

/* KVM requests a vCPU thread makes on its own vCPU, the VM, or a vCPU it hot-adds. */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN,
	KVM_GET_REGS,
	KVM_SET_REGS,
	KVM_GET_SREGS,
	KVM_SET_SREGS,
	KVM_GET_MSRS,
	KVM_SET_MSRS,
	KVM_GET_FPU,
	KVM_GET_LAPIC,
	KVM_SET_LAPIC,
	KVM_GET_VCPU_EVENTS,
	KVM_SET_VCPU_EVENTS,
	KVM_GET_MP_STATE,
	KVM_SET_MP_STATE,
	KVM_SET_CPUID2,
	KVM_SIGNAL_MSI,
	KVM_CREATE_VCPU,
	KVM_GET_STATS_FD,
	KVM_GET_TSC_KHZ,
	KVM_SET_TSC_KHZ,
	KVM_ENABLE_CAP,
	KVM_CHECK_EXTENSION,
	KVM_GET_VCPU_MMAP_SIZE,
	TCGETS, /* stdio's first write to stdout (the serial console) asks isatty */
};

/*
 * A class whose threads create threads of another class: the new thread, still under its
 * creator's filter, installs its own on top (adding a filter only ever restricts).
 */
static const int stack_calls[] = {
	SYS_seccomp,
};

/*
 * The control socket: epoll, accepting and talking to clients, the events eventfd; and
 * openat for the host CPU each vCPU thread last ran on (query-cpus reads
 * /proc/self/task/TID/stat). The vCPU threads it creates add their own filter, which has
 * no openat.
 */
static const int ctl_calls[] = {
	SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_accept4,  SYS_recvfrom,
	SYS_recvmsg,	SYS_sendmsg,	 SYS_sendto,	SYS_shutdown, SYS_openat,
};

/*
 * The host CPU monitor: uevents (netlink), the sysfs files it re-reads, re-placing vCPU
 * threads (sched_setaffinity on their TIDs), probing a TID (tgkill with signal 0).
 */
static const int hostcpu_calls[] = {
	SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_recvmsg,
	SYS_recvfrom,	SYS_openat,	 SYS_poll,	SYS_ppoll,
};

/*
 * The timer thread (--hv synic): it sleeps on a condition variable (futex, clock_gettime:
 * the common set), kicks vCPU threads (tgkill) and raises interrupts: KVM_SIGNAL_MSI on
 * the VM, nothing else. Its timer slack is set before it enters.
 */
static const unsigned long timers_ioctls[] = {
	KVM_SIGNAL_MSI,
};

/* A compatibility check: CPUID is an instruction; it only learns where it runs. */
static const int cpuchk_calls[] = {
	SYS_sched_getaffinity,
};

/*
 * The main thread once the VM runs: signals through the signalfd, the stop eventfd,
 * joining threads, stopping the control socket (its file is unlinked), destroying the VM
 * (closing fds, unmapping memory), flushing the serial file, the exit.
 */
static const int main_calls[] = {
	SYS_poll, SYS_ppoll,	  SYS_epoll_wait, SYS_epoll_pwait, SYS_unlink,	SYS_lstat,
	SYS_stat, SYS_exit_group, SYS_fsync,	  SYS_fdatasync,   SYS_pread64,
};

/* What the sanitizer runtimes call on their own, from any thread. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HVEMU_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HVEMU_SANITIZER 1
#endif
#endif

#ifdef HVEMU_SANITIZER
/*
 * ASan/UBSan: reports read /proc/self/maps and the binary (openat, readlink, pread64),
 * allocate shadow and quarantine memory (mmap variants, madvise), use an alternate signal
 * stack (sigaltstack), query limits (getrlimit, prlimit64), spawn the symbolizer when a
 * report is printed (pipe2, clone, execve, wait4, dup2), and LeakSanitizer's exit check
 * stops every thread (clone, ptrace, wait4, prctl, sched_yield). TSan: the same shadow and
 * reports, and its background thread's sleeps.
 */
static const int sanitizer_calls[] = {
	SYS_openat,
	SYS_readlink,
	SYS_readlinkat,
	SYS_pread64,
	SYS_sigaltstack,
	SYS_getrlimit,
	SYS_prlimit64,
	SYS_pipe2,
	SYS_pipe,
	SYS_execve,
	SYS_wait4,
	SYS_waitid,
	SYS_dup2,
	SYS_dup3,
	SYS_ptrace,
	SYS_prctl,
	SYS_rt_sigaction,
	SYS_getppid,
	SYS_sched_getaffinity,
	SYS_getdents64,
	SYS_getdents,
	SYS_open,
	SYS_kill,
	SYS_clone,
	SYS_clone3,
	SYS_exit_group,
	SYS_uname,
	SYS_setrlimit,
	SYS_fcntl,
	SYS_statx,
};
#endif

static size_t add(int *buf, size_t n, size_t cap, const int *calls, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = buf[j] == calls[i];
		if (!dup && n < cap)
			buf[n++] = calls[i];
	}
	return n;
}

#define ADD(list) (n = add(buf, n, cap, (list), ARRAY_SIZE(list)))

void sandbox_rules_get(enum sandbox_class cls, struct sandbox_rules *out, int *buf, size_t cap)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	ADD(base_calls);
	switch (cls) {
	case SANDBOX_MAIN:
		ADD(main_calls);
		out->ioctls = (struct sandbox_ioctl_set){ vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls) };
		break;
	case SANDBOX_CTL:
		/* it hot-adds vCPUs, whose threads keep its filter: the vCPU list too */
		ADD(ctl_calls);
		ADD(stack_calls);
		ADD(vcpu_calls);
		ADD(thread_create_calls);
		out->ioctls = (struct sandbox_ioctl_set){ vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls) };
		break;
	case SANDBOX_VCPU:
		ADD(vcpu_calls);
		ADD(thread_create_calls);
		out->ioctls = (struct sandbox_ioctl_set){ vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls) };
		break;
	case SANDBOX_HOSTCPU:
		ADD(hostcpu_calls);
		ADD(stack_calls);
		ADD(thread_create_calls);
		ADD(cpuchk_calls); /* its cpuchkN threads keep its filter */
		break;
	case SANDBOX_CPUCHK:
		ADD(cpuchk_calls);
		break;
	case SANDBOX_TIMERS:
		out->ioctls =
		    (struct sandbox_ioctl_set){ timers_ioctls, ARRAY_SIZE(timers_ioctls) };
		break;
	case SANDBOX_CLASS_NR:
		break;
	}
#ifdef HVEMU_SANITIZER
	ADD(sanitizer_calls);
#endif
	out->prctl_name = true;
	out->calls = buf;
	out->ncalls = n;
}
