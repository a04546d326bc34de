// SPDX-License-Identifier: MIT
/*
 * boot_load on arbitrary bytes. Input: a control byte (bit 7: the tail is also passed as
 * an initrd; bits 0-6: the tail's length), the kernel image, then the tail, which is the
 * --cmdline text. Guest RAM is an exactly-sized 4 MiB heap buffer, so ASan reports any
 * write outside it. The image may be any format boot_load detects (Multiboot, ELF64, PVH,
 * bzImage). A successful load must leave its boot data and kernel inside RAM, the entry
 * point inside the kernel, the command line where the format's boot information says, and
 * that information well-formed (PVH magic, the zero page's header and e820 count); every
 * failure must leave a message. The firmware tables are written too, for a slot count
 * taken from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "fw/bootparam.h"
#include "fw/pvh.h"

#define FUZZ_RAM (4u << 20)

static uint32_t rd32(const uint8_t *ram, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, sizeof(v));
	return v;
}

/* The boot information the format defines, read back from RAM, agrees with *e. */
static int info_ok(const uint8_t *ram, const struct boot_entry *e, const char *cmdline)
{
	if (e->cmdline_gpa >= FUZZ_RAM ||
	    strnlen((const char *)ram + e->cmdline_gpa, FUZZ_RAM - e->cmdline_gpa) ==
		FUZZ_RAM - e->cmdline_gpa)
		return 0;
	switch (e->format) {
	case BOOT_FMT_PVH:
		return e->mode == BOOT_MODE_PVH32 && e->rbx == e->info_gpa &&
		       rd32(ram, e->info_gpa) == XEN_HVM_START_MAGIC_VALUE &&
		       rd32(ram, e->info_gpa + 0x18) == e->cmdline_gpa &&
		       strcmp((const char *)ram + e->cmdline_gpa, cmdline) == 0;
	case BOOT_FMT_BZIMAGE:
		return e->mode == BOOT_MODE_LINUX64 && e->rsi == e->info_gpa &&
		       rd32(ram, e->info_gpa + 0x202) == SETUP_HDRS_MAGIC &&
		       ram[e->info_gpa + 0x210] == BOOT_LOADER_TYPE_UNDEFINED &&
		       ram[e->info_gpa + 0x1E8] == 8 &&
		       rd32(ram, e->info_gpa + 0x228) == e->cmdline_gpa &&
		       strcmp((const char *)ram + e->cmdline_gpa, cmdline) == 0;
	case BOOT_FMT_MULTIBOOT:
	case BOOT_FMT_ELF64:
		return rd32(ram, e->info_gpa + 16) == e->cmdline_gpa;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram_buf;
	struct guest_ram ram;
	struct boot_image kernel, initrd;
	struct boot_topology topo = { 0 };
	struct boot_entry entry;
	char cmdline[128], err[256];
	size_t tail;
	int ret;

	if (!ram_buf) {
		ram_buf = malloc(FUZZ_RAM);
		if (!ram_buf)
			return 0;
	}
	if (size < 1)
		return 0;
	tail = data[0] & 0x7F;
	if (tail > size - 1)
		tail = size - 1;
	memcpy(cmdline, data + size - tail, tail);
	cmdline[tail] = '\0';
	kernel = (struct boot_image){ data + 1, size - 1 - tail, "/fuzz/kernel" };
	initrd = (struct boot_image){ data + size - tail, tail, "/fuzz/initrd" };
	ram = (struct guest_ram){ .low = ram_buf, .low_size = FUZZ_RAM };

	err[0] = '\0';
	ret = boot_load(&ram, &kernel, (data[0] & 0x80) ? &initrd : NULL, cmdline, &entry, err,
			sizeof(err));
	if (ret) {
		if (err[0] == '\0')
			abort(); /* every rejection names its check */
	} else {
		if (entry.boot_data_end > FUZZ_RAM || entry.info_gpa < 0x100000 ||
		    entry.info_gpa < entry.kernel_high || entry.kernel_high > FUZZ_RAM ||
		    entry.rip < entry.kernel_low || entry.rip >= entry.kernel_high ||
		    !info_ok(ram_buf, &entry, cmdline))
			abort();
	}

	if (size < 4 || !(data[3] & 1))
		return 0; /* tables on half the inputs: they do not parse the input */
	topo.nslots = 1 + (size > 1 ? (unsigned int)data[1] * 4 : 0);
	topo.nboot = 1 + (size > 2 ? data[2] % topo.nslots : 0);
	if (boot_write_tables(&ram, &topo, err, sizeof(err)) != 0)
		abort(); /* every slot count up to 1021 fits */
	return 0;
}
