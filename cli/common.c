// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

bool g_json;
const char *g_prog = "snapfire";

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s%s%s: ", g_prog, cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help%s%s'.\n", g_prog, cmd ? " " : "",
		cmd ? cmd : "");
	return EXIT_USAGE;
}

int arg_u64(const char *cmd, const char *opt, const char *s, uint64_t max,
	    uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s)
		return usage_err(cmd, "%s needs a value", opt);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		return usage_err(cmd, "%s: '%s' is not a number from 0 to %llu",
				 opt, s, (unsigned long long)max);
	*out = v;
	return 0;
}

int arg_double(const char *cmd, const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return usage_err(cmd, "%s needs a value", opt);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0)
		return usage_err(cmd, "%s: '%s' is not a non-negative number",
				 opt, s);
	*out = v;
	return 0;
}
