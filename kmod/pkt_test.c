// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for sf_maybe_probe() (pkt.h), the first test of every
 * timestamp point: headers built byte by byte, every packet both linear and
 * split at every byte between the linear area and a page fragment, behind
 * no link header and behind 14 bytes of one. The inline path and
 * sf_maybe_probe_slow() must both give the expected answer. Also
 * sf_parse_udp() on fragment chains and sf_xmit_net().
 */
#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "pkt.h"

#define PT_PORT		862
#define PT_LINK		14	/* a link header's length in front */
#define PT_MAX		128

struct pt_case {
	const char *name;
	bool ipv6;
	u8 proto;		/* IPv4 protocol, or the transport header's */
	u8 ihl;			/* IPv4: 0 means 5 */
	u16 frag;		/* IPv4 frag_off; IPv6 fragment header's */
	bool ext;		/* IPv6: an extension header of type ext_type */
	u8 ext_type;
	u8 nexthdr;		/* IPv6: the fixed header's, if not 0 */
	u16 sport, dport;
	unsigned int cut;	/* the packet's first @cut bytes only (0: all) */
	bool want;
};

/* IPv4: protocol, ihl (0: 5), frag_off, ports, cut, answer */
#define V4(n, pr, ihl, fr, sp, dp, cut, want) \
	{ n, false, pr, ihl, fr, false, 0, 0, sp, dp, cut, want }
/* IPv6: transport, no extension header */
#define V6(n, pr, sp, dp, cut, want) \
	{ n, true, pr, 0, 0, false, 0, 0, sp, dp, cut, want }
/* IPv6: transport, an extension header of type @et, its fragment field */
#define V6X(n, pr, et, fr, sp, dp, cut, want) \
	{ n, true, pr, 0, fr, true, et, 0, sp, dp, cut, want }
/* IPv6, the fixed header naming @nh, not @pr */
#define V6N(n, nh, sp, dp, want) \
	{ n, true, IPPROTO_UDP, 0, 0, false, 0, nh, sp, dp, 0, want }

static const struct pt_case pt_cases[] = {
	V4("ipv4 to the port", IPPROTO_UDP, 0, 0, 40000, PT_PORT, 0, true),
	V4("ipv4 from the port", IPPROTO_UDP, 0, 0, PT_PORT, 40000, 0, true),
	V4("ipv4 other ports", IPPROTO_UDP, 0, 0, 7000, 7001, 0, false),
	V4("ipv4 tcp", IPPROTO_TCP, 0, 0, 40000, PT_PORT, 0, false),
	V4("ipv4 options", IPPROTO_UDP, 7, 0, 40000, PT_PORT, 0, true),
	V4("ipv4 options, other ports", IPPROTO_UDP, 15, 0, 7000, 7001, 0, false),
	V4("ipv4 ihl 4", IPPROTO_UDP, 4, 0, 40000, PT_PORT, 0, false),
	V4("ipv4 first fragment", IPPROTO_UDP, 0, IP_MF, 40000, PT_PORT, 0, true),
	V4("ipv4 later fragment", IPPROTO_UDP, 0, IP_MF | 10, 40000, PT_PORT, 0, false),
	V4("ipv4 udp header cut", IPPROTO_UDP, 0, 0, 40000, PT_PORT, 24, false),
	V4("ipv4 header cut", IPPROTO_UDP, 0, 0, 40000, PT_PORT, 12, false),
	V6("ipv6 to the port", IPPROTO_UDP, 40000, PT_PORT, 0, true),
	V6("ipv6 from the port", IPPROTO_UDP, PT_PORT, 40000, 0, true),
	V6("ipv6 other ports", IPPROTO_UDP, 7000, 7001, 0, false),
	V6("ipv6 tcp", IPPROTO_TCP, 40000, PT_PORT, 0, false),
	V6X("ipv6 hop-by-hop", IPPROTO_UDP, NEXTHDR_HOP, 0, 40000, PT_PORT, 0, true),
	V6X("ipv6 hop-by-hop, other ports", IPPROTO_UDP, NEXTHDR_HOP, 0, 7000, 7001, 0, false),
	V6X("ipv6 destination options", IPPROTO_UDP, NEXTHDR_DEST, 0, PT_PORT, 40000, 0, true),
	/* IPv6 fragments: the first (or atomic) one passes, for LOCAL_IN's count */
	V6X("ipv6 first fragment", IPPROTO_UDP, NEXTHDR_FRAGMENT, IP6_MF,
	    40000, PT_PORT, 0, true),
	V6X("ipv6 first fragment, other ports", IPPROTO_UDP, NEXTHDR_FRAGMENT,
	    IP6_MF, 7000, 7001, 0, false),
	V6X("ipv6 atomic fragment", IPPROTO_UDP, NEXTHDR_FRAGMENT, 0,
	    PT_PORT, 40000, 0, true),
	V6X("ipv6 later fragment", IPPROTO_UDP, NEXTHDR_FRAGMENT,
	    (10 << 3) | IP6_MF, 40000, PT_PORT, 0, false),
	V6X("ipv6 last fragment", IPPROTO_UDP, NEXTHDR_FRAGMENT, 10 << 3,
	    40000, PT_PORT, 0, false),
	V6X("ipv6 hop-by-hop, tcp", IPPROTO_TCP, NEXTHDR_HOP, 0, 40000, PT_PORT, 0, false),
	V6N("ipv6 no next header", NEXTHDR_NONE, 40000, PT_PORT, false),
	V6N("ipv6 icmpv6", NEXTHDR_ICMP, 40000, PT_PORT, false),
	V6("ipv6 udp header cut", IPPROTO_UDP, 40000, PT_PORT, 44, false),
	V6X("ipv6 extension header cut", IPPROTO_UDP, NEXTHDR_DEST, 0, 40000, PT_PORT, 44, false),
};

/* The bytes of @c after @lead bytes of link header; returns the length. */
static unsigned int pt_build(const struct pt_case *c, u8 *buf,
			     unsigned int lead)
{
	unsigned int off = lead, len;
	struct udphdr *uh;

	memset(buf, 0xa5, PT_MAX);
	if (!c->ipv6) {
		struct iphdr *iph = (struct iphdr *)(buf + off);
		u8 ihl = c->ihl ? c->ihl : 5;

		memset(iph, 0, sizeof(*iph));
		iph->version = 4;
		iph->ihl = ihl;
		iph->ttl = 64;
		iph->protocol = c->proto;
		iph->frag_off = htons(c->frag);
		/* options: NOPs; an ihl under 5 keeps a 20-byte header */
		off += max_t(unsigned int, ihl, 5) * 4;
		memset(buf + lead + sizeof(*iph), IPOPT_NOOP,
		       off - lead - sizeof(*iph));
	} else {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)(buf + off);

		memset(ip6h, 0, sizeof(*ip6h));
		ip6h->version = 6;
		ip6h->hop_limit = 64;
		ip6h->nexthdr = c->nexthdr ? c->nexthdr :
				c->ext ? c->ext_type : c->proto;
		off += sizeof(*ip6h);
		if (c->ext) {
			u8 *e = buf + off;

			memset(e, 0, 8);
			e[0] = c->proto;	/* next header */
			if (c->ext_type == NEXTHDR_FRAGMENT) {
				*(__be16 *)(e + 2) = htons(c->frag);
			} else {
				e[2] = 1;	/* PadN over the rest */
				e[3] = 4;
			}
			off += 8;
		}
	}
	uh = (struct udphdr *)(buf + off);
	uh->source = htons(c->sport);
	uh->dest = htons(c->dport);
	uh->len = htons(sizeof(*uh) + 4);
	uh->check = 0;
	len = off + sizeof(*uh) + 4;
	if (!c->ipv6) {
		struct iphdr *iph = (struct iphdr *)(buf + lead);

		iph->tot_len = htons(len - lead);
	} else {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)(buf + lead);

		ip6h->payload_len = htons(len - lead - sizeof(*ip6h));
	}
	return c->cut ? lead + c->cut : len;
}

/* An skb of @buf's @len bytes: the first @head linear, the rest in a page. */
static struct sk_buff *pt_skb(struct kunit *test, const u8 *buf,
			      unsigned int len, unsigned int head)
{
	struct sk_buff *skb = alloc_skb(PT_MAX, GFP_KERNEL);
	struct page *page;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, buf, head);
	/* what lies past the linear area is poison, never the packet */
	memset(skb_tail_pointer(skb), 0xa5, skb_tailroom(skb));
	if (head < len) {
		page = alloc_page(GFP_KERNEL);
		if (!page)
			kfree_skb(skb);
		KUNIT_ASSERT_NOT_NULL(test, page);
		memcpy(page_address(page), buf + head, len - head);
		skb_add_rx_frag(skb, 0, page, 0, len - head, PAGE_SIZE);
	}
	return skb;
}

static void pt_check(struct kunit *test, const struct pt_case *c,
		     unsigned int lead)
{
	__be16 proto = htons(c->ipv6 ? ETH_P_IPV6 : ETH_P_IP);
	u8 buf[PT_MAX];
	unsigned int len = pt_build(c, buf, lead), head;
	struct sk_buff *skb;

	/* head == len + 1: all linear, no fragment at all */
	for (head = 0; head <= len + 1; head++) {
		skb = pt_skb(test, buf, len, min(head, len));
		KUNIT_EXPECT_EQ_MSG(test, sf_maybe_probe(skb, proto, lead),
				    c->want, "%s: link %u, linear %u of %u",
				    c->name, lead, head, len);
		KUNIT_EXPECT_EQ_MSG(test, sf_maybe_probe_slow(skb, proto, lead),
				    c->want, "slow: %s: link %u, linear %u of %u",
				    c->name, lead, head, len);
		kfree_skb(skb);
	}
}

static void pkt_cases(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pt_cases); i++) {
		pt_check(test, &pt_cases[i], 0);
		pt_check(test, &pt_cases[i], PT_LINK);
	}
}

/* The answer follows the port set, and other ethertypes never pass. */
static void pkt_port_set(struct kunit *test)
{
	u8 buf[PT_MAX];
	unsigned int len = pt_build(&pt_cases[0], buf, 0);
	struct sk_buff *skb = pt_skb(test, buf, len, len);

	KUNIT_EXPECT_TRUE(test, sf_maybe_probe(skb, htons(ETH_P_IP), 0));
	KUNIT_EXPECT_FALSE(test, sf_maybe_probe(skb, htons(ETH_P_ARP), 0));
	KUNIT_EXPECT_FALSE(test, sf_maybe_probe_slow(skb, htons(ETH_P_ARP), 0));
	clear_bit(PT_PORT, sf_rx_ports);
	KUNIT_EXPECT_FALSE(test, sf_maybe_probe(skb, htons(ETH_P_IP), 0));
	KUNIT_EXPECT_FALSE(test, sf_maybe_probe_slow(skb, htons(ETH_P_IP), 0));
	set_bit(40000, sf_rx_ports);	/* the source port */
	KUNIT_EXPECT_TRUE(test, sf_maybe_probe(skb, htons(ETH_P_IP), 0));
	KUNIT_EXPECT_TRUE(test, sf_maybe_probe_slow(skb, htons(ETH_P_IP), 0));
	clear_bit(40000, sf_rx_ports);
	kfree_skb(skb);
}

/*
 * sf_parse_udp() on IPv4 fragments: the first gives its ports and the
 * datagram's payload length from its UDP header (3000 bytes, though the
 * fragment holds 4); later and last ones nothing; unfragmented whole.
 */
static void pkt_parse_frag4(struct kunit *test)
{
	static const struct {
		u16 frag, ulen;
		enum sf_udp want;
		unsigned int plen;
	} fc[] = {
		{ IP_MF, 3008, SF_UDP_FRAG, 3000 },
		{ IP_MF, 4, SF_UDP_FRAG, 0 },			/* a UDP length under 8 */
		{ IP_MF | IP_DF, 3008, SF_UDP_FRAG, 3000 },
		{ IP_MF | 10, 3008, SF_UDP_NONE, 0 },
		{ 185, 3008, SF_UDP_NONE, 0 },			/* the last */
		{ 0, 12, SF_UDP_OK, 4 },
		{ 0, 3008, SF_UDP_BAD_LEN, 0 },
	};
	struct pt_case c = V4("frag", IPPROTO_UDP, 0, 0, 40000, PT_PORT, 0, true);
	unsigned int i, len;
	struct sk_buff *skb;
	struct sf_pkt pkt;
	u8 buf[PT_MAX];

	for (i = 0; i < ARRAY_SIZE(fc); i++) {
		c.frag = fc[i].frag;
		len = pt_build(&c, buf, 0);
		((struct udphdr *)(buf + sizeof(struct iphdr)))->len = htons(fc[i].ulen);
		skb = pt_skb(test, buf, len, len);
		memset(&pkt, 0, sizeof(pkt));
		KUNIT_EXPECT_EQ_MSG(test, sf_parse_udp(skb, AF_INET, 0, &pkt),
				    fc[i].want, "frag_off %#x, udp length %u",
				    fc[i].frag, fc[i].ulen);
		if (fc[i].want == SF_UDP_FRAG || fc[i].want == SF_UDP_OK) {
			KUNIT_EXPECT_EQ(test, ntohs(pkt.sport), 40000);
			KUNIT_EXPECT_EQ(test, ntohs(pkt.dport), PT_PORT);
			KUNIT_EXPECT_EQ(test, pkt.family, AF_INET);
			KUNIT_EXPECT_EQ(test, pkt.udpoff, sizeof(struct iphdr));
			KUNIT_EXPECT_EQ_MSG(test, pkt.plen, fc[i].plen,
					    "frag_off %#x, udp length %u",
					    fc[i].frag, fc[i].ulen);
		}
		kfree_skb(skb);
	}
	/* a first fragment cut inside its UDP header: nothing */
	c.frag = IP_MF;
	len = pt_build(&c, buf, 0);
	skb = pt_skb(test, buf, sizeof(struct iphdr) + 6, sizeof(struct iphdr) + 6);
	KUNIT_EXPECT_EQ(test, sf_parse_udp(skb, AF_INET, 0, &pkt), SF_UDP_NONE);
	kfree_skb(skb);
	/* with IP options (ihl 7), split after 10 bytes (the rest paged) */
	c.ihl = 7;
	len = pt_build(&c, buf, 0);
	((struct udphdr *)(buf + 28))->len = htons(3008);
	skb = pt_skb(test, buf, len, 10);
	memset(&pkt, 0, sizeof(pkt));
	KUNIT_EXPECT_EQ(test, sf_parse_udp(skb, AF_INET, 0, &pkt), SF_UDP_FRAG);
	KUNIT_EXPECT_EQ(test, pkt.udpoff, 28U);
	KUNIT_EXPECT_EQ(test, pkt.plen, 3000U);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.dport), PT_PORT);
	KUNIT_EXPECT_EQ(test, pkt.ttl, 64);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_v4mapped(&pkt.saddr));
	kfree_skb(skb);
}

/*
 * sf_parse_udp() on IPv6 fragments: the first and an atomic one give their
 * ports and the datagram's payload length (their UDP header's); later ones
 * nothing.
 */
static void pkt_parse_frag6(struct kunit *test)
{
	static const struct {
		u16 frag;
		enum sf_udp want;
	} fc[] = {
		{ IP6_MF, SF_UDP_FRAG },
		{ 0, SF_UDP_FRAG },
		{ (10 << 3) | IP6_MF, SF_UDP_NONE },
		{ 10 << 3, SF_UDP_NONE },
	};
	struct pt_case c = V6X("frag", IPPROTO_UDP, NEXTHDR_FRAGMENT, 0,
			       40000, PT_PORT, 0, true);
	unsigned int i, len;
	struct sk_buff *skb;
	struct sf_pkt pkt;
	u8 buf[PT_MAX];

	for (i = 0; i < ARRAY_SIZE(fc); i++) {
		c.frag = fc[i].frag;
		len = pt_build(&c, buf, 0);
		skb = pt_skb(test, buf, len, len);
		memset(&pkt, 0, sizeof(pkt));
		KUNIT_EXPECT_EQ_MSG(test, sf_parse_udp(skb, AF_INET6, 0, &pkt),
				    fc[i].want, "frag_off %#x", fc[i].frag);
		if (fc[i].want == SF_UDP_FRAG) {
			KUNIT_EXPECT_EQ(test, ntohs(pkt.sport), 40000);
			KUNIT_EXPECT_EQ(test, ntohs(pkt.dport), PT_PORT);
			KUNIT_EXPECT_EQ(test, pkt.family, AF_INET6);
			KUNIT_EXPECT_EQ(test, pkt.plen, 4U);	/* pt_build's UDP length 12 */
		}
		kfree_skb(skb);
	}
	/* unfragmented, behind a hop-by-hop header: whole */
	c.ext_type = NEXTHDR_HOP;
	len = pt_build(&c, buf, 0);
	skb = pt_skb(test, buf, len, len);
	KUNIT_EXPECT_EQ(test, sf_parse_udp(skb, AF_INET6, 0, &pkt), SF_UDP_OK);
	kfree_skb(skb);
}

/*
 * IPv6 extension header chains: around a fragment header (a routing
 * header before it, two fragment headers, one cut short), and before a
 * whole datagram, where any header but hop-by-hop is one the stack
 * processes after LOCAL_IN (sf_pkt.exthdr). Each case gives the headers in
 * order (type, and for a fragment header its offset field), whether the
 * packet stops inside the last one, and the answers of the peek and of
 * sf_parse_udp() (and, for a whole datagram, its exthdr).
 */
struct pt_chain {
	const char *name;
	u8 type[3];
	u16 frag[3];
	unsigned int n;
	bool cut;		/* the packet ends 4 bytes into the last header */
	bool want;
	enum sf_udp parse;
	bool exthdr;
	const char *body[3];	/* bytes 2..7 of a header, if not the default */
};

static const struct pt_chain pt_chains[] = {
	{ "routing, then a first fragment", { NEXTHDR_ROUTING, NEXTHDR_FRAGMENT },
	  { 0, IP6_MF }, 2, false, true, SF_UDP_FRAG },
	{ "routing, then a later fragment", { NEXTHDR_ROUTING, NEXTHDR_FRAGMENT },
	  { 0, (8 << 3) | IP6_MF }, 2, false, false, SF_UDP_NONE },
	{ "two first-fragment headers", { NEXTHDR_FRAGMENT, NEXTHDR_FRAGMENT },
	  { IP6_MF, IP6_MF }, 2, false, true, SF_UDP_FRAG },
	{ "a first, then a later fragment header", { NEXTHDR_FRAGMENT, NEXTHDR_FRAGMENT },
	  { IP6_MF, 8 << 3 }, 2, false, false, SF_UDP_NONE },
	{ "a fragment header cut short", { NEXTHDR_FRAGMENT }, { IP6_MF }, 1,
	  true, false, SF_UDP_NONE },
	{ "hop-by-hop, a fragment header cut short", { NEXTHDR_HOP, NEXTHDR_FRAGMENT },
	  { 0, IP6_MF }, 2, true, false, SF_UDP_NONE },
	/*
	 * Whole datagrams: exthdr is whether the stack may not deliver them
	 * after LOCAL_IN. (No device here: no seg6 settings, so every SRH is
	 * one; 73-dp-spoof.sh has it with seg6 on and off.)
	 */
	{ "hop-by-hop", { NEXTHDR_HOP }, { 0 }, 1, false, true, SF_UDP_OK, false },
	{ "routing (SRH), no seg6 settings", { NEXTHDR_ROUTING }, { 0 }, 1, false, true,
	  SF_UDP_OK, true },
	{ "routing type 0, no segment left", { NEXTHDR_ROUTING }, { 0 }, 1, false, true,
	  SF_UDP_OK, false, { "\x00\x00\x00\x00\x00\x00" } },
	{ "routing type 0, a segment left", { NEXTHDR_ROUTING }, { 0 }, 1, false, true,
	  SF_UDP_OK, true, { "\x00\x01\x00\x00\x00\x00" } },
	{ "routing type 2 (Mobile IPv6)", { NEXTHDR_ROUTING }, { 0 }, 1, false, true,
	  SF_UDP_OK, true, { "\x02\x00\x00\x00\x00\x00" } },
	{ "destination options, PadN", { NEXTHDR_DEST }, { 0 }, 1, false, true, SF_UDP_OK,
	  false },
	{ "destination options, Pad1 x 6", { NEXTHDR_DEST }, { 0 }, 1, false, true,
	  SF_UDP_OK, false, { "\x00\x00\x00\x00\x00\x00" } },
	{ "destination options, PadN not zero", { NEXTHDR_DEST }, { 0 }, 1, false, true,
	  SF_UDP_OK, true, { "\x01\x04\x00\x00\x07\x00" } },
	{ "destination options, an unknown one to skip (00)", { NEXTHDR_DEST }, { 0 }, 1,
	  false, true, SF_UDP_OK, false, { "\x0f\x04\x01\x02\x03\x04" } },
	{ "destination options, an unknown one to discard (10)", { NEXTHDR_DEST }, { 0 }, 1,
	  false, true, SF_UDP_OK, true, { "\x8f\x04\x01\x02\x03\x04" } },
	{ "destination options, home address", { NEXTHDR_DEST }, { 0 }, 1, false, true,
	  SF_UDP_OK, true, { "\xc9\x04\x01\x02\x03\x04" } },
	{ "hop-by-hop, routing (SRH)", { NEXTHDR_HOP, NEXTHDR_ROUTING }, { 0, 0 }, 2,
	  false, true, SF_UDP_OK, true },
	{ "hop-by-hop, destination options", { NEXTHDR_HOP, NEXTHDR_DEST }, { 0, 0 }, 2,
	  false, true, SF_UDP_OK, false },
	{ "destination options, hop-by-hop", { NEXTHDR_DEST, NEXTHDR_HOP }, { 0, 0 }, 2,
	  false, true, SF_UDP_OK, true },
	{ "AH", { NEXTHDR_AUTH }, { 0 }, 1, false, true, SF_UDP_OK, true },
};

static unsigned int pt_chain_build(const struct pt_chain *c, u8 *buf)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)buf;
	unsigned int off = sizeof(*ip6h), i, len;
	struct udphdr *uh;

	memset(buf, 0xa5, PT_MAX);
	memset(ip6h, 0, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->hop_limit = 64;
	ip6h->nexthdr = c->type[0];
	for (i = 0; i < c->n; i++) {
		u8 *e = buf + off;

		memset(e, 0, 8);
		e[0] = i + 1 < c->n ? c->type[i + 1] : IPPROTO_UDP;
		if (c->body[i])
			memcpy(e + 2, c->body[i], 6);
		else if (c->type[i] == NEXTHDR_FRAGMENT)
			*(__be16 *)(e + 2) = htons(c->frag[i]);
		else if (c->type[i] == NEXTHDR_ROUTING)
			e[2] = 4;	/* routing type 4 (SRH), segments left 0 */
		else
			memcpy(e + 2, "\x01\x04", 2);	/* PadN over the rest */
		off += 8;
	}
	uh = (struct udphdr *)(buf + off);
	uh->source = htons(40000);
	uh->dest = htons(PT_PORT);
	uh->len = htons(sizeof(*uh) + 4);
	uh->check = 0;
	len = off + sizeof(*uh) + 4;
	ip6h->payload_len = htons(len - sizeof(*ip6h));
	return c->cut ? off - 4 : len;
}

static void pkt_frag6_chains(struct kunit *test)
{
	const __be16 proto = htons(ETH_P_IPV6);
	unsigned int i, len, head;
	struct sk_buff *skb;
	struct sf_pkt pkt;
	u8 buf[PT_MAX];

	for (i = 0; i < ARRAY_SIZE(pt_chains); i++) {
		const struct pt_chain *c = &pt_chains[i];

		len = pt_chain_build(c, buf);
		for (head = 0; head <= len + 1; head++) {
			skb = pt_skb(test, buf, len, min(head, len));
			KUNIT_EXPECT_EQ_MSG(test, sf_maybe_probe(skb, proto, 0), c->want,
					    "%s: linear %u of %u", c->name, head, len);
			KUNIT_EXPECT_EQ_MSG(test, sf_maybe_probe_slow(skb, proto, 0),
					    c->want, "slow: %s: linear %u of %u",
					    c->name, head, len);
			/*
			 * sf_parse_udp() runs where the stack has pulled the
			 * fixed header (ipv6_find_hdr() reads its nexthdr in
			 * place): only with those 40 bytes linear
			 */
			memset(&pkt, 0, sizeof(pkt));
			if (head >= sizeof(struct ipv6hdr))
				KUNIT_EXPECT_EQ_MSG(test,
						    sf_parse_udp(skb, AF_INET6, 0, &pkt),
						    c->parse, "parse: %s: linear %u of %u",
						    c->name, head, len);
			if (head >= sizeof(struct ipv6hdr) && c->parse == SF_UDP_OK)
				KUNIT_EXPECT_EQ_MSG(test, pkt.exthdr, c->exthdr,
						    "exthdr: %s: linear %u of %u",
						    c->name, head, len);
			kfree_skb(skb);
		}
	}
}

/*
 * sf_xmit_net(): a user's socket (a reference on its namespace) names the
 * packet's namespace at the hand-off; a kernel socket (none: its namespace
 * may be gone by then), a socket that is not a full one (timewait) and no
 * socket leave it to the device's. The namespaces are only compared,
 * never entered: a zeroed one will do.
 */
static void pkt_xmit_net(struct kunit *test)
{
	struct net_device *dev;
	struct sk_buff *skb;
	struct net *other;
	struct sock *sk;

	if (!IS_ENABLED(CONFIG_NET_NS))
		kunit_skip(test, "no CONFIG_NET_NS: one namespace");
	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	sk = kunit_kzalloc(test, sizeof(*sk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, sk);
	skb = alloc_skb(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	dev_net_set(dev, &init_net);
	sock_net_set(sk, other);
	sk->sk_state = TCP_CLOSE;

	KUNIT_EXPECT_PTR_EQ(test, sf_xmit_net(skb, dev), &init_net);
	skb->sk = sk;
	sk->sk_net_refcnt = 1;
	KUNIT_EXPECT_PTR_EQ(test, sf_xmit_net(skb, dev), other);
	sk->sk_state = TCP_TIME_WAIT;
	KUNIT_EXPECT_PTR_EQ(test, sf_xmit_net(skb, dev), &init_net);
	sk->sk_state = TCP_CLOSE;
	sk->sk_net_refcnt = 0;
	KUNIT_EXPECT_PTR_EQ(test, sf_xmit_net(skb, dev), &init_net);
	skb->sk = NULL;
	kfree_skb(skb);
}

static int pkt_test_init(struct kunit *test)
{
	bitmap_zero(sf_rx_ports, SF_NPORTS);
	set_bit(PT_PORT, sf_rx_ports);
	return 0;
}

static void pkt_test_exit(struct kunit *test)
{
	bitmap_zero(sf_rx_ports, SF_NPORTS);
}

static struct kunit_case pkt_test_cases[] = {
	KUNIT_CASE(pkt_cases),
	KUNIT_CASE(pkt_port_set),
	KUNIT_CASE(pkt_parse_frag4),
	KUNIT_CASE(pkt_parse_frag6),
	KUNIT_CASE(pkt_frag6_chains),
	KUNIT_CASE(pkt_xmit_net),
	{}
};

static struct kunit_suite pkt_test_suite = {
	.name = "snapfire_pkt",
	.init = pkt_test_init,
	.exit = pkt_test_exit,
	.test_cases = pkt_test_cases,
};

kunit_test_suites(&pkt_test_suite);
