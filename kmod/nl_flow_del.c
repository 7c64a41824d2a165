// SPDX-License-Identifier: GPL-2.0
/*
 * flow-del and flow-reset: one flow by id (SNAPFIRE_A_FLOW_ID), or every
 * flow of the namespace without one (flow.c does the work in batches).
 */
#include <net/genetlink.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

int sf_nl_flow_del_doit(struct sk_buff *skb, struct genl_info *info)
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

int sf_nl_flow_reset_doit(struct sk_buff *skb, struct genl_info *info)
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
