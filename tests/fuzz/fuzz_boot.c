// SPDX-License-Identifier: MIT
/*
 * boot_load on arbitrary bytes. Input: a control byte (bit 7: the tail is also passed as
 * an initrd; bits 0-6: the tail's length), the kernel image, then the tail, which is the
 * --cmdline text. Guest RAM is an exactly-sized 4 MiB heap buffer, so ASan reports any
 * write outside it. A successful load must leave its boot data and segments inside RAM
 * and the entry point inside a loaded segment; every failure must leave a message. The
 * firmware tables are written too, for a slot count taken from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"

#define FUZZ_RAM (4u << 20)

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
		if (entry.boot_data_end > FUZZ_RAM || entry.mbi_gpa < 0x100000 ||
		    entry.mbi_gpa < entry.kernel_high || entry.kernel_high > FUZZ_RAM ||
		    entry.rip < entry.kernel_low || entry.rip >= entry.kernel_high)
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
