// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for stamp.c: test packets built byte by byte after the
 * RFC 8762 section 4.2/4.3 layouts (their TLVs: stamp_tlv_test.c; the
 * timestamp arithmetic itself: stamp_time_test.c).
 */
#include "stamp_test.h"

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

static struct kunit_case stamp_test_cases[] = {
	KUNIT_CASE(stamp_sender_packet),
	KUNIT_CASE(stamp_reflector_packet),
	KUNIT_CASE(stamp_struct_layout),
	KUNIT_CASE(stamp_truncated),
	KUNIT_CASE(stamp_head_of_fragment),
	KUNIT_CASE(stamp_head_with_tlvs),
	KUNIT_CASE(stamp_too_long),
	KUNIT_CASE(stamp_zero_ts_packet),
	KUNIT_CASE(stamp_guard_flags),
	{}
};

static struct kunit_suite stamp_test_suite = {
	.name = "snapfire_stamp",
	.test_cases = stamp_test_cases,
};

kunit_test_suites(&stamp_test_suite);
