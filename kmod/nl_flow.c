// SPDX-License-Identifier: GPL-2.0
/*
 * flow-get (do and dump): the namespace's flows with their counters and
 * histograms, each histogram a nest of its non-empty buckets (low, high,
 * count). flow-del and flow-reset: nl_flow_del.c.
 *
 * Flow dumps walk the flows in id order (the id xarray) and resume each
 * message at the id where the previous one stopped. A flow that does not
 * fit in the message buffer is emitted first in the next one, whose buffer
 * is made big enough for it (cb->min_dump_alloc). Ids only grow, so a dump
 * that races with flows being created and removed neither repeats a flow
 * nor misses one that lived throughout, and never needs NLM_F_DUMP_INTR.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "snapfire.h"
#include "netlink.h"
#include "compat.h"

#define SF_ALL_METRICS		(BIT(SF_METRIC_CNT) - 1)
/* extra buckets per histogram allowed for in a reply's size estimate */
#define SF_SLACK_BUCKETS	8
/* flow-get replies are re-built at most this often when histograms grow */
#define SF_GET_TRIES		3

/* ---------------------------------------------------------------- policies */

/*
 * flow-get: id and hist-mask for a single get, the filters and hist-mask for
 * a dump (legacy ops have one policy for both; the handlers refuse what does
 * not belong to the request at hand).
 */
const struct nla_policy sf_flow_get_policy[SNAPFIRE_A_FLOW_HIST_MASK + 1] = {
	[SNAPFIRE_A_FLOW_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
	[SNAPFIRE_A_FLOW_ROLE]		=
		NLA_POLICY_RANGE(NLA_U32, SNAPFIRE_ROLE_SENDER,
				 SNAPFIRE_ROLE_REFLECTOR),
	[SNAPFIRE_A_FLOW_REMOTE_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SNAPFIRE_A_FLOW_LOCAL_PORT]	= { .type = NLA_U16 },
	[SNAPFIRE_A_FLOW_REMOTE_PORT]	= { .type = NLA_U16 },
	[SNAPFIRE_A_FLOW_SSID]		= { .type = NLA_U16 },
	[SNAPFIRE_A_FLOW_HIST_MASK]	= NLA_POLICY_MASK(NLA_U32, SF_ALL_METRICS),
};

/*
 * flow-del, flow-reset. Ids start at 1; 0 is flow.c's "every flow", which
 * only a request without an id may mean, not one whose id is 0.
 */
const struct nla_policy sf_flow_id_policy[SNAPFIRE_A_FLOW_ID + 1] = {
	[SNAPFIRE_A_FLOW_ID]		= NLA_POLICY_MIN(NLA_U64, 1),
};

/* ------------------------------------------- sizes and histogram encoding */

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
			      f->key.role == SNAPFIRE_ROLE_SENDER ?
			      sf_seq_lost(&f->rseq) : 0,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_RESTARTS, f->seq.restarts,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_FLOW_JITTER, f->jitter >> 4,
			      SNAPFIRE_A_FLOW_PAD) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_SYNCED, f->synced) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_PEER_TTL, f->peer_ttl) ||
	    nla_put_u32(skb, SNAPFIRE_A_FLOW_MEM, f->mem) ||
	    nla_put_u8(skb, SNAPFIRE_A_FLOW_PEER_STATEFUL, f->stateful_peer))
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

/* ------------------------------------------------------------ flow-get do */

static const int sf_dump_only_attrs[] = {
	SNAPFIRE_A_FLOW_ROLE,
	SNAPFIRE_A_FLOW_REMOTE_ADDR,
	SNAPFIRE_A_FLOW_LOCAL_PORT,
	SNAPFIRE_A_FLOW_REMOTE_PORT,
	SNAPFIRE_A_FLOW_SSID,
};

int sf_nl_flow_get_doit(struct sk_buff *skb, struct genl_info *info)
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
		/* up to 8 x 64 KB, kept by a socket that never reads: charged */
		msg = genlmsg_new(size, GFP_KERNEL_ACCOUNT);
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
 * with *@idx set to its id; NULL at the end. Under RCU, which a walk past
 * thousands of others drops to let others run (dumps run in process
 * context; the cursor is an id, no flow is held across).
 */
static struct sf_flow *sf_dump_next(struct sf_net *sn, struct sf_dump_ctx *ctx,
				    unsigned long *idx)
{
	unsigned int scanned = 0;
	struct sf_flow *f;

	for (; (f = xa_find(&sn->flow_ids, idx, ULONG_MAX, XA_PRESENT)); (*idx)++) {
		if (sf_dump_match(ctx, f))
			return f;
		if (!(++scanned % 4096)) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	return NULL;
}

int sf_nl_flow_dump_start(struct netlink_callback *cb)
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
int sf_nl_flow_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sf_net *sn = sf_net(sock_net(skb->sk));
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);
	unsigned long idx = ctx->next;
	struct sf_flow *f;
	int err = 0;

	if (ctx->invalid)
		return sf_dump_parse(ctx, sf_dump_attrs(cb), cb->extack);

	rcu_read_lock();
	for (f = sf_dump_next(sn, ctx, &idx); f; idx++, f = sf_dump_next(sn, ctx, &idx)) {
		err = sf_dump_one(skb, cb, f);
		if (err) {
			/*
			 * Next time, in a buffer big enough for it, and no
			 * bigger: a flow with wide histograms (up to 8 nests
			 * of 64 KiB) must not make every later buffer of the
			 * dump a high-order allocation.
			 */
			cb->min_dump_alloc = sf_dump_room(f, ctx->hist_mask);
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
