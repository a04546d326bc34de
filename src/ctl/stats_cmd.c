// SPDX-License-Identifier: MIT
/*
 * query-stats: the backend calls back once per statistic; this file filters them and
 * groups them the way QEMU's query-stats does: one entry per (target, vCPU, provider),
 * each with its list of statistics. Every statistic carries its type and unit inline,
 * so the output describes itself (QEMU keeps those in query-stats-schemas).
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/hist.h"

struct stats_group {
	enum ctl_stats_target target;
	uint32_t slot;
	size_t order;	      /* first appearance, keeps the providers' order */
	json_t *entry;	      /* borrowed from the result array */
	json_t *stats;	      /* borrowed from the entry */
	const char *provider; /* borrowed from the entry */
};

struct stats_ctx {
	/* filters; NULL = everything */
	const char *target;
	json_t *vcpus, *providers, *names;
	/* the vcpus filter, sorted without duplicates; found: the backend has that slot */
	uint32_t *slots;
	bool *found;
	size_t nslots;

	json_t *result;
	struct stats_group *groups;
	size_t nr, cap;
	size_t last; /* backends emit group by group: try the previous group first */
	int err;
};

/* The lists were validated: arrays of strings. NULL matches everything. */
static bool in_str_list(json_t *list, const char *s)
{
	if (!list)
		return true;
	for (size_t i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_array_get(list, i)), s) == 0)
			return true;
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of slot in the vcpus filter, or -1. */
static long slot_index(const struct stats_ctx *c, uint32_t slot)
{
	const uint32_t *p =
	    c->nslots ? bsearch(&slot, c->slots, c->nslots, sizeof(slot), cmp_u32) : NULL;

	return p ? p - c->slots : -1;
}

/*
 * Reads the vcpus filter into c->slots. An entry that cannot be a slot number is a
 * GenericError; whether each slot has a vCPU is known only once the backend has spoken.
 */
static int parse_vcpus(struct stats_ctx *c, struct ctl_error *e)
{
	size_t n = json_array_size(c->vcpus), k = 0;

	c->slots = malloc((n ? n : 1) * sizeof(*c->slots));
	c->found = calloc(n ? n : 1, sizeof(*c->found));
	if (!c->slots || !c->found)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_int_t v = json_integer_value(json_array_get(c->vcpus, i));

		if (v < 0 || v > UINT32_MAX) {
			ctl_error_set(e, CTL_ERR_GENERIC,
				      "query-stats: 'vcpus' entry %lld is not a vCPU slot number",
				      (long long)v);
			return -EINVAL;
		}
		c->slots[i] = (uint32_t)v;
	}
	qsort(c->slots, n, sizeof(*c->slots), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!k || c->slots[k - 1] != c->slots[i])
			c->slots[k++] = c->slots[i];
	c->nslots = k;
	return 0;
}

static bool group_is(const struct stats_group *g, const struct ctl_stat *st)
{
	return g->target == st->target &&
	       (st->target == CTL_STATS_VM || g->slot == st->vcpu_slot) &&
	       strcmp(g->provider, st->provider) == 0;
}

static struct stats_group *find_group(struct stats_ctx *c, const struct ctl_stat *st)
{
	struct stats_group *g;
	json_t *entry;

	if (c->last < c->nr && group_is(&c->groups[c->last], st))
		return &c->groups[c->last];
	for (size_t i = 0; i < c->nr; i++) {
		if (group_is(&c->groups[i], st)) {
			c->last = i;
			return &c->groups[i];
		}
	}
	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct stats_group *n = realloc(c->groups, cap * sizeof(*n));

		if (!n)
			return NULL;
		c->groups = n;
		c->cap = cap;
	}
	entry = json_pack("{s:s}", "target", ctl_stats_target_name(st->target));
	if (!entry)
		return NULL;
	if ((st->target == CTL_STATS_VCPU && ctl_json_set_int(entry, "vcpu", st->vcpu_slot)) ||
	    ctl_json_set_str(entry, "provider", st->provider) ||
	    ctl_json_set_new(entry, "stats", json_array())) {
		json_decref(entry);
		return NULL;
	}
	if (json_array_append_new(c->result, entry)) /* takes entry even when it fails */
		return NULL;
	g = &c->groups[c->nr];
	g->target = st->target;
	g->slot = st->vcpu_slot;
	g->order = c->nr;
	g->entry = entry;
	g->stats = json_object_get(entry, "stats");
	g->provider = json_string_value(json_object_get(entry, "provider"));
	c->last = c->nr++;
	return g;
}

static json_int_t json_u64(uint64_t v)
{
	return (json_int_t)MIN(v, (uint64_t)INT64_MAX);
}

/*
 * A histogram's value: its sample count, sum, largest sample, p50 and p99 (to within a
 * bucket, util/hist.h), and the non-empty buckets as [lowest, highest, count] triples.
 */
static json_t *hist_value(const struct hist *h)
{
	json_t *buckets = json_array(), *o;

	if (!buckets)
		return NULL;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		uint64_t c = atomic_load_explicit(&h->bucket[i], memory_order_relaxed), lo, hi;

		if (!c)
			continue;
		hist_bucket_range(i, &lo, &hi);
		if (json_array_append_new(
			buckets, json_pack("[I, I, I]", json_u64(lo), json_u64(hi), json_u64(c)))) {
			json_decref(buckets);
			return NULL;
		}
	}
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "count", json_u64(hist_count(h)), "sum",
		      json_u64(atomic_load_explicit(&h->sum, memory_order_relaxed)), "max",
		      json_u64(atomic_load_explicit(&h->max, memory_order_relaxed)), "p50",
		      json_u64(hist_percentile(h, 50)), "p99", json_u64(hist_percentile(h, 99)),
		      "buckets", buckets);
	return o;
}

static void add_stat(void *ctx, const struct ctl_stat *st)
{
	struct stats_ctx *c = ctx;
	struct stats_group *g;
	json_t *o;

	if (c->err || !st->name || !st->provider)
		return;
	if (st->target == CTL_STATS_VCPU && c->vcpus) {
		long i = slot_index(c, st->vcpu_slot);

		if (i < 0)
			return;
		c->found[i] = true; /* before the other filters: the slot exists */
	}
	if (c->target && strcmp(c->target, ctl_stats_target_name(st->target)) != 0)
		return;
	if (!in_str_list(c->providers, st->provider) || !in_str_list(c->names, st->name))
		return;
	g = find_group(c, st);
	if (!g) {
		c->err = -ENOMEM;
		return;
	}
	o = json_pack("{s:o, s:o, s:s, s:s}", "name", ctl_json_string(st->name), "value",
		      st->hist ? hist_value(st->hist) : json_integer(json_u64(st->value)), "type",
		      stat_type_name(st->type), "unit", stat_unit_name(st->unit));
	if (json_array_append_new(g->stats, o))
		c->err = -ENOMEM;
}

/* The VM first, then the vCPUs by slot; providers in the order the backend gave them. */
static int group_cmp(const void *a, const void *b)
{
	const struct stats_group *x = a, *y = b;

	if (x->target != y->target)
		return x->target == CTL_STATS_VM ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The result in group order (a new reference), or NULL on ENOMEM. */
static json_t *sorted_result(struct stats_ctx *c)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	if (c->nr > 1) /* groups is NULL when nothing matched */
		qsort(c->groups, c->nr, sizeof(*c->groups), group_cmp);
	for (size_t i = 0; i < c->nr; i++) {
		if (json_array_append(arr, c->groups[i].entry)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int ctl_cmd_query_stats(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			struct ctl_error *e)
{
	struct stats_ctx c = { 0 };
	json_error_t jerr;
	char msg[CTL_ERRMSG_MAX] = "";
	int r;

	if (json_unpack_ex(args, &jerr, JSON_STRICT, "{s?s, s?o, s?o, s?o}", "target", &c.target,
			   "vcpus", &c.vcpus, "providers", &c.providers, "names", &c.names)) {
		ctl_error_set(e, CTL_ERR_GENERIC, "query-stats: bad arguments: %s", jerr.text);
		return -EINVAL;
	}
	if (c.target && strcmp(c.target, "vm") != 0 && strcmp(c.target, "vcpu") != 0) {
		ctl_error_set(e, CTL_ERR_GENERIC,
			      "query-stats: 'target' must be \"vm\" or \"vcpu\", not \"%s\"",
			      c.target);
		return -EINVAL;
	}
	if (c.vcpus && c.target && strcmp(c.target, "vm") == 0) {
		ctl_error_set(e, CTL_ERR_GENERIC, "query-stats: 'vcpus' needs target \"vcpu\"");
		return -EINVAL;
	}
	if (!d->ops->query_stats) {
		ctl_error_set(e, CTL_ERR_GENERIC, "query-stats is not supported by this VM");
		return -EOPNOTSUPP;
	}
	c.result = json_array();
	r = c.result ? 0 : -ENOMEM;
	if (!r && c.vcpus)
		r = parse_vcpus(&c, e);
	if (r)
		goto out;
	r = d->ops->query_stats(d->opaque, add_stat, &c, msg);
	if (r == 0)
		r = c.err;
	for (size_t i = 0; r == 0 && i < c.nslots; i++) {
		if (!c.found[i]) {
			/* QEMU filters silently; naming a slot that has no vCPU is an error here.
			 */
			ctl_error_set(e, CTL_ERR_DEVICE_NOT_FOUND,
				      "query-stats: 'vcpus' names slot %u, which has no vCPU",
				      c.slots[i]);
			r = -ENOENT;
			goto out;
		}
	}
	if (r == 0) {
		*ret = sorted_result(&c);
		r = *ret ? 0 : -ENOMEM;
	}
	if (r < 0) {
		msg[CTL_ERRMSG_MAX - 1] = '\0';
		ctl_error_backend(e, "query-stats", r, msg);
	}
out:
	free(c.groups);
	free(c.slots);
	free(c.found);
	json_decref(c.result);
	return r < 0 ? r : 0;
}
