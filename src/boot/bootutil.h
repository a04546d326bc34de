/* SPDX-License-Identifier: MIT */
/* Internal helpers of src/boot: error text, little-endian stores, table checksums. */
#ifndef HVEMU_BOOT_BOOTUTIL_H
#define HVEMU_BOOT_BOOTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/compiler.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "src/boot reads little-endian images with memcpy: a little-endian host is required"
#endif

/* Formats a message into err (when err is non-NULL and errlen > 0); always terminates. */
void boot_errf(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

/* The byte that makes the 8-bit sum of p[0..len) zero when stored in the checksum field. */
uint8_t boot_checksum(const uint8_t *p, size_t len);

/* Stores and loads that work at any alignment (guest tables are byte-packed). */
static inline void put_le8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Copies a fixed-width field (signature, OEM ID): n bytes, no terminator. */
static inline void put_chars(uint8_t *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)s[i];
}

/* a + b <= limit without overflow (a, b, limit unsigned 64-bit). */
static inline int boot_range_fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

/*
 * Boot data placement: takes size bytes at the page-aligned *cursor and moves the cursor
 * to the next page boundary after them; false when they would not end by limit (at most
 * 3 GiB, so nothing overflows). An empty piece (a zero-length module) still gets its own
 * page, so that no two pieces share an address.
 */
bool boot_take(uint64_t *cursor, uint64_t size, uint64_t limit, uint64_t *addr);
/* The planners' failure: "boot data does not fit: <what> ..." in err; returns -ENOSPC. */
int boot_nospace(char *err, size_t errlen, const char *what, uint64_t ram_end);

#endif
