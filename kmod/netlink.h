/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of the generic netlink family, private to the module: the
 * family and its group (netlink.c), the fill helpers that several messages
 * share (netlink.c), and each message file's policies and handlers, which
 * netlink.c's ops table points to.
 */
#ifndef _SF_NETLINK_H
#define _SF_NETLINK_H

#include <net/genetlink.h>
#include <uapi/linux/snapfire.h>

struct sf_flow;
struct sf_flow_key;
struct sf_flow_snap;

enum sf_mcgrp {
	SF_MCGRP_EVENTS,
};

extern struct genl_family sf_genl_family;

/* netlink.c: shared fills, each with the size of what it puts */
size_t sf_flow_key_size(void);
int sf_put_flow_key(struct sk_buff *skb, const struct sf_flow_key *k, u64 id);
/*
 * flow_msg.c: a flow-get message, from a copy of the flow taken under its
 * lock. take: 0, or -ENOBUFS when @s's room is less than the copy needs
 * (then sf_flow_snap_need() says how much; a take with room 0 measures).
 * put: fits the message into @room bytes, merging more buckets if need
 * be (sf_flow_snap_msg_size(): the room it takes as it is); -EMSGSIZE.
 */
struct sf_flow_snap *sf_flow_snap_alloc(size_t room);
void sf_flow_snap_free(struct sf_flow_snap *s);
int sf_flow_snap_take(struct sf_flow_snap *s, struct sf_flow *f, u32 mask);
size_t sf_flow_snap_need(const struct sf_flow_snap *s);
size_t sf_flow_snap_msg_size(const struct sf_flow_snap *s);
int sf_flow_snap_put(struct sk_buff *skb, const struct sf_flow_snap *s, size_t room);

/* NL_SET_ERR_MSG_ATTR() for the id of flow-get/del/reset: "no such flow" */
int sf_no_flow(struct netlink_ext_ack *extack, const struct nlattr *attr);

/* config-get, status-get: no request attributes */
extern const struct nla_policy sf_reject_all_policy[1 + 1];

/* nl_config.c */
/* every attribute of the config set but the pad, the last one */
extern struct nla_policy sf_config_set_policy[SNAPFIRE_A_CONFIG_PAD];
void sf_nl_config_init(void);
int sf_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info);
int sf_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info);

/* nl_status.c */
int sf_nl_status_get_doit(struct sk_buff *skb, struct genl_info *info);

/* nl_flow.c */
extern const struct nla_policy sf_flow_get_policy[SNAPFIRE_A_FLOW_HIST_MASK + 1];
extern const struct nla_policy sf_flow_id_policy[SNAPFIRE_A_FLOW_ID + 1];
int sf_nl_flow_get_doit(struct sk_buff *skb, struct genl_info *info);
int sf_nl_flow_dump_start(struct netlink_callback *cb);
int sf_nl_flow_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int sf_nl_flow_dump_done(struct netlink_callback *cb);
int sf_nl_flow_del_doit(struct sk_buff *skb, struct genl_info *info);
int sf_nl_flow_reset_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _SF_NETLINK_H */
