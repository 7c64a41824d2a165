// SPDX-License-Identifier: GPL-2.0
/*
 * A flow's flow-get message (nl_flow.c: do and dump), in two steps.
 *
 * sf_flow_snap_take() copies what the message shows while it holds the
 * flow's lock: the counters, and each wanted histogram as one memcpy() of
 * its allocated groups (sf_hist_copy(): about 8 KiB for the widest
 * histogram at the default precision, 30 KiB at precision 8). The message
 * is then sized from that copy (an upper bound, a few bytes over: the
 * flow key's addresses and the 64-bit padding are counted at their
 * largest) and encoded from it, with no lock held.
 *
 * Before, the buckets were walked (twice) and encoded under the lock: up
 * to some 15 000 bucket nests for a flow with wide histograms, a
 * millisecond or more with bottom halves off, for any user's flow-get.
 * The flow's packets take that lock in softirq and at the driver hand-off
 * (xmit.c), where the device queue's lock is held: repeated gets of one
 * wide flow, which an unprivileged user can make, stalled that queue.
 *
 * A histogram nest is at most U16_MAX bytes: one with more non-empty
 * buckets than that holds is sent with runs of adjacent buckets merged
 * into one [low, high] bucket (counts stay exact, the resolution drops).
 * sf_flow_snap_put() merges further only when it is told to fit a message
 * into less room than the copy needs (a dump's buffer, sized for the flow,
 * which grew before it was filled).
 */
#include <linux/overflow.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

/* A flow-get message's contents, copied under the flow's lock. */
struct sf_flow_snap {
	size_t room;			/* bytes in buf */
	size_t need;			/* bytes the last take needed */
	struct sf_flow_key key;
	u64 id;
	u64 created;
	u64 last_seen;
	u64 tx;
	u64 rx;
	u64 lost;
	u64 reordered;
	u64 duplicates;
	u64 rev_lost;
	u64 restarts;
	u64 jitter;
	u32 mem;
	u8 synced;
	u8 peer_ttl;
	u8 stateful_peer;
	/* copies in buf, or NULL: not wanted, or empty */
	struct sf_hist *hist[SF_METRIC_CNT];
	unsigned int nonempty[SF_METRIC_CNT];	/* buckets of each */
	u64 buf[];			/* u64: the copies' alignment */
};

struct sf_flow_snap *sf_flow_snap_alloc(size_t room)
{
	struct sf_flow_snap *s;

	/* room is a u64 multiple: each copy starts aligned */
	room = round_up(room, sizeof(u64));
	/* the caller's to keep (a dump's, until .done): charged */
	s = kvmalloc(struct_size(s, buf, room / sizeof(u64)), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	/* the copies' room is written before it is read: not zeroed */
	memset(s, 0, sizeof(*s));
	s->room = room;
	return s;
}

void sf_flow_snap_free(struct sf_flow_snap *s)
{
	kvfree(s);
}

size_t sf_flow_snap_need(const struct sf_flow_snap *s)
{
	return s->need;
}

static bool sf_hist_wanted(const struct sf_hist *h, u32 mask, unsigned int m)
{
	return (mask & BIT(m)) && h && h->count;
}

static unsigned int sf_hist_nonempty(const struct sf_hist *h)
{
	unsigned int pos = 0, n = 0;
	u64 low, high;
	u32 count;

	while (sf_hist_next(h, &pos, &low, &high, &count))
		n++;
	return n;
}

int sf_flow_snap_take(struct sf_flow_snap *s, struct sf_flow *f, u32 mask)
{
	size_t need = 0, off = 0;
	unsigned int m;
	int err = -ENOBUFS;

	s->key = f->key;
	s->id = f->id;
	spin_lock_bh(&f->lock);
	for (m = 0; m < SF_METRIC_CNT; m++)
		if (sf_hist_wanted(f->hist[m], mask, m))
			need += round_up(sf_hist_copy_size(f->hist[m]), sizeof(u64));
	s->need = need;
	if (need > s->room)
		goto out_unlock;
	s->created = f->created;
	s->last_seen = f->last_seen;
	s->tx = f->tx;
	s->rx = f->rx;
	s->lost = sf_seq_lost(&f->seq);
	s->reordered = f->seq.reordered;
	s->duplicates = f->seq.duplicates;
	s->rev_lost = f->key.role == SNAPFIRE_ROLE_SENDER ? sf_seq_lost(&f->rseq) : 0;
	s->restarts = f->seq.restarts;
	s->jitter = f->jitter >> 4;
	s->synced = f->synced;
	s->peer_ttl = f->peer_ttl;
	s->mem = f->mem;
	s->stateful_peer = f->stateful_peer;
	for (m = 0; m < SF_METRIC_CNT; m++) {
		s->hist[m] = NULL;
		if (!sf_hist_wanted(f->hist[m], mask, m))
			continue;
		s->hist[m] = sf_hist_copy((u8 *)s->buf + off, f->hist[m]);
		off += round_up(sf_hist_copy_size(f->hist[m]), sizeof(u64));
	}
	err = 0;
out_unlock:
	spin_unlock_bh(&f->lock);
	if (err)
		return err;
	/* the walk, on the copy: no lock */
	for (m = 0; m < SF_METRIC_CNT; m++)
		s->nonempty[m] = s->hist[m] ? sf_hist_nonempty(s->hist[m]) : 0;
	return 0;
}

/* ------------------------------------------------------------------ sizes */

static size_t sf_flow_attrs_size(void)
{
	return sf_flow_key_size() +				/* ID .. SSID */
	       nla_total_size_64bit(sizeof(u64)) +		/* CREATED */
	       nla_total_size_64bit(sizeof(u64)) +		/* LAST_SEEN */
	       nla_total_size_64bit(sizeof(u64)) +		/* TX */
	       nla_total_size_64bit(sizeof(u64)) +		/* RX */
	       nla_total_size_64bit(sizeof(u64)) +		/* LOST */
	       nla_total_size_64bit(sizeof(u64)) +		/* REORDERED */
	       nla_total_size_64bit(sizeof(u64)) +		/* DUPLICATES */
	       nla_total_size_64bit(sizeof(u64)) +		/* REV_LOST */
	       nla_total_size_64bit(sizeof(u64)) +		/* RESTARTS */
	       nla_total_size_64bit(sizeof(u64)) +		/* JITTER */
	       nla_total_size(sizeof(u8)) +			/* SYNCED */
	       nla_total_size(sizeof(u8)) +			/* PEER_TTL */
	       nla_total_size(sizeof(u32)) +			/* MEM */
	       nla_total_size(sizeof(u8));			/* PEER_STATEFUL */
}

static size_t sf_hist_head_size(void)
{
	return nla_total_size(0) +				/* HIST */
	       nla_total_size(sizeof(u32)) +			/* HIST_METRIC */
	       nla_total_size_64bit(sizeof(u64)) +		/* HIST_COUNT */
	       nla_total_size_64bit(sizeof(u64)) +		/* HIST_SUM */
	       nla_total_size_64bit(sizeof(u64)) +		/* HIST_MIN_VALUE */
	       nla_total_size_64bit(sizeof(u64)) +		/* HIST_MAX_VALUE */
	       nla_total_size_64bit(sizeof(u64)) +		/* HIST_CLAMPED */
	       nla_total_size(sizeof(u8));			/* HIST_PRECISION */
}

static size_t sf_bucket_size(void)
{
	return nla_total_size(0) +				/* HIST_BUCKET */
	       nla_total_size_64bit(sizeof(u64)) +		/* BUCKET_LOW */
	       nla_total_size_64bit(sizeof(u64)) +		/* BUCKET_HIGH */
	       nla_total_size_64bit(sizeof(u64));		/* BUCKET_COUNT */
}

/* The most buckets a histogram nest, at most U16_MAX bytes, holds. */
static unsigned int sf_hist_nest_max_buckets(void)
{
	return (U16_MAX - sf_hist_head_size()) / sf_bucket_size();
}

/*
 * How many of histogram @m's non-empty buckets go into one bucket sent:
 * what its nest needs, times @k.
 */
static unsigned int sf_snap_merge(const struct sf_flow_snap *s, unsigned int m,
				  unsigned int k)
{
	unsigned int n = s->nonempty[m];

	return max(1U, DIV_ROUND_UP(n, sf_hist_nest_max_buckets())) * k;
}

/* Payload bytes of the message with every merge multiplied by @k. */
static size_t sf_snap_size(const struct sf_flow_snap *s, unsigned int k)
{
	size_t size = sf_flow_attrs_size();
	unsigned int m;

	for (m = 0; m < SF_METRIC_CNT; m++) {
		if (!s->hist[m])
			continue;
		size += sf_hist_head_size() +
			DIV_ROUND_UP(s->nonempty[m], sf_snap_merge(s, m, k)) *
			sf_bucket_size();
	}
	return size;
}

size_t sf_flow_snap_msg_size(const struct sf_flow_snap *s)
{
	return sf_snap_size(s, 1);
}

/* ----------------------------------------------------------------- encode */

static int sf_put_bucket(struct sk_buff *skb, u64 low, u64 high, u64 count)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SNAPFIRE_A_HIST_BUCKET);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SNAPFIRE_A_BUCKET_LOW, low,
			      SNAPFIRE_A_BUCKET_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_BUCKET_HIGH, high,
			      SNAPFIRE_A_BUCKET_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_BUCKET_COUNT, count,
			      SNAPFIRE_A_BUCKET_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One histogram's nest: its non-empty buckets in order, @merge to one. */
static int sf_put_hist(struct sk_buff *skb, const struct sf_hist *h,
		       unsigned int metric, unsigned int merge)
{
	u64 low, high, run_low = 0, run_count = 0;
	unsigned int pos = 0, run = 0;
	struct nlattr *nest;
	u32 count;

	nest = nla_nest_start(skb, SNAPFIRE_A_FLOW_HIST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SNAPFIRE_A_HIST_METRIC, metric) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_HIST_COUNT, h->count,
			      SNAPFIRE_A_HIST_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_HIST_SUM, h->sum,
			      SNAPFIRE_A_HIST_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_HIST_MIN_VALUE, h->min,
			      SNAPFIRE_A_HIST_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_HIST_MAX_VALUE, h->max,
			      SNAPFIRE_A_HIST_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_HIST_CLAMPED, h->clamped,
			      SNAPFIRE_A_HIST_PAD) ||
	    nla_put_u8(skb, SNAPFIRE_A_HIST_PRECISION, h->p))
		goto cancel;

	while (sf_hist_next(h, &pos, &low, &high, &count)) {
		if (!run)
			run_low = low;
		run_count += count;
		if (++run < merge)
			continue;
		if (sf_put_bucket(skb, run_low, high, run_count))
			goto cancel;
		run = 0;
		run_count = 0;
	}
	if (run && sf_put_bucket(skb, run_low, high, run_count))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int sf_flow_snap_put(struct sk_buff *skb, const struct sf_flow_snap *s,
		     size_t room)
{
	unsigned int m, k = 1;

	/* merge twice as much until it fits, or each is one bucket */
	while (sf_snap_size(s, k) > room) {
		for (m = 0; m < SF_METRIC_CNT; m++)
			if (s->hist[m] && sf_snap_merge(s, m, k) < s->nonempty[m])
				break;
		if (m == SF_METRIC_CNT)
			return -EMSGSIZE;
		k *= 2;
	}
	if (sf_put_flow_key(skb, &s->key, s->id) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_CREATED, s->created,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_LAST_SEEN, s->last_seen,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_TX, s->tx,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_RX, s->rx,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_LOST, s->lost,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_REORDERED, s->reordered,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_DUPLICATES, s->duplicates,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_REV_LOST, s->rev_lost,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_RESTARTS, s->restarts,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_JITTER, s->jitter,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_SYNCED, s->synced) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_PEER_TTL, s->peer_ttl) ||
	    nla_put_u32(skb, SNAPFIRE_A_FLOW_MEM, s->mem) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_PEER_STATEFUL, s->stateful_peer))
		return -EMSGSIZE;
	for (m = 0; m < SF_METRIC_CNT; m++)
		if (s->hist[m] && sf_put_hist(skb, s->hist[m], m, sf_snap_merge(s, m, k)))
			return -EMSGSIZE;
	return 0;
}
