// SPDX-License-Identifier: MIT
/* hvemu run's command line. */
#include <errno.h>
#include <string.h>

#include "cli/options.h"
#include "harness.h"

/* getopt permutes the pointer array, never the strings, so literals are fine. */
#define A(...) ((const char *[]){ "run", __VA_ARGS__, NULL })

static int parse(const char **argv, struct run_options *o, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return run_options_parse(argc, (char **)argv, o, err, 256);
}

static void test_defaults(void)
{
	struct run_options o;
	char err[256] = "";

	CHECK_EQ(parse(A("--kernel", "k.elf"), &o, err), 0);
	CHECK_STR(o.kernel, "k.elf");
	CHECK_EQ(o.vm.mem_size, 128ull << 20);
	CHECK_EQ(o.vm.boot_vcpus, 1);
	CHECK_EQ(o.vm.max_vcpus, 1);
	CHECK_EQ(o.vm.serial, UART_SINK_STDIO);
	CHECK_EQ(o.vm.hv.mask, 0);
	CHECK_EQ(o.vm.vcpu_sched, VM_SCHED_BATCH);
	CHECK(o.cmdline == NULL && o.initrd == NULL && o.api_socket == NULL);
	CHECK_EQ(o.vm.cpu.nops, 0); /* --cpu host */
	CHECK_EQ(o.seccomp, SANDBOX_ON);
}

static void test_cpu_model_option(void)
{
	struct run_options o;
	char err[256] = "";

	CHECK_EQ(parse(A("--kernel", "k", "--cpu", "host,safe,+popcnt"), &o, err), 0);
	CHECK_EQ(o.vm.cpu.nops, 7);
	CHECK_STR(o.vm.cpu.text, "host,safe,+popcnt");
	CHECK_EQ(parse(A("--cpu", "help"), &o, err), 0); /* no --kernel needed */
	CHECK(o.cpu_help);
	CHECK_EQ(parse(A("--kernel", "k", "--cpu", "host,-avx9"), &o, err), -EINVAL);
	CHECK(strstr(err, "--cpu: unknown feature or preset 'avx9'") != NULL);
}

static void test_all_options(void)
{
	struct run_options o;
	char err[256] = "";

	CHECK_EQ(
	    parse(A("--kernel", "k", "--initrd", "i", "--cmdline", "a b", "--cpus", "boot=2,max=8",
		    "--memory", "1G", "--serial", "file:/tmp/x", "--hv", "vpindex,tlbflush",
		    "--api-socket", "/tmp/s", "--host-cpus", "0-1", "--flush-method", "sregs",
		    "--vcpu-sched", "normal", "--log-level", "warn", "--seccomp", "log"),
		  &o, err),
	    0);
	CHECK_STR(o.initrd, "i");
	CHECK_STR(o.cmdline, "a b");
	CHECK_EQ(o.vm.boot_vcpus, 2);
	CHECK_EQ(o.vm.max_vcpus, 8);
	CHECK_EQ(o.vm.mem_size, 1ull << 30);
	CHECK_EQ(o.vm.serial, UART_SINK_FILE);
	CHECK_STR(o.vm.serial_path, "/tmp/x");
	CHECK(hv_has(&o.vm.hv, HV_FEAT_VPINDEX) && hv_has(&o.vm.hv, HV_FEAT_TLBFLUSH));
	CHECK(!hv_has(&o.vm.hv, HV_FEAT_IPI));
	CHECK_STR(o.api_socket, "/tmp/s");
	CHECK_STR(o.vm.host_cpus, "0-1");
	CHECK_EQ(o.vm.flush_method, VM_FLUSH_SREGS);
	CHECK_EQ(o.vm.vcpu_sched, VM_SCHED_NORMAL);
	CHECK_EQ(o.log_level, LOG_WARN);
	CHECK_EQ(o.seccomp, SANDBOX_LOG);
	CHECK_EQ(parse(A("--kernel", "k", "--seccomp", "off"), &o, err), 0);
	CHECK_EQ(o.seccomp, SANDBOX_OFF);
}

static void test_sizes(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = { { "128M", 128ull << 20 }, { "128", 128ull << 20 }, { "1G", 1ull << 30 },
		   { "512K", 512ull << 10 }, { "4096B", 4096 },	      { "2g", 2ull << 30 } };
	static const char *const bad[] = { "",
					   "0",
					   "-1M",
					   "12X",
					   "M",
					   "1.5G",
					   "1GG",
					   "99999999999999999999",
					   "18446744073709551615G" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_EQ(parse_size(ok[i].s, &v), 0);
		CHECK_EQ(v, ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(parse_size(bad[i], &v) != 0, "'%s' accepted", bad[i]);
}

static void test_cpus(void)
{
	unsigned b, m;
	char err[256];

	CHECK_EQ(parse_cpus("4", &b, &m, err, sizeof(err)), 0);
	CHECK(b == 4 && m == 4);
	CHECK_EQ(parse_cpus("boot=2", &b, &m, err, sizeof(err)), 0);
	CHECK(b == 2 && m == 2);
	CHECK_EQ(parse_cpus("boot=4,max=64", &b, &m, err, sizeof(err)), 0);
	CHECK(b == 4 && m == 64);
	CHECK_EQ(parse_cpus("max=8,boot=3", &b, &m, err, sizeof(err)), 0);
	CHECK(b == 3 && m == 8);
	CHECK_EQ(parse_cpus("max=8", &b, &m, err, sizeof(err)), 0);
	CHECK(b == 1 && m == 8);
	CHECK_EQ(parse_cpus("boot=1024", &b, &m, err, sizeof(err)), 0);
	CHECK(parse_cpus("boot=1025", &b, &m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "1024") != NULL);
	CHECK(parse_cpus("boot=0", &b, &m, err, sizeof(err)) != 0);
	CHECK(parse_cpus("boot=8,max=4", &b, &m, err, sizeof(err)) != 0);
	CHECK(parse_cpus("boot=2,boot=3", &b, &m, err, sizeof(err)) != 0);
	CHECK(parse_cpus("cores=2", &b, &m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "cores") != NULL);
	CHECK(parse_cpus("boot=", &b, &m, err, sizeof(err)) != 0);
	CHECK(parse_cpus("boot=2,", &b, &m, err, sizeof(err)) != 0);
	CHECK(parse_cpus("", &b, &m, err, sizeof(err)) != 0);
	CHECK(parse_cpus("boot=x", &b, &m, err, sizeof(err)) != 0);
}

static void test_errors_name_the_option(void)
{
	static const struct {
		const char *opt, *val, *needle;
	} cases[] = {
		{ "--memory", "lots", "--memory" },
		{ "--serial", "pty", "--serial" },
		{ "--hv", "tlbflush", "vpindex" },
		{ "--hv", "bogus", "bogus" },
		{ "--flush-method", "x", "--flush-method" },
		{ "--vcpu-sched", "fifo", "--vcpu-sched" },
		{ "--log-level", "loud", "--log-level" },
		{ "--cpus", "boot=9,max=2", "--cpus" },
		{ "--seccomp", "strict", "--seccomp" },
	};
	struct run_options o;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK(parse(A("--kernel", "k", cases[i].opt, cases[i].val), &o, err) == -EINVAL);
		CHECK_MSG(strstr(err, cases[i].needle) != NULL, "'%s' lacks '%s'", err,
			  cases[i].needle);
	}
	CHECK(parse((const char *[]){ "run", NULL }, &o, err) == -EINVAL);
	CHECK(strstr(err, "--kernel") != NULL);
	CHECK(parse(A("--kernel", "k", "--frobnicate"), &o, err) == -EINVAL);
	CHECK(strstr(err, "--frobnicate") != NULL);
	CHECK(parse(A("--kernel"), &o, err) == -EINVAL);
	CHECK(strstr(err, "needs a value") != NULL);
	CHECK(parse(A("--kernel", "k", "extra"), &o, err) == -EINVAL);
	CHECK(strstr(err, "extra") != NULL);
}

static void test_help_version(void)
{
	struct run_options o;
	char err[256];

	CHECK_EQ(parse(A("--help"), &o, err), 0);
	CHECK(o.help);
	CHECK_EQ(parse(A("--version"), &o, err), 0);
	CHECK(o.version);
	CHECK(strstr(run_usage, "Exit status") != NULL);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_all_options);
	RUN(test_sizes);
	RUN(test_cpus);
	RUN(test_cpu_model_option);
	RUN(test_errors_name_the_option);
	RUN(test_help_version);
	return t_done();
}
