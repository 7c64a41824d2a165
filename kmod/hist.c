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
#include <linux/string.h>

#include "hist.h"

/* Histogram headers; sized for the smallest p, so for every p. */
static struct kmem_cache *sf_hist_cache;

int sf_hist_init(void)
{
	sf_hist_cache = kmem_cache_create("snapfire_hist",
					  struct_size_t(struct sf_hist, group,
							SF_HIST_MAX_GROUPS),
					  0, 0, NULL);
	return sf_hist_cache ? 0 : -ENOMEM;
}

void sf_hist_exit(void)
{
	kmem_cache_destroy(sf_hist_cache);
	sf_hist_cache = NULL;
}

size_t sf_hist_head_mem(void)
{
	return kmem_cache_size(sf_hist_cache);
}

/* Bytes of one group of precision @p with counts of @wide (u32) or u16. */
static inline size_t sf_hist_group_size(u8 p, bool wide)
{
	return (wide ? sizeof(u32) : sizeof(u16)) << p;
}

static inline bool sf_hist_wide(const struct sf_hist *h, unsigned int g)
{
	return h->wide & BIT_ULL(g);
}

struct sf_hist *sf_hist_alloc(u8 p, gfp_t gfp)
{
	struct sf_hist *h;

	if (p < SF_HIST_MIN_P || p > SF_HIST_MAX_P)
		return NULL;
	h = kmem_cache_zalloc(sf_hist_cache, gfp);
	if (!h)
		return NULL;
	h->p = p;
	h->ngroups = SF_HIST_BITS - p + 1;
	h->mem = sf_hist_head_mem();
	return h;
}

static void sf_hist_free_groups(struct sf_hist *h)
{
	unsigned int g;

	for (g = 0; g < h->ngroups; g++) {
		kfree(h->group[g]);
		h->group[g] = NULL;
	}
	h->wide = 0;
	h->mem = sf_hist_head_mem();
}

void sf_hist_free(struct sf_hist *h)
{
	if (!h)
		return;
	sf_hist_free_groups(h);
	kmem_cache_free(sf_hist_cache, h);
}

void sf_hist_reset(struct sf_hist *h)
{
	if (!h)
		return;
	sf_hist_free_groups(h);
	h->count = 0;
	h->sum = 0;
	h->min = 0;
	h->max = 0;
	h->clamped = 0;
}

size_t sf_hist_mem(const struct sf_hist *h)
{
	return h ? h->mem : 0;
}

size_t sf_hist_copy_size(const struct sf_hist *h)
{
	if (!h)
		return 0;
	return struct_size(h, group, h->ngroups) + h->mem - sf_hist_head_mem();
}

struct sf_hist *sf_hist_copy(void *buf, const struct sf_hist *h)
{
	struct sf_hist *c = buf;
	u8 *to = (u8 *)buf + struct_size(h, group, h->ngroups);
	unsigned int g;
	size_t n;

	memcpy(c, h, struct_size(h, group, 0));
	for (g = 0; g < h->ngroups; g++) {
		c->group[g] = NULL;
		if (!h->group[g])
			continue;
		n = sf_hist_group_size(h->p, sf_hist_wide(h, g));
		memcpy(to, h->group[g], n);
		c->group[g] = to;
		to += n;
	}
	return c;
}

u32 sf_hist_bucket(const struct sf_hist *h, unsigned int group,
		   unsigned int sub)
{
	const void *grp = h->group[group];

	if (!grp)
		return 0;
	if (sf_hist_wide(h, group))
		return ((const u32 *)grp)[sub];
	return ((const u16 *)grp)[sub];
}

/*
 * Group @g's counts, u16, go to u32 because a bucket is full. -ENOMEM
 * leaves the group as it was.
 */
static int sf_hist_widen(struct sf_hist *h, unsigned int g, gfp_t gfp)
{
	unsigned int i, nb = BIT(h->p);
	const u16 *narrow = h->group[g];
	u32 *wide;

	wide = kmalloc_array(nb, sizeof(*wide), gfp);
	if (!wide)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		wide[i] = narrow[i];
	kfree(narrow);
	h->group[g] = wide;
	h->wide |= BIT_ULL(g);
	h->mem += sf_hist_group_size(h->p, true) - sf_hist_group_size(h->p, false);
	return 0;
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

/* @v as recorded: clamped into [0, 2^SF_HIST_BITS); true if it was. */
static bool sf_hist_clamp(s64 v, u64 *u)
{
	if (v < 0) {
		*u = 0;
		return true;
	}
	if (v >= BIT_ULL(SF_HIST_BITS)) {
		*u = BIT_ULL(SF_HIST_BITS) - 1;
		return true;
	}
	*u = v;
	return false;
}

size_t sf_hist_growth(const struct sf_hist *h, s64 v)
{
	unsigned int g, sub;
	u64 u;

	sf_hist_clamp(v, &u);
	sf_hist_index(h->p, u, &g, &sub);
	if (!h->group[g])
		return sf_hist_group_size(h->p, false);
	if (!sf_hist_wide(h, g) && ((const u16 *)h->group[g])[sub] == U16_MAX)
		return sf_hist_group_size(h->p, true) -
		       sf_hist_group_size(h->p, false);
	return 0;
}

int sf_hist_add(struct sf_hist *h, s64 v, gfp_t gfp)
{
	unsigned int g, sub;
	bool clamped;
	u64 u;

	clamped = sf_hist_clamp(v, &u);
	sf_hist_index(h->p, u, &g, &sub);
	if (!h->group[g]) {
		h->group[g] = kzalloc(sf_hist_group_size(h->p, false), gfp);
		if (!h->group[g])
			return -ENOMEM;
		h->mem += sf_hist_group_size(h->p, false);
	}
	if (!sf_hist_wide(h, g)) {
		u16 *c = h->group[g];

		if (c[sub] != U16_MAX)
			c[sub]++;
		else if (sf_hist_widen(h, g, gfp))
			return -ENOMEM;
	}
	if (sf_hist_wide(h, g)) {
		u32 *c = h->group[g];

		if (c[sub] != U32_MAX)
			c[sub]++;
	}

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
		const u8 *grp = h->group[g], *from, *nz;
		size_t w;

		if (!grp) {
			i = (g + 1) * nb;
			continue;
		}
		/*
		 * The next non-zero count of the group, eight bytes at a time:
		 * a dump walks every histogram twice (sf_hist_merge() first),
		 * and most of a group's 2^p counts are zero. A count's first
		 * non-zero byte lies inside it: the division finds the count.
		 */
		w = sf_hist_wide(h, g) ? sizeof(u32) : sizeof(u16);
		from = grp + sub * w;
		nz = memchr_inv(from, 0, (nb - sub) * w);
		if (!nz) {
			i = (g + 1) * nb;
			continue;
		}
		sub += (nz - from) / w;
		sf_hist_range(h->p, g, sub, low, high);
		*count = sf_hist_bucket(h, g, sub);
		*pos = (g << h->p) + sub + 1;
		return true;
	}
	*pos = end;
	return false;
}
