/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One call per field serves both outputs, as iproute2's lib/json_print.c:
 * in text mode a field is printed with its printf format, in JSON mode as
 * "key": value. OUT_TEXT and OUT_JSON restrict a call to one output, for
 * the places where the two are shaped differently (a table's columns, an
 * address and port that text joins); OUT_ANY is the rule.
 *
 * A listing is written once:
 *
 *	out_begin(stdout, g_json);
 *	out_obj(NULL);
 *	out_u64(OUT_ANY, "flows", "flows: %" PRIu64 "\n", n);
 *	out_obj_end();
 *	out_end();
 *
 * Objects and arrays exist in JSON only; text gets what the fields print.
 */
#ifndef SNAPFIRE_OUT_H
#define SNAPFIRE_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum out_kind {
	OUT_ANY,	/* both outputs */
	OUT_TEXT,	/* text only (key unused) */
	OUT_JSON,	/* JSON only (fmt unused) */
};

/* Start a document on f; JSON when json is true. */
void out_begin(FILE *f, bool json);
/* End it: JSON gets its newline; both are flushed. */
void out_end(void);
bool out_is_json(void);
/* The stream, for what draws itself (a histogram's bars; text only). */
FILE *out_file(void);

/* JSON containers; key NULL inside arrays and at the top. */
void out_obj(const char *key);
void out_obj_end(void);
void out_arr(const char *key);
void out_arr_end(void);

void out_str(enum out_kind k, const char *key, const char *fmt, const char *v);
void out_u64(enum out_kind k, const char *key, const char *fmt, uint64_t v);
void out_i64(enum out_kind k, const char *key, const char *fmt, int64_t v);
void out_double(enum out_kind k, const char *key, const char *fmt, double v);
/* JSON true/false; text: fmt with the word yes or no in %s, or the given
 * words when both are set (e.g. "on", "off"). */
void out_bool(enum out_kind k, const char *key, const char *fmt, bool v);
void out_bool_words(enum out_kind k, const char *key, const char *fmt, bool v,
		    const char *yes, const char *no);
/* A duration: JSON the integer ns, text fmt with fmt_dur()'s "1.23ms". */
void out_dur(enum out_kind k, const char *key, const char *fmt, uint64_t ns);
/* JSON null (no text). */
void out_null(const char *key);
/* Text only, printf style. */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
