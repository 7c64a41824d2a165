// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for hist.c's walk of the non-empty buckets (sf_hist_next()),
 * which every flow dump runs twice a histogram, and of the copy a flow-get
 * walks instead of the histogram itself (sf_hist_copy()).
 */
#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "hist.h"
#include "test_support.h"

/*
 * sf_hist_next() against a walk of every count, one at a time (the way it
 * was written before it skipped zeros eight bytes at a time): at every
 * precision, with counts whose low byte is zero (256 in a u16, 65 536 in
 * a group widened to u32), at the first and last count of a group, in the
 * last group (clamped values), and resumed from every position.
 */
static bool hist_next_ref(const struct sf_hist *h, unsigned int *pos,
			  unsigned int *g, unsigned int *sub, u32 *n)
{
	unsigned int nb = BIT(h->p), end = h->ngroups * nb;

	for (; *pos < end; (*pos)++) {
		*g = *pos >> h->p;
		*sub = *pos & (nb - 1);
		*n = sf_hist_bucket(h, *g, *sub);
		if (*n) {
			(*pos)++;
			return true;
		}
	}
	return false;
}

struct hist_ref {
	unsigned int idx;	/* group << p | sub */
	u32 n;
};

/* sf_hist_next() from @start gives @ref's buckets at or after it, in order */
static void hist_walk_from(struct kunit *test, const struct sf_hist *h,
			   unsigned int start, const struct hist_ref *ref,
			   unsigned int nref)
{
	unsigned int nb = BIT(h->p), pos = start, k;
	u64 low, high, rlow, rhigh;
	u32 n;

	for (k = 0; k < nref && ref[k].idx < start; k++)
		;
	while (sf_hist_next(h, &pos, &low, &high, &n)) {
		if (k == nref) {
			KUNIT_FAIL(test, "p %u from %u: a bucket the walk has not",
				   h->p, start);
			return;
		}
		sf_hist_range(h->p, ref[k].idx >> h->p, ref[k].idx & (nb - 1),
			      &rlow, &rhigh);
		if (low != rlow || high != rhigh || n != ref[k].n ||
		    pos != ref[k].idx + 1) {
			KUNIT_FAIL(test, "p %u from %u: [%llu,%llu]x%u@%u, walk [%llu,%llu]x%u@%u",
				   h->p, start, low, high, n, pos, rlow, rhigh,
				   ref[k].n, ref[k].idx + 1);
			return;
		}
		k++;
	}
	KUNIT_EXPECT_EQ_MSG(test, k, nref, "p %u from %u", h->p, start);
}

static void hist_next_skips(struct kunit *test)
{
	struct hist_ref ref[48];
	u8 p;

	for (p = SF_HIST_MIN_P; p <= SF_HIST_MAX_P; p++) {
		struct sf_hist *h = sf_hist_alloc(p, GFP_KERNEL);
		unsigned int nb = BIT(p), i, g, sub, pos, nref = 0, start;
		u64 low, high, v;
		u32 n;

		KUNIT_ASSERT_NOT_NULL(test, h);
		/* group 1's first count 256 times, group 3's last 65 536 times */
		sf_hist_range(p, 1, 0, &low, &high);
		for (i = 0; i < 256; i++)
			sf_hist_add(h, low, GFP_KERNEL);
		sf_hist_range(p, 3, nb - 1, &low, &high);
		for (i = 0; i < 65536; i++)
			sf_hist_add(h, high, GFP_KERNEL);
		sf_hist_range(p, 3, 1, &low, &high);
		sf_hist_add(h, low, GFP_KERNEL);
		for (v = 1000; v < 100000000ULL; v = v * 7 / 3)
			sf_hist_add(h, v, GFP_KERNEL);
		sf_hist_add(h, S64_MAX, GFP_KERNEL);	/* the last count of all */
		KUNIT_EXPECT_TRUE(test, h->wide & BIT_ULL(3));
		KUNIT_EXPECT_FALSE(test, h->wide & BIT_ULL(1));

		pos = 0;
		while (nref < ARRAY_SIZE(ref) && hist_next_ref(h, &pos, &g, &sub, &n)) {
			ref[nref].idx = pos - 1;
			ref[nref++].n = n;
		}
		if (nref == ARRAY_SIZE(ref)) {
			sf_hist_free(h);
			KUNIT_FAIL(test, "p %u: more than %zu buckets", p, ARRAY_SIZE(ref) - 1);
			return;
		}
		KUNIT_EXPECT_GE(test, nref, 6U);
		/* from every position, the end included */
		for (start = 0; start <= h->ngroups * nb; start++)
			hist_walk_from(test, h, start, ref, nref);
		sf_hist_free(h);
	}
}

/*
 * sf_hist_copy(): the copy walks as the original (narrow and wide groups,
 * the last one), has its header fields, takes exactly
 * sf_hist_copy_size() bytes (a canary after them stays), shares no group
 * with the original, and stays as it was when the original changes.
 */
static void hist_copy(struct kunit *test)
{
	u8 p;

	KUNIT_EXPECT_EQ(test, sf_hist_copy_size(NULL), 0UL);
	for (p = SF_HIST_MIN_P; p <= SF_HIST_MAX_P; p++) {
		struct sf_hist *h = sf_hist_alloc(p, GFP_KERNEL), *c;
		unsigned int pos = 0, cpos = 0, i, g, nb = 0;
		u64 low, high, clow, chigh, v;
		u32 n, cn;
		size_t size;
		u8 *buf;

		KUNIT_ASSERT_NOT_NULL(test, h);
		KUNIT_EXPECT_EQ(test, sf_hist_copy_size(h), struct_size(h, group, h->ngroups));
		for (v = 3; v < 10000000000ULL; v = v * 5 / 2)
			sf_hist_add(h, v, GFP_KERNEL);
		for (i = 0; i <= U16_MAX; i++)
			sf_hist_add(h, 777, GFP_KERNEL);	/* a wide group */
		sf_hist_add(h, S64_MAX, GFP_KERNEL);
		KUNIT_EXPECT_NE(test, h->wide, 0ULL);
		size = sf_hist_copy_size(h);
		buf = kunit_kmalloc(test, size + 8, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		memset(buf + size, 0xa5, 8);
		c = sf_hist_copy(buf, h);
		KUNIT_EXPECT_PTR_EQ(test, (void *)c, (void *)buf);
		KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf + size, 0xa5, 8), (void *)NULL);
		KUNIT_EXPECT_EQ(test, c->count, h->count);
		KUNIT_EXPECT_EQ(test, c->sum, h->sum);
		KUNIT_EXPECT_EQ(test, c->min, h->min);
		KUNIT_EXPECT_EQ(test, c->max, h->max);
		KUNIT_EXPECT_EQ(test, c->clamped, h->clamped);
		KUNIT_EXPECT_EQ(test, c->p, h->p);
		for (g = 0; g < h->ngroups; g++) {
			KUNIT_EXPECT_EQ(test, !c->group[g], !h->group[g]);
			KUNIT_EXPECT_TRUE(test, !c->group[g] || c->group[g] != h->group[g]);
			KUNIT_EXPECT_TRUE(test, !c->group[g] ||
					  ((u8 *)c->group[g] >= buf &&
					   (u8 *)c->group[g] < buf + size));
		}
		while (sf_hist_next(h, &pos, &low, &high, &n)) {
			KUNIT_ASSERT_TRUE(test, sf_hist_next(c, &cpos, &clow, &chigh, &cn));
			KUNIT_EXPECT_EQ(test, clow, low);
			KUNIT_EXPECT_EQ(test, chigh, high);
			KUNIT_EXPECT_EQ(test, cn, n);
			nb++;
		}
		KUNIT_EXPECT_FALSE(test, sf_hist_next(c, &cpos, &clow, &chigh, &cn));
		KUNIT_EXPECT_GE(test, nb, 10U);
		/* the original changes, the copy does not */
		v = h->count;
		sf_hist_add(h, 777, GFP_KERNEL);
		sf_hist_reset(h);
		cpos = 0;
		KUNIT_EXPECT_TRUE(test, sf_hist_next(c, &cpos, &clow, &chigh, &cn));
		KUNIT_EXPECT_EQ(test, clow, 3ULL);
		KUNIT_EXPECT_EQ(test, c->count, v);
		sf_hist_free(h);
	}
}

static struct kunit_case hist_walk_test_cases[] = {
	KUNIT_CASE(hist_next_skips),
	KUNIT_CASE(hist_copy),
	{}
};

static struct kunit_suite hist_walk_test_suite = {
	.name = "snapfire_hist_walk",
	.suite_init = sf_test_hist_suite_init,
	.suite_exit = sf_test_hist_suite_exit,
	.test_cases = hist_walk_test_cases,
};

kunit_test_suites(&hist_walk_test_suite);
