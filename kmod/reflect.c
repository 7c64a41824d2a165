// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel Session-Reflector (RFC 8762 section 4.3).
 *
 * A reply is built in a new skb from the probe: reflector layout, the
 * probe's TLVs copied behind it (unknown ones flagged U, RFC 8972 section
 * 4; Follow-Up Telemetry answered with the driver hand-off of the
 * session's previous reply), so the reply is exactly as long as the
 * request and never longer. It
 * goes out through ip_local_out()/ip6_local_out(), so the netfilter hooks of
 * this namespace see it and POST_ROUTING writes T3 as late as it can.
 *
 * Nobody gets an answer who should not, and what is refused is neither
 * answered nor recorded (sf_reflect_refuse(), before any flow exists):
 *  - a probe from a STAMP port or from a port below min-source-port (a
 *    well-known service's): two reflectors must never be able to play
 *    ping-pong with each other's replies (the loop DoS of CVE-2024-2169);
 *  - a "probe" whose MBZ carries a Receive Timestamp: a reflected packet;
 *  - multicast, broadcast, unspecified or v4-mapped sources, and probes
 *    sent to a broadcast or multicast address; a reply whose route is not
 *    unicast (a subnet-directed broadcast source) is dropped at send time;
 *  - this host's own addresses as the source of a probe from the network:
 *    the reply would be delivered locally, to another service's port;
 *  - sources outside the allow-list;
 *  - sources over the rate limit: hashed per-source token buckets (IPv6
 *    sources keyed by their /rate-prefix6 prefix), checked before a
 *    namespace-wide bucket at rate-total (default 100 times the rate),
 *    which bounds what a spoofed flood can make us send without letting
 *    one flooding source starve the others;
 *  - probes the host's IPsec policy refuses (sf_xfrm_in_ok()).
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/inet_ecn.h>
#include <net/l3mdev.h>
#include <net/xfrm.h>
#include <linux/netfilter.h>

#include "snapfire.h"
#include "stamp.h"

static u32 sf_rl_seed __read_mostly;

/* Once, at module init: namespaces are set up in parallel. */
void sf_reflect_seed(void)
{
	sf_rl_seed = get_random_u32() | 1;
}

void sf_reflect_init(struct sf_net *sn)
{
	spin_lock_init(&sn->rl_lock);
}

/*
 * The rate-limit key of @src: its prefix, /@plen6 for IPv6 (one host owns
 * a whole /64 and picks any address of it at will), /@plen4 for IPv4
 * (default /32, the address; shorter puts a NAT pool or a tenant's range
 * in one bucket).
 */
static u32 sf_rl_hash(u8 family, const struct in6_addr *src, u8 plen6,
		      u8 plen4)
{
	struct in6_addr key = *src;

	if (family == AF_INET6 && plen6 < 128)
		ipv6_addr_prefix(&key, src, plen6);
	else if (family == AF_INET && plen4 < 32)
		key.s6_addr32[3] &= inet_make_mask(plen4);
	return jhash(&key, sizeof(key), sf_rl_seed);
}

static bool sf_ratelimit(struct sf_net *sn, const struct sf_config *cfg,
			 const struct sf_pkt *pkt)
{
	u64 rate = sf_cfg(cfg, RATE_LIMIT), burst = sf_cfg(cfg, RATE_BURST);
	u64 grate = sf_cfg(cfg, RATE_TOTAL) ?: rate * 100;
	u64 gburst = min_t(u64, burst * 100, 1000000);
	struct sf_bucket *b = NULL;
	bool ok = true;
	u64 now;

	if (!rate && !grate)
		return true;		/* no limit at all */
	if (sf_cfg(cfg, RATE_TOTAL))	/* at most one second of it */
		gburst = clamp_t(u64, gburst, 1, grate);
	if (rate)
		b = &sn->rl[sf_rl_hash(pkt->family, &pkt->saddr,
				       sf_cfg(cfg, RATE_PREFIX6),
				       sf_cfg(cfg, RATE_PREFIX4)) % SF_RL_BUCKETS];

	/*
	 * The source's own bucket first: a source over its limit must not
	 * drain the shared bucket that every other source depends on.
	 */
	spin_lock_bh(&sn->rl_lock);
	/* read under the lock: the buckets see the clock in order */
	now = ktime_get_mono_fast_ns();
	if (b)
		ok = sf_bucket_take(b, now, rate, burst);
	if (ok)
		ok = sf_bucket_take(&sn->rl_global, now, grate, gburst);
	spin_unlock_bh(&sn->rl_lock);
	return ok;
}

/*
 * Did @dev deliver a packet this host sent to itself? Loopback only. A VRF
 * device (l3mdev) delivers the VRF's own traffic and the network's alike,
 * with nothing left to tell them apart at LOCAL_IN: a probe this host
 * sends to its own address inside a VRF is refused as a spoofed one.
 */
static bool sf_local_dev(const struct net_device *dev)
{
	return dev->flags & IFF_LOOPBACK;
}

static bool sf_bad_source(const struct sk_buff *skb, const struct sf_pkt *pkt)
{
	struct net_device *dev = skb->dev;

	if (skb->pkt_type != PACKET_HOST)
		return true;
	if (pkt->family == AF_INET) {
		__be32 s = pkt->saddr.s6_addr32[3];
		__be32 d = pkt->daddr.s6_addr32[3];
		const struct rtable *rt = skb_rtable(skb);
		unsigned int type;

		if (ipv4_is_multicast(s) || ipv4_is_lbcast(s) ||
		    ipv4_is_zeronet(s) || ipv4_is_multicast(d) ||
		    ipv4_is_lbcast(d))
			return true;
		if (rt && (rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)))
			return true;
		if (!dev)
			return false;
		/*
		 * One FIB look-up, for STAMP probes only, in the device's own
		 * table (its VRF's). A subnet-directed broadcast source
		 * (198.51.100.255 on a /24 of ours): the reply would go to
		 * the whole subnet. One of our own addresses, from the
		 * network (accept_local lets it through): spoofed, and the
		 * reply would be delivered here, from port 862, to whatever
		 * local service holds its port, past firewalls that trust
		 * what comes over lo.
		 */
		type = inet_addr_type_dev_table(dev_net(dev), dev, s);
		return type == RTN_BROADCAST ||
		       (type == RTN_LOCAL && !sf_local_dev(dev));
	}
	/* (IPV6_ADDR_ANY is 0: ipv6_addr_type() has no bit for ::) */
	if (ipv6_addr_any(&pkt->saddr) ||
	    (ipv6_addr_type(&pkt->saddr) &
	     (IPV6_ADDR_MULTICAST | IPV6_ADDR_MAPPED)) ||
	    ipv6_addr_is_multicast(&pkt->daddr))
		return true;
	if (!dev)
		return false;
	/*
	 * Over loopback, one of our own, as a datagram this host sent itself
	 * has: IPV6_FREEBIND lets any user's socket send with any source
	 * (IPv4's output routing refuses one not ours to an unprivileged
	 * socket), and the reply would leave for that address from port
	 * 862, past egress rules on the sender's uid.
	 */
	if (sf_local_dev(dev))
		return !ipv6_chk_addr(dev_net(dev), &pkt->saddr, NULL, 0);
	/*
	 * Our own address from the network, as above: IPv6 never drops it.
	 * (An anycast one is caught when the reply is routed.)
	 */
	return ipv6_chk_addr(dev_net(dev), &pkt->saddr, dev, 0);
}

/*
 * Does the host's IPsec policy let @skb in, as UDP's receive would ask it
 * after LOCAL_IN (UDP is no_policy: ip_protocol_deliver_rcu() does not)?
 * A probe the reflector answers is taken before that, so it asks here,
 * only while the in-kernel reflector is on: on 6.2 and later the check
 * consumes the secpath of a packet a NIC decrypted (packet offload), after
 * which the stack's own check would drop a packet handed back to it (a
 * userspace reflector's probe, a sender's reply: never asked about).
 * Without an inbound policy and a packet that came in the clear, a test
 * of a count. A refusal bumps the kernel's XfrmIn* counter, as the
 * stack's check would have.
 */
static bool sf_xfrm_in_ok(struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb);
	return xfrm6_policy_check(NULL, XFRM_POLICY_IN, skb);
}

/*
 * Why the probe @st in @skb must be neither answered nor recorded, as the
 * counter to bump; SF_C_CNT when it may be. The allow-list and the rate
 * limit guard the in-kernel reflector only (sf_cfg(cfg, REFLECT)); without it a
 * userspace reflector answers, and its flows are recorded as they come.
 */
enum sf_counter sf_reflect_refuse(struct sf_net *sn, const struct sf_config *cfg,
				  struct sk_buff *skb,
				  const struct sf_pkt *pkt,
				  const struct sf_stamp *st)
{
	u16 sport = ntohs(pkt->sport);

	if (!sport || sport < sf_cfg(cfg, MIN_SOURCE_PORT) || sf_config_port(cfg, pkt->sport))
		return SF_C_REFUSED_PORT;
	if (st->looped)
		return SF_C_REFUSED_LOOPED;
	if (sf_bad_source(skb, pkt))
		return SF_C_BAD_SOURCE;
	if (!sf_cfg(cfg, REFLECT))
		return SF_C_CNT;
	/* before the rate limit: a flood in the clear takes no token */
	if (!sf_xfrm_in_ok(skb, pkt->family))
		return SF_C_XFRM_REFUSED;
	if (!sf_config_allowed(cfg, pkt->family, &pkt->saddr))
		return SF_C_NOT_ALLOWED;
	if (!sf_ratelimit(sn, cfg, pkt))
		return SF_C_RATE_LIMITED;
	return SF_C_CNT;
}

/*
 * Answer the Follow-Up Telemetry TLV whose value is at @v (RFC 8972 section
 * 4.7) with @fu, in the reply's timestamp format.
 */
static void sf_fill_followup(u8 *v, const struct sf_followup *fu, bool ptp)
{
	struct stamp_tlv_followup *t = (struct stamp_tlv_followup *)v;

	memset(t, 0, sizeof(*t));
	if (!fu->ts)
		return;		/* no reply of this session went out yet */
	t->seq = htonl(fu->seq);
	sf_ns_to_ts(fu->ts, ptp, &t->ts);
	t->mode = STAMP_TS_SW_LOCAL;
}

/*
 * The TLVs of the reply @payload (@len bytes): the Follow-Up Telemetry TLV
 * at @st->fu_off answered, the others we do not act on flagged as
 * unrecognized, and a Follow-Up Telemetry TLV of the wrong length as
 * malformed (RFC 8972 section 4). The flags are the reflector's to set:
 * a Session-Sender sends U set on every TLV, and the reflector clears U,
 * M and I on each but those it flags; echoed, U told a sender that the
 * Follow-Up Telemetry it asked for was not understood.
 */
static void sf_reply_tlvs(u8 *payload, unsigned int len,
			  const struct sf_stamp *st, const struct sf_followup *fu)
{
	unsigned int pos = STAMP_BASE_LEN;

	while (len - pos >= STAMP_TLV_HDR_LEN) {
		struct stamp_tlv *t = (struct stamp_tlv *)(payload + pos);
		unsigned int vlen = ntohs(t->len);

		pos += STAMP_TLV_HDR_LEN;
		if (vlen > len - pos)
			break;	/* cannot happen: the probe was validated */
		t->flags &= ~(STAMP_TLV_FLAG_U | STAMP_TLV_FLAG_M |
			      STAMP_TLV_FLAG_I);
		if (t->type == STAMP_TLV_FOLLOWUP_TELEMETRY && pos == st->fu_off)
			sf_fill_followup(payload + pos, fu, sf_ee_ptp(st->ee));
		else if (t->type == STAMP_TLV_FOLLOWUP_TELEMETRY)
			t->flags |= STAMP_TLV_FLAG_M;
		else if (t->type != STAMP_TLV_EXTRA_PADDING)
			t->flags |= STAMP_TLV_FLAG_U;
		pos += vlen;
	}
}

/* Turn the probe's payload (already copied to @r) into the reply. */
static void sf_fill_reply(struct stamp_reflector_pkt *r, const struct sf_pkt *pkt,
			  const struct sf_stamp *st, const struct sf_config *cfg,
			  u64 t2, u32 reply_seq)
{
	const struct stamp_sender_pkt *s = (const void *)r;
	struct stamp_sender_pkt req = *s;
	bool ptp = sf_ee_ptp(st->ee);
	/* Error Estimate: multiplier 1, scale 12: 2^-20 s, about 1 us */
	u16 ee = (12 << STAMP_EE_SCALE_SHIFT) | 1;

	if (ptp)
		ee |= STAMP_EE_Z;
	if (sf_cfg(cfg, CLOCK_SYNCED))
		ee |= STAMP_EE_S;
	memset(r, 0, sizeof(*r));
	r->seq = htonl(reply_seq);
	sf_ns_to_ts(ktime_get_real_ns(), ptp, &r->ts);	/* T3, rewritten later */
	r->ee = htons(ee);
	r->ssid = req.ssid;
	sf_ns_to_ts(t2, ptp, &r->rx_ts);
	r->sender_seq = req.seq;
	r->sender_ts = req.ts;
	r->sender_ee = req.ee;
	r->sender_ttl = pkt->ttl;
}

/* Route and send; consumes @nskb. */
static int sf_reply_out4(struct net *net, const struct sk_buff *skb,
			 struct sk_buff *nskb, const struct sf_pkt *pkt)
{
	struct udphdr *uh = udp_hdr(nskb);
	unsigned int len = ntohs(uh->len);
	struct flowi4 fl4 = {};
	struct rtable *rt;
	struct iphdr *iph;

	iph = skb_push(nskb, sizeof(*iph));
	skb_reset_network_header(nskb);
	/* headroom is uninitialised memory: no byte of it goes out unset */
	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = pkt->tos & ~INET_ECN_MASK;
	iph->tot_len = htons(nskb->len);
	iph->ttl = 255;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = pkt->daddr.s6_addr32[3];
	iph->daddr = pkt->saddr.s6_addr32[3];
	/*
	 * DF as the probe had it. With it, ID 0, as ip_select_ident() gives a
	 * DF datagram without a socket. Without it (a probe larger than the
	 * path's MTU came in fragments; reassembly left DF clear), the reply,
	 * as long, must be fragmented too: a DF reply was dropped at the MTU,
	 * so such a probe was never answered. Its fragments need an ID.
	 */
	if (ip_hdr(skb)->frag_off & htons(IP_DF)) {
		iph->frag_off = htons(IP_DF);
		iph->id = 0;
	} else {
		ip_select_ident(net, nskb, NULL);
	}
	nskb->protocol = htons(ETH_P_IP);

	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, len, IPPROTO_UDP,
				      csum_partial(uh, len, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;

	fl4.daddr = iph->daddr;
	fl4.saddr = iph->saddr;
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.flowi4_mark = skb->mark;
	/* in the probe's routing domain: its VRF's table, not the main one */
	fl4.flowi4_l3mdev = l3mdev_master_ifindex_rcu(skb->dev);
	fl4.fl4_sport = uh->source;
	fl4.fl4_dport = uh->dest;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(nskb);
		return PTR_ERR(rt);
	}
	/*
	 * A subnet-directed broadcast source routes as RTN_BROADCAST; a
	 * reply to this host is for a probe that came over loopback only
	 * (sf_bad_source() refused the others already).
	 */
	if (rt->rt_type != RTN_UNICAST &&
	    (rt->rt_type != RTN_LOCAL || !sf_local_dev(skb->dev))) {
		ip_rt_put(rt);
		kfree_skb(nskb);
		return -EADDRNOTAVAIL;
	}
	skb_dst_set(nskb, &rt->dst);
	return ip_local_out(net, NULL, nskb);
}

/* Route and send; consumes @nskb. */
static int sf_reply_out6(struct net *net, const struct sk_buff *skb,
			 struct sk_buff *nskb, const struct sf_pkt *pkt)
{
	struct udphdr *uh = udp_hdr(nskb);
	unsigned int len = ntohs(uh->len);
	struct flowi6 fl6 = {};
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;

	ip6h = skb_push(nskb, sizeof(*ip6h));
	skb_reset_network_header(nskb);
	memset(ip6h, 0, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, pkt->tos & ~INET_ECN_MASK, 0);
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = 255;
	ip6h->saddr = pkt->daddr;
	ip6h->daddr = pkt->saddr;
	nskb->protocol = htons(ETH_P_IPV6);

	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
				    IPPROTO_UDP, csum_partial(uh, len, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;

	fl6.daddr = ip6h->daddr;
	fl6.saddr = ip6h->saddr;
	fl6.flowi6_proto = IPPROTO_UDP;
	fl6.flowi6_mark = skb->mark;
	fl6.flowi6_l3mdev = l3mdev_master_ifindex_rcu(skb->dev);
	fl6.fl6_sport = uh->source;
	fl6.fl6_dport = uh->dest;
	if (ipv6_addr_type(&fl6.daddr) & IPV6_ADDR_LINKLOCAL)
		fl6.flowi6_oif = skb->skb_iif;
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		int err = dst->error;

		dst_release(dst);
		kfree_skb(nskb);
		return err;
	}
	/* to this host (an anycast address of ours): as for IPv4 */
	if (ipv6_addr_is_multicast(&fl6.daddr) ||
	    ((container_of(dst, struct rt6_info, dst)->rt6i_flags &
	       (RTF_LOCAL | RTF_ANYCAST)) &&
	     !sf_local_dev(skb->dev))) {
		dst_release(dst);
		kfree_skb(nskb);
		return -EADDRNOTAVAIL;
	}
	/*
	 * A probe that came in fragments and was reassembled before LOCAL_IN
	 * (by nf_defrag_ipv6: the stack's own reassembly comes after it, and
	 * hooks.c leaves those) is as long as its reply, which must then be
	 * fragmented too: ip6_fragment() drops a datagram over the MTU that
	 * does not have ignore_df, as a socket's would.
	 */
	if (IP6CB(skb)->frag_max_size)
		nskb->ignore_df = 1;
	/*
	 * The IPsec policy for the reply, as a socket's would get: IPv4's
	 * ip_route_output_key() looks it up, ip6_route_output() does not (a
	 * probe that came over ESP would be answered in the clear). Releases
	 * the route on failure.
	 */
	dst = xfrm_lookup(net, dst, flowi6_to_flowi(&fl6), NULL, 0);
	if (IS_ERR(dst)) {
		kfree_skb(nskb);
		return PTR_ERR(dst);
	}
	skb_dst_set(nskb, dst);
	return ip6_local_out(net, NULL, nskb);
}

/*
 * Answer the probe in @skb (LOCAL_IN, already validated as @st and passed
 * by sf_reflect_refuse()). The caller consumes @skb afterwards whatever
 * happens here.
 */
void sf_reflect(struct sf_net *sn, const struct sf_config *cfg,
		struct sk_buff *skb, const struct sf_pkt *pkt,
		const struct sf_stamp *st, u64 t2, u32 reply_seq,
		const struct sf_followup *fu)
{
	unsigned int hlen = pkt->family == AF_INET ? sizeof(struct iphdr) :
						     sizeof(struct ipv6hdr);
	struct net *net = sn->net;
	struct sk_buff *nskb;
	struct udphdr *uh;
	u8 *payload;
	int err;

	nskb = alloc_skb(LL_MAX_HEADER + hlen + sizeof(*uh) + pkt->plen,
			 GFP_ATOMIC | __GFP_NOWARN);
	if (!nskb)
		goto err;
	skb_reserve(nskb, LL_MAX_HEADER + hlen + sizeof(*uh));
	payload = skb_put(nskb, pkt->plen);
	if (skb_copy_bits(skb, pkt->udpoff + sizeof(*uh), payload, pkt->plen))
		goto err_free;
	sf_fill_reply((struct stamp_reflector_pkt *)payload, pkt, st, cfg, t2,
		      reply_seq);
	sf_reply_tlvs(payload, pkt->plen, st, fu);

	uh = skb_push(nskb, sizeof(*uh));
	skb_reset_transport_header(nskb);
	uh->source = pkt->dport;
	uh->dest = pkt->sport;
	uh->len = htons(sizeof(*uh) + pkt->plen);
	uh->check = 0;
	nskb->ip_summed = CHECKSUM_NONE;
	nskb->mark = skb->mark;
	/*
	 * The probe's conntrack, as nf_reject does: a probe DNAT'ed to us is
	 * answered from the address its sender used (NAT reverses the reply
	 * on the way out), not from the one it was translated to.
	 */
	nf_ct_attach(nskb, skb);

	if (pkt->family == AF_INET)
		err = sf_reply_out4(net, skb, nskb, pkt);
	else
		err = sf_reply_out6(net, skb, nskb, pkt);
	/* nskb is consumed either way */
	if (err == -EADDRNOTAVAIL) {
		sf_count(sn, SF_C_BAD_SOURCE);
		return;
	}
	if (net_xmit_eval(err))
		goto err;
	sf_count(sn, SF_C_REFLECTED);
	return;

err_free:
	kfree_skb(nskb);
err:
	sf_count(sn, SF_C_REFLECT_ERRORS);
}
