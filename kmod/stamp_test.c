// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for stamp.c: test packets built byte by byte after the
 * RFC 8762 section 4.2/4.3 layouts, RFC 8972 TLVs (the timestamp
 * arithmetic itself: stamp_time_test.c).
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "stamp.h"

#define NTP_OFF		2208988800ULL		/* 1900 .. 1970, s */
#define NS(s)		((u64)(s) * NSEC_PER_SEC)
#define NOW_2023	NS(1700000000ULL)	/* 2023-11-14 */
#define UDP_HDR		8	/* bytes before the STAMP payload in the test skbs */

/* Big-endian writes at explicit offsets: the wire layout, not the structs. */
static void put8(u8 *b, unsigned int off, u8 v)
{
	b[off] = v;
}

static void put16(u8 *b, unsigned int off, u16 v)
{
	b[off] = v >> 8;
	b[off + 1] = v;
}

static void put32(u8 *b, unsigned int off, u32 v)
{
	b[off] = v >> 24;
	b[off + 1] = v >> 16;
	b[off + 2] = v >> 8;
	b[off + 3] = v;
}

/*
 * An skb holding UDP_HDR bytes of filler, then @len bytes of @payload; with
 * @frag, the payload sits in a page fragment (nonlinear skb).
 */
static struct sk_buff *stamp_skb(struct kunit *test, const u8 *payload,
				 unsigned int len, bool frag)
{
	struct sk_buff *skb = alloc_skb(UDP_HDR + (frag ? 0 : len), GFP_KERNEL);
	struct page *page;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	memset(skb_put(skb, UDP_HDR), 0xee, UDP_HDR);
	if (!frag) {
		skb_put_data(skb, payload, len);
		return skb;
	}
	page = alloc_pages(GFP_KERNEL, get_order(len ?: 1));
	if (!page) {
		kfree_skb(skb);
		KUNIT_ASSERT_NOT_NULL(test, page);
	}
	memcpy(page_address(page), payload, len);
	skb_add_rx_frag(skb, 0, page, 0, len, PAGE_SIZE << get_order(len ?: 1));
	return skb;
}

static enum sf_parse_result stamp_parse_buf(struct kunit *test, const u8 *buf,
					    unsigned int len, bool reflector,
					    bool frag, struct sf_stamp *st)
{
	struct sk_buff *skb = stamp_skb(test, buf, len, frag);
	enum sf_parse_result res;

	res = sf_stamp_parse(skb, UDP_HDR, len, reflector, NOW_2023, st);
	kfree_skb(skb);
	return res;
}

/*
 * Session-Sender test packet (RFC 8762 section 4.2.1, RFC 8972 SSID):
 * seq 0x01020304, T1 = 1700000000.25 s in NTP format, EE S=1 Z=0 scale 2
 * multiplier 3, SSID 0xbeef.
 */
static void stamp_build_sender(u8 *b)
{
	memset(b, 0, STAMP_BASE_LEN);
	put32(b, 0, 0x01020304);
	put32(b, 4, 1700000000 + NTP_OFF);	/* T1 seconds since 1900 */
	put32(b, 8, 0x40000000);		/* .25 s */
	put16(b, 12, 0x8000 | 0x0200 | 0x03);	/* S, scale 2, mult 3 */
	put16(b, 14, 0xbeef);
	/* 16..43 MBZ */
}

/*
 * Session-Reflector test packet (RFC 8762 section 4.3.1): T3 and T2 in
 * PTPv2 truncated format (Z set), the sender's fields copied with T1 in NTP.
 */
static void stamp_build_reflector(u8 *b)
{
	memset(b, 0, STAMP_BASE_LEN);
	put32(b, 0, 7);					/* reflector seq */
	put32(b, 4, 1700000001);			/* T3 s since 1970 */
	put32(b, 8, 500);				/* T3 ns */
	put16(b, 12, 0x4000 | 0x01);			/* Z, S=0, mult 1 */
	put16(b, 14, 0x1234);				/* SSID */
	put32(b, 16, 1700000000);			/* T2 s */
	put32(b, 20, 999999999);			/* T2 ns */
	put32(b, 24, 0xfffffffe);			/* sender seq */
	put32(b, 28, 1699999999 + NTP_OFF);		/* T1, NTP */
	put32(b, 32, 0x80000000);			/* .5 s */
	put16(b, 36, 0x8000 | 0x0100 | 0x0a);		/* sender EE */
	/* 38..39 MBZ */
	put8(b, 40, 63);				/* sender TTL */
	/* 41..43 MBZ */
}

static void stamp_check_sender(struct kunit *test, const struct sf_stamp *st,
			       unsigned int len)
{
	KUNIT_EXPECT_EQ(test, st->seq, 0x01020304U);
	KUNIT_EXPECT_EQ(test, st->ts, NS(1700000000) + 250000000);
	KUNIT_EXPECT_EQ(test, st->ee, 0x8203);
	KUNIT_EXPECT_TRUE(test, sf_ee_synced(st->ee));
	KUNIT_EXPECT_FALSE(test, sf_ee_ptp(st->ee));
	KUNIT_EXPECT_EQ(test, st->ssid, 0xbeef);
	KUNIT_EXPECT_EQ(test, st->rx_ts, 0ULL);
	KUNIT_EXPECT_EQ(test, st->sender_seq, 0U);
	KUNIT_EXPECT_EQ(test, st->sender_ts, 0ULL);
	KUNIT_EXPECT_EQ(test, st->sender_ee, 0);
	KUNIT_EXPECT_EQ(test, st->sender_ttl, 0);
	KUNIT_EXPECT_EQ(test, (unsigned int)st->len, len);
	KUNIT_EXPECT_EQ(test, (unsigned int)st->tlv_len, len - STAMP_BASE_LEN);
}

static void stamp_sender_packet(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN];
	struct sf_stamp st;

	stamp_build_sender(b);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), false, false, &st),
			SF_PARSE_OK);
	stamp_check_sender(test, &st, sizeof(b));
	/* The same bytes in a page fragment. */
	memset(&st, 0xa5, sizeof(st));
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), false, true, &st),
			SF_PARSE_OK);
	stamp_check_sender(test, &st, sizeof(b));
}

static void stamp_check_reflector(struct kunit *test, const struct sf_stamp *st)
{
	KUNIT_EXPECT_EQ(test, st->seq, 7U);
	KUNIT_EXPECT_EQ(test, st->ts, NS(1700000001) + 500);
	KUNIT_EXPECT_EQ(test, st->ee, 0x4001);
	KUNIT_EXPECT_TRUE(test, sf_ee_ptp(st->ee));
	KUNIT_EXPECT_FALSE(test, sf_ee_synced(st->ee));
	KUNIT_EXPECT_EQ(test, st->ssid, 0x1234);
	KUNIT_EXPECT_EQ(test, st->rx_ts, NS(1700000000) + 999999999);
	KUNIT_EXPECT_EQ(test, st->sender_seq, 0xfffffffeU);
	KUNIT_EXPECT_EQ(test, st->sender_ts, NS(1699999999) + 500000000);
	KUNIT_EXPECT_EQ(test, st->sender_ee, 0x810a);
	KUNIT_EXPECT_EQ(test, st->sender_ttl, 63);
	KUNIT_EXPECT_EQ(test, st->len, STAMP_BASE_LEN);
	KUNIT_EXPECT_EQ(test, st->tlv_len, 0);
}

static void stamp_reflector_packet(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN];
	struct sf_stamp st;

	stamp_build_reflector(b);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	stamp_check_reflector(test, &st);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, true, &st),
			SF_PARSE_OK);
	stamp_check_reflector(test, &st);

	/* Read as a sender packet, only the common first 16 bytes count. */
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.seq, 7U);
	KUNIT_EXPECT_EQ(test, st.rx_ts, 0ULL);
	KUNIT_EXPECT_EQ(test, st.sender_ttl, 0);
}

/* sf_stamp_parse_head() of @skb at UDP_HDR + @o, @l bytes of datagram */
#define HEAD(o, l, refl) sf_stamp_parse_head(skb, UDP_HDR + (o), l, refl, NOW_2023, &st)

/*
 * The first fragment of a 3000-byte reply (the driver hand-off of a
 * datagram longer than the MTU): only the fixed header is in the skb, the
 * datagram's length says the rest. sf_stamp_parse() asks for all of it;
 * sf_stamp_parse_head() reads the header and locates no TLV. The bounds
 * and the authenticated-mode test still go by the datagram's length.
 */
static void stamp_head_of_fragment(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN];
	struct sf_stamp st;
	struct sk_buff *skb;

	stamp_build_reflector(b);
	skb = stamp_skb(test, b, sizeof(b), false);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, 3000, true, NOW_2023, &st),
			SF_PARSE_SHORT);
	KUNIT_EXPECT_EQ(test, HEAD(0, 3000, true), SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.seq, 7U);
	KUNIT_EXPECT_EQ(test, st.ts, NS(1700000001) + 500);
	KUNIT_EXPECT_EQ(test, st.ssid, 0x1234);
	KUNIT_EXPECT_EQ(test, st.sender_seq, 0xfffffffeU);
	KUNIT_EXPECT_EQ(test, st.sender_ttl, 63);
	KUNIT_EXPECT_FALSE(test, st.auth);
	KUNIT_EXPECT_EQ(test, st.len, 3000U);
	KUNIT_EXPECT_EQ(test, st.tlv_len, 3000U - STAMP_BASE_LEN);
	KUNIT_EXPECT_EQ(test, HEAD(0, STAMP_MAX_LEN + 1, true), SF_PARSE_LONG);
	KUNIT_EXPECT_EQ(test, HEAD(0, STAMP_BASE_LEN - 1, true), SF_PARSE_SHORT);
	/* a header cut short is short, whatever the datagram's length */
	KUNIT_EXPECT_EQ(test, HEAD(1, 3000, true), SF_PARSE_SHORT);
	kfree_skb(skb);

	/* zero timestamp bytes 4..15 and 112 bytes or more: authenticated */
	memset(b, 0, sizeof(b));
	skb = stamp_skb(test, b, sizeof(b), true);
	KUNIT_EXPECT_EQ(test, HEAD(0, 3000, false), SF_PARSE_OK);
	KUNIT_EXPECT_TRUE(test, st.auth);
	KUNIT_EXPECT_EQ(test, HEAD(0, STAMP_AUTH_LEN - 1, false), SF_PARSE_OK);
	KUNIT_EXPECT_FALSE(test, st.auth);
	kfree_skb(skb);
}

/*
 * A first fragment holding the header, a Follow-Up TLV and the start of an
 * HMAC TLV cut by the fragment's end: the head parse locates neither (the
 * whole parse of the same bytes as a datagram finds the cut).
 */
static void stamp_head_with_tlvs(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN + 20 + 10];
	unsigned int fu = STAMP_BASE_LEN, hm = STAMP_BASE_LEN + 20;
	struct sf_stamp st;
	struct sk_buff *skb;

	stamp_build_reflector(b);
	memset(b + fu, 0, sizeof(b) - fu);
	put8(b, fu + 1, STAMP_TLV_FOLLOWUP_TELEMETRY);
	put16(b, fu + 2, 16);
	put32(b, fu + 4, 6);
	put32(b, fu + 8, 1700000001);
	put8(b, fu + 16, STAMP_TS_SW_LOCAL);
	put8(b, hm + 1, STAMP_TLV_HMAC);
	put16(b, hm + 2, 16);
	skb = stamp_skb(test, b, sizeof(b), true);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, sizeof(b), true, NOW_2023, &st),
			SF_PARSE_TLV_LEN);
	KUNIT_EXPECT_EQ(test, HEAD(0, 1500, true), SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.seq, 7U);
	KUNIT_EXPECT_FALSE(test, st.hmac);
	KUNIT_EXPECT_EQ(test, st.fu_off, 0U);
	KUNIT_EXPECT_EQ(test, st.fu_seq, 0U);
	KUNIT_EXPECT_EQ(test, st.fu_ts, 0ULL);
	kfree_skb(skb);
}

#undef HEAD

/* The uapi structs agree with the byte layout. */
static void stamp_struct_layout(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN];
	const struct stamp_reflector_pkt *r = (const void *)b;
	const struct stamp_sender_pkt *s = (const void *)b;

	stamp_build_reflector(b);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(r->seq), 7U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(r->rx_ts.sec), 1700000000U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(r->sender_seq), 0xfffffffeU);
	KUNIT_EXPECT_EQ(test, be16_to_cpu(r->sender_ee), 0x810a);
	KUNIT_EXPECT_EQ(test, r->sender_ttl, 63);
	stamp_build_sender(b);
	KUNIT_EXPECT_EQ(test, be16_to_cpu(s->ssid), 0xbeef);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(s->ts.frac), 0x40000000U);
}

static void stamp_truncated(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN];
	struct sf_stamp st;
	struct sk_buff *skb;
	unsigned int len;

	stamp_build_sender(b);
	/* The whole base in the skb, but a shorter payload. */
	skb = stamp_skb(test, b, sizeof(b), false);
	for (len = 0; len < STAMP_BASE_LEN; len++) {
		KUNIT_EXPECT_EQ_MSG(test, sf_stamp_parse(skb, UDP_HDR, len, false,
							 NOW_2023, &st),
				    SF_PARSE_SHORT, "len %u", len);
		KUNIT_EXPECT_EQ_MSG(test, sf_stamp_parse(skb, UDP_HDR, len, true,
							 NOW_2023, &st),
				    SF_PARSE_SHORT, "len %u", len);
	}
	kfree_skb(skb);

	/* The skb itself ending early. */
	for (len = 0; len < STAMP_BASE_LEN; len++)
		KUNIT_EXPECT_EQ_MSG(test, stamp_parse_buf(test, b, len, false,
							  len & 1, &st),
				    SF_PARSE_SHORT, "len %u", len);

	/* A length claiming more than the skb holds. */
	skb = stamp_skb(test, b, sizeof(b), false);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, STAMP_BASE_LEN + 4,
					     false, NOW_2023, &st),
			SF_PARSE_SHORT);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, skb->len + 1, STAMP_BASE_LEN,
					     false, NOW_2023, &st),
			SF_PARSE_SHORT);
	kfree_skb(skb);
}

static void stamp_too_long(struct kunit *test)
{
	struct sf_stamp st;
	struct sk_buff *skb;
	u8 *b;

	b = kunit_kzalloc(test, STAMP_MAX_LEN + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	stamp_build_sender(b);
	/* Exactly STAMP_MAX_LEN: one Extra Padding TLV filling it. */
	put8(b, 44, 0);
	put8(b, 45, STAMP_TLV_EXTRA_PADDING);
	put16(b, 46, STAMP_MAX_LEN - STAMP_BASE_LEN - STAMP_TLV_HDR_LEN);
	skb = stamp_skb(test, b, STAMP_MAX_LEN + 1, false);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, STAMP_MAX_LEN, false,
					     NOW_2023, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.tlv_len, STAMP_MAX_LEN - STAMP_BASE_LEN);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, STAMP_MAX_LEN + 1, false,
					     NOW_2023, &st),
			SF_PARSE_LONG);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, 65535, true,
					     NOW_2023, &st),
			SF_PARSE_LONG);
	KUNIT_EXPECT_EQ(test, sf_stamp_parse(skb, UDP_HDR, UINT_MAX, true,
					     NOW_2023, &st),
			SF_PARSE_LONG);
	kfree_skb(skb);
}

/* TLVs after the base: bytes appended, result expected. */
struct stamp_tlv_case {
	const char *name;
	const u8 *tlv;
	unsigned int n;
	enum sf_parse_result res;
};

#define TLV(...) \
	.tlv = (const u8[]){ __VA_ARGS__ }, \
	.n = ARRAY_SIZE(((const u8[]){ __VA_ARGS__ }))

static const struct stamp_tlv_case stamp_tlv_cases[] = {
	{ "none", .tlv = NULL, .n = 0, .res = SF_PARSE_OK },
	{ "one", TLV(0, 1, 0, 4, 0, 0, 0, 0), SF_PARSE_OK },
	{ "several", TLV(0, 1, 0, 2, 0xaa, 0xbb,
			 0x80, 3, 0, 0,
			 0, 2, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8), SF_PARSE_OK },
	{ "zero-length value", TLV(0, 1, 0, 0), SF_PARSE_OK },
	{ "zero-length twice", TLV(0, 1, 0, 0, 0, 4, 0, 0), SF_PARSE_OK },
	{ "header 1 byte", TLV(0), SF_PARSE_TLV_TRUNC },
	{ "header 2 bytes", TLV(0, 1), SF_PARSE_TLV_TRUNC },
	{ "header 3 bytes", TLV(0, 1, 0), SF_PARSE_TLV_TRUNC },
	{ "header cut after one", TLV(0, 1, 0, 1, 9, 0, 1, 0), SF_PARSE_TLV_TRUNC },
	{ "value short by one", TLV(0, 1, 0, 5, 0, 0, 0, 0), SF_PARSE_TLV_LEN },
	{ "value 0xffff", TLV(0, 1, 0xff, 0xff, 0, 0), SF_PARSE_TLV_LEN },
	{ "second value past end", TLV(0, 1, 0, 1, 9, 0, 2, 0, 3, 1, 2), SF_PARSE_TLV_LEN },
	{ "value to the end", TLV(0, 1, 0, 3, 1, 2, 3), SF_PARSE_OK },
	{ "value leaves 2", TLV(0, 1, 0, 2, 1, 2, 3, 4), SF_PARSE_TLV_TRUNC },
};

static void stamp_tlvs(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN + 32];
	struct sf_stamp st;
	unsigned int i, len;
	int frag;

	for (i = 0; i < ARRAY_SIZE(stamp_tlv_cases); i++) {
		const struct stamp_tlv_case *c = &stamp_tlv_cases[i];

		KUNIT_ASSERT_LE(test, c->n, (unsigned int)sizeof(b) - STAMP_BASE_LEN);
		len = STAMP_BASE_LEN + c->n;
		for (frag = 0; frag < 2; frag++) {
			stamp_build_sender(b);
			if (c->n)
				memcpy(b + STAMP_BASE_LEN, c->tlv, c->n);
			KUNIT_EXPECT_EQ_MSG(test,
					    stamp_parse_buf(test, b, len, false, frag, &st),
					    c->res, "%s (frag %d)", c->name, frag);
			/* The base fields are filled even for a TLV error. */
			stamp_check_sender(test, &st, len);
			KUNIT_EXPECT_EQ_MSG(test,
					    stamp_parse_buf(test, b, len, true, frag, &st),
					    c->res, "%s reflector (frag %d)", c->name, frag);
		}
	}
}

/*
 * At most SF_STAMP_MAX_TLVS TLVs: that many empty ones parse, one more is
 * SF_PARSE_TLV_MANY (a 9 KB payload of them was 2 293 header reads), in a
 * linear skb and a paged one, either layout.
 */
static void stamp_tlv_count(struct kunit *test)
{
	unsigned int n, len, i;
	struct sf_stamp st;
	u8 *b;
	int frag;

	b = kunit_kzalloc(test, STAMP_BASE_LEN + 4 * (SF_STAMP_MAX_TLVS + 1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	for (n = SF_STAMP_MAX_TLVS; n <= SF_STAMP_MAX_TLVS + 1; n++) {
		len = STAMP_BASE_LEN + 4 * n;
		for (frag = 0; frag < 2; frag++) {
			stamp_build_sender(b);
			for (i = 0; i < n; i++)
				put8(b, STAMP_BASE_LEN + 4 * i + 1, 1);	/* Extra Padding, empty */
			KUNIT_EXPECT_EQ_MSG(test, stamp_parse_buf(test, b, len, false, frag, &st),
					    n > SF_STAMP_MAX_TLVS ? SF_PARSE_TLV_MANY : SF_PARSE_OK,
					    "%u empty TLVs (frag %d)", n, frag);
			KUNIT_EXPECT_EQ_MSG(test, stamp_parse_buf(test, b, len, true, frag, &st),
					    n > SF_STAMP_MAX_TLVS ? SF_PARSE_TLV_MANY : SF_PARSE_OK,
					    "%u empty TLVs, reflector (frag %d)", n, frag);
		}
	}
}

/* A zero T2 in a reflector packet parses to 0; the others are unaffected. */
static void stamp_zero_ts_packet(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN];
	struct sf_stamp st;

	stamp_build_reflector(b);
	memset(b + 16, 0, 8);		/* T2 */
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.rx_ts, 0ULL);
	KUNIT_EXPECT_EQ(test, st.ts, NS(1700000001) + 500);
	KUNIT_EXPECT_EQ(test, st.sender_ts, NS(1699999999) + 500000000);
}

/*
 * What must not be rewritten or answered, built from the RFCs' layouts:
 * an authenticated-mode Session-Sender packet (RFC 8762 section 4.2.2:
 * seq, 12 MBZ bytes, T1 at 16, EE at 24, SSID at 26, MBZ, a 16-byte HMAC
 * at 96: 112 bytes), an unauthenticated one with an HMAC TLV (RFC 8972
 * section 4.8, type 8), and a "probe" holding a T2 in its MBZ (a reply
 * sent back at a reflector).
 */
static void stamp_guard_flags(struct kunit *test)
{
	u8 b[STAMP_AUTH_LEN];
	struct sf_stamp st;

	memset(b, 0, sizeof(b));
	put32(b, 0, 9);
	put32(b, 16, 1700000000 + NTP_OFF);	/* T1 */
	put16(b, 24, 0x0001);			/* EE */
	memset(b + 96, 0x5a, 16);		/* HMAC */
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_TRUE(test, st.auth);
	/* the reflector layout's authenticated form likewise */
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_TRUE(test, st.auth);
	/* one byte shorter: not the authenticated layout (zero T1, EE 0) */
	KUNIT_EXPECT_NE(test, stamp_parse_buf(test, b, sizeof(b) - 1, false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_FALSE(test, st.auth);
	/* 112 bytes with a T1: an unauthenticated probe with TLVs */
	stamp_build_sender(b);
	put8(b, 44, 0);
	put8(b, 45, STAMP_TLV_EXTRA_PADDING);
	put16(b, 46, sizeof(b) - 48);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, sizeof(b), false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_FALSE(test, st.auth);
	KUNIT_EXPECT_FALSE(test, st.hmac);
	KUNIT_EXPECT_FALSE(test, st.looped);

	/* padding TLV, then an HMAC TLV of 16 bytes */
	stamp_build_sender(b);
	put8(b, 45, STAMP_TLV_EXTRA_PADDING);
	put16(b, 46, 4);
	put8(b, 53, STAMP_TLV_HMAC);
	put16(b, 54, 16);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, 72, false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_TRUE(test, st.hmac);
	KUNIT_EXPECT_FALSE(test, st.auth);

	/* a reply's T2 in a sender packet's MBZ; a reply itself is not looped */
	stamp_build_reflector(b);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, STAMP_BASE_LEN, false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_TRUE(test, st.looped);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, STAMP_BASE_LEN, true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_FALSE(test, st.looped);
	/* MBZ set beyond bytes 16..23 only: not a reply's T2 */
	stamp_build_sender(b);
	put8(b, 30, 1);
	KUNIT_EXPECT_EQ(test, stamp_parse_buf(test, b, STAMP_BASE_LEN, false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_FALSE(test, st.looped);
}

/*
 * Follow-Up Telemetry (RFC 8972 section 4.7): type 7, length 16: sequence
 * number (4), timestamp (8, the packet's format), mode (1), reserved (3).
 * Put behind a padding TLV, so it is found by walking, not by position.
 */
static void stamp_followup(struct kunit *test)
{
	u8 b[STAMP_BASE_LEN + 8 + 20 + 20];
	unsigned int fu = STAMP_BASE_LEN + 8;	/* its TLV header */
	struct sf_stamp st;

	stamp_build_reflector(b);
	put8(b, 44, 0);					/* padding, 4 bytes */
	put8(b, 45, STAMP_TLV_EXTRA_PADDING);
	put16(b, 46, 4);
	memset(b + 48, 0xaa, 4);
	put8(b, fu, 0);
	put8(b, fu + 1, STAMP_TLV_FOLLOWUP_TELEMETRY);
	put16(b, fu + 2, 16);
	put32(b, fu + 4, 6);				/* previous reply's seq */
	put32(b, fu + 8, 1700000001);			/* PTP, as T3 */
	put32(b, fu + 12, 4000500);			/* 4 ms after T3 */
	put8(b, fu + 16, STAMP_TS_SW_LOCAL);
	memset(b + fu + 17, 0, 3);
	/* a second one, ignored: only the first counts */
	put8(b, fu + 20, 0);
	put8(b, fu + 21, STAMP_TLV_FOLLOWUP_TELEMETRY);
	put16(b, fu + 22, 16);
	memset(b + fu + 24, 0x55, 16);

	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_off, fu + 4);
	KUNIT_EXPECT_EQ(test, st.fu_seq, 6);
	KUNIT_EXPECT_EQ(test, st.fu_ts, NS(1700000001) + 4000500);
	KUNIT_EXPECT_EQ(test, st.fu_ts - st.ts, 4000000);
	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, true, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_ts - st.ts, 4000000);

	/* flagged U or M by the reflector: located, not read */
	put8(b, fu, STAMP_TLV_FLAG_U);
	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_off, fu + 4);
	KUNIT_EXPECT_EQ(test, st.fu_ts, 0);
	put8(b, fu, STAMP_TLV_FLAG_M);
	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_ts, 0);

	/* a zero timestamp: the reflector had sent no reply yet */
	put8(b, fu, 0);
	memset(b + fu + 4, 0, 16);
	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_ts, 0);

	/* in a sender packet (a request): located, never read */
	stamp_build_sender(b);
	put32(b, fu + 8, 0x12345678);
	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), false, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_off, fu + 4);
	KUNIT_EXPECT_EQ(test, st.fu_ts, 0);

	/* the wrong length: not the TLV (the second one is) */
	stamp_build_reflector(b);
	put16(b, fu + 2, 12);
	put8(b, fu + 16, 0);				/* 4 bytes of padding... */
	put8(b, fu + 17, STAMP_TLV_EXTRA_PADDING);	/* ...then a TLV of 0 */
	put16(b, fu + 18, 0);
	put8(b, fu + 20, 0);
	put32(b, fu + 24, 9);
	put32(b, fu + 28, 1700000002);
	put32(b, fu + 32, 0);
	KUNIT_ASSERT_EQ(test, stamp_parse_buf(test, b, sizeof(b), true, false, &st),
			SF_PARSE_OK);
	KUNIT_EXPECT_EQ(test, st.fu_off, fu + 24);
	KUNIT_EXPECT_EQ(test, st.fu_seq, 9);
	KUNIT_EXPECT_EQ(test, st.fu_ts, NS(1700000002));
}

static struct kunit_case stamp_test_cases[] = {
	KUNIT_CASE(stamp_sender_packet),
	KUNIT_CASE(stamp_reflector_packet),
	KUNIT_CASE(stamp_struct_layout),
	KUNIT_CASE(stamp_truncated),
	KUNIT_CASE(stamp_head_of_fragment),
	KUNIT_CASE(stamp_head_with_tlvs),
	KUNIT_CASE(stamp_too_long),
	KUNIT_CASE(stamp_tlvs),
	KUNIT_CASE(stamp_tlv_count),
	KUNIT_CASE(stamp_zero_ts_packet),
	KUNIT_CASE(stamp_guard_flags),
	KUNIT_CASE(stamp_followup),
	{}
};

static struct kunit_suite stamp_test_suite = {
	.name = "snapfire_stamp",
	.test_cases = stamp_test_cases,
};

kunit_test_suites(&stamp_test_suite);
