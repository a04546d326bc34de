// SPDX-License-Identifier: MIT
#include "boot/tables.h"

#include <errno.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/bootutil.h"
#include "boot/mptable.h"

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
	if (ret == -EFAULT)
		boot_errf(err, errlen, "internal error writing firmware tables");
	return ret;
}
