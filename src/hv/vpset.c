// SPDX-License-Identifier: MIT
/*
 * Sparse VP sets (TLFS datatypes/hv_vp_set, "Sparse Virtual Processor Set"): building a
 * struct hv_vpset from a processor mask or the banks of the Ex hypercalls, and walking it.
 */
#include <string.h>

#include "hv/hcall.h"

/* Keeps only VP indexes < max_vps. */
static void vpset_limit(struct hv_vpset *set, uint32_t max_vps)
{
	uint32_t full = max_vps / 64;

	if (max_vps >= HV_VPSET_MAX_VP)
		return;
	if (max_vps % 64)
		set->bank[full++] &= (1ull << (max_vps % 64)) - 1;
	for (uint32_t b = full; b < HV_VPSET_MAX_VP / 64; b++)
		set->bank[b] = 0;
}

void hv_vpset_fill(struct hv_vpset *set)
{
	memset(set, 0, sizeof(*set));
	set->all = true;
}

void hv_vpset_from_mask(struct hv_vpset *set, uint64_t mask, uint32_t max_vps)
{
	memset(set, 0, sizeof(*set));
	set->bank[0] = mask;
	vpset_limit(set, max_vps);
}

void hv_vpset_from_banks(struct hv_vpset *set, uint64_t valid_bank_mask, const uint64_t *banks,
			 uint32_t max_vps)
{
	unsigned i = 0;

	memset(set, 0, sizeof(*set));
	/* Bank contents come in increasing bank order, one per set bit of the mask. */
	for (unsigned b = 0; b < HV_MAX_SPARSE_VCPU_BANKS; b++)
		if (valid_bank_mask & (1ull << b))
			set->bank[b] = banks[i++];
	vpset_limit(set, max_vps);
}

int64_t hv_vpset_next(const struct hv_vpset *s, uint32_t from, uint32_t limit)
{
	if (limit > HV_VPSET_MAX_VP)
		limit = HV_VPSET_MAX_VP;
	if (from >= limit)
		return -1;
	if (s->all)
		return from;
	for (uint32_t b = from / 64; b * 64 < limit; b++) {
		uint64_t bits = s->bank[b];

		if (b == from / 64)
			bits &= ~0ull << (from % 64);
		if (bits) {
			uint32_t vp = b * 64 + (uint32_t)__builtin_ctzll(bits);

			return vp < limit ? (int64_t)vp : -1;
		}
	}
	return -1;
}

uint32_t hv_vpset_count(const struct hv_vpset *s, uint32_t limit)
{
	uint32_t n = 0;

	if (limit > HV_VPSET_MAX_VP)
		limit = HV_VPSET_MAX_VP;
	if (s->all)
		return limit;
	for (uint32_t b = 0; b * 64 < limit; b++) {
		uint64_t bits = s->bank[b];

		if (limit - b * 64 < 64)
			bits &= (1ull << (limit - b * 64)) - 1;
		n += (uint32_t)__builtin_popcountll(bits);
	}
	return n;
}

uint32_t hv_vpset_count_present(struct hv_partition *part, const struct hv_vpset *set)
{
	uint32_t n = 0;
	int64_t i;

	vpset_for_each (i, set, part->max_vps) {
		if (hv_vp_get(part, (uint32_t)i))
			n++;
	}
	return n;
}
