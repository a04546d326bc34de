/* SPDX-License-Identifier: MIT */
/* /dev/kvm: opening it with errors a user can act on, capabilities, supported CPUID. */
#ifndef HVEMU_KVM_KVM_SYS_H
#define HVEMU_KVM_KVM_SYS_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_sys {
	int fd;
	int vcpu_mmap_size;
	int max_vcpus;		  /* KVM_CAP_MAX_VCPUS */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
};

/*
 * Opens path (normally /dev/kvm) and checks every capability hvemu relies on. On failure
 * returns -errno and writes a message that says what to do into err.
 */
int kvm_sys_open(struct kvm_sys *sys, const char *path, char *err, size_t errlen);
void kvm_sys_close(struct kvm_sys *sys);
int kvm_sys_check_cap(const struct kvm_sys *sys, long cap);
/* An ioctl that retries on EINTR; returns the result or -errno. */
int kvm_ioctl(int fd, unsigned long req, void *arg);
/* One MSR of a vCPU through KVM_SET_MSRS / KVM_GET_MSRS. 0 or -errno (-EINVAL: refused). */
int kvm_vcpu_set_msr(int vcpu_fd, uint32_t index, uint64_t value);
int kvm_vcpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *value);
/* A copy of the supported CPUID with room for extra leaves; free() it. */
struct kvm_cpuid2 *kvm_cpuid_dup(const struct kvm_cpuid2 *src, unsigned extra);

#endif
