// SPDX-License-Identifier: GPL-2.0
/*
 * Sequence tracking; see seq.h. All comparisons are serial number
 * arithmetic on the 32-bit distance d = (s32)(seq - highest), so a session
 * runs across 2^32 without noticing. The caller serialises access.
 */
#include <linux/bitmap.h>
#include <linux/string.h>

#include "seq.h"

void sf_seq_init(struct sf_seq *s)
{
	memset(s, 0, sizeof(*s));
}

/* Start an epoch (the first packet, or a restart) at @seq. */
static void sf_seq_begin(struct sf_seq *s, u32 seq)
{
	s->started = true;
	s->highest = seq;
	s->epoch_span = 1;
	s->received++;
	bitmap_zero(s->win, SF_SEQ_WINDOW);
	__set_bit(0, s->win);
}

/*
 * @seq is d (> 0) behind highest and was not seen before. If it is older
 * than the first of the epoch (d reaches back past the epoch's span), the
 * epoch now starts there (probes reordered at the start of a session
 * would otherwise count as received but never as expected, hiding as many
 * losses later). Not a 32-bit distance to the first: past 2^31 packets in
 * one epoch that wraps, and an ordinary late packet would look older than
 * the first, shrinking the span, and the loss, to almost nothing.
 */
static void sf_seq_behind(struct sf_seq *s, u32 seq, u32 d)
{
	if ((u64)d >= s->epoch_span)
		s->epoch_span = (u64)d + 1;
	s->reordered++;
	s->received++;
}

enum sf_seq_result sf_seq_update(struct sf_seq *s, u32 seq)
{
	s32 d;

	if (!s->started) {
		sf_seq_begin(s, seq);
		return SF_SEQ_NEXT;
	}

	d = (s32)(seq - s->highest);
	if (d > SF_SEQ_RESTART_GAP || d < -SF_SEQ_RESTART_GAP) {
		s->expected += s->epoch_span;
		s->restarts++;
		sf_seq_begin(s, seq);
		return SF_SEQ_RESTART;
	}

	if (d > 0) {
		if (d < SF_SEQ_WINDOW)
			bitmap_shift_left(s->win, s->win, d, SF_SEQ_WINDOW);
		else
			bitmap_zero(s->win, SF_SEQ_WINDOW);
		__set_bit(0, s->win);
		s->highest = seq;
		s->epoch_span += d;
		s->received++;
		return d == 1 ? SF_SEQ_NEXT : SF_SEQ_GAP;
	}

	if (d == 0) {
		s->duplicates++;
		return SF_SEQ_DUPLICATE;
	}

	if (-d < SF_SEQ_WINDOW) {
		if (__test_and_set_bit(-d, s->win)) {
			s->duplicates++;
			return SF_SEQ_DUPLICATE;
		}
	}
	/* Too old for the window: cannot tell a duplicate, count it. */
	sf_seq_behind(s, seq, -d);
	return SF_SEQ_REORDERED;
}

u64 sf_seq_expected(const struct sf_seq *s)
{
	return s->expected + s->epoch_span;
}

u64 sf_seq_lost(const struct sf_seq *s)
{
	u64 expected = sf_seq_expected(s);

	return expected > s->received ? expected - s->received : 0;
}
