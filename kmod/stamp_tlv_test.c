// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for stamp.c's walk of RFC 8972 TLVs behind the base packet:
 * how they must tile the payload, how many there may be, and the
 * Follow-Up Telemetry TLV found among them.
 */
#include "stamp_test.h"

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

static struct kunit_case stamp_tlv_test_cases[] = {
	KUNIT_CASE(stamp_tlvs),
	KUNIT_CASE(stamp_tlv_count),
	KUNIT_CASE(stamp_followup),
	{}
};

static struct kunit_suite stamp_tlv_test_suite = {
	.name = "snapfire_stamp_tlv",
	.test_cases = stamp_tlv_test_cases,
};

kunit_test_suites(&stamp_tlv_test_suite);
