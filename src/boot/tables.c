// SPDX-License-Identifier: MIT
#include "boot/tables.h"

#include <errno.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/bootutil.h"
#include "boot/cbtable.h"
#include "boot/mptable.h"
#include "hvemu/sysctl.h"

static int check_topology(const struct boot_topology *t, char *err, size_t errlen)
{
	if (!t || t->nslots == 0 || t->nslots > BOOT_MAX_SLOTS) {
		boot_errf(err, errlen, "vCPU slots: need 1 to %u, got %u", BOOT_MAX_SLOTS,
			  t ? t->nslots : 0);
		return -EINVAL;
	}
	if (!t->present && t->nboot > t->nslots) {
		boot_errf(err, errlen, "%u vCPUs present at boot but only %u slots", t->nboot,
			  t->nslots);
		return -EINVAL;
	}
	if (!boot_topology_present(t, 0)) {
		boot_errf(err, errlen, "vCPU slot 0 (the boot processor) must be present");
		return -EINVAL;
	}
	return 0;
}

/*
 * A guest that reboots by jumping to the reset vector (F000:FFF0 in real mode, as GRUB's
 * `reboot` does after its ACPI and keyboard-controller attempts) finds no BIOS here. What
 * a BIOS would do is reset the machine, so the vector holds the request for that, and
 * hvemu ends with the reset status, as for a reset through the FADT register.
 */
/* clang-format off */
static const uint8_t reset_stub[] = {
	0xB0, SYSCTL_RESET_VALUE,				/* mov $0x06, %al */
	0xBA, SYSCTL_RESET_PORT & 0xFF, SYSCTL_RESET_PORT >> 8,	/* mov $0xcf9, %dx */
	0xEE,							/* out %al, (%dx) */
	0xF4,							/* 1: hlt */
	0xEB, 0xFD,						/* jmp 1b */
};
/* clang-format on */
_Static_assert(sizeof(reset_stub) <= BOOT_BIOS_END - BOOT_RESET_VECTOR_GPA, "fits");

static int write_reset_vector(const struct guest_ram *ram)
{
	uint8_t *p = guest_ram_ptr(ram, BOOT_RESET_VECTOR_GPA, sizeof(reset_stub));

	if (!p)
		return -EFAULT;
	memcpy(p, reset_stub, sizeof(reset_stub));
	return 0;
}

int boot_write_tables(const struct guest_ram *ram, const struct boot_topology *t, char *err,
		      size_t errlen)
{
	uint8_t *area;
	int ret;

	ret = guest_ram_check(ram, err, errlen);
	if (!ret)
		ret = check_topology(t, err, errlen);
	if (ret)
		return ret;
	area = guest_ram_ptr(ram, BOOT_ACPI_GPA, BOOT_BIOS_END - BOOT_ACPI_GPA);
	if (!area)
		return -EFAULT; /* guest_ram_check guarantees at least 2 MiB */
	/* Old contents must not leave stray signatures for the guest's table scans. */
	memset(area, 0, BOOT_BIOS_END - BOOT_ACPI_GPA);
	ret = acpi_write_tables(ram, t, err, errlen);
	if (!ret)
		ret = mptable_write(ram, t, err, errlen);
	if (!ret)
		ret = cbtable_write(ram);
	if (!ret)
		ret = write_reset_vector(ram);
	if (ret == -EFAULT)
		boot_errf(err, errlen, "internal error writing firmware tables");
	return ret;
}
