// SPDX-License-Identifier: MIT
/*
 * The commands: one table row each (name, handler, arguments with their types), and
 * the handlers, which unpack their already validated arguments with json_unpack_ex
 * (JSON_STRICT), check ranges, call the backend and build the return value.
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <string.h>

#include "util/time.h"

const char *ctl_run_state_name(enum ctl_run_state s)
{
	switch (s) {
	case CTL_RUN_STARTING:
		return "starting";
	case CTL_RUN_RUNNING:
		return "running";
	case CTL_RUN_SHUTTING_DOWN:
		return "shutting-down";
	}
	return "unknown";
}

const char *ctl_vcpu_state_name(enum ctl_vcpu_state s)
{
	switch (s) {
	case CTL_VCPU_ABSENT:
		return "absent";
	case CTL_VCPU_ADDING:
		return "adding";
	case CTL_VCPU_OFFLINE:
		return "offline";
	case CTL_VCPU_ONLINE:
		return "online";
	case CTL_VCPU_SUSPENDED:
		return "suspended";
	case CTL_VCPU_REMOVING:
		return "removing";
	case CTL_VCPU_PARKED:
		return "parked";
	case CTL_VCPU_INTERNAL_ERROR:
		return "internal-error";
	}
	return "unknown";
}

const char *ctl_host_cpu_state_name(enum ctl_host_cpu_state s)
{
	switch (s) {
	case CTL_HOST_CPU_ADMITTED:
		return "admitted";
	case CTL_HOST_CPU_REJECTED:
		return "rejected";
	case CTL_HOST_CPU_OFFLINE:
		return "offline";
	case CTL_HOST_CPU_EXCLUDED:
		return "excluded";
	}
	return "unknown";
}

const char *ctl_stats_target_name(enum ctl_stats_target t)
{
	return t == CTL_STATS_VM ? "vm" : "vcpu";
}

static int unsupported(struct ctl_error *e, const char *cmd)
{
	ctl_error_set(e, CTL_ERR_GENERIC, "%s is not supported by this VM", cmd);
	return -EOPNOTSUPP;
}

/* The arguments were validated against the table; this is the strict extraction. */
static int unpack(struct ctl_error *e, const char *cmd, json_t *args, const char *fmt, ...)
{
	json_error_t jerr;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = json_vunpack_ex(args, &jerr, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (r) {
		ctl_error_set(e, CTL_ERR_GENERIC, "%s: bad arguments: %s", cmd, jerr.text);
		return -EINVAL;
	}
	return 0;
}

static int check_range(struct ctl_error *e, const char *cmd, const char *arg, json_int_t v,
		       json_int_t min, json_int_t max)
{
	if (v >= min && v <= max)
		return 0;
	ctl_error_set(e, CTL_ERR_GENERIC, "%s: '%s' must be between %lld and %lld, not %lld", cmd,
		      arg, (long long)min, (long long)max, (long long)v);
	return -ERANGE;
}

/* Finishes a backend call: 0, or the error in e. */
static int backend_result(struct ctl_error *e, const char *cmd, int r, char *msg)
{
	msg[CTL_ERRMSG_MAX - 1] = '\0';
	if (r >= 0)
		return 0;
	ctl_error_backend(e, cmd, r, msg);
	return r;
}

static int cmd_qmp_capabilities(const struct ctl_dispatch *d, json_t *args, json_t **ret,
				struct ctl_error *e)
{
	json_t *enable = NULL;

	(void)d;
	(void)ret;
	if (unpack(e, "qmp_capabilities", args, "{s?o}", "enable", &enable))
		return -EINVAL;
	/* Nothing to negotiate: events are on from the start ("events" in the greeting). */
	if (json_array_size(enable)) {
		ctl_error_set(e, CTL_ERR_GENERIC,
			      "qmp_capabilities: capability '%s' is not available",
			      json_string_value(json_array_get(enable, 0)));
		return -EINVAL;
	}
	return 0;
}

static int cmd_query_version(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			     struct ctl_error *e)
{
	(void)d;
	(void)args;
	(void)e;
	*ret = ctl_version_json();
	return *ret ? 0 : -ENOMEM;
}

static int cmd_query_commands(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			      struct ctl_error *e)
{
	size_t n;
	const struct ctl_cmd_spec *t = ctl_cmd_table(&n);
	json_t *arr = json_array();

	(void)d;
	(void)args;
	(void)e;
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_pack("{s:s}", "name", t[i].name))) {
			json_decref(arr);
			return -ENOMEM;
		}
	}
	*ret = arr;
	return 0;
}

static int cmd_query_status(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			    struct ctl_error *e)
{
	struct ctl_status st;
	char msg[CTL_ERRMSG_MAX] = "";
	int r;

	(void)args;
	if (!d->ops->query_status)
		return unsupported(e, "query-status");
	memset(&st, 0, sizeof(st));
	r = d->ops->query_status(d->opaque, &st, msg);
	if (backend_result(e, "query-status", r, msg))
		return r;
	st.hv_features[sizeof(st.hv_features) - 1] = '\0';
	*ret = json_pack("{s:s, s:b, s:{s:I, s:I, s:I}, s:o, s:I}", "status",
			 ctl_run_state_name(st.state), "running", st.state == CTL_RUN_RUNNING,
			 "vcpus", "boot", (json_int_t)st.boot_cpus, "present",
			 (json_int_t)st.present_cpus, "max", (json_int_t)st.max_cpus, "hv-features",
			 ctl_json_string(st.hv_features), "uptime-ns",
			 (json_int_t)MIN(st.uptime_ns, (uint64_t)INT64_MAX));
	return *ret ? 0 : -ENOMEM;
}

struct list_ctx {
	json_t *arr;
	int err;
	uint64_t now;
};

static void add_vcpu(void *ctx, const struct ctl_vcpu_info *v)
{
	struct list_ctx *c = ctx;
	json_t *o;
	int r = 0;

	if (c->err)
		return;
	o = json_object();
	if (!o) {
		c->err = -ENOMEM;
		return;
	}
	r |= ctl_json_set_int(o, "slot", v->slot);
	if (v->vp_index >= 0)
		r |= ctl_json_set_int(o, "vp-index", v->vp_index);
	r |= ctl_json_set_int(o, "apic-id", v->apic_id);
	r |= ctl_json_set_str(o, "state", ctl_vcpu_state_name(v->state));
	r |= ctl_json_set_bool(o, "tlb-flush-inhibit", v->tlb_flush_inhibit);
	if (v->waiting_on >= 0) {
		uint64_t since = v->suspended_since_ns;

		r |= ctl_json_set_int(o, "waiting-on", v->waiting_on);
		r |= ctl_json_set_int(
		    o, "suspended-ns",
		    c->now > since ? (json_int_t)MIN(c->now - since, (uint64_t)INT64_MAX) : 0);
	}
	if (v->host_cpu >= 0)
		r |= ctl_json_set_int(o, "host-cpu", v->host_cpu);
	if (v->thread_id >= 0)
		r |= ctl_json_set_int(o, "thread-id", v->thread_id);
	if (r) {
		json_decref(o);
		c->err = -ENOMEM;
		return;
	}
	if (json_array_append_new(c->arr, o)) /* takes o even when it fails */
		c->err = -ENOMEM;
}

static int cmd_query_cpus(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			  struct ctl_error *e)
{
	struct list_ctx c = { .arr = json_array(), .now = now_ns() };
	char msg[CTL_ERRMSG_MAX] = "";
	int r;

	(void)args;
	if (!d->ops->query_cpus) {
		json_decref(c.arr);
		return unsupported(e, "query-cpus");
	}
	if (!c.arr)
		return -ENOMEM;
	r = d->ops->query_cpus(d->opaque, add_vcpu, &c, msg);
	if (r == 0)
		r = c.err;
	if (backend_result(e, "query-cpus", r, msg)) {
		json_decref(c.arr);
		return r;
	}
	*ret = c.arr;
	return 0;
}

static int set_hex(json_t *o, const char *key, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return ctl_json_set_str(o, key, b);
}

/* Registers as hex strings: they are bit fields, and may use all 64 bits. */
static void add_synic(void *ctx, const struct ctl_synic_info *s)
{
	struct list_ctx *c = ctx;
	json_t *o, *sints, *timers;
	int r = 0;

	if (c->err)
		return;
	o = json_object();
	sints = json_array();
	timers = json_array();
	if (!o || !sints || !timers) {
		json_decref(o);
		json_decref(sints);
		json_decref(timers);
		c->err = -ENOMEM;
		return;
	}
	r |= ctl_json_set_int(o, "slot", s->slot);
	r |= ctl_json_set_int(o, "vp-index", s->vp_index);
	r |= set_hex(o, "scontrol", s->scontrol);
	r |= set_hex(o, "simp", s->simp);
	r |= set_hex(o, "siefp", s->siefp);
	for (int i = 0; i < 16; i++) {
		char b[24];

		snprintf(b, sizeof(b), "0x%llx", (unsigned long long)s->sint[i]);
		r |= json_array_append_new(sints, json_string(b));
	}
	for (int i = 0; i < 4; i++) {
		json_t *t = json_object();

		if (!t || json_array_append_new(timers, t)) {
			r = -1;
			break;
		}
		r |= set_hex(t, "config", s->stimer_config[i]);
		r |= ctl_json_set_int(t, "count", (json_int_t)s->stimer_count[i]);
		r |= ctl_json_set_int(t, "expiration", (json_int_t)s->stimer_expiration[i]);
	}
	r |= ctl_json_set_new(o, "sints", sints);
	r |= ctl_json_set_new(o, "stimers", timers);
	r |= ctl_json_set_int(o, "waiting-sints", s->waiting_sints);
	r |= ctl_json_set_int(o, "autoeoi-pending", s->autoeoi_pending);
	if (r) {
		json_decref(o);
		c->err = -ENOMEM;
		return;
	}
	if (json_array_append_new(c->arr, o))
		c->err = -ENOMEM;
}

static int cmd_query_synic(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			   struct ctl_error *e)
{
	struct list_ctx c = { 0 };
	char msg[CTL_ERRMSG_MAX] = "";
	int r;

	(void)args;
	if (!d->ops->query_synic)
		return unsupported(e, "query-synic");
	c.arr = json_array();
	if (!c.arr)
		return -ENOMEM;
	r = d->ops->query_synic(d->opaque, add_synic, &c, msg);
	if (r == 0)
		r = c.err;
	if (backend_result(e, "query-synic", r, msg)) {
		json_decref(c.arr);
		return r;
	}
	*ret = c.arr;
	return 0;
}

static void add_host_cpu(void *ctx, const struct ctl_host_cpu_info *h)
{
	struct list_ctx *c = ctx;
	json_t *o;

	if (c->err)
		return;
	o = json_pack("{s:I, s:s}", "cpu", (json_int_t)h->cpu, "state",
		      ctl_host_cpu_state_name(h->state));
	if (o && h->reason && h->reason[0] && ctl_json_set_str(o, "reason", h->reason)) {
		json_decref(o);
		o = NULL;
	}
	if (!o || json_array_append_new(c->arr, o))
		c->err = -ENOMEM;
}

static int cmd_query_host_cpus(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			       struct ctl_error *e)
{
	struct list_ctx c = { 0 };
	char msg[CTL_ERRMSG_MAX] = "";
	int r;

	(void)args;
	if (!d->ops->query_host_cpus)
		return unsupported(e, "query-host-cpus");
	c.arr = json_array();
	if (!c.arr)
		return -ENOMEM;
	r = d->ops->query_host_cpus(d->opaque, add_host_cpu, &c, msg);
	if (r == 0)
		r = c.err;
	if (backend_result(e, "query-host-cpus", r, msg)) {
		json_decref(c.arr);
		return r;
	}
	*ret = c.arr;
	return 0;
}

static int cmd_cpu_add(const struct ctl_dispatch *d, json_t *args, json_t **ret,
		       struct ctl_error *e)
{
	json_int_t slot = -1;
	uint32_t used = 0;
	char msg[CTL_ERRMSG_MAX] = "";
	int r;

	if (unpack(e, "cpu-add", args, "{s?I}", "slot", &slot))
		return -EINVAL;
	if (json_object_get(args, "slot") && check_range(e, "cpu-add", "slot", slot, 0, INT32_MAX))
		return -ERANGE;
	if (!d->ops->cpu_add)
		return unsupported(e, "cpu-add");
	r = d->ops->cpu_add(d->opaque, (int32_t)slot, &used, msg);
	if (backend_result(e, "cpu-add", r, msg))
		return r;
	*ret = json_pack("{s:I}", "slot", (json_int_t)used);
	return *ret ? 0 : -ENOMEM;
}

static int cmd_cpu_del(const struct ctl_dispatch *d, json_t *args, json_t **ret,
		       struct ctl_error *e)
{
	json_int_t slot;
	char msg[CTL_ERRMSG_MAX] = "";

	(void)ret;
	if (unpack(e, "cpu-del", args, "{s:I}", "slot", &slot))
		return -EINVAL;
	if (check_range(e, "cpu-del", "slot", slot, 0, INT32_MAX))
		return -ERANGE;
	if (!d->ops->cpu_del)
		return unsupported(e, "cpu-del");
	return backend_result(e, "cpu-del", d->ops->cpu_del(d->opaque, (uint32_t)slot, msg), msg);
}

static int cmd_resize_cpus(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			   struct ctl_error *e)
{
	json_int_t n;
	char msg[CTL_ERRMSG_MAX] = "";

	(void)ret;
	if (unpack(e, "resize-cpus", args, "{s:I}", "desired-vcpus", &n))
		return -EINVAL;
	if (check_range(e, "resize-cpus", "desired-vcpus", n, 1, INT32_MAX))
		return -ERANGE;
	if (!d->ops->resize_cpus)
		return unsupported(e, "resize-cpus");
	return backend_result(e, "resize-cpus", d->ops->resize_cpus(d->opaque, (uint32_t)n, msg),
			      msg);
}

static int cmd_set_tlb_flush_inhibit(const struct ctl_dispatch *d, json_t *args, json_t **ret,
				     struct ctl_error *e)
{
	json_int_t vp;
	int on;
	char msg[CTL_ERRMSG_MAX] = "";

	(void)ret;
	if (unpack(e, "set-tlb-flush-inhibit", args, "{s:I, s:b}", "vp-index", &vp, "inhibit", &on))
		return -EINVAL;
	if (check_range(e, "set-tlb-flush-inhibit", "vp-index", vp, 0, INT32_MAX))
		return -ERANGE;
	if (!d->ops->set_tlb_flush_inhibit)
		return unsupported(e, "set-tlb-flush-inhibit");
	return backend_result(e, "set-tlb-flush-inhibit",
			      d->ops->set_tlb_flush_inhibit(d->opaque, (uint32_t)vp, on != 0, msg),
			      msg);
}

static int cmd_quit(const struct ctl_dispatch *d, json_t *args, json_t **ret, struct ctl_error *e)
{
	char msg[CTL_ERRMSG_MAX] = "";

	(void)args;
	(void)ret;
	if (!d->ops->quit)
		return unsupported(e, "quit");
	return backend_result(e, "quit", d->ops->quit(d->opaque, msg), msg);
}

static const struct ctl_cmd_spec commands[] = {
	{ "qmp_capabilities",
	  cmd_qmp_capabilities,
	  "QMP handshake; accepted for QMP tools, not required",
	  { { "enable", CTL_ARG_STR_LIST, false, "capabilities to enable (none exist)" } } },
	{ "query-version", cmd_query_version, "hvemu's version", { { 0 } } },
	{ "query-commands", cmd_query_commands, "the commands this server knows", { { 0 } } },
	{ "query-status",
	  cmd_query_status,
	  "run state, vCPU counts, Hyper-V features, uptime",
	  { { 0 } } },
	{ "query-cpus", cmd_query_cpus, "every vCPU slot and its state", { { 0 } } },
	{ "cpu-add",
	  cmd_cpu_add,
	  "hot-add a vCPU",
	  { { "slot", CTL_ARG_INT, false, "slot to fill (default: the lowest free one)" } } },
	{ "cpu-del",
	  cmd_cpu_del,
	  "request removal of a vCPU (the guest ejects it)",
	  { { "slot", CTL_ARG_INT, true, "slot of the vCPU" } } },
	{ "resize-cpus",
	  cmd_resize_cpus,
	  "add or remove vCPUs until this many are present",
	  { { "desired-vcpus", CTL_ARG_INT, true, "number of vCPUs wanted" } } },
	{ "set-tlb-flush-inhibit",
	  cmd_set_tlb_flush_inhibit,
	  "set or clear the Hyper-V TLB-flush inhibit of a VP",
	  { { "vp-index", CTL_ARG_INT, true, "Hyper-V VP index (see query-cpus)" },
	    { "inhibit", CTL_ARG_BOOL, true, "on or off" } } },
	{ "query-host-cpus",
	  cmd_query_host_cpus,
	  "host CPUs: admitted, rejected (why), offline",
	  { { 0 } } },
	{ "query-stats",
	  ctl_cmd_query_stats,
	  "statistics per VM and per vCPU (hvemu's and KVM's)",
	  { { "target", CTL_ARG_STR, false, "vm or vcpu (default: both)" },
	    { "vcpus", CTL_ARG_INT_LIST, false, "only these vCPU slots" },
	    { "providers", CTL_ARG_STR_LIST, false, "only these providers (hvemu, kvm)" },
	    { "names", CTL_ARG_STR_LIST, false, "only these statistics" } } },
	{ "query-hyperv",
	  ctl_cmd_query_hyperv,
	  "Hyper-V as the guest set it up: guest OS ID, hypercall, reference TSC and VP assist "
	  "pages",
	  { { 0 } } },
	{ "query-synic",
	  cmd_query_synic,
	  "Hyper-V SynIC and synthetic-timer registers of every online vCPU",
	  { { 0 } } },
	{ "quit", cmd_quit, "stop the VM", { { 0 } } },
};

const struct ctl_cmd_spec *ctl_cmd_table(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

const struct ctl_cmd_spec *ctl_cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
