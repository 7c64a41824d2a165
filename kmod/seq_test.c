// SPDX-License-Identifier: GPL-2.0
/* KUnit tests for seq.c: loss, reordering, duplicates, wrap-around, restarts. */
#include <kunit/test.h>

#include "seq.h"

/*
 * A table case: sequence numbers fed in order, the result expected for each
 * (N next, G gap, R reordered, D duplicate, S restart), and the counters
 * expected at the end.
 */
struct seq_case {
	const char *name;
	const u32 *seq;
	unsigned int n;
	const char *res;
	u64 received;
	u64 expected;
	u64 lost;
	u64 reordered;
	u64 dup;
	u64 restarts;
};

#define SEQ(...) \
	.seq = (const u32[]){ __VA_ARGS__ }, \
	.n = ARRAY_SIZE(((const u32[]){ __VA_ARGS__ }))

#define GAP	SF_SEQ_RESTART_GAP
#define WIN	SF_SEQ_WINDOW

static const struct seq_case seq_cases[] = {
	{ "in order", SEQ(1, 2, 3, 4, 5), "NNNNN", 5, 5, 0, 0, 0, 0 },
	{ "from zero", SEQ(0, 1, 2), "NNN", 3, 3, 0, 0, 0, 0 },
	{ "single", SEQ(77), "N", 1, 1, 0, 0, 0, 0 },
	{ "loss", SEQ(1, 2, 5, 6, 10), "NNGNG", 5, 10, 5, 0, 0, 0 },
	{ "loss of one", SEQ(1, 3), "NG", 2, 3, 1, 0, 0, 0 },
	{ "swap", SEQ(1, 3, 2, 4), "NGRN", 4, 4, 0, 1, 0, 0 },
	{ "late fill", SEQ(1, 5, 3), "NGR", 3, 5, 2, 1, 0, 0 },
	{ "late after gap", SEQ(1, 5, 4, 3, 2, 6), "NGRRRN", 6, 6, 0, 3, 0, 0 },
	/* Older than the first: the epoch starts there instead. */
	{ "swap at start", SEQ(2, 1, 3), "NRN", 3, 3, 0, 1, 0, 0 },
	{ "before first", SEQ(10, 12, 8), "NGR", 3, 5, 2, 1, 0, 0 },
	{ "dup of highest", SEQ(1, 2, 2, 3), "NNDN", 3, 3, 0, 0, 1, 0 },
	{ "dup of first", SEQ(7, 7, 7), "NDD", 1, 1, 0, 0, 2, 0 },
	{ "dup in window", SEQ(1, 2, 3, 4, 5, 3, 1), "NNNNNDD", 5, 5, 0, 0, 2, 0 },
	{ "dup of reordered", SEQ(1, 3, 2, 2), "NGRD", 3, 3, 0, 1, 1, 0 },
	/* The window's far end: highest - (WIN - 1) is still known. */
	{ "window edge", SEQ(1000, 1000 + WIN - 1, 1000, 1001, 1000),
	  "NGDRD", 3, WIN, WIN - 3, 1, 2, 0 },
	/* highest - WIN is out of the window: counted, not a duplicate. */
	{ "just behind", SEQ(1000, 1000 + WIN, 1000), "NGR", 3, WIN + 1, WIN - 2, 1, 0, 0 },
	{ "far behind", SEQ(50000, 60000, 50001, 50000), "NGRR", 4, 10001, 9997, 2, 0, 0 },
	/* Too old to tell: a duplicate counts as reordered and received. */
	{ "far dup", SEQ(1, 2, 1000, 2), "NNGR", 4, 1000, 996, 1, 0, 0 },
	{ "gap = restart gap", SEQ(5, 5 + GAP), "NG", 2, GAP + 1, GAP - 1, 0, 0, 0 },
	{ "behind = restart gap", SEQ(GAP + 10, 10), "NR", 2, GAP + 1, GAP - 1, 1, 0, 0 },
	/* 32-bit wrap-around */
	{ "wrap", SEQ(0xfffffffe, 0xffffffff, 0, 1), "NNNN", 4, 4, 0, 0, 0, 0 },
	{ "wrap reordered", SEQ(0xffffffff, 1, 0, 2), "NGRN", 4, 4, 0, 1, 0, 0 },
	{ "wrap loss", SEQ(0xfffffffd, 2), "NG", 2, 6, 4, 0, 0, 0 },
	{ "wrap dup", SEQ(0xffffffff, 0, 0xffffffff, 0), "NNDD", 2, 2, 0, 0, 2, 0 },
	{ "wrap before first", SEQ(0, 1, 0xffffffff), "NNR", 3, 3, 0, 1, 0, 0 },
	/* Restarts: what was expected of the old epoch stays counted. */
	{ "restart to zero", SEQ(100000, 100001, 0, 1), "NNSN", 4, 4, 0, 0, 0, 1 },
	{ "restart forward", SEQ(5, 6, 6 + GAP + 1, 6 + GAP + 2), "NNSN", 4, 4, 0, 0, 0, 1 },
	{ "restart behind", SEQ(GAP + 100, 99), "NS", 2, 2, 0, 0, 0, 1 },
	{ "loss across epochs", SEQ(1, 3, 500000, 500002, 500003), "NGSGN",
	  5, 3 + 4, 2, 0, 0, 1 },
	{ "two restarts", SEQ(1, 2, 4, 1000000, 1000001, 3000000, 2999999),
	  "NNGSNSR", 7, 4 + 2 + 2, 1, 1, 0, 2 },
	{ "restart at half range", SEQ(0, 0x80000000, 0), "NSS", 3, 3, 0, 0, 0, 2 },
	{ "restart then dup", SEQ(1, 2, 200000, 200000), "NNSD", 3, 3, 0, 0, 1, 1 },
};

static char seq_res_char(enum sf_seq_result r)
{
	switch (r) {
	case SF_SEQ_NEXT:
		return 'N';
	case SF_SEQ_GAP:
		return 'G';
	case SF_SEQ_REORDERED:
		return 'R';
	case SF_SEQ_DUPLICATE:
		return 'D';
	case SF_SEQ_RESTART:
		return 'S';
	}
	return '?';
}

static void seq_expect_counters(struct kunit *test, const struct sf_seq *s,
				const struct seq_case *c)
{
	KUNIT_EXPECT_EQ_MSG(test, s->received, c->received, "%s: received", c->name);
	KUNIT_EXPECT_EQ_MSG(test, sf_seq_expected(s), c->expected, "%s: expected", c->name);
	KUNIT_EXPECT_EQ_MSG(test, sf_seq_lost(s), c->lost, "%s: lost", c->name);
	KUNIT_EXPECT_EQ_MSG(test, s->reordered, c->reordered, "%s: reordered", c->name);
	KUNIT_EXPECT_EQ_MSG(test, s->duplicates, c->dup, "%s: duplicates", c->name);
	KUNIT_EXPECT_EQ_MSG(test, s->restarts, c->restarts, "%s: restarts", c->name);
}

static void seq_table(struct kunit *test)
{
	struct sf_seq s;
	unsigned int i, k;
	char got[16];

	for (i = 0; i < ARRAY_SIZE(seq_cases); i++) {
		const struct seq_case *c = &seq_cases[i];

		KUNIT_ASSERT_LT(test, c->n, (unsigned int)sizeof(got));
		KUNIT_ASSERT_EQ_MSG(test, strlen(c->res), (size_t)c->n,
				    "%s: bad table entry", c->name);
		sf_seq_init(&s);
		for (k = 0; k < c->n; k++)
			got[k] = seq_res_char(sf_seq_update(&s, c->seq[k]));
		got[k] = '\0';
		KUNIT_EXPECT_STREQ_MSG(test, got, c->res, "%s", c->name);
		seq_expect_counters(test, &s, c);
	}
}

static void seq_empty(struct kunit *test)
{
	struct sf_seq s;

	sf_seq_init(&s);
	KUNIT_EXPECT_FALSE(test, s.started);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 0ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 0ULL);
	KUNIT_EXPECT_EQ(test, s.received, 0ULL);
}

/* Feed @n numbers from @start, dropping every @drop-th (0: none). */
static void seq_run(struct sf_seq *s, u32 start, unsigned int n,
		    unsigned int drop, unsigned int *bad)
{
	unsigned int i;
	u32 prev = start - 1;

	for (i = 0; i < n; i++) {
		u32 seq = start + i;
		enum sf_seq_result r, want;

		if (drop && i % drop == drop - 1)
			continue;
		want = (!s->started || seq == prev + 1) ? SF_SEQ_NEXT : SF_SEQ_GAP;
		r = sf_seq_update(s, seq);
		*bad += r != want;
		prev = seq;
	}
}

/* Long runs across 0: 0xffffff00 .. 0x100, in order and with loss. */
static void seq_wrap_run(struct kunit *test)
{
	unsigned int bad = 0;
	struct sf_seq s;

	sf_seq_init(&s);
	seq_run(&s, 0xffffff00, 512, 0, &bad);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, s.highest, 0xffU);
	KUNIT_EXPECT_EQ(test, s.received, 512ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 512ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 0ULL);
	KUNIT_EXPECT_EQ(test, s.restarts, 0ULL);

	/* Every 10th lost: 0xffffff00 + 9, + 19, ..., + 509: 51 of 512. */
	sf_seq_init(&s);
	seq_run(&s, 0xffffff00, 512, 10, &bad);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 512ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 51ULL);
	KUNIT_EXPECT_EQ(test, s.received, 461ULL);
}

/* A whole 2^32 cycle and more, in steps of 50000: gaps, never a restart. */
static void seq_full_cycle(struct kunit *test)
{
	u64 i, steps = (1ULL << 32) / 50000 + 10;
	unsigned int bad = 0;
	u32 seq = 12345;
	struct sf_seq s;

	sf_seq_init(&s);
	for (i = 0; i < steps; i++, seq += 50000)
		bad += sf_seq_update(&s, seq) != (i ? SF_SEQ_GAP : SF_SEQ_NEXT);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, s.received, steps);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), (steps - 1) * 50000 + 1);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), (steps - 1) * 49999);
	KUNIT_EXPECT_EQ(test, s.restarts, 0ULL);
}

/*
 * One epoch longer than 2^31 (steps of 60000, a gap each: 40 000 steps),
 * then a packet a little late: reordered, and the epoch's span, hence what
 * was expected and lost, stays. A 32-bit distance to the epoch's first
 * packet wraps past 2^31 and took it for one older than the first: the
 * span fell to 6, and the loss of 2.4 billion to nothing.
 */
static void seq_long_epoch_late(struct kunit *test)
{
	u32 seq = 777, steps = 40000, i;
	struct sf_seq s;
	u64 expected;

	sf_seq_init(&s);
	for (i = 0; i < steps; i++, seq += 60000)
		sf_seq_update(&s, seq);
	seq -= 60000;			/* the highest */
	expected = (u64)(steps - 1) * 60000 + 1;
	KUNIT_ASSERT_EQ(test, sf_seq_expected(&s), expected);
	KUNIT_ASSERT_GT(test, expected, 1ULL << 31);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, seq - 5), SF_SEQ_REORDERED);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), expected);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), expected - steps - 1);
	KUNIT_EXPECT_EQ(test, s.restarts, 0ULL);
}

/* Adjacent pairs swapped across the wrap: all reordered, none lost. */
static void seq_wrap_swaps(struct kunit *test)
{
	unsigned int i, bad = 0;
	struct sf_seq s;
	u32 base = 0xffffff80;

	sf_seq_init(&s);
	for (i = 0; i < 256; i += 2) {
		bad += sf_seq_update(&s, base + i + 1) !=
		       (i ? SF_SEQ_GAP : SF_SEQ_NEXT);
		bad += sf_seq_update(&s, base + i) != SF_SEQ_REORDERED;
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, s.received, 256ULL);
	KUNIT_EXPECT_EQ(test, s.reordered, 128ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 256ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 0ULL);
	/* Every one of them again: all duplicates (within the window). */
	for (i = 0; i < 256; i++)
		bad += sf_seq_update(&s, base + i) != SF_SEQ_DUPLICATE;
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, s.duplicates, 256ULL);
	KUNIT_EXPECT_EQ(test, s.received, 256ULL);
}

/* The window slides: a big gap forgets everything before it. */
static void seq_window_slide(struct kunit *test)
{
	struct sf_seq s;
	unsigned int i;

	sf_seq_init(&s);
	for (i = 0; i < 10; i++)
		sf_seq_update(&s, i);
	/* 9 + WIN - 1: 9 is still the window's last bit. */
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 9 + WIN - 1), SF_SEQ_GAP);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 9), SF_SEQ_DUPLICATE);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 8), SF_SEQ_REORDERED);
	/* A gap of more than the window clears it entirely. */
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 10000), SF_SEQ_GAP);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 10000 - WIN + 1), SF_SEQ_REORDERED);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 10000 - WIN + 1), SF_SEQ_DUPLICATE);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 10000), SF_SEQ_DUPLICATE);
	KUNIT_EXPECT_EQ(test, s.duplicates, 3ULL);
	KUNIT_EXPECT_EQ(test, s.received, 10ULL + 1 + 1 + 1 + 1);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 10001ULL);
}

/*
 * Duplicates too old for the window are counted as received: received may
 * then pass expected, and lost stays 0.
 */
static void seq_far_dups(struct kunit *test)
{
	struct sf_seq s;
	unsigned int i, bad = 0;

	sf_seq_init(&s);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 0), SF_SEQ_NEXT);
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 300), SF_SEQ_GAP);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 299ULL);
	for (i = 0; i < 400; i++)
		bad += sf_seq_update(&s, 0) != SF_SEQ_REORDERED;
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, s.received, 402ULL);
	KUNIT_EXPECT_EQ(test, s.reordered, 400ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 301ULL);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 0ULL);
}

/* Restarts fold the old epoch into expected; lost is summed over epochs. */
static void seq_epochs(struct kunit *test)
{
	struct sf_seq s;
	unsigned int e, i;
	u64 want_exp = 0, want_rx = 0;

	sf_seq_init(&s);
	for (e = 0; e < 5; e++) {
		u32 start = e * 1000000;

		/* 100 numbers per epoch, every 4th lost (the last one kept). */
		for (i = 0; i < 100; i++) {
			if (i % 4 == 3 && i != 99)
				continue;
			sf_seq_update(&s, start + i);
			want_rx++;
		}
		want_exp += 100;
		KUNIT_EXPECT_EQ(test, s.restarts, (u64)e);
		KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), want_exp);
		KUNIT_EXPECT_EQ(test, s.received, want_rx);
		KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), want_exp - want_rx);
	}
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 5ULL * 24);
	/* Back to 0: another restart; the past stays. */
	KUNIT_EXPECT_EQ(test, sf_seq_update(&s, 0), SF_SEQ_RESTART);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), want_exp + 1);
	KUNIT_EXPECT_EQ(test, sf_seq_lost(&s), 5ULL * 24);
	/* init forgets everything. */
	sf_seq_init(&s);
	KUNIT_EXPECT_EQ(test, sf_seq_expected(&s), 0ULL);
	KUNIT_EXPECT_EQ(test, s.restarts, 0ULL);
}

static struct kunit_case seq_test_cases[] = {
	KUNIT_CASE(seq_table),
	KUNIT_CASE(seq_empty),
	KUNIT_CASE(seq_wrap_run),
	KUNIT_CASE(seq_full_cycle),
	KUNIT_CASE(seq_long_epoch_late),
	KUNIT_CASE(seq_wrap_swaps),
	KUNIT_CASE(seq_window_slide),
	KUNIT_CASE(seq_far_dups),
	KUNIT_CASE(seq_epochs),
	{}
};

static struct kunit_suite seq_test_suite = {
	.name = "snapfire_seq",
	.test_cases = seq_test_cases,
};

kunit_test_suites(&seq_test_suite);
