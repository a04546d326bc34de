// SPDX-License-Identifier: MIT
/*
 * serial.elf: prints the known text of serial_text.h (compare with serial.expected),
 * then checks snprintf against the same conversions and exits through report_exit().
 */
#include "libguest.h"
#include "serial_text.h"

static void check(const char *expect, const char *fmt, ...) __printf(2, 3);
static void check(const char *expect, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report(!strcmp(buf, expect) && n == (int)strlen(expect), "snprintf \"%s\" -> \"%s\"", fmt,
	       buf);
}

/* volatile: a literal NULL argument would draw a compile-time warning. */
static const char *volatile null_str;

int main(void)
{
	char small[8];
	int n;

	print_serial_text();
	check("-2147483648", "%d", (int)-2147483647 - 1);
	check("ffffffffffffffff", "%lx", ~0ul);
	check("[  abc]", "[%5s]", "abc");
	check("0x0000beef", "%#010x", 0xbeefu);
	check("(null)", "%s", null_str);
	n = snprintf(small, sizeof(small), "%s", "0123456789");
	report(n == 10 && !strcmp(small, "0123456"), "snprintf truncates and returns the length");
	report(snprintf(NULL, 0, "%d", 12345) == 5, "snprintf with size 0 counts");
	return report_summary();
}
