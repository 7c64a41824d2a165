// SPDX-License-Identifier: GPL-2.0
/*
 * A packet's network and UDP headers, peeked at without touching the skb,
 * and the flow key they give: shared by the netfilter points (hooks.c) and
 * the driver hand-off (xmit.c); and the first test of every timestamp
 * point, sf_maybe_probe() (pkt.h), with the port set it reads.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/seg6.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/dsfield.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "snapfire.h"
#include "pkt.h"

/*
 * The union of every namespace's STAMP ports, read locklessly per packet
 * (sf_maybe_probe()); rx.c keeps it, under its sf_rx_ports_mutex.
 */
DECLARE_BITMAP(sf_rx_ports, SF_NPORTS);

/*
 * sf_maybe_probe() (pkt.h) for the packets its inline path leaves: headers
 * that are not all in the linear area, IPv6 extension headers. Decides as
 * it does, reading through skb_header_pointer().
 */
noinline bool sf_maybe_probe_slow(const struct sk_buff *skb, __be16 proto,
				  unsigned int off)
{
	struct udphdr _uh;
	const struct udphdr *uh;

	if (proto == htons(ETH_P_IP)) {
		struct iphdr _iph;
		const struct iphdr *iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->protocol != IPPROTO_UDP || iph->ihl < 5 ||
		    (iph->frag_off & htons(IP_OFFSET)))
			return false;
		off += iph->ihl * 4;
	} else if (proto == htons(ETH_P_IPV6)) {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;
		__be16 frag_off;
		u8 nexthdr;
		int uoff;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h)
			return false;
		nexthdr = ip6h->nexthdr;
		off += sizeof(*ip6h);
		if (nexthdr != IPPROTO_UDP) {
			if (nexthdr == IPPROTO_TCP || !ipv6_ext_hdr(nexthdr))
				return false;
			/* a first or atomic fragment has its ports: offset 0 */
			uoff = ipv6_skip_exthdr(skb, off, &nexthdr, &frag_off);
			if (uoff < 0 || nexthdr != IPPROTO_UDP ||
			    (frag_off & htons(IP6_OFFSET)))
				return false;
			off = uoff;
		}
	} else {
		return false;
	}
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	return uh && (sf_rx_port(uh->dest) || sf_rx_port(uh->source));
}

#define SF_DSTOPT_MAX	64	/* longer Destination Options: the stack's */

/*
 * Would ipv6_destopt_rcv() pass the Destination Options header at @off
 * (@len bytes) on? As ip6_parse_tlv() reads it: padding at most 7 bytes
 * in a row, PadN of zeros; other options at most max_dst_opts_cnt, each
 * one the stack skips when unknown (action bits 00, unknowns allowed);
 * the home address option (Mobile IPv6) is the stack's to act on.
 */
static bool sf_ipv6_dstopt_passes(const struct sk_buff *skb, unsigned int off,
				  unsigned int len)
{
	const struct net *net = skb->dev ? dev_net(skb->dev) : NULL;
	int max = net ? READ_ONCE(net->ipv6.sysctl.max_dst_opts_cnt) :
			IP6_DEFAULT_MAX_DST_OPTS_CNT;
	unsigned int pos = 2, padlen = 0, n = 0, i;
	u8 buf[SF_DSTOPT_MAX];
	const u8 *h;

	if (len > SF_DSTOPT_MAX ||
	    (net && len > READ_ONCE(net->ipv6.sysctl.max_dst_opts_len)))
		return false;
	h = skb_header_pointer(skb, off, len, buf);
	if (!h)
		return false;
	while (pos < len) {
		unsigned int olen;

		if (h[pos] == IPV6_TLV_PAD1) {
			if (++padlen > 7)
				return false;
			pos++;
			continue;
		}
		if (len - pos < 2 || h[pos + 1] + 2U > len - pos)
			return false;
		olen = h[pos + 1] + 2;
		if (h[pos] == IPV6_TLV_PADN) {
			padlen += olen;
			if (padlen > 7)
				return false;
			for (i = 2; i < olen; i++)
				if (h[pos + i])
					return false;
		} else {
			/* max < 0: -max of them, none unknown (all are here) */
			if (max < 0 || ++n > max || h[pos] == IPV6_TLV_HAO ||
			    (h[pos] & 0xc0))
				return false;
			padlen = 0;
		}
		pos += olen;
	}
	return true;
}

/*
 * Would ipv6_rthdr_rcv() deliver the datagram with the Routing header at
 * @off here? Only with no segment left; a Segment Routing header only
 * where seg6 is on (on all and on the device) and no HMAC is to be checked
 * (none there, seg6_require_hmac 0; or -1); a RPL header (type 3) or a
 * Mobile IPv6 one (type 2) is the stack's to judge.
 */
static bool sf_ipv6_rthdr_passes(const struct sk_buff *skb, unsigned int off)
{
	struct ipv6_sr_hdr _srh;
	const struct ipv6_sr_hdr *srh;
	const struct inet6_dev *idev;
	int accept;

	srh = skb_header_pointer(skb, off, sizeof(_srh), &_srh);
	if (!srh || srh->segments_left)
		return false;
	if (srh->type == IPV6_SRCRT_TYPE_2 || srh->type == IPV6_SRCRT_TYPE_3)
		return false;
	if (srh->type != IPV6_SRCRT_TYPE_4)
		return true;
	idev = skb->dev ? __in6_dev_get(skb->dev) : NULL;
	if (!idev)
		return false;
	accept = min(READ_ONCE(dev_net(skb->dev)->ipv6.devconf_all->seg6_enabled),
		     READ_ONCE(idev->cnf.seg6_enabled));
	if (!accept)
		return false;
#ifdef CONFIG_IPV6_SEG6_HMAC
	if (READ_ONCE(idev->cnf.seg6_require_hmac) >= 0 &&
	    ((srh->flags & SR6_FLAG1_HMAC) ||
	     READ_ONCE(idev->cnf.seg6_require_hmac) > 0))
		return false;
#endif
	return true;
}

/*
 * Is there an extension header between @ip6h (at @nhoff) and UDP that may
 * keep the stack from delivering the datagram here? ip6_rcv_core()
 * processes a hop-by-hop header before PRE_ROUTING; the others (Routing,
 * Destination Options, AH, ...) are processed after LOCAL_IN, and may
 * make it drop the datagram (a Segment Routing header where seg6 is off,
 * an option whose type says discard) or send it on to its next segment.
 * Those it would pass on as they are (padding, a last segment reached)
 * are no obstacle.
 */
static bool sf_ipv6_exthdr(const struct sk_buff *skb, unsigned int nhoff,
			   const struct ipv6hdr *ip6h)
{
	unsigned int off = nhoff + sizeof(*ip6h), i;
	struct ipv6_opt_hdr _hp;
	const struct ipv6_opt_hdr *hp;
	u8 nexthdr = ip6h->nexthdr;

	for (i = 0; i < 8 && nexthdr != IPPROTO_UDP; i++) {
		hp = skb_header_pointer(skb, off, sizeof(_hp), &_hp);
		if (!hp)
			return true;
		switch (nexthdr) {
		case NEXTHDR_HOP:	/* only right behind the fixed header */
			if (i)
				return true;
			break;
		case NEXTHDR_DEST:
			if (!sf_ipv6_dstopt_passes(skb, off, ipv6_optlen(hp)))
				return true;
			break;
		case NEXTHDR_ROUTING:
			if (!sf_ipv6_rthdr_passes(skb, off))
				return true;
			break;
		default:		/* AH, a fragment header, ... */
			return true;
		}
		nexthdr = hp->nexthdr;
		off += ipv6_optlen(hp);
	}
	return nexthdr != IPPROTO_UDP;
}

/*
 * Peek at the network and UDP headers at @nhoff (from skb->data). Only
 * unfragmented UDP qualifies; the UDP length must fit in the packet, or
 * the result is SF_UDP_BAD_LEN with only the addresses and ports filled.
 * A first fragment of UDP (IPv6: or an atomic one) is SF_UDP_FRAG with
 * the addresses and ports, and @pkt->plen the whole datagram's payload
 * length as its UDP header says (0 if less than the header), of which
 * the fragment holds only a part: not checked against it.
 */
enum sf_udp sf_parse_udp(const struct sk_buff *skb, u8 family,
			 unsigned int nhoff, struct sf_pkt *pkt)
{
	struct udphdr _uh;
	const struct udphdr *uh;
	bool frag = false;
	unsigned int ulen;

	pkt->exthdr = false;
	if (family == AF_INET) {
		struct iphdr _iph;
		const struct iphdr *iph;

		iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5 ||
		    iph->protocol != IPPROTO_UDP ||
		    (iph->frag_off & htons(IP_OFFSET)))
			return SF_UDP_NONE;
		/* a first fragment: IPv4 reassembles before LOCAL_IN */
		frag = iph->frag_off & htons(IP_MF);
		ipv6_addr_set_v4mapped(iph->saddr, &pkt->saddr);
		ipv6_addr_set_v4mapped(iph->daddr, &pkt->daddr);
		pkt->ttl = iph->ttl;
		pkt->tos = iph->tos;
		pkt->udpoff = nhoff + iph->ihl * 4;
	} else {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;
		unsigned int off = nhoff;
		int flags = 0;

		ip6h = skb_header_pointer(skb, nhoff, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return SF_UDP_NONE;
		if (ip6h->nexthdr == IPPROTO_UDP) {
			off = nhoff + sizeof(*ip6h);
		} else {
			/* later fragments among them: no UDP header */
			if (ipv6_find_hdr(skb, &off, IPPROTO_UDP, NULL,
					  &flags) != IPPROTO_UDP)
				return SF_UDP_NONE;
			pkt->exthdr = sf_ipv6_exthdr(skb, nhoff, ip6h);
		}
		/*
		 * A first (or atomic) fragment: ports, but the datagram's
		 * length. IPv6 reassembles after LOCAL_IN.
		 */
		frag = flags & IP6_FH_F_FRAG;
		pkt->saddr = ip6h->saddr;
		pkt->daddr = ip6h->daddr;
		pkt->ttl = ip6h->hop_limit;
		pkt->tos = ipv6_get_dsfield(ip6h);
		pkt->udpoff = off;
	}
	pkt->family = family;

	uh = skb_header_pointer(skb, pkt->udpoff, sizeof(_uh), &_uh);
	if (!uh)
		return SF_UDP_NONE;
	pkt->sport = uh->source;
	pkt->dport = uh->dest;
	ulen = ntohs(uh->len);
	if (frag) {
		pkt->plen = ulen >= sizeof(*uh) ? ulen - sizeof(*uh) : 0;
		return SF_UDP_FRAG;
	}
	if (ulen < sizeof(*uh) || ulen > skb->len - pkt->udpoff)
		return SF_UDP_BAD_LEN;
	pkt->plen = ulen - sizeof(*uh);
	return SF_UDP_OK;
}

/*
 * The flow key of @pkt: on a sender the probe goes to a STAMP port, on a
 * reflector it arrives at one. local/remote depend on the direction.
 */
void sf_key(struct sf_flow_key *key, const struct sf_pkt *pkt,
	    enum sf_dir dir, u8 role, u16 ssid)
{
	memset(key, 0, sizeof(*key));
	if (dir == SF_EGRESS) {
		key->laddr = pkt->saddr;
		key->raddr = pkt->daddr;
		key->lport = pkt->sport;
		key->rport = pkt->dport;
	} else {
		key->laddr = pkt->daddr;
		key->raddr = pkt->saddr;
		key->lport = pkt->dport;
		key->rport = pkt->sport;
	}
	key->ssid = ssid;
	key->family = pkt->family;
	key->role = role;
}

/*
 * The addresses and ports of @pkt as the flow's hooks saw them, where NAT
 * rewrote them between those and here. The sender's flow is keyed at
 * LOCAL_OUT, before the OUTPUT chain's DNAT (a service address, a
 * ClusterIP, to the real peer); the reflector's at LOCAL_IN, after
 * PREROUTING's DNAT, its reply de-NATed again before POST_ROUTING's end
 * and the driver hand-off: there the headers name the other end of the
 * translation and no flow matched (no tx stage, no turnaround). The
 * packet's conntrack entry keeps its direction's tuple as it was before
 * the translation on this leg: taken when NAT was done on the
 * connection. Reads the entry only (no reference, no symbol of
 * nf_conntrack's: without it loaded, skb->_nfct is empty).
 */
void sf_pkt_unnat(const struct sk_buff *skb, struct sf_pkt *pkt)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	const struct nf_conntrack_tuple *t;
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !(READ_ONCE(ct->status) & IPS_NAT_MASK))
		return;
	t = &ct->tuplehash[CTINFO2DIR(ctinfo)].tuple;
	if (t->dst.protonum != IPPROTO_UDP || t->src.l3num != pkt->family)
		return;
	if (pkt->family == AF_INET) {
		ipv6_addr_set_v4mapped(t->src.u3.ip, &pkt->saddr);
		ipv6_addr_set_v4mapped(t->dst.u3.ip, &pkt->daddr);
	} else {
		pkt->saddr = t->src.u3.in6;
		pkt->daddr = t->dst.u3.in6;
	}
	pkt->sport = t->src.u.udp.port;
	pkt->dport = t->dst.u.udp.port;
#endif
}
