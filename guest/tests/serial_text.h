/* SPDX-License-Identifier: MIT */
/*
 * The known text serial.elf and elf64.elf print: every printf conversion and width. The
 * exact expected output is guest/tests/serial.expected (the lines from SERIAL-BEGIN to
 * SERIAL-END). Keep the two in step.
 */
#ifndef GUEST_TESTS_SERIAL_TEXT_H
#define GUEST_TESTS_SERIAL_TEXT_H

#include "libguest.h"

static inline void print_serial_text(void)
{
	printf("SERIAL-BEGIN\n");
	printf("d: %d %d %d %d %d\n", 0, 42, -42, 2147483647, (int)-2147483647 - 1);
	printf("i: %i %i\n", 7, -7);
	printf("u: %u %u\n", 0u, 4294967295u);
	printf("x: %x %x %X %#x\n", 0u, 0xdeadbeefu, 0xdeadbeefu, 0x1fu);
	printf("lx: %lx %lx\n", 0x123456789abcdef0ul, ~0ul);
	printf("llx: %llx %llu %lld\n", 0xfedcba9876543210ull, 18446744073709551615ull,
	       -9223372036854775807ll - 1);
	printf("ld: %ld %lu\n", -1234567890123l, 1234567890123ul);
	printf("zu: %zu\n", (size_t)4096);
	printf("o: %o\n", 8u);
	printf("s: [%s] [%s] [%.3s]\n", "hello", "", "truncate");
	printf("c: [%c%c%c]\n", 'h', 'v', '!');
	printf("p: %p %p\n", (void *)0x1000, (void *)0);
	printf("%%: 100%%\n");
	printf("width: [%5d] [%-5d] [%05d] [%5s] [%-5s] [%3c] [%-3c]\n", 42, 42, 42, "abc", "abc",
	       'x', 'y');
	printf("width-x: [%8x] [%08x] [%-8x] [%016lx] [%#010x]\n", 0xbeefu, 0xbeefu, 0xbeefu,
	       0xcafeul, 0xbeefu);
	printf("star: [%*d] [%-*d] [%.*s]\n", 6, 12, 6, 12, 2, "abcdef");
	printf("neg-width: [%5d] [%-6d] [%06d]\n", -42, -42, -42);
	printf("sign: [%+d] [%+d] [% d]\n", 5, -5, 5);
	printf("utf8: h\xc3\xa9llo\n");
	printf("multi\nline\n");
	printf("SERIAL-END\n");
}

#endif
