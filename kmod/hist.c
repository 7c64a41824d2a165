// SPDX-License-Identifier: GPL-2.0
/*
 * Log-linear (HDR-style) latency histograms; see hist.h for the layout.
 *
 * No locking here: the caller serialises all access to a histogram (the
 * flow's lock). Nothing sleeps unless the caller's gfp allows it.
 */
#include <linux/bitops.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "hist.h"

static inline size_t sf_hist_group_size(u8 p)
{
	return sizeof(u32) << p;
}

struct sf_hist *sf_hist_alloc(u8 p, gfp_t gfp)
{
	struct sf_hist *h;
	u8 ngroups;

	if (p < SF_HIST_MIN_P || p > SF_HIST_MAX_P)
		return NULL;
	ngroups = SF_HIST_BITS - p + 1;
	h = kzalloc(struct_size(h, group, ngroups), gfp);
	if (!h)
		return NULL;
	h->p = p;
	h->ngroups = ngroups;
	return h;
}

void sf_hist_free(struct sf_hist *h)
{
	unsigned int g;

	if (!h)
		return;
	for (g = 0; g < h->ngroups; g++)
		kfree(h->group[g]);
	kfree(h);
}

void sf_hist_reset(struct sf_hist *h)
{
	unsigned int g;

	if (!h)
		return;
	for (g = 0; g < h->ngroups; g++) {
		kfree(h->group[g]);
		h->group[g] = NULL;
	}
	h->count = 0;
	h->sum = 0;
	h->min = 0;
	h->max = 0;
	h->clamped = 0;
}

size_t sf_hist_mem(const struct sf_hist *h)
{
	size_t mem;
	unsigned int g;

	if (!h)
		return 0;
	mem = struct_size(h, group, h->ngroups);
	for (g = 0; g < h->ngroups; g++)
		if (h->group[g])
			mem += sf_hist_group_size(h->p);
	return mem;
}

void sf_hist_index(u8 p, u64 v, unsigned int *group, unsigned int *sub)
{
	unsigned int g;

	if (v >= BIT_ULL(SF_HIST_BITS))
		v = BIT_ULL(SF_HIST_BITS) - 1;
	if (v < BIT_ULL(p)) {
		*group = 0;
		*sub = v;
		return;
	}
	/* The most significant bit is bit g + p - 1. */
	g = fls64(v) - p;
	*group = g;
	*sub = (v >> (g - 1)) - BIT(p);
}

void sf_hist_range(u8 p, unsigned int group, unsigned int sub, u64 *low,
		   u64 *high)
{
	if (!group) {
		*low = sub;
		*high = sub;
		return;
	}
	*low = (BIT_ULL(p) + sub) << (group - 1);
	*high = *low + BIT_ULL(group - 1) - 1;
}

int sf_hist_add(struct sf_hist *h, s64 v, gfp_t gfp)
{
	unsigned int g, sub;
	bool clamped = false;
	u32 *grp;
	u64 u;

	if (v < 0) {
		u = 0;
		clamped = true;
	} else if (v >= BIT_ULL(SF_HIST_BITS)) {
		u = BIT_ULL(SF_HIST_BITS) - 1;
		clamped = true;
	} else {
		u = v;
	}

	sf_hist_index(h->p, u, &g, &sub);
	grp = h->group[g];
	if (!grp) {
		grp = kzalloc(sf_hist_group_size(h->p), gfp);
		if (!grp)
			return -ENOMEM;
		h->group[g] = grp;
	}
	if (grp[sub] != U32_MAX)
		grp[sub]++;

	if (!h->count || u < h->min)
		h->min = u;
	if (!h->count || u > h->max)
		h->max = u;
	h->count++;
	if (check_add_overflow(h->sum, u, &h->sum))
		h->sum = U64_MAX;
	if (clamped)
		h->clamped++;
	return clamped;
}

bool sf_hist_next(const struct sf_hist *h, unsigned int *pos, u64 *low,
		  u64 *high, u32 *count)
{
	unsigned int nb = BIT(h->p);
	unsigned int end = h->ngroups * nb;
	unsigned int i = *pos;

	while (i < end) {
		unsigned int g = i >> h->p, sub = i & (nb - 1);
		const u32 *grp = h->group[g];

		if (!grp) {
			i = (g + 1) * nb;
			continue;
		}
		if (!grp[sub]) {
			i++;
			continue;
		}
		sf_hist_range(h->p, g, sub, low, high);
		*count = grp[sub];
		*pos = i + 1;
		return true;
	}
	*pos = end;
	return false;
}

/* ceil(count * num / den) without overflowing 64 bits; num <= den. */
static u64 sf_hist_rank(u64 count, u32 num, u32 den)
{
	u32 rem;
	u64 q = div_u64_rem(count, den, &rem);

	return q * num + div_u64((u64)rem * num + den - 1, den);
}

u64 sf_hist_quantile(const struct sf_hist *h, u32 num, u32 den)
{
	unsigned int pos = 0;
	u64 rank, seen = 0;
	u64 low, high, mid;
	u32 n;

	if (!h || !h->count)
		return 0;
	if (!den || num >= den)
		rank = h->count;
	else
		rank = max_t(u64, sf_hist_rank(h->count, num, den), 1);

	while (sf_hist_next(h, &pos, &low, &high, &n)) {
		seen += n;
		if (seen < rank)
			continue;
		mid = low + (high - low) / 2;
		return clamp(mid, h->min, h->max);
	}
	/* Only when saturated bucket counts add up to less than count. */
	return h->max;
}
