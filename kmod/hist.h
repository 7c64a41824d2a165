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
 * Memory: the header comes from a slab cache of its exact size
 * (sf_hist_init()); a group is allocated when its first value arrives, with
 * 16-bit counts (2^(p+1) bytes, 128 at p = 6), and widened in place to
 * 32-bit counts when one of its buckets would pass U16_MAX. So a flow whose
 * values span a few powers of two costs well under a kilobyte per metric,
 * and sf_hist_mem() says exactly how much.
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
	u64 wide;		/* bit g: group g holds u32 counts, else u16 */
	u32 mem;		/* bytes: header and groups */
	u8 p;
	u8 ngroups;		/* SF_HIST_BITS - p + 1 */
	void *group[];		/* ngroups entries, each NULL or 2^p counts */
};

/*
 * The slab cache of histogram headers: created before the first
 * sf_hist_alloc(), destroyed after the last sf_hist_free() (and after the
 * RCU callbacks that free them have run).
 */
int sf_hist_init(void);
void sf_hist_exit(void);

/* NULL on failure or for p outside SF_HIST_MIN_P..SF_HIST_MAX_P. */
struct sf_hist *sf_hist_alloc(u8 p, gfp_t gfp);
void sf_hist_free(struct sf_hist *h);		/* NULL is fine */
/* Zero counts, free groups; keeps p. */
void sf_hist_reset(struct sf_hist *h);
/*
 * Add one sample. Returns 0, 1 when the value was clamped, or -ENOMEM when
 * its group could not be allocated or widened (the sample is then not
 * recorded at all).
 */
int sf_hist_add(struct sf_hist *h, s64 v, gfp_t gfp);
/*
 * Bytes sf_hist_add(@h, @v) would allocate: a new group, or the widening
 * of a full one; 0 when it would allocate nothing. For a memory cap
 * checked before the sample is taken.
 */
size_t sf_hist_growth(const struct sf_hist *h, s64 v);
/*
 * Bytes used by @h, groups included: sf_hist_head_mem() plus, per allocated
 * group, 2^p counts of 2 or 4 bytes. 0 for NULL.
 */
size_t sf_hist_mem(const struct sf_hist *h);
/* The header's share: the cache's object size. */
size_t sf_hist_head_mem(void);

/*
 * A copy of @h in one buffer, taken under the lock that serialises @h and
 * read after it is dropped (a flow-get's message is encoded from it).
 * sf_hist_copy_size(): the bytes it takes, the header with @h's group
 * pointers and each allocated group (0 for NULL). sf_hist_copy(): copies
 * @h into @buf, that many bytes aligned for a u64, and returns it: a
 * histogram whose groups lie in @buf, for sf_hist_next() and the
 * header's fields. Never passed to sf_hist_free() or sf_hist_add().
 */
size_t sf_hist_copy_size(const struct sf_hist *h);
struct sf_hist *sf_hist_copy(void *buf, const struct sf_hist *h);

/* Count of bucket (@group, @sub); 0 when its group was never used. */
u32 sf_hist_bucket(const struct sf_hist *h, unsigned int group,
		   unsigned int sub);

/*
 * Bucket of value @v (larger values: the last bucket) and the range it
 * covers, [low, high] inclusive.
 */
void sf_hist_index(u8 p, u64 v, unsigned int *group, unsigned int *sub);
void sf_hist_range(u8 p, unsigned int group, unsigned int sub, u64 *low, u64 *high);

/* Walk the non-empty buckets in increasing order; start with *pos = 0. */
bool sf_hist_next(const struct sf_hist *h, unsigned int *pos, u64 *low,
		  u64 *high, u32 *count);

#endif
