// SPDX-License-Identifier: GPL-2.0
/* One call per field for text and JSON output (out.h). */
#include <stdarg.h>

#include "fmt.h"
#include "out.h"

/* The document being written: one at a time, as the CLI prints one. */
static struct {
	FILE *f;
	bool json;
	struct json j;
} out = { .f = NULL };

void out_begin(FILE *f, bool json)
{
	out.f = f;
	out.json = json;
	if (json)
		json_init(&out.j, f);
}

void out_end(void)
{
	if (out.json)
		json_end(&out.j);
	else
		fflush(out.f);
}

bool out_is_json(void)
{
	return out.json;
}

/* The FILE itself, for what out.c does not write: JSON waiting in the
 * writer's buffer goes out first, so the two stay in order. */
FILE *out_file(void)
{
	if (out.json)
		json_flush(&out.j);
	return out.f;
}

/* Does a call of kind k print in the current output? */
static bool shown(enum out_kind k)
{
	return k == OUT_ANY || (k == OUT_JSON) == out.json;
}

#define TEXT_FMT(fmt, ...)						\
	do {								\
		_Pragma("GCC diagnostic push")				\
		_Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"") \
		fprintf(out.f, fmt, __VA_ARGS__);			\
		_Pragma("GCC diagnostic pop")				\
	} while (0)

void out_obj(const char *key)
{
	if (out.json)
		json_obj(&out.j, key);
}

void out_obj_end(void)
{
	if (out.json)
		json_obj_end(&out.j);
}

void out_arr(const char *key)
{
	if (out.json)
		json_arr(&out.j, key);
}

void out_arr_end(void)
{
	if (out.json)
		json_arr_end(&out.j);
}

void out_str(enum out_kind k, const char *key, const char *fmt, const char *v)
{
	if (!shown(k))
		return;
	if (out.json)
		json_str(&out.j, key, v);
	else
		TEXT_FMT(fmt, v ? v : "");
}

void out_u64(enum out_kind k, const char *key, const char *fmt, uint64_t v)
{
	if (!shown(k))
		return;
	if (out.json)
		json_u64(&out.j, key, v);
	else
		TEXT_FMT(fmt, v);
}

void out_i64(enum out_kind k, const char *key, const char *fmt, int64_t v)
{
	if (!shown(k))
		return;
	if (out.json)
		json_i64(&out.j, key, v);
	else
		TEXT_FMT(fmt, v);
}

void out_double(enum out_kind k, const char *key, const char *fmt, double v)
{
	if (!shown(k))
		return;
	if (out.json)
		json_double(&out.j, key, v);
	else
		TEXT_FMT(fmt, v);
}

void out_bool_words(enum out_kind k, const char *key, const char *fmt, bool v,
		    const char *yes, const char *no)
{
	if (!shown(k))
		return;
	if (out.json)
		json_bool(&out.j, key, v);
	else
		TEXT_FMT(fmt, v ? yes : no);
}

void out_bool(enum out_kind k, const char *key, const char *fmt, bool v)
{
	out_bool_words(k, key, fmt, v, "yes", "no");
}

void out_dur(enum out_kind k, const char *key, const char *fmt, uint64_t ns)
{
	char buf[32];

	if (!shown(k))
		return;
	if (out.json)
		json_u64(&out.j, key, ns);
	else
		TEXT_FMT(fmt, fmt_dur(buf, sizeof(buf), ns));
}

void out_null(const char *key)
{
	if (out.json)
		json_null(&out.j, key);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vfprintf(out.f, fmt, ap);
	va_end(ap);
}
