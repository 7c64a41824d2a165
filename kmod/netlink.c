// SPDX-License-Identifier: GPL-2.0
/*
 * The snapfire generic netlink family (include/snapfire.yaml): its ops,
 * multicast group and the fill helpers its messages share. The messages
 * themselves are one file per kind, each with its policies, size estimates
 * and handlers: nl_config.c (config-get, config-set), nl_status.c
 * (status-get), nl_flow.c (flow-get do and dump, flow-del, flow-reset) and
 * nl_event.c (the events group's messages).
 *
 * Every request is answered from the namespace of the requesting socket.
 * Reading (config-get, status-get, flow-get) needs no privilege, like ss(8)
 * or ip -s link; config-set, flow-del and flow-reset need CAP_NET_ADMIN over
 * the namespace's user namespace (GENL_UNS_ADMIN_PERM).
 *
 * Requests are validated strictly: unknown attributes, wrong lengths and
 * out-of-range values are refused by the policies, everything else by the
 * handlers, always with an extack message naming the attribute, and a
 * refused request changes nothing.
 *
 * The family runs with parallel_ops: config-set is serialised by
 * sf_net.conf_mutex, everything else reads under RCU and the flow locks.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

/* config-get, status-get: no request attributes */
const struct nla_policy sf_reject_all_policy[1 + 1] = {
	[1]				= { .type = NLA_REJECT },
};

/* ---------------------------------------------------------- shared fills */

/* @a as the key stores it: AF_INET as ::ffff:a.b.c.d, sent as 4 bytes */
static int sf_put_addr(struct sk_buff *skb, int attrtype, u8 family,
		       const struct in6_addr *a)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, attrtype, a->s6_addr32[3]);
	return nla_put_in6_addr(skb, attrtype, a);
}

/* The attributes of sf_put_flow_key(), in a flow message or an event's flow. */
size_t sf_flow_key_size(void)
{
	return nla_total_size_64bit(sizeof(u64)) +		/* ID */
	       nla_total_size(sizeof(u32)) +			/* ROLE */
	       nla_total_size(sizeof(u8)) +			/* FAMILY */
	       nla_total_size(sizeof(struct in6_addr)) +	/* LOCAL_ADDR */
	       nla_total_size(sizeof(struct in6_addr)) +	/* REMOTE_ADDR */
	       nla_total_size(sizeof(u16)) +			/* LOCAL_PORT */
	       nla_total_size(sizeof(u16)) +			/* REMOTE_PORT */
	       nla_total_size(sizeof(u16));			/* SSID */
}

/* The keys every flow message carries (also the event-flow nest's). */
int sf_put_flow_key(struct sk_buff *skb, const struct sf_flow_key *k, u64 id)
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

/* NL_SET_ERR_MSG_ATTR() for the id of flow-get/del/reset: "no such flow" */
int sf_no_flow(struct netlink_ext_ack *extack, const struct nlattr *attr)
{
	NL_SET_ERR_MSG_ATTR(extack, attr, "no such flow");
	return -ENOENT;
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
		.done		= sf_nl_flow_dump_done,
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

struct genl_family sf_genl_family __ro_after_init = {
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
	sf_nl_config_init();
	return genl_register_family(&sf_genl_family);
}

void sf_genl_unregister(void)
{
	genl_unregister_family(&sf_genl_family);
}
