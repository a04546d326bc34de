// SPDX-License-Identifier: MIT
/*
 * selftest.elf: the test runtime's own verdicts (guest/lib/report.h), for the controls
 * that prove the tests can fail (tests/e2e/95_controls.sh). It makes pass=N passing
 * checks, fail=N failing ones and skip=N skips tagged "selftest" (declared only when the
 * command line says allow_skip=selftest); with no option it reports nothing at all.
 */
#include "libguest.h"

int main(void)
{
	u64 pass = cmdline_u64("pass", 0), fail = cmdline_u64("fail", 0);
	u64 skip = cmdline_u64("skip", 0);

	for (u64 i = 0; i < pass; i++)
		report(true, "selftest check %lu", (unsigned long)i);
	for (u64 i = 0; i < fail; i++)
		report(false, "selftest failing check %lu", (unsigned long)i);
	for (u64 i = 0; i < skip; i++)
		report_skip("selftest", "selftest skip %lu", (unsigned long)i);
	return report_summary();
}
