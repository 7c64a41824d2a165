// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"

char *fmt_dur(char *buf, size_t n, uint64_t ns)
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

char *fmt_seconds(char *buf, size_t n, uint64_t ns)
{
	uint64_t s = ns / 1000000000ULL, f = ns % 1000000000ULL;
	char frac[16];
	int len;

	if (!f) {
		snprintf(buf, n, "%" PRIu64, s);
		return buf;
	}
	snprintf(frac, sizeof(frac), "%09" PRIu64, f);
	len = 9;
	while (len > 0 && frac[len - 1] == '0')
		frac[--len] = 0;
	snprintf(buf, n, "%" PRIu64 ".%s", s, frac);
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
			if (v > 1.8e19)
				return -1;
			*ns = (uint64_t)llround(v);
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
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

void json_escape(FILE *f, const char *s)
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

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		json_escape(j->f, key);
		fputs(": ", j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_obj(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr(struct json *j, const char *key) { json_open(j, key, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

void json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_escape(j->f, v ? v : "");
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	if (!isfinite(v))
		fputs("null", j->f);
	else
		fprintf(j->f, "%.6g", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
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
