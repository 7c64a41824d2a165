// SPDX-License-Identifier: GPL-2.0
/*
 * flow-del and flow-reset: one flow by id (SNAPFIRE_A_FLOW_ID), or every
 * flow of the namespace without one (flow.c does the work in batches).
 */
#include <net/genetlink.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

/* @op (sf_flow_del or sf_flow_reset) on the flow the request names. */
static int sf_nl_flow_op(struct genl_info *info, int (*op)(struct sf_net *sn, u64 id))
{
	struct nlattr *a = info->attrs[SNAPFIRE_A_FLOW_ID];
	int err;

	err = op(sf_net(genl_info_net(info)), a ? nla_get_u64(a) : 0);
	if (err == -ENOENT)
		return sf_no_flow(info->extack, a);
	return err;
}

int sf_nl_flow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sf_nl_flow_op(info, sf_flow_del);
}

int sf_nl_flow_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	return sf_nl_flow_op(info, sf_flow_reset);
}
