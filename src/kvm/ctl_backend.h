/* SPDX-License-Identifier: MIT */
/* The control socket backend of a VM (opaque = struct vm *). */
#ifndef HVEMU_KVM_CTL_BACKEND_H
#define HVEMU_KVM_CTL_BACKEND_H

#include "ctl/ctl.h"

extern const struct ctl_backend_ops vm_ctl_ops;

#endif
