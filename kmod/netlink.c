// SPDX-License-Identifier: GPL-2.0
/*
 * The snapfire generic netlink family (include/snapfire.yaml): per-namespace
 * configuration, status and counters, flows with their histograms, and the
 * events multicast group.
 *
 * Every request is answered from the namespace of the requesting socket.
 * Reading (config-get, status-get, flow-get) needs no privilege, like ss(8)
 * or ip -s link; config-set, flow-del and flow-reset need CAP_NET_ADMIN over
 * the namespace's user namespace (GENL_UNS_ADMIN_PERM).
 *
 * Requests are validated strictly: unknown attributes, wrong lengths and
 * out-of-range values are refused by the policies below, everything else by
 * the handlers, always with an extack message naming the attribute, and a
 * refused request changes nothing.
 *
 * The family runs with parallel_ops: config-set is serialised by
 * sf_net.conf_mutex, everything else reads under RCU and the flow locks.
 *
 * Flow dumps walk the flows in id order (the id xarray) and resume each
 * message at the id where the previous one stopped. A flow that does not
 * fit in the message buffer is emitted first in the next one, whose buffer
 * is made big enough for it (cb->min_dump_alloc). Ids only grow, so a dump
 * that races with flows being created and removed neither repeats a flow
 * nor misses one that lived throughout, and never needs NLM_F_DUMP_INTR.
 */
#include <linux/inetdevice.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "snapfire.h"
#include "compat.h"

#define SF_ALL_METRICS		(BIT(SF_METRIC_CNT) - 1)
/* extra buckets per histogram allowed for in a reply's size estimate */
#define SF_SLACK_BUCKETS	8
/* flow-get replies are re-built at most this often when histograms grow */
#define SF_GET_TRIES		3

enum sf_mcgrp {
	SF_MCGRP_EVENTS,
};

static struct genl_family sf_genl_family;

/* ---------------------------------------------------------------- policies */

/* not const: 6.1's nla_policy.range points to non-const */
static struct netlink_range_validation sf_max_flows_range = {
	.min = 16,
	.max = 4194304,
};

static struct netlink_range_validation sf_idle_timeout_range = {
	.min = 1,
	.max = 604800,
};

static struct netlink_range_validation sf_loss_threshold_range = {
	.min = 0,
	.max = 1000000,
};

static const struct nla_policy sf_prefix_policy[SNAPFIRE_A_PREFIX_MAX + 1] = {
	[SNAPFIRE_A_PREFIX_FAMILY]	= { .type = NLA_U8 },
	[SNAPFIRE_A_PREFIX_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SNAPFIRE_A_PREFIX_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy sf_config_set_policy[SNAPFIRE_A_CONFIG_RATE_PREFIX6 + 1] = {
	[SNAPFIRE_A_CONFIG_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[SNAPFIRE_A_CONFIG_REFLECT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_REFLECT_MODE] =
		NLA_POLICY_MAX(NLA_U32, SNAPFIRE_REFLECT_MODE_STATEFUL),
	[SNAPFIRE_A_CONFIG_RATE_LIMIT]	= { .type = NLA_U32 },
	[SNAPFIRE_A_CONFIG_RATE_BURST]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SNAPFIRE_A_CONFIG_ALLOW]	= NLA_POLICY_NESTED(sf_prefix_policy),
	[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]	= { .type = NLA_FLAG },
	[SNAPFIRE_A_CONFIG_MAX_FLOWS]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &sf_max_flows_range),
	[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &sf_idle_timeout_range),
	[SNAPFIRE_A_CONFIG_HIST_PRECISION] =
		NLA_POLICY_RANGE(NLA_U8, SF_HIST_MIN_P, SF_HIST_MAX_P),
	[SNAPFIRE_A_CONFIG_CLOCK_SYNCED] = NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_STAMP_TX]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_RTT_THRESHOLD] = { .type = NLA_U64 },
	[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &sf_loss_threshold_range),
	[SNAPFIRE_A_CONFIG_WINDOW]	= NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[SNAPFIRE_A_CONFIG_EVENT_RATE]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT] = { .type = NLA_U16 },
	[SNAPFIRE_A_CONFIG_RATE_PREFIX6] = NLA_POLICY_RANGE(NLA_U8, 1, 128),
};

/*
 * flow-get: id and hist-mask for a single get, the filters and hist-mask for
 * a dump (legacy ops have one policy for both; the handlers refuse what does
 * not belong to the request at hand).
 */
static const struct nla_policy sf_flow_get_policy[SNAPFIRE_A_FLOW_HIST_MASK + 1] = {
	[SNAPFIRE_A_FLOW_ID]		= { .type = NLA_U64 },
	[SNAPFIRE_A_FLOW_ROLE]		=
		NLA_POLICY_RANGE(NLA_U32, SNAPFIRE_ROLE_SENDER,
				 SNAPFIRE_ROLE_REFLECTOR),
	[SNAPFIRE_A_FLOW_REMOTE_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SNAPFIRE_A_FLOW_LOCAL_PORT]	= { .type = NLA_U16 },
	[SNAPFIRE_A_FLOW_REMOTE_PORT]	= { .type = NLA_U16 },
	[SNAPFIRE_A_FLOW_SSID]		= { .type = NLA_U16 },
	[SNAPFIRE_A_FLOW_HIST_MASK]	= NLA_POLICY_MASK(NLA_U32, SF_ALL_METRICS),
};

/* flow-del, flow-reset */
static const struct nla_policy sf_flow_id_policy[SNAPFIRE_A_FLOW_ID + 1] = {
	[SNAPFIRE_A_FLOW_ID]		= { .type = NLA_U64 },
};

/* config-get, status-get: no request attributes */
static const struct nla_policy sf_reject_all_policy[1 + 1] = {
	[1]				= { .type = NLA_REJECT },
};

/* ----------------------------------------------------------- size estimates */

static size_t sf_config_reply_size(void)
{
	size_t prefix = nla_total_size(0) +			/* ALLOW */
			nla_total_size(sizeof(u8)) +		/* PREFIX_FAMILY */
			nla_total_size(sizeof(struct in6_addr)) + /* PREFIX_ADDR */
			nla_total_size(sizeof(u8));		/* PREFIX_PLEN */

	return nla_total_size(sizeof(u8)) +			/* ENABLED */
	       SNAPFIRE_MAX_PORTS * nla_total_size(sizeof(u16)) + /* PORT */
	       nla_total_size(sizeof(u8)) +			/* REFLECT */
	       nla_total_size(sizeof(u32)) +			/* REFLECT_MODE */
	       nla_total_size(sizeof(u32)) +			/* RATE_LIMIT */
	       nla_total_size(sizeof(u32)) +			/* RATE_BURST */
	       SNAPFIRE_MAX_ALLOW * prefix +			/* ALLOW */
	       nla_total_size(sizeof(u32)) +			/* MAX_FLOWS */
	       nla_total_size(sizeof(u32)) +			/* IDLE_TIMEOUT */
	       nla_total_size(sizeof(u8)) +			/* HIST_PRECISION */
	       nla_total_size(sizeof(u8)) +			/* CLOCK_SYNCED */
	       nla_total_size(sizeof(u8)) +			/* STAMP_TX */
	       nla_total_size_64bit(sizeof(u64)) +		/* RTT_THRESHOLD */
	       nla_total_size(sizeof(u32)) +			/* LOSS_THRESHOLD */
	       nla_total_size(sizeof(u32)) +			/* WINDOW */
	       nla_total_size(sizeof(u32)) +			/* EVENT_RATE */
	       nla_total_size(sizeof(u16)) +			/* MIN_SOURCE_PORT */
	       nla_total_size(sizeof(u8));			/* RATE_PREFIX6 */
}

static size_t sf_counters_size(void)
{
	return nla_total_size(0) +				/* nest */
	       SF_C_CNT * nla_total_size_64bit(sizeof(u64));	/* each counter */
}

static size_t sf_status_reply_size(void)
{
	return nla_total_size(sizeof(SNAPFIRE_VERSION)) +	/* VERSION */
	       sf_counters_size() +				/* COUNTERS */
	       sf_counters_size() +				/* GLOBAL_COUNTERS */
	       nla_total_size(sizeof(u32)) +			/* FLOWS */
	       nla_total_size_64bit(sizeof(u64)) +		/* MEM */
	       nla_total_size_64bit(sizeof(u64));		/* GLOBAL_MEM */
}

static size_t sf_flow_attrs_size(void)
{
	return nla_total_size_64bit(sizeof(u64)) +		/* ID */
	       nla_total_size(sizeof(u32)) +			/* ROLE */
	       nla_total_size(sizeof(u8)) +			/* FAMILY */
	       nla_total_size(sizeof(struct in6_addr)) +	/* LOCAL_ADDR */
	       nla_total_size(sizeof(struct in6_addr)) +	/* REMOTE_ADDR */
	       nla_total_size(sizeof(u16)) +			/* LOCAL_PORT */
	       nla_total_size(sizeof(u16)) +			/* REMOTE_PORT */
	       nla_total_size(sizeof(u16)) +			/* SSID */
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
	       nla_total_size(sizeof(u32));			/* MEM */
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

/*
 * An attribute is at most U16_MAX bytes long, so a histogram nest holds at
 * most this many buckets. A histogram with more non-empty buckets (samples
 * spread over many powers of two at a high precision) is sent with runs of
 * adjacent buckets merged into one [low, high] bucket: counts stay exact,
 * only the resolution drops.
 */
static unsigned int sf_hist_nest_max_buckets(void)
{
	return (U16_MAX - sf_hist_head_size()) / sf_bucket_size();
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

/* Buckets sent for @h: how many non-empty buckets to merge into one, and how many result. */
static unsigned int sf_hist_merge(const struct sf_hist *h, unsigned int *sent)
{
	unsigned int n = sf_hist_nonempty(h);
	unsigned int merge = max(1U, DIV_ROUND_UP(n, sf_hist_nest_max_buckets()));

	if (sent)
		*sent = DIV_ROUND_UP(n, merge);
	return merge;
}

static bool sf_hist_wanted(const struct sf_hist *h, u32 mask, unsigned int m)
{
	return (mask & BIT(m)) && h && h->count;
}

/*
 * Payload bytes of the message of flow @f with the histograms in @mask, plus
 * @slack buckets per histogram for samples that may arrive before it is
 * filled. The caller holds f->lock.
 */
static size_t sf_flow_msg_size(const struct sf_flow *f, u32 mask,
			       unsigned int slack)
{
	size_t size = sf_flow_attrs_size();
	unsigned int m, sent;

	lockdep_assert_held(&f->lock);
	for (m = 0; m < SF_METRIC_CNT; m++) {
		if (!sf_hist_wanted(f->hist[m], mask, m))
			continue;
		sf_hist_merge(f->hist[m], &sent);
		sent = min(sent + slack, sf_hist_nest_max_buckets());
		size += sf_hist_head_size() + sent * sf_bucket_size();
	}
	return size;
}

static size_t sf_event_size(void)
{
	size_t flow = nla_total_size(0) +			/* EVENT_FLOW */
		      nla_total_size_64bit(sizeof(u64)) +	/* FLOW_ID */
		      nla_total_size(sizeof(u32)) +		/* FLOW_ROLE */
		      nla_total_size(sizeof(u8)) +		/* FLOW_FAMILY */
		      nla_total_size(sizeof(struct in6_addr)) +	/* FLOW_LOCAL_ADDR */
		      nla_total_size(sizeof(struct in6_addr)) +	/* FLOW_REMOTE_ADDR */
		      nla_total_size(sizeof(u16)) +		/* FLOW_LOCAL_PORT */
		      nla_total_size(sizeof(u16)) +		/* FLOW_REMOTE_PORT */
		      nla_total_size(sizeof(u16)) +		/* FLOW_SSID */
		      nla_total_size_64bit(sizeof(u64)) +	/* FLOW_RX */
		      nla_total_size_64bit(sizeof(u64));	/* FLOW_LOST */

	return nla_total_size(sizeof(u32)) +			/* EVENT_TYPE */
	       flow +
	       nla_total_size_64bit(sizeof(u64)) +		/* EVENT_VALUE */
	       nla_total_size_64bit(sizeof(u64));		/* EVENT_THRESHOLD */
}

/* ---------------------------------------------------------------- helpers */

/* @a as the key stores it: AF_INET as ::ffff:a.b.c.d, sent as 4 bytes */
static int sf_put_addr(struct sk_buff *skb, int attrtype, u8 family,
		       const struct in6_addr *a)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, attrtype, a->s6_addr32[3]);
	return nla_put_in6_addr(skb, attrtype, a);
}

static int sf_put_counters(struct sk_buff *skb, int attrtype,
			   const struct sf_counters *c)
{
	struct nlattr *nest;
	int i;

	/* counter i is attribute i + 1; the pad comes after the last */
	BUILD_BUG_ON(SF_C_CNT + 1 != SNAPFIRE_A_COUNTERS_PAD);
	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < SF_C_CNT; i++)
		if (nla_put_u64_64bit(skb, i + 1, c->c[i],
				      SNAPFIRE_A_COUNTERS_PAD))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* The keys every flow message carries (also the event-flow nest's). */
static int sf_put_flow_key(struct sk_buff *skb, const struct sf_flow_key *k,
			   u64 id)
{
	if (nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_ID, id, SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u32(skb, SNAPFIRE_A_FLOW_ROLE, k->role) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_FAMILY, k->family) ||
	    sf_put_addr(skb, SNAPFIRE_A_FLOW_LOCAL_ADDR, k->family, &k->laddr) ||
	    sf_put_addr(skb, SNAPFIRE_A_FLOW_REMOTE_ADDR, k->family, &k->raddr) ||
	    nla_put_u16(skb, SNAPFIRE_A_FLOW_LOCAL_PORT, ntohs(k->lport)) ||
	    nla_put_u16(skb, SNAPFIRE_A_FLOW_REMOTE_PORT, ntohs(k->rport)) ||
	    nla_put_u16(skb, SNAPFIRE_A_FLOW_SSID, k->ssid))
		return -EMSGSIZE;
	return 0;
}

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

/* One histogram with its non-empty buckets in order; under the flow lock. */
static int sf_put_hist(struct sk_buff *skb, const struct sf_hist *h,
		       unsigned int metric)
{
	unsigned int pos = 0, run = 0, merge = sf_hist_merge(h, NULL);
	u64 low, high, run_low = 0, run_count = 0;
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

/* All attributes of flow @f, histograms in @mask; takes the flow's lock. */
static int sf_put_flow(struct sk_buff *skb, struct sf_flow *f, u32 mask)
{
	unsigned int m;
	int err = -EMSGSIZE;

	if (sf_put_flow_key(skb, &f->key, f->id))
		return -EMSGSIZE;

	/* nla_put() does not allocate: fill in one go under the lock */
	spin_lock_bh(&f->lock);
	if (nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_CREATED, f->created,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_LAST_SEEN, f->last_seen,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_TX, f->tx,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_RX, f->rx,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_LOST, sf_seq_lost(&f->seq),
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_REORDERED, f->seq.reordered,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_DUPLICATES, f->seq.duplicates,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_REV_LOST,
			      f->stateful_peer ? sf_seq_lost(&f->rseq) : 0,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_RESTARTS, f->seq.restarts,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_JITTER, f->jitter >> 4,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_SYNCED, f->synced) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_PEER_TTL, f->peer_ttl) ||
	    nla_put_u32(skb, SNAPFIRE_A_FLOW_MEM, f->mem))
		goto out_unlock;
	for (m = 0; m < SF_METRIC_CNT; m++) {
		if (!sf_hist_wanted(f->hist[m], mask, m))
			continue;
		if (sf_put_hist(skb, f->hist[m], m))
			goto out_unlock;
	}
	err = 0;
out_unlock:
	spin_unlock_bh(&f->lock);
	return err;
}

/* NL_SET_ERR_MSG_ATTR() for the id of flow-get/del/reset: "no such flow" */
static int sf_no_flow(struct netlink_ext_ack *extack, const struct nlattr *attr)
{
	NL_SET_ERR_MSG_ATTR(extack, attr, "no such flow");
	return -ENOENT;
}

/* -------------------------------------------------------------- config-get */

static int sf_fill_config(struct sk_buff *skb, const struct sf_config *cfg)
{
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u8(skb, SNAPFIRE_A_CONFIG_ENABLED, cfg->enabled))
		return -EMSGSIZE;
	for (i = 0; i < cfg->nports; i++)
		if (nla_put_u16(skb, SNAPFIRE_A_CONFIG_PORT,
				ntohs(cfg->ports[i])))
			return -EMSGSIZE;
	if (nla_put_u8(skb, SNAPFIRE_A_CONFIG_REFLECT, cfg->reflect) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_REFLECT_MODE, cfg->reflect_mode) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_RATE_LIMIT, cfg->rate_limit) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_RATE_BURST, cfg->rate_burst))
		return -EMSGSIZE;
	for (i = 0; i < cfg->nallow; i++) {
		const struct sf_prefix *p = &cfg->allow[i];

		nest = nla_nest_start(skb, SNAPFIRE_A_CONFIG_ALLOW);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u8(skb, SNAPFIRE_A_PREFIX_FAMILY, p->family) ||
		    nla_put(skb, SNAPFIRE_A_PREFIX_ADDR,
			    p->family == AF_INET ? 4 : 16, &p->addr) ||
		    nla_put_u8(skb, SNAPFIRE_A_PREFIX_PLEN, p->plen)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	if (nla_put_u32(skb, SNAPFIRE_A_CONFIG_MAX_FLOWS, cfg->max_flows) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, cfg->idle_timeout) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_HIST_PRECISION, cfg->precision) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_CLOCK_SYNCED, cfg->clock_synced) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_STAMP_TX, cfg->stamp_tx) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_CONFIG_RTT_THRESHOLD,
			      cfg->rtt_threshold, SNAPFIRE_A_CONFIG_PAD) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_LOSS_THRESHOLD,
			cfg->loss_threshold) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_WINDOW, cfg->window) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_EVENT_RATE, cfg->event_rate) ||
	    nla_put_u16(skb, SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT, cfg->min_sport) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_RATE_PREFIX6, cfg->rate_prefix6))
		return -EMSGSIZE;
	return 0;
}

static int sf_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(sf_config_reply_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sf_genl_family, 0,
				SNAPFIRE_CMD_CONFIG_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	rcu_read_lock();
	err = sf_fill_config(msg, rcu_dereference(sn->config));
	rcu_read_unlock();
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/* -------------------------------------------------------------- config-set */

static int sf_parse_ports(struct sf_config *cfg, const struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *a;
	unsigned int n = 0, i;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		__be16 port;

		if (nla_type(a) != SNAPFIRE_A_CONFIG_PORT)
			continue;
		if (n == SNAPFIRE_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "too many ports (at most "
					    __stringify(SNAPFIRE_MAX_PORTS) ")");
			return -E2BIG;
		}
		port = htons(nla_get_u16(a));
		for (i = 0; i < n; i++) {
			if (cfg->ports[i] == port) {
				NL_SET_ERR_MSG_ATTR(extack, a, "duplicate port");
				return -EINVAL;
			}
		}
		cfg->ports[n++] = port;
	}
	cfg->nports = n;
	return 0;
}

static int sf_parse_prefix(struct sf_prefix *p, const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SNAPFIRE_A_PREFIX_MAX + 1];
	const struct nlattr *a;
	unsigned int alen;
	int err;

	err = nla_parse_nested(tb, SNAPFIRE_A_PREFIX_MAX, nest,
			       sf_prefix_policy, extack);
	if (err)
		return err;
	if (!tb[SNAPFIRE_A_PREFIX_FAMILY] || !tb[SNAPFIRE_A_PREFIX_ADDR] ||
	    !tb[SNAPFIRE_A_PREFIX_PLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "allow prefix needs family, addr and plen");
		NL_SET_ERR_ATTR_MISS(extack, nest,
				     !tb[SNAPFIRE_A_PREFIX_FAMILY] ?
				     SNAPFIRE_A_PREFIX_FAMILY :
				     !tb[SNAPFIRE_A_PREFIX_ADDR] ?
				     SNAPFIRE_A_PREFIX_ADDR :
				     SNAPFIRE_A_PREFIX_PLEN);
		return -EINVAL;
	}

	memset(p, 0, sizeof(*p));
	p->family = nla_get_u8(tb[SNAPFIRE_A_PREFIX_FAMILY]);
	p->plen = nla_get_u8(tb[SNAPFIRE_A_PREFIX_PLEN]);
	a = tb[SNAPFIRE_A_PREFIX_ADDR];
	alen = nla_len(a);

	switch (p->family) {
	case AF_INET:
		if (alen != 4) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "AF_INET prefix address must be 4 bytes");
			return -EINVAL;
		}
		if (p->plen > 32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_PREFIX_PLEN],
					    "AF_INET prefix length must be at most 32");
			return -ERANGE;
		}
		p->addr.s6_addr32[0] = nla_get_in_addr(a);
		if (p->addr.s6_addr32[0] & ~inet_make_mask(p->plen)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "prefix address has host bits set beyond the prefix length");
			return -EINVAL;
		}
		break;
	case AF_INET6: {
		struct in6_addr masked;

		if (alen != 16) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "AF_INET6 prefix address must be 16 bytes");
			return -EINVAL;
		}
		p->addr = nla_get_in6_addr(a);
		ipv6_addr_prefix(&masked, &p->addr, p->plen);
		if (!ipv6_addr_equal(&masked, &p->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "prefix address has host bits set beyond the prefix length");
			return -EINVAL;
		}
		break;
	}
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_PREFIX_FAMILY],
				    "prefix family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	return 0;
}

static int sf_parse_allow(struct sf_config *cfg, const struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *a;
	unsigned int n = 0, i;
	int rem, err;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		struct sf_prefix *p;

		if (nla_type(a) != SNAPFIRE_A_CONFIG_ALLOW)
			continue;
		if (n == SNAPFIRE_MAX_ALLOW) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "too many allow prefixes (at most "
					    __stringify(SNAPFIRE_MAX_ALLOW) ")");
			return -E2BIG;
		}
		p = &cfg->allow[n];
		err = sf_parse_prefix(p, a, extack);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (cfg->allow[i].family == p->family &&
			    cfg->allow[i].plen == p->plen &&
			    ipv6_addr_equal(&cfg->allow[i].addr, &p->addr)) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "duplicate allow prefix");
				return -EINVAL;
			}
		}
		n++;
	}
	cfg->nallow = n;
	return 0;
}

/* Apply the request to @cfg, a private copy; nothing is published here. */
static int sf_parse_config(struct sf_config *cfg, const struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	int err;

	if (tb[SNAPFIRE_A_CONFIG_PORT]) {
		err = sf_parse_ports(cfg, info);
		if (err)
			return err;
	}
	if (tb[SNAPFIRE_A_CONFIG_ALLOW] && tb[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SNAPFIRE_A_CONFIG_ALLOW_CLEAR],
				    "allow and allow-clear exclude each other");
		return -EINVAL;
	}
	if (tb[SNAPFIRE_A_CONFIG_ALLOW]) {
		err = sf_parse_allow(cfg, info);
		if (err)
			return err;
	}
	if (tb[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]) {
		cfg->nallow = 0;
		memset(cfg->allow, 0, sizeof(cfg->allow));
	}

	if (tb[SNAPFIRE_A_CONFIG_ENABLED])
		cfg->enabled = nla_get_u8(tb[SNAPFIRE_A_CONFIG_ENABLED]);
	if (tb[SNAPFIRE_A_CONFIG_REFLECT])
		cfg->reflect = nla_get_u8(tb[SNAPFIRE_A_CONFIG_REFLECT]);
	if (tb[SNAPFIRE_A_CONFIG_REFLECT_MODE])
		cfg->reflect_mode = nla_get_u32(tb[SNAPFIRE_A_CONFIG_REFLECT_MODE]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_LIMIT])
		cfg->rate_limit = nla_get_u32(tb[SNAPFIRE_A_CONFIG_RATE_LIMIT]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_BURST])
		cfg->rate_burst = nla_get_u32(tb[SNAPFIRE_A_CONFIG_RATE_BURST]);
	/*
	 * A limit below the current number of flows is accepted: the GC
	 * evicts the excess over its next runs.
	 */
	if (tb[SNAPFIRE_A_CONFIG_MAX_FLOWS])
		cfg->max_flows = nla_get_u32(tb[SNAPFIRE_A_CONFIG_MAX_FLOWS]);
	if (tb[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT])
		cfg->idle_timeout = nla_get_u32(tb[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT]);
	/* flows created from now on get histograms of the new precision */
	if (tb[SNAPFIRE_A_CONFIG_HIST_PRECISION])
		cfg->precision = nla_get_u8(tb[SNAPFIRE_A_CONFIG_HIST_PRECISION]);
	if (tb[SNAPFIRE_A_CONFIG_CLOCK_SYNCED])
		cfg->clock_synced = nla_get_u8(tb[SNAPFIRE_A_CONFIG_CLOCK_SYNCED]);
	if (tb[SNAPFIRE_A_CONFIG_STAMP_TX])
		cfg->stamp_tx = nla_get_u8(tb[SNAPFIRE_A_CONFIG_STAMP_TX]);
	if (tb[SNAPFIRE_A_CONFIG_RTT_THRESHOLD])
		cfg->rtt_threshold = nla_get_u64(tb[SNAPFIRE_A_CONFIG_RTT_THRESHOLD]);
	if (tb[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD])
		cfg->loss_threshold = nla_get_u32(tb[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD]);
	if (tb[SNAPFIRE_A_CONFIG_WINDOW])
		cfg->window = nla_get_u32(tb[SNAPFIRE_A_CONFIG_WINDOW]);
	if (tb[SNAPFIRE_A_CONFIG_EVENT_RATE])
		cfg->event_rate = nla_get_u32(tb[SNAPFIRE_A_CONFIG_EVENT_RATE]);
	if (tb[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT])
		cfg->min_sport = nla_get_u16(tb[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_PREFIX6])
		cfg->rate_prefix6 = nla_get_u8(tb[SNAPFIRE_A_CONFIG_RATE_PREFIX6]);
	return 0;
}

/*
 * A namespace owned by a user namespace other than the initial one belongs
 * to whoever created that user namespace, unprivileged or not: it may
 * lower the memory-relevant limits but not raise them above the defaults,
 * unless the request comes from the host's administrator (@host_admin:
 * CAP_NET_ADMIN in the initial user namespace).
 */
static int sf_check_untrusted(const struct sf_config *cfg,
			      struct genl_info *info, bool host_admin)
{
	struct nlattr **tb = info->attrs;

	if (host_admin || genl_info_net(info)->user_ns == &init_user_ns)
		return 0;
	if (cfg->max_flows > SF_DEFAULT_MAX_FLOWS) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SNAPFIRE_A_CONFIG_MAX_FLOWS],
				    "max-flows above the default ("
				    __stringify(SF_DEFAULT_MAX_FLOWS)
				    ") needs a namespace of the initial user namespace");
		return -EPERM;
	}
	if (cfg->precision > SF_HIST_DEFAULT_P) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[SNAPFIRE_A_CONFIG_HIST_PRECISION],
				    "hist-precision above the default ("
				    __stringify(SF_HIST_DEFAULT_P)
				    ") needs a namespace of the initial user namespace");
		return -EPERM;
	}
	return 0;
}

static int sf_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct sf_config *cfg;
	int err;

	mutex_lock(&sn->conf_mutex);
	cfg = kmemdup(rcu_dereference_protected(sn->config,
						lockdep_is_held(&sn->conf_mutex)),
		      sizeof(*cfg), GFP_KERNEL);
	if (!cfg) {
		err = -ENOMEM;
		goto out_unlock;
	}
	err = sf_parse_config(cfg, info) ?:
	      sf_check_untrusted(cfg, info, netlink_capable(skb, CAP_NET_ADMIN));
	if (err) {
		kfree(cfg);
		goto out_unlock;
	}
	sf_config_replace(sn, cfg);
out_unlock:
	mutex_unlock(&sn->conf_mutex);
	return err;
}

/* -------------------------------------------------------------- status-get */

static int sf_nl_status_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct sf_counters *c;
	struct sk_buff *msg;
	struct sf_net *it;
	bool global;
	void *hdr;
	int i, err = -EMSGSIZE;

	/* ours and the global sum: 2 x 160 bytes, not for the stack */
	c = kmalloc_array(2, sizeof(*c), GFP_KERNEL);
	msg = genlmsg_new(sf_status_reply_size(), GFP_KERNEL);
	if (!c || !msg) {
		err = -ENOMEM;
		goto err_free;
	}

	sf_counters_sum(sn, &c[0]);
	/* every namespace's totals: the host's administrator's only */
	global = netlink_capable(skb, CAP_NET_ADMIN);
	memset(&c[1], 0, sizeof(c[1]));
	if (global) {
		mutex_lock(&sf_nets_mutex);
		list_for_each_entry(it, &sf_nets, node) {
			struct sf_counters one;

			sf_counters_sum(it, &one);
			for (i = 0; i < SF_C_CNT; i++)
				c[1].c[i] += one.c[i];
		}
		mutex_unlock(&sf_nets_mutex);
	}

	hdr = genlmsg_put_reply(msg, info, &sf_genl_family, 0,
				SNAPFIRE_CMD_STATUS_GET);
	if (!hdr)
		goto err_free;
	if (nla_put_string(msg, SNAPFIRE_A_STATUS_VERSION, SNAPFIRE_VERSION) ||
	    sf_put_counters(msg, SNAPFIRE_A_STATUS_COUNTERS, &c[0]) ||
	    nla_put_u32(msg, SNAPFIRE_A_STATUS_FLOWS, READ_ONCE(sn->nflows)) ||
	    nla_put_u64_64bit(msg, SNAPFIRE_A_STATUS_MEM,
			      atomic64_read(&sn->mem), SNAPFIRE_A_STATUS_PAD))
		goto err_free;
	if (global &&
	    (sf_put_counters(msg, SNAPFIRE_A_STATUS_GLOBAL_COUNTERS, &c[1]) ||
	     nla_put_u64_64bit(msg, SNAPFIRE_A_STATUS_GLOBAL_MEM,
			       atomic64_read(&sf_global_mem),
			       SNAPFIRE_A_STATUS_PAD)))
		goto err_free;
	kfree(c);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	kfree(c);
	nlmsg_free(msg);
	return err;
}

/* ------------------------------------------------------------ flow-get do */

static const int sf_dump_only_attrs[] = {
	SNAPFIRE_A_FLOW_ROLE,
	SNAPFIRE_A_FLOW_REMOTE_ADDR,
	SNAPFIRE_A_FLOW_LOCAL_PORT,
	SNAPFIRE_A_FLOW_REMOTE_PORT,
	SNAPFIRE_A_FLOW_SSID,
};

static int sf_nl_flow_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	u32 mask = SF_ALL_METRICS;
	struct sf_flow_key key;
	struct sk_buff *msg;
	struct sf_flow *f;
	unsigned int i;
	size_t size;
	void *hdr;
	int err;
	u64 id;

	if (!tb[SNAPFIRE_A_FLOW_ID]) {
		NL_SET_ERR_MSG(extack, "flow id required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, SNAPFIRE_A_FLOW_ID);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(sf_dump_only_attrs); i++) {
		if (tb[sf_dump_only_attrs[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[sf_dump_only_attrs[i]],
					    "flow filters are for dumps; a single get takes only id and hist-mask");
			return -EINVAL;
		}
	}
	id = nla_get_u64(tb[SNAPFIRE_A_FLOW_ID]);
	if (tb[SNAPFIRE_A_FLOW_HIST_MASK])
		mask = nla_get_u32(tb[SNAPFIRE_A_FLOW_HIST_MASK]);

	/* Find it by id (a list walk), then by key: size, allocate, fill. */
	rcu_read_lock();
	f = sf_flow_find_id(sn, id);
	if (!f) {
		rcu_read_unlock();
		return sf_no_flow(extack, tb[SNAPFIRE_A_FLOW_ID]);
	}
	key = f->key;
	spin_lock_bh(&f->lock);
	size = sf_flow_msg_size(f, mask, SF_SLACK_BUCKETS);
	spin_unlock_bh(&f->lock);
	rcu_read_unlock();

	for (i = 0; i < SF_GET_TRIES; i++) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		hdr = genlmsg_put_reply(msg, info, &sf_genl_family, 0,
					SNAPFIRE_CMD_FLOW_GET);
		if (!hdr) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}

		rcu_read_lock();
		f = sf_flow_lookup(sn, &key);
		if (!f || f->id != id) {
			rcu_read_unlock();
			nlmsg_free(msg);
			return sf_no_flow(extack, tb[SNAPFIRE_A_FLOW_ID]);
		}
		err = sf_put_flow(msg, f, mask);
		if (err) {
			/* histograms grew since they were measured */
			spin_lock_bh(&f->lock);
			size = sf_flow_msg_size(f, mask, 2 * SF_SLACK_BUCKETS);
			spin_unlock_bh(&f->lock);
		}
		rcu_read_unlock();

		if (!err) {
			genlmsg_end(msg, hdr);
			return genlmsg_reply(msg, info);
		}
		nlmsg_free(msg);
	}
	NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_FLOW_ID],
			    "flow histograms kept growing while being read; try again");
	return -EAGAIN;
}

/* ---------------------------------------------------------- flow-get dump */

struct sf_dump_ctx {
	unsigned long next;		/* id to resume from */
	struct in6_addr raddr;		/* filter, if family */
	u32 hist_mask;
	u16 lport;
	u16 rport;
	u16 ssid;
	u8 role;			/* filter, if non-zero */
	u8 family;			/* remote-addr filter: AF_INET(6) or 0 */
	u8 has_lport:1,
	   has_rport:1,
	   has_ssid:1,
	   invalid:1;			/* bad filters, refused by dumpit */
};

static struct sf_dump_ctx *sf_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct sf_dump_ctx) > sizeof_field(struct netlink_callback, ctx));
	return (struct sf_dump_ctx *)cb->ctx;
}

static int sf_dump_parse(struct sf_dump_ctx *ctx, struct nlattr **tb,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *a;

	if (!tb)
		return 0;
	if (tb[SNAPFIRE_A_FLOW_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_FLOW_ID],
				    "a dump takes no flow id; get the flow without NLM_F_DUMP");
		return -EINVAL;
	}
	a = tb[SNAPFIRE_A_FLOW_REMOTE_ADDR];
	if (a) {
		switch (nla_len(a)) {
		case 4:
			ctx->family = AF_INET;
			ipv6_addr_set_v4mapped(nla_get_in_addr(a), &ctx->raddr);
			break;
		case 16:
			ctx->family = AF_INET6;
			ctx->raddr = nla_get_in6_addr(a);
			break;
		default:
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "remote-addr must be 4 (AF_INET) or 16 (AF_INET6) bytes");
			return -EINVAL;
		}
	}
	if (tb[SNAPFIRE_A_FLOW_ROLE])
		ctx->role = nla_get_u32(tb[SNAPFIRE_A_FLOW_ROLE]);
	if (tb[SNAPFIRE_A_FLOW_LOCAL_PORT]) {
		ctx->lport = nla_get_u16(tb[SNAPFIRE_A_FLOW_LOCAL_PORT]);
		ctx->has_lport = 1;
	}
	if (tb[SNAPFIRE_A_FLOW_REMOTE_PORT]) {
		ctx->rport = nla_get_u16(tb[SNAPFIRE_A_FLOW_REMOTE_PORT]);
		ctx->has_rport = 1;
	}
	if (tb[SNAPFIRE_A_FLOW_SSID]) {
		ctx->ssid = nla_get_u16(tb[SNAPFIRE_A_FLOW_SSID]);
		ctx->has_ssid = 1;
	}
	if (tb[SNAPFIRE_A_FLOW_HIST_MASK])
		ctx->hist_mask = nla_get_u32(tb[SNAPFIRE_A_FLOW_HIST_MASK]);
	return 0;
}

static bool sf_dump_match(const struct sf_dump_ctx *ctx, const struct sf_flow *f)
{
	const struct sf_flow_key *k = &f->key;

	return (!ctx->role || k->role == ctx->role) &&
	       (!ctx->family || (k->family == ctx->family &&
				 ipv6_addr_equal(&k->raddr, &ctx->raddr))) &&
	       (!ctx->has_lport || ntohs(k->lport) == ctx->lport) &&
	       (!ctx->has_rport || ntohs(k->rport) == ctx->rport) &&
	       (!ctx->has_ssid || k->ssid == ctx->ssid);
}

/* Skb room a dump needs for flow @f: its message and nothing else. */
static u32 sf_dump_room(struct sf_flow *f, u32 mask)
{
	size_t size;

	spin_lock_bh(&f->lock);
	size = sf_flow_msg_size(f, mask, SF_SLACK_BUCKETS);
	spin_unlock_bh(&f->lock);
	return nlmsg_total_size(GENL_HDRLEN + size);
}

/*
 * The next flow of the dump at id *@idx or above that passes the filters,
 * with *@idx set to its id; NULL at the end. Under RCU.
 */
static struct sf_flow *sf_dump_next(struct sf_net *sn, struct sf_dump_ctx *ctx,
				    unsigned long *idx)
{
	struct sf_flow *f;

	for (; (f = xa_find(&sn->flow_ids, idx, ULONG_MAX, XA_PRESENT)); (*idx)++)
		if (sf_dump_match(ctx, f))
			return f;
	return NULL;
}

static int sf_nl_flow_dump_start(struct netlink_callback *cb)
{
	struct sf_net *sn = sf_net(sock_net(cb->skb->sk));
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);
	unsigned long idx = 0;
	struct sf_flow *f;
	int err;

	err = sf_dump_parse(ctx, sf_dump_attrs(cb), cb->extack);
	if (err) {
		/*
		 * Where the core passes no extack to .start (6.1), the first
		 * dumpit call refuses the request again, with its message.
		 */
		if (cb->extack)
			return err;
		ctx->invalid = 1;
		return 0;
	}
	if (!ctx->hist_mask)
		return 0;

	/*
	 * The first flow's histograms may not fit in a default-sized dump
	 * buffer: make the first buffer big enough for it.
	 */
	rcu_read_lock();
	f = sf_dump_next(sn, ctx, &idx);
	if (f)
		cb->min_dump_alloc = sf_dump_room(f, ctx->hist_mask);
	rcu_read_unlock();
	return 0;
}

/* One flow message; -EMSGSIZE leaves the skb as it was. Under RCU. */
static int sf_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
		       struct sf_flow *f)
{
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &sf_genl_family, NLM_F_MULTI, SNAPFIRE_CMD_FLOW_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (sf_put_flow(skb, f, ctx->hist_mask)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Flows in id order, each message resuming at the id where the last one
 * stopped. Ids only grow, so a dump racing with creation and removal
 * never sends a flow twice and never misses one that lived throughout;
 * flows created meanwhile are sent when the walk reaches them, flows
 * removed meanwhile are not. No NLM_F_DUMP_INTR: nothing needs retrying.
 */
static int sf_nl_flow_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sf_net *sn = sf_net(sock_net(skb->sk));
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);
	unsigned long idx = ctx->next;
	struct sf_flow *f;
	int err = 0;
	u32 room;

	if (ctx->invalid)
		return sf_dump_parse(ctx, sf_dump_attrs(cb), cb->extack);

	rcu_read_lock();
	for (f = sf_dump_next(sn, ctx, &idx); f; idx++, f = sf_dump_next(sn, ctx, &idx)) {
		err = sf_dump_one(skb, cb, f);
		if (err) {
			/* next time, in a buffer big enough for it */
			room = sf_dump_room(f, ctx->hist_mask);
			cb->min_dump_alloc = max(cb->min_dump_alloc, room);
			break;
		}
		if (idx == ULONG_MAX) {
			f = NULL;
			break;
		}
	}
	rcu_read_unlock();
	ctx->next = idx;

	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (err == -EMSGSIZE)
		NL_SET_ERR_MSG(cb->extack,
			       "a flow's histograms outgrew the dump buffer while it was being filled; dump again");
	return err ?: skb->len;
}

/* -------------------------------------------------- flow-del, flow-reset */

static int sf_nl_flow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct nlattr *a = info->attrs[SNAPFIRE_A_FLOW_ID];
	u64 id = a ? nla_get_u64(a) : 0;
	int err;

	err = sf_flow_del(sn, id);
	if (err == -ENOENT)
		return sf_no_flow(info->extack, a);
	return err;
}

static int sf_nl_flow_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct nlattr *a = info->attrs[SNAPFIRE_A_FLOW_ID];
	u64 id = a ? nla_get_u64(a) : 0;
	int err;

	err = sf_flow_reset(sn, id);
	if (err == -ENOENT)
		return sf_no_flow(info->extack, a);
	return err;
}

/* ------------------------------------------------------------------ events */

/*
 * Send @ev to the namespace's listeners of the events group; process
 * context (the event work). 0 when there is no listener.
 */
int sf_genl_event(struct sf_net *sn, const struct sf_event *ev)
{
	const struct sf_flow_key *k = &ev->key;
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;
	int err;

	if (!genl_has_listeners(&sf_genl_family, sn->net, SF_MCGRP_EVENTS))
		return 0;

	skb = genlmsg_new(sf_event_size(), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &sf_genl_family, 0, SNAPFIRE_CMD_EVENT);
	if (!hdr)
		goto err_free;
	if (nla_put_u32(skb, SNAPFIRE_A_EVENT_TYPE, ev->type))
		goto err_free;
	nest = nla_nest_start(skb, SNAPFIRE_A_EVENT_FLOW);
	if (!nest ||
	    sf_put_flow_key(skb, k, ev->id) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_RX, ev->rx,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_LOST, ev->lost,
			      SNAPFIRE_A_FLOW_PAD))
		goto err_free;
	nla_nest_end(skb, nest);
	/* only threshold crossings have a value and a threshold */
	if ((ev->type == SNAPFIRE_EVENT_TYPE_RTT_HIGH ||
	     ev->type == SNAPFIRE_EVENT_TYPE_LOSS_HIGH) &&
	    (nla_put_u64_64bit(skb, SNAPFIRE_A_EVENT_VALUE, ev->value,
			       SNAPFIRE_A_EVENT_PAD) ||
	     nla_put_u64_64bit(skb, SNAPFIRE_A_EVENT_THRESHOLD, ev->threshold,
			       SNAPFIRE_A_EVENT_PAD)))
		goto err_free;
	genlmsg_end(skb, hdr);

	err = genlmsg_multicast_netns(&sf_genl_family, sn->net, skb, 0,
				      SF_MCGRP_EVENTS, GFP_KERNEL);
	/* the last listener left since genl_has_listeners() */
	return err == -ESRCH ? 0 : err;

err_free:
	nlmsg_free(skb);
	return -EMSGSIZE;
}

/* ------------------------------------------------------------------ family */

static const struct genl_ops sf_genl_ops[] = {
	{
		.cmd		= SNAPFIRE_CMD_CONFIG_GET,
		.doit		= sf_nl_config_get_doit,
		.policy		= sf_reject_all_policy,
		.maxattr	= ARRAY_SIZE(sf_reject_all_policy) - 1,
	},
	{
		.cmd		= SNAPFIRE_CMD_CONFIG_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.doit		= sf_nl_config_set_doit,
		.policy		= sf_config_set_policy,
		.maxattr	= ARRAY_SIZE(sf_config_set_policy) - 1,
	},
	{
		.cmd		= SNAPFIRE_CMD_STATUS_GET,
		.doit		= sf_nl_status_get_doit,
		.policy		= sf_reject_all_policy,
		.maxattr	= ARRAY_SIZE(sf_reject_all_policy) - 1,
	},
	{
		.cmd		= SNAPFIRE_CMD_FLOW_GET,
		.doit		= sf_nl_flow_get_doit,
		.start		= sf_nl_flow_dump_start,
		.dumpit		= sf_nl_flow_dumpit,
		.policy		= sf_flow_get_policy,
		.maxattr	= ARRAY_SIZE(sf_flow_get_policy) - 1,
	},
	{
		.cmd		= SNAPFIRE_CMD_FLOW_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.doit		= sf_nl_flow_del_doit,
		.policy		= sf_flow_id_policy,
		.maxattr	= ARRAY_SIZE(sf_flow_id_policy) - 1,
	},
	{
		.cmd		= SNAPFIRE_CMD_FLOW_RESET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.doit		= sf_nl_flow_reset_doit,
		.policy		= sf_flow_id_policy,
		.maxattr	= ARRAY_SIZE(sf_flow_id_policy) - 1,
	},
};

static const struct genl_multicast_group sf_genl_mcgrps[] = {
	[SF_MCGRP_EVENTS] = { .name = SNAPFIRE_MCGRP_EVENTS },
};

static struct genl_family sf_genl_family __ro_after_init = {
	.name		= SNAPFIRE_FAMILY_NAME,
	.version	= SNAPFIRE_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= sf_genl_ops,
	.n_ops		= ARRAY_SIZE(sf_genl_ops),
	/* legacy ops: strict attribute validation, no header checks */
	.resv_start_op	= SNAPFIRE_CMD_MAX + 1,
	.mcgrps		= sf_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(sf_genl_mcgrps),
};

int __init sf_genl_register(void)
{
	return genl_register_family(&sf_genl_family);
}

void sf_genl_unregister(void)
{
	genl_unregister_family(&sf_genl_family);
}
