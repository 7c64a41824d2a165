/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear (HDR-style) latency histograms.
 *
 * Precision p (SF_HIST_MIN_P..SF_HIST_MAX_P): group 0 holds values
 * [0, 2^p) in 2^p buckets of width 1 ns; group g >= 1 holds
 * [2^(g+p-1), 2^(g+p)) in 2^p buckets of width 2^(g-1) ns. A bucket's width
 * is at most 2^-p of its low edge, so reporting its midpoint is off by at
 * most 2^-(p+1) (0.78 % for the default p = 6). Values from 0 to
 * 2^SF_HIST_BITS - 1 ns (68.7 s) are covered; larger ones are clamped into
 * the last bucket and negative ones into the first, and counted in clamped.
 *
 * Groups are allocated when first used, so a flow whose values span a few
 * powers of two costs a few hundred bytes per metric.
 */
#ifndef _SNAPFIRE_HIST_H
#define _SNAPFIRE_HIST_H

#include <linux/types.h>
#include <linux/gfp.h>

#define SF_HIST_BITS	36
#define SF_HIST_MIN_P	4
#define SF_HIST_MAX_P	8
#define SF_HIST_DEFAULT_P 6
#define SF_HIST_MAX_GROUPS (SF_HIST_BITS - SF_HIST_MIN_P + 1)

struct sf_hist {
	u64 count;
	u64 sum;		/* of the (clamped) values; saturates */
	u64 min;		/* 0 while empty */
	u64 max;
	u64 clamped;
	u8 p;
	u8 ngroups;		/* SF_HIST_BITS - p + 1 */
	u32 *group[];		/* ngroups entries, each NULL or 2^p counts */
};

/* NULL on failure or for p outside SF_HIST_MIN_P..SF_HIST_MAX_P. */
struct sf_hist *sf_hist_alloc(u8 p, gfp_t gfp);
void sf_hist_free(struct sf_hist *h);		/* NULL is fine */
/* Zero counts, free groups; keeps p. */
void sf_hist_reset(struct sf_hist *h);
/*
 * Add one sample. Returns 0, 1 when the value was clamped, or -ENOMEM when
 * its group could not be allocated (the sample is then not recorded at all).
 */
int sf_hist_add(struct sf_hist *h, s64 v, gfp_t gfp);
/*
 * Bytes used by @h, groups included: struct_size(h, group, ngroups) plus
 * sizeof(u32) << p per allocated group. 0 for NULL.
 */
size_t sf_hist_mem(const struct sf_hist *h);

/*
 * Bucket of value @v (larger values: the last bucket) and the range it
 * covers, [low, high] inclusive.
 */
void sf_hist_index(u8 p, u64 v, unsigned int *group, unsigned int *sub);
void sf_hist_range(u8 p, unsigned int group, unsigned int sub, u64 *low, u64 *high);

/* Walk the non-empty buckets in increasing order; start with *pos = 0. */
bool sf_hist_next(const struct sf_hist *h, unsigned int *pos, u64 *low,
		  u64 *high, u32 *count);

/*
 * Value at quantile num/den (e.g. 99/100): the midpoint of the bucket that
 * holds the sample of rank max(1, ceil(count * num / den)), clamped to
 * [min, max]. 0 for an empty histogram; num >= den (or den 0): the top.
 */
u64 sf_hist_quantile(const struct sf_hist *h, u32 num, u32 den);

#endif
