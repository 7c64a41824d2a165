/* SPDX-License-Identifier: GPL-2.0 */
/* Human formatting of durations and a tiny streaming JSON writer. */
#ifndef SNAPFIRE_FMT_H
#define SNAPFIRE_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * @v rounded to the nearest integer, 0 below 0 (and NaN), UINT64_MAX from
 * 2^64 on: llround() gives a long long, and stops at 2^63 (a duration of
 * 1e19 ns came out as 2^63).
 */
static inline uint64_t round_u64(double v)
{
	if (!(v > 0))
		return 0;
	if (v + 0.5 >= 0x1p64)
		return UINT64_MAX;
	return (uint64_t)(v + 0.5);
}

/* @v in decimal at @p (20 bytes at most, no NUL): the length */
size_t fmt_u64(char *p, uint64_t v);
/* ns -> "812ns", "1.23us", "4.56ms", "1.20s" (3 significant digits). */
char *fmt_dur(char *buf, size_t n, uint64_t ns);
/* The same with floating point and printf: the reference fmt_dur() keeps. */
char *fmt_dur_fp(char *buf, size_t n, uint64_t ns);
/* 100 * part / whole, one decimal, printf's "%.1f" of the double: "12.5" */
char *fmt_pct1(char *buf, size_t n, uint64_t part, uint64_t whole);
/* Exact decimal seconds of ns, trailing zeros trimmed: 512000 -> "0.000512". */
char *fmt_seconds(char *buf, size_t n, uint64_t ns);
/* bits/s with a unit, 3 significant digits: "31.4Gbit/s", "512kbit/s", "0bit/s" */
char *fmt_rate(char *buf, size_t n, uint64_t bps);
/* "500us", "2ms", "1.5s", "300ns", "1000" (plain ns) -> ns; 0 or -1. */
int parse_duration(const char *s, uint64_t *ns);
/* "1.5", "1.5%" -> parts per million; 0 or -1. */
int parse_percent_ppm(const char *s, uint32_t *ppm);
/* "on"/"off"/"1"/"0"/"yes"/"no"/"true"/"false" -> 0/1, -1 otherwise */
int parse_bool(const char *s);

#define JSON_MAX_DEPTH 32

#define JSON_BUF 8192

/*
 * A JSON document being written to @f. What it writes waits in @buf until
 * that is full, a top-level value is complete, json_flush() or json_end():
 * whatever else writes to @f in between flushes first (out_file() does).
 */
struct json {
	FILE *f;
	int depth;
	size_t len;		/* bytes waiting in buf */
	bool first[JSON_MAX_DEPTH];
	char buf[JSON_BUF];
};

void json_init(struct json *j, FILE *f);
void json_escape(FILE *f, const char *s);
/* key is NULL inside arrays and at top level. */
void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Writes out what waits in the buffer. */
void json_flush(struct json *j);
/* Ends the top-level document with a newline. */
void json_end(struct json *j);

#endif
