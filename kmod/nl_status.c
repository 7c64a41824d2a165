// SPDX-License-Identifier: GPL-2.0
/*
 * status-get: the module's version, the namespace's counters, flow count
 * and memory, and for the host's administrator the sums over every
 * namespace.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

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

int sf_nl_status_get_doit(struct sk_buff *skb, struct genl_info *info)
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
	/*
	 * every namespace's totals: the host's administrator's only, asking
	 * from the host's namespace; not a container's root that kept
	 * CAP_NET_ADMIN (no user namespace of its own, a namespace of its
	 * own: a VPN image's), to whom the others' are none of its business
	 */
	global = net_eq(genl_info_net(info), &init_net) &&
		 netlink_capable(skb, CAP_NET_ADMIN);
	memset(&c[1], 0, sizeof(c[1]));
	if (global) {
		mutex_lock(&sf_nets_mutex);
		list_for_each_entry(it, &sf_nets, node) {
			struct sf_counters one;

			sf_counters_sum(it, &one);
			for (i = 0; i < SF_C_CNT; i++)
				c[1].c[i] += one.c[i];
			/* thousands of namespaces: their init and exit wait */
			cond_resched();
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
