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
#include <linux/udp.h>
#include <net/ip.h>
#include <net/dsfield.h>
#include <net/ipv6.h>

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

/*
 * Is there more than a hop-by-hop header between @ip6h (at @nhoff) and
 * UDP? ip6_rcv_core() processes hop-by-hop before PRE_ROUTING; any other
 * extension header (Routing, Destination Options, AH) is processed after
 * LOCAL_IN, and may make the stack drop the datagram (a Segment Routing
 * header where seg6 is off, an unknown option whose type says discard) or
 * forward it to the next segment.
 */
static bool sf_ipv6_exthdr(const struct sk_buff *skb, unsigned int nhoff,
			   const struct ipv6hdr *ip6h)
{
	struct ipv6_opt_hdr _hp;
	const struct ipv6_opt_hdr *hp;

	if (ip6h->nexthdr != NEXTHDR_HOP)
		return true;
	hp = skb_header_pointer(skb, nhoff + sizeof(*ip6h), sizeof(_hp), &_hp);
	return !hp || hp->nexthdr != IPPROTO_UDP;
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
