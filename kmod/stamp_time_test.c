// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the STAMP timestamp arithmetic (include/stamp_time.h, as
 * the module uses it through stamp.c's sf_ts_to_ns/sf_ns_to_ts): NTP and
 * PTP formats, rounding, the "no timestamp" zero, round trips both ways
 * and the eras (NTP wraps in 2036, PTP's 32-bit seconds in 2106).
 */
#include <kunit/test.h>
#include <linux/math64.h>

#include "stamp.h"

#define NTP_OFF		2208988800ULL		/* 1900 .. 1970, s */
#define NTP_WRAP	(0x100000000ULL - NTP_OFF)	/* 2036-02-07 06:28:16 UTC, unix s */
#define NS(s)		((u64)(s) * NSEC_PER_SEC)
#define NOW_2023	NS(1700000000ULL)	/* 2023-11-14 */

static struct stamp_ts mk_ts(u32 sec, u32 frac)
{
	struct stamp_ts ts = {
		.sec = cpu_to_be32(sec),
		.frac = cpu_to_be32(frac),
	};

	return ts;
}

static u64 ntp_ns(u32 sec, u32 frac, u64 now)
{
	struct stamp_ts ts = mk_ts(sec, frac);

	return sf_ts_to_ns(&ts, false, now);
}

static u64 ptp_ns(u32 sec, u32 frac, u64 now)
{
	struct stamp_ts ts = mk_ts(sec, frac);

	return sf_ts_to_ns(&ts, true, now);
}

static void stamp_ntp_basics(struct kunit *test)
{
	struct stamp_ts ts;

	/* 1900 + NTP_OFF s is the Unix epoch. */
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 1, 0, NOW_2023), NS(1));
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF, 0x80000000, NOW_2023), 500000000ULL);
	KUNIT_EXPECT_EQ(test, ntp_ns(1700000000 + NTP_OFF, 0, NOW_2023), NS(1700000000));
	/* Fraction rounding: 2^-32 s = 0.2328 ns. */
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 1, NOW_2023), NS(5));
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 2, NOW_2023), NS(5));		/* .466 */
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 3, NOW_2023), NS(5) + 1);	/* .698 */
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 0x40000000, NOW_2023), NS(5) + 250000000);
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 0xc0000000, NOW_2023), NS(5) + 750000000);
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 0xffffffff, NOW_2023), NS(6));
	/* 1 ms = 4294967.296 units */
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF + 5, 4294967, NOW_2023), NS(5) + 1000000);

	sf_ns_to_ts(NS(1) + 500000000, false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), (u32)(NTP_OFF + 1));
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 0x80000000U);
	sf_ns_to_ts(NS(1700000000) + 1, false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), (u32)(1700000000 + NTP_OFF));
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 4U);		/* 4.29 */
	sf_ns_to_ts(NS(1700000000) + 999999999, false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 0xfffffffcU);	/* ...1.7 */
	sf_ns_to_ts(NS(3) + 250000000, false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 0x40000000U);
}

static void stamp_ptp_basics(struct kunit *test)
{
	struct stamp_ts ts;

	KUNIT_EXPECT_EQ(test, ptp_ns(1700000000, 123456789, NOW_2023),
			NS(1700000000) + 123456789);
	KUNIT_EXPECT_EQ(test, ptp_ns(1, 0, NOW_2023), NS(1));
	KUNIT_EXPECT_EQ(test, ptp_ns(0, 1, NOW_2023), 1ULL);
	KUNIT_EXPECT_EQ(test, ptp_ns(5, 999999999, NOW_2023), NS(5) + 999999999);
	/* A nanosecond field of 10^9 or more is invalid: clamped. */
	KUNIT_EXPECT_EQ(test, ptp_ns(5, 1000000000, NOW_2023), NS(5) + 999999999);
	KUNIT_EXPECT_EQ(test, ptp_ns(5, 0xffffffff, NOW_2023), NS(5) + 999999999);

	sf_ns_to_ts(NS(1700000000) + 42, true, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 1700000000U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 42U);
}

static void stamp_zero_ts(struct kunit *test)
{
	struct stamp_ts ts;

	KUNIT_EXPECT_EQ(test, ntp_ns(0, 0, NOW_2023), 0ULL);
	KUNIT_EXPECT_EQ(test, ptp_ns(0, 0, NOW_2023), 0ULL);
	KUNIT_EXPECT_EQ(test, ntp_ns(0, 0, NS(NTP_WRAP) + 1), 0ULL);
	KUNIT_EXPECT_EQ(test, ptp_ns(0, 0, 0), 0ULL);
	/* Either half alone is not zero. */
	KUNIT_EXPECT_EQ(test, ntp_ns(0, 0x80000000, NOW_2023), NS(NTP_WRAP) + 500000000);
	KUNIT_EXPECT_EQ(test, ptp_ns(0, 1, NOW_2023), 1ULL);
	/* ns 0 (no timestamp) goes on the wire as zero, either format. */
	ts = mk_ts(1, 1);
	sf_ns_to_ts(0, false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 0U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 0U);
	ts = mk_ts(1, 1);
	sf_ns_to_ts(0, true, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 0U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 0U);
	/*
	 * The one instant NTP cannot tell from "no timestamp": the start of
	 * era 1 is all zero on the wire.
	 */
	sf_ns_to_ts(NS(NTP_WRAP), false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 0U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 0U);
}

/* A 64-bit LCG (Knuth's MMIX constants): reproducible test values. */
static u64 lcg(u64 *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x;
}

static u64 rand_below(u64 *x, u64 n)
{
	u64 r;

	div64_u64_rem(lcg(x), n, &r);
	return r;
}

static const u32 stamp_rems[] = {
	0, 1, 2, 3, 116415321, 232830643, 249999999, 250000000, 499999999,
	500000000, 500000001, 999999998, 999999999,
};

#define YEARS_30	NS(30 * 365 * 86400ULL)

/* ns -> wire -> ns is exact in both formats (1970 .. 2100, now +- 30 years). */
static void stamp_round_trip(struct kunit *test)
{
	unsigned int i, bad = 0, n = 0, nfixed = ARRAY_SIZE(stamp_rems) * 8;
	struct stamp_ts ts;
	u64 x = 1, ns, now, got;
	int ptp;

	for (i = 0; i < 20000 + nfixed; i++) {
		if (i < nfixed)
			/* chosen fractions, a few seconds around 2036 and 2023 */
			ns = NS((i & 4 ? NTP_WRAP : 1700000000) + (i & 3) - 2) +
			     stamp_rems[i / 8];
		else
			ns = rand_below(&x, NS(4102444800ULL)) + 1;
		now = ns + rand_below(&x, 2 * YEARS_30);
		now = now > YEARS_30 ? now - YEARS_30 : 0;
		for (ptp = 0; ptp < 2; ptp++) {
			sf_ns_to_ts(ns, ptp, &ts);
			got = sf_ts_to_ns(&ts, ptp, now);
			n++;
			/* except the start of NTP era 1: all zero (see above) */
			if (got == ns || (!ptp && ns == NS(NTP_WRAP) && !got))
				continue;
			if (bad++ < 8)
				KUNIT_FAIL(test, "%s %llu -> %08x.%08x -> %llu",
					   ptp ? "ptp" : "ntp", ns, be32_to_cpu(ts.sec),
					   be32_to_cpu(ts.frac), got);
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_GT(test, n, 40000U);
}

/* wire -> ns -> wire: exact for PTP, within 3 units (0.7 ns) for NTP. */
static void stamp_wire_round_trip(struct kunit *test)
{
	unsigned int i, bad = 0;
	struct stamp_ts in, out;
	u64 x = 7, w, w2, diff;
	u32 sec, frac;

	for (i = 0; i < 10000; i++) {
		/* NTP: 1976 plus up to 194 days; any fraction */
		sec = 0x90000000 + (u32)(lcg(&x) >> 40);
		frac = lcg(&x) >> 32;
		in = mk_ts(sec, frac);
		sf_ns_to_ts(sf_ts_to_ns(&in, false, NS(sec - NTP_OFF)), false, &out);
		w = (u64)sec << 32 | frac;
		w2 = (u64)be32_to_cpu(out.sec) << 32 | be32_to_cpu(out.frac);
		diff = w2 > w ? w2 - w : w - w2;
		if (diff > 3 && bad++ < 8)
			KUNIT_FAIL(test, "ntp %08x.%08x -> %08x.%08x", sec, frac,
				   be32_to_cpu(out.sec), be32_to_cpu(out.frac));

		/* PTP */
		sec = 1700000000 + (u32)(lcg(&x) >> 40);
		frac = (u32)(lcg(&x) >> 32) % NSEC_PER_SEC;
		in = mk_ts(sec, frac);
		sf_ns_to_ts(sf_ts_to_ns(&in, true, NOW_2023), true, &out);
		if ((out.sec != in.sec || out.frac != in.frac) && bad++ < 8)
			KUNIT_FAIL(test, "ptp %u.%09u -> %u.%09u", sec, frac,
				   be32_to_cpu(out.sec), be32_to_cpu(out.frac));
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/* The NTP seconds wrap at 2036-02-07 06:28:16 UTC: pick the era nearest now. */
static void stamp_ntp_era(struct kunit *test)
{
	u64 before = NS(NTP_WRAP - 3600), after = NS(NTP_WRAP + 3600);
	struct stamp_ts ts;

	/* now before the wrap, a time just after it (era 1) */
	KUNIT_EXPECT_EQ(test, ntp_ns(5, 0, before), NS(NTP_WRAP + 5));
	KUNIT_EXPECT_EQ(test, ntp_ns(0, 0x80000000, before), NS(NTP_WRAP) + 500000000);
	KUNIT_EXPECT_EQ(test, ntp_ns(0xffffff00, 0, before), NS(NTP_WRAP - 256));
	/* now after the wrap, a time just before it (era 0) */
	KUNIT_EXPECT_EQ(test, ntp_ns(0xfffffff0, 0, after), NS(NTP_WRAP - 16));
	KUNIT_EXPECT_EQ(test, ntp_ns(0xffffffff, 0xffffffff, after), NS(NTP_WRAP));
	KUNIT_EXPECT_EQ(test, ntp_ns(5, 0, after), NS(NTP_WRAP + 5));
	/* Far from the wrap, now of either era does not matter. */
	KUNIT_EXPECT_EQ(test, ntp_ns(1700000000 + NTP_OFF, 0, after), NS(1700000000));
	KUNIT_EXPECT_EQ(test, ntp_ns(1700000000 + NTP_OFF, 0, NOW_2023), NS(1700000000));
	/* 2050 seen from 2023 */
	KUNIT_EXPECT_EQ(test, ntp_ns(lower_32_bits(2524608000ULL + NTP_OFF), 0, NOW_2023),
			NS(2524608000ULL));
	/* Before 1970 cannot be represented: 0. */
	KUNIT_EXPECT_EQ(test, ntp_ns(NTP_OFF - 86400, 0, NS(631152000)), 0ULL);

	/* Writing: only the low 32 bits of the seconds go on the wire. */
	sf_ns_to_ts(NS(NTP_WRAP + 5), false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 5U);
	sf_ns_to_ts(NS(NTP_WRAP - 1), false, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 0xffffffffU);
}

/* PTP seconds (since 1970) wrap in 2106. */
static void stamp_ptp_era(struct kunit *test)
{
	u64 wrap = NS(0x100000000ULL);
	struct stamp_ts ts;

	KUNIT_EXPECT_EQ(test, ptp_ns(10, 7, wrap + NS(1000)), wrap + NS(10) + 7);
	KUNIT_EXPECT_EQ(test, ptp_ns(10, 7, wrap - NS(1000)), wrap + NS(10) + 7);
	KUNIT_EXPECT_EQ(test, ptp_ns(0xfffffff0, 0, wrap + NS(1000)), wrap - NS(16));
	KUNIT_EXPECT_EQ(test, ptp_ns(0xfffffff0, 0, wrap - NS(1000)), wrap - NS(16));
	KUNIT_EXPECT_EQ(test, ptp_ns(1700000000, 0, NOW_2023), NS(1700000000));
	sf_ns_to_ts(wrap + NS(10) + 7, true, &ts);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.sec), 10U);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(ts.frac), 7U);
}

static struct kunit_case stamp_time_test_cases[] = {
	KUNIT_CASE(stamp_ntp_basics),
	KUNIT_CASE(stamp_ptp_basics),
	KUNIT_CASE(stamp_zero_ts),
	KUNIT_CASE(stamp_round_trip),
	KUNIT_CASE(stamp_wire_round_trip),
	KUNIT_CASE(stamp_ntp_era),
	KUNIT_CASE(stamp_ptp_era),
	{}
};

static struct kunit_suite stamp_time_test_suite = {
	.name = "snapfire_stamp_time",
	.test_cases = stamp_time_test_cases,
};

kunit_test_suites(&stamp_time_test_suite);
