// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for csum.c: rewrite bytes of real IPv4/IPv6 UDP datagrams and
 * check the checksums from scratch.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "csum.h"

#define CT_HEADROOM	64
#define CT_PLEN		64	/* UDP payload bytes */
#define CT_CHECK_OFF	offsetof(struct udphdr, check)

static const __be32 ct_saddr4 = htonl(0xc0000201);	/* 192.0.2.1 */
static const __be32 ct_daddr4 = htonl(0xc6336402);	/* 198.51.100.2 */
static const struct in6_addr ct_saddr6 = {
	.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
static const struct in6_addr ct_daddr6 = {
	.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [14] = 0xbe, [15] = 0xef } };

/* How a test datagram is built. */
struct ct_opts {
	bool ipv6;
	bool frag;		/* payload in a page fragment */
	bool no_csum;		/* UDP checksum 0 (none) */
	int lead;		/* bytes before the UDP header; -1: the IP header */
	int zero_at;		/* payload offset of 8 zero bytes, -1: none */
};

struct ct_pkt {
	struct sk_buff *skb;
	bool ipv6;
	unsigned int udp_off;	/* from skb->data */
	unsigned int ulen;
};

static void ct_fill(u8 *p, unsigned int len, u32 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

static __sum16 ct_magic(const struct ct_pkt *pk, __wsum sum)
{
	if (pk->ipv6)
		return csum_ipv6_magic(&ct_saddr6, &ct_daddr6, pk->ulen,
				       IPPROTO_UDP, sum);
	return csum_tcpudp_magic(ct_saddr4, ct_daddr4, pk->ulen, IPPROTO_UDP,
				 sum);
}

static struct udphdr *ct_udp(const struct ct_pkt *pk)
{
	return (struct udphdr *)(pk->skb->data + pk->udp_off);
}

/* The UDP checksum field, as the bits on the wire. */
static u16 ct_check(const struct ct_pkt *pk)
{
	return (__force u16)ct_udp(pk)->check;
}

/* The checksum over pseudo-header and datagram, 0 if it verifies. */
static u16 ct_verify(const struct ct_pkt *pk)
{
	__wsum sum = skb_checksum(pk->skb, pk->udp_off, pk->ulen, 0);

	return (__force u16)ct_magic(pk, sum);
}

static void ct_ip_header(struct sk_buff *skb, bool ipv6, unsigned int ulen)
{
	if (ipv6) {
		struct ipv6hdr *ip6 = skb_put_zero(skb, sizeof(*ip6));

		ip6->version = 6;
		ip6->payload_len = htons(ulen);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		ip6->saddr = ct_saddr6;
		ip6->daddr = ct_daddr6;
	} else {
		struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));

		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		iph->tot_len = htons(sizeof(*iph) + ulen);
		iph->saddr = ct_saddr4;
		iph->daddr = ct_daddr4;
		iph->check = ip_fast_csum(iph, iph->ihl);
	}
	skb_reset_network_header(skb);
}

/* An skb with data at the IP header (or @o->lead bytes of filler). */
static bool ct_build(struct kunit *test, const struct ct_opts *o,
		     struct ct_pkt *pk)
{
	unsigned int hlen = o->ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	struct sk_buff *skb;
	struct udphdr *uh;
	u8 *payload;

	pk->ipv6 = o->ipv6;
	pk->ulen = sizeof(*uh) + CT_PLEN;
	pk->udp_off = o->lead >= 0 ? o->lead : hlen;
	skb = alloc_skb(CT_HEADROOM + pk->udp_off + pk->ulen, GFP_KERNEL);
	pk->skb = skb;
	if (!skb)
		return false;
	skb_reserve(skb, CT_HEADROOM);
	if (o->lead >= 0)
		memset(skb_put(skb, o->lead), 0xa5, o->lead);
	else
		ct_ip_header(skb, o->ipv6, pk->ulen);

	uh = skb_put_zero(skb, sizeof(*uh));
	skb_set_transport_header(skb, pk->udp_off);
	uh->source = htons(40000);
	uh->dest = htons(862);
	uh->len = htons(pk->ulen);

	if (o->frag) {
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page) {
			kfree_skb(skb);
			return false;
		}
		payload = page_address(page);
		skb_add_rx_frag(skb, 0, page, 0, CT_PLEN, PAGE_SIZE);
	} else {
		payload = skb_put(skb, CT_PLEN);
	}
	ct_fill(payload, CT_PLEN, 42);
	if (o->zero_at >= 0)
		memset(payload + o->zero_at, 0, 8);

	if (!o->no_csum) {
		uh->check = ct_magic(pk, skb_checksum(skb, pk->udp_off, pk->ulen, 0));
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	KUNIT_EXPECT_EQ(test, skb->len, pk->udp_off + pk->ulen);
	KUNIT_EXPECT_EQ(test, skb_is_nonlinear(skb), o->frag);
	return true;
}

/* The @len bytes at @off (from skb->data) equal @data. */
static bool ct_bytes_are(const struct sk_buff *skb, unsigned int off,
			 const u8 *data, unsigned int len)
{
	u8 buf[16];

	if (len > sizeof(buf) || skb_copy_bits(skb, off, buf, len))
		return false;
	return !memcmp(buf, data, len);
}

/*
 * Rewrite @len bytes at every payload offset 0..15 (even and odd from the
 * UDP header), IPv4 and IPv6, linear and not: the checksum verifies from
 * scratch afterwards.
 */
static void ct_rewrite_sweep(struct kunit *test, unsigned int len)
{
	static const struct ct_opts shapes[] = {
		{ .ipv6 = false, .lead = -1, .zero_at = -1 },
		{ .ipv6 = true, .lead = -1, .zero_at = -1 },
		{ .ipv6 = false, .frag = true, .lead = -1, .zero_at = -1 },
		{ .ipv6 = true, .frag = true, .lead = -1, .zero_at = -1 },
	};
	unsigned int s, off, bad = 0;
	u8 data[16];
	struct ct_pkt pk;

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		for (off = 0; off < 16; off++) {
			unsigned int at;
			int err;

			KUNIT_ASSERT_TRUE(test, ct_build(test, &shapes[s], &pk));
			at = pk.udp_off + sizeof(struct udphdr) + off;
			ct_fill(data, sizeof(data), off * 7 + s);
			err = sf_udp_rewrite(pk.skb, pk.udp_off, at, data, len);
			if (err || ct_verify(&pk) || !ct_check(&pk) ||
			    !ct_bytes_are(pk.skb, at, data, len)) {
				if (bad++ < 8)
					KUNIT_FAIL(test, "shape %u off %u len %u: %d %#x",
						   s, off, len, err, ct_verify(&pk));
			}
			kfree_skb(pk.skb);
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

static void csum_rewrite_8(struct kunit *test)
{
	ct_rewrite_sweep(test, 8);
}

static void csum_rewrite_odd_lengths(struct kunit *test)
{
	ct_rewrite_sweep(test, 1);
	ct_rewrite_sweep(test, 7);
	ct_rewrite_sweep(test, 9);
	ct_rewrite_sweep(test, 16);
}

/* Rewriting the same bytes changes nothing. */
static void csum_rewrite_same(struct kunit *test)
{
	const struct ct_opts o = { .lead = -1, .zero_at = -1 };
	struct ct_pkt pk;
	u16 check;
	u8 data[8];

	KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
	check = ct_check(&pk);
	KUNIT_EXPECT_EQ(test, skb_copy_bits(pk.skb, pk.udp_off + 11, data, 8), 0);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.udp_off + 11,
					     data, 8), 0);
	KUNIT_EXPECT_EQ(test, ct_check(&pk), check);
	kfree_skb(pk.skb);
}

/* CHECKSUM_PARTIAL: the check field holds the pseudo-header sum; keep it. */
static void csum_partial_untouched(struct kunit *test)
{
	unsigned int v6, off;
	struct ct_pkt pk;
	u8 data[8];

	for (v6 = 0; v6 < 2; v6++) {
		for (off = 8; off < 10; off++) {
			struct ct_opts o = { .ipv6 = v6, .lead = -1, .zero_at = -1 };
			__sum16 pseudo;

			KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
			pseudo = ~ct_magic(&pk, 0);
			ct_udp(&pk)->check = pseudo;
			KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(pk.skb, pk.udp_off,
								     CT_CHECK_OFF));
			ct_fill(data, sizeof(data), off);
			KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off,
							     pk.udp_off + off, data, 8), 0);
			KUNIT_EXPECT_EQ(test, ct_check(&pk), (__force u16)pseudo);
			KUNIT_EXPECT_EQ(test, (int)pk.skb->ip_summed, CHECKSUM_PARTIAL);
			KUNIT_EXPECT_TRUE(test, ct_bytes_are(pk.skb, pk.udp_off + off, data, 8));
			/* What the device (or the stack) computes later verifies. */
			KUNIT_EXPECT_EQ(test, skb_checksum_help(pk.skb), 0);
			KUNIT_EXPECT_EQ(test, ct_verify(&pk), 0);
			KUNIT_EXPECT_NE(test, ct_check(&pk), 0);
			kfree_skb(pk.skb);
		}
	}
}

/*
 * CHECKSUM_PARTIAL for an inner header (a tunnel's payload with local
 * checksum offload, starting 24 bytes into ours): bytes from its start on
 * are the device's to sum, and our checksum stays; bytes before it are in
 * our software checksum: updated as without offload; bytes across it, or
 * a start before our header, are refused, nothing written.
 */
static void csum_partial_inner(struct kunit *test)
{
	const struct ct_opts o = { .lead = -1, .zero_at = -1 };
	struct ct_pkt pk, ref;
	unsigned int start;
	u8 data[8], was[8];
	u16 check;

	KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
	start = pk.udp_off + sizeof(struct udphdr) + 24;
	KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(pk.skb, start, 6));
	check = ct_check(&pk);
	ct_fill(data, sizeof(data), 3);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, start + 8,
					     data, 8), 0);
	KUNIT_EXPECT_EQ(test, ct_check(&pk), check);
	KUNIT_EXPECT_TRUE(test, ct_bytes_are(pk.skb, start + 8, data, 8));

	/* before the inner start: as a CHECKSUM_NONE twin does */
	KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &ref));
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(ref.skb, ref.udp_off, ref.udp_off + 8,
					     data, 8), 0);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.udp_off + 8,
					     data, 8), 0);
	KUNIT_EXPECT_NE(test, ct_check(&pk), check);
	KUNIT_EXPECT_EQ(test, ct_check(&pk), ct_check(&ref));
	kfree_skb(ref.skb);

	/* across the inner start, then a start before our header */
	check = ct_check(&pk);
	KUNIT_EXPECT_EQ(test, skb_copy_bits(pk.skb, start - 4, was, 8), 0);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, start - 4,
					     data, 8), -EINVAL);
	KUNIT_EXPECT_TRUE(test, ct_bytes_are(pk.skb, start - 4, was, 8));
	KUNIT_ASSERT_TRUE(test, skb_partial_csum_set(pk.skb, pk.udp_off - 4, 2));
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, start + 8,
					     data, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, ct_check(&pk), check);
	kfree_skb(pk.skb);
}

/*
 * Checksum 0 means none, in IPv4 and from an IPv6 socket with
 * UDP_NO_CHECK6_TX (whose peer accepts it with UDP_NO_CHECK6_RX): it
 * stays 0.
 */
static void csum_zero_none(struct kunit *test)
{
	struct ct_opts o = { .no_csum = true, .lead = -1, .zero_at = -1 };
	struct ct_pkt pk;
	unsigned int off;
	u8 data[8];

	for (off = 8; off < 12; off++) {
		o.ipv6 = off >= 10;
		KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
		KUNIT_EXPECT_EQ(test, ct_check(&pk), 0);
		ct_fill(data, sizeof(data), off);
		KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.udp_off + off,
						     data, 8), 0);
		KUNIT_EXPECT_EQ(test, ct_check(&pk), 0);
		KUNIT_EXPECT_TRUE(test, ct_bytes_are(pk.skb, pk.udp_off + off, data, 8));
		kfree_skb(pk.skb);
	}
}

/*
 * A rewrite whose result sums to zero must be sent as 0xffff. With 8 zero
 * bytes at an even offset, writing the old checksum's two bytes there adds
 * exactly the checksum to the sum: the new checksum is 0.
 */
static void csum_mangled_zero(struct kunit *test)
{
	unsigned int v6;
	struct ct_pkt pk;

	for (v6 = 0; v6 < 2; v6++) {
		struct ct_opts o = { .ipv6 = v6, .lead = -1, .zero_at = 10 };
		u8 data[8] = {};
		u16 check;

		KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
		check = ct_check(&pk);
		KUNIT_EXPECT_NE(test, check, 0xffff);
		memcpy(data, &check, sizeof(check));
		KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off,
						     pk.udp_off + 8 + 10, data, 8), 0);
		KUNIT_EXPECT_EQ(test, ct_check(&pk), 0xffff);
		KUNIT_EXPECT_EQ(test, ct_verify(&pk), 0);
		/* Computed from scratch it is 0 too, hence 0xffff. */
		ct_udp(&pk)->check = 0;
		KUNIT_EXPECT_EQ(test, ct_verify(&pk), 0);
		kfree_skb(pk.skb);
	}
}

/* CHECKSUM_COMPLETE: skb->csum still sums the bytes from skb->data on. */
static void csum_complete(struct kunit *test)
{
	static const struct ct_opts shapes[] = {
		{ .lead = -1, .zero_at = -1 },
		{ .ipv6 = true, .lead = -1, .zero_at = -1 },
		{ .no_csum = true, .lead = -1, .zero_at = -1 },
		{ .lead = 0, .zero_at = -1 },		/* data at the UDP header */
		{ .lead = 1, .zero_at = -1 },		/* UDP header at an odd offset */
		{ .no_csum = true, .lead = 3, .zero_at = -1 },
		{ .ipv6 = true, .no_csum = true, .lead = -1, .zero_at = -1 },
		{ .ipv6 = true, .frag = true, .lead = -1, .zero_at = -1 },
		{ .lead = 0, .zero_at = 10 },		/* to a mangled zero */
	};
	unsigned int s, off, bad = 0;
	struct ct_pkt pk;
	u8 data[8];

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		for (off = 8; off < 12; off++) {
			const struct ct_opts *o = &shapes[s];
			unsigned int at = off;
			__wsum full;
			int err;

			KUNIT_ASSERT_TRUE(test, ct_build(test, o, &pk));
			pk.skb->ip_summed = CHECKSUM_COMPLETE;
			pk.skb->csum = skb_checksum(pk.skb, 0, pk.skb->len, 0);
			ct_fill(data, sizeof(data), s * 16 + off);
			if (o->zero_at >= 0) {
				/* as in csum_mangled_zero */
				memset(data, 0, sizeof(data));
				memcpy(data, &ct_udp(&pk)->check, 2);
				at = 8 + o->zero_at;
			}
			err = sf_udp_rewrite(pk.skb, pk.udp_off, pk.udp_off + at,
					     data, 8);
			full = skb_checksum(pk.skb, 0, pk.skb->len, 0);
			if (err || csum_fold(pk.skb->csum) != csum_fold(full) ||
			    (!o->no_csum && ct_verify(&pk)) ||
			    (o->no_csum && ct_check(&pk))) {
				if (bad++ < 8)
					KUNIT_FAIL(test, "shape %u off %u: %d csum %#x, not %#x",
						   s, at, err,
						   (__force u32)pk.skb->csum,
						   (__force u32)full);
			}
			KUNIT_EXPECT_EQ(test, (int)pk.skb->ip_summed, CHECKSUM_COMPLETE);
			kfree_skb(pk.skb);
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/* A clone is unshared before writing: the original stays as it was. */
static void csum_cloned(struct kunit *test)
{
	const struct ct_opts o = { .ipv6 = true, .frag = true, .lead = -1, .zero_at = -1 };
	struct sk_buff *clone;
	struct ct_pkt pk, pc;
	u8 data[8], orig[8];
	unsigned int at;

	KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
	at = pk.udp_off + 8 + 5;
	KUNIT_ASSERT_EQ(test, skb_copy_bits(pk.skb, at, orig, sizeof(orig)), 0);
	clone = skb_clone(pk.skb, GFP_KERNEL);
	if (!clone)
		kfree_skb(pk.skb);
	KUNIT_ASSERT_NOT_NULL(test, clone);
	pc = pk;
	pc.skb = clone;
	ct_fill(data, sizeof(data), 99);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(clone, pc.udp_off, at, data, 8), 0);
	KUNIT_EXPECT_EQ(test, ct_verify(&pc), 0);
	KUNIT_EXPECT_TRUE(test, ct_bytes_are(clone, at, data, 8));
	KUNIT_EXPECT_TRUE(test, ct_bytes_are(pk.skb, at, orig, 8));
	KUNIT_EXPECT_EQ(test, ct_verify(&pk), 0);
	kfree_skb(clone);
	kfree_skb(pk.skb);
}

static void csum_bad_args(struct kunit *test)
{
	const struct ct_opts o = { .lead = -1, .zero_at = -1 };
	u8 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ct_pkt pk;
	u16 check;

	KUNIT_ASSERT_TRUE(test, ct_build(test, &o, &pk));
	check = ct_check(&pk);
	/* Inside the UDP header */
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.udp_off + 4,
					     data, 8), -EINVAL);
	/* Past the end */
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.skb->len - 7,
					     data, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.skb->len + 1,
					     data, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, 30, data,
					     UINT_MAX), -EINVAL);
	/* Nothing to do */
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.udp_off + 8,
					     data, 0), 0);
	KUNIT_EXPECT_EQ(test, ct_check(&pk), check);
	KUNIT_EXPECT_EQ(test, ct_verify(&pk), 0);
	/* The very last bytes */
	KUNIT_EXPECT_EQ(test, sf_udp_rewrite(pk.skb, pk.udp_off, pk.skb->len - 8,
					     data, 8), 0);
	KUNIT_EXPECT_EQ(test, ct_verify(&pk), 0);
	kfree_skb(pk.skb);
}

static struct kunit_case csum_test_cases[] = {
	KUNIT_CASE(csum_rewrite_8),
	KUNIT_CASE(csum_rewrite_odd_lengths),
	KUNIT_CASE(csum_rewrite_same),
	KUNIT_CASE(csum_partial_untouched),
	KUNIT_CASE(csum_partial_inner),
	KUNIT_CASE(csum_zero_none),
	KUNIT_CASE(csum_mangled_zero),
	KUNIT_CASE(csum_complete),
	KUNIT_CASE(csum_cloned),
	KUNIT_CASE(csum_bad_args),
	{}
};

static struct kunit_suite csum_test_suite = {
	.name = "snapfire_csum",
	.test_cases = csum_test_cases,
};

kunit_test_suites(&csum_test_suite);
