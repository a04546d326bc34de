// SPDX-License-Identifier: MIT
#include "kvm/kvm_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/compiler.h"
#include "util/fd.h"

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int kvm_sys_check_cap(const struct kvm_sys *sys, long cap)
{
	int r = ioctl(sys->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static const struct {
	long cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_X2APIC_API, "KVM_CAP_X2APIC_API" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
	{ KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR" },
	{ KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
};

static int open_error(const char *path, int e, char *err, size_t errlen)
{
	switch (e) {
	case ENOENT:
		snprintf(
		    err, errlen,
		    "%s does not exist: is KVM enabled in the kernel (CONFIG_KVM) and its module "
		    "loaded (modprobe kvm_intel or kvm_amd)?",
		    path);
		break;
	case EACCES:
	case EPERM:
		snprintf(
		    err, errlen,
		    "permission denied on %s: add your user to the group that owns it (usually "
		    "'kvm': usermod -aG kvm $USER, then log in again) or run as root",
		    path);
		break;
	case ENODEV:
	case ENXIO:
		snprintf(
		    err, errlen,
		    "%s: the KVM driver is not available (no hardware virtualization, or it is "
		    "disabled in the firmware); 'dmesg' may say more",
		    path);
		break;
	default:
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		break;
	}
	return -e;
}

int kvm_sys_open(struct kvm_sys *sys, const char *path, char *err, size_t errlen)
{
	int r, nent = 256;

	memset(sys, 0, sizeof(*sys));
	sys->fd = open(path, O_RDWR | O_CLOEXEC);
	if (sys->fd < 0)
		return open_error(path, errno, err, errlen);
	r = ioctl(sys->fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		snprintf(err, errlen, "%s: KVM API version %d, hvemu needs %d", path, r,
			 KVM_API_VERSION);
		r = -ENOTSUP;
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (!kvm_sys_check_cap(sys, required_caps[i].cap)) {
			snprintf(err, errlen, "%s lacks %s, which hvemu needs", path,
				 required_caps[i].name);
			r = -ENOTSUP;
			goto fail;
		}
	}
	if ((kvm_sys_check_cap(sys, KVM_CAP_SYNC_REGS) &
	     (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) !=
	    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) {
		snprintf(err, errlen, "%s: KVM_CAP_SYNC_REGS lacks REGS or SREGS", path);
		r = -ENOTSUP;
		goto fail;
	}
	sys->vcpu_mmap_size = ioctl(sys->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sys->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "%s: bad KVM_GET_VCPU_MMAP_SIZE", path);
		r = -ENOTSUP;
		goto fail;
	}
	sys->max_vcpus = kvm_sys_check_cap(sys, KVM_CAP_MAX_VCPUS);
	if (sys->max_vcpus <= 0)
		sys->max_vcpus = kvm_sys_check_cap(sys, KVM_CAP_NR_VCPUS);
	for (;;) {
		sys->cpuid =
		    calloc(1, sizeof(*sys->cpuid) + (size_t)nent * sizeof(sys->cpuid->entries[0]));
		if (!sys->cpuid) {
			r = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		sys->cpuid->nent = (uint32_t)nent;
		r = kvm_ioctl(sys->fd, KVM_GET_SUPPORTED_CPUID, sys->cpuid);
		if (r != -E2BIG)
			break;
		free(sys->cpuid);
		sys->cpuid = NULL;
		nent *= 2;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: KVM_GET_SUPPORTED_CPUID: %s", path, strerror(-r));
		goto fail;
	}
	return 0;
fail:
	kvm_sys_close(sys);
	return r;
}

void kvm_sys_close(struct kvm_sys *sys)
{
	free(sys->cpuid);
	sys->cpuid = NULL;
	fd_close(&sys->fd);
}

struct kvm_cpuid2 *kvm_cpuid_dup(const struct kvm_cpuid2 *src, unsigned extra)
{
	size_t n = src->nent + extra;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

	if (!c)
		return NULL;
	c->nent = src->nent;
	memcpy(c->entries, src->entries, src->nent * sizeof(c->entries[0]));
	return c;
}

/* struct kvm_msrs ends in a flexible array: one entry rides in a buffer behind it. */
union kvm_one_msr {
	struct kvm_msrs hdr;
	uint8_t buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

int kvm_vcpu_set_msr(int vcpu_fd, uint32_t index, uint64_t value)
{
	union kvm_one_msr m;
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = index;
	m.hdr.entries[0].data = value;
	r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, &m);
	return r == 1 ? 0 : (r < 0 ? r : -EINVAL);
}

int kvm_vcpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *value)
{
	union kvm_one_msr m;
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = index;
	r = kvm_ioctl(vcpu_fd, KVM_GET_MSRS, &m);
	if (r != 1)
		return r < 0 ? r : -EINVAL;
	*value = m.hdr.entries[0].data;
	return 0;
}
