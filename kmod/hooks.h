/* SPDX-License-Identifier: GPL-2.0 */
/* What hooks.c calls of sender.c and flow_stats.c (sender.c too). */
#ifndef _SNAPFIRE_HOOKS_H
#define _SNAPFIRE_HOOKS_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct net;
struct sf_config;
struct sf_flow;
struct sf_net;
struct sf_pkt;
struct sf_stamp;

/* flow_stats.c */
void sf_window(struct sf_net *sn, const struct sf_config *cfg,
	       struct sf_flow *f, u64 now);
void sf_delay_variation(struct sf_flow *f, u32 seq, s64 delay);

/* sender.c */
void sf_sender_out(struct sf_net *sn, const struct sf_config *cfg,
		   const struct sk_buff *skb, const struct net *net,
		   const struct sf_pkt *pkt, const struct sf_stamp *st);
void sf_sender_in(struct sf_net *sn, const struct sf_config *cfg,
		  const struct sk_buff *skb, const struct sf_pkt *pkt,
		  const struct sf_stamp *st);

#endif
