// SPDX-License-Identifier: MIT
#include "util/fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/compiler.h"
#include "util/log.h"

#define FAULT_MAX_POINTS 32

struct fault_point {
	char name[48];
	char ctx[16]; /* empty: any context */
	uint64_t nth; /* fail when hits reaches nth (once) */
	uint64_t hits;
	bool always;
	bool fired;
};

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fault_point points[FAULT_MAX_POINTS];
static unsigned npoints;
static _Atomic unsigned armed;
static _Atomic uint64_t injected;

static int arm_one(const char *tok, size_t len)
{
	struct fault_point p = { .nth = 1 };
	char buf[96];
	char *at, *eq, *star;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	star = strchr(buf, '*');
	if (star) {
		if (star[1] != '\0')
			return -EINVAL;
		p.always = true;
		*star = '\0';
	}
	eq = strchr(buf, '=');
	if (eq) {
		*eq = '\0';
		if (strlen(eq + 1) >= sizeof(p.ctx) || eq[1] == '\0')
			return -EINVAL;
		strcpy(p.ctx, eq + 1);
	}
	at = strchr(buf, '@');
	if (at) {
		char *end;

		*at = '\0';
		p.nth = strtoull(at + 1, &end, 10);
		if (*end != '\0' || p.nth == 0)
			return -EINVAL;
	}
	if (buf[0] == '\0' || strlen(buf) >= sizeof(p.name))
		return -EINVAL;
	strcpy(p.name, buf);
	if (npoints >= FAULT_MAX_POINTS)
		return -ENOSPC;
	points[npoints++] = p;
	return 0;
}

int fault_arm(const char *spec)
{
	int r = 0;

	pthread_mutex_lock(&fault_lock);
	while (*spec) {
		size_t len = strcspn(spec, ",");

		r = arm_one(spec, len);
		if (r)
			break;
		spec += len;
		if (*spec == ',')
			spec++;
	}
	atomic_store(&armed, npoints);
	pthread_mutex_unlock(&fault_lock);
	return r;
}

int fault_init_from_env(void)
{
	const char *s = getenv("HVEMU_FAULT");
	int r;

	if (!s || !*s)
		return 0;
	r = fault_arm(s);
	if (r)
		pr_err("HVEMU_FAULT='%s': bad fault spec (want name[@N][=ctx][*],...)", s);
	return r;
}

void fault_disarm_all(void)
{
	pthread_mutex_lock(&fault_lock);
	npoints = 0;
	atomic_store(&armed, 0);
	pthread_mutex_unlock(&fault_lock);
}

int fault_hit_ctx(const char *point, const char *ctx)
{
	int r = 0;

	if (likely(atomic_load_explicit(&armed, memory_order_relaxed) == 0))
		return 0;
	pthread_mutex_lock(&fault_lock);
	for (unsigned i = 0; i < npoints; i++) {
		struct fault_point *p = &points[i];

		if (strcmp(p->name, point) != 0)
			continue;
		if (p->ctx[0] && (!ctx || strcmp(p->ctx, ctx) != 0))
			continue;
		p->hits++;
		if (p->always || (!p->fired && p->hits == p->nth)) {
			p->fired = true;
			r = -EIO;
			break;
		}
	}
	pthread_mutex_unlock(&fault_lock);
	if (r) {
		atomic_fetch_add(&injected, 1);
		pr_warn("fault injected at %s%s%s", point, ctx ? " for " : "", ctx ? ctx : "");
	}
	return r;
}

int fault_hit(const char *point)
{
	return fault_hit_ctx(point, NULL);
}

uint64_t fault_injected_total(void)
{
	return atomic_load(&injected);
}
