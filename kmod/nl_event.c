// SPDX-License-Identifier: GPL-2.0
/*
 * The events multicast group: flow created, evicted, expired and threshold
 * crossings (event.c queues them from the datapath; its work sends them
 * from process context through sf_genl_event()).
 */
#include <net/genetlink.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

static size_t sf_event_size(void)
{
	size_t flow = nla_total_size(0) +			/* EVENT_FLOW */
		      sf_flow_key_size() +			/* FLOW_ID .. SSID */
		      nla_total_size_64bit(sizeof(u64)) +	/* FLOW_RX */
		      nla_total_size_64bit(sizeof(u64));	/* FLOW_LOST */

	return nla_total_size(sizeof(u32)) +			/* EVENT_TYPE */
	       flow +
	       nla_total_size_64bit(sizeof(u64)) +		/* EVENT_VALUE */
	       nla_total_size_64bit(sizeof(u64));		/* EVENT_THRESHOLD */
}

/*
 * Send @ev to the namespace's listeners of the events group; process
 * context (the event work). 0 when there is no listener: in any
 * namespace, as genl_has_listeners() tells (the protocol's listener
 * bitmap is the host's); then the message is built and multicast to a
 * namespace with none, within the namespace's event-rate.
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
