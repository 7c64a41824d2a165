// SPDX-License-Identifier: GPL-2.0
/*
 * flow-get (do and dump): the namespace's flows with their counters and
 * histograms, each histogram a nest of its non-empty buckets (low, high,
 * count). flow-del and flow-reset: nl_flow_del.c.
 *
 * Flow dumps walk the flows in id order (the id xarray) and resume each
 * message at the id where the previous one stopped. A flow that does not
 * fit in the message buffer is emitted first in the next one, whose buffer
 * is made big enough for it (cb->min_dump_alloc), up to the 32 KiB any
 * netlink dump's buffer may have (SF_DUMP_ROOM_MAX); a flow bigger than
 * that goes out with its histograms' buckets merged to fit it, and whole
 * to a flow-get of its id. Ids only grow, so a dump that races with flows
 * being created and removed neither repeats a flow nor misses one that
 * lived throughout, and never needs NLM_F_DUMP_INTR.
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
/*
 * Room for the histograms' growth between the copy's sizing and its
 * taking (a few new groups), and in a dump buffer sized for a flow
 * (its buckets: sf_flow_snap_msg_size() counts 40 bytes a bucket).
 */
#define SF_SNAP_SLACK		4096
#define SF_DUMP_SLACK		(8 * 8 * 40)
/*
 * The largest dump buffer a flow asks for. The netlink core allocates it
 * at every dump call, uncharged, and a socket that does not read keeps
 * one: a flow's whole histograms (up to 8 nests of 64 KiB) made that an
 * order-7 allocation any user could have pinned, one per socket, where
 * other dumps get 32 KiB at most (netlink_recvmsg()'s max_recvmsg_len).
 */
#define SF_DUMP_ROOM_MAX	SKB_WITH_OVERHEAD(32768)
/* a flow-get's copy is sized again at most this often when histograms grow */
#define SF_GET_TRIES		4

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
	struct sf_flow_snap *snap = NULL;
	struct nlattr **tb = info->attrs;
	u32 mask = SF_ALL_METRICS;
	size_t size, room;
	struct sk_buff *msg;
	struct sf_flow *f;
	unsigned int i;
	int err = 0;
	void *hdr;
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

	/*
	 * The copy (flow_msg.c): the first take only measures it; one that
	 * the histograms outgrew meanwhile is taken again, in more room.
	 */
	for (i = 0; i < SF_GET_TRIES; i++) {
		room = snap ? sf_flow_snap_need(snap) + SF_SNAP_SLACK : 0;
		sf_flow_snap_free(snap);
		snap = sf_flow_snap_alloc(room);
		if (!snap)
			return -ENOMEM;
		rcu_read_lock();
		f = sf_flow_find_id(sn, id);
		err = f ? sf_flow_snap_take(snap, f, mask) : -ENOENT;
		rcu_read_unlock();
		if (err != -ENOBUFS)
			break;
	}
	if (err == -ENOENT) {
		err = sf_no_flow(extack, tb[SNAPFIRE_A_FLOW_ID]);
		goto out_free;
	}
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_FLOW_ID],
				    "flow histograms kept growing while being read; try again");
		err = -EAGAIN;
		goto out_free;
	}

	size = sf_flow_snap_msg_size(snap);
	/* up to 8 x 64 KB, kept by a socket that never reads: charged */
	msg = genlmsg_new(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	err = -ENOMEM;
	if (!msg)
		goto out_free;
	hdr = genlmsg_put_reply(msg, info, &sf_genl_family, 0, SNAPFIRE_CMD_FLOW_GET);
	err = -EMSGSIZE;
	if (!hdr || sf_flow_snap_put(msg, snap, size)) {
		nlmsg_free(msg);
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_free:
	sf_flow_snap_free(snap);
	return err;
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
	/* the current flow's copy (flow_msg.c); freed by .done */
	struct sf_flow_snap *snap;
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

/*
 * Room for the copy of flow @f: the copy is remade, bigger, after RCU is
 * dropped (the allocation sleeps; the dump goes on at the same id, which
 * the flow may have left). 0 or -ENOMEM.
 */
static int sf_dump_snap_grow(struct sf_dump_ctx *ctx)
{
	size_t room = sf_flow_snap_need(ctx->snap) + SF_SNAP_SLACK;
	struct sf_flow_snap *snap;

	snap = sf_flow_snap_alloc(room);
	if (!snap)
		return -ENOMEM;
	sf_flow_snap_free(ctx->snap);
	ctx->snap = snap;
	return 0;
}

/*
 * Skb room for the message of the flow whose copy is in ctx->snap, at most
 * SF_DUMP_ROOM_MAX: sf_dump_one() merges buckets to fit a bigger one.
 */
static u32 sf_dump_room(const struct sf_dump_ctx *ctx)
{
	size_t room = nlmsg_total_size(GENL_HDRLEN + sf_flow_snap_msg_size(ctx->snap) +
				       SF_DUMP_SLACK);

	return min_t(size_t, room, SF_DUMP_ROOM_MAX);
}

int sf_nl_flow_dump_start(struct netlink_callback *cb)
{
	struct sf_net *sn = sf_net(sock_net(cb->skb->sk));
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);
	unsigned long idx = 0;
	struct sf_flow *f;
	int err, i;

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
	ctx->snap = sf_flow_snap_alloc(0);
	if (!ctx->snap)
		return -ENOMEM;
	if (!ctx->hist_mask)
		return 0;

	/*
	 * The first flow's histograms may not fit in a default-sized dump
	 * buffer: make the first buffer big enough for it, and its copy's.
	 */
	for (i = 0; i < 2; i++) {
		rcu_read_lock();
		f = sf_dump_next(sn, ctx, &idx);
		err = f ? sf_flow_snap_take(ctx->snap, f, ctx->hist_mask) : 0;
		if (f && !err)
			cb->min_dump_alloc = sf_dump_room(ctx);
		rcu_read_unlock();
		if (err != -ENOBUFS)
			break;
		if (sf_dump_snap_grow(ctx))
			break;		/* dumpit tries again */
	}
	return 0;
}

/* the dump's end, or its socket's: what .start allocated */
int sf_nl_flow_dump_done(struct netlink_callback *cb)
{
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);

	sf_flow_snap_free(ctx->snap);
	ctx->snap = NULL;
	return 0;
}

/*
 * The message of the flow copied in ctx->snap; -EMSGSIZE leaves the skb
 * as it was. It fits a buffer that holds nothing yet, if need be with
 * more buckets merged (the flow grew since the buffer was sized for it),
 * so that a flow growing faster than the dump never fails it.
 */
static int sf_dump_one(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sf_dump_ctx *ctx = sf_dump_ctx(cb);
	bool first = !skb->len;
	size_t room;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &sf_genl_family, NLM_F_MULTI, SNAPFIRE_CMD_FLOW_GET);
	if (!hdr)
		return -EMSGSIZE;
	room = skb_tailroom(skb);
	if (!first && room < sf_flow_snap_msg_size(ctx->snap)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;	/* in the next buffer, unmerged */
	}
	if (sf_flow_snap_put(skb, ctx->snap, room)) {
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
	f = sf_dump_next(sn, ctx, &idx);
	while (f) {
		err = sf_flow_snap_take(ctx->snap, f, ctx->hist_mask);
		if (err == -ENOBUFS) {
			rcu_read_unlock();
			err = sf_dump_snap_grow(ctx);
			rcu_read_lock();
			if (err)
				break;
			f = sf_dump_next(sn, ctx, &idx);	/* the same id */
			continue;
		}
		err = sf_dump_one(skb, cb);
		if (err) {
			/*
			 * Next time, in a buffer big enough for it, and no
			 * bigger: a flow with wide histograms (up to 8 nests
			 * of 64 KiB) must not make every later buffer of the
			 * dump a high-order allocation.
			 */
			cb->min_dump_alloc = sf_dump_room(ctx);
			break;
		}
		if (idx == ULONG_MAX)
			break;
		idx++;
		f = sf_dump_next(sn, ctx, &idx);
	}
	rcu_read_unlock();
	ctx->next = idx;

	/*
	 * What the buffer holds goes out; the next call starts again at this
	 * flow, in a buffer of its own (a copy that could not grow: again
	 * then, and failed only if it still cannot).
	 */
	if ((err == -EMSGSIZE || err == -ENOMEM) && skb->len)
		return skb->len;
	if (err == -EMSGSIZE)
		NL_SET_ERR_MSG(cb->extack,
			       "a flow's histograms do not fit a dump buffer; dump again");
	return err ?: skb->len;
}
