/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequence tracking: loss, reordering and duplicates over a sliding window
 * of SF_SEQ_WINDOW sequence numbers, with 32-bit wrap-around (serial number
 * arithmetic) and restarts (a jump of more than SF_SEQ_RESTART_GAP either
 * way starts a new epoch; what was expected of the old one stays counted).
 */
#ifndef _SNAPFIRE_SEQ_H
#define _SNAPFIRE_SEQ_H

#include <linux/types.h>
#include <linux/bitops.h>

#define SF_SEQ_WINDOW		256
#define SF_SEQ_RESTART_GAP	65536

struct sf_seq {
	u32 highest;		/* highest sequence number seen this epoch */
	bool started;
	u64 expected;		/* sum over past epochs of (highest - first + 1) */
	u64 epoch_span;		/* highest - lowest + 1 this epoch */
	u64 received;		/* unique packets */
	u64 reordered;
	u64 duplicates;
	u64 restarts;
	/* bit i set: highest - i was received, i < SF_SEQ_WINDOW */
	unsigned long win[BITS_TO_LONGS(SF_SEQ_WINDOW)];
};

/*
 * d = (s32)(seq - highest):
 *   d == 1                        NEXT
 *   1 < d <= SF_SEQ_RESTART_GAP   GAP: the ones in between are missing
 *   d == 0                        DUPLICATE
 *   -SF_SEQ_WINDOW < d < 0        DUPLICATE if seen, else REORDERED
 *   -GAP <= d <= -SF_SEQ_WINDOW   REORDERED: too old to tell a duplicate,
 *                                 so counted as received
 *   |d| > SF_SEQ_RESTART_GAP      RESTART: epoch_span is added to expected
 *                                 and a new epoch starts at seq
 * received counts the packets not found to be duplicates. A reordered
 * packet older than the epoch's lowest widens the span back to it (so that
 * probes swapped at the start of a session are not received-but-never-
 * expected, which would hide as many later losses).
 */
enum sf_seq_result {
	SF_SEQ_NEXT,		/* highest + 1, or the first */
	SF_SEQ_GAP,		/* ahead of highest + 1: some are missing */
	SF_SEQ_REORDERED,	/* behind highest, not seen before (or too old to tell) */
	SF_SEQ_DUPLICATE,	/* seen before */
	SF_SEQ_RESTART,		/* a new epoch started with this one */
};

void sf_seq_init(struct sf_seq *s);
enum sf_seq_result sf_seq_update(struct sf_seq *s, u32 seq);
/* Sequence numbers expected so far (all epochs). */
u64 sf_seq_expected(const struct sf_seq *s);
/* Expected but never received: expected - received, never negative. */
u64 sf_seq_lost(const struct sf_seq *s);

#endif
