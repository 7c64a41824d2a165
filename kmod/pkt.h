/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header peeking and flow keys for the timestamp points (pkt.c), and the
 * clock they all read.
 */
#ifndef _SF_PKT_H
#define _SF_PKT_H

#include <linux/skbuff.h>
#include <linux/timekeeping.h>

#include "snapfire.h"

enum sf_dir { SF_INGRESS, SF_EGRESS };

enum sf_udp {
	SF_UDP_NONE,		/* not unfragmented UDP: not ours */
	SF_UDP_BAD_LEN,		/* UDP, ports parsed, but its length is wrong */
	SF_UDP_OK,
};

/* pkt.c (each described there) */
enum sf_udp sf_parse_udp(const struct sk_buff *skb, u8 family,
			 unsigned int nhoff, struct sf_pkt *pkt);

void sf_key(struct sf_flow_key *key, const struct sf_pkt *pkt,
	    enum sf_dir dir, u8 role, u16 ssid);

/* Every timestamp of the datapath: CLOCK_REALTIME, like skb->tstamp. */
static inline u64 sf_now(void)
{
	return ktime_get_real_ns();
}

#endif /* _SF_PKT_H */
