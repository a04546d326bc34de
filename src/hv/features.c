// SPDX-License-Identifier: MIT
/*
 * The --hv option: a comma-separated list of enlightenments in QEMU's vocabulary
 * (docs/system/i386/hyperv.rst, without the "hv-" prefix), and its canonical text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv/hv_internal.h"
#include "util/compiler.h"
#include "util/errbuf.h"

/* "all" turns spinlock notification on with KVM's default retry count. */
#define HV_SPINLOCKS_DEFAULT 0xFFFu

static const char *const feature_names[HV_FEAT_NR] = {
	[HV_FEAT_VPINDEX] = "vpindex",
	[HV_FEAT_RUNTIME] = "runtime",
	[HV_FEAT_TIME] = "time",
	[HV_FEAT_FREQUENCIES] = "frequencies",
	[HV_FEAT_VAPIC] = "vapic",
	[HV_FEAT_TLBFLUSH] = "tlbflush",
	[HV_FEAT_IPI] = "ipi",
	[HV_FEAT_RESET] = "reset",
	[HV_FEAT_CRASH] = "crash",
	[HV_FEAT_SPINLOCKS] = "spinlocks",
	[HV_FEAT_XMM_INPUT] = "xmm-input",
	[HV_FEAT_SYNIC] = "synic",
	[HV_FEAT_STIMER] = "stimer",
	[HV_FEAT_STIMER_DIRECT] = "stimer-direct",
	[HV_FEAT_TSC_INVARIANT] = "tsc-invariant",
};

/* QEMU's dependencies (target/i386/kvm/kvm.c kvm_hyperv_properties[].dependencies). */
static const struct {
	enum hv_feature feat, needs;
} feature_deps[] = {
	{ HV_FEAT_TLBFLUSH, HV_FEAT_VPINDEX }, { HV_FEAT_IPI, HV_FEAT_VPINDEX },
	{ HV_FEAT_SYNIC, HV_FEAT_VPINDEX },    { HV_FEAT_STIMER, HV_FEAT_SYNIC },
	{ HV_FEAT_STIMER, HV_FEAT_TIME },      { HV_FEAT_STIMER_DIRECT, HV_FEAT_STIMER },
};

int hv_features_check(const struct hv_features *f, char *err, size_t errlen)
{
	if (f->mask & ~((1u << HV_FEAT_NR) - 1)) {
		errbuf_set(err, errlen, "unknown Hyper-V feature bits 0x%x", f->mask);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(feature_deps); i++) {
		if (hv_has(f, feature_deps[i].feat) && !hv_has(f, feature_deps[i].needs)) {
			errbuf_set(err, errlen, "%s needs %s", feature_names[feature_deps[i].feat],
				   feature_names[feature_deps[i].needs]);
			return -EINVAL;
		}
	}
	if (hv_has(f, HV_FEAT_SPINLOCKS) && f->spinlock_retries == 0) {
		errbuf_set(err, errlen, "spinlocks must be at least 1");
		return -EINVAL;
	}
	return 0;
}

/* A 32-bit count, decimal or 0x-hex, nothing else. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v * base + d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_word(const char *w, size_t n, struct hv_features *f, bool *spin_given, char *err,
		      size_t errlen)
{
	const char *eq = memchr(w, '=', n);
	size_t name_len = eq ? (size_t)(eq - w) : n;

	if (n == 0) {
		errbuf_set(err, errlen, "empty Hyper-V feature name in the list");
		return -EINVAL;
	}
	if (name_len == 3 && !memcmp(w, "all", 3) && !eq) {
		f->mask = (1u << HV_FEAT_NR) - 1;
		if (!*spin_given)
			f->spinlock_retries = HV_SPINLOCKS_DEFAULT;
		return 0;
	}
	for (int i = 0; i < HV_FEAT_NR; i++) {
		const char *name = feature_names[i];

		if (strlen(name) != name_len || memcmp(w, name, name_len) != 0)
			continue;
		if (i == HV_FEAT_SPINLOCKS) {
			uint32_t v;
			int r;

			if (!eq) {
				errbuf_set(err, errlen, "spinlocks needs a value (spinlocks=N)");
				return -EINVAL;
			}
			r = parse_u32(eq + 1, n - name_len - 1, &v);
			if (r || v == 0) {
				errbuf_set(err, errlen,
					   "bad spinlocks value '%.*s' (want 1-4294967295, "
					   "0xffffffff = never notify)",
					   (int)(n - name_len - 1), eq + 1);
				return -EINVAL;
			}
			f->spinlock_retries = v;
			*spin_given = true;
		} else if (eq) {
			errbuf_set(err, errlen, "Hyper-V feature '%s' takes no value", name);
			return -EINVAL;
		}
		f->mask |= 1u << i;
		return 0;
	}
	errbuf_set(err, errlen, "unknown Hyper-V feature '%.*s'", (int)name_len, w);
	return -EINVAL;
}

int hv_features_parse(const char *list, struct hv_features *out, char *err, size_t errlen)
{
	struct hv_features f = { .mask = 0, .spinlock_retries = HYPERV_SPINLOCK_NEVER_NOTIFY };
	bool spin_given = false;
	const char *p;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!list || !out) {
		errbuf_set(err, errlen, "no Hyper-V feature list");
		return -EINVAL;
	}
	p = list;
	if (*p) {
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);

			r = parse_word(p, n, &f, &spin_given, err, errlen);
			if (r)
				return r;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	r = hv_features_check(&f, err, errlen);
	if (r)
		return r;
	*out = f;
	return 0;
}

int hv_features_format(const struct hv_features *f, char *buf, size_t len)
{
	size_t pos = 0;
	bool overflow = false;

	if (!buf || !len)
		return -ENOSPC;
	buf[0] = '\0';
	for (int i = 0; i < HV_FEAT_NR; i++) {
		char word[32];
		int n;

		if (!hv_has(f, (enum hv_feature)i))
			continue;
		if (i == HV_FEAT_SPINLOCKS)
			n = snprintf(word, sizeof(word), "%sspinlocks=0x%x", pos ? "," : "",
				     f->spinlock_retries);
		else
			n = snprintf(word, sizeof(word), "%s%s", pos ? "," : "", feature_names[i]);
		if (n < 0)
			return -EINVAL;
		if (pos + (size_t)n + 1 > len) {
			overflow = true;
			break;
		}
		memcpy(buf + pos, word, (size_t)n + 1);
		pos += (size_t)n;
	}
	return overflow ? -ENOSPC : (int)pos;
}
