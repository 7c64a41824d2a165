// SPDX-License-Identifier: GPL-2.0
/* CLI unit tests: fmt.c, its number and duration formatting against printf
 * (the reference) and its JSON writer against a reference writer. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "unit.h"

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

void test_fmt(void)
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
	/* above 2^63 ns: llround() made every one 2^63 */
	CHECK(!parse_duration("1e19", &ns) && ns == 10000000000000000000ULL &&
	      !parse_duration("1e10s", &ns) && ns == 10000000000000000000ULL,
	      "parse_duration: 1e19 and 1e10s are 10^19 ns (%llu)", (unsigned long long)ns);
	CHECK(parse_duration("1.9e19", &ns) < 0 && parse_duration("2e10s", &ns) < 0,
	      "parse_duration refuses 2^64 ns and more");
	CHECK(round_u64(-1) == 0 && round_u64(NAN) == 0 && round_u64(0x1p64) == UINT64_MAX &&
	      round_u64(0x1p63) == 0x8000000000000000ULL && round_u64(2.5) == 3,
	      "round_u64: 0 below 0 and NaN, UINT64_MAX from 2^64, else the nearest");
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

void test_json(void)
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
