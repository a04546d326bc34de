// SPDX-License-Identifier: MIT
/* The platform devices of a VM and what they ask of it. */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/e820.h"
#include "hvemu/boot_flags.h"
#include "kvm/vm_internal.h"
#include "util/log.h"
#include "util/time.h"

static void sysctl_event(void *opaque, struct vcpu *v, enum sysctl_event ev, uint32_t value)
{
	struct vm *vm = opaque;

	switch (ev) {
	case SYSCTL_DEBUG_EXIT:
		vm_stop(vm, (int)((value << 1) | 1) & 0xff,
			"vcpu%u: guest wrote 0x%x to the debug-exit port", v->slot, value);
		break;
	case SYSCTL_POWEROFF:
		vm_stop(vm, VM_EXIT_POWEROFF, "vcpu%u: guest powered off", v->slot);
		break;
	case SYSCTL_RESET:
		vm_stop(vm, VM_EXIT_RESET, "vcpu%u: guest requested a reset (port write 0x%x)",
			v->slot, value);
		break;
	}
}

static unsigned dev_vcpu_index(void *opaque, struct vcpu *v)
{
	(void)opaque;
	return vcpu_slot(v);
}

static int tdev_set_inhibit(void *opaque, uint32_t vp, bool on)
{
	struct vm *vm = opaque;

	return vm->hv ? hv_set_tlb_flush_inhibit(vm->hv, vp, on) : -ENODEV;
}

static int tdev_cpu_add(void *opaque, uint32_t slot)
{
	return vm_vcpu_add(opaque, slot);
}

static int tdev_cpu_remove(void *opaque, uint32_t slot)
{
	return vm_vcpu_request_remove(opaque, slot);
}

static int64_t tdev_query_suspended(void *opaque, uint32_t vp_index)
{
	struct vm *vm = opaque;
	struct hv_vp_suspend_info info = { .waiting_on = -ENOENT };
	struct hv_vp *vp;
	uint32_t gen;

	if (!vm->hv)
		return -ENOENT;
	/* The VP may be removed meanwhile: read it inside a read section. */
	gen = hv_read_lock(vm->hv);
	vp = hv_vp_lookup(vm->hv, vp_index);
	if (vp)
		hv_vp_suspend_info(vp, &info);
	hv_read_unlock(vm->hv, gen);
	return info.waiting_on;
}

static uint32_t tdev_nr_slots(void *opaque)
{
	return ((struct vm *)opaque)->cfg.max_vcpus;
}

static void tdev_mark(void *opaque, struct vcpu *v, uint32_t id)
{
	struct vm *vm = opaque;

	stat_inc(&vm->stats.guest_marks);
	/* The log line is the interface: benchmarks read "guest mark N at T ms". */
	pr_info_ratelimited("guest mark %u at %.3f ms (vcpu%u)", id,
			    (double)(now_ns() - vm->start_ns) / 1e6, v->slot);
}

static const struct testdev_ops tdev_ops = {
	.vcpu_index = dev_vcpu_index,
	.set_inhibit = tdev_set_inhibit,
	.cpu_add = tdev_cpu_add,
	.cpu_remove = tdev_cpu_remove,
	.query_suspended = tdev_query_suspended,
	.nr_slots = tdev_nr_slots,
	.mark = tdev_mark,
};

/* vm_vcpu_eject logs (rate-limited) and counts every refusal itself. */
static void hpctl_eject(void *opaque, uint32_t slot)
{
	(void)vm_vcpu_eject(opaque, slot);
}

static void hpctl_notify(void *opaque, uint32_t apic_id, uint8_t vector)
{
	vm_send_msi(opaque, apic_id, vector);
}

static const struct hpctl_ops hp_ops = {
	.vcpu_index = dev_vcpu_index,
	.eject = hpctl_eject,
	.notify = hpctl_notify,
};

/*
 * fw_cfg as QEMU fills it for a PC: RAM size, CPUs at boot and possible, and etc/e820,
 * the same memory map the boot protocols hand over; and hvemu's etc/hvemu/boot-flags.
 */
static int fwcfg_init(struct vm *vm)
{
	struct boot_e820_entry map[BOOT_E820_MAX];
	struct fw_cfg_e820_entry rows[BOOT_E820_MAX];
	uint32_t flags;
	int n = boot_e820_build(vm->cfg.mem_size, map, BOOT_E820_MAX);
	int r;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		rows[i] = (struct fw_cfg_e820_entry){ .address = map[i].addr,
						      .length = map[i].len,
						      .type = map[i].type };
	r = fw_cfg_init(&vm->fwcfg, vm->cfg.mem_size, (uint16_t)vm->cfg.boot_vcpus,
			(uint16_t)vm->cfg.max_vcpus);
	if (r)
		return r;
	vm->fwcfg_ready = true;
	r = fw_cfg_add_file(&vm->fwcfg, FW_CFG_FILE_E820, rows,
			    (uint32_t)((size_t)n * sizeof(rows[0])));
	if (r)
		return r;
	flags = htole32(HVEMU_BOOT_AP_WAIT_FOR_SIPI); /* vcpu_steps.c: step_state_up */
	return fw_cfg_add_file(&vm->fwcfg, HVEMU_FW_CFG_BOOT_FLAGS, &flags, sizeof(flags));
}

int vm_devices_init(struct vm *vm, char *err, size_t errlen)
{
	int r;

	r = uart_init(&vm->uart, vm->cfg.serial, vm->cfg.serial_path);
	if (r) {
		snprintf(err, errlen, "serial output %s: %s",
			 vm->cfg.serial_path ? vm->cfg.serial_path : "", strerror(-r));
		return r;
	}
	vm->uart_ready = true;
	r = testdev_init(&vm->tdev, vm->cfg.max_vcpus, &tdev_ops, vm);
	if (!r)
		r = hpctl_init(&vm->hpctl, vm->cfg.max_vcpus, &hp_ops, vm);
	if (!r)
		r = uart_attach(&vm->uart, &vm->pio);
	if (!r)
		r = sysctl_attach(&vm->sysctl, &vm->pio, sysctl_event, vm);
	if (!r)
		r = testdev_attach(&vm->tdev, &vm->pio);
	if (!r)
		r = hpctl_attach(&vm->hpctl, &vm->pio);
	if (!r)
		r = fwcfg_init(vm);
	if (!r)
		r = fw_cfg_attach(&vm->fwcfg, &vm->pio);
	if (r)
		snprintf(err, errlen, "setting up the devices: %s", strerror(-r));
	return r;
}

int vm_hv_devices_init(struct vm *vm, char *err, size_t errlen)
{
	int r;

	if (!(vm->cfg.devices & VM_DEV_HYPERV_TESTDEV))
		return 0;
	/* The command line was checked; a partition without SynIC here is a bug. */
	vm->hv_testdev = calloc(1, sizeof(*vm->hv_testdev));
	if (!vm->hv_testdev) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = hyperv_testdev_init(vm->hv_testdev, vm->hv);
	if (!r)
		r = hyperv_testdev_attach(vm->hv_testdev, &vm->pio);
	if (r)
		snprintf(err, errlen, "setting up hyperv-testdev: %s", strerror(-r));
	return r;
}

void vm_devices_destroy(struct vm *vm)
{
	if (vm->fwcfg_ready)
		fw_cfg_destroy(&vm->fwcfg);
	vm->fwcfg_ready = false;
	if (vm->hv_testdev) {
		hyperv_testdev_destroy(vm->hv_testdev);
		free(vm->hv_testdev);
		vm->hv_testdev = NULL;
	}
	hpctl_destroy(&vm->hpctl);
	testdev_destroy(&vm->tdev);
	if (vm->uart_ready)
		uart_destroy(&vm->uart);
	vm->uart_ready = false;
}
