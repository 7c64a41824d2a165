// SPDX-License-Identifier: GPL-2.0
/* KUnit tests for hist.c: bucket layout, error bound, clamping, quantiles. */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/overflow.h>

#include "hist.h"
#include "test_support.h"

#define HIST_TOP	(BIT_ULL(SF_HIST_BITS) - 1)
#define MAX_REPORTS	8	/* failures reported per sweep */

static u64 hist_absdiff(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

static unsigned int hist_ngroups(u8 p)
{
	return SF_HIST_BITS - p + 1;
}

/*
 * Every bucket of precision @p: index(low) and index(high) give the bucket
 * back, buckets tile [0, 2^SF_HIST_BITS) with no gap or overlap, widths are
 * as documented. Returns the number of failures (reported up to a limit).
 */
static unsigned int hist_check_edges(struct kunit *test, u8 p)
{
	unsigned int g, sub, ig, isub, bad = 0;
	u64 low, high, next_low = 0;

	for (g = 0; g < hist_ngroups(p); g++) {
		for (sub = 0; sub < BIT(p); sub++) {
			u64 width = g ? BIT_ULL(g - 1) : 1;
			bool ok = true;

			sf_hist_range(p, g, sub, &low, &high);
			ok &= low == next_low && high - low + 1 == width;
			sf_hist_index(p, low, &ig, &isub);
			ok &= ig == g && isub == sub;
			sf_hist_index(p, high, &ig, &isub);
			ok &= ig == g && isub == sub;
			if (high < HIST_TOP) {
				/* high + 1 is the next bucket's low */
				unsigned int ng = sub + 1 < BIT(p) ? g : g + 1;
				unsigned int nsub = sub + 1 < BIT(p) ? sub + 1 : 0;

				sf_hist_index(p, high + 1, &ig, &isub);
				ok &= ig == ng && isub == nsub;
			}
			if (!ok && bad++ < MAX_REPORTS)
				KUNIT_FAIL(test, "p=%u (%u,%u) [%llu,%llu]: low %llu width %llu",
					   p, g, sub, low, high, next_low, width);
			next_low = high + 1;
		}
	}
	/* The last bucket ends at the top of the range. */
	KUNIT_EXPECT_EQ_MSG(test, next_low, BIT_ULL(SF_HIST_BITS), "p=%u", p);
	return bad;
}

static void hist_bucket_edges(struct kunit *test)
{
	unsigned int g, sub;
	u64 low, high;
	u8 p;

	for (p = SF_HIST_MIN_P; p <= SF_HIST_MAX_P; p++)
		KUNIT_EXPECT_EQ_MSG(test, hist_check_edges(test, p), 0U, "p=%u", p);

	/* A few fixed points for p = 6. */
	sf_hist_index(6, 63, &g, &sub);
	KUNIT_EXPECT_EQ(test, g, 0U);
	KUNIT_EXPECT_EQ(test, sub, 63U);
	sf_hist_index(6, 64, &g, &sub);
	KUNIT_EXPECT_EQ(test, g, 1U);
	KUNIT_EXPECT_EQ(test, sub, 0U);
	sf_hist_index(6, 128, &g, &sub);
	KUNIT_EXPECT_EQ(test, g, 2U);
	KUNIT_EXPECT_EQ(test, sub, 0U);
	sf_hist_range(6, 2, 1, &low, &high);
	KUNIT_EXPECT_EQ(test, low, 130ULL);
	KUNIT_EXPECT_EQ(test, high, 131ULL);
	sf_hist_index(6, HIST_TOP, &g, &sub);
	KUNIT_EXPECT_EQ(test, g, hist_ngroups(6) - 1);
	KUNIT_EXPECT_EQ(test, sub, 63U);
	/* Out-of-range values land in the last bucket. */
	sf_hist_index(6, U64_MAX, &g, &sub);
	KUNIT_EXPECT_EQ(test, g, hist_ngroups(6) - 1);
	KUNIT_EXPECT_EQ(test, sub, 63U);
}

/* The bucket midpoint is within 2^-(p+1) of every value, 1 us .. 60 s. */
static void hist_relative_error(struct kunit *test)
{
	unsigned int g, sub, bad, points;
	u64 v, low, high, mid;
	u8 p;

	for (p = SF_HIST_MIN_P; p <= SF_HIST_MAX_P; p++) {
		bad = 0;
		points = 0;
		for (v = 1000; v <= 60ULL * NSEC_PER_SEC; v += v / 1024 + 1) {
			points++;
			sf_hist_index(p, v, &g, &sub);
			sf_hist_range(p, g, sub, &low, &high);
			mid = low + (high - low) / 2;
			if (v >= low && v <= high &&
			    hist_absdiff(mid, v) << (p + 1) <= v)
				continue;
			if (bad++ < MAX_REPORTS)
				KUNIT_FAIL(test, "p=%u v=%llu: bucket [%llu,%llu] mid %llu",
					   p, v, low, high, mid);
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "p=%u", p);
		KUNIT_EXPECT_GT(test, points, 10000U);
	}
}

static struct sf_hist *hist_new(struct kunit *test, u8 p)
{
	struct sf_hist *h = sf_hist_alloc(p, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	return h;
}

static u32 hist_bucket(const struct sf_hist *h, u64 v)
{
	unsigned int g, sub;

	sf_hist_index(h->p, v, &g, &sub);
	return sf_hist_bucket(h, g, sub);
}

/*
 * Set the bucket of @v to @n (> U16_MAX), as if that many samples had come:
 * U16_MAX + 1 real ones widen its group, then the u32 count is written.
 */
static void hist_set_wide(struct kunit *test, struct sf_hist *h, u64 v, u32 n)
{
	unsigned int g, sub, i;

	for (i = 0; i <= U16_MAX; i++)
		KUNIT_ASSERT_GE(test, sf_hist_add(h, v, GFP_KERNEL), 0);
	sf_hist_index(h->p, v, &g, &sub);
	KUNIT_ASSERT_TRUE(test, h->wide & BIT_ULL(g));
	((u32 *)h->group[g])[sub] = n;
}

static void hist_alloc(struct kunit *test)
{
	struct sf_hist *h;
	u8 p;

	KUNIT_EXPECT_NULL(test, sf_hist_alloc(SF_HIST_MIN_P - 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, sf_hist_alloc(SF_HIST_MAX_P + 1, GFP_KERNEL));
	for (p = SF_HIST_MIN_P; p <= SF_HIST_MAX_P; p++) {
		h = hist_new(test, p);
		KUNIT_EXPECT_EQ(test, h->p, p);
		KUNIT_EXPECT_EQ(test, (unsigned int)h->ngroups, hist_ngroups(p));
		KUNIT_EXPECT_EQ(test, sf_hist_mem(h), sf_hist_head_mem());
		KUNIT_EXPECT_EQ(test, h->count, 0ULL);
		sf_hist_free(h);
	}
	KUNIT_EXPECT_LE(test, (unsigned int)SF_HIST_MAX_GROUPS, 33U);
	/* One cache object per header, of the size a header needs. */
	KUNIT_EXPECT_GE(test, sf_hist_head_mem(),
			struct_size(h, group, SF_HIST_MAX_GROUPS));
	KUNIT_EXPECT_LE(test, sf_hist_head_mem(),
			struct_size(h, group, SF_HIST_MAX_GROUPS) + 8);
	sf_hist_free(NULL);
	KUNIT_EXPECT_EQ(test, sf_hist_mem(NULL), (size_t)0);
}

/*
 * sf_hist_growth() predicts exactly what sf_hist_add() allocates: a new
 * group (2^p u16), the widening of a full one (2^p x 2 more bytes), or
 * nothing; clamped values go where the add puts them.
 */
static void hist_growth(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, 6);
	static const s64 vals[] = { 0, 63, 64, 1000, 1000000, -5,
				    BIT_ULL(SF_HIST_BITS) + 7 };
	size_t before, want;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		want = sf_hist_growth(h, vals[i]);
		before = sf_hist_mem(h);
		KUNIT_ASSERT_GE(test, sf_hist_add(h, vals[i], GFP_KERNEL), 0);
		KUNIT_EXPECT_EQ(test, sf_hist_mem(h) - before, want);
		/* the same value again: its group exists now */
		KUNIT_EXPECT_EQ(test, sf_hist_growth(h, vals[i]), (size_t)0);
	}
	KUNIT_EXPECT_EQ(test, sf_hist_growth(h, 2000000000), (size_t)128);
	/* a bucket at U16_MAX: the next add widens its group */
	for (i = 1; i < U16_MAX; i++)
		KUNIT_ASSERT_GE(test, sf_hist_add(h, 1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, sf_hist_growth(h, 1000), (size_t)128);
	before = sf_hist_mem(h);
	KUNIT_ASSERT_GE(test, sf_hist_add(h, 1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h) - before, (size_t)128);
	KUNIT_EXPECT_EQ(test, sf_hist_growth(h, 1000), (size_t)0);
	sf_hist_free(h);
}

static void hist_clamping(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);

	KUNIT_EXPECT_EQ(test, sf_hist_add(h, 5000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, sf_hist_add(h, -1, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, h->clamped, 1ULL);
	KUNIT_EXPECT_EQ(test, h->min, 0ULL);
	KUNIT_EXPECT_EQ(test, h->max, 5000ULL);
	KUNIT_EXPECT_EQ(test, sf_hist_add(h, S64_MIN, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 0), 2U);

	/* The largest value that fits is not clamped. */
	KUNIT_EXPECT_EQ(test, sf_hist_add(h, HIST_TOP, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, h->clamped, 2ULL);
	KUNIT_EXPECT_EQ(test, h->max, HIST_TOP);
	KUNIT_EXPECT_EQ(test, sf_hist_add(h, HIST_TOP + 1, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, sf_hist_add(h, S64_MAX, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, h->clamped, 4ULL);
	KUNIT_EXPECT_EQ(test, h->max, HIST_TOP);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, HIST_TOP), 3U);
	KUNIT_EXPECT_EQ(test, h->count, 6ULL);
	KUNIT_EXPECT_EQ(test, h->sum, 5000 + 3 * HIST_TOP);
	KUNIT_EXPECT_EQ(test, h->min, 0ULL);
	sf_hist_free(h);
}

static void hist_sum_min_max(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, 5);

	KUNIT_EXPECT_EQ(test, sf_hist_add(h, 700, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, h->min, 700ULL);
	KUNIT_EXPECT_EQ(test, h->max, 700ULL);
	sf_hist_add(h, 300, GFP_KERNEL);
	sf_hist_add(h, 9000, GFP_KERNEL);
	sf_hist_add(h, 800, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, h->count, 4ULL);
	KUNIT_EXPECT_EQ(test, h->sum, 10800ULL);
	KUNIT_EXPECT_EQ(test, h->min, 300ULL);
	KUNIT_EXPECT_EQ(test, h->max, 9000ULL);
	KUNIT_EXPECT_EQ(test, h->clamped, 0ULL);
	sf_hist_free(h);
}

/* ceil(count * num / den) without overflowing 64 bits; num <= den. */
static u64 hist_rank(u64 count, u32 num, u32 den)
{
	u32 rem;
	u64 q = div_u64_rem(count, den, &rem);

	return q * num + div_u64((u64)rem * num + den - 1, den);
}

/*
 * The tests' measure of a histogram's accuracy: the value at quantile
 * num/den (e.g. 99/100), the midpoint of the bucket that holds the sample
 * of rank max(1, ceil(count * num / den)), clamped to [min, max]; 0 for an
 * empty histogram; num >= den (or den 0): the top. Test code only: the
 * module sends buckets, and the percentiles users see are the CLI's
 * (cli/hist.c, interpolated inside the bucket).
 */
static u64 hist_quantile(const struct sf_hist *h, u32 num, u32 den)
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
		rank = max_t(u64, hist_rank(h->count, num, den), 1);

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

/*
 * Counts start as u16: the group widens to u32 when a bucket would pass
 * U16_MAX, keeping every count; a bucket then stops at U32_MAX while the
 * total count goes on.
 */
static void hist_saturation(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);
	size_t narrow = sizeof(u16) << h->p, wide = sizeof(u32) << h->p;
	unsigned int g, sub, i;

	KUNIT_ASSERT_EQ(test, sf_hist_add(h, 1000, GFP_KERNEL), 0);
	sf_hist_add(h, 1008, GFP_KERNEL);		/* next bucket */
	sf_hist_add(h, 1016, GFP_KERNEL);		/* same group */
	sf_hist_index(h->p, 1000, &g, &sub);
	KUNIT_EXPECT_FALSE(test, h->wide & BIT_ULL(g));
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), sf_hist_head_mem() + narrow);
	for (i = 1; i < U16_MAX; i++)
		sf_hist_add(h, 1000, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 1000), (u32)U16_MAX);
	KUNIT_EXPECT_FALSE(test, h->wide & BIT_ULL(g));
	sf_hist_add(h, 1000, GFP_KERNEL);		/* the widening one */
	KUNIT_EXPECT_TRUE(test, h->wide & BIT_ULL(g));
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 1000), (u32)U16_MAX + 1);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 1008), 1U);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 1016), 1U);
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), sf_hist_head_mem() + wide);
	KUNIT_EXPECT_EQ(test, h->count, (u64)U16_MAX + 3);

	((u32 *)h->group[g])[sub] = U32_MAX - 1;
	sf_hist_add(h, 1000, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 1000), U32_MAX);
	sf_hist_add(h, 1000, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_bucket(h, 1000), U32_MAX);
	KUNIT_EXPECT_EQ(test, h->count, (u64)U16_MAX + 5);
	/* the midpoint of 1000's bucket, [1000, 1007] */
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 1, 2), 1003ULL);

	/* Reset gives the wide group back; the next one starts narrow. */
	sf_hist_reset(h);
	KUNIT_EXPECT_EQ(test, h->wide, 0ULL);
	sf_hist_add(h, 1000, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), sf_hist_head_mem() + narrow);
	sf_hist_free(h);
}

static void hist_expect_near(struct kunit *test, u64 got, u64 want,
			     unsigned int pct, const char *what)
{
	KUNIT_EXPECT_LE_MSG(test, hist_absdiff(got, want) * 100, want * pct,
			    "%s: got %llu, want %llu +- %u%%", what, got, want, pct);
}

/* Uniform 1..1000 us: p50 and p99 within 1 % for p >= 6. */
static void hist_quantile_uniform(struct kunit *test)
{
	struct sf_hist *h;
	unsigned int i;
	u8 p;

	for (p = SF_HIST_DEFAULT_P; p <= SF_HIST_MAX_P; p++) {
		h = hist_new(test, p);
		for (i = 1; i <= 1000; i++)
			sf_hist_add(h, i * 1000, GFP_KERNEL);
		hist_expect_near(test, hist_quantile(h, 50, 100), 500000, 1, "p50");
		hist_expect_near(test, hist_quantile(h, 99, 100), 990000, 1, "p99");
		hist_expect_near(test, hist_quantile(h, 999, 1000), 999000, 1, "p99.9");
		hist_expect_near(test, hist_quantile(h, 1, 4), 250000, 1, "p25");
		/* The ends are clamped to what was seen. */
		KUNIT_EXPECT_GE(test, hist_quantile(h, 0, 100), 1000ULL);
		hist_expect_near(test, hist_quantile(h, 0, 100), 1000, 1, "p0");
		KUNIT_EXPECT_LE(test, hist_quantile(h, 100, 100), 1000000ULL);
		hist_expect_near(test, hist_quantile(h, 100, 100), 1000000, 1, "p100");
		sf_hist_free(h);
	}
}

/* 90 samples at 1 ms, 10 at 100 ms: the rank is ceil(count * q). */
static void hist_quantile_two_point(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);
	unsigned int i;

	for (i = 0; i < 90; i++)
		sf_hist_add(h, 1000000, GFP_KERNEL);
	for (i = 0; i < 10; i++)
		sf_hist_add(h, 100000000, GFP_KERNEL);
	hist_expect_near(test, hist_quantile(h, 50, 100), 1000000, 1, "p50");
	hist_expect_near(test, hist_quantile(h, 90, 100), 1000000, 1, "p90");
	hist_expect_near(test, hist_quantile(h, 181, 200), 100000000, 1, "p90.5");
	hist_expect_near(test, hist_quantile(h, 91, 100), 100000000, 1, "p91");
	/* Clamped to [min, max]: both are in their bucket's lower half. */
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 1, 1), 100000000ULL);
	KUNIT_EXPECT_GE(test, hist_quantile(h, 1, 100), 1000000ULL);
	/* Bad fractions: den 0 or num > den mean the maximum. */
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 1, 0), 100000000ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 3, 2), 100000000ULL);
	sf_hist_free(h);
}

static void hist_quantile_single_empty(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);

	KUNIT_EXPECT_EQ(test, hist_quantile(h, 50, 100), 0ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 99, 100), 0ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(NULL, 99, 100), 0ULL);

	sf_hist_add(h, 123457, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 0, 100), 123457ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 50, 100), 123457ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 99, 100), 123457ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 1, 1), 123457ULL);

	/* The midpoint of the bucket: [1024, 1039] for p = 6. */
	sf_hist_reset(h);
	sf_hist_add(h, 1024, GFP_KERNEL);
	sf_hist_add(h, 1000000, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 1, 2), 1031ULL);
	sf_hist_add(h, 1039, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 2, 3), 1031ULL);

	/* Exact in group 0 (1 ns buckets). */
	sf_hist_reset(h);
	sf_hist_add(h, 3, GFP_KERNEL);
	sf_hist_add(h, 5, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 1, 2), 3ULL);
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 51, 100), 5ULL);
	sf_hist_free(h);
}

/* Large counts: the rank computation must not overflow. */
static void hist_quantile_large_count(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);

	hist_set_wide(test, h, 2000, U32_MAX);
	hist_set_wide(test, h, 4000, U32_MAX);
	h->count = 2ULL * U32_MAX;
	hist_expect_near(test, hist_quantile(h, U32_MAX - 1, U32_MAX), 4000, 1, "top");
	hist_expect_near(test, hist_quantile(h, U32_MAX / 2, U32_MAX), 2000, 1, "mid");
	/* Counts larger than the saturated buckets hold: the maximum. */
	h->count = 1ULL << 40;
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 99, 100), 4000ULL);
	sf_hist_free(h);
}

/* Groups are allocated on first use only; reset frees them. */
static void hist_lazy_groups(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);
	size_t base = sf_hist_mem(h);
	size_t grp = sizeof(u16) << h->p;
	unsigned int g, n = 0;

	KUNIT_EXPECT_EQ(test, base, sf_hist_head_mem());
	for (g = 0; g < h->ngroups; g++)
		KUNIT_EXPECT_NULL(test, h->group[g]);

	sf_hist_add(h, 5, GFP_KERNEL);			/* group 0 */
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), base + grp);
	sf_hist_add(h, 63, GFP_KERNEL);			/* group 0 again */
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), base + grp);
	sf_hist_add(h, 1000000, GFP_KERNEL);		/* a new group */
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), base + 2 * grp);
	sf_hist_add(h, 1000001, GFP_KERNEL);		/* same group */
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), base + 2 * grp);
	sf_hist_add(h, -7, GFP_KERNEL);			/* clamped into group 0 */
	sf_hist_add(h, S64_MAX, GFP_KERNEL);		/* into the last group */
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), base + 3 * grp);
	KUNIT_EXPECT_NOT_NULL(test, h->group[h->ngroups - 1]);
	for (g = 0; g < h->ngroups; g++)
		n += !!h->group[g];
	KUNIT_EXPECT_EQ(test, n, 3U);

	sf_hist_reset(h);
	KUNIT_EXPECT_EQ(test, sf_hist_mem(h), base);
	sf_hist_free(h);
}

static void hist_reset(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, 7);
	unsigned int pos = 0, g;
	u64 low, high;
	u32 n;

	sf_hist_add(h, 42, GFP_KERNEL);
	sf_hist_add(h, -1, GFP_KERNEL);
	sf_hist_add(h, 7777777, GFP_KERNEL);
	sf_hist_reset(h);
	KUNIT_EXPECT_EQ(test, h->count, 0ULL);
	KUNIT_EXPECT_EQ(test, h->sum, 0ULL);
	KUNIT_EXPECT_EQ(test, h->min, 0ULL);
	KUNIT_EXPECT_EQ(test, h->max, 0ULL);
	KUNIT_EXPECT_EQ(test, h->clamped, 0ULL);
	KUNIT_EXPECT_EQ(test, h->p, 7);
	for (g = 0; g < h->ngroups; g++)
		KUNIT_EXPECT_NULL(test, h->group[g]);
	KUNIT_EXPECT_FALSE(test, sf_hist_next(h, &pos, &low, &high, &n));
	KUNIT_EXPECT_EQ(test, hist_quantile(h, 50, 100), 0ULL);

	/* Usable again; min starts afresh. */
	sf_hist_add(h, 900, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, h->count, 1ULL);
	KUNIT_EXPECT_EQ(test, h->min, 900ULL);
	KUNIT_EXPECT_EQ(test, h->max, 900ULL);
	sf_hist_reset(NULL);
	sf_hist_free(h);
}

static const s64 hist_next_values[] = {
	0, 0, 1, 63, 64, 65, 127, 1000, 1001, 1023, 1024, 5000, 5000, 5000,
	123456, 999999, 1000000, 50000000, 7000000000LL, -3, S64_MAX,
};

/* sf_hist_next: increasing, non-empty buckets whose counts add up. */
static void hist_next(struct kunit *test)
{
	struct sf_hist *h = hist_new(test, SF_HIST_DEFAULT_P);
	unsigned int pos = 0, i, buckets = 0, distinct = 0;
	u64 low, high, total = 0, prev_high = 0;
	bool first = true;
	u32 n;

	for (i = 0; i < ARRAY_SIZE(hist_next_values); i++)
		sf_hist_add(h, hist_next_values[i], GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, h->count, (u64)ARRAY_SIZE(hist_next_values));

	while (sf_hist_next(h, &pos, &low, &high, &n)) {
		unsigned int g, sub, expect = 0;

		buckets++;
		total += n;
		KUNIT_EXPECT_GT(test, n, 0U);
		KUNIT_EXPECT_LE(test, low, high);
		if (!first)
			KUNIT_EXPECT_GT(test, low, prev_high);
		first = false;
		prev_high = high;
		sf_hist_index(h->p, low, &g, &sub);
		/* The count is that of the values falling in [low, high]. */
		for (i = 0; i < ARRAY_SIZE(hist_next_values); i++) {
			s64 v = clamp_t(s64, hist_next_values[i], 0, HIST_TOP);

			expect += (u64)v >= low && (u64)v <= high;
		}
		KUNIT_EXPECT_EQ_MSG(test, n, expect, "bucket [%llu,%llu]", low, high);
	}
	KUNIT_EXPECT_EQ(test, total, h->count);
	/* Once done, it stays done. */
	KUNIT_EXPECT_FALSE(test, sf_hist_next(h, &pos, &low, &high, &n));

	/* Distinct buckets among the values, counted the slow way. */
	for (i = 0; i < ARRAY_SIZE(hist_next_values); i++) {
		s64 v = clamp_t(s64, hist_next_values[i], 0, HIST_TOP);
		unsigned int g, sub, j, g2, sub2;
		bool seen = false;

		sf_hist_index(h->p, v, &g, &sub);
		for (j = 0; j < i && !seen; j++) {
			s64 w = clamp_t(s64, hist_next_values[j], 0, HIST_TOP);

			sf_hist_index(h->p, w, &g2, &sub2);
			seen = g == g2 && sub == sub2;
		}
		distinct += !seen;
	}
	KUNIT_EXPECT_EQ(test, buckets, distinct);
	sf_hist_free(h);
}

static struct kunit_case hist_test_cases[] = {
	KUNIT_CASE(hist_bucket_edges),
	KUNIT_CASE(hist_relative_error),
	KUNIT_CASE(hist_alloc),
	KUNIT_CASE(hist_growth),
	KUNIT_CASE(hist_clamping),
	KUNIT_CASE(hist_sum_min_max),
	KUNIT_CASE(hist_saturation),
	KUNIT_CASE(hist_quantile_uniform),
	KUNIT_CASE(hist_quantile_two_point),
	KUNIT_CASE(hist_quantile_single_empty),
	KUNIT_CASE(hist_quantile_large_count),
	KUNIT_CASE(hist_lazy_groups),
	KUNIT_CASE(hist_reset),
	KUNIT_CASE(hist_next),
	{}
};

static struct kunit_suite hist_test_suite = {
	.name = "snapfire_hist",
	.suite_init = sf_test_hist_suite_init,
	.suite_exit = sf_test_hist_suite_exit,
	.test_cases = hist_test_cases,
};

kunit_test_suites(&hist_test_suite);
