// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the agent's minute deltas (agent_store.c) when the
 * module sends a histogram with runs of adjacent buckets merged, as it does
 * past what one netlink attribute holds (kmod/nl_flow.c sf_put_hist), with
 * runs that shift from one minute to the next; and the store's bucket
 * limit (hq_coarsen). The truth is the list of values added.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent_int.h"
#include "hist.h"
#include "hquery.h"
#include "hstore.h"
#include "unit.h"

static uint64_t rng_state = 20261201;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* a round trip from 20 us to about 1 s, log-uniform: many buckets */
static uint64_t rtt(void)
{
	uint64_t lo = 20000ULL << (rnd() % 16);

	return lo + rnd() % lo;
}

/* what the module sends: runs of @merge non-empty buckets as one [low, high] */
static void module_view(const struct hist *base, unsigned int merge, struct hist *out)
{
	uint64_t run_low = 0, run_count = 0;
	unsigned int run = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < base->nb; i++) {
		if (!run)
			run_low = base->b[i].low;
		run_count += base->b[i].count;
		if (++run < merge)
			continue;
		hist_add_bucket(out, run_low, base->b[i].high, run_count);
		run = 0;
		run_count = 0;
	}
	if (run)
		hist_add_bucket(out, run_low, base->b[base->nb - 1].high, run_count);
	out->present = 1;
	out->count = base->count;
	out->sum = base->sum;
	out->min = base->min;
	out->max = base->max;
}

/* every delta bucket holds exactly the new values that fall in it */
static bool delta_exact(const struct hist *d, const uint64_t *v, size_t n)
{
	uint64_t total = 0;
	size_t i, k;

	for (i = 0; i < d->nb; i++) {
		uint64_t c = 0;

		if (i && d->b[i].low <= d->b[i - 1].high)
			return false;	/* overlapping buckets */
		for (k = 0; k < n; k++)
			c += v[k] >= d->b[i].low && v[k] <= d->b[i].high;
		if (c != d->b[i].count)
			return false;
		total += c;
	}
	return total == n && d->count == n;
}

#define N1	3000
#define N2	1500

static void test_merged_runs(void)
{
	static uint64_t v[N1 + N2];
	static const unsigned int merges[][2] = {
		{ 1, 1 }, { 1, 2 }, { 2, 2 }, { 2, 3 }, { 3, 2 }, { 1, 5 }, { 4, 7 },
	};
	struct hist base1 = { 0 }, base2 = { 0 };
	size_t i, k;

	for (i = 0; i < N1 + N2; i++)
		v[i] = rtt();
	for (i = 0; i < N1; i++) {
		agent_uhist_add(&base1, v[i]);
		agent_uhist_add(&base2, v[i]);
	}
	for (; i < N1 + N2; i++)
		agent_uhist_add(&base2, v[i]);
	CHECK(base1.nb > 300 && base2.nb > base1.nb,
	      "agent delta: the flow spans many buckets (%zu, then %zu)", base1.nb, base2.nb);

	for (k = 0; k < sizeof(merges) / sizeof(merges[0]); k++) {
		struct hist prev, cur, d;
		bool ok;

		module_view(&base1, merges[k][0], &prev);
		module_view(&base2, merges[k][1], &cur);
		ok = agent_hist_delta(&cur, &prev, &d);
		CHECK(ok && delta_exact(&d, v + N1, N2) && d.sum == base2.sum - base1.sum,
		      "agent delta: runs of %u then %u buckets merged: %zu buckets, each with exactly the minute's values in it",
		      merges[k][0], merges[k][1], d.nb);
		if (merges[k][0] == 1 && merges[k][1] == 1)
			CHECK(ok && d.nb > 100,
			      "agent delta: the same edges: the module's own buckets (%zu)", d.nb);
		hist_free(&d);
		/* the same flow read back a minute later but recreated: fewer */
		ok = agent_hist_delta(&prev, &cur, &d);
		CHECK(!ok && !d.b && !d.nb, "agent delta: runs of %u and %u: a smaller histogram is a flow recreated",
		      merges[k][1], merges[k][0]);
		hist_free(&prev);
		hist_free(&cur);
	}

	/* one bucket inside a merged run lost counts: caught although the
	 * run's total grew */
	{
		struct hist prev = { 0 }, cur = { 0 }, d;

		hist_add_bucket(&prev, 100, 101, 5);
		hist_add_bucket(&prev, 102, 103, 1);
		prev.count = 6, prev.sum = 600;
		hist_add_bucket(&cur, 100, 103, 7);	/* [100,103]: 7 >= 6 */
		hist_add_bucket(&cur, 200, 203, 1);
		cur.count = 8, cur.sum = 900;
		CHECK(agent_hist_delta(&cur, &prev, &d) && d.nb == 2 && d.b[0].low == 100 &&
		      d.b[0].high == 103 && d.b[0].count == 1 && d.b[1].count == 1 && d.count == 2,
		      "agent delta: two buckets merged into one: the delta over their union");
		hist_free(&d);
		cur.b[0].count = 5;
		cur.count = 6;
		CHECK(!agent_hist_delta(&cur, &prev, &d),
		      "agent delta: a merged run with fewer counts than its parts had: recreated");
		hist_free(&prev);
		hist_free(&cur);
	}
	hist_free(&base1);
	hist_free(&base2);
}

static void test_coarsen(void)
{
	struct hist h = { 0 };
	uint64_t total = 0, t2 = 0;
	bool ok = true;
	size_t i;

	for (i = 0; i < 3000; i++) {
		hist_add_bucket(&h, 1000 + 4 * i, 1000 + 4 * i + 3, i % 7 + 1);
		total += i % 7 + 1;
	}
	hq_coarsen(&h, HS_MAX_BUCKETS);
	for (i = 0; i < h.nb; i++) {
		t2 += h.b[i].count;
		if (i && h.b[i].low != h.b[i - 1].high + 1)
			ok = false;
	}
	CHECK(h.nb <= HS_MAX_BUCKETS && h.nb >= HS_MAX_BUCKETS / 2 && t2 == total && ok &&
	      h.b[0].low == 1000 && h.b[h.nb - 1].high == 1000 + 4 * 2999 + 3,
	      "agent store: 3000 buckets coarsened to %zu <= %d: counts and range kept", h.nb,
	      HS_MAX_BUCKETS);
	hist_free(&h);
	hist_add_bucket(&h, 5, 5, 1);
	hq_coarsen(&h, HS_MAX_BUCKETS);
	CHECK(h.nb == 1 && h.b[0].count == 1, "agent store: a small minute is left as it is");
	hist_free(&h);
}

void test_agent_hist_merged(void)
{
	test_merged_runs();
	test_coarsen();
}
