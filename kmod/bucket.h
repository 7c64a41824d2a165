/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One token bucket, used by the reflector's per-source and namespace-wide
 * rate limits (reflect.c) and by the event rate (event.c). Tokens are kept
 * scaled by NSEC_PER_SEC, so that refilling at @rate per second is one
 * multiplication by the nanoseconds elapsed, with no division in the common
 * case. The caller serialises access to a bucket (its lock is the
 * caller's).
 */
#ifndef _SF_BUCKET_H
#define _SF_BUCKET_H

#include <linux/math64.h>
#include <linux/compiler.h>
#include <linux/minmax.h>
#include <linux/time64.h>
#include <linux/types.h>

struct sf_bucket {
	u64 tokens;			/* scaled by NSEC_PER_SEC */
	u64 last;			/* ns, monotonic; 0: never used */
};

/*
 * Refill @b at @rate tokens per second up to @burst tokens, then take one
 * if there is one. @now is monotonic ns; @rate and @burst are at least 1.
 * A bucket never used before (all zero) starts full, however long ago
 * the clock started. A @now before the bucket's last use (a clock read on
 * one CPU, the bucket taken by another with a later one first) refills
 * nothing: the time is not counted twice, and never as a wrapped-around
 * "very long ago" that would fill the bucket.
 */
static inline bool sf_bucket_take(struct sf_bucket *b, u64 now, u64 rate,
				  u64 burst)
{
	u64 cap = burst * NSEC_PER_SEC;
	u64 elapsed = 0;

	if (unlikely(!b->last)) {
		b->tokens = cap;
		b->last = now;
	} else if ((s64)(now - b->last) > 0) {
		/* long enough to fill it from empty; bounds elapsed * rate */
		elapsed = min_t(u64, now - b->last, div64_u64(cap, rate) + 1);
		b->last = now;
	}
	b->tokens = min(cap, b->tokens + elapsed * rate);
	if (b->tokens < NSEC_PER_SEC)
		return false;
	b->tokens -= NSEC_PER_SEC;
	return true;
}

#endif /* _SF_BUCKET_H */
