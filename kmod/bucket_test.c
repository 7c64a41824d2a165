// SPDX-License-Identifier: GPL-2.0
/* KUnit tests for bucket.h: the token bucket of the rate limits and events. */
#include <kunit/test.h>

#include "bucket.h"

#define T0	(1000ULL * NSEC_PER_SEC)	/* an arbitrary start time */

/* How many tokens can be taken at @now, taking until refused. */
static unsigned int take_all(struct sf_bucket *b, u64 now, u64 rate, u64 burst)
{
	unsigned int n = 0;

	while (n < 10000000 && sf_bucket_take(b, now, rate, burst))
		n++;
	return n;
}

static void bucket_starts_full(struct kunit *test)
{
	struct sf_bucket b = {};

	KUNIT_EXPECT_EQ(test, take_all(&b, T0, 10, 5), 5U);
	KUNIT_EXPECT_FALSE(test, sf_bucket_take(&b, T0, 10, 5));
}

static void bucket_refills_at_rate(struct kunit *test)
{
	struct sf_bucket b = {};

	take_all(&b, T0, 10, 5);
	/* 10 per second: one token every 100 ms, none before */
	KUNIT_EXPECT_FALSE(test, sf_bucket_take(&b, T0 + 99 * NSEC_PER_MSEC, 10, 5));
	KUNIT_EXPECT_TRUE(test, sf_bucket_take(&b, T0 + 100 * NSEC_PER_MSEC, 10, 5));
	KUNIT_EXPECT_FALSE(test, sf_bucket_take(&b, T0 + 100 * NSEC_PER_MSEC, 10, 5));
	/* 350 ms on: 3.5 tokens, of which 3 can be taken */
	KUNIT_EXPECT_EQ(test, take_all(&b, T0 + 450 * NSEC_PER_MSEC, 10, 5), 3U);
	/* the half token is kept: 50 ms later there is one */
	KUNIT_EXPECT_TRUE(test, sf_bucket_take(&b, T0 + 500 * NSEC_PER_MSEC, 10, 5));
}

static void bucket_capped_at_burst(struct kunit *test)
{
	struct sf_bucket b = {};

	take_all(&b, T0, 1000, 20);
	/* an hour idle refills no more than the burst */
	KUNIT_EXPECT_EQ(test, take_all(&b, T0 + 3600 * NSEC_PER_SEC, 1000, 20), 20U);
}

/*
 * Two CPUs: one reads the clock, the other takes the bucket with a later
 * reading first. The older reading must refill nothing (a wrap-around of
 * now - last once counted as "long ago" and filled the bucket).
 */
static void bucket_clock_behind(struct kunit *test)
{
	struct sf_bucket b = {};
	unsigned int i, ok = 0;
	u64 t = T0 + NSEC_PER_SEC;

	take_all(&b, T0, 10, 10);
	KUNIT_EXPECT_EQ(test, take_all(&b, t, 10, 10), 10U);	/* 1 s: 10 back */
	for (i = 1; i <= 20; i++) {	/* 40 takes in 20 us: none is due */
		ok += sf_bucket_take(&b, t + i * 1000, 10, 10);
		ok += sf_bucket_take(&b, t + i * 1000 - 100, 10, 10);
	}
	KUNIT_EXPECT_EQ(test, ok, 0U);
	/* and the time is counted once: 100 ms after the latest, one token */
	KUNIT_EXPECT_TRUE(test, sf_bucket_take(&b, t + 20000 + 100 * NSEC_PER_MSEC, 10, 10));
	KUNIT_EXPECT_FALSE(test, sf_bucket_take(&b, t + 20000 + 100 * NSEC_PER_MSEC, 10, 10));
}

/* Taking at the rate, forever, is never refused; above it, the excess is. */
static void bucket_sustained_rate(struct kunit *test)
{
	struct sf_bucket b = {};
	unsigned int i, ok = 0;

	take_all(&b, T0, 100, 1);
	for (i = 1; i <= 1000; i++)	/* exactly 100/s */
		ok += sf_bucket_take(&b, T0 + i * 10 * NSEC_PER_MSEC, 100, 1);
	KUNIT_EXPECT_EQ(test, ok, 1000U);
	ok = 0;
	for (i = 1; i <= 2000; i++)	/* 200/s for 10 s */
		ok += sf_bucket_take(&b, T0 + 10 * NSEC_PER_SEC +
				     i * 5 * NSEC_PER_MSEC, 100, 1);
	KUNIT_EXPECT_EQ(test, ok, 1000U);
}

/* The largest values the callers pass: no overflow in the scaled tokens. */
static void bucket_large_values(struct kunit *test)
{
	struct sf_bucket b = {};
	u64 rate = (u64)U32_MAX * 100, burst = 1000000;

	KUNIT_EXPECT_EQ(test, take_all(&b, T0, rate, burst), 1000000U);
	/* 1 us at 429.5 G/s is 429 496 tokens */
	KUNIT_EXPECT_EQ(test, take_all(&b, T0 + NSEC_PER_USEC, rate, burst),
			429496U);
	b = (struct sf_bucket){};
	KUNIT_EXPECT_TRUE(test, sf_bucket_take(&b, T0, 1, U32_MAX));
	KUNIT_EXPECT_EQ(test, b.tokens, (U32_MAX - 1ULL) * NSEC_PER_SEC);
}

/* The events' use: rate r with a burst of r (one second's worth). */
static void bucket_event_rate(struct kunit *test)
{
	struct sf_bucket b = {};

	KUNIT_EXPECT_EQ(test, take_all(&b, T0, 50, 50), 50U);
	KUNIT_EXPECT_EQ(test, take_all(&b, T0 + NSEC_PER_SEC / 2, 50, 50), 25U);
	KUNIT_EXPECT_EQ(test, take_all(&b, T0 + 5 * NSEC_PER_SEC, 50, 50), 50U);
}

/*
 * sf_bucket_empty() says "certainly refused" exactly when a take would
 * refuse: never where it would give a token (a flow made by a flood's
 * first packet after the refill would be lost), and not "maybe" where it
 * would not (the lock the check is there to spare). Compared against a
 * take on a copy, at every rate the callers use, before the bucket's
 * last use (a clock behind), within a second of it and past it.
 */
static void bucket_empty_matches_take(struct kunit *test)
{
	static const u64 rates[] = { 1, 10, 1000, 1000000, U32_MAX,
				     (u64)U32_MAX * 100 };
	static const s64 steps[] = { -NSEC_PER_SEC, -1, 0, 1, 999, 1000,
				     999999, 1000000, 99999999, 100000000,
				     NSEC_PER_SEC - 1, NSEC_PER_SEC,
				     3600 * NSEC_PER_SEC };
	unsigned int r, i, wrong = 0, empties = 0;
	struct sf_bucket b, c;

	for (r = 0; r < ARRAY_SIZE(rates); r++) {
		b = (struct sf_bucket){};
		KUNIT_EXPECT_FALSE(test, sf_bucket_empty(&b, T0, rates[r]));
		take_all(&b, T0, rates[r], 1);
		for (i = 0; i < ARRAY_SIZE(steps); i++) {
			u64 now = T0 + steps[i];
			bool empty = sf_bucket_empty(&b, now, rates[r]);

			c = b;
			if (empty == sf_bucket_take(&c, now, rates[r], 1)) {
				kunit_info(test, "rate %llu, %lld ns: %s\n",
					   rates[r], steps[i],
					   empty ? "empty, a token" : "maybe, none");
				wrong++;
			}
			empties += empty;
		}
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	/* it does say "empty": at 1/s, everything under a second on */
	KUNIT_EXPECT_GE(test, empties, 10U);
}

static struct kunit_case bucket_test_cases[] = {
	KUNIT_CASE(bucket_starts_full),
	KUNIT_CASE(bucket_refills_at_rate),
	KUNIT_CASE(bucket_capped_at_burst),
	KUNIT_CASE(bucket_clock_behind),
	KUNIT_CASE(bucket_sustained_rate),
	KUNIT_CASE(bucket_large_values),
	KUNIT_CASE(bucket_event_rate),
	KUNIT_CASE(bucket_empty_matches_take),
	{}
};

static struct kunit_suite bucket_test_suite = {
	.name = "snapfire_bucket",
	.test_cases = bucket_test_cases,
};

kunit_test_suites(&bucket_test_suite);
