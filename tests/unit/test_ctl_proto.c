// SPDX-License-Identifier: MIT
/*
 * The request parser and dispatcher without a socket: every command against the mock
 * backend (checking what the backend received), every error class, malformed envelopes,
 * argument types, ids of every JSON type, huge numbers; and the event records.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_internal.h"
#include "harness.h"
#include "test_ctl_mock.h"

static struct mock_be mock;
static struct ctl_counters counters;
static struct ctl_dispatch disp = { &mock_ops, &mock, &counters };

static void reset(void)
{
	mock_destroy(&mock);
	mock_init(&mock);
	memset(&counters, 0, sizeof(counters));
}

/* The reply to line, parsed (NULL when there is none). */
static json_t *rq(const char *line)
{
	char *reply = NULL;
	json_t *j = NULL;
	int r = ctl_proto_handle_line(&disp, line, strlen(line), &reply);

	CHECK_EQ(r, 0);
	if (reply) {
		j = json_loads(reply, 0, NULL);
		CHECK_MSG(j != NULL, "reply is not JSON: %s", reply);
		CHECK_MSG(strchr(reply, '\n') == NULL, "reply has a newline: %s", reply);
	}
	free(reply);
	return j;
}

static const char *err_class(json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "class"));
}

static const char *err_desc(json_t *r)
{
	const char *s = json_string_value(json_object_get(json_object_get(r, "error"), "desc"));

	return s ? s : "";
}

static json_t *ret_of(json_t *r)
{
	return json_object_get(r, "return");
}

/* Expects an error of class cls whose desc contains needle; returns nothing. */
static void expect_error(const char *line, const char *cls, const char *needle)
{
	json_t *r = rq(line);

	CHECK_MSG(r && err_class(r) && !strcmp(err_class(r), cls), "%s: class %s, wanted %s", line,
		  r ? err_class(r) : "(no reply)", cls);
	CHECK_MSG(r && strstr(err_desc(r), needle), "%s: desc '%s' lacks '%s'", line,
		  r ? err_desc(r) : "", needle);
	json_decref(r);
}

/* Each run state the backend reports, as query-status shows it. */
static void test_query_status_states(void)
{
	static const struct {
		enum ctl_run_state state;
		const char *name;
		bool running;
	} states[] = {
		{ CTL_RUN_STARTING, "starting", false },
		{ CTL_RUN_RUNNING, "running", true },
		{ CTL_RUN_SHUTTING_DOWN, "shutting-down", false },
	};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		json_t *r, *ret;

		reset();
		mock.state = states[i].state;
		r = rq("{\"execute\": \"query-status\"}");
		ret = ret_of(r);
		CHECK_STR(json_string_value(json_object_get(ret, "status")), states[i].name);
		CHECK_MSG(json_is_true(json_object_get(ret, "running")) == states[i].running,
			  "%s: running is %s", states[i].name,
			  states[i].running ? "false" : "true");
		json_decref(r);
	}
}

static void test_query_status(void)
{
	json_t *r, *ret;

	reset();
	r = rq("{\"execute\": \"query-status\"}");
	ret = ret_of(r);
	CHECK_STR(json_string_value(json_object_get(ret, "status")), "running");
	CHECK(json_is_true(json_object_get(ret, "running")));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret, "vcpus"), "present")), 3);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret, "vcpus"), "boot")), 2);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret, "vcpus"), "max")), 4);
	CHECK_STR(json_string_value(json_object_get(ret, "hv-features")), "vpindex,tlbflush");
	CHECK_EQ(json_integer_value(json_object_get(ret, "uptime-ns")), 1500000000);
	CHECK(json_object_get(r, "id") == NULL);
	CHECK_EQ(mock.calls[MOCK_STATUS], 1);
	json_decref(r);
}

static void test_query_synic(void)
{
	json_t *r, *ret, *c;

	reset();
	r = rq("{\"execute\": \"query-synic\"}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 2);
	c = json_array_get(ret, 0);
	CHECK_EQ(json_integer_value(json_object_get(c, "vp-index")), 0);
	CHECK_STR(json_string_value(json_object_get(c, "simp")), "0x5001");
	CHECK_EQ(json_array_size(json_object_get(c, "sints")), 16);
	CHECK_STR(json_string_value(json_array_get(json_object_get(c, "sints"), 2)),
		  "0xffffffff00020051");
	CHECK_STR(json_string_value(
		      json_object_get(json_array_get(json_object_get(c, "stimers"), 0), "config")),
		  "0x20003");
	CHECK_EQ(json_integer_value(json_object_get(
		     json_array_get(json_object_get(c, "stimers"), 0), "expiration")),
		 123456);
	CHECK_EQ(json_integer_value(json_object_get(c, "waiting-sints")), 4);
	CHECK_EQ(json_integer_value(json_object_get(json_array_get(ret, 1), "autoeoi-pending")), 2);
	json_decref(r);
	mock.fail[MOCK_SYNIC] = -ENODEV;
	mock.fail_msg[MOCK_SYNIC] = "this VM has no SynIC (--hv synic)";
	expect_error("{\"execute\": \"query-synic\"}", "DeviceNotFound", "no SynIC");
	mock.fail[MOCK_SYNIC] = 0;
	mock.fail_msg[MOCK_SYNIC] = NULL;
}

static void test_query_cpus(void)
{
	json_t *r, *ret, *c;

	reset();
	r = rq("{\"execute\": \"query-cpus\", \"arguments\": {}, \"id\": 5}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 4);
	CHECK_EQ(json_integer_value(json_object_get(r, "id")), 5);
	c = json_array_get(ret, 1);
	CHECK_EQ(json_integer_value(json_object_get(c, "slot")), 1);
	CHECK_EQ(json_integer_value(json_object_get(c, "vp-index")), 1);
	CHECK_EQ(json_integer_value(json_object_get(c, "host-cpu")), 5);
	CHECK_EQ(json_integer_value(json_object_get(c, "thread-id")), 1001);
	CHECK_STR(json_string_value(json_object_get(c, "state")), "online");
	CHECK(json_is_true(json_object_get(c, "tlb-flush-inhibit")));
	CHECK(json_object_get(c, "waiting-on") == NULL);
	c = json_array_get(ret, 2);
	CHECK_STR(json_string_value(json_object_get(c, "state")), "suspended");
	CHECK_EQ(json_integer_value(json_object_get(c, "waiting-on")), 1);
	CHECK(json_integer_value(json_object_get(c, "suspended-ns")) >= 5000000);
	CHECK(json_is_false(json_object_get(c, "tlb-flush-inhibit")));
	c = json_array_get(ret, 3);
	CHECK_STR(json_string_value(json_object_get(c, "state")), "absent");
	CHECK(json_object_get(c, "vp-index") == NULL);
	CHECK(json_object_get(c, "host-cpu") == NULL);
	CHECK(json_object_get(c, "thread-id") == NULL);
	CHECK_EQ(json_integer_value(json_object_get(c, "apic-id")), 3);
	json_decref(r);
}

static void test_cpu_add(void)
{
	json_t *r;

	reset();
	r = rq("{\"execute\": \"cpu-add\"}");
	CHECK_EQ(mock.calls[MOCK_ADD], 1);
	CHECK_EQ(mock.add_slot, -1); /* no slot: the backend picks */
	CHECK_EQ(json_integer_value(json_object_get(ret_of(r), "slot")), 3);
	json_decref(r);

	reset();
	r = rq("{\"execute\": \"cpu-add\", \"arguments\": {\"slot\": 3}}");
	CHECK_EQ(mock.add_slot, 3);
	CHECK_EQ(json_integer_value(json_object_get(ret_of(r), "slot")), 3);
	json_decref(r);

	/* occupied: the backend's message and errno class */
	expect_error("{\"execute\": \"cpu-add\", \"arguments\": {\"slot\": 3}}", "GenericError",
		     "slot 3 already has a vCPU");
	expect_error("{\"execute\": \"cpu-add\", \"arguments\": {\"slot\": 9}}", "DeviceNotFound",
		     "there is no slot 9");
	expect_error("{\"execute\": \"cpu-add\", \"arguments\": {\"slot\": -2}}", "GenericError",
		     "between 0 and");
	CHECK_EQ(mock.calls[MOCK_ADD], 3); /* the range error never reached the backend */
}

static void test_cpu_del(void)
{
	json_t *r;

	reset();
	r = rq("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 2}, \"id\": \"a\"}");
	CHECK(json_is_object(ret_of(r)) && json_object_size(ret_of(r)) == 0);
	CHECK_STR(json_string_value(json_object_get(r, "id")), "a");
	CHECK_EQ(mock.del_slot, 2);
	json_decref(r);
	/* -ENOENT without a message: DeviceNotFound with the errno text */
	expect_error("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 7}}", "DeviceNotFound",
		     "cpu-del: no such vCPU, VP or host CPU");
	expect_error("{\"execute\": \"cpu-del\"}", "GenericError", "missing argument 'slot'");
	CHECK_EQ(mock.calls[MOCK_DEL], 2);
}

static void test_resize_cpus(void)
{
	json_t *r;

	reset();
	r = rq("{\"execute\": \"resize-cpus\", \"arguments\": {\"desired-vcpus\": 3}}");
	CHECK(ret_of(r) != NULL);
	CHECK_EQ(mock.resize, 3);
	json_decref(r);
	expect_error("{\"execute\": \"resize-cpus\", \"arguments\": {\"desired-vcpus\": 0}}",
		     "GenericError", "'desired-vcpus' must be between 1 and");
	expect_error("{\"execute\": \"resize-cpus\", \"arguments\": {\"desired_vcpus\": 2}}",
		     "GenericError", "unexpected argument 'desired_vcpus'");
	mock.fail[MOCK_RESIZE] = -ETIMEDOUT;
	mock.fail_msg[MOCK_RESIZE] = "vCPU 2 did not acknowledge in 1000 ms";
	expect_error("{\"execute\": \"resize-cpus\", \"arguments\": {\"desired-vcpus\": 2}}",
		     "GenericError", "vCPU 2 did not acknowledge");
	CHECK_EQ(mock.calls[MOCK_RESIZE], 2);
}

static void test_set_tlb_flush_inhibit(void)
{
	json_t *r;

	reset();
	r = rq("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": 1, "
	       "\"inhibit\": true}}");
	CHECK(ret_of(r) != NULL);
	CHECK_EQ(mock.inhibit_vp, 1);
	CHECK_EQ(mock.inhibit_on, true);
	json_decref(r);
	r = rq("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"inhibit\": false, "
	       "\"vp-index\": 2}}");
	CHECK(ret_of(r) != NULL);
	CHECK_EQ(mock.inhibit_vp, 2);
	CHECK_EQ(mock.inhibit_on, false);
	json_decref(r);
	expect_error("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": 1, "
		     "\"inhibit\": \"on\"}}",
		     "GenericError", "argument 'inhibit' must be a boolean");
	expect_error("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": "
		     "true, \"inhibit\": true}}",
		     "GenericError", "argument 'vp-index' must be an integer");
	expect_error("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": 1}}",
		     "GenericError", "missing argument 'inhibit'");
	expect_error("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": 8, "
		     "\"inhibit\": true}}",
		     "DeviceNotFound", "no VP with index 8");
	CHECK_EQ(mock.calls[MOCK_INHIBIT], 3);
}

static void test_query_host_cpus(void)
{
	json_t *r, *ret;

	reset();
	r = rq("{\"execute\": \"query-host-cpus\"}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 4);
	CHECK_STR(json_string_value(json_object_get(json_array_get(ret, 0), "state")), "admitted");
	CHECK(json_object_get(json_array_get(ret, 0), "reason") == NULL);
	CHECK_STR(json_string_value(json_object_get(json_array_get(ret, 1), "state")), "rejected");
	CHECK_STR(json_string_value(json_object_get(json_array_get(ret, 1), "reason")),
		  "CPUID.1:ECX.VMX differs from CPU 0");
	CHECK_STR(json_string_value(json_object_get(json_array_get(ret, 2), "state")), "offline");
	CHECK(json_object_get(json_array_get(ret, 2), "reason") == NULL); /* "" is omitted */
	CHECK_STR(json_string_value(json_object_get(json_array_get(ret, 3), "state")), "excluded");
	CHECK_EQ(json_integer_value(json_object_get(json_array_get(ret, 3), "cpu")), 3);
	json_decref(r);
}

/* The group of a query-stats result with that target, vCPU (-1: none) and provider. */
static json_t *stats_group(json_t *ret, const char *target, int vcpu, const char *provider)
{
	for (size_t i = 0; i < json_array_size(ret); i++) {
		json_t *g = json_array_get(ret, i), *v = json_object_get(g, "vcpu");

		if (!strcmp(json_string_value(json_object_get(g, "target")), target) &&
		    !strcmp(json_string_value(json_object_get(g, "provider")), provider) &&
		    (vcpu < 0 ? v == NULL : json_integer_value(v) == vcpu))
			return g;
	}
	return NULL;
}

static void test_query_stats(void)
{
	json_t *r, *ret, *g, *st;

	reset();
	r = rq("{\"execute\": \"query-stats\"}");
	ret = ret_of(r);
	/* emitted interleaved; returned as VM first, then vCPUs by slot, providers in order */
	CHECK_EQ(json_array_size(ret), 6);
	CHECK(json_array_get(ret, 0) == stats_group(ret, "vm", -1, "hvemu"));
	CHECK(json_array_get(ret, 1) == stats_group(ret, "vm", -1, "kvm"));
	CHECK(json_array_get(ret, 2) == stats_group(ret, "vcpu", 0, "hvemu"));
	CHECK(json_array_get(ret, 3) == stats_group(ret, "vcpu", 0, "kvm"));
	CHECK(json_array_get(ret, 4) == stats_group(ret, "vcpu", 1, "hvemu"));
	CHECK(json_array_get(ret, 5) == stats_group(ret, "vcpu", 1, "kvm"));
	g = stats_group(ret, "vm", -1, "hvemu");
	CHECK(g != NULL);
	CHECK_EQ(json_array_size(json_object_get(g, "stats")), 2); /* grouped though interleaved */
	st = json_array_get(json_object_get(g, "stats"), 1);
	CHECK_STR(json_string_value(json_object_get(st, "name")), "vcpus_present");
	CHECK_STR(json_string_value(json_object_get(st, "type")), "instant");
	CHECK_STR(json_string_value(json_object_get(st, "unit")), "none");
	CHECK_EQ(json_integer_value(json_object_get(st, "value")), 3);
	g = stats_group(ret, "vcpu", 0, "hvemu");
	CHECK_EQ(json_array_size(json_object_get(g, "stats")), 2);
	st = json_array_get(json_object_get(g, "stats"), 1);
	CHECK_STR(json_string_value(json_object_get(st, "type")), "peak");
	CHECK_STR(json_string_value(json_object_get(st, "unit")), "nanoseconds");
	g = stats_group(ret, "vcpu", 1, "kvm");
	st = json_array_get(json_object_get(g, "stats"), 0);
	CHECK_EQ(json_integer_value(json_object_get(st, "value")), INT64_MAX);
	/* A histogram: its summary and its non-empty buckets as [lowest, highest, count]. */
	g = stats_group(ret, "vcpu", 1, "hvemu");
	st = json_array_get(json_object_get(g, "stats"), 1);
	CHECK_STR(json_string_value(json_object_get(st, "name")), "exit_ns_pio");
	CHECK_STR(json_string_value(json_object_get(st, "type")), "histogram");
	CHECK_STR(json_string_value(json_object_get(st, "unit")), "nanoseconds");
	st = json_object_get(st, "value");
	CHECK_EQ(json_integer_value(json_object_get(st, "count")), 3);
	CHECK_EQ(json_integer_value(json_object_get(st, "sum")), 5000);
	CHECK_EQ(json_integer_value(json_object_get(st, "max")), 3000);
	CHECK(json_integer_value(json_object_get(st, "p50")) >= 960 &&
	      json_integer_value(json_object_get(st, "p50")) <= 1023);
	CHECK(json_integer_value(json_object_get(st, "p99")) >= 2816 &&
	      json_integer_value(json_object_get(st, "p99")) <= 3000);
	st = json_object_get(st, "buckets");
	CHECK_EQ(json_array_size(st), 2);
	CHECK_EQ(json_integer_value(json_array_get(json_array_get(st, 0), 0)), 960);
	CHECK_EQ(json_integer_value(json_array_get(json_array_get(st, 0), 1)), 1023);
	CHECK_EQ(json_integer_value(json_array_get(json_array_get(st, 0), 2)), 2);
	CHECK_EQ(json_integer_value(json_array_get(json_array_get(st, 1), 2)), 1);
	json_decref(r);

	r = rq("{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vcpu\", \"vcpus\": "
	       "[1], \"providers\": [\"kvm\", \"hvemu\"]}}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 2);
	CHECK(stats_group(ret, "vcpu", 1, "hvemu") && stats_group(ret, "vcpu", 1, "kvm"));
	json_decref(r);

	r = rq("{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vm\", \"names\": "
	       "[\"remote_tlb_flush\"]}}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 1);
	CHECK(stats_group(ret, "vm", -1, "kvm") != NULL);
	json_decref(r);

	r = rq("{\"execute\": \"query-stats\", \"arguments\": {\"providers\": [\"none\"]}}");
	CHECK(json_is_array(ret_of(r)) && json_array_size(ret_of(r)) == 0);
	json_decref(r);

	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vcpus\"}}",
		     "GenericError", "'target' must be \"vm\" or \"vcpu\"");
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vm\", "
		     "\"vcpus\": [0]}}",
		     "GenericError", "'vcpus' needs target");
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"vcpus\": [0, \"1\"]}}",
		     "GenericError", "'vcpus' must be an array of integers");
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"providers\": \"kvm\"}}",
		     "GenericError", "'providers' must be an array of strings");
	CHECK_EQ(mock.calls[MOCK_STATS], 4);

	/* Every vcpus entry must name a slot that has a vCPU: never filtered away silently. */
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"vcpus\": [1, 5]}}",
		     "DeviceNotFound", "'vcpus' names slot 5, which has no vCPU");
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vcpu\", "
		     "\"vcpus\": [4294967295], \"names\": [\"exits\"]}}",
		     "DeviceNotFound", "slot 4294967295, which has no vCPU");
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"vcpus\": [0, -1]}}",
		     "GenericError", "'vcpus' entry -1 is not a vCPU slot number");
	expect_error("{\"execute\": \"query-stats\", \"arguments\": {\"vcpus\": [4294967296]}}",
		     "GenericError", "'vcpus' entry 4294967296 is not a vCPU slot number");
	/* A slot whose statistics the other filters exclude still exists; duplicates are one. */
	r = rq("{\"execute\": \"query-stats\", \"arguments\": {\"vcpus\": [1, 0, 1], "
	       "\"names\": [\"suspended_ns\"]}}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 1);
	CHECK(stats_group(ret, "vcpu", 0, "hvemu") != NULL);
	json_decref(r);
	r = rq("{\"execute\": \"query-stats\", \"arguments\": {\"vcpus\": []}}");
	ret = ret_of(r);
	CHECK_EQ(json_array_size(ret), 2); /* the VM's groups only */
	json_decref(r);
}

static void test_query_hyperv(void)
{
	json_t *r, *ret, *vps, *vp;

	reset();
	r = rq("{\"execute\": \"query-hyperv\"}");
	ret = ret_of(r);
	CHECK_EQ(mock.calls[MOCK_HYPERV], 1);
	CHECK(json_is_true(json_object_get(ret, "enabled")));
	CHECK_STR(json_string_value(json_object_get(ret, "features")), "vpindex,tlbflush");
	CHECK_EQ(
	    json_integer_value(json_object_get(json_object_get(ret, "cpuid"), "privileges-low")),
	    0xaf3);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret, "cpuid"), "hints")),
		 0xc24);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret, "cpuid"), "misc")), 0x518);
	CHECK_EQ(
	    json_integer_value(json_object_get(json_object_get(ret, "cpuid"), "spinlock-retries")),
	    0xfff);
	/* The raw ID as hex text: it does not fit a JSON integer. */
	CHECK_STR(json_string_value(json_object_get(json_object_get(ret, "guest-os-id"), "value")),
		  "0x8100000601c00000");
	CHECK_STR(json_string_value(json_object_get(json_object_get(ret, "guest-os-id"), "os")),
		  "Linux");
	CHECK_STR(
	    json_string_value(json_object_get(json_object_get(ret, "guest-os-id"), "version")),
	    "6.1.192");
	CHECK(json_is_true(json_object_get(json_object_get(ret, "guest-os-id"), "open-source")));
	CHECK(json_is_true(json_object_get(json_object_get(ret, "hypercall-page"), "enabled")));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret, "hypercall-page"), "gpa")),
		 0x4000000);
	CHECK(json_is_true(json_object_get(json_object_get(ret, "reference-tsc-page"), "valid")));
	CHECK_EQ(json_integer_value(
		     json_object_get(json_object_get(ret, "reference-tsc-page"), "sequence")),
		 5);
	vps = json_object_get(ret, "vps");
	CHECK_EQ(json_array_size(vps), 3); /* slot 3 has no VP */
	vp = json_array_get(vps, 0);
	CHECK(json_is_true(json_object_get(json_object_get(vp, "vp-assist-page"), "enabled")));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(vp, "vp-assist-page"), "gpa")),
		 0x5000000);
	vp = json_array_get(vps, 1);
	CHECK_EQ(json_integer_value(json_object_get(vp, "vp-index")), 1);
	/* a disabled page reports gpa 0, whatever the MSR's address bits hold */
	CHECK(json_is_false(json_object_get(json_object_get(vp, "vp-assist-page"), "enabled")));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(vp, "vp-assist-page"), "gpa")),
		 0);
	json_decref(r);

	/* Without --hv: only "enabled": false. */
	reset();
	mock.hv_off = true;
	r = rq("{\"execute\": \"query-hyperv\"}");
	ret = ret_of(r);
	CHECK(json_is_false(json_object_get(ret, "enabled")));
	CHECK_EQ(json_object_size(ret), 1);
	json_decref(r);
}

static void test_quit_and_capabilities(void)
{
	json_t *r;

	reset();
	r = rq("{\"execute\": \"quit\", \"id\": 1}");
	CHECK(ret_of(r) != NULL);
	CHECK_EQ(mock.calls[MOCK_QUIT], 1);
	json_decref(r);
	r = rq("{\"execute\": \"qmp_capabilities\"}");
	CHECK(json_is_object(ret_of(r)));
	json_decref(r);
	r = rq("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": []}}");
	CHECK(json_is_object(ret_of(r)));
	json_decref(r);
	expect_error("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}",
		     "GenericError", "capability 'oob' is not available");
}

static void test_version_and_commands(void)
{
	json_t *r, *c;
	size_t n, i;
	const struct ctl_cmd_spec *t = ctl_cmd_table(&n);
	char *greeting = ctl_proto_greeting();

	reset();
	r = rq("{\"execute\": \"query-version\"}");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret_of(r), "hvemu"), "major")),
		 HVEMU_VERSION_MAJOR);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(ret_of(r), "hvemu"), "minor")),
		 HVEMU_VERSION_MINOR);
	json_decref(r);
	r = rq("{\"execute\": \"query-commands\"}");
	CHECK_EQ(json_array_size(ret_of(r)), n);
	for (i = 0; i < json_array_size(ret_of(r)); i++) {
		c = json_array_get(ret_of(r), i);
		CHECK(ctl_cmd_find(json_string_value(json_object_get(c, "name"))) == &t[i]);
	}
	json_decref(r);
	r = greeting ? json_loads(greeting, 0, NULL) : NULL;
	CHECK(json_is_object(json_object_get(json_object_get(r, "QMP"), "version")));
	CHECK_STR(json_string_value(json_array_get(
		      json_object_get(json_object_get(r, "QMP"), "capabilities"), 0)),
		  "events");
	json_decref(r);
	free(greeting);
}

static void test_command_not_found(void)
{
	json_t *r;

	reset();
	r = rq("{\"execute\": \"device_add\", \"id\": [1, 2]}");
	CHECK_STR(err_class(r), "CommandNotFound");
	CHECK(strstr(err_desc(r), "'device_add'") != NULL);
	CHECK_EQ(json_array_size(json_object_get(r, "id")), 2);
	json_decref(r);
	expect_error("{\"execute\": \"\"}", "CommandNotFound", "does not exist");
	CHECK_EQ(counters.ctl_errors_command_not_found, 2);
	CHECK_EQ(counters.ctl_errors_generic, 0);
	CHECK_EQ(counters.ctl_requests, 2);
}

static void test_envelope_errors(void)
{
	static const char nul_line[] = "{\"execute\": \"quit\"\0}";
	char *reply = NULL;
	json_t *r;

	reset();
	expect_error("[1, 2]", "GenericError", "must be a JSON object");
	expect_error("\"query-status\"", "GenericError", "JSON parse error");
	expect_error("42", "GenericError", "JSON parse error");
	expect_error("null", "GenericError", "JSON parse error");
	expect_error("{", "GenericError", "JSON parse error at column");
	expect_error("{\"execute\": \"quit\"} trailing", "GenericError", "JSON parse error");
	expect_error("{\"id\": 3}", "GenericError", "missing 'execute'");
	expect_error("{\"execute\": 7}", "GenericError", "'execute' must be a string");
	expect_error("{\"execute\": \"quit\", \"arguments\": []}", "GenericError",
		     "'arguments' must be an object");
	expect_error("{\"execute\": \"quit\", \"control\": 1}", "GenericError",
		     "unexpected request member 'control'");
	expect_error("{\"execute\": \"quit\", \"execute\": \"quit\"}", "GenericError", "duplicate");
	expect_error("{\"execute\": \"qu\xff\xfeit\"}", "GenericError", "JSON parse error");
	expect_error("{\"execute\": \"quit\", \"arguments\": {\"now\": 1}}", "GenericError",
		     "quit: unexpected argument 'now' (arguments: none)");
	CHECK_EQ(mock.calls[MOCK_QUIT], 0);
	/* a NUL inside the line is an error, not the end of the line */
	CHECK_EQ(ctl_proto_handle_line(&disp, nul_line, sizeof(nul_line) - 1, &reply), 0);
	r = reply ? json_loads(reply, 0, NULL) : NULL;
	CHECK_STR(err_class(r), "GenericError");
	CHECK_EQ(mock.calls[MOCK_QUIT], 0);
	json_decref(r);
	free(reply);
	/* blank lines get no reply and are not requests */
	CHECK(rq("") == NULL);
	CHECK(rq("  \t\r") == NULL);
	CHECK(rq("\r\r\r") == NULL); /* QMP ignores whitespace between requests too */
	CHECK_EQ(counters.ctl_requests, 14);
	CHECK_EQ(counters.ctl_errors_generic, 14);
}

static void test_ids_echoed(void)
{
	static const char *const ids[] = {
		"0",
		"-1",
		"9223372036854775807",
		"-9223372036854775808",
		"1.5",
		"-2.5e-10",
		"true",
		"false",
		"null",
		"\"x\"",
		"\"\\u00e9\\n\"",
		"[]",
		"[1, [2, {}]]",
		"{\"a\": {\"b\": [null]}}",
	};

	reset();
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		char line[256];
		json_t *r, *want = json_loads(ids[i], JSON_DECODE_ANY, NULL);

		/* on success and on error */
		snprintf(line, sizeof(line), "{\"execute\": \"query-version\", \"id\": %s}",
			 ids[i]);
		r = rq(line);
		CHECK_MSG(json_equal(json_object_get(r, "id"), want), "id %s not echoed", ids[i]);
		CHECK(ret_of(r) != NULL);
		json_decref(r);
		snprintf(line, sizeof(line), "{\"id\": %s, \"execute\": \"nope\"}", ids[i]);
		r = rq(line);
		CHECK_MSG(json_equal(json_object_get(r, "id"), want), "id %s not echoed", ids[i]);
		CHECK_STR(err_class(r), "CommandNotFound");
		json_decref(r);
		json_decref(want);
	}
}

static void test_huge_numbers(void)
{
	json_t *r;

	reset();
	expect_error("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 9223372036854775807}}",
		     "GenericError", "'slot' must be between 0 and 2147483647");
	expect_error("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 4294967296}}",
		     "GenericError", "must be between");
	expect_error("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 99999999999999999999}}",
		     "GenericError", "too big integer");
	expect_error("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 1e400}}", "GenericError",
		     "JSON parse error");
	expect_error("{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 2.0}}", "GenericError",
		     "'slot' must be an integer");
	expect_error("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": "
		     "-9223372036854775808, \"inhibit\": true}}",
		     "GenericError", "must be between");
	/* an id too big for 64 bits: a parse error, so no id can be echoed */
	r = rq("{\"execute\": \"quit\", \"id\": 18446744073709551616}");
	CHECK_STR(err_class(r), "GenericError");
	CHECK(json_object_get(r, "id") == NULL);
	json_decref(r);
	CHECK_EQ(mock.calls[MOCK_DEL], 0);
	CHECK_EQ(mock.calls[MOCK_QUIT], 0);
}

static void test_backend_failures(void)
{
	static const char *const lines[] = {
		"{\"execute\": \"query-status\"}",
		"{\"execute\": \"query-cpus\"}",
		"{\"execute\": \"cpu-add\"}",
		"{\"execute\": \"cpu-del\", \"arguments\": {\"slot\": 0}}",
		"{\"execute\": \"resize-cpus\", \"arguments\": {\"desired-vcpus\": 1}}",
		("{\"execute\": \"set-tlb-flush-inhibit\", \"arguments\": {\"vp-index\": 0, "
		 "\"inhibit\": true}}"),
		"{\"execute\": \"query-host-cpus\"}",
		"{\"execute\": \"query-stats\"}",
		"{\"execute\": \"quit\"}",
		"{\"execute\": \"query-hyperv\"}",
		"{\"execute\": \"query-synic\"}",
	};

	/* every op failing, with its errno class and the backend's message */
	for (int op = 0; op < MOCK_OP_NR; op++) {
		reset();
		mock.fail[op] = op % 2 ? -ENODEV : -EIO;
		mock.fail_msg[op] = op % 3 ? "backend says no \xff" : NULL;
		expect_error(lines[op], op % 2 ? "DeviceNotFound" : "GenericError",
			     op % 3   ? "backend says no ?"
			     : op % 2 ? ": no such vCPU"
				      : " failed: ");
		CHECK_EQ(mock.calls[op], 1);
	}
}

static void test_null_ops(void)
{
	static const struct ctl_backend_ops none;
	struct ctl_dispatch d = { &none, NULL, NULL };
	static const char *const cmds[] = { "query-status",    "query-cpus",  "cpu-add",
					    "query-host-cpus", "query-stats", "quit",
					    "query-hyperv" };

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		char line[128], *reply = NULL;
		json_t *r;

		snprintf(line, sizeof(line), "{\"execute\": \"%s\"}", cmds[i]);
		CHECK_EQ(ctl_proto_handle_line(&d, line, strlen(line), &reply), 0);
		r = reply ? json_loads(reply, 0, NULL) : NULL;
		CHECK_STR(err_class(r), "GenericError");
		CHECK_MSG(strstr(err_desc(r), "not supported"), "%s: %s", cmds[i], err_desc(r));
		json_decref(r);
		free(reply);
	}
}

static void test_errno_classes(void)
{
	CHECK_EQ(ctl_errno_class(-ENOENT), CTL_ERR_DEVICE_NOT_FOUND);
	CHECK_EQ(ctl_errno_class(-ENODEV), CTL_ERR_DEVICE_NOT_FOUND);
	CHECK_EQ(ctl_errno_class(-ENXIO), CTL_ERR_DEVICE_NOT_FOUND);
	CHECK_EQ(ctl_errno_class(-EBUSY), CTL_ERR_GENERIC);
	CHECK_EQ(ctl_errno_class(-ETIMEDOUT), CTL_ERR_GENERIC);
	CHECK_STR(ctl_err_class_name(CTL_ERR_GENERIC), "GenericError");
	CHECK_STR(ctl_err_class_name(CTL_ERR_COMMAND_NOT_FOUND), "CommandNotFound");
	CHECK_STR(ctl_err_class_name(CTL_ERR_DEVICE_NOT_FOUND), "DeviceNotFound");
	CHECK_STR(ctl_err_class_name(CTL_ERR_NR), "GenericError");
}

static void push(struct ctl_evq *q, bool expect, const char *name, ...)
{
	va_list ap;

	va_start(ap, name);
	CHECK_EQ(ctl_evq_push_va(q, name, ap), expect);
	va_end(ap);
}

static void test_event_records(void)
{
	struct ctl_counters c = { 0 };
	struct ctl_evq q;
	struct ctl_event_rec recs[4];
	char longstr[300];
	char *line;
	json_t *ev, *data;

	memset(longstr, 'x', sizeof(longstr) - 1);
	longstr[sizeof(longstr) - 1] = '\0';
	CHECK_EQ(ctl_evq_init(&q, 3, -1, &c), 0);
	push(&q, true, "VCPU_ADDED", CTL_EV_INT("slot", 2), CTL_EV_INT("vp-index", -1),
	     CTL_EV_BOOL("x", 5), CTL_EV_T_END);
	push(&q, true, "GUEST_CRASHED", CTL_EV_HEX("p0", UINT64_MAX), CTL_EV_STR("s", NULL),
	     CTL_EV_STR("long", longstr), CTL_EV_T_END);
	push(&q, true, "SHUTDOWN", CTL_EV_INT("a", 1), CTL_EV_INT("b", 2), CTL_EV_INT("c", 3),
	     CTL_EV_INT("d", 4), CTL_EV_INT("e", 5), CTL_EV_INT("f", 6), CTL_EV_INT("g", 7),
	     CTL_EV_INT("h", 8), CTL_EV_INT("i", 9), CTL_EV_T_END);
	push(&q, false, "DROPPED", CTL_EV_T_END); /* full */
	CHECK_EQ(c.ctl_events, 3);
	CHECK_EQ(c.ctl_events_dropped, 1);
	CHECK_EQ(ctl_evq_pop(&q, recs, 4), 3);
	CHECK_EQ(ctl_evq_pop(&q, recs + 3, 1), 0);
	push(&q, false, "BADTYPE", 99, "k", 1, CTL_EV_T_END); /* unknown type: refused */
	CHECK_EQ(c.ctl_events_dropped, 2);

	line = ctl_event_to_line(&recs[0]);
	ev = line ? json_loads(line, 0, NULL) : NULL;
	data = json_object_get(ev, "data");
	CHECK_STR(json_string_value(json_object_get(ev, "event")), "VCPU_ADDED");
	CHECK_EQ(json_integer_value(json_object_get(data, "slot")), 2);
	CHECK_EQ(json_integer_value(json_object_get(data, "vp-index")), -1);
	CHECK(json_is_true(json_object_get(data, "x")));
	CHECK(json_integer_value(json_object_get(json_object_get(ev, "timestamp"), "seconds")) >
	      1600000000);
	CHECK(json_integer_value(
		  json_object_get(json_object_get(ev, "timestamp"), "microseconds")) < 1000000);
	json_decref(ev);
	free(line);

	line = ctl_event_to_line(&recs[1]);
	ev = line ? json_loads(line, 0, NULL) : NULL;
	data = json_object_get(ev, "data");
	CHECK_STR(json_string_value(json_object_get(data, "p0")), "0xffffffffffffffff");
	CHECK(json_is_null(json_object_get(data, "s")));
	CHECK_EQ(json_string_length(json_object_get(data, "long")), CTL_EVENT_STR_MAX - 1);
	json_decref(ev);
	free(line);

	line = ctl_event_to_line(&recs[2]);
	ev = line ? json_loads(line, 0, NULL) : NULL;
	CHECK_EQ(json_object_size(json_object_get(ev, "data")), CTL_EVENT_FIELDS_MAX);
	CHECK(json_object_get(json_object_get(ev, "data"), "i") == NULL);
	json_decref(ev);
	free(line);
	ctl_evq_destroy(&q);
}

int main(void)
{
	mock_init(&mock);
	RUN(test_query_status);
	RUN(test_query_status_states);
	RUN(test_query_cpus);
	RUN(test_query_synic);
	RUN(test_cpu_add);
	RUN(test_cpu_del);
	RUN(test_resize_cpus);
	RUN(test_set_tlb_flush_inhibit);
	RUN(test_query_host_cpus);
	RUN(test_query_stats);
	RUN(test_query_hyperv);
	RUN(test_quit_and_capabilities);
	RUN(test_version_and_commands);
	RUN(test_command_not_found);
	RUN(test_envelope_errors);
	RUN(test_ids_echoed);
	RUN(test_huge_numbers);
	RUN(test_backend_failures);
	RUN(test_null_ops);
	RUN(test_errno_classes);
	RUN(test_event_records);
	mock_destroy(&mock);
	return t_done();
}
