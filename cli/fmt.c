// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"

/*
 * The JSON writers below write with stdio's unlocked calls. No FILE they
 * write is ever written by two threads at once: the CLI prints from its
 * main thread (diagnose's threads hand their results back first), and the
 * agent's HTTP handlers each write a memstream of their own. With the
 * locking calls, fwrite was a quarter of `-j flows`' profile (a call per
 * key and per value), and its CPU 13 % more.
 */
static inline void put_n(FILE *f, const void *p, size_t n)
{
	fwrite_unlocked(p, 1, n, f);
}

static inline void put_s(FILE *f, const char *s)
{
	put_n(f, s, strlen(s));
}

/*
 * The reference: floating point and printf's rounding of the double (which
 * is exact: a value that reads as a tie in decimal may sit either side of
 * it in binary). fmt_dur() gives the same string without printf for all
 * but a few inputs, which it hands to this one.
 */
char *fmt_dur_fp(char *buf, size_t n, uint64_t ns)
{
	static const struct { double div; const char *unit; } u[] = {
		{ 1e3, "us" }, { 1e6, "ms" }, { 1e9, "s" },
	};
	double v;
	int i;

	if (ns < 1000) {
		snprintf(buf, n, "%" PRIu64 "ns", ns);
		return buf;
	}
	for (i = 0; i < 2; i++)
		if ((double)ns < u[i + 1].div * 0.9995)
			break;
	v = (double)ns / u[i].div;
	if (i == 2 && v >= 999.5)
		snprintf(buf, n, "%.0fs", v);
	else if (v >= 99.95)
		snprintf(buf, n, "%.0f%s", v, u[i].unit);
	else if (v >= 9.995)
		snprintf(buf, n, "%.1f%s", v, u[i].unit);
	else
		snprintf(buf, n, "%.2f%s", v, u[i].unit);
	return buf;
}

/* "00" to "99" */
static const char fmt_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t fmt_u64(char *p, uint64_t v)
{
	char d[20];
	size_t k = sizeof(d), len;

	while (v >= 100) {	/* two digits a division */
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		k -= 2;
		memcpy(d + k, fmt_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		k -= 2;
		memcpy(d + k, fmt_pairs + 2 * v, 2);
	} else {
		d[--k] = (char)('0' + v);
	}
	len = sizeof(d) - k;
	while (k < sizeof(d))
		*p++ = d[k++];
	return len;
}

/* @v in decimal, @dec digits of it after a point, then @unit, into @p. */
static size_t put_fixed(char *p, uint64_t v, int dec, const char *unit)
{
	char d[24];
	size_t len = 0, k = 0;

	do {
		d[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || k <= (size_t)dec);	/* "0.05": a digit before the point */
	while (k) {
		if ((int)k == dec)
			p[len++] = '.';
		p[len++] = d[--k];
	}
	while (*unit)
		p[len++] = *unit++;
	p[len] = 0;
	return len;
}

/*
 * Hot: a table row formats seven durations, a million flows seven million.
 * Integer arithmetic on the exact quotient ns / unit, rounded to nearest;
 * where that quotient is exactly half way (ties: printf rounds the double,
 * which may sit either side), and above 10^15 ns (11.6 days: the double
 * is then coarser than the digits), fmt_dur_fp() decides. The branch
 * points are the same doubles fmt_dur_fp() compares with, and cli/tests
 * compares the two over every value near each of them.
 */
char *fmt_dur(char *buf, size_t n, uint64_t ns)
{
	static const struct { uint64_t div; const char *unit; } u[] = {
		{ 1000, "us" }, { 1000000, "ms" }, { 1000000000, "s" },
	};
	static const uint64_t p10[] = { 1, 10, 100 };
	uint64_t num, q, rem;
	char tmp[32];
	size_t len;
	int i, dec;
	double v;

	if (!n)
		return buf;
	if (ns < 1000) {
		len = put_fixed(tmp, ns, 0, "ns");
	} else {
		if (ns >= 1000000000000000ULL)
			return fmt_dur_fp(buf, n, ns);
		for (i = 0; i < 2; i++)
			if ((double)ns < (double)u[i + 1].div * 0.9995)
				break;
		v = (double)ns / (double)u[i].div;
		if (v >= 99.95)		/* and so "s" at 999.5 */
			dec = 0;
		else if (v >= 9.995)
			dec = 1;
		else
			dec = 2;
		num = ns * p10[dec];
		q = num / u[i].div;
		rem = num % u[i].div;
		if (2 * rem == u[i].div)
			return fmt_dur_fp(buf, n, ns);
		if (2 * rem > u[i].div)
			q++;
		len = put_fixed(tmp, q, dec, u[i].unit);
	}
	/* snprintf's truncation */
	if (len >= n)
		len = n - 1;
	memcpy(buf, tmp, len);
	buf[len] = 0;
	return buf;
}

/*
 * 100 * @part / @whole with one decimal, as printf("%.1f") of the double
 * 100.0 * part / whole (0.0 for @whole 0), without printf: integers where
 * the double cannot round differently (below 2^40 and not a decimal tie),
 * printf otherwise.
 */
char *fmt_pct1(char *buf, size_t n, uint64_t part, uint64_t whole)
{
	uint64_t q, rem, lim = 1ULL << 40;
	char tmp[32];
	size_t len;

	if (!n)
		return buf;
	if (!whole) {
		q = 0;
	} else if (part >= lim || whole >= lim) {
		snprintf(buf, n, "%.1f", 100.0 * (double)part / (double)whole);
		return buf;
	} else {
		q = part * 1000 / whole;
		rem = part * 1000 % whole;
		if (2 * rem == whole) {
			snprintf(buf, n, "%.1f", 100.0 * (double)part / (double)whole);
			return buf;
		}
		if (2 * rem > whole)
			q++;
	}
	len = put_fixed(tmp, q, 1, "");
	if (len >= n)
		len = n - 1;
	memcpy(buf, tmp, len);
	buf[len] = 0;
	return buf;
}

/* Hot too: export --prometheus writes one per histogram bucket. */
char *fmt_seconds(char *buf, size_t n, uint64_t ns)
{
	uint64_t s = ns / 1000000000ULL, f = ns % 1000000000ULL;
	char t[32], d[20];
	size_t len, k;
	int i;

	if (!n)
		return buf;
	len = fmt_u64(t, s);
	if (f) {
		t[len++] = '.';
		for (i = 8; i >= 0; i--) {	/* nine digits, trailing zeros trimmed */
			d[i] = (char)('0' + f % 10);
			f /= 10;
		}
		for (k = 9; d[k - 1] == '0'; k--)
			;
		memcpy(t + len, d, k);
		len += k;
	}
	if (len >= n)
		len = n - 1;
	memcpy(buf, t, len);
	buf[len] = 0;
	return buf;
}

int parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double mul; } u[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "", 1 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (!strcmp(end, u[i].unit)) {
			v *= u[i].mul;
			/* 2^64 ns and more do not fit */
			if (v + 0.5 >= 0x1p64)
				return -1;
			*ns = round_u64(v);
			return 0;
		}
	}
	return -1;
}

int parse_percent_ppm(const char *s, uint32_t *ppm)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0 || v > 100)
		return -1;
	if (*end == '%')
		end++;
	if (*end)
		return -1;
	*ppm = (uint32_t)llround(v * 10000.0);
	return 0;
}

int parse_bool(const char *s)
{
	static const char *const on[] = { "on", "1", "yes", "true" };
	static const char *const off[] = { "off", "0", "no", "false" };
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, on[i]))
			return 1;
		if (!strcasecmp(s, off[i]))
			return 0;
	}
	return -1;
}

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->len = 0;
	memset(j->first, 0, sizeof(j->first));
	j->first[0] = true;
}

/* the JSON escape of byte @c, or NULL when it stands as itself */
static const char *json_esc(unsigned char c, char tmp[8])
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\b': return "\\b";
	case '\f': return "\\f";
	default:
		if (c >= 0x20)
			return NULL;
		snprintf(tmp, 8, "\\u%04x", c);
		return tmp;
	}
}

/* Runs of plain bytes go out with one fwrite each. */
void json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	const char *e;
	char tmp[8];

	fputc_unlocked('"', f);
	for (; *p; p++) {
		e = json_esc(*p, tmp);
		if (!e)
			continue;
		if (p > run)
			put_n(f, run, (size_t)(p - run));
		put_s(f, e);
		run = p + 1;
	}
	if (p > run)
		put_n(f, run, (size_t)(p - run));
	fputc_unlocked('"', f);
}

/*
 * The document goes through j->buf, written out when full, when a
 * top-level value is complete and at json_end(): a flow of -j flows is
 * some 40 keys and values, which were two stdio calls each.
 */
void json_flush(struct json *j)
{
	if (j->len)
		put_n(j->f, j->buf, j->len);
	j->len = 0;
}

/* room for @n more bytes (n <= JSON_BUF) at j->buf + j->len */
static inline char *jroom(struct json *j, size_t n)
{
	if (j->len + n > sizeof(j->buf))
		json_flush(j);
	return j->buf + j->len;
}

static void jput(struct json *j, const char *p, size_t n)
{
	char *o;
	size_t i;

	if (n > sizeof(j->buf) / 2) {
		json_flush(j);
		put_n(j->f, p, n);
		return;
	}
	o = jroom(j, n);
	if (n <= 24) {		/* keys and most strings: no call */
		for (i = 0; i < n; i++)
			o[i] = p[i];
	} else {
		memcpy(o, p, n);
	}
	j->len += n;
}

static inline void jputc(struct json *j, char c)
{
	*jroom(j, 1) = c;
	j->len++;
}

/* the bytes that stand as themselves in a JSON string (NUL ends it) */
static const bool json_plain[256] = {
	[0x20 ... '"' - 1] = true, ['"' + 1 ... '\\' - 1] = true,
	['\\' + 1 ... 0xff] = true,
};

/* @s as a JSON string: runs of plain bytes copied at once */
static void jstr(struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	char tmp[8];
	const char *e;

	jputc(j, '"');
	for (;;) {
		for (run = p; json_plain[*p]; p++)
			;
		if (p > run)
			jput(j, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		e = json_esc(*p++, tmp);
		jput(j, e, strlen(e));
	}
	jputc(j, '"');
}

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		jputc(j, ',');
	j->first[j->depth] = false;
	if (key) {
		jstr(j, key);
		jput(j, ": ", 2);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	jputc(j, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	jputc(j, c);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth)
		json_flush(j);
}

void json_obj(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr(struct json *j, const char *key) { json_open(j, key, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

void json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	jstr(j, v ? v : "");
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	j->len += fmt_u64(jroom(j, 20), v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	if (v < 0) {
		jputc(j, '-');
		j->len += fmt_u64(jroom(j, 20), -(uint64_t)v);
	} else {
		j->len += fmt_u64(jroom(j, 20), (uint64_t)v);
	}
}

void json_double(struct json *j, const char *key, double v)
{
	char b[32];
	int n;

	json_key(j, key);
	if (!isfinite(v)) {
		jput(j, "null", 4);
	} else if (v >= 0 && v < 1e6 && v == (double)(uint64_t)v && !signbit(v)) {
		/* %.6g of a whole number below 10^6 is its digits (loss 0) */
		j->len += fmt_u64(jroom(j, 20), (uint64_t)v);
	} else {
		n = snprintf(b, sizeof(b), "%.6g", v);
		jput(j, b, n > 0 ? (size_t)n : 0);
	}
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	if (v)
		jput(j, "true", 4);
	else
		jput(j, "false", 5);
}

void json_null(struct json *j, const char *key)
{
	json_key(j, key);
	jput(j, "null", 4);
}

void json_end(struct json *j)
{
	jputc(j, '\n');
	json_flush(j);
	j->depth = 0;
	j->first[0] = true;
	fflush(j->f);
}

char *fmt_rate(char *buf, size_t n, uint64_t bps)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	double v = (double)bps;
	unsigned int u = 0;

	while (v >= 999.5 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	if (!u)
		snprintf(buf, n, "%" PRIu64 "bit/s", bps);
	else
		snprintf(buf, n, "%.*f%sbit/s", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, unit[u]);
	return buf;
}
