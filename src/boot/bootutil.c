// SPDX-License-Identifier: MIT
#include "boot/bootutil.h"

#include "boot/layout.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

void boot_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

uint8_t boot_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100 - sum);
}

bool boot_take(uint64_t *cursor, uint64_t size, uint64_t limit, uint64_t *addr)
{
	if (!boot_range_fits(*cursor, size, limit))
		return false;
	*addr = *cursor;
	*cursor = ALIGN_UP(*cursor + MAX(size, 1), BOOT_PAGE_SIZE);
	return true;
}

int boot_nospace(char *err, size_t errlen, const char *what, uint64_t ram_end)
{
	boot_errf(err, errlen,
		  "boot data does not fit: %s does not fit in low RAM above the kernel (RAM ends "
		  "at 0x%llx)",
		  what, (unsigned long long)ram_end);
	return -ENOSPC;
}
