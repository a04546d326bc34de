// SPDX-License-Identifier: MIT
/*
 * Unit tests of the uevent parser (src/host/uevent.c) on messages captured on a
 * development machine (`echo 0 > /sys/devices/system/cpu/cpu1/online` and back, read from
 * a NETLINK_KOBJECT_UEVENT socket bound to group 1) and on malformed variants of them.
 */
#include "harness.h"
#include "host/uevent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Captured byte for byte; each field ends with NUL, as the kernel sends it. */
static const char cap_cpuid_remove[] = "remove@/devices/virtual/cpuid/cpu1\0"
				       "ACTION=remove\0"
				       "DEVPATH=/devices/virtual/cpuid/cpu1\0"
				       "SUBSYSTEM=cpuid\0"
				       "MAJOR=203\0"
				       "MINOR=1\0"
				       "DEVNAME=cpu/1/cpuid\0"
				       "SEQNUM=977\0";
static const char cap_cpu1_offline[] =
    "offline@/devices/system/cpu/cpu1\0"
    "ACTION=offline\0"
    "DEVPATH=/devices/system/cpu/cpu1\0"
    "SUBSYSTEM=cpu\0"
    "MODALIAS=cpu:type:x86,ven0000fam0006mod008F:feature:,0000,0001,0002,0003,0004,0005,"
    "0006,0007,0008,0009,000B,000C,000D,000E,000F,0010,0011,0013,0017,0018,0019,001A,"
    "001B,001C,002B,0034,003A,003B,003D,0068,006F,0070,0074,0075,0076,0078,0079,007F,"
    "0080,0081,0089,008C,008D,0091,0093,0094,0095,0096,0097,0098,0099,009A,009B,009C,"
    "009D,009E,009F,00C0,00C5,00C8,00E1,00EA,00F0,00F1,00F9,00FA,00FB,00FE,00FF,0114,"
    "0115,0120,0121,0123,0125,0126,0127,0128,0129,012A,012D,0130,0131,0132,0133,0134,"
    "0135,0137,0138,013C,013D,013E,013F,0140,0141,0142,0143,0144,0164,0165,016B,0171,"
    "0174,017B,0184,0185,018A,018B,018C,01A9,01AC,01AE,01AF,01B8,01C2,0201,0202,0203,"
    "0204,0206,0207,0208,0209,020A,020B,020C,020E,0216,0218,0219,021B,021C,0244,024A,"
    "024E,0250,0254,0256,0257,0258,0259,025A,025B,025C,025D,025F,0282,02A2\n\0"
    "SEQNUM=978\0";
static const char cap_cpuid_add[] = "add@/devices/virtual/cpuid/cpu1\0"
				    "ACTION=add\0"
				    "DEVPATH=/devices/virtual/cpuid/cpu1\0"
				    "SUBSYSTEM=cpuid\0"
				    "MAJOR=203\0"
				    "MINOR=1\0"
				    "DEVNAME=cpu/1/cpuid\0"
				    "SEQNUM=979\0";
static const char cap_cpu1_online[] =
    "online@/devices/system/cpu/cpu1\0"
    "ACTION=online\0"
    "DEVPATH=/devices/system/cpu/cpu1\0"
    "SUBSYSTEM=cpu\0"
    "MODALIAS=cpu:type:x86,ven0000fam0006mod008F:feature:,0000,0001,0002,0003,0004,0005,"
    "0006,0007,0008,0009,000B,000C,000D,000E,000F,0010,0011,0013,0017,0018,0019,001A,"
    "001B,001C,002B,0034,003A,003B,003D,0068,006F,0070,0074,0075,0076,0078,0079,007F,"
    "0080,0081,0089,008C,008D,0091,0093,0094,0095,0096,0097,0098,0099,009A,009B,009C,"
    "009D,009E,009F,00C0,00C5,00C8,00E1,00EA,00F0,00F1,00F9,00FA,00FB,00FE,00FF,0114,"
    "0115,0120,0121,0123,0125,0126,0127,0128,0129,012A,012D,0130,0131,0132,0133,0134,"
    "0135,0137,0138,013C,013D,013E,013F,0140,0141,0142,0143,0144,0164,0165,016B,0171,"
    "0174,017B,0184,0185,018A,018B,018C,01A9,01AC,01AE,01AF,01B8,01C2,0201,0202,0203,"
    "0204,0206,0207,0208,0209,020A,020B,020C,020E,0216,0218,0219,021B,021C,0244,024A,"
    "024E,0250,0254,0256,0257,0258,0259,025A,025B,025C,025D,025F,0282,02A2\n\0"
    "SEQNUM=980\0";

#define MSG(a) (a), (sizeof(a) - 1) /* the literal's own final NUL is not part of it */

static void test_captured_offline_online(void)
{
	struct host_uevent ev;

	CHECK_EQ(sizeof(cap_cpu1_offline) - 1, 900);
	CHECK_EQ(host_uevent_parse(MSG(cap_cpu1_offline), &ev), 0);
	CHECK_EQ(ev.action, HOST_UEVENT_OFFLINE);
	CHECK_STR(ev.action_str, "offline");
	CHECK_STR(ev.devpath, "/devices/system/cpu/cpu1");
	CHECK_STR(ev.subsystem, "cpu");
	CHECK_EQ(ev.seqnum, 978);
	CHECK_EQ(ev.cpu, 1);
	CHECK(host_uevent_is_cpu(&ev));

	CHECK_EQ(sizeof(cap_cpu1_online) - 1, 898);
	CHECK_EQ(host_uevent_parse(MSG(cap_cpu1_online), &ev), 0);
	CHECK_EQ(ev.action, HOST_UEVENT_ONLINE);
	CHECK_EQ(ev.seqnum, 980);
	CHECK_EQ(ev.cpu, 1);
	CHECK(host_uevent_is_cpu(&ev));
	/* The returned strings point into the message. */
	CHECK(ev.devpath > cap_cpu1_online && ev.devpath < cap_cpu1_online + 898);
}

static void test_captured_cpuid_device_is_not_a_cpu(void)
{
	struct host_uevent ev;

	CHECK_EQ(host_uevent_parse(MSG(cap_cpuid_remove), &ev), 0);
	CHECK_EQ(ev.action, HOST_UEVENT_REMOVE);
	CHECK_STR(ev.subsystem, "cpuid");
	CHECK_STR(ev.devpath, "/devices/virtual/cpuid/cpu1");
	CHECK_EQ(ev.seqnum, 977);
	CHECK_EQ(ev.cpu, -1);
	CHECK(!host_uevent_is_cpu(&ev));
	CHECK_EQ(host_uevent_parse(MSG(cap_cpuid_add), &ev), 0);
	CHECK_EQ(ev.action, HOST_UEVENT_ADD);
	CHECK_EQ(ev.cpu, -1);
	CHECK(!host_uevent_is_cpu(&ev));
}

static void test_cpu_numbers(void)
{
	static const char add0[] = "add@/devices/system/cpu/cpu0\0ACTION=add\0"
				   "DEVPATH=/devices/system/cpu/cpu0\0SUBSYSTEM=cpu\0SEQNUM=1\0";
	static const char big[] = "online@/devices/system/cpu/cpu1023\0ACTION=online\0"
				  "DEVPATH=/devices/system/cpu/cpu1023\0SUBSYSTEM=cpu\0SEQNUM=2\0";
	static const char toobig[] =
	    "online@/devices/system/cpu/cpu1024\0ACTION=online\0"
	    "DEVPATH=/devices/system/cpu/cpu1024\0SUBSYSTEM=cpu\0SEQNUM=2\0";
	static const char lead0[] = "online@/devices/system/cpu/cpu01\0ACTION=online\0"
				    "DEVPATH=/devices/system/cpu/cpu01\0SUBSYSTEM=cpu\0SEQNUM=2\0";
	static const char cache[] =
	    "change@/devices/system/cpu/cpu3/cache\0ACTION=change\0"
	    "DEVPATH=/devices/system/cpu/cpu3/cache\0SUBSYSTEM=cpu\0SEQNUM=3\0";
	static const char other[] =
	    "bind@/devices/system/cpu/cpu2\0ACTION=bind\0"
	    "DEVPATH=/devices/system/cpu/cpu2\0SUBSYSTEM=memory\0SEQNUM=4\0";
	static const char weird[] = "frobnicate@/devices/system/cpu/cpu2\0ACTION=frobnicate\0"
				    "DEVPATH=/devices/system/cpu/cpu2\0SUBSYSTEM=cpu\0SEQNUM=5\0";
	struct host_uevent ev;

	CHECK_EQ(host_uevent_parse(MSG(add0), &ev), 0);
	CHECK_EQ(ev.cpu, 0);
	CHECK_EQ(ev.action, HOST_UEVENT_ADD);
	CHECK_EQ(host_uevent_parse(MSG(big), &ev), 0);
	CHECK_EQ(ev.cpu, 1023);
	/* Well-formed, but beyond what hvemu manages or not a CPU device: no CPU number. */
	CHECK_EQ(host_uevent_parse(MSG(toobig), &ev), 0);
	CHECK_EQ(ev.cpu, -1);
	CHECK(host_uevent_is_cpu(&ev));
	CHECK_EQ(host_uevent_parse(MSG(lead0), &ev), 0);
	CHECK_EQ(ev.cpu, -1);
	CHECK_EQ(host_uevent_parse(MSG(cache), &ev), 0);
	CHECK_EQ(ev.cpu, -1);
	CHECK_EQ(ev.action, HOST_UEVENT_CHANGE);
	CHECK_EQ(host_uevent_parse(MSG(other), &ev), 0);
	CHECK_EQ(ev.cpu, -1);
	CHECK(!host_uevent_is_cpu(&ev));
	CHECK_EQ(host_uevent_parse(MSG(weird), &ev), 0);
	CHECK_EQ(ev.action, HOST_UEVENT_OTHER);
	CHECK_STR(ev.action_str, "frobnicate");
	CHECK_STR(host_uevent_action_name(HOST_UEVENT_OFFLINE), "offline");
}

/* Each malformed message must be rejected and must leave *out untouched. */
static void expect_bad(const char *what, const void *buf, size_t len)
{
	struct host_uevent ev, before;

	memset(&ev, 0x5a, sizeof(ev));
	memcpy(&before, &ev, sizeof(ev)); /* padding included */
	CHECK_MSG(host_uevent_parse(buf, len, &ev) == -EINVAL, "%s: accepted", what);
	/* Byte by byte on purpose: not one byte of *out may be written, padding included. */
	/* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
	CHECK_MSG(memcmp(&ev, &before, sizeof(ev)) == 0, "%s: output changed", what);
}

#define BAD(what, lit) expect_bad(what, MSG(lit))

static void test_malformed(void)
{
	static const char ok[] = "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
				 "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0";
	struct host_uevent ev;
	char *big;

	CHECK_EQ(host_uevent_parse(MSG(ok), &ev), 0);
	expect_bad("empty", ok, 0);
	expect_bad("NULL buffer", NULL, 10);
	/* Cut anywhere before its end, the message no longer ends with NUL or loses a key. */
	for (size_t cut = 1; cut < sizeof(ok) - 1; cut++)
		CHECK_MSG(host_uevent_parse(ok, cut, &ev) == -EINVAL, "cut at %zu accepted", cut);
	BAD("no '@'", "offline/devices/system/cpu/cpu1\0ACTION=offline\0"
		      "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("empty action", "@/devices/system/cpu/cpu1\0ACTION=\0"
			    "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("relative devpath", "offline@devices\0ACTION=offline\0"
				"DEVPATH=devices\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("header disagrees (action)",
	    "online@/devices/system/cpu/cpu1\0ACTION=offline\0"
	    "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("header disagrees (devpath)",
	    "offline@/devices/system/cpu/cpu2\0ACTION=offline\0"
	    "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("missing SUBSYSTEM", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
				 "DEVPATH=/devices/system/cpu/cpu1\0SEQNUM=9\0");
	BAD("missing SEQNUM", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
			      "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0");
	BAD("missing ACTION", "offline@/devices/system/cpu/cpu1\0"
			      "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("header only", "offline@/devices/system/cpu/cpu1\0");
	BAD("empty SUBSYSTEM", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
			       "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=\0SEQNUM=9\0");
	BAD("SEQNUM not a number", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
				   "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9x\0");
	BAD("SEQNUM empty", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
			    "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=\0");
	BAD("SEQNUM overflows", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
				"DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0"
				"SEQNUM=18446744073709551616\0");
	BAD("negative SEQNUM", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
			       "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=-1\0");
	BAD("duplicate SUBSYSTEM", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
				   "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpuid\0"
				   "SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("field without '='",
	    "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
	    "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0JUNK\0SEQNUM=9\0");
	BAD("empty key", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
			 "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0=x\0SEQNUM=9\0");
	BAD("bad key character",
	    "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
	    "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0K-Y=x\0SEQNUM=9\0");
	BAD("empty field", "offline@/devices/system/cpu/cpu1\0ACTION=offline\0\0"
			   "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=9\0");
	BAD("udev daemon message", "libudev\0\xfe\xed\xca\xfe\0\0\0\0ACTION=offline\0");
	/* Not NUL-terminated at the end. */
	expect_bad("no final NUL", ok, sizeof(ok) - 2);
	/* Longer than any kernel message. */
	big = malloc(HOST_UEVENT_MAX_LEN + 2);
	CHECK(big != NULL);
	if (big) {
		memset(big, 'A', HOST_UEVENT_MAX_LEN + 2);
		memcpy(big, ok, sizeof(ok) - 1);
		big[HOST_UEVENT_MAX_LEN] = '\0';
		expect_bad("too long", big, HOST_UEVENT_MAX_LEN + 1);
		free(big);
	}
}

static void test_unknown_keys_and_values(void)
{
	/* Unknown keys are fine; values may hold '=', spaces and newlines (MODALIAS has one). */
	static const char msg[] = "online@/devices/system/cpu/cpu5\0ACTION=online\0"
				  "X_Y1=a=b c\n\0DEVPATH=/devices/system/cpu/cpu5\0"
				  "SUBSYSTEM=cpu\0SEQNUM=18446744073709551615\0lower=ok\0";
	struct host_uevent ev;

	CHECK_EQ(host_uevent_parse(MSG(msg), &ev), 0);
	CHECK_EQ(ev.cpu, 5);
	CHECK_EQ(ev.seqnum, 18446744073709551615ull);
}

int main(void)
{
	RUN(test_captured_offline_online);
	RUN(test_captured_cpuid_device_is_not_a_cpu);
	RUN(test_cpu_numbers);
	RUN(test_malformed);
	RUN(test_unknown_keys_and_values);
	return t_done();
}
