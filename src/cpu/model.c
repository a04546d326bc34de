// SPDX-License-Identifier: MIT
#include "cpu/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/features.h"
#include "util/compiler.h"

#define LEAF_XSAVE	  0xdu
#define LEAF1_OSXSAVE_BIT 27   /* CPUID.1:ECX, mirrors CR4.OSXSAVE */
#define LEAF7_OSPKE_BIT	  4    /* CPUID.(7,0):ECX, mirrors CR4.PKE */
#define XSAVE_LEGACY_SIZE 576u /* legacy area + XSAVE header (SDM Vol. 1 §13.4) */
#define XSAVE_HEADER_SIZE 64u

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

static int parse_word(const char *w, size_t len, struct cpu_model *m, char *err, size_t errlen)
{
	bool add = true;
	int f;

	if (len == 4 && memcmp(w, "safe", 4) == 0) {
		for (size_t i = 0; i < cpu_nr_features; i++) {
			if (!cpu_features[i].why_safe)
				continue;
			if (m->nops >= CPU_MODEL_MAX_OPS)
				goto too_many;
			m->ops[m->nops++] = (struct cpu_model_op){ .feature = (uint16_t)i };
		}
		return 0;
	}
	if (len && (w[0] == '+' || w[0] == '-')) {
		add = w[0] == '+';
		w++;
		len--;
	}
	f = cpu_feature_find(w, len);
	if (f < 0) {
		snprintf(err, errlen,
			 "--cpu: unknown feature or preset '%.*s' (--cpu help lists them)",
			 (int)len, w);
		return -EINVAL;
	}
	if (m->nops >= CPU_MODEL_MAX_OPS)
		goto too_many;
	m->ops[m->nops++] = (struct cpu_model_op){ .feature = (uint16_t)f, .add = add };
	return 0;
too_many:
	snprintf(err, errlen, "--cpu: more than %d feature changes", CPU_MODEL_MAX_OPS);
	return -EINVAL;
}

int cpu_model_parse(const char *s, struct cpu_model *m, char *err, size_t errlen)
{
	size_t len;

	memset(m, 0, sizeof(*m));
	if (!s)
		s = "";
	len = strcspn(s, ",");
	if (len != 4 || memcmp(s, "host", 4) != 0) {
		snprintf(err, errlen,
			 "--cpu '%s': the CPU model must come first and hvemu has one, 'host' "
			 "(--cpu help)",
			 s);
		return -EINVAL;
	}
	snprintf(m->text, sizeof(m->text), "%s", s);
	for (s += len; *s == ','; s += len) {
		int r;

		s++;
		len = strcspn(s, ",");
		if (!len) {
			snprintf(err, errlen, "--cpu: empty item in the list");
			return -EINVAL;
		}
		r = parse_word(s, len, m, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static struct cpu_leaf *find_leaf(struct cpu_leaf *l, size_t n, uint32_t fn, uint32_t idx)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].function == fn && l[i].index == idx)
			return &l[i];
	return NULL;
}

static uint32_t *reg_of(struct cpu_leaf *l, unsigned int reg)
{
	switch (reg) {
	case CPU_EAX:
		return &l->eax;
	case CPU_EBX:
		return &l->ebx;
	case CPU_ECX:
		return &l->ecx;
	default:
		return &l->edx;
	}
}

static bool has(struct cpu_leaf *l, size_t n, const struct cpu_feature *f)
{
	struct cpu_leaf *e = find_leaf(l, n, f->function, f->index);

	return e && (*reg_of(e, f->reg) >> f->bit) & 1;
}

static void set_bit_to(struct cpu_leaf *l, size_t n, const struct cpu_feature *f, bool on)
{
	struct cpu_leaf *e = find_leaf(l, n, f->function, f->index);
	uint32_t *r;

	if (!e)
		return;
	r = reg_of(e, f->reg);
	*r = on ? *r | (1u << f->bit) : *r & ~(1u << f->bit);
}

/* Leaf 0xD describes exactly the state components the remaining features use. */
static void fix_xsave_leaf(struct cpu_leaf *l, size_t n, const bool *want, int xsave)
{
	struct cpu_leaf *d0 = find_leaf(l, n, LEAF_XSAVE, 0), *d1 = find_leaf(l, n, LEAF_XSAVE, 1);
	uint32_t removed = 0, size = XSAVE_LEGACY_SIZE + XSAVE_HEADER_SIZE;

	if (xsave < 0 || !want[xsave]) {
		for (size_t i = 0; i < n; i++)
			if (l[i].function == LEAF_XSAVE)
				l[i].eax = l[i].ebx = l[i].ecx = l[i].edx = 0;
		return;
	}
	for (size_t i = 0; i < cpu_nr_features; i++)
		if (!want[i])
			removed |= cpu_features[i].xcr0;
	if (d1 && !((d1->eax >> 3) & 1)) { /* no XSAVES: no supervisor (IA32_XSS) components */
		removed |= d1->ecx;
		d1->ecx = d1->edx = 0;
	}
	for (uint32_t c = 2; c < 32; c++) {
		struct cpu_leaf *sub = find_leaf(l, n, LEAF_XSAVE, c);

		if (sub && ((removed >> c) & 1))
			sub->eax = sub->ebx = sub->ecx = sub->edx = 0;
	}
	if (!d0)
		return;
	d0->eax &= ~removed;
	/* ECX: the size XSAVE needs for every component XCR0 may enable. */
	for (uint32_t c = 2; c < 32; c++) {
		struct cpu_leaf *sub = find_leaf(l, n, LEAF_XSAVE, c);

		if (sub && ((d0->eax >> c) & 1))
			size = MAX(size, sub->ebx + sub->eax);
	}
	d0->ecx = size;
}

int cpu_model_apply(const struct cpu_model *m, struct cpu_leaf *leaves, size_t n, char *err,
		    size_t errlen)
{
	bool want[256], added[256] = { false }, changed = true;
	int xsave = cpu_feature_find("xsave", 5), pku = cpu_feature_find("pku", 3);

	_Static_assert(ARRAY_SIZE(want) >= 160, "feature table fits");
	if (cpu_nr_features > ARRAY_SIZE(want))
		return -EINVAL;
	if (!m || m->nops == 0)
		return 0;
	for (size_t i = 0; i < cpu_nr_features; i++)
		want[i] = has(leaves, n, &cpu_features[i]);
	for (unsigned int k = 0; k < m->nops; k++) {
		const struct cpu_feature *f = &cpu_features[m->ops[k].feature];

		if (m->ops[k].add && !has(leaves, n, f)) {
			snprintf(err, errlen,
				 "--cpu +%s: this host's KVM does not offer it (CPUID 0x%x.%u %s "
				 "bit %u)",
				 f->name, f->function, f->index, reg_names[f->reg], f->bit);
			return -ENOTSUP;
		}
		want[m->ops[k].feature] = m->ops[k].add;
		added[m->ops[k].feature] = m->ops[k].add;
	}
	/* What is built on a removed feature goes too; an explicit +feature may not. */
	while (changed) {
		changed = false;
		for (size_t i = 0; i < cpu_nr_features; i++) {
			const char *dep = cpu_features[i].needs;
			int d = dep ? cpu_feature_find(dep, strlen(dep)) : -1;

			if (!want[i] || d < 0 || want[d])
				continue;
			if (added[i]) {
				snprintf(err, errlen, "--cpu +%s needs %s, which is removed",
					 cpu_features[i].name, dep);
				return -EINVAL;
			}
			want[i] = false;
			changed = true;
		}
	}
	for (size_t i = 0; i < cpu_nr_features; i++)
		set_bit_to(leaves, n, &cpu_features[i], want[i]);
	if (xsave >= 0 && !want[xsave])
		set_bit_to(leaves, n,
			   &(struct cpu_feature){
			       .function = 1, .reg = CPU_ECX, .bit = LEAF1_OSXSAVE_BIT },
			   false);
	if (pku >= 0 && !want[pku])
		set_bit_to(
		    leaves, n,
		    &(struct cpu_feature){ .function = 7, .reg = CPU_ECX, .bit = LEAF7_OSPKE_BIT },
		    false);
	fix_xsave_leaf(leaves, n, want, xsave);
	return 0;
}

unsigned int cpu_model_absent(const struct cpu_model *m, const struct cpu_leaf *leaves, size_t n,
			      char *buf, size_t len)
{
	unsigned int count = 0;
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int k = 0; m && k < m->nops; k++) {
		const struct cpu_feature *f = &cpu_features[m->ops[k].feature];

		if (m->ops[k].add || has((struct cpu_leaf *)leaves, n, f))
			continue;
		count++;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 f->name);
	}
	return count;
}

int cpu_leaves_have(const struct cpu_leaf *leaves, size_t n, const char *name)
{
	int f = cpu_feature_find(name, strlen(name));

	if (f < 0)
		return -ENOENT;
	return has((struct cpu_leaf *)leaves, n, &cpu_features[f]);
}

int cpu_host_hw_virt(const char *cpuinfo_path)
{
	FILE *f = fopen(cpuinfo_path ? cpuinfo_path : "/proc/cpuinfo", "re");
	char line[8192];
	int found = 0;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok;

		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0)
				found = 1;
		break; /* every CPU has the same flags */
	}
	fclose(f);
	return found;
}

void cpu_model_help(FILE *out)
{
	int hw = cpu_host_hw_virt(NULL);

	fprintf(out,
		"Usage: --cpu host[,+FEATURE|-FEATURE|PRESET...]\n"
		"\n"
		"Model: host, the host CPU as KVM offers it (the default). +FEATURE keeps or puts\n"
		"back a feature KVM offers, -FEATURE hides it; hiding a feature hides those built\n"
		"on it (-xsave also hides AVX and empties CPUID leaf 0xD).\n"
		"\n"
		"Presets:\n"
		"  safe  for KVM without hardware virtualization (no vmx/svm in /proc/cpuinfo),\n"
		"        whose instruction emulator runs all guest code at CPL0 and lacks some\n"
		"        instructions a guest that trusts CPUID would use:\n");
	for (size_t i = 0; i < cpu_nr_features; i++)
		if (cpu_features[i].why_safe)
			fprintf(out, "          -%-8s %s\n", cpu_features[i].name,
				cpu_features[i].why_safe);
	fprintf(
	    out, "\nThis host: %s\n",
	    hw < 0 ? "/proc/cpuinfo unreadable"
	    : hw > 0
		? "hardware virtualization (vmx or svm): host is enough"
		: "no vmx/svm in /proc/cpuinfo: software virtualization, use host,safe.\n"
		  "  Measured on such a KVM (kvm_pvm): the guest sees the CPU's own CPUID leaf 1\n"
		  "  EDX, leaf 7, leaf 0xD and the leaf 1 ECX bits KVM does not list, whatever\n"
		  "  --cpu says; hide those on the kernel command line too (Linux: noxsave\n"
		  "  clearcpuid=popcnt,smap,smep,ssse3). Leaf 1 ECX's listed bits (cx16) and\n"
		  "  leaf 0x80000001 follow --cpu.");
	fprintf(out, "\nFeatures (Linux /proc/cpuinfo names) and where CPUID has them:\n");
	for (size_t i = 0; i < cpu_nr_features; i++) {
		const struct cpu_feature *f = &cpu_features[i];

		fprintf(out, "  %-20s 0x%08x.%u %s[%2u]%s%s\n", f->name, f->function, f->index,
			reg_names[f->reg], f->bit, f->needs ? "  needs " : "",
			f->needs ? f->needs : "");
	}
}
