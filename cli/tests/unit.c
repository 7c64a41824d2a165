// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the CLI's pure parts: histogram math, formatting, JSON and
 * the Prometheus exporter. Prints ok/not ok lines and "N passed, N failed, N skipped".
 * This file: histograms, formatting, JSON, samples, stamp_time.h, and main;
 * unit_flow.c: flows, the exporter, the verdict; unit_parse.c: parsing,
 * the config table, the output layer; unit_diag*.c: the verdict of
 * `snapfire diagnose` (diag_verdict.c) against docs/DIAGNOSE.md (rules and
 * incidents; confidence and notes; the review's cases and the delayed-ACK
 * flag; their shared cases in unit_diag_lib.c);
 * unit_hstore.c: the history store. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/snapfire.h>

#include "cmds.h"
#include "parse.h"
#include "flow.h"
#include "fmt.h"
#include "out.h"
#include "hist.h"
#include "samples.h"
#include "sockdiag.h"
#include "stamp_time.h"
#include "verdict.h"
#include "unit.h"

int passed, failed, skipped;

static void test_percentiles(void)
{
	struct hist h = { 0 };
	int i;

	/* 100 samples uniform in 10 buckets [i*100, i*100+99], 10 each */
	for (i = 0; i < 10; i++)
		hist_add_bucket(&h, (uint64_t)i * 100, (uint64_t)i * 100 + 99, 10);
	h.count = 100;
	h.min = 0;
	h.max = 999;
	h.sum = 49950;
	hist_finish(&h);
	CHECK(hist_percentile(&h, 0.5) == 499, "p50 of uniform 0..999 is 499 (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.5));
	CHECK(hist_percentile(&h, 0.9) == 899, "p90 is 899 (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.9));
	CHECK(hist_percentile(&h, 0.95) == 950, "p95 interpolates inside the bucket (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.95));
	CHECK(hist_percentile(&h, 1.0) == 999, "p100 is max");
	CHECK(hist_mean(&h) == 499, "mean is sum/count");
	hist_free(&h);

	/* one bucket [1000,1999], 4 samples, min 1200 max 1300: clamped */
	hist_add_bucket(&h, 1000, 1999, 4);
	h.min = 1200;
	h.max = 1300;
	hist_finish(&h);
	CHECK(hist_percentile(&h, 0.01) == 1200, "percentile clamped to min");
	CHECK(hist_percentile(&h, 0.99) == 1300, "percentile clamped to max");
	hist_free(&h);

	/* skewed: 99 samples at [100,100], 1 at [10000,10999] */
	hist_add_bucket(&h, 10000, 10999, 1);	/* out of order: sorted */
	hist_add_bucket(&h, 100, 100, 99);
	h.min = 100;
	h.max = 10500;
	hist_finish(&h);
	CHECK(h.count == 100, "count from buckets when not sent");
	CHECK(hist_percentile(&h, 0.99) == 100, "p99 in the big bucket");
	CHECK(hist_percentile(&h, 0.999) > 10000 && hist_percentile(&h, 0.999) <= 10500,
	      "p99.9 in the tail bucket, <= max (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.999));
	hist_free(&h);
	CHECK(hist_percentile(&h, 0.5) == 0, "empty histogram gives 0");

	/* sorted but for one bucket anywhere, and shuffled: hist_finish sorts */
	{
		unsigned int seed = 7, bad = 0, n, k, j;

		for (n = 2; n <= 40; n++) {
			for (k = 0; k <= n; k++) {
				uint64_t low[40];

				for (j = 0; j < n; j++)
					low[j] = 100 * (uint64_t)(j + 1);
				if (k < n - 1) {		/* one bucket moved last */
					uint64_t x = low[k];

					memmove(low + k, low + k + 1, (n - 1 - k) * sizeof(*low));
					low[n - 1] = x;
				} else if (k == n) {		/* shuffled */
					for (j = n - 1; j > 0; j--) {
						unsigned int r = (unsigned int)rand_r(&seed) % (j + 1);
						uint64_t x = low[j];

						low[j] = low[r];
						low[r] = x;
					}
				}
				for (j = 0; j < n; j++)
					hist_add_bucket(&h, low[j], low[j] + 99, j + 1);
				hist_finish(&h);
				for (j = 0; j < n; j++)
					bad += h.b[j].low != 100 * (uint64_t)(j + 1) ||
					       h.b[j].high != h.b[j].low + 99;
				hist_free(&h);
			}
		}
		CHECK(!bad, "hist_finish sorts 2 to 40 buckets, one out of place or all shuffled (%u misplaced)",
		      bad);
	}
}

static void test_render(void)
{
	struct hist h = { 0 };
	char *buf = NULL;
	size_t len = 0, lines = 0, i;
	FILE *f = open_memstream(&buf, &len);
	uint64_t v;

	for (v = 1000, i = 0; i < 200; i++, v += v / 16 + 1)
		hist_add_bucket(&h, v, v + v / 16, i + 1);
	hist_finish(&h);
	hist_render(f, &h, 24, 40, "  ");
	fclose(f);
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK(lines >= 10 && lines <= 24, "render groups 200 buckets into <= 24 rows (%zu)", lines);
	CHECK(strstr(buf, "########################################") != NULL,
	      "the largest row has a full-width bar");
	free(buf);
	hist_free(&h);
}

/*
 * fmt_dur() (integers) against fmt_dur_fp() (printf of the double), the
 * reference: every value below 2 000 000 ns, every value within 1 500 of
 * each k * 5 * 10^j (the branch points and the decimal ties sit on such
 * values) up to 10^16, a million log-spread values, and short buffers.
 * Checked once over every value below 3 * 10^9 as well (2026-12-03).
 */
static int fmt_dur_same(uint64_t ns, size_t n)
{
	char a[32], b[32];

	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	fmt_dur(a, n, ns);
	fmt_dur_fp(b, n, ns);
	if (!memcmp(a, b, n))
		return 1;
	fprintf(stderr, "fmt_dur(%llu, %zu): \"%.*s\", printf: \"%.*s\"\n",
		(unsigned long long)ns, n, (int)n, a, (int)n, b);
	return 0;
}

static void test_fmt_dur_exact(void)
{
	unsigned long long bad = 0, tried = 0;
	uint64_t ns, base, k, x = 88172645463325252ULL;
	size_t n;
	int i;

	for (ns = 0; ns < 2000000; ns++, tried++)
		bad += !fmt_dur_same(ns, 16);
	for (base = 5; base <= 1000000000000000ULL; base *= 10)
		for (k = 1; k < 20; k++)
			for (ns = k * base - 1500; ns < k * base + 1500; ns++, tried++)
				bad += !fmt_dur_same(ns, 16);
	for (i = 0; i < 1000000; i++, tried++) {
		x ^= x << 13;	/* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		bad += !fmt_dur_same(x >> (x % 60), 16);
	}
	for (ns = 1; ns < 20000000000ULL; ns = ns * 3 + 7)
		for (n = 0; n < 10; n++, tried++)
			bad += !fmt_dur_same(ns, n);
	CHECK(!bad, "fmt_dur is printf's %%.Nf of the double: %llu of %llu values differ",
	      bad, tried);

	/* fmt_seconds() against "%lu" and "%09lu" with the zeros trimmed */
	for (bad = 0, tried = 0, i = 0; i < 3000000; i++, tried++) {
		char a[32], b[32], fr[16];
		uint64_t v;
		int len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = i < 1000000 ? (uint64_t)i * 1000 : i < 1100000 ? (uint64_t)i : x >> (x % 64);
		fmt_seconds(a, sizeof(a), v);
		if (v % 1000000000ULL) {
			snprintf(fr, sizeof(fr), "%09" PRIu64, (uint64_t)(v % 1000000000ULL));
			for (len = 9; fr[len - 1] == '0'; len--)
				fr[len - 1] = 0;
			snprintf(b, sizeof(b), "%" PRIu64 ".%s", (uint64_t)(v / 1000000000ULL), fr);
		} else {
			snprintf(b, sizeof(b), "%" PRIu64, (uint64_t)(v / 1000000000ULL));
		}
		if (strcmp(a, b) && bad++ < 3)
			fprintf(stderr, "fmt_seconds(%llu): %s, printf: %s\n",
				(unsigned long long)v, a, b);
	}
	CHECK(!bad, "fmt_seconds is printf's: %llu of %llu values differ", bad, tried);
}

static void test_fmt(void)
{
	static const struct { uint64_t ns; const char *s; } d[] = {
		{ 0, "0ns" }, { 812, "812ns" }, { 999, "999ns" }, { 1000, "1.00us" },
		{ 1234, "1.23us" }, { 12345, "12.3us" }, { 123456, "123us" },
		{ 4560000, "4.56ms" }, { 999999, "1.00ms" }, { 1200000000, "1.20s" },
		{ 3600000000000ULL, "3600s" },
	};
	static const struct { const char *s; uint64_t ns; } p[] = {
		{ "500us", 500000 }, { "2ms", 2000000 }, { "1s", 1000000000 },
		{ "1500", 1500 }, { "1.5ms", 1500000 }, { "300ns", 300 },
		{ "\xc2\xb5s", 0 },
	};
	char buf[32];
	uint64_t ns;
	uint32_t ppm;
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		fmt_dur(buf, sizeof(buf), d[i].ns);
		CHECK(!strcmp(buf, d[i].s), "fmt_dur(%llu) = %s (got %s)",
		      (unsigned long long)d[i].ns, d[i].s, buf);
	}
	test_fmt_dur_exact();
	for (i = 0; i < sizeof(p) / sizeof(p[0]) - 1; i++) {
		int r = parse_duration(p[i].s, &ns);

		CHECK(!r && ns == p[i].ns, "parse_duration(%s) = %llu", p[i].s,
		      (unsigned long long)p[i].ns);
	}
	CHECK(!parse_duration("7\xc2\xb5s", &ns) && ns == 7000, "parse_duration accepts µs");
	CHECK(parse_duration("2 ms", &ns) < 0, "parse_duration rejects '2 ms'");
	CHECK(parse_duration("-1ms", &ns) < 0, "parse_duration rejects negatives");
	CHECK(parse_duration("5min", &ns) < 0, "parse_duration rejects unknown units");
	CHECK(!parse_percent_ppm("1.5", &ppm) && ppm == 15000, "1.5%% -> 15000 ppm");
	CHECK(!parse_percent_ppm("100%", &ppm) && ppm == 1000000, "100%% -> 1000000 ppm");
	CHECK(parse_percent_ppm("101", &ppm) < 0, "101%% rejected");
	CHECK(!strcmp(fmt_seconds(buf, sizeof(buf), 512000), "0.000512"), "fmt_seconds 512us");
	CHECK(!strcmp(fmt_seconds(buf, sizeof(buf), 3000000000ULL), "3"), "fmt_seconds 3s");
	CHECK(!strcmp(fmt_seconds(buf, sizeof(buf), 1000000001ULL), "1.000000001"), "fmt_seconds 1s+1ns");
	CHECK(parse_bool("on") == 1 && parse_bool("off") == 0 && parse_bool("x") < 0, "parse_bool");
}

/* json_escape() before runs went out in one write: the reference */
static void ref_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/*
 * Strings of every byte, as values and as keys (short, long, plain or
 * not), and numbers, against the reference: json_escape() and json_key()
 * write runs at once, json_u64() without printf.
 */
static void test_json_escape_exact(void)
{
	uint64_t x = 0x2545F4914F6CDD1DULL;
	unsigned int bad = 0, i, k, n;
	char s[200], *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;

	for (i = 0; i < 20000; i++) {
		FILE *fa, *fb;
		struct json j;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = (unsigned int)(x % (i % 4 ? 12 : 190));
		for (k = 0; k < n; k++) {	/* mostly plain, some of any byte */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			s[k] = (char)(x % 5 ? 'a' + x % 26 : 1 + x % 255);
		}
		s[n] = 0;
		fa = open_memstream(&a, &na);
		fb = open_memstream(&b, &nb);
		if (!fa || !fb)
			break;
		json_init(&j, fa);
		json_obj(&j, NULL);
		json_str(&j, s, s);
		json_u64(&j, s, x);
		json_u64(&j, s, i % 3 ? x >> (x % 64) : 0);
		json_obj_end(&j);
		fputs("{", fb);
		ref_escape(fb, s);
		fputs(": ", fb);
		ref_escape(fb, s);
		fputs(",", fb);
		ref_escape(fb, s);
		fprintf(fb, ": %" PRIu64 ",", x);
		ref_escape(fb, s);
		fprintf(fb, ": %" PRIu64 "}", i % 3 ? x >> (x % 64) : 0);
		fclose(fa);
		fclose(fb);
		if (na != nb || memcmp(a, b, na)) {
			if (bad++ < 3)
				fprintf(stderr, "json %u:\n  got: %s\n  ref: %s\n", i, a, b);
		}
		free(a);
		free(b);
		a = b = NULL;
	}
	CHECK(!bad, "JSON strings, keys and numbers as the printf reference: %u of 20000 differ", bad);
}

/*
 * fmt_u64() (two digits a division) against printf: every value below
 * 200 000, each power of ten and its neighbours, the ends, and a million
 * spread over every length; json_i64() and json_double() the same way
 * (json_double writes a whole number below 10^6 itself, -0 excepted).
 */
static void test_json_numbers_exact(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL, v, p10;
	unsigned int bad = 0, badj = 0, i;
	char a[32], b[32], *m = NULL;
	size_t nm = 0;
	int d;

	for (v = 0; v < 200000; v++) {
		a[fmt_u64(a, v)] = 0;
		snprintf(b, sizeof(b), "%" PRIu64, v);
		bad += !!strcmp(a, b);
	}
	for (p10 = 1, d = 0; d < 20; d++, p10 *= 10) {
		for (v = p10 > 2 ? p10 - 2 : 0; v <= p10 + 2; v++) {
			a[fmt_u64(a, v)] = 0;
			snprintf(b, sizeof(b), "%" PRIu64, v);
			bad += !!strcmp(a, b);
		}
	}
	for (i = 0; i < 1000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = i ? x >> (i % 64) : UINT64_MAX;
		a[fmt_u64(a, v)] = 0;
		snprintf(b, sizeof(b), "%" PRIu64, v);
		bad += !!strcmp(a, b);
	}
	CHECK(!bad, "fmt_u64 as printf's %%" PRIu64 ": %u of 1 200 100 values differ", bad);

	for (i = 0; i < 100000; i++) {
		static const double special[] = { 0.0, -0.0, 1.0, 100.0, 999999.0, 1e6, 0.5,
						  33.333333333, 1e-7, -1.0, 2.5e15, 123456.5 };
		struct json j;
		FILE *f = open_memstream(&m, &nm);
		int64_t iv;
		double dv;
		char ref[96];

		if (!f)
			break;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		iv = (int64_t)(x >> (i % 64));
		if (i % 2)
			iv = -iv;
		if (i == 1)
			iv = INT64_MIN;
		if (i < sizeof(special) / sizeof(special[0]))
			dv = special[i];
		else if (i % 3 == 0)
			dv = (double)(x % 2000000);	/* whole numbers either side of 10^6 */
		else
			dv = (double)(x % 100000000) / 1000.0;
		json_init(&j, f);
		json_arr(&j, NULL);
		json_i64(&j, NULL, iv);
		json_double(&j, NULL, dv);
		json_arr_end(&j);
		fclose(f);
		snprintf(ref, sizeof(ref), "[%" PRId64 ",%.6g]", iv, dv);
		if (strcmp(m, ref) && badj++ < 3)
			fprintf(stderr, "json numbers: got %s, want %s\n", m, ref);
		free(m);
		m = NULL;
	}
	CHECK(!badj, "json_i64 and json_double as printf: %u of 100 000 differ", badj);
}

/*
 * A document much longer than the writer's buffer, with strings longer
 * than it, against the same document written by the reference: nothing
 * lost, doubled or reordered at the buffer's edges.
 */
static void test_json_long(void)
{
	uint64_t x = 0x2545F4914F6CDD1DULL;
	char *a = NULL, *b = NULL, *s;
	size_t na = 0, nb = 0, n, k;
	FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
	struct json j;
	unsigned int i;

	s = malloc(3 * JSON_BUF);
	if (!fa || !fb || !s) {
		CHECK(0, "JSON long document: out of memory");
		return;
	}
	json_init(&j, fa);
	json_obj(&j, NULL);
	json_arr(&j, "v");
	fputs("{\"v\": [", fb);
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = i % 500 == 7 ? (size_t)(x % (3 * JSON_BUF - 1)) : (size_t)(x % 40);
		for (k = 0; k < n; k++)
			s[k] = (char)(k % 97 == 5 ? 1 + (x + k) % 127 : 'a' + (x + k) % 26);
		s[n] = 0;
		json_obj(&j, NULL);
		json_str(&j, s, s);
		json_u64(&j, "n", x);
		json_bool(&j, "b", x & 1);
		json_obj_end(&j);
		fputs(i ? ",{" : "{", fb);
		ref_escape(fb, s);
		fputs(": ", fb);
		ref_escape(fb, s);
		fprintf(fb, ",\"n\": %" PRIu64 ",\"b\": %s}", x, x & 1 ? "true" : "false");
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	fputs("]}\n", fb);
	fclose(fa);
	fclose(fb);
	CHECK(na == nb && !memcmp(a, b, na) && na > 20 * JSON_BUF,
	      "JSON: a %zu-byte document (strings up to 3x the %d-byte buffer) as the reference (%zu bytes)",
	      na, JSON_BUF, nb);
	free(a);
	free(b);
	free(s);
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "s", "a\"b\\c\nd\x01");
	json_u64(&j, "n", 18446744073709551615ULL);
	json_arr(&j, "a");
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	json_obj(&j, NULL);
	json_bool(&j, "t", true);
	json_obj_end(&j);
	json_arr_end(&j);
	json_double(&j, "d", 1.5);
	json_null(&j, "z");
	json_obj_end(&j);
	json_end(&j);
	fclose(f);
	CHECK(!strcmp(buf, "{\"s\": \"a\\\"b\\\\c\\nd\\u0001\",\"n\": 18446744073709551615,"
		      "\"a\": [1,2,{\"t\": true}],\"d\": 1.5,\"z\": null}\n"),
	      "JSON escaping and nesting (got %s)", buf);
	free(buf);
	test_json_escape_exact();
	test_json_numbers_exact();
	test_json_long();
}

/* The probe's exact sample sets: nearest-rank percentiles. */
static void test_samples(void)
{
	struct samples s = { 0 };
	int i;

	CHECK(samples_pct(&s, 0.5) == 0 && samples_min(&s) == 0 && samples_max(&s) == 0,
	      "samples: empty set reads 0");
	for (i = 100; i >= 1; i--)	/* added out of order */
		samples_add(&s, i * 1000);
	CHECK(samples_pct(&s, 0.5) == 50000 && samples_pct(&s, 0.99) == 99000 &&
	      samples_pct(&s, 0.999) == 100000 && samples_pct(&s, 0) == 1000,
	      "samples: nearest rank (p50 %lld)", (long long)samples_pct(&s, 0.5));
	CHECK(samples_min(&s) == 1000 && samples_max(&s) == 100000 && samples_mean(&s) == 50500,
	      "samples: min, max, mean");
	samples_add(&s, -5);	/* a negative sample sorts first */
	CHECK(samples_min(&s) == -5 && s.n == 101, "samples: adding unsorts, the next read sorts");
	samples_free(&s);
	CHECK(!s.v && !s.n, "samples: freed");
}

/* include/stamp_time.h as the CLI builds it (the module's build is KUnit's) */
static void test_stamp_time(void)
{
	/* NTP era 1 begins at Unix 2085978496 (2036-02-07 06:28:16 UTC) */
	const uint64_t era1 = 2085978496ULL, ns = 1000000000ULL;
	const uint64_t vals[] = { 1, 999999999, 1700000000ULL * ns + 123456789,
				  era1 * ns - 1, era1 * ns + 1, 4000000000ULL * ns + 7 };
	uint32_t sec, frac;
	unsigned int i;
	int ok = 1;

	CHECK(stamp_ts_to_ns(4, 0, 0, (era1 + 4) * ns) == (era1 + 4) * ns,
	      "NTP seconds 4 read in 2036 are 2036, not 1900");
	CHECK(stamp_ts_to_ns(0xffffffffU, 0, 0, (era1 + 10) * ns) == (era1 - 1) * ns,
	      "NTP seconds 2^32 - 1 read just after the rollover are just before it");
	CHECK(stamp_ts_to_ns(1700000000U + 2208988800U, 0, 0,
			     1700000000ULL * ns) == 1700000000ULL * ns,
	      "NTP era 0 read in era 0");
	CHECK(stamp_ts_to_ns(5, 2000000000U, 1, 6 * ns) == 5 * ns + 999999999,
	      "PTP fraction above 10^9 - 1 ns is clamped");
	CHECK(stamp_ts_to_ns(0, 0, 0, 1700000000ULL * ns) == 0, "zero timestamp reads as 0");
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		stamp_ns_to_ts(vals[i], 0, &sec, &frac);
		ok &= stamp_ts_to_ns(sec, frac, 0, vals[i]) == vals[i];
		stamp_ns_to_ts(vals[i], 1, &sec, &frac);
		ok &= stamp_ts_to_ns(sec, frac, 1, vals[i]) == vals[i];
	}
	CHECK(ok, "ns -> timestamp -> ns is exact, NTP and PTP, across the 2036 rollover");
}

/* snapfire tcp: its rate text and the srtt histogram's buckets */
static void test_tcp(void)
{
	struct tcp_conn v[6] = {
		{ .has_info = true, .srtt_ns = 1000 },		/* [0, 2us) */
		{ .has_info = true, .srtt_ns = 1999 },		/* [0, 2us) */
		{ .has_info = true, .srtt_ns = 2000 },		/* [2us, 4us) */
		{ .has_info = true, .srtt_ns = 5000000 },	/* [4.096ms, 8.192ms) */
		{ .has_info = false, .srtt_ns = 5000000 },	/* no tcp_info: none */
		{ .has_info = true, .srtt_ns = 0 },		/* no sample yet: none */
	};
	struct tcp_conns s = { v, 6, 6 };
	bool keep[6] = { true, true, true, true, true, true };
	uint64_t c[TCP_HIST_BUCKETS];
	char b[32];

	tcp_srtt_hist(&s, keep, c);
	CHECK(c[0] == 2 && c[1] == 1 && c[12] == 1 && tcp_hist_low_ns(12) == 4096000 &&
	      tcp_hist_high_ns(12) == 8192000 && tcp_hist_low_ns(0) == 0,
	      "tcp: srtt histogram buckets [2^k, 2^(k+1)) us, the first from 0; no tcp_info or no sample yet left out");
	keep[3] = false;
	tcp_srtt_hist(&s, keep, c);
	CHECK(c[12] == 0 && c[0] == 2, "tcp: the filter's choice is what is counted");
	v[0].srtt_ns = 3600ULL * 1000000000;
	tcp_srtt_hist(&s, keep, c);
	CHECK(c[TCP_HIST_BUCKETS - 1] == 1, "tcp: an srtt beyond the last bucket counts in it");
	CHECK(!strcmp(fmt_rate(b, sizeof(b), 0), "0bit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 999), "999bit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 31402666664ULL), "31.4Gbit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 1000000), "1.00Mbit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 512000), "512kbit/s"),
	      "tcp: rates in bit/s with a unit");
}

int main(void)
{
	test_percentiles();
	test_render();
	test_fmt();
	test_json();
	test_out();
	test_flow_helpers();
	test_flow_out();
	test_table_row();
	test_parse();
	test_prometheus();
	test_stamp_time();
	test_verdict();
	test_samples();
	test_config_keys();
	test_tcp();
	test_diag();
	test_hstore();
	test_agent_prom();
	test_agent_hist_merged();
	test_hquery();
	test_agent_conf();
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
