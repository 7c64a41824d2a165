/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What stamp_test.c and stamp_tlv_test.c share: test packets written byte
 * by byte after the RFC 8762 section 4.2/4.3 layouts, in linear or paged
 * skbs, and the checks of the sender packet's fields.
 */
#ifndef SF_STAMP_TEST_H
#define SF_STAMP_TEST_H

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
static inline void put8(u8 *b, unsigned int off, u8 v)
{
	b[off] = v;
}

static inline void put16(u8 *b, unsigned int off, u16 v)
{
	b[off] = v >> 8;
	b[off + 1] = v;
}

static inline void put32(u8 *b, unsigned int off, u32 v)
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
static inline struct sk_buff *stamp_skb(struct kunit *test, const u8 *payload,
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

static inline enum sf_parse_result stamp_parse_buf(struct kunit *test, const u8 *buf,
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
static inline void stamp_build_sender(u8 *b)
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
static inline void stamp_build_reflector(u8 *b)
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

static inline void stamp_check_sender(struct kunit *test, const struct sf_stamp *st,
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

#endif
