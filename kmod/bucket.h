/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One token bucket, used by the reflector's per-source and namespace-wide
 * rate limits (reflect.c) and by the event rate (event.c). Tokens are kept
 * scaled by NSEC_PER_SEC, so that refilling at @rate per second is one
 * multiplication by the nanoseconds elapsed, with no division in the common
 * case. The caller serialises sf_bucket_take() (its lock is the caller's);
 * sf_bucket_empty() may be called without it.
 */
#ifndef _SF_BUCKET_H
#define _SF_BUCKET_H

#include <linux/math64.h>
#include <linux/compiler.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <asm/barrier.h>

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
	u64 tokens = b->tokens, last = b->last, elapsed = 0;
	bool ok;

	if (unlikely(!last)) {
		tokens = cap;
		last = now;
	} else if ((s64)(now - last) > 0) {
		/* long enough to fill it from empty; bounds elapsed * rate */
		elapsed = min_t(u64, now - last, div64_u64(cap, rate) + 1);
		last = now;
	}
	tokens = min(cap, tokens + elapsed * rate);
	ok = tokens >= NSEC_PER_SEC;
	if (ok)
		tokens -= NSEC_PER_SEC;
	WRITE_ONCE(b->tokens, tokens);
	/* tokens before last: pairs with sf_bucket_empty()'s smp_rmb() */
	smp_wmb();
	WRITE_ONCE(b->last, last);
	return ok;
}

/*
 * Would sf_bucket_take(@b, @now, @rate, ...) certainly refuse? Read without
 * the caller's lock, so that a caller past its rate need not take the lock
 * to learn that. It reads last, then tokens, in the reverse of the order
 * sf_bucket_take() writes them: tokens read with a last are never older
 * than that last's, so a racing take can only make this answer "maybe"
 * (false) where "no" was right, never "no" where a take would have given
 * a token. Any answer may be stale by the time the caller acts: only a
 * take under the lock hands out tokens.
 */
static inline bool sf_bucket_empty(const struct sf_bucket *b, u64 now,
				   u64 rate)
{
	u64 last = READ_ONCE(b->last), tokens, fill;

	/* last before tokens: pairs with sf_bucket_take()'s smp_wmb() */
	smp_rmb();
	tokens = READ_ONCE(b->tokens);
	if (!last)
		return false;		/* never used: full */
	if ((s64)(now - last) <= 0)
		return tokens < NSEC_PER_SEC;	/* no refill */
	if (check_mul_overflow(now - last, rate, &fill) ||
	    check_add_overflow(fill, tokens, &fill))
		return false;
	return fill < NSEC_PER_SEC;
}

#endif /* _SF_BUCKET_H */
